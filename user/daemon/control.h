/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * control.h: the control socket (a UNIX socket, owner root, mode from the
 * config) through which status, stats, reload, policy rollback, nta and flush
 * reach the running daemon. The server parses requests, checks the caller
 * (SO_PEERCRED) and answers; what a request does is the operations table's.
 */
#ifndef DW_CONTROL_H
#define DW_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/config.h"
#include "common/loop.h"
#include "daemon/policy.h"

/* A deferred answer (a status line and a body) for the client that waits on arg. */
typedef void (*control_answer_fn)(void *arg, const char *text, size_t len);

/*
 * What the socket can do, given by its owner. Each operation writes its
 * whole answer, status line included, to out; status and stats write only
 * the body after "ok". Changes are audited by the operations themselves.
 */
struct control_ops {
	void *ctx;
	struct loop *loop;
	int (*status)(void *ctx, FILE *out);
	int (*stats)(void *ctx, FILE *out);
	/* 1 when done(arg, ...) answers later, 0 when the answer is in out. */
	int (*reload)(void *ctx, const struct policy_caller *who, bool allow_drops,
		      control_answer_fn done, void *arg, FILE *out);
	int (*rollback)(void *ctx, const struct policy_caller *who, FILE *out);
	int (*nta_add)(void *ctx, const struct policy_caller *who, const char *zone,
		       const char *duration, const char *reason, FILE *out);
	int (*nta_del)(void *ctx, const struct policy_caller *who, const char *zone, FILE *out);
	void (*nta_list)(void *ctx, FILE *out);
	/* name is normalized, or NULL for everything. */
	int (*flush)(void *ctx, const struct policy_caller *who, const char *name, FILE *out);
	/* A change refused because the caller is not uid 0: record it. */
	void (*denied)(void *ctx, const struct policy_caller *who, const char *action,
		       const char *request, const char *why);
};

struct control;

/*
 * Open the socket named in cfg and register it on ops->loop. A deferred
 * answer must come (or its owner stop) before control_stop.
 */
struct control *control_start(const struct control_ops *ops, const struct dw_config *cfg, char *err,
			      size_t err_len);
/* Close the socket and remove its path. */
void control_stop(struct control *c);

#endif
