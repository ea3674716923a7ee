// SPDX-License-Identifier: BSD-2-Clause
/* verdict_map.c: the verdict cache as user space writes it. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "log.h"
#include "verdict_map.h"

uint64_t verdict_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int verdict_write(int map_fd, const struct dw_verdict_key *key, uint8_t verdict, uint8_t reason,
		  uint32_t zone_id, uint32_t ttl_s)
{
	struct dw_verdict v = {.zone_id = zone_id, .verdict = verdict, .reason = reason};

	if (ttl_s == 0)
		ttl_s = 1;
	v.expires_ns = verdict_now_ns() + (uint64_t)ttl_s * 1000000000ull;
	if (bpf_map_update_elem(map_fd, key, &v, BPF_ANY)) {
		int err = -errno;

		pr_err("verdict: write qtype %u: %s", key->qtype, strerror(errno));
		return err;
	}
	return 0;
}

int verdict_lookup(int map_fd, const struct dw_verdict_key *key, struct dw_verdict *out)
{
	return bpf_map_lookup_elem(map_fd, key, out) ? -errno : 0;
}

int verdict_flush(int map_fd)
{
	struct dw_verdict_key k, next;
	int n = 0, i;

	/* Always restart from the first key: deleting the current key breaks a hash walk. */
	for (i = 0; i < DW_VERDICTS_MAX * 2; i++) {
		if (bpf_map_get_next_key(map_fd, NULL, &next))
			break;
		k = next;
		if (bpf_map_delete_elem(map_fd, &k)) {
			int err = -errno;

			pr_err("verdict: flush: %s", strerror(errno));
			return err;
		}
		n++;
	}
	return n;
}
