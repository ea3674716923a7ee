/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * chain_health.h: the chain of every protected zone, proven on a schedule
 * (at start, after each policy change, then every CHAIN_HEALTH_INTERVAL_S)
 * on a thread of its own with a fresh validator per zone, the way a reload
 * probes it. Per zone it keeps the state (secure, insecure, bogus,
 * indeterminate) and the earliest expiration of the RRSIGs on the path from
 * the anchor, for the metrics endpoint, and reports each change of state as
 * an event. Signatures that expire unnoticed take a zone down at once; this
 * says so days before.
 */
#ifndef DW_CHAIN_HEALTH_H
#define DW_CHAIN_HEALTH_H

#include <stdio.h>

#include "common/config.h"
#include "common/loop.h"

#define CHAIN_HEALTH_INTERVAL_S 300

/* Receives one JSON event line (on the loop's thread). */
typedef void (*chain_health_event_fn)(void *ctx, const char *json);

struct chain_health;

/* Starts probing cfg's zones now. NULL on failure (logged). */
struct chain_health *chain_health_start(const struct dw_config *cfg, struct loop *l,
					chain_health_event_fn event, void *ctx);
/* The policy in force changed: probe its zones now. */
void chain_health_set_policy(struct chain_health *ch, const struct dw_config *cfg);
/* Waits for a probe in progress to end (bounded by the upstream timeouts). */
void chain_health_stop(struct chain_health *ch);

/* The dnsward_zone_chain_* and dnsward_chain_probes_total families. */
void chain_health_write_metrics(struct chain_health *ch, FILE *out);

#endif
