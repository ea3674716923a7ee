/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * punt_key.h: the reference verdict key of a held DNS message, computed in user
 * space with the install's digest key, to write verdicts under and to check
 * the data plane's own computation against.
 */
#ifndef DW_PUNT_KEY_H
#define DW_PUNT_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "dnsward.h"

/* Returns 0 and fills key, or -errno when the message cannot be digested. */
int punt_key_compute(const uint8_t *msg, size_t len, const uint64_t sipkey[2],
		     struct dw_verdict_key *key);

#endif
