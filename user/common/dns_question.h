/* SPDX-License-Identifier: BSD-2-Clause */
/* dns_question.h: the question of a DNS message, as the daemon names it in events and policy lookups. */
#ifndef DW_DNS_QUESTION_H
#define DW_DNS_QUESTION_H

#include <stddef.h>
#include <stdint.h>

#define DNSQ_NAME_LEN 1024 /* presentation format: 255 wire bytes, escapes at most 4x */

struct dns_question {
	char name[DNSQ_NAME_LEN]; /* lower case, no trailing dot; "." for the root */
	uint16_t qtype, qclass;
	uint16_t id, flags;
	/*
	 * Offset in name of its longest suffix of whole labels whose bytes a
	 * policy zone name can hold (letters, digits, '-', '_'); strlen(name)
	 * when the last label has another byte. A zone containing the name
	 * contains that suffix too, so the zone is found from it even for
	 * names such as DNS-SD instances ("my\032printer._ipp._tcp.idp.test").
	 */
	uint16_t zone_from;
};

/* Parse the first question of msg. Returns 0, or -EINVAL when it does not parse. */
int dnsq_parse(const uint8_t *msg, size_t len, struct dns_question *q);
/*
 * The same suffix for an uncompressed wire name (wire, len bytes), written to
 * out in lower case ("." when none). Returns 0, or -EINVAL when the name does
 * not parse or out is too small.
 */
int dname_zone_suffix(const uint8_t *wire, size_t len, char *out, size_t out_len);

/* The suffix of q's name a policy zone can be looked up with ("." when none). */
const char *dnsq_zone_suffix(const struct dns_question *q);

#endif
