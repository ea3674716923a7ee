/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h: Prometheus text exposition on the configured local address. One
 * non-blocking listener on the loop; each scrape is answered from
 * daemon_write_stats in one write and closed.
 */
#ifndef DW_METRICS_H
#define DW_METRICS_H

#include "daemon/daemon.h"

struct metrics;

/* listen is "host:port" or "[v6]:port"; NULL on failure (logged). */
struct metrics *metrics_start(struct daemon *d, const char *listen);
void metrics_stop(struct metrics *m);

#endif
