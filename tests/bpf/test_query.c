// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_query.c: the query hook (dnsward_tc_query) through BPF_PROG_RUN on the
 * production object. A query for a name in an enforced zone yields exactly
 * one DW_PUNT_F_QUERY record carrying its question; everything else (other
 * zones, monitor zones, replies, other ports and protocols, malformed
 * questions) yields none; every packet passes unchanged.
 */
#include <stdlib.h>

#include "common/array.h"
#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"
#include "common/dns_question.h"
#include "daemon/proven.h"
#include "daemon/verdict_map.h"

#define TC_ACT_OK   0
#define TC_ACT_SHOT 2

static struct dp_env env;
static int prog_query;

/* Runs a frame through the query hook; returns the action and checks the bytes came back. */
static int run_query_mark(const struct dp_buf *f, uint32_t mark)
{
	struct __sk_buff skb = {.mark = mark};
	uint8_t out[sizeof(f->b)];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->n, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &skb, .ctx_size_in = sizeof(skb),
		    .ctx_out = &skb, .ctx_size_out = sizeof(skb), .repeat = 1);

	if (bpf_prog_test_run_opts(prog_query, &o)) {
		fprintf(stderr, "  BPF_PROG_RUN of %zu bytes: %s\n", f->n, strerror(errno));
		return -1;
	}
	if (o.data_size_out != f->n || memcmp(out, f->b, f->n)) {
		fprintf(stderr, "  the query hook changed the packet\n");
		return -1;
	}
	return (int)o.retval;
}

static int run_query(const struct dp_buf *f)
{
	return run_query_mark(f, 0);
}

static void query_msg(struct dp_buf *m, const char *qname, uint16_t flags, uint16_t qtype)
{
	dp_hdr(m, 0x4242, flags, 1, 0, 0, 1);
	dp_name(m, qname);
	dp_u16(m, qtype);
	dp_u16(m, 1);
	/* EDNS OPT in the additional section, as stub resolvers send it */
	dp_u8(m, 0);
	dp_u16(m, 41);
	dp_u16(m, 1232);
	dp_u32(m, 0);
	dp_u16(m, 0);
}

/* A frame from a client port to dport (dp_frame writes sport then 33333: swap them). */
static void query_frame(struct dp_buf *f, const struct dp_buf *m, struct dp_frame_opts o,
			uint16_t dport)
{
	size_t udp;

	o.sport = 33333;
	dp_frame(f, m->b, m->n, &o);
	udp = f->n - m->n - (o.tcp ? 22 : 8);
	dp_patch16(f, udp + 2, dport);
}

struct delta {
	uint64_t c[DW_CNT_MAX];
};

static void snap(struct delta *d)
{
	dp_counters(&env, d->c);
}

static uint64_t moved(const struct delta *d, int slot)
{
	return dp_counter(&env, slot) - d->c[slot];
}

static void reset(void)
{
	dp_default_cfg(&env);
	dp_set_cfg(&env);
	dp_drain(&env);
}

/* Expect pass and `records` new ring records. */
static int expect(const struct dp_buf *f, int records, const char *what)
{
	int rc = run_query(f), got = dp_drain(&env);

	if (rc != TC_ACT_OK || got != records) {
		fprintf(stderr, "  %s: action %d, %d records (want pass, %d)\n", what, rc, got,
			records);
		return -1;
	}
	return 0;
}

static void check_record(const char *qname, uint16_t qtype, int l3)
{
	const struct dw_punt *p = &env.last;
	struct dns_question q;
	static const uint8_t zero[sizeof(p->key)];

	CHECK_EQ_INT(p->flags, DW_PUNT_F_QUERY);
	CHECK_EQ_INT(p->zone_id, 1);
	CHECK_EQ_INT(p->l3, l3);
	CHECK_EQ_INT(p->l4, 17);
	CHECK(!memcmp(&p->key, zero, sizeof(zero)));
	/* header + question only, and the record is exactly that long */
	CHECK_EQ_INT(p->dns_len, 12 + strlen(qname) + 2 + 4);
	CHECK_EQ_INT(p->pkt_len, p->dns_off + p->dns_len);
	CHECK_EQ_INT(env.last_size, offsetof(struct dw_punt, pkt) + p->pkt_len);
	CHECK(dnsq_parse(p->pkt + p->dns_off, p->dns_len, &q) == 0);
	CHECK_EQ_STR(q.name, qname);
	CHECK_EQ_INT(q.qtype, qtype);
	CHECK_EQ_INT(q.flags & 0x8000, 0);
}

static void test_protected_query_all_layouts(void)
{
	struct dp_buf m, f;
	int l3, vlans, hbh;

	reset();
	for (l3 = 4; l3 <= 6; l3 += 2)
		for (vlans = 0; vlans <= 2; vlans++)
			for (hbh = 0; hbh <= (l3 == 6); hbh++) {
				struct dp_frame_opts o = {
				    .l3 = l3, .vlans = vlans, .ip6_hbh = hbh, .ip4_opts = hbh};
				struct delta d;

				query_msg(&m, "www.idp.test", 0x0100, 28);
				query_frame(&f, &m, o, 53);
				snap(&d);
				CHECK(expect(&f, 1, "protected query") == 0);
				check_record("www.idp.test", 28, l3);
				CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_SEEN), 1);
				CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PREFETCH), 1);
				CHECK_EQ_INT(moved(&d, DW_CNT_PUNTED), 0);
				CHECK_EQ_INT(moved(&d, DW_CNT_PACKETS), 0);
			}
	/* Case does not matter: the zone key is lower-cased. */
	query_msg(&m, "WWW.IdP.TEST", 0x0100, 1);
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4}, 53);
	CHECK(expect(&f, 1, "upper-case query") == 0);
}

/* The workload's reply to a query sent from 192.0.2.2:33333 with ID 0x4242. */
static int run_reply(const char *qname, uint16_t id)
{
	struct dp_buf m, f;

	dp_reply_a(&m, qname, id, 300, 0xcb007142);
	dp_frame(&f, m.b, m.n, &(struct dp_frame_opts){.l3 = DP_IP4});
	return dp_run(&env, env.tc, f.b, f.n, 0, NULL, 1, NULL);
}

/*
 * A query of an enforced zone is remembered, with prefetch on or off; a reply
 * under its address, port and ID with another question is dropped (musl's
 * stub would take it), the same question goes on to be judged; on a link
 * whose queries the hook sees, a protected reply that answers no remembered
 * query is dropped without a punt.
 */
static void test_outstanding_queries(void)
{
	struct dp_frame_opts o = {.l3 = DP_IP4, .ip4_src = 0xc0000202, .ip4_dst = 0xc6336435};
	int links = bpf_map__fd(env.skel->maps.dnsward_query_links);
	__u32 lo = 1; /* BPF_PROG_RUN's skb is on the loopback device */
	__u8 one = 1;
	struct dp_buf m, f;
	struct delta d;

	reset();
	env.cfg.enabled = DW_CFG_ENABLED | DW_CFG_NO_PREFETCH;
	dp_set_cfg(&env);
	query_msg(&m, "www.idp.test", 0x0100, 1);
	query_frame(&f, &m, o, 53);
	snap(&d);
	CHECK(expect(&f, 0, "query with prefetch off") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_TRACKED), 1);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PREFETCH), 0);
	/* Another question under the query's ID and port: an unprotected name. */
	snap(&d);
	CHECK_EQ_INT(run_reply("evil.example", 0x4242), TC_ACT_SHOT);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUESTION_MISMATCH), 1);
	CHECK_EQ_INT(dp_drain(&env), 0);
	/* A protected name other than the one asked. */
	CHECK_EQ_INT(run_reply("login.idp.test", 0x4242), TC_ACT_SHOT);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUESTION_MISMATCH), 2);
	/* The question asked: held and punted as any first reply. */
	CHECK_EQ_INT(run_reply("www.idp.test", 0x4242), TC_ACT_SHOT);
	CHECK_EQ_INT(moved(&d, DW_CNT_HELD), 1);
	CHECK_EQ_INT(dp_drain(&env), 1);
	/* Unsolicited: only where the link's queries are seen. */
	CHECK_EQ_INT(run_reply("www.idp.test", 0x5151), TC_ACT_SHOT);
	CHECK_EQ_INT(moved(&d, DW_CNT_UNSOLICITED), 0);
	CHECK_EQ_INT(dp_drain(&env), 1);
	CHECK(bpf_map_update_elem(links, &lo, &one, BPF_ANY) == 0);
	CHECK_EQ_INT(run_reply("www.idp.test", 0x5151), TC_ACT_SHOT);
	CHECK_EQ_INT(moved(&d, DW_CNT_UNSOLICITED), 1);
	CHECK_EQ_INT(dp_drain(&env), 0);
	/* An unprotected reply is never unsolicited. */
	CHECK_EQ_INT(run_reply("www.example", 0x5151), TC_ACT_OK);
	/* The solicited one still goes to the validator. */
	CHECK_EQ_INT(run_reply("www.idp.test", 0x4242), TC_ACT_SHOT);
	CHECK_EQ_INT(dp_drain(&env), 1);
	bpf_map_delete_elem(links, &lo);
}

static void test_no_record(void)
{
	static const struct {
		const char *what, *qname;
		uint16_t flags, dport;
		int tcp;
	} cases[] = {
	    {"unprotected zone", "www.example.test", 0x0100, 53, 0},
	    {"monitor zone", "www.mon.test", 0x0100, 53, 0},
	    {"reply to port 53", "www.idp.test", 0x8180, 53, 0},
	    {"notify (opcode 4)", "www.idp.test", 0x2000, 53, 0},
	    {"other port", "www.idp.test", 0x0100, 5353, 0},
	    {"TCP query", "www.idp.test", 0x0100, 53, 1},
	};
	struct dp_buf m, f;
	size_t i;

	reset();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dp_frame_opts o = {.l3 = 4, .tcp = cases[i].tcp};
		struct delta d;

		query_msg(&m, cases[i].qname, cases[i].flags, 1);
		query_frame(&f, &m, o, cases[i].dport);
		snap(&d);
		CHECK(expect(&f, 0, cases[i].what) == 0);
		CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PREFETCH), 0);
		CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_MALFORMED), 0);
		/* only UDP queries to the DNS port count as seen */
		CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_SEEN), i < 2);
	}
	/* A reply on its way from port 53 to a client. */
	dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
	dp_frame(&f, m.b, m.n, &(struct dp_frame_opts){.l3 = 6});
	CHECK(expect(&f, 0, "reply from port 53") == 0);
	/* The validator's own upstream query (its socket mark, seen at egress). */
	query_msg(&m, "www.idp.test", 0x0100, 1);
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4}, 53);
	CHECK(run_query_mark(&f, DW_VALIDATOR_MARK) == TC_ACT_OK);
	CHECK_EQ_INT(dp_drain(&env), 0);
	/* Not IP at all (ARP). */
	memset(f.b, 0, 60);
	f.b[12] = 0x08;
	f.b[13] = 0x06;
	f.n = 60;
	CHECK(expect(&f, 0, "ARP") == 0);
	/* The data plane switched off. */
	env.cfg.enabled = 0;
	dp_set_cfg(&env);
	query_msg(&m, "www.idp.test", 0x0100, 1);
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4}, 53);
	CHECK(expect(&f, 0, "disabled") == 0);
	reset();
}

static void test_malformed_queries_pass(void)
{
	struct dp_buf m, f;
	struct delta d;

	reset();
	/* QDCOUNT 0 */
	dp_hdr(&m, 1, 0x0100, 0, 0, 0, 0);
	dp_name(&m, "www.idp.test");
	dp_u16(&m, 1);
	dp_u16(&m, 1);
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4}, 53);
	snap(&d);
	CHECK(expect(&f, 0, "QDCOUNT 0") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_MALFORMED), 1);
	/* The message ends inside the question name. */
	query_msg(&m, "www.idp.test", 0x0100, 1);
	m.n = 12 + 6;
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4}, 53);
	snap(&d);
	CHECK(expect(&f, 0, "cut question name") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_MALFORMED), 1);
	/* The name is whole but qtype/qclass are cut. */
	query_msg(&m, "www.idp.test", 0x0100, 1);
	m.n = 12 + 14 + 2;
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 6}, 53);
	snap(&d);
	CHECK(expect(&f, 0, "cut qclass") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_MALFORMED), 1);
	/* A compression pointer in the question. */
	dp_hdr(&m, 1, 0x0100, 1, 0, 0, 0);
	dp_name_ptr(&m, "www", 12);
	dp_u16(&m, 1);
	dp_u16(&m, 1);
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4}, 53);
	snap(&d);
	CHECK(expect(&f, 0, "compressed question") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_MALFORMED), 1);
	/* UDP length longer than the datagram. */
	query_msg(&m, "www.idp.test", 0x0100, 1);
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4, .vlans = 1}, 53);
	f.n -= 5;
	snap(&d);
	CHECK(expect(&f, 0, "lengths lie") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PREFETCH), 0);
}

static void test_rate_limit_is_its_own(void)
{
	struct dp_buf m, f;
	struct dw_punt_bucket b;
	struct delta d;
	uint32_t zone = 1;

	reset();
	/* A held reply's bucket must stay untouched: queries have their own. */
	bpf_map_delete_elem(env.rate, &zone);
	env.cfg.punt_rate = 1;
	env.cfg.punt_burst = 1;
	dp_set_cfg(&env);
	query_msg(&m, "a.idp.test", 0x0100, 1);
	query_frame(&f, &m, (struct dp_frame_opts){.l3 = 4}, 53);
	snap(&d);
	CHECK(expect(&f, 1, "first query") == 0);
	CHECK(expect(&f, 0, "second query within the second") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PREFETCH), 1);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_RATE_LIMITED), 1);
	CHECK(bpf_map_lookup_elem(env.rate, &zone, &b) != 0);
	zone |= 0x80000000u; /* the prefetch bucket of zone 1 */
	CHECK(bpf_map_lookup_elem(env.rate, &zone, &b) == 0);
	zone = 1;
	reset();
}

/*
 * A question the daemon proved (dnsward_proven, written as the daemon
 * writes it) is remembered as outstanding but sends no prefetch; another
 * type, other bytes (case) or an expired entry do; the map is read only
 * with prefetch on.
 */
static void test_proven_question_not_prefetched(void)
{
	int fd = bpf_map__fd(env.skel->maps.dnsward_proven);
	struct dp_frame_opts o = {.l3 = DP_IP4};
	struct dw_question_wire q;
	struct dp_buf m, f;
	uint64_t past;
	struct delta d;

	reset();
	query_msg(&m, "www.idp.test", 0x0100, 1);
	query_frame(&f, &m, o, 53);
	CHECK(expect(&f, 1, "query before its question is proven") == 0);
	CHECK(proven_question(m.b, m.n, &q) == 0);
	CHECK(proven_put(fd, &q, 300) == 0);
	snap(&d);
	CHECK(expect(&f, 0, "query whose question is proven") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PROVEN), 1);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_TRACKED), 1);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PREFETCH), 0);
	/* The same name, another type. */
	query_msg(&m, "www.idp.test", 0x0100, 28);
	query_frame(&f, &m, o, 53);
	CHECK(expect(&f, 1, "AAAA of a name proven for A") == 0);
	/* Other bytes: the key is the question as sent. */
	query_msg(&m, "WWW.idp.test", 0x0100, 1);
	query_frame(&f, &m, o, 53);
	CHECK(expect(&f, 1, "the proven name in other case") == 0);
	/* Expired. */
	past = verdict_now_ns() - 1;
	CHECK(bpf_map_update_elem(fd, &q, &past, BPF_ANY) == 0);
	query_msg(&m, "www.idp.test", 0x0100, 1);
	query_frame(&f, &m, o, 53);
	snap(&d);
	CHECK(expect(&f, 1, "query whose proof expired") == 0);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_PROVEN), 0);
	CHECK(proven_flush(fd) == 1);
	reset();
}

int main(void)
{
	int err = dp_env_open(&env);

	if (err) {
		printf("FAIL setup: cannot load the data plane (%d)\n", err);
		return 1;
	}
	prog_query = bpf_program__fd(env.skel->progs.dnsward_tc_query);
	RUN_TEST(test_protected_query_all_layouts);
	RUN_TEST(test_no_record);
	RUN_TEST(test_malformed_queries_pass);
	RUN_TEST(test_rate_limit_is_its_own);
	RUN_TEST(test_outstanding_queries);
	RUN_TEST(test_proven_question_not_prefetched);
	dp_env_close(&env);
	HARNESS_EXIT();
}
