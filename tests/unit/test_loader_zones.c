// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_loader_zones.c: the zones the daemon's loader writes are the zones the
 * data plane finds. A zone's map key (pkt_zone_key, what the loader writes)
 * must equal the key the data plane builds from the zone's own name in a
 * question (pkt_qname_zone_key is its user-space reference), for the root,
 * for labels that carry a dot or a space, and whatever the case. Then the
 * production object, loaded with its maps unpinned, gets its zones from
 * loader_apply_policy and BPF_PROG_RUN shows which zone a reply is punted
 * under.
 */
#include <unistd.h>

#include "common/array.h"
#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"
#include "common/config.h"
#include "daemon/loader.h"

/* A zone and a name as a question carries it, with the zone it must fall under. */
struct zone_case {
	const char *zone;  /* presentation form, as in a configuration */
	const char *qname; /* presentation form, built into wire form by dp_name */
};

/* The zone's own name in a question has the zone's key, byte for byte. */
static const struct zone_case apex[] = {
    {".", "."},
    {"a\\.b.test", "a\\.b.test"},	  /* one label "a.b", not "b.a.test" */
    {"\\032x.test", "\\032X.test"},	  /* one label " x" */
    {"MiXeD.Test.", "mixed.TEST"},	  /* case does not matter on either side */
    {"\\065\\.\\066.test", "a\\.b.TEST"}, /* "\DDD" and "\." together */
};

static void question_key(const char *qname, struct dw_zone_key *k)
{
	struct dp_buf m;

	dp_hdr(&m, 1, DP_REPLY, 1, 0, 0, 0);
	dp_name(&m, qname);
	dp_u16(&m, 1);
	dp_u16(&m, 1);
	CHECK_EQ_INT(pkt_qname_zone_key(m.b, m.n, k), 0);
}

static void test_zone_key_is_question_key(void)
{
	struct dw_zone_key z, q, split;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(apex); i++) {
		CHECK_EQ_INT(pkt_zone_key(apex[i].zone, &z), 0);
		question_key(apex[i].qname, &q);
		if (z.prefixlen != q.prefixlen || memcmp(z.name, q.name, sizeof(z.name))) {
			fprintf(stderr, "  zone '%s': key of %u bits, question '%s': %u bits\n",
				apex[i].zone, z.prefixlen, apex[i].qname, q.prefixlen);
			CHECK(0);
		}
	}
	/* An escaped dot is inside a label: "a\.b.test" is not the zone b.a.test. */
	CHECK_EQ_INT(pkt_zone_key("a\\.b.test", &z), 0);
	CHECK_EQ_INT(pkt_zone_key("b.a.test", &split), 0);
	CHECK(memcmp(z.name, split.name, sizeof(z.name)));
}

static struct dp_env env;
static struct dw_config cfg;

/* The daemon's loader over the test's maps: the same writes, no pins. */
static struct loader test_loader(void)
{
	struct loader ld = {
	    .fd_verdicts = env.verdicts,
	    .fd_zones = env.zones,
	    .fd_config = env.config,
	    .fd_heartbeat = env.heartbeat,
	    .fd_counters = env.counters,
	    .fd_punts = env.punts,
	    .fd_resolvers = env.resolvers,
	    .fd_ports = bpf_map__fd(env.skel->maps.dnsward_ports),
	    .fd_encdns_addrs = bpf_map__fd(env.skel->maps.dnsward_encdns_addrs),
	    .prog_xdp = env.xdp,
	    .prog_tc = env.tc,
	    .prog_query = -1,
	};

	memcpy(ld.digest_key, dp_sipkey, sizeof(ld.digest_key));
	return ld;
}

static int apply(const char *const *zones, int n)
{
	struct loader ld = test_loader();
	struct dw_heartbeat hb = {.stamp_ns = dp_boot_ns()};
	uint32_t zero = 0;
	int i, err;

	config_defaults(&cfg);
	for (i = 0; i < n; i++)
		snprintf(cfg.zones[i].name, sizeof(cfg.zones[i].name), "%s", zones[i]);
	cfg.n_zones = n;
	err = loader_apply_policy(&ld, &cfg);
	/* A daemon that beats: a miss is punted, not left to the failure mode. */
	bpf_map_update_elem(env.heartbeat, &zero, &hb, BPF_ANY);
	return err;
}

/* The zone (index in the policy) a reply for qname is punted under; -1: not punted. */
static int punted_zone(int prog, const char *qname)
{
	static uint16_t id = 100;
	struct dp_frame_opts o = {.l3 = DP_IP4};
	struct dp_buf m, f;

	dp_drain(&env);
	dp_reply_a(&m, qname, id++, 300, 0xc0000201);
	dp_frame(&f, m.b, m.n, &o);
	if (dp_run(&env, prog, f.b, f.n, 0, NULL, 1, NULL) < 0 || dp_drain(&env) != 1)
		return -1;
	return (int)env.last.zone_id;
}

static void expect_zone(const char *qname, int want)
{
	int p;

	for (p = 0; p < 2; p++) {
		int got = punted_zone(p ? env.tc : env.xdp, qname);

		if (got != want) {
			fprintf(stderr, "  %s on %s: punted under zone %d, want %d\n", qname,
				p ? "tc" : "xdp", got, want);
			CHECK(0);
		}
	}
}

static void test_loader_zones_found_by_data_plane(void)
{
	static const char *const policy[] = {".", "a\\.b.test", "\\032x.test", "MiXeD.Test"};
	static const char *const fewer[] = {".", "MiXeD.Test"};
	static const char *const empty_name[] = {""};

	if (geteuid())
		SKIP("needs root for BPF_PROG_RUN");
	CHECK_EQ_INT(apply(policy, ARRAY_SIZE(policy)), 0);
	expect_zone("www.example", 0);	    /* only the root covers it */
	expect_zone("www.a\\.b.test", 1);   /* under the label "a.b" */
	expect_zone("a\\.B.test", 1);	    /* the zone's own name, any case */
	expect_zone("www.b.a.test", 0);	    /* not the same as "a.b" */
	expect_zone("host.\\032X.test", 2); /* under the label " x" */
	expect_zone("x.test", 0);	    /* " x" is not "x" */
	expect_zone("WWW.mixed.TEST", 3);   /* zones are matched without case */
	expect_zone("idp.test", 0);	    /* the test environment's zones are gone */
	/* A zone the next policy lacks is removed: its names fall back to the root. */
	CHECK_EQ_INT(apply(fewer, ARRAY_SIZE(fewer)), 0);
	expect_zone("www.a\\.b.test", 0);
	expect_zone("host.\\032x.test", 0);
	expect_zone("www.mixed.test", 1);
	/* An empty name is refused, not taken for the root. */
	CHECK(apply(empty_name, 1) < 0);
}

int main(void)
{
	int err;

	RUN_TEST(test_zone_key_is_question_key);
	if (geteuid()) {
		RUN_TEST(test_loader_zones_found_by_data_plane);
		HARNESS_EXIT();
	}
	err = dp_env_open(&env);
	if (err) {
		printf("FAIL setup: cannot load the data plane (%d)\n", err);
		return 1;
	}
	RUN_TEST(test_loader_zones_found_by_data_plane);
	dp_env_close(&env);
	HARNESS_EXIT();
}
