/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h: the Prometheus endpoint, GET /metrics on the configured local
 * address, served by libmicrohttpd driven from the daemon's loop (its epoll
 * descriptor on the loop, no thread of its own), so a scrape reads the
 * daemon's state on the loop's thread like every other reader. libmicrohttpd
 * carries the HTTP: partial and slow requests, many connections, timeouts.
 */
#ifndef DW_METRICS_H
#define DW_METRICS_H

#include <stdio.h>

#include "common/loop.h"

/* Writes the whole exposition; returns 0 or -errno (the scrape gets a 500). */
typedef int (*metrics_write_fn)(void *ctx, FILE *out);

struct metrics;

/* listen is "host:port" or "[v6]:port"; NULL on failure (logged). */
struct metrics *metrics_start(struct loop *loop, metrics_write_fn write, void *ctx,
			      const char *listen);
void metrics_stop(struct metrics *m);

#endif
