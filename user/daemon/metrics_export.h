/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics_export.h: what the metrics endpoint says, in Prometheus families.
 * The daemon's statistics (the "name value" lines of `dnsward stats`) map
 * into labelled families through one table; held-reply and validation time
 * become histograms; the policy's zones, the attachments, the heartbeat,
 * the build and the zones' chain health are added.
 */
#ifndef DW_METRICS_EXPORT_H
#define DW_METRICS_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "common/config.h"

struct attach;
struct chain_health;
struct stage_lat;

struct metrics_view {
	const struct dw_config *cfg;	 /* the policy in force */
	const struct attach *att;	 /* may be NULL */
	const struct stage_lat *latency; /* may be NULL: no histograms */
	struct chain_health *health;	 /* may be NULL: no chain health */
	uint64_t uptime_ns;
	uint64_t heartbeat_age_ns;	    /* age of the data plane's heartbeat stamp */
	int (*stats)(void *ctx, FILE *out); /* writes the "name value" lines */
	void *ctx;
};

/* The whole exposition. Returns 0, or -errno when the statistics cannot be read. */
int metrics_export_write(const struct metrics_view *v, FILE *out);

/* The family a statistic of `dnsward stats` is exported in, or NULL (tests, docs). */
const char *metrics_export_family_of(const char *stat);

#endif
