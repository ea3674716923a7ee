/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * validator.h: prove DNS data with a DNSSEC chain of trust, and judge a held
 * reply against the proven truth. One validator is independent of every other
 * (no global state); a validator is used by one thread at a time.
 */
#ifndef DW_VALIDATOR_H
#define DW_VALIDATOR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"
#include "validator/val_stats.h"
#include "validator/val_status.h"

struct validator;

/*
 * A validator over cfg's anchors, NTAs, upstreams and limits. cfg is copied
 * where needed; the caller may free it afterwards. Returns NULL and writes the
 * reason into err on failure (e.g. an anchor file that does not parse).
 */
struct validator *validator_new(const struct dw_config *cfg, char *err, size_t err_len);
void validator_free(struct validator *v);

/* Pin the validation clock (test vectors); 0 restores the real clock. */
void validator_set_time(struct validator *v, time_t now);

/* Fill the trace while validating (CLI); off by default. */
void validator_set_trace(struct validator *v, bool on);

/* Prove one name/type from the anchor down (dnsward check, policy probes). */
int validator_check_name(struct validator *v, const char *name, uint16_t qtype,
			 struct val_result *res);

/*
 * Judge a held reply (a whole DNS message, as received): obtain the validated
 * truth for its question and decide whether every RR it carries is covered.
 * Returns 0 with res filled (any outcome), or -errno when the message itself
 * cannot be parsed (res->outcome is then VAL_BOGUS with a reason).
 */
int validator_judge_reply(struct validator *v, const uint8_t *msg, size_t len,
			  struct val_result *res);

void validator_get_stats(const struct validator *v, struct val_stats *out);

/* Drop cached data for a name (and below), or everything when name is NULL. */
void validator_flush(struct validator *v, const char *name);

#endif
