// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_encap.c: what the data plane sees past the plain DNS port, through
 * BPF_PROG_RUN on the production object: a DNS reply inside VXLAN or
 * Geneve (IPv4 and IPv6, outer and inner) is judged as its inner packet (a
 * protected one without a verdict is held and punted with the inner
 * offsets, an unprotected one passes unchanged), and passes unopened when
 * the policy names no tunnel port (the bypass these checks close); a reply
 * from a second DNS port is judged; the query hook drops or counts DoT, DoQ
 * and DoH to resolvers the policy does not allow.
 */
#include <arpa/inet.h>

#include "common/array.h"
#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"

#define XDP_DROP_   1
#define XDP_PASS_   2
#define TC_ACT_OK   0
#define TC_ACT_SHOT 2

#define VXLAN  4789
#define GENEVE 6081

static struct dp_env env;
static int ports_fd, encdns_fd, clients_fd, prog_query;

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

/* The port map as a policy writes it: DNS ports, VXLAN and Geneve ports. */
static void set_ports(const uint16_t *dns, int n_dns, uint16_t vxlan, uint16_t geneve)
{
	static struct dw_ports p;
	uint32_t zero = 0;
	int i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < n_dns; i++)
		p.kind[dns[i]] |= DW_PORT_DNS;
	if (vxlan)
		p.kind[vxlan] |= DW_PORT_VXLAN;
	if (geneve)
		p.kind[geneve] |= DW_PORT_GENEVE;
	CHECK_EQ_INT(bpf_map_update_elem(ports_fd, &zero, &p, BPF_ANY), 0);
	dp_set_cfg(&env); /* a new policy: the memo starts over */
}

static void default_ports(void)
{
	static const uint16_t dns[] = {53};

	set_ports(dns, 1, VXLAN, GENEVE);
}

/* A reply frame for qname (one A record) from port sport, IPv4 or IPv6. */
static void reply_frame(struct dp_buf *f, const char *qname, int l3, uint16_t sport)
{
	struct dp_buf m;
	struct dp_frame_opts o = {.l3 = l3, .sport = sport};

	dp_reply_a(&m, qname, 0x1234, 300, 0xc0000263);
	dp_frame(f, m.b, m.n, &o);
}

struct tunnel {
	int outer_l3;	/* DP_IP4 or DP_IP6 */
	int geneve;	/* else VXLAN */
	int opt_words;	/* Geneve options, 4-byte words */
	int l3_inner;	/* Geneve: the inner packet without Ethernet (protocol 0x0800/0x86dd) */
	uint16_t dport; /* default: the type's port */
	uint16_t sport; /* outer UDP source; default 49152 */
};

/* Wraps the frame `in` into the tunnel t: outer Ethernet, IP, UDP, tunnel header. */
static void encap(struct dp_buf *out, const struct dp_buf *in, const struct tunnel *t)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	const uint8_t *inner = in->b + (t->l3_inner ? 14 : 0);
	size_t ilen = in->n - (t->l3_inner ? 14 : 0);
	size_t tun = 8 + (t->geneve ? 4 * (size_t)t->opt_words : 0);
	size_t ulen = 8 + tun + ilen;
	int i;

	out->n = 0;
	dp_bytes(out, mac, 12);
	dp_u16(out, t->outer_l3 == DP_IP6 ? 0x86dd : 0x0800);
	if (t->outer_l3 == DP_IP6) {
		dp_u32(out, 0x60000000);
		dp_u16(out, ulen);
		dp_u8(out, 17);
		dp_u8(out, 64);
		dp_u32(out, 0x20010db8);
		dp_u32(out, 0x00ff0000);
		dp_u32(out, 0);
		dp_u32(out, 1);
		dp_u32(out, 0x20010db8);
		dp_u32(out, 0x00ff0000);
		dp_u32(out, 0);
		dp_u32(out, 2);
	} else {
		dp_u16(out, 0x4500);
		dp_u16(out, 20 + ulen);
		dp_u32(out, 0x00014000); /* ID 1, DF */
		dp_u16(out, 0x4011);
		dp_u16(out, 0);
		dp_u32(out, 0xcb007101); /* 203.0.113.1 */
		dp_u32(out, 0xcb007102); /* 203.0.113.2 */
	}
	dp_u16(out, t->sport ? t->sport : 49152);
	dp_u16(out, t->dport ? t->dport : t->geneve ? GENEVE : VXLAN);
	dp_u16(out, ulen);
	dp_u16(out, 0);
	if (t->geneve) {
		uint16_t proto = !t->l3_inner ? 0x6558 : in->b[12] == 0x86 ? 0x86dd : 0x0800;

		dp_u8(out, (uint8_t)t->opt_words);
		dp_u8(out, 0);
		dp_u16(out, proto);
		dp_u32(out, 0x00002a00); /* VNI 42 */
		for (i = 0; i < t->opt_words; i++)
			dp_u32(out, i ? 0 : 0x01028000 | (uint32_t)(t->opt_words - 1));
	} else {
		dp_u32(out, 0x08000000);
		dp_u32(out, 0x00002a00);
	}
	dp_bytes(out, inner, ilen);
}

/* Runs f through XDP (and tc ingress); returns the XDP action, checking pass leaves bytes whole. */
static int run_xdp(const struct dp_buf *f)
{
	uint8_t out[sizeof(f->b)];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->n, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(env.xdp, &o)) {
		fprintf(stderr, "  BPF_PROG_RUN of %zu bytes: %s\n", f->n, strerror(errno));
		return -1;
	}
	if (o.retval == XDP_PASS_ && (o.data_size_out != f->n || memcmp(out, f->b, f->n))) {
		fprintf(stderr, "  a passed frame came out changed\n");
		return -1;
	}
	return (int)o.retval;
}

static int run_query_prog(const struct dp_buf *f)
{
	return dp_run(&env, prog_query, f->b, f->n, 0, NULL, 1, NULL);
}

static const struct tunnel tunnels[] = {
    {DP_IP4, 0, 0, 0, 0, 0},  /* VXLAN over IPv4 */
    {DP_IP6, 0, 0, 0, 0, 0},  /* VXLAN over IPv6 */
    {DP_IP4, 1, 0, 0, 0, 0},  /* Geneve over IPv4 */
    {DP_IP6, 1, 2, 0, 0, 0},  /* Geneve over IPv6, 8 bytes of options */
    {DP_IP4, 1, 1, 1, 0, 0},  /* Geneve over IPv4 carrying IP without Ethernet */
    {DP_IP4, 0, 0, 0, 0, 53}, /* VXLAN whose outer source port is 53 */
};

/* Where the inner packet's IP header starts in the wrapped frame. */
static size_t inner_l3_off(size_t outer_len, size_t inner_frame_len)
{
	return outer_len - (inner_frame_len - 14);
}

static void test_forged_protected_reply_held(void)
{
	size_t i;
	int l3;

	default_ports();
	for (i = 0; i < ARRAY_SIZE(tunnels); i++)
		for (l3 = DP_IP4; l3 <= DP_IP6; l3 += 2) {
			const struct tunnel *t = &tunnels[i];
			struct dp_buf in, f;
			struct delta d;
			int act;

			reply_frame(&in, "login.idp.test", l3, 53);
			encap(&f, &in, t);
			dp_drain(&env);
			snap(&d);
			act = run_xdp(&f);
			if (act != XDP_DROP_)
				fprintf(stderr, "  tunnel %zu inner IPv%d: action %d\n", i, l3,
					act);
			CHECK_EQ_INT(act, XDP_DROP_);
			CHECK_EQ_INT(moved(&d, DW_CNT_TUNNELED), 1);
			CHECK_EQ_INT(moved(&d, DW_CNT_HELD), 1);
			CHECK_EQ_INT(dp_drain(&env), 1);
			/* The punt carries the whole frame and the inner packet's offsets: the
			 * daemon reads the inner question and re-sends the inner packet. */
			CHECK_EQ_INT(env.last.pkt_len, f.n);
			CHECK_EQ_INT(env.last.l3, l3);
			CHECK_EQ_INT(env.last.l3_off, inner_l3_off(f.n, in.n));
			CHECK_EQ_INT(env.last.dns_off, f.n - (in.n - 14 - (l3 == 6 ? 40 : 20) - 8));
			CHECK_EQ_INT(env.last.flags & DW_PUNT_F_HELD, DW_PUNT_F_HELD);
			/* tc ingress decides the same. */
			snap(&d);
			CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, 0, NULL, 1, NULL), TC_ACT_SHOT);
			CHECK_EQ_INT(moved(&d, DW_CNT_TUNNELED), 1);
		}
}

static void test_unprotected_reply_passes_intact(void)
{
	size_t i;
	int l3;

	default_ports();
	dp_drain(&env);
	for (i = 0; i < ARRAY_SIZE(tunnels); i++)
		for (l3 = DP_IP4; l3 <= DP_IP6; l3 += 2) {
			struct dp_buf in, f;
			struct delta d;

			reply_frame(&in, "www.example.test", l3, 53);
			encap(&f, &in, &tunnels[i]);
			snap(&d);
			CHECK_EQ_INT(run_xdp(&f), XDP_PASS_);
			CHECK_EQ_INT(moved(&d, DW_CNT_TUNNELED), 1);
			CHECK_EQ_INT(moved(&d, DW_CNT_NOT_PROTECTED), 1);
			CHECK_EQ_INT(dp_drain(&env), 0);
		}
}

/* Without tunnel ports the forged reply passes unopened: the bypass the ports close. */
static void test_no_tunnel_ports_no_opening(void)
{
	static const uint16_t dns[] = {53};
	struct dp_buf in, f;
	struct delta d;

	set_ports(dns, 1, 0, 0);
	reply_frame(&in, "login.idp.test", DP_IP4, 53);
	encap(&f, &in, &tunnels[0]);
	snap(&d);
	CHECK_EQ_INT(run_xdp(&f), XDP_PASS_);
	CHECK_EQ_INT(moved(&d, DW_CNT_NOT_DNS), 1);
	CHECK_EQ_INT(moved(&d, DW_CNT_TUNNELED), 0);
	/* A VXLAN port set apart from the default is opened when named. */
	set_ports(dns, 1, 8472, 0);
	encap(&f, &in, &(struct tunnel){.outer_l3 = DP_IP4, .dport = 8472});
	CHECK_EQ_INT(run_xdp(&f), XDP_DROP_);
	default_ports();
}

/* Not opened: inner TCP, a truncated tunnel header, Geneve of another version. */
static void test_tunnel_edges(void)
{
	struct dp_buf m, in, f;
	struct dp_frame_opts o = {.l3 = DP_IP4, .tcp = 1};
	struct delta d;

	default_ports();
	dp_reply_a(&m, "login.idp.test", 0x1234, 300, 0xc0000263);
	dp_frame(&in, m.b, m.n, &o);
	encap(&f, &in, &tunnels[0]);
	snap(&d);
	CHECK_EQ_INT(run_xdp(&f), XDP_PASS_); /* DNS over TCP in a tunnel: not followed */
	CHECK_EQ_INT(moved(&d, DW_CNT_TUNNELED), 0);
	reply_frame(&in, "login.idp.test", DP_IP4, 53);
	encap(&f, &in, &tunnels[2]);
	f.b[14 + 20 + 8] |= 0x40; /* Geneve version 1: the kernel drops it too */
	CHECK_EQ_INT(run_xdp(&f), XDP_PASS_);
	/* An inner IPv4 header claiming more than the tunnel carries: dropped as malformed. */
	encap(&f, &in, &tunnels[0]);
	f.b[14 + 20 + 8 + 8 + 14 + 3] += 40;
	snap(&d);
	CHECK_EQ_INT(run_xdp(&f), XDP_DROP_);
	CHECK_EQ_INT(moved(&d, DW_CNT_MALFORMED), 1);
}

static void test_second_dns_port(void)
{
	static const uint16_t dns[] = {53, 5353};
	struct dp_buf f;
	struct delta d;
	int l3;

	for (l3 = DP_IP4; l3 <= DP_IP6; l3 += 2) {
		/* Only port 53: a forged reply from 5353 is not looked at. */
		default_ports();
		reply_frame(&f, "login.idp.test", l3, 5353);
		snap(&d);
		CHECK_EQ_INT(run_xdp(&f), XDP_PASS_);
		CHECK_EQ_INT(moved(&d, DW_CNT_NOT_DNS), 1);
		set_ports(dns, 2, VXLAN, GENEVE);
		snap(&d);
		CHECK_EQ_INT(run_xdp(&f), XDP_DROP_);
		CHECK_EQ_INT(moved(&d, DW_CNT_HELD), 1);
		dp_drain(&env);
		reply_frame(&f, "www.example.test", l3, 5353);
		snap(&d);
		CHECK_EQ_INT(run_xdp(&f), XDP_PASS_);
		CHECK_EQ_INT(moved(&d, DW_CNT_NOT_PROTECTED), 1);
	}
	default_ports();
}

/* A workload's query leaving through a tunnel is remembered like one on the wire. */
static void test_tunnelled_query_remembered(void)
{
	struct dp_buf m, in, f;
	struct dp_frame_opts o = {.l3 = DP_IP4, .sport = 33333, .dport = 53};
	struct delta d;
	size_t i;

	default_ports();
	dp_hdr(&m, 0x4242, 0x0100, 1, 0, 0, 0);
	dp_name(&m, "login.idp.test");
	dp_u16(&m, 1);
	dp_u16(&m, 1);
	for (i = 0; i < ARRAY_SIZE(tunnels) - 1; i++) {
		o.l3 = tunnels[i].outer_l3 == DP_IP6 ? DP_IP4 : DP_IP6;
		dp_frame(&in, m.b, m.n, &o);
		encap(&f, &in, &tunnels[i]);
		snap(&d);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_OK);
		CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_SEEN), 1);
		CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_TRACKED), 1);
		dp_drain(&env);
	}
	/* The same datagram to a port that is no tunnel's is not opened. */
	encap(&f, &in, &(struct tunnel){.outer_l3 = DP_IP4, .dport = 9999});
	snap(&d);
	CHECK_EQ_INT(run_query_prog(&f), TC_ACT_OK);
	CHECK_EQ_INT(moved(&d, DW_CNT_QUERY_SEEN), 0);
}

/* --- encrypted DNS at the query hook ------------------------------------- */

/* A TCP SYN (or a UDP datagram) from 192.0.2.2 (2001:db8:2::2) to dst:dport. */
static void conn_frame(struct dp_buf *f, int l3, int tcp, uint32_t dst4, uint8_t dst6_last,
		       uint16_t dport)
{
	struct dp_frame_opts o = {.l3 = l3, .tcp = tcp, .sport = 40000, .dport = dport};
	uint8_t payload[4] = {0};
	size_t l4;

	dp_frame(f, payload, tcp ? 0 : sizeof(payload), &o);
	l4 = 14 + (l3 == DP_IP6 ? 40 : 20);
	if (l3 == DP_IP4) {
		/* source 192.0.2.2, destination dst4 */
		dp_patch16(f, 14 + 12, 0xc000);
		dp_patch16(f, 14 + 14, 0x0202);
		dp_patch16(f, 14 + 16, dst4 >> 16);
		dp_patch16(f, 14 + 18, dst4 & 0xffff);
	} else {
		f->b[14 + 8 + 15] = 2;
		f->b[14 + 24 + 15] = dst6_last;
	}
	if (tcp)
		f->b[l4 + 13] = 0x02; /* SYN */
}

static void encdns_addr(int family, uint32_t a4, uint8_t a6_last, uint8_t bits)
{
	struct dw_addr_key k = {.family = (uint8_t)family};

	if (family == AF_INET) {
		uint32_t n = htonl(a4);

		memcpy(k.addr, &n, 4);
	} else {
		static const uint8_t p[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};

		memcpy(k.addr, p, 16);
		k.addr[15] = a6_last;
	}
	CHECK_EQ_INT(bpf_map_update_elem(encdns_fd, &k, &bits, BPF_ANY), 0);
}

static uint64_t client_count(int l3)
{
	struct dw_addr_key k = {.family = l3 == DP_IP4 ? AF_INET : AF_INET6};
	static const uint8_t p6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x02, 0, 0,
				       0,    0,	   0,	 0,    0, 0,	0, 2};
	uint64_t n = 0;

	if (l3 == DP_IP4)
		memcpy(k.addr, (uint8_t[]){192, 0, 2, 2}, 4);
	else
		memcpy(k.addr, p6, 16);
	bpf_map_lookup_elem(clients_fd, &k, &n);
	return n;
}

static void test_encrypted_dns(void)
{
	struct dp_buf f;
	struct delta d;
	int l3;

	/* 198.51.100.53 / 2001:db8:1::53 allowed; 198.51.100.9 / ::9 a known DoH server. */
	encdns_addr(AF_INET, 0xc6336435, 0, DW_ENCDNS_ALLOW);
	encdns_addr(AF_INET6, 0, 0x53, DW_ENCDNS_ALLOW);
	encdns_addr(AF_INET, 0xc6336409, 0, DW_ENCDNS_DOH);
	encdns_addr(AF_INET6, 0, 0x09, DW_ENCDNS_DOH);
	for (l3 = DP_IP4; l3 <= DP_IP6; l3 += 2) {
		uint64_t before = client_count(l3);

		/* Off: DoT to anyone passes. */
		env.cfg.enabled = DW_CFG_ENABLED;
		dp_set_cfg(&env);
		conn_frame(&f, l3, 1, 0xcb007107, 0x77, 853);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_OK);
		env.cfg.enabled = DW_CFG_ENABLED | DW_CFG_ENCDNS | DW_CFG_ENCDNS_DROP;
		dp_set_cfg(&env);
		snap(&d);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_SHOT); /* DoT elsewhere */
		conn_frame(&f, l3, 0, 0xcb007107, 0x77, 853);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_SHOT); /* DoQ elsewhere */
		conn_frame(&f, l3, 1, 0xc6336409, 0x09, 443);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_SHOT); /* DoH to a listed DoH server */
		CHECK_EQ_INT(moved(&d, DW_CNT_ENCDNS_DROPPED), 3);
		CHECK_EQ_INT(client_count(l3) - before, 3);
		conn_frame(&f, l3, 1, 0xc6336435, 0x53, 853);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_OK); /* DoT to the allowed resolver */
		conn_frame(&f, l3, 1, 0xcb007107, 0x77, 443);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_OK); /* HTTPS to anything else */
		conn_frame(&f, l3, 1, 0xcb007107, 0x77, 53);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_OK); /* plain DNS over TCP */
		CHECK_EQ_INT(moved(&d, DW_CNT_ENCDNS_DROPPED), 3);
		/* report: counted, passed. */
		env.cfg.enabled = DW_CFG_ENABLED | DW_CFG_ENCDNS;
		dp_set_cfg(&env);
		snap(&d);
		conn_frame(&f, l3, 1, 0xcb007107, 0x77, 853);
		CHECK_EQ_INT(run_query_prog(&f), TC_ACT_OK);
		CHECK_EQ_INT(moved(&d, DW_CNT_ENCDNS_REPORTED), 1);
		CHECK_EQ_INT(moved(&d, DW_CNT_ENCDNS_DROPPED), 0);
		CHECK_EQ_INT(client_count(l3) - before, 4);
	}
	dp_default_cfg(&env);
	dp_set_cfg(&env);
}

int main(void)
{
	int err = dp_env_open(&env);

	if (err) {
		fprintf(stderr, "FAIL test_encap: load the data plane: %s\n", strerror(-err));
		return 1;
	}
	ports_fd = bpf_map__fd(env.skel->maps.dnsward_ports);
	encdns_fd = bpf_map__fd(env.skel->maps.dnsward_encdns_addrs);
	clients_fd = bpf_map__fd(env.skel->maps.dnsward_encdns_clients);
	prog_query = bpf_program__fd(env.skel->progs.dnsward_tc_query);
	RUN_TEST(test_forged_protected_reply_held);
	RUN_TEST(test_unprotected_reply_passes_intact);
	RUN_TEST(test_no_tunnel_ports_no_opening);
	RUN_TEST(test_tunnel_edges);
	RUN_TEST(test_second_dns_port);
	RUN_TEST(test_tunnelled_query_remembered);
	RUN_TEST(test_encrypted_dns);
	dp_env_close(&env);
	HARNESS_EXIT();
}
