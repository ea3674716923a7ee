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

/*
 * The validator's capacity is measured over windows of this many ticks: the
 * jobs it finished per second while its queue never ran dry (then the rate
 * is what it can do, not what it was offered).
 */
#define WINDOW_TICKS   10
#define SATURATED_MIN  4		      /* queued jobs that keep every worker busy */
#define CAPACITY_START 250		      /* validations per second before any is measured */
#define BUSY_WAIT_NS   (100ull * 1000000ull)  /* queued work at which shares apply */
#define FULL_WAIT_NS   (1000ull * 1000000ull) /* and at which no punt goes */

struct punt_budget {
	int map_fd, dests_fd;
	const struct dw_config *cfg;
	struct valpool *pool;
	int queue_max;
	int timer;
	struct loop *loop;
	struct dw_punt_budget last; /* what the map holds */
	bool written;
	/* the capacity estimate */
	uint64_t capacity; /* validations per second */
	uint64_t win_start_ns, win_done;
	int win_ticks;
	bool win_saturated;
	struct punt_budget_marks marks;
};

void punt_budget_marks(uint64_t capacity, int queue_max, struct punt_budget_marks *m)
{
	uint64_t max = queue_max > 0 ? (uint64_t)queue_max : 1;
	uint64_t busy = capacity * BUSY_WAIT_NS / 1000000000ull;
	uint64_t full = capacity * FULL_WAIT_NS / 1000000000ull;

	if (busy < SATURATED_MIN * 4)
		busy = SATURATED_MIN * 4;
	if (busy > max / 2)
		busy = max / 2;
	if (full < busy * 2)
		full = busy * 2;
	/* Full a little before the pool refuses: a tick's worth of punts still fits. */
	if (full > max * 7 / 8)
		full = max * 7 / 8;
	m->busy = busy;
	m->full = full;
}

uint8_t punt_budget_level(uint64_t queued, const struct punt_budget_marks *m)
{
	if (queued >= m->full)
		return DW_BUDGET_FULL;
	if (queued >= m->busy)
		return DW_BUDGET_BUSY;
	return DW_BUDGET_ROOM;
}

/* Another tick of the capacity estimate; done counts every job finished so far. */
static void measure(struct punt_budget *pb, uint64_t done, uint64_t queued, uint64_t now)
{
	uint64_t rate, span;

	if (queued < SATURATED_MIN)
		pb->win_saturated = false;
	if (++pb->win_ticks < WINDOW_TICKS)
		return;
	span = now - pb->win_start_ns;
	rate = span ? (done - pb->win_done) * 1000000000ull / span : 0;
	/* A saturated window tells the capacity; any other only that it is at least this. */
	if (pb->win_saturated)
		pb->capacity = (pb->capacity * 3 + rate) / 4;
	else if (rate > pb->capacity)
		pb->capacity = rate;
	if (!pb->capacity)
		pb->capacity = 1;
	punt_budget_marks(pb->capacity, pb->queue_max, &pb->marks);
	pb->win_start_ns = now;
	pb->win_done = done;
	pb->win_ticks = 0;
	pb->win_saturated = true;
}

/* What the policy and the queue say now; dest_rate 0 when the policy turns the budget off. */
static void budget_now(struct punt_budget *pb, uint64_t now, struct dw_punt_budget *b)
{
	const struct cfg_limits *l = &pb->cfg->limits;
	struct vp_stats vs;

	memset(b, 0, sizeof(*b));
	valpool_get_stats(pb->pool, &vs);
	measure(pb, vs.jobs + vs.prefetch_started - vs.queued, vs.queued, now);
	if (!l->punt_rate)
		return; /* punt_rate: 0, no bound on punts at all */
	b->dest_rate = l->punt_dest_rate ? l->punt_dest_rate : 100;
	b->dest_burst = l->punt_dest_burst ? l->punt_dest_burst : 2 * b->dest_rate;
	b->level = punt_budget_level(vs.queued, &pb->marks);
}

static void publish(struct punt_budget *pb)
{
	struct dw_punt_budget b;
	uint64_t now = verdict_now_ns();
	__u32 zero = 0;

	budget_now(pb, now, &b);
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
	/* Marks from the assumed capacity until one is measured: with none, an empty queue reads full. */
	pb->capacity = CAPACITY_START;
	pb->win_start_ns = verdict_now_ns();
	punt_budget_marks(pb->capacity, queue_max, &pb->marks);
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
	fprintf(out, "punt_budget_capacity %llu\n", (unsigned long long)pb->capacity);
	fprintf(out, "punt_budget_busy_jobs %llu\n", (unsigned long long)pb->marks.busy);
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
		fprintf(out, "punt_limited_dest %s %llu\n", addr,
			(unsigned long long)top[i].limited);
	}
}
