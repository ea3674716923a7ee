/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verdict_map.h: write and flush verdicts in the data plane's verdict map.
 * Expiry is on the boot clock (bpf_ktime_get_boot_ns), which keeps counting
 * through suspend, so a verdict never outlives its TTL.
 */
#ifndef DW_VERDICT_MAP_H
#define DW_VERDICT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "dnsward.h"
#include "daemon/verdict_index.h"

/* Now on the data plane's clock, in nanoseconds. */
uint64_t verdict_now_ns(void);

/*
 * Write verdict (enum dw_verdict_code) valid for ttl_s seconds (at least 1).
 * Returns 0 for a new key, 1 when it replaced a verdict (the data plane's
 * memo may still hold the old one: see verdict_memo_invalidate), or -errno.
 */
int verdict_write(int map_fd, const struct dw_verdict_key *key, uint8_t verdict, uint8_t reason,
		  uint32_t zone_id, uint32_t ttl_s);

/*
 * verdict_write for a judged copy seen at seen_ns (the punt's stamp; 0: now)
 * whose largest TTL was max_ttl: an ALLOW hit may then carry TTLs that reach
 * no further than that copy's did (dw_verdict.ttl_over, include/dnsward.h).
 * verdict_write bounds a hit's TTLs by the verdict's own lifetime.
 */
int verdict_write_ttl(int map_fd, const struct dw_verdict_key *key, uint8_t verdict, uint8_t reason,
		      uint32_t zone_id, uint32_t ttl_s, uint32_t max_ttl, uint64_t seen_ns);

/* dw_verdict.ttl_over for TTLs that may reach until_ns, rounded down (never looser). */
uint16_t verdict_ttl_over(uint64_t expires_ns, uint64_t until_ns);
/*
 * Start a new memo generation in the data-plane config (config_fd, the
 * dnsward_config map): the data plane stops trusting every message it
 * remembered (bpf/lib/memo.bpf.h). Call it after deleting or replacing
 * verdicts. Returns 0 or -errno.
 */
int verdict_memo_invalidate(int config_fd);
/* Look one key up; returns 0 and fills out, or -ENOENT. */
int verdict_lookup(int map_fd, const struct dw_verdict_key *key, struct dw_verdict *out);
/* Whether key holds an ALLOW the data plane still honours (not expired). */
bool verdict_allow_live(int map_fd, const struct dw_verdict_key *key);
/* Delete every verdict; returns how many were deleted, or -errno. */
int verdict_flush(int map_fd);
/*
 * Delete the verdicts vi records for name and the names below it, and every
 * verdict vi does not know (written before this index existed, e.g. by a
 * previous run over the same pins: their names are unknown, so they go too).
 * Verdicts vi knows for other names stay. Returns how many were deleted, or -errno.
 */
int verdict_flush_name(int map_fd, struct verdict_index *vi, const char *name);

#endif
