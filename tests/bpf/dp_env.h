/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dp_env.h: loads the production data-plane object through its skeleton with
 * every pin path cleared (nothing lands in bpffs), writes a test policy, runs
 * packets through BPF_PROG_RUN and reads counters and punt records back.
 * Shared by the data-plane tests and the bench; header-only.
 */
#ifndef DW_DP_ENV_H
#define DW_DP_ENV_H

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dnsward.h"
#include "common/pkt_digest.h"
#include "dnsward.skel.h"

struct dp_env {
	struct dnsward *skel;
	int xdp, tc;
	int counters, verdicts, zones, config, heartbeat, resolvers, rate, punts;
	struct ring_buffer *rb;
	struct dw_datapath_cfg cfg;
	struct dw_punt last; /* the last punt record read */
	size_t last_size;
	int npunts;
	int ncpus;
	uint32_t memo_gen; /* the last generation written */
};

static const uint64_t dp_sipkey[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

static inline int dp_on_punt(void *ctx, void *data, size_t size)
{
	struct dp_env *e = ctx;

	memset(&e->last, 0, sizeof(e->last));
	memcpy(&e->last, data, size < sizeof(e->last) ? size : sizeof(e->last));
	e->last_size = size;
	e->npunts++;
	return 0;
}

static inline int dp_add_zone(struct dp_env *e, const char *name, uint32_t id, uint8_t mode,
			      uint8_t failure)
{
	struct dw_zone_key k;
	struct dw_zone v = {.zone_id = id, .mode = mode, .failure = failure};

	if (pkt_zone_key(name, &k))
		return -EINVAL;
	return bpf_map_update_elem(e->zones, &k, &v, BPF_ANY) ? -errno : 0;
}

/* Writes e->cfg as the daemon does: every write starts a new memo generation. */
static inline int dp_set_cfg(struct dp_env *e)
{
	uint32_t zero = 0;

	e->cfg.memo_gen = ++e->memo_gen;
	return bpf_map_update_elem(e->config, &zero, &e->cfg, BPF_ANY) ? -errno : 0;
}

static inline void dp_default_cfg(struct dp_env *e)
{
	memset(&e->cfg, 0, sizeof(e->cfg));
	e->cfg.digest_key[0] = dp_sipkey[0];
	e->cfg.digest_key[1] = dp_sipkey[1];
	e->cfg.dns_port = 53;
	e->cfg.enabled = 1;
}

/*
 * Zones: idp.test (enforce, closed), mon.test (monitor), open.test (enforce,
 * open). memo_mode: DW_MEMO_MODE_* of bpf/lib/memo.bpf.h (0: as deployed).
 */
static inline int dp_env_open_memo(struct dp_env *e, uint32_t memo_mode)
{
	struct bpf_map *m;
	int err;

	memset(e, 0, sizeof(*e));
	e->skel = dnsward__open();
	if (!e->skel)
		return -errno;
	e->skel->rodata->dw_memo_mode = memo_mode;
	bpf_object__for_each_map(m, e->skel->obj) bpf_map__set_pin_path(m, NULL);
	err = dnsward__load(e->skel);
	if (err)
		return err;
	e->xdp = bpf_program__fd(e->skel->progs.dnsward_xdp);
	e->tc = bpf_program__fd(e->skel->progs.dnsward_tc);
	e->counters = bpf_map__fd(e->skel->maps.dnsward_counters);
	e->verdicts = bpf_map__fd(e->skel->maps.dnsward_verdicts);
	e->zones = bpf_map__fd(e->skel->maps.dnsward_zones);
	e->config = bpf_map__fd(e->skel->maps.dnsward_config);
	e->heartbeat = bpf_map__fd(e->skel->maps.dnsward_heartbeat);
	e->resolvers = bpf_map__fd(e->skel->maps.dnsward_resolvers);
	e->rate = bpf_map__fd(e->skel->maps.dnsward_punt_rate);
	e->punts = bpf_map__fd(e->skel->maps.dnsward_punts);
	e->ncpus = libbpf_num_possible_cpus();
	e->rb = ring_buffer__new(e->punts, dp_on_punt, e, NULL);
	if (!e->rb)
		return -errno;
	dp_default_cfg(e);
	if ((err = dp_set_cfg(e)) || (err = dp_add_zone(e, "idp.test", 1, DW_MODE_ENFORCE, 0)) ||
	    (err = dp_add_zone(e, "mon.test", 2, DW_MODE_MONITOR, 0)) ||
	    (err = dp_add_zone(e, "open.test", 3, DW_MODE_ENFORCE, DW_FAIL_OPEN)))
		return err;
	return 0;
}

static inline int dp_env_open(struct dp_env *e)
{
	return dp_env_open_memo(e, 0);
}

static inline void dp_env_close(struct dp_env *e)
{
	ring_buffer__free(e->rb);
	dnsward__destroy(e->skel);
}

static inline uint64_t dp_counter(struct dp_env *e, uint32_t slot)
{
	uint64_t v[512], sum = 0;
	int i;

	if (e->ncpus > 512 || bpf_map_lookup_elem(e->counters, &slot, v))
		return 0;
	for (i = 0; i < e->ncpus; i++)
		sum += v[i];
	return sum;
}

static inline void dp_counters(struct dp_env *e, uint64_t out[DW_CNT_MAX])
{
	uint32_t i;

	for (i = 0; i < DW_CNT_MAX; i++)
		out[i] = dp_counter(e, i);
}

/*
 * Runs a frame through a program; returns the program's return code (or -1)
 * and, for tc, the skb's mark afterwards in *mark_out. repeat: 1 for tests.
 * *ns: the kernel's average run time when not NULL.
 */
static inline int dp_run(struct dp_env *e, int prog, const void *frame, size_t len, uint32_t mark,
			 uint32_t *mark_out, int repeat, uint32_t *ns)
{
	struct __sk_buff skb = {.mark = mark};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .repeat = repeat);

	if (prog == e->tc) {
		o.ctx_in = &skb;
		o.ctx_size_in = sizeof(skb);
		o.ctx_out = &skb;
		o.ctx_size_out = sizeof(skb);
	}
	if (bpf_prog_test_run_opts(prog, &o)) {
		fprintf(stderr, "  BPF_PROG_RUN of %zu bytes: %s\n", len, strerror(errno));
		return -1;
	}
	if (mark_out)
		*mark_out = skb.mark;
	if (ns)
		*ns = o.duration;
	return (int)o.retval;
}

/* Reads every pending punt record; returns how many arrived. */
static inline int dp_drain(struct dp_env *e)
{
	int before = e->npunts;

	ring_buffer__consume(e->rb);
	return e->npunts - before;
}

static inline uint64_t dp_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif
