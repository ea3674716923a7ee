// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_budget.c: the punt budget (bpf/lib/verdict.bpf.h, dw_punt_admit)
 * through BPF_PROG_RUN on the production object, on both entry points, over
 * IPv4 and IPv6. With the validator busy a destination that spent its share
 * is refused while another destination is still admitted; with room every
 * punt goes, and the same flood is limited the moment the validator falls
 * behind; full refuses everyone, and so does the ring's own fill without a
 * word from the daemon; a budget the daemon stopped refreshing counts as
 * busy; dest_rate 0 (limits.punt_rate: 0) admits everything; a zone's fixed
 * cap still applies with the budget on.
 */
#include <stdlib.h>

#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"

static struct dp_env env;
static int budget_fd, dests_fd;

enum { ACT_PASS, ACT_DROP };

/* Destinations: A floods, B asks now and then (last byte of 192.0.2.x, 2001:db8:1::x). */
#define DEST_A 10
#define DEST_B 20

static int act_of(int prog, int rc)
{
	if (prog == env.xdp)
		return rc == 2 ? ACT_PASS : rc == 1 ? ACT_DROP : -1;
	return rc == 0 ? ACT_PASS : rc == 2 ? ACT_DROP : -1;
}

static void set_budget(uint32_t rate, uint32_t burst, uint8_t level, uint64_t stamp)
{
	struct dw_punt_budget b = {
	    .stamp_ns = stamp, .dest_rate = rate, .dest_burst = burst, .level = level};
	uint32_t zero = 0;

	CHECK_EQ_INT(bpf_map_update_elem(budget_fd, &zero, &b, BPF_ANY), 0);
}

static void reset(void)
{
	struct dw_addr_key k;
	uint32_t zone;
	int i;

	for (i = 0; i < 2 * DW_PUNT_DESTS_MAX && !bpf_map_get_next_key(dests_fd, NULL, &k); i++)
		bpf_map_delete_elem(dests_fd, &k);
	for (zone = 0; zone < 8; zone++)
		bpf_map_delete_elem(env.rate, &zone);
	set_budget(0, 0, DW_BUDGET_ROOM, 0);
	dp_default_cfg(&env);
	dp_set_cfg(&env);
	dp_drain(&env);
}

/* A reply for name (a new protected name each time: no verdict) to destination last. */
static void reply_to(struct dp_buf *f, int v6, uint8_t last, const char *name)
{
	struct dp_frame_opts o = {.l3 = v6 ? DP_IP6 : DP_IP4};
	struct dp_buf m;

	o.ip4_dst = 0xc0000200u | last;
	o.ip6_dst_last = last;
	dp_reply_a(&m, name, 0x4242, 300, 0xc0000201);
	dp_frame(f, m.b, m.n, &o);
}

/*
 * Runs one new name for destination last; checks the action and that
 * counter (and counter2 when >= 0) moved by one; returns punt records read.
 */
static int send_one(int prog, int v6, uint8_t last, const char *zone, int act, int counter,
		    int counter2)
{
	static unsigned seq;
	uint64_t before[DW_CNT_MAX], after[DW_CNT_MAX];
	struct dp_buf f;
	char name[64];
	int rc, ok;

	snprintf(name, sizeof(name), "n%u.%s", ++seq, zone);
	reply_to(&f, v6, last, name);
	dp_counters(&env, before);
	rc = dp_run(&env, prog, f.b, f.n, 0, NULL, 1, NULL);
	dp_counters(&env, after);
	ok = act_of(prog, rc) == act && after[counter] == before[counter] + 1 &&
	     (counter2 < 0 || after[counter2] == before[counter2] + 1);
	if (!ok)
		fprintf(stderr, "  %s to %s...%u: action %d (rc %d), counter %d +%llu\n", name,
			v6 ? "2001:db8:1::" : "192.0.2.", last, act_of(prog, rc), rc, counter,
			(unsigned long long)(after[counter] - before[counter]));
	CHECK(ok);
	return dp_drain(&env);
}

static struct dw_punt_share share_of(int v6, uint8_t last)
{
	struct dw_addr_key k = {.family = v6 ? 10 : 2};
	struct dw_punt_share v = {0};

	if (v6) {
		static const uint8_t pre[] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};

		memcpy(k.addr, pre, sizeof(pre));
		k.addr[15] = last;
	} else {
		k.addr[0] = 192, k.addr[2] = 2, k.addr[3] = last;
	}
	bpf_map_lookup_elem(dests_fd, &k, &v);
	return v;
}

#define FOR_EACH_HOOK_AND_FAMILY(prog, v6)                                                         \
	for (int _i = 0; _i < 4; _i++)                                                             \
		for (int prog = _i & 1 ? env.tc : env.xdp, v6 = _i >> 1, _once = 1; _once;         \
		     _once = 0)

static void test_busy_destination_exhausted_other_admitted(void)
{
	FOR_EACH_HOOK_AND_FAMILY(prog, v6)
	{
		struct dw_punt_share a, b;
		int i, punts = 0;

		reset();
		set_budget(3, 3, DW_BUDGET_BUSY, dp_boot_ns());
		for (i = 0; i < 3; i++)
			punts += send_one(prog, v6, DEST_A, "idp.test", ACT_DROP, DW_CNT_HELD,
					  DW_CNT_PUNTED);
		CHECK_EQ_INT(punts, 3);
		/* A spent its share: its next new name follows the zone's failure mode. */
		CHECK_EQ_INT(send_one(prog, v6, DEST_A, "idp.test", ACT_DROP,
				      DW_CNT_PUNT_RATE_LIMITED, DW_CNT_FAIL_CLOSED_DROPPED),
			     0);
		CHECK_EQ_INT(send_one(prog, v6, DEST_A, "open.test", ACT_PASS,
				      DW_CNT_PUNT_RATE_LIMITED, DW_CNT_FAIL_OPEN_PASSED),
			     0);
		/* B is still admitted, as often as its own share allows. */
		for (i = 0; i < 3; i++)
			CHECK_EQ_INT(send_one(prog, v6, DEST_B, "idp.test", ACT_DROP, DW_CNT_HELD,
					      DW_CNT_PUNTED),
				     1);
		a = share_of(v6, DEST_A);
		b = share_of(v6, DEST_B);
		CHECK_EQ_INT(a.admitted, 3);
		CHECK_EQ_INT(a.limited, 2);
		CHECK_EQ_INT(b.admitted, 3);
		CHECK_EQ_INT(b.limited, 0);
	}
}

/* The same flood is admitted while the validator has room and limited once it is busy. */
static void test_room_admits_beyond_share_busy_limits(void)
{
	FOR_EACH_HOOK_AND_FAMILY(prog, v6)
	{
		int i, punts = 0;

		reset();
		set_budget(3, 3, DW_BUDGET_ROOM, dp_boot_ns());
		for (i = 0; i < 20; i++)
			punts += send_one(prog, v6, DEST_A, "idp.test", ACT_DROP, DW_CNT_HELD,
					  DW_CNT_PUNTED);
		CHECK_EQ_INT(punts, 20);
		set_budget(3, 3, DW_BUDGET_BUSY, dp_boot_ns());
		send_one(prog, v6, DEST_A, "idp.test", ACT_DROP, DW_CNT_PUNT_RATE_LIMITED,
			 DW_CNT_FAIL_CLOSED_DROPPED);
		CHECK_EQ_INT(
		    send_one(prog, v6, DEST_B, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED),
		    1);
		CHECK_EQ_INT(share_of(v6, DEST_A).admitted, 20);
	}
}

static void test_full_refuses_everyone(void)
{
	FOR_EACH_HOOK_AND_FAMILY(prog, v6)
	{
		reset();
		set_budget(3, 3, DW_BUDGET_FULL, dp_boot_ns());
		CHECK_EQ_INT(send_one(prog, v6, DEST_B, "idp.test", ACT_DROP,
				      DW_CNT_PUNT_HOST_LIMITED, DW_CNT_FAIL_CLOSED_DROPPED),
			     0);
		CHECK_EQ_INT(share_of(v6, DEST_B).limited, 1);
		set_budget(3, 3, DW_BUDGET_ROOM, dp_boot_ns());
		CHECK_EQ_INT(
		    send_one(prog, v6, DEST_B, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED),
		    1);
	}
}

/* A daemon that stopped publishing left "room" behind: it counts as busy. */
static void test_stale_budget_is_busy(void)
{
	FOR_EACH_HOOK_AND_FAMILY(prog, v6)
	{
		uint64_t old = dp_boot_ns() - 2 * DW_BUDGET_STALE_NS;

		reset();
		set_budget(1, 1, DW_BUDGET_ROOM, old);
		send_one(prog, v6, DEST_A, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED);
		send_one(prog, v6, DEST_A, "idp.test", ACT_DROP, DW_CNT_PUNT_RATE_LIMITED, -1);
		send_one(prog, v6, DEST_B, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED);
	}
}

/*
 * The ring's fill counts at once: with room published and a share no
 * destination can spend, unread punts past three quarters of the ring stop
 * every punt until the ring is read.
 */
static void test_ring_fill_is_full(void)
{
	struct dp_buf m, f;
	struct dp_frame_opts o = {.l3 = DP_IP4, .ip4_dst = 0xc0000200u | DEST_A};
	uint64_t limited;
	int n;

	reset();
	set_budget(1000000, 1000000, DW_BUDGET_ROOM, dp_boot_ns());
	dp_hdr(&m, 1, DP_REPLY, 1, 1, 0, 0);
	dp_name(&m, "big.idp.test");
	dp_u16(&m, 16);
	dp_u16(&m, 1);
	dp_name_ptr(&m, NULL, 12);
	dp_rr_fixed(&m, 16, 60, 1401);
	dp_u8(&m, 200);
	while (m.n < 12 + 14 + 4 + 12 + 1401)
		dp_u8(&m, 'x');
	dp_frame(&f, m.b, m.n, &o);
	/* More than the whole ring's worth, unread. */
	dp_run(&env, env.xdp, f.b, f.n, 0, NULL, DW_PUNT_RING_BYTES / 1400 + 100, NULL);
	limited = dp_counter(&env, DW_CNT_PUNT_HOST_LIMITED);
	CHECK(limited > 0);
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_RING_FULL), 0); /* stopped before the ring was */
	/* Refused while the ring is that full; reading it (in send_one) makes room. */
	n = send_one(env.tc, 1, DEST_B, "idp.test", ACT_DROP, DW_CNT_PUNT_HOST_LIMITED,
		     DW_CNT_FAIL_CLOSED_DROPPED);
	CHECK(n > 0);
	send_one(env.tc, 1, DEST_B, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED);
}

/* limits.punt_rate: 0 publishes dest_rate 0: no budget, as before. */
static void test_budget_off_admits_all(void)
{
	FOR_EACH_HOOK_AND_FAMILY(prog, v6)
	{
		int i, punts = 0;

		reset();
		set_budget(0, 0, DW_BUDGET_FULL, dp_boot_ns());
		for (i = 0; i < 10; i++)
			punts += send_one(prog, v6, DEST_A, "idp.test", ACT_DROP, DW_CNT_HELD,
					  DW_CNT_PUNTED);
		CHECK_EQ_INT(punts, 10);
		CHECK_EQ_INT(share_of(v6, DEST_A).admitted, 0); /* no share was kept */
	}
}

/* An explicit limits.punt_rate stays a cap per zone, whatever the shares say. */
static void test_zone_cap_with_budget(void)
{
	FOR_EACH_HOOK_AND_FAMILY(prog, v6)
	{
		reset();
		env.cfg.punt_rate = 1;
		env.cfg.punt_burst = 1;
		dp_set_cfg(&env);
		set_budget(100, 200, DW_BUDGET_ROOM, dp_boot_ns());
		send_one(prog, v6, DEST_A, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED);
		send_one(prog, v6, DEST_B, "idp.test", ACT_DROP, DW_CNT_RATE_LIMITED,
			 DW_CNT_FAIL_CLOSED_DROPPED);
	}
}

int main(void)
{
	int err = dp_env_open(&env);

	if (err) {
		printf("FAIL setup: cannot load the data plane (%d)\n", err);
		return 1;
	}
	budget_fd = bpf_map__fd(env.skel->maps.dnsward_punt_budget);
	dests_fd = bpf_map__fd(env.skel->maps.dnsward_punt_dests);
	RUN_TEST(test_busy_destination_exhausted_other_admitted);
	RUN_TEST(test_room_admits_beyond_share_busy_limits);
	RUN_TEST(test_full_refuses_everyone);
	RUN_TEST(test_stale_budget_is_busy);
	RUN_TEST(test_ring_fill_is_full);
	RUN_TEST(test_budget_off_admits_all);
	RUN_TEST(test_zone_cap_with_budget);
	dp_env_close(&env);
	HARNESS_EXIT();
}
