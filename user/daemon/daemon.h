/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon.h: what the running daemon (cmd_run.c) offers the control socket and
 * the policy code. Everything here is called on the loop's thread.
 */
#ifndef DW_DAEMON_H
#define DW_DAEMON_H

#include <stdio.h>

#include "common/config.h"
#include "common/loop.h"

struct daemon;

/* The policy in force. */
const struct dw_config *daemon_policy(const struct daemon *d);

/*
 * Switch to next atomically: the zones map, the resolver allowlist, the
 * validator (anchors, NTAs, upstreams, limits) and the data-plane settings
 * change together, or nothing changes and err says why. Verdicts for zones
 * that are no longer protected stop applying.
 */
int daemon_apply_policy(struct daemon *d, const struct dw_config *next, char *err, size_t err_len);

/* Human-readable state (attachments, policy hash, heartbeat, zones). */
int daemon_write_status(struct daemon *d, FILE *out);
/* Counters, one "name value" per line, the names the metrics endpoint uses. */
int daemon_write_stats(struct daemon *d, FILE *out);
/* Drop cached verdicts and validated data for name and below, or all when NULL. */
int daemon_flush(struct daemon *d, const char *name);
/* Emit one event (a complete JSON object, no newline) to the configured output. */
void daemon_event(struct daemon *d, const char *json);

struct loop *daemon_loop(struct daemon *d);

#endif
