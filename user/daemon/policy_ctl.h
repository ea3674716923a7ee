/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy_ctl.h: the running policy's lifecycle: reload (with its probe),
 * rollback, negative trust anchors added, deleted and expired at run time,
 * the history kept for rollback, and the audit event of every change. The
 * daemon owns it; the control socket and SIGHUP reach it through the daemon.
 * Everything here runs on the loop's thread.
 */
#ifndef DW_POLICY_CTL_H
#define DW_POLICY_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/config.h"
#include "common/loop.h"
#include "daemon/policy.h"

/* What enforces a policy, as the lifecycle sees it (the daemon, or a test). */
struct policy_enforcer {
	void *ctx;
	const struct dw_config *(*policy)(void *ctx);
	/* Switch to next atomically, or change nothing and say why in err. */
	int (*apply)(void *ctx, const struct dw_config *next, char *err, size_t err_len);
	/* Drop cached verdicts for name and below, or all when NULL. */
	int (*flush)(void *ctx, const char *name);
	/* One audit event (a complete JSON object, no newline). */
	void (*event)(void *ctx, const char *json);
};

/* A reload's answer once its probe is done: a status line and a body. */
typedef void (*policy_answer_fn)(void *arg, const char *text, size_t len);

struct policy_ctl;

/* Keeps enf's policy as the current one and expires NTAs on the loop's timer. */
struct policy_ctl *policy_ctl_new(const struct policy_enforcer *enf, struct loop *loop);
/* Waits for a reload being probed; its answer is never delivered. */
void policy_ctl_free(struct policy_ctl *p);

/*
 * Reload the policy's file. Returns 1 when done(arg, ...) will answer once
 * the probe is over, 0 when the answer (an error) is already in out.
 */
int policy_ctl_reload(struct policy_ctl *p, const struct policy_caller *who, bool allow_drops,
		      policy_answer_fn done, void *arg, FILE *out);
/* SIGHUP: a reload by "signal"; every line of its answer goes to the log. */
void policy_ctl_reload_signal(struct policy_ctl *p);
int policy_ctl_rollback(struct policy_ctl *p, const struct policy_caller *who, FILE *out);
int policy_ctl_nta_add(struct policy_ctl *p, const struct policy_caller *who, const char *zone,
		       const char *duration, const char *reason, FILE *out);
int policy_ctl_nta_del(struct policy_ctl *p, const struct policy_caller *who, const char *zone,
		       FILE *out);
void policy_ctl_nta_list(struct policy_ctl *p, FILE *out);
/* Flush name (normalized) or everything (NULL), audited. */
int policy_ctl_flush(struct policy_ctl *p, const struct policy_caller *who, const char *name,
		     FILE *out);
/* A change refused for want of privilege, audited. */
void policy_ctl_denied(struct policy_ctl *p, const struct policy_caller *who, const char *action,
		       const char *request, const char *why);
/* "policy HASH PATH", "previous_policy HASH|none", "negative_trust_anchors N". */
void policy_ctl_write_status(struct policy_ctl *p, FILE *out);
/* NTAs whose time is up end now (also run by the timer every second). */
void policy_ctl_expire(struct policy_ctl *p);

#endif
