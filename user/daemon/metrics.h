/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h: Prometheus text exposition on the configured local address. One
 * non-blocking listener on the loop; each scrape is answered from the
 * owner's stats ("name value" lines) in one write and closed.
 */
#ifndef DW_METRICS_H
#define DW_METRICS_H

#include <stdio.h>

#include "common/loop.h"

/* Writes the counters, one "name value" per line. */
typedef int (*metrics_stats_fn)(void *ctx, FILE *out);

struct metrics;

/* listen is "host:port" or "[v6]:port"; NULL on failure (logged). */
struct metrics *metrics_start(struct loop *loop, metrics_stats_fn stats, void *ctx,
			      const char *listen);
void metrics_stop(struct metrics *m);

#endif
