// SPDX-License-Identifier: BSD-2-Clause
/*
 * punt_budget.c: publishes the validation queue's fill and the policy's
 * per-destination share into DW_MAP_PUNT_BUDGET (the kernel's side is
 * bpf/lib/verdict.bpf.h, dw_punt_admit), and reads DW_MAP_PUNT_DESTS back
 * for the destinations refused most.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "daemon/punt_budget.h"
#include "daemon/verdict_map.h"

/* The stamp is refreshed this often even when nothing changes (the kernel
 * counts a budget older than DW_BUDGET_STALE_NS as busy). */
#define REFRESH_NS (250ull * 1000000ull)

struct punt_budget {
	int map_fd, dests_fd;
	const struct dw_config *cfg;
	struct valpool *pool;
	int queue_max;
	int timer;
	struct loop *loop;
	struct dw_punt_budget last; /* what the map holds */
	bool written;
};

uint8_t punt_budget_level(uint64_t queued, int queue_max)
{
	uint64_t max = queue_max > 0 ? (uint64_t)queue_max : 1;

	/* Full a little before the pool refuses: a tick's worth of punts still fits. */
	if (queued * 8 >= max * 7)
		return DW_BUDGET_FULL;
	/* Busy at half: the other half is room for the destinations within their share. */
	if (queued * 2 >= max)
		return DW_BUDGET_BUSY;
	return DW_BUDGET_ROOM;
}

/* What the policy and the queue say now; dest_rate 0 when the policy turns the budget off. */
static void budget_now(const struct punt_budget *pb, struct dw_punt_budget *b)
{
	const struct cfg_limits *l = &pb->cfg->limits;
	struct vp_stats vs;

	memset(b, 0, sizeof(*b));
	if (!l->punt_rate)
		return; /* punt_rate: 0, no bound on punts at all */
	valpool_get_stats(pb->pool, &vs);
	b->dest_rate = l->punt_dest_rate ? l->punt_dest_rate : 100;
	b->dest_burst = l->punt_dest_burst ? l->punt_dest_burst : 2 * b->dest_rate;
	b->level = punt_budget_level(vs.queued, pb->queue_max);
}

static void publish(struct punt_budget *pb)
{
	struct dw_punt_budget b;
	uint64_t now = verdict_now_ns();
	__u32 zero = 0;

	budget_now(pb, &b);
	if (pb->written && b.level == pb->last.level && b.dest_rate == pb->last.dest_rate &&
	    b.dest_burst == pb->last.dest_burst && now < pb->last.stamp_ns + REFRESH_NS)
		return;
	b.stamp_ns = now;
	if (bpf_map_update_elem(pb->map_fd, &zero, &b, BPF_ANY)) {
		static int warned;

		if (!warned++)
			pr_warn("punt budget: write %s: %s", DW_MAP_PUNT_BUDGET, strerror(errno));
		return;
	}
	pb->last = b;
	pb->written = true;
}

static void on_tick(struct loop *l, void *ctx)
{
	(void)l;
	publish(ctx);
}

struct punt_budget *punt_budget_start(int map_fd, int dests_fd, const struct dw_config *cfg,
				      struct valpool *pool, int queue_max, struct loop *l)
{
	struct punt_budget *pb;

	if (map_fd < 0) {
		pr_warn("punt budget: the data plane has no %s map: every punt is admitted",
			DW_MAP_PUNT_BUDGET);
		return NULL;
	}
	pb = calloc(1, sizeof(*pb));
	if (!pb) {
		pr_err("punt budget: out of memory");
		return NULL;
	}
	*pb = (struct punt_budget){.map_fd = map_fd,
				   .dests_fd = dests_fd,
				   .cfg = cfg,
				   .pool = pool,
				   .queue_max = queue_max,
				   .loop = l};
	publish(pb);
	pb->timer = loop_add_timer(l, PUNT_BUDGET_TICK_MS, on_tick, pb);
	if (pb->timer < 0) {
		pr_err("punt budget: cannot add its timer: %s", strerror(-pb->timer));
		free(pb);
		return NULL;
	}
	return pb;
}

void punt_budget_stop(struct punt_budget *pb)
{
	if (!pb)
		return;
	loop_del_timer(pb->loop, pb->timer);
	free(pb);
}

struct limited_dest {
	struct dw_addr_key key;
	uint64_t limited;
};

/* Keeps the n most refused destinations of top (sorted, most first) with k among them. */
static int top_insert(struct limited_dest *top, int n, const struct dw_addr_key *k,
		      uint64_t limited)
{
	int i = n < PUNT_BUDGET_TOP ? n : PUNT_BUDGET_TOP - 1;

	if (n == PUNT_BUDGET_TOP && limited <= top[i].limited)
		return n;
	for (; i > 0 && top[i - 1].limited < limited; i--)
		top[i] = top[i - 1];
	top[i].key = *k;
	top[i].limited = limited;
	return n < PUNT_BUDGET_TOP ? n + 1 : n;
}

void punt_budget_write_stats(const struct punt_budget *pb, FILE *out)
{
	struct limited_dest top[PUNT_BUDGET_TOP];
	struct dw_addr_key k, next;
	struct dw_punt_share v;
	char addr[INET6_ADDRSTRLEN];
	int i, n = 0;

	if (!pb)
		return;
	fprintf(out, "punt_budget_level %u\n", pb->last.level);
	if (pb->dests_fd < 0)
		return;
	/* Bounded by the map's size (an LRU may shift under the walk: it then ends early). */
	for (i = 0; i < DW_PUNT_DESTS_MAX; i++) {
		if (bpf_map_get_next_key(pb->dests_fd, i ? &k : NULL, &next))
			break;
		k = next;
		if (!bpf_map_lookup_elem(pb->dests_fd, &k, &v) && v.limited)
			n = top_insert(top, n, &k, v.limited);
	}
	for (i = 0; i < n; i++) {
		int af = top[i].key.family == 10 ? AF_INET6 : AF_INET;

		if (!inet_ntop(af, top[i].key.addr, addr, sizeof(addr)))
			continue;
		fprintf(out, "punt_rate_limited_dest{address=\"%s\"} %llu\n", addr,
			(unsigned long long)top[i].limited);
	}
}
