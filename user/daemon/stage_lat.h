/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stage_lat.h: where a held reply's time goes, stage by stage (ring buffer to
 * loop, queue to a worker, upstream queries, signature checks, hand-back,
 * verdict write, release, and the whole hold). Each stage keeps its count,
 * total and maximum, the last STAGE_LAT_SAMPLES samples, from which
 * `dnsward stats` reports p50 and p99, and a histogram over fixed bounds
 * (the metrics endpoint's, which needs counts since start). Loop thread only.
 */
#ifndef DW_STAGE_LAT_H
#define DW_STAGE_LAT_H

#include <stdint.h>
#include <stdio.h>

enum stage_id {
	STAGE_RING,	  /* hook timestamp -> the loop reads the punt */
	STAGE_QUEUE,	  /* submitted -> a worker starts the job */
	STAGE_VALIDATE,	  /* the worker's whole judgement */
	STAGE_UPSTREAM,	  /* upstream round trips inside it (summed per job) */
	STAGE_SIGS,	  /* signature checks inside it (summed per job) */
	STAGE_HANDBACK,	  /* the worker finished -> the loop has the result */
	STAGE_VERDICT,	  /* verdict map write (and index) */
	STAGE_RELEASE,	  /* re-injection of the held frames */
	STAGE_HOLD,	  /* hook timestamp -> released (what the client waits) */
	STAGE_N_UPSTREAM, /* upstream queries per job (a count, not ns) */
	STAGE_N_SIGS,	  /* signature checks per job (a count, not ns) */
	STAGE_MAX,
};

#define STAGE_LAT_SAMPLES 512 /* the window p50/p99 are taken over */
/* Histogram bounds: 50 us to 10 s, where a held reply's stages fall. */
#define STAGE_LAT_BOUNDS 17

extern const uint64_t stage_lat_bounds_ns[STAGE_LAT_BOUNDS];

struct stage_lat_one {
	uint64_t count, total, max;
	uint32_t ring[STAGE_LAT_SAMPLES]; /* the last samples (saturated at 2^32-1) */
	/* samples <= stage_lat_bounds_ns[i] (and above the bound before); the last: above all */
	uint64_t buckets[STAGE_LAT_BOUNDS + 1];
};

struct stage_lat {
	struct stage_lat_one s[STAGE_MAX];
};

void stage_lat_add(struct stage_lat *sl, enum stage_id id, uint64_t v);
/* "stage_<name>_{count,total,max,p50,p99} N" lines (ns, or a count for n_* stages). */
void stage_lat_write(const struct stage_lat *sl, FILE *out);

#endif
