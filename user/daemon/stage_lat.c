// SPDX-License-Identifier: BSD-2-Clause
/* stage_lat.c: per-stage latency of held replies (see stage_lat.h). */
#include <stdlib.h>
#include <string.h>

#include "daemon/stage_lat.h"

static const char *const stage_names[STAGE_MAX] = {
    [STAGE_RING] = "ring_ns",	      [STAGE_QUEUE] = "queue_ns",
    [STAGE_VALIDATE] = "validate_ns", [STAGE_UPSTREAM] = "upstream_ns",
    [STAGE_SIGS] = "sigs_ns",	      [STAGE_HANDBACK] = "handback_ns",
    [STAGE_VERDICT] = "verdict_ns",   [STAGE_RELEASE] = "release_ns",
    [STAGE_HOLD] = "hold_ns",	      [STAGE_N_UPSTREAM] = "upstream_queries",
    [STAGE_N_SIGS] = "signatures",
};

const uint64_t stage_lat_bounds_ns[STAGE_LAT_BOUNDS] = {
    50000,     100000,	   250000,     500000,	   1000000,	2500000,
    5000000,   10000000,   25000000,   50000000,   100000000,	250000000,
    500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};

static unsigned bucket_of(uint64_t v)
{
	unsigned i;

	for (i = 0; i < STAGE_LAT_BOUNDS && v > stage_lat_bounds_ns[i]; i++)
		;
	return i;
}

void stage_lat_add(struct stage_lat *sl, enum stage_id id, uint64_t v)
{
	struct stage_lat_one *s;

	if ((unsigned)id >= STAGE_MAX)
		return;
	s = &sl->s[id];
	s->ring[s->count % STAGE_LAT_SAMPLES] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	s->count++;
	s->total += v;
	s->buckets[bucket_of(v)]++;
	if (v > s->max)
		s->max = v;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void write_one(const struct stage_lat_one *s, const char *name, FILE *out)
{
	uint32_t sorted[STAGE_LAT_SAMPLES];
	size_t n = s->count < STAGE_LAT_SAMPLES ? (size_t)s->count : STAGE_LAT_SAMPLES;

	fprintf(out, "stage_%s_count %llu\n", name, (unsigned long long)s->count);
	fprintf(out, "stage_%s_total %llu\n", name, (unsigned long long)s->total);
	fprintf(out, "stage_%s_max %llu\n", name, (unsigned long long)s->max);
	if (!n) {
		fprintf(out, "stage_%s_p50 0\nstage_%s_p99 0\n", name, name);
		return;
	}
	memcpy(sorted, s->ring, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_u32);
	fprintf(out, "stage_%s_p50 %u\n", name, sorted[n / 2]);
	fprintf(out, "stage_%s_p99 %u\n", name, sorted[n * 99 / 100 < n ? n * 99 / 100 : n - 1]);
}

void stage_lat_write(const struct stage_lat *sl, FILE *out)
{
	int i;

	for (i = 0; i < STAGE_MAX; i++)
		write_one(&sl->s[i], stage_names[i], out);
}
