// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_datapath.c: ns per packet of dnsward_xdp through BPF_PROG_RUN with
 * `repeat`, for a non-DNS packet, an unprotected reply, a protected reply
 * with an ALLOW verdict and a protected miss (punted and held), each next to
 * the pass-through XDP program measured in the same run, interleaved, taking
 * the median of several rounds (and the fastest round, which noise from other
 * work on a shared machine cannot make faster), pinned to one CPU so every
 * round runs on the same core. The replies are measured as deployed (the
 * per-CPU memo answers a repeated frame), at first sight and without the memo
 * (bpf/lib/memo.bpf.h). Prints "name value unit" lines; asserts nothing. Usage: bench_datapath [repeat]   (default 200000)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "daemon/verdict_map.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"
#include "passthrough.skel.h"
#include "bench_ops.skel.h"

#define ROUNDS	   15
#define MISS_BATCH 8000 /* punts per run before the ring is drained (it holds ~20000) */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct figure {
	uint32_t median, min;
};

static uint32_t median(uint32_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	return v[n / 2];
}

#define VARIANTS_MAX 3

/*
 * ns/run of n programs (each run through its own env) and of the baseline:
 * every round runs the baseline, then each program, starting with a
 * different one each round, so slow drift on a shared machine reaches all
 * of them alike.
 */
static void measure_n(struct dp_env **e, const int *prog, int n, int base, const struct dp_buf *f,
		      int repeat, struct figure *ns, struct figure *base_ns)
{
	uint32_t a[VARIANTS_MAX][ROUNDS], b[ROUNDS];
	int r, k, j;

	for (r = 0; r < ROUNDS; r++) {
		dp_run(e[0], base, f->b, f->n, 0, NULL, repeat, &b[r]);
		for (k = 0; k < n; k++) {
			j = (k + r) % n;
			dp_run(e[j], prog[j], f->b, f->n, 0, NULL, repeat, &a[j][r]);
			dp_drain(e[j]);
		}
	}
	for (j = 0; j < n; j++) {
		ns[j].median = median(a[j], ROUNDS); /* sorts: a[j][0] is then the fastest */
		ns[j].min = a[j][0];
	}
	base_ns->median = median(b, ROUNDS);
	base_ns->min = b[0];
}

/* ns/run of prog and of the baseline, measured alternately. */
static void measure(struct dp_env *e, int prog, int base, const struct dp_buf *f, int repeat,
		    struct figure *ns, struct figure *base_ns)
{
	measure_n(&e, &prog, 1, base, f, repeat, ns, base_ns);
}

static void report(const char *name, struct figure ns, struct figure base)
{
	printf("xdp_%s %u ns\n", name, ns.median);
	printf("xdp_%s_passthrough %u ns\n", name, base.median);
	printf("xdp_%s_ratio %.2f x\n", name, base.median ? (double)ns.median / base.median : 0.0);
	printf("xdp_%s_over_passthrough %d ns\n", name, (int)ns.median - (int)base.median);
	printf("xdp_%s_fastest %u ns (pass-through %u ns, ratio %.2f x, over %d ns)\n", name,
	       ns.min, base.min, base.min ? (double)ns.min / base.min : 0.0,
	       (int)ns.min - (int)base.min);
}

/* One core for every round: no migration between the program and its baseline. */
static void pin_to_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "bench_datapath: cannot pin to CPU %d (unpinned)\n", cpu);
}

/* What single operations cost here (tests/bpf/bench_ops.bpf.c), on the last frame. */
static void ops_report(struct dp_env *e, int base_fd, const struct dp_buf *f, int repeat)
{
	struct bench_ops *ops = bench_ops__open_and_load();
	struct dw_verdict_key k = {.qtype = 1};
	struct dw_verdict v = {.verdict = DW_VERDICT_ALLOW};
	const struct {
		const char *name;
		int per; /* operations per run */
		struct bpf_program *prog;
	} t[] = {
	    {"ktime_get_boot_ns", 8, ops ? ops->progs.op_ktime_boot : NULL},
	    {"bpf_loop_callback", 8, ops ? ops->progs.op_loop_callback : NULL},
	    {"lru_hash_lookup", 8, ops ? ops->progs.op_lru_lookup : NULL},
	    {"siphash_round", 8, ops ? ops->progs.op_sip_round : NULL},
	};
	struct figure ns, base;
	size_t i;

	if (!ops) {
		fprintf(stderr, "bench_datapath: cannot load bench_ops: %s\n", strerror(errno));
		return;
	}
	bpf_map_update_elem(bpf_map__fd(ops->maps.ops_lru), &k, &v, BPF_ANY);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		measure(e, bpf_program__fd(t[i].prog), base_fd, f, repeat, &ns, &base);
		printf("op_%s %.1f ns per operation (fastest round %.1f)\n", t[i].name,
		       ((double)ns.median - base.median) / t[i].per,
		       ((double)ns.min - base.min) / t[i].per);
	}
	bench_ops__destroy(ops);
}

/* The reply's verdict as the daemon writes it: it expires (with the answer's TTL). */
static void put_allow(struct dp_env *e, const struct dp_buf *m)
{
	struct dw_verdict_key k;
	struct dw_verdict v = {.verdict = DW_VERDICT_ALLOW, .zone_id = 1};

	pkt_digest_key(m->b, m->n, dp_sipkey, &k);
	v.expires_ns = verdict_now_ns() + 300ull * 1000000000ull;
	bpf_map_update_elem(e->verdicts, &k, &v, BPF_ANY);
}

/*
 * A frame measured three ways: as deployed (BPF_PROG_RUN repeats one frame,
 * so the memo answers all but the first run), at first sight (the memo is
 * looked up and filled but never trusted: what a reply the CPU has not seen
 * yet costs) and with no memo at all (what the memo saves).
 */
static void measure_memo(struct dp_env *env, int base_fd, const struct dp_buf *f, int repeat,
			 const char *name)
{
	static const char *suffix[VARIANTS_MAX] = {"", "_first_seen", "_no_memo"};
	struct dp_env *e[VARIANTS_MAX];
	int prog[VARIANTS_MAX], i;
	struct figure ns[VARIANTS_MAX], base;
	char what[64];

	for (i = 0; i < VARIANTS_MAX; i++) {
		e[i] = &env[i];
		prog[i] = env[i].xdp;
	}
	measure_n(e, prog, VARIANTS_MAX, base_fd, f, repeat, ns, &base);
	for (i = 0; i < VARIANTS_MAX; i++) {
		snprintf(what, sizeof(what), "%s%s", name, suffix[i]);
		report(what, ns[i], base);
	}
}

int main(int argc, char **argv)
{
	int repeat = argc > 1 ? atoi(argv[1]) : 200000;
	struct dp_frame_opts o = {.l3 = DP_IP4};
	/* as deployed, first sight (memo filled, never trusted), no memo */
	static const uint32_t modes[3] = {0, 2, 1};
	struct passthrough *pt;
	struct dp_env env[3];
	struct dp_buf m, f;
	struct figure ns, base;
	int base_fd, i;

	if (repeat < 1000)
		repeat = 1000;
	pin_to_cpu();
	for (i = 0; i < 3; i++) {
		if (dp_env_open_memo(&env[i], modes[i])) {
			fprintf(stderr,
				"bench_datapath: cannot load the data plane (memo mode %u)\n",
				modes[i]);
			return 1;
		}
	}
	pt = passthrough__open_and_load();
	if (!pt) {
		fprintf(stderr, "bench_datapath: cannot load the pass-through program\n");
		return 1;
	}
	base_fd = bpf_program__fd(pt->progs.passthrough);

	/* Non-DNS: a UDP datagram from port 443 with the same payload. */
	dp_reply_a(&m, "www.example.test", 1, 300, 0xc0000201);
	o.sport = 443;
	dp_frame(&f, m.b, m.n, &o);
	measure(&env[0], env[0].xdp, base_fd, &f, repeat, &ns, &base);
	report("non_dns", ns, base);

	o.sport = 53;
	dp_frame(&f, m.b, m.n, &o);
	measure_memo(env, base_fd, &f, repeat, "unprotected_reply");

	dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
	dp_frame(&f, m.b, m.n, &o);
	for (i = 0; i < 3; i++)
		put_allow(&env[i], &m);
	measure_memo(env, base_fd, &f, repeat, "protected_allow");

	dp_reply_a(&m, "miss.idp.test", 1, 300, 0xc0000201);
	dp_frame(&f, m.b, m.n, &o);
	measure(&env[0], env[0].xdp, base_fd, &f, MISS_BATCH, &ns, &base);
	report("protected_miss", ns, base);
	ops_report(&env[0], base_fd, &f, repeat);
	printf("repeat %d runs\n", repeat);

	passthrough__destroy(pt);
	for (i = 0; i < 3; i++)
		dp_env_close(&env[i]);
	return 0;
}
