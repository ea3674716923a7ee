/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.h: a configuration seen as a policy: its identity (SHA-256 of a
 * canonical form), what changed between two, the current and previous policy
 * kept for rollback, negative trust anchors added and expired at run time,
 * and the audit event every change produces. Probing zones against the
 * validator lives in policy_probe.h.
 */
#ifndef DW_POLICY_H
#define DW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "common/config.h"

#define POLICY_HASH_LEN	   65 /* 64 hex digits and the NUL */
#define POLICY_SUMMARY_LEN 1024

/* Hex SHA-256 of the canonical form; equal for files that mean the same. */
int policy_hash(const struct dw_config *cfg, char out[POLICY_HASH_LEN]);
/* The canonical form itself (one "key value" per line), for tests and debugging. */
int policy_canonical(const struct dw_config *cfg, FILE *out);

/*
 * One line saying what changed from old to new: "zones +a.test -b.test
 * ~c.test(mode enforce->monitor); ntas +x.test; anchors changed", or
 * "no change". Truncated (ending in "...") when it does not fit.
 */
void policy_diff(const struct dw_config *old, const struct dw_config *new, char *out, size_t len);

/* The policy in force and the one before it, for `policy rollback`. */
struct policy_history {
	struct dw_config *current;
	struct dw_config *previous; /* NULL until a second policy was applied */
};

int policy_history_init(struct policy_history *h, const struct dw_config *cfg);
void policy_history_free(struct policy_history *h);
/* A new policy was applied: current becomes previous. */
int policy_history_push(struct policy_history *h, const struct dw_config *cfg);
/* Current changed in place (an NTA added, deleted or expired): previous stays. */
void policy_history_replace(struct policy_history *h, const struct dw_config *cfg);
/* A rollback was applied: swap current and previous. -ENOENT without a previous. */
int policy_history_swap(struct policy_history *h);

/* Negative trust anchors at run time (cfg is a copy about to be applied). */
int policy_nta_add(struct dw_config *cfg, const char *zone, time_t until, const char *reason,
		   char *err, size_t err_len);
int policy_nta_del(struct dw_config *cfg, const char *zone, char *err, size_t err_len);
/*
 * Remove every NTA whose until <= now; returns how many, and lists their
 * zones ("a.test b.test") in names.
 */
int policy_nta_expire(struct dw_config *cfg, time_t now, char *names, size_t names_len);
/* The earliest until among cfg's NTAs, or 0 when there is none. */
time_t policy_nta_next_expiry(const struct dw_config *cfg);
/* "ZONE until TIME (in 1h59m) [config|runtime] REASON", one per line. */
void policy_nta_list(const struct dw_config *cfg, time_t now, FILE *out);
/*
 * Carry the runtime NTAs of from into to (a freshly loaded file), skipping
 * expired ones and ones that overlap an NTA the file defines.
 */
void policy_nta_carry(const struct dw_config *from, struct dw_config *to, time_t now);

/* Who asked for a change. */
struct policy_caller {
	enum { CALLER_PEER, CALLER_SIGNAL, CALLER_TIMER } kind;
	uid_t uid; /* CALLER_PEER: from SO_PEERCRED */
	pid_t pid;
};

/*
 * The audit event (one JSON object, no newline): time, action, caller,
 * old and new policy hash, summary, outcome ("applied", "refused",
 * "failed", "denied") and the reason. Returns the length or -ENOSPC.
 */
int policy_audit_json(char *out, size_t len, time_t now, const struct policy_caller *caller,
		      const char *action, const char *old_hash, const char *new_hash,
		      const char *summary, const char *outcome, const char *reason);

/* RFC 3339 UTC ("2026-11-27T13:00:00Z"). */
void policy_format_time(time_t t, char *out, size_t len);
/* JSON string body escaping (no quotes added); truncates safely. */
void policy_json_escape(const char *in, char *out, size_t len);

#endif
