/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * punt_decode.h: one punted record read once. The question, the zone in
 * force for it, the reference verdict key and the record's flags and timing
 * are taken from the held bytes here; the pool, the validator's job and the
 * release path pass this struct along instead of parsing the message again.
 */
#ifndef DW_PUNT_DECODE_H
#define DW_PUNT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/dns_question.h"
#include "dnsward.h"

struct punt_info {
	struct dns_question q; /* valid when q_ok */
	bool q_ok;
	/*
	 * The key the verdict goes under: the reference digest of the held
	 * bytes, or the data plane's key when there is none. key_full: it is a
	 * digest over the question and every record, so two messages with this
	 * key carry the same data; without it (too many records to digest) the
	 * key names only qtype, qclass and flags, and binds no content.
	 */
	struct dw_verdict_key key;
	bool key_full;
	uint32_t max_ttl;      /* the largest TTL of the records digested, when key_full */
	bool key_uncomputable; /* the reference digest failed */
	bool key_mismatch;     /* the data plane computed another full key */
	int zone;	       /* index of the zone in force at decode time, or -1 */
	uint8_t flags;	       /* DW_PUNT_F_* */
	uint8_t l4;
	uint64_t ts_ns; /* when the data plane punted it */
};

/*
 * Decode p (checked by punt_check) under the policy cfg with the install's
 * digest key. Never fails: what did not decode is marked in the result.
 */
void punt_decode(const struct dw_punt *p, const struct dw_config *cfg, const uint64_t sipkey[2],
		 struct punt_info *out);
/*
 * The same for the message msg of len bytes that record p held only a part
 * of (DW_PUNT_F_TCP_PART: put back together by tcp_reasm.c); the data
 * plane computed no key for it.
 */
void punt_decode_msg(const struct dw_punt *p, const uint8_t *msg, size_t len,
		     const struct dw_config *cfg, const uint64_t sipkey[2], struct punt_info *out);

/*
 * The zone of cfg in force for the question q, or NULL. Names with bytes a
 * zone name cannot hold (DNS-SD instance labels) map through their longest
 * suffix that can, so they are judged like any other name of their zone.
 */
const struct cfg_zone *punt_zone(const struct dw_config *cfg, const struct dns_question *q);

#endif
