/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * punt_budget.h: the punt budget the daemon publishes for the data plane
 * (DW_MAP_PUNT_BUDGET): how full the validation queue is and each
 * destination's share from the policy, so the kernel sends held replies as
 * fast as the validator keeps up and, when it falls behind, limits each
 * workload to its share. Also reports the destinations refused most.
 */
#ifndef DW_PUNT_BUDGET_H
#define DW_PUNT_BUDGET_H

#include <stdint.h>
#include <stdio.h>

#include "common/config.h"
#include "common/loop.h"
#include "daemon/valpool.h"
#include "dnsward.h"

/* How often the queue's fill is looked at; a level change is written at once. */
#define PUNT_BUDGET_TICK_MS 10
/* Destinations `dnsward stats` lists, the most refused first. */
#define PUNT_BUDGET_TOP 8

struct punt_budget;

/*
 * Publish into map_fd from now on, for the policy *cfg (read at every tick:
 * the daemon updates it in place on reload) and pool's queue of queue_max
 * held replies. NULL (and a logged line) when the map is missing or the
 * timer cannot be added; the data plane then admits every punt.
 */
struct punt_budget *punt_budget_start(int map_fd, int dests_fd, const struct dw_config *cfg,
				      struct valpool *pool, int queue_max, struct loop *l);
void punt_budget_stop(struct punt_budget *pb);

/*
 * Queue depths (held replies and prefetches queued or running) at which the
 * budget turns busy and full: the work the validator does in 100 ms and in
 * 1 s at its measured capacity (validations per second), so a reply admitted
 * within its share waits about 100 ms behind a flood, whatever the
 * validator's speed; bounded by half and 7/8 of the queue.
 */
struct punt_budget_marks {
	uint64_t busy, full;
};

void punt_budget_marks(uint64_t capacity, int queue_max, struct punt_budget_marks *m);
/* The level a queue holding queued jobs publishes (enum dw_budget_level). */
uint8_t punt_budget_level(uint64_t queued, const struct punt_budget_marks *m);

/*
 * "name value" lines: the level in force, the measured capacity, the busy
 * mark and the PUNT_BUDGET_TOP destinations
 * with the most refused punts, as "punt_limited_dest ADDRESS N" (three
 * words: the metrics endpoint reads only "name value" lines).
 */
void punt_budget_write_stats(const struct punt_budget *pb, FILE *out);

#endif
