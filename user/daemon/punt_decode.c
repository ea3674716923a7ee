// SPDX-License-Identifier: BSD-2-Clause
/* punt_decode.c: a punted record's question, zone and verdict key, read once. */
#include <string.h>

#include "daemon/punt_decode.h"
#include "common/pkt_digest.h"

const struct cfg_zone *punt_zone(const struct dw_config *cfg, const struct dns_question *q)
{
	return config_find_zone(cfg, dnsq_zone_suffix(q));
}

void punt_decode(const struct dw_punt *p, const struct dw_config *cfg, const uint64_t sipkey[2],
		 struct punt_info *out)
{
	punt_decode_msg(p, p->pkt + p->dns_off, p->dns_len, cfg, sipkey, out);
}

void punt_decode_msg(const struct dw_punt *p, const uint8_t *msg, size_t len,
		     const struct dw_config *cfg, const uint64_t sipkey[2], struct punt_info *out)
{
	const struct cfg_zone *z = NULL;
	struct dw_verdict_key ref;
	bool kernel_full = !(p->flags & (DW_PUNT_F_TOO_COMPLEX | DW_PUNT_F_TCP_PART));

	memset(out, 0, sizeof(*out));
	out->flags = p->flags;
	out->l4 = p->l4;
	out->ts_ns = p->ts_ns;
	out->q_ok = !dnsq_parse(msg, len, &out->q);
	if (out->q_ok)
		z = punt_zone(cfg, &out->q);
	out->zone = z ? (int)(z - cfg->zones) : -1;
	if (p->flags & DW_PUNT_F_QUERY)
		return; /* a query: no reply to key */

	/*
	 * The verdict goes under the reference key computed here from the held
	 * bytes with the install's digest key (the same computation the BPF
	 * tests hold the data plane to).
	 */
	if (pkt_digest_walk(msg, len, sipkey, &ref, &out->max_ttl, NULL, NULL)) {
		out->key_uncomputable = true;
		/* The data plane's fallback key for a message it could not digest either. */
		out->key = kernel_full ? ref : p->key;
		return;
	}
	out->key = ref;
	out->key_full = true;
	out->key_mismatch = kernel_full && memcmp(&ref, &p->key, sizeof(ref));
}
