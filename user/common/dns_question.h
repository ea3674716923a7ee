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
};

/* Parse the first question of msg. Returns 0, or -EINVAL when it does not parse. */
int dnsq_parse(const uint8_t *msg, size_t len, struct dns_question *q);

#endif
