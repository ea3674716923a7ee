// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_datapath.c: the data plane's per-packet paths,
 * table-driven through BPF_PROG_RUN on the production object (real verifier,
 * real maps), on both entry points and over IPv4, IPv6 (with a hop-by-hop
 * header), IPv4 options and 1 or 2 VLAN tags. Each case names the action and
 * the counter that must move; ALLOWED never moves unless a case expects it.
 * Punt records are read back from the ring buffer and checked against the
 * user-space reference (pkt_digest_key, pkt_locate_dns).
 */
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/array.h"
#include "daemon/release.h"
#include "daemon/verdict_map.h"
#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"

static struct dp_env env;

enum { ACT_PASS, ACT_DROP };

/* Message shapes the table builds. */
enum msg_kind {
	M_REPLY,      /* question + one A answer (owner compressed) */
	M_QUERY,      /* QR clear */
	M_UPPER,      /* the question name in upper case */
	M_LABEL63,    /* a 63-byte label in the question */
	M_NAME255,    /* a 255-byte question name */
	M_LABEL64,    /* a 64-byte label: malformed */
	M_NAME256,    /* a 256-byte name: malformed */
	M_QPTR,	      /* a compressed question: malformed */
	M_TRUNC_Q,    /* message ends inside the question name */
	M_QDCOUNT0,   /* no question */
	M_LOOP,	      /* answer owner is a pointer to itself */
	M_FWD_PTR,    /* answer owner points forward */
	M_COUNTS_LIE, /* ANCOUNT 3, one RR present */
	M_RDLEN_LIE,  /* RDLENGTH past the end */
	M_CNAME_MX,   /* CNAME + MX with compressed names in rdata, OPT in additional */
	M_MANY_RRS,   /* more RRs than the digest takes: too complex */
};

static const char *name_of_len(const char *zone, size_t want)
{
	/* "a.a.a....<zone>" with the total wire length `want` (labels of 1 plus filler). */
	static char out[600];
	size_t zl = strlen(zone) + 2, n = 0; /* wire length of the zone with its root */

	out[0] = 0;
	while (zl + (n + 2) + 2 <= want && n + 3 < sizeof(out)) {
		out[n++] = 'a';
		out[n++] = '.';
	}
	if (zl + n < want) { /* one longer first label to hit the length exactly */
		size_t extra = want - zl - n - 1;
		memmove(out + extra + 1, out, n);
		memset(out, 'b', extra);
		out[extra] = '.';
		n += extra + 1;
	}
	strcpy(out + n, zone);
	return out;
}

static void build_msg(struct dp_buf *m, enum msg_kind k, const char *qname)
{
	char label[80], big[600];
	size_t at;
	int i;

	switch (k) {
	case M_REPLY:
		dp_reply_a(m, qname, 0x1234, 300, 0xc0000201);
		break;
	case M_QUERY:
		dp_hdr(m, 1, DP_RD, 1, 0, 0, 0);
		dp_name(m, qname);
		dp_u16(m, 1);
		dp_u16(m, 1);
		break;
	case M_UPPER:
		snprintf(big, sizeof(big), "%s", qname);
		for (i = 0; big[i]; i++)
			if (big[i] >= 'a' && big[i] <= 'z')
				big[i] -= 32;
		dp_reply_a(m, big, 0x1234, 300, 0xc0000201);
		break;
	case M_LABEL63:
	case M_LABEL64:
		memset(label, 'x', sizeof(label));
		i = k == M_LABEL63 ? 63 : 64;
		snprintf(big, sizeof(big), "%.*s.%s", i, label, qname);
		dp_reply_a(m, big, 7, 300, 0xc0000201);
		break;
	case M_NAME255:
	case M_NAME256:
		dp_reply_a(m, name_of_len(qname, k == M_NAME255 ? 255 : 256), 7, 300, 0xc0000201);
		break;
	case M_QPTR:
		dp_hdr(m, 7, DP_REPLY, 1, 0, 0, 0);
		dp_u8(m, 3);
		dp_bytes(m, "www", 3);
		dp_u16(m, 0xc00c);
		dp_u16(m, 1);
		dp_u16(m, 1);
		break;
	case M_TRUNC_Q:
		dp_reply_a(m, qname, 7, 300, 0xc0000201);
		m->n = 12 + 3;
		break;
	case M_QDCOUNT0:
		dp_reply_a(m, qname, 7, 300, 0xc0000201);
		dp_patch16(m, 4, 0);
		break;
	case M_LOOP:
		dp_reply_a(m, qname, 7, 300, 0xc0000201);
		at = 12 + strlen(qname) + 2 + 4; /* the answer's owner */
		dp_patch16(m, at, 0xc000 | at);
		break;
	case M_FWD_PTR:
		dp_reply_a(m, qname, 7, 300, 0xc0000201);
		at = 12 + strlen(qname) + 2 + 4;
		dp_patch16(m, at, 0xc000 | (at + 2));
		break;
	case M_COUNTS_LIE:
		dp_reply_a(m, qname, 7, 300, 0xc0000201);
		dp_patch16(m, 6, 3);
		break;
	case M_RDLEN_LIE:
		dp_reply_a(m, qname, 7, 300, 0xc0000201);
		dp_patch16(m, m->n - 6, 40);
		break;
	case M_CNAME_MX:
		dp_hdr(m, 9, DP_REPLY, 1, 2, 0, 1);
		dp_name(m, qname);
		dp_u16(m, 15);
		dp_u16(m, 1);
		dp_name_ptr(m, NULL, 12);
		at = dp_rr_fixed(m, 5, 60, 0);
		i = (int)m->n;
		dp_name_ptr(m, "Target", 12); /* CNAME target.<qname> */
		dp_patch16(m, at, m->n - i);
		dp_name_ptr(m, NULL, (uint16_t)i);
		at = dp_rr_fixed(m, 15, 60, 0);
		i = (int)m->n;
		dp_u16(m, 10);
		dp_name_ptr(m, "mail", 12);
		dp_patch16(m, at, m->n - i);
		dp_u8(m, 0); /* OPT */
		dp_rr_fixed(m, 41, 0, 0);
		break;
	case M_MANY_RRS:
		dp_hdr(m, 9, DP_REPLY, 1, 70, 0, 0);
		dp_name(m, qname);
		dp_u16(m, 1);
		dp_u16(m, 1);
		for (i = 0; i < 70; i++) {
			dp_name_ptr(m, NULL, 12);
			dp_rr_fixed(m, 1, 60, 4);
			dp_u32(m, 0xc0000200 + i);
		}
		break;
	}
}

struct dp_case {
	const char *desc;
	enum msg_kind kind;
	const char *qname;
	int act;
	int counter;
	int counter2; /* a second counter that must move too, or -1 */
};

static const struct dp_case cases[] = {
    {"reply for an unprotected name passes", M_REPLY, "www.example.test", ACT_PASS,
     DW_CNT_NOT_PROTECTED, -1},
    {"query from port 53 is not a reply", M_QUERY, "www.idp.test", ACT_PASS, DW_CNT_NOT_DNS, -1},
    {"xidp.test is not under idp.test", M_REPLY, "www.xidp.test", ACT_PASS, DW_CNT_NOT_PROTECTED,
     -1},
    {"protected miss is held and punted", M_REPLY, "www.idp.test", ACT_DROP, DW_CNT_HELD,
     DW_CNT_PUNTED},
    {"the zone apex itself is protected", M_REPLY, "idp.test", ACT_DROP, DW_CNT_HELD,
     DW_CNT_PUNTED},
    {"upper-case question matches the zone", M_UPPER, "www.idp.test", ACT_DROP, DW_CNT_HELD,
     DW_CNT_PUNTED},
    {"63-byte label is fine", M_LABEL63, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED},
    {"255-byte name is fine", M_NAME255, "idp.test", ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED},
    {"255-byte unprotected name passes", M_NAME255, "example.test", ACT_PASS, DW_CNT_NOT_PROTECTED,
     -1},
    {"64-byte label is malformed", M_LABEL64, "idp.test", ACT_DROP, DW_CNT_MALFORMED, -1},
    {"256-byte name is malformed", M_NAME256, "idp.test", ACT_DROP, DW_CNT_MALFORMED, -1},
    {"compressed question is malformed", M_QPTR, "idp.test", ACT_DROP, DW_CNT_MALFORMED, -1},
    {"message cut in the question is malformed", M_TRUNC_Q, "www.idp.test", ACT_DROP,
     DW_CNT_MALFORMED, -1},
    {"no question is malformed", M_QDCOUNT0, "www.idp.test", ACT_DROP, DW_CNT_MALFORMED, -1},
    {"compression loop: malformed, failure mode", M_LOOP, "www.idp.test", ACT_DROP,
     DW_CNT_MALFORMED, DW_CNT_FAIL_CLOSED_DROPPED},
    {"forward pointer: malformed, failure mode", M_FWD_PTR, "www.idp.test", ACT_DROP,
     DW_CNT_MALFORMED, DW_CNT_FAIL_CLOSED_DROPPED},
    {"ANCOUNT that lies: malformed, failure mode", M_COUNTS_LIE, "www.idp.test", ACT_DROP,
     DW_CNT_MALFORMED, DW_CNT_FAIL_CLOSED_DROPPED},
    {"RDLENGTH that lies: malformed, failure mode", M_RDLEN_LIE, "www.idp.test", ACT_DROP,
     DW_CNT_MALFORMED, DW_CNT_FAIL_CLOSED_DROPPED},
    {"open zone: malformed passes by failure mode", M_COUNTS_LIE, "www.open.test", ACT_PASS,
     DW_CNT_MALFORMED, DW_CNT_FAIL_OPEN_PASSED},
    {"malformed unprotected reply passes", M_COUNTS_LIE, "www.example.test", ACT_PASS,
     DW_CNT_NOT_PROTECTED, -1},
    {"names in rdata, OPT: held and punted", M_CNAME_MX, "www.idp.test", ACT_DROP, DW_CNT_HELD,
     DW_CNT_PUNTED},
    {"monitor zone passes and punts", M_REPLY, "www.mon.test", ACT_PASS, DW_CNT_MONITOR_PASSED,
     DW_CNT_PUNTED},
    {"too many RRs: punted without a key", M_MANY_RRS, "www.idp.test", ACT_DROP, DW_CNT_TOO_COMPLEX,
     DW_CNT_HELD},
};

struct layout {
	const char *name;
	struct dp_frame_opts o;
};

static const struct layout layouts[] = {
    {"ipv4", {.l3 = DP_IP4}},
    {"ipv6", {.l3 = DP_IP6}},
    {"ipv4+vlan", {.l3 = DP_IP4, .vlans = 1}},
    {"ipv6+2vlan", {.l3 = DP_IP6, .vlans = 2}},
    {"ipv4+options", {.l3 = DP_IP4, .ip4_opts = 2}},
    {"ipv6+hbh", {.l3 = DP_IP6, .ip6_hbh = 1}},
    {"ipv4+2vlan tcp", {.l3 = DP_IP4, .vlans = 2, .tcp = 1}},
    {"ipv6 tcp", {.l3 = DP_IP6, .tcp = 1}},
};

static int act_of(int prog, int rc)
{
	if (prog == env.xdp)
		return rc == 2 ? ACT_PASS : rc == 1 ? ACT_DROP : -1;
	return rc == 0 ? ACT_PASS : rc == 2 ? ACT_DROP : -1;
}

/* Runs one frame; checks action and counters; returns punts read (or -1 on failure). */
static int expect(int prog, const struct dp_buf *f, int act, int counter, int counter2,
		  const char *what)
{
	uint64_t before[DW_CNT_MAX], after[DW_CNT_MAX];
	int rc, got, ok = 1;

	dp_counters(&env, before);
	rc = dp_run(&env, prog, f->b, f->n, 0, NULL, 1, NULL);
	dp_counters(&env, after);
	got = act_of(prog, rc);
	if (got != act) {
		fprintf(stderr, "  %s: action %d (rc %d), want %d\n", what, got, rc, act);
		ok = 0;
	}
	if (after[counter] != before[counter] + 1 ||
	    (counter2 >= 0 && after[counter2] != before[counter2] + 1)) {
		fprintf(stderr, "  %s: counter %d moved %llu, counter %d moved %llu\n", what,
			counter, (unsigned long long)(after[counter] - before[counter]), counter2,
			counter2 >= 0 ? (unsigned long long)(after[counter2] - before[counter2])
				      : 0ULL);
		ok = 0;
	}
	if (!ok) {
		int i;

		for (i = 0; i < DW_CNT_MAX; i++)
			if (after[i] != before[i])
				fprintf(stderr, "    counter %d moved %llu\n", i,
					(unsigned long long)(after[i] - before[i]));
	}
	if (counter != DW_CNT_ALLOWED && after[DW_CNT_ALLOWED] != before[DW_CNT_ALLOWED]) {
		fprintf(stderr, "  %s: ALLOWED moved\n", what);
		ok = 0;
	}
	if (after[DW_CNT_PACKETS] != before[DW_CNT_PACKETS] + 1)
		ok = 0;
	got = dp_drain(&env);
	return ok ? got : -1;
}

/* The punt record must describe the frame exactly as the reference reads it. */
static int check_punt(const struct dp_buf *f, int prog, uint32_t zone_id, uint8_t flags)
{
	const struct dw_punt *p = &env.last;
	struct dw_verdict_key ref;
	struct pkt_loc loc;
	int rc, ok = 1;

	if (pkt_locate_dns(f->b, f->n, 53, &loc))
		return 0;
	rc = pkt_digest_key(f->b + loc.dns_off, loc.dns_len, dp_sipkey, &ref);
	ok &= p->pkt_len == f->n && !memcmp(p->pkt, f->b, f->n);
	ok &= env.last_size == offsetof(struct dw_punt, pkt) + f->n;
	ok &= p->l3_off == loc.l3_off && p->dns_off == loc.dns_off && p->dns_len == loc.dns_len;
	ok &= p->l3 == loc.l3 && p->l4 == loc.l4 && p->zone_id == zone_id && p->flags == flags;
	ok &= p->hook == (prog == env.xdp ? DW_HOOK_XDP : DW_HOOK_TC_EGRESS);
	ok &= p->ts_ns != 0 && p->ts_ns <= dp_boot_ns();
	if (!(flags & DW_PUNT_F_TOO_COMPLEX))
		ok &= rc == 0 && !memcmp(&ref, &p->key, sizeof(ref));
	else
		ok &= rc == PKT_ETOOCOMPLEX && p->key.qtype == ref.qtype;
	if (!ok)
		fprintf(
		    stderr,
		    "  punt record differs (rc %d, len %u/%zu/%zu, off %u/%u, flags %u, hook %u, "
		    "zone %u, l3 %u/%u l4 %u/%u key %d)\n",
		    rc, p->pkt_len, f->n, env.last_size, p->dns_off, loc.dns_off, p->flags, p->hook,
		    p->zone_id, p->l3, loc.l3, p->l4, loc.l4, memcmp(&ref, &p->key, sizeof(ref)));
	return ok;
}

static void reset_policy(void)
{
	struct dw_verdict_key k, next;
	uint32_t zone;
	int i;

	for (i = 0; i < 100000 && !bpf_map_get_next_key(env.verdicts, NULL, &k); i++)
		bpf_map_delete_elem(env.verdicts, &k);
	for (zone = 0; zone < 8; zone++)
		bpf_map_delete_elem(env.rate, &zone);
	dp_default_cfg(&env);
	dp_set_cfg(&env); /* after the deletes: the memo forgets what they took */
	(void)next;
	dp_drain(&env);
}

static void test_table_all_layouts_both_hooks(void)
{
	size_t c, l;
	int p;

	reset_policy();
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		for (l = 0; l < ARRAY_SIZE(layouts); l++) {
			for (p = 0; p < 2; p++) {
				const struct dp_case *t = &cases[c];
				int prog = p ? env.tc : env.xdp, got;
				struct dp_buf m, f;
				char what[200];

				snprintf(what, sizeof(what), "%s [%s, %s]", t->desc,
					 layouts[l].name, p ? "tc" : "xdp");
				build_msg(&m, t->kind, t->qname);
				dp_frame(&f, m.b, m.n, &layouts[l].o);
				got = expect(prog, &f, t->act, t->counter, t->counter2, what);
				CHECK(got >= 0);
				if (got < 0)
					continue;
				/* A punt happens exactly when PUNTED is expected. */
				CHECK_EQ_INT(got, t->counter == DW_CNT_PUNTED ||
						      t->counter2 == DW_CNT_PUNTED ||
						      t->kind == M_MANY_RRS);
				if (got == 1)
					CHECK(check_punt(&f, prog, strstr(t->qname, "mon.") ? 2 : 1,
							 (t->act == ACT_DROP ? DW_PUNT_F_HELD : 0) |
							     (t->kind == M_MANY_RRS
								  ? DW_PUNT_F_TOO_COMPLEX
								  : 0)));
			}
		}
	}
}

static void frame_of(struct dp_buf *f, const struct dp_buf *m)
{
	struct dp_frame_opts o = {.l3 = DP_IP4};

	dp_frame(f, m->b, m->n, &o);
}

static void put_verdict(const struct dp_buf *m, uint8_t verdict, uint64_t expires)
{
	struct dw_verdict_key k;
	struct dw_verdict v = {.expires_ns = expires, .zone_id = 1, .verdict = verdict};

	CHECK_EQ_INT(pkt_digest_key(m->b, m->n, dp_sipkey, &k), 0);
	CHECK_EQ_INT(bpf_map_update_elem(env.verdicts, &k, &v, BPF_ANY), 0);
}

/* The same answer as dp_reply_a for www.idp.test, with two A RRs in a given order. */
static void two_a(struct dp_buf *m, uint16_t id, uint32_t ttl, int swap, uint32_t second,
		  uint16_t flags, const char *qname)
{
	dp_hdr(m, id, flags, 1, 2, 0, 0);
	dp_name(m, qname);
	dp_u16(m, 1);
	dp_u16(m, 1);
	dp_name_ptr(m, NULL, 12);
	dp_rr_fixed(m, 1, ttl, 4);
	dp_u32(m, swap ? second : 0xc0000201);
	dp_name_ptr(m, NULL, 12);
	dp_rr_fixed(m, 1, ttl + 7, 4);
	dp_u32(m, swap ? 0xc0000201 : second);
}

static void test_verdicts(void)
{
	struct dp_buf m, f, v;
	int p;

	for (p = 0; p < 2; p++) {
		int prog = p ? env.tc : env.xdp;

		reset_policy();
		two_a(&m, 1, 300, 0, 0xc0000202, DP_REPLY, "www.idp.test");
		put_verdict(&m, DW_VERDICT_ALLOW, 0);
		frame_of(&f, &m);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, -1, "ALLOW hit") == 0);
		/* Same RRs: other ID, TTLs, RR order, name case: the same key. */
		two_a(&v, 0xbeef, 17, 1, 0xc0000202, DP_REPLY, "WwW.iDp.TeSt");
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, -1, "ALLOW, reordered") == 0);
		/* A changed RR, an added RR, changed flags: a miss. */
		two_a(&v, 1, 300, 0, 0xc6336442, DP_REPLY, "www.idp.test");
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, "changed RR") == 1);
		dp_reply_a(&v, "www.idp.test", 1, 300, 0xc0000201);
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, "dropped RR") == 1);
		two_a(&v, 1, 300, 0, 0xc0000202, DP_REPLY | 0x0020, "www.idp.test");
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, "AD flag") == 1);
		/* DENY drops; an expired ALLOW is a miss. */
		dp_reply_a(&v, "deny.idp.test", 1, 300, 0xc0000201);
		put_verdict(&v, DW_VERDICT_DENY, 0);
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_DENIED, -1, "DENY") == 0);
		dp_reply_a(&v, "old.idp.test", 1, 300, 0xc0000201);
		put_verdict(&v, DW_VERDICT_ALLOW, 1);
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, "expired") == 1);
		dp_reply_a(&v, "new.idp.test", 1, 30, 0xc0000201);
		put_verdict(&v, DW_VERDICT_ALLOW, dp_boot_ns() + 60000000000ULL);
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, -1, "not yet expired") == 0);
		/* The hit path reads the clock once per tick: it still moves on. */
		dp_reply_a(&v, "soon.idp.test", 1, 1, 0xc0000201);
		put_verdict(&v, DW_VERDICT_ALLOW, dp_boot_ns() + 100000000ULL);
		frame_of(&f, &v);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, -1, "before its expiry") == 0);
		usleep(300000);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, "after its expiry") ==
		      1);
	}
}

/*
 * A forged copy of an allowed reply with its TTLs raised: the verdict was
 * written for a copy whose largest TTL was 307, as the daemon writes it, so
 * the same records with TTLs up to 307 (and lower ones) hit, and a copy with
 * a TTL above that is no hit (counted ttl_exceeded) and goes to the
 * validator, which checks each TTL against the signed original TTL: through
 * the verdict map, and through the memo that the first hit filled.
 */
static void test_ttl_inflation(void)
{
	cpu_set_t old, one;
	struct dp_buf m, f;
	int p;

	CHECK_EQ_INT(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	CHECK_EQ_INT(sched_setaffinity(0, sizeof(one), &one), 0);
	for (p = 0; p < 2; p++) {
		int prog = p ? env.tc : env.xdp;
		struct dw_verdict_key k;
		struct dw_verdict v = {.zone_id = 1, .verdict = DW_VERDICT_ALLOW};
		uint64_t now = dp_boot_ns();

		reset_policy();
		two_a(&m, 1, 300, 0, 0xc0000202, DP_REPLY, "ttl.idp.test");
		CHECK_EQ_INT(pkt_digest_key(m.b, m.n, dp_sipkey, &k), 0);
		v.expires_ns = now + 300 * 1000000000ULL; /* the lower TTL */
		v.ttl_over = verdict_ttl_over(v.expires_ns, now + 307 * 1000000000ULL);
		CHECK_EQ_INT(v.ttl_over, 7);
		CHECK_EQ_INT(bpf_map_update_elem(env.verdicts, &k, &v, BPF_ANY), 0);
		frame_of(&f, &m);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, -1, "judged TTLs") == 0);
		two_a(&m, 2, 200, 1, 0xc0000202, DP_REPLY, "ttl.idp.test");
		frame_of(&f, &m);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, -1, "aged TTLs") == 0);
		/* The memo holds this copy now: the raised TTLs must not ride on it. */
		two_a(&m, 3, 86400, 1, 0xc0000202, DP_REPLY, "ttl.idp.test");
		frame_of(&f, &m);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_TTL_EXCEEDED,
			     "raised TTLs, memo") == 1);
		CHECK(!memcmp(&env.last.key, &k, sizeof(k)));
		/* A TTL a few seconds above the judged copy's, on another layout (no memo). */
		two_a(&m, 4, 303, 0, 0xc0000202, DP_REPLY, "TTL.idp.test");
		frame_of(&f, &m);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_TTL_EXCEEDED,
			     "TTL 310 of 307") == 1);
	}
	sched_setaffinity(0, sizeof(old), &old);
}

/*
 * expect(), and the memo decided (hit) or did not. The memo is per CPU: the
 * caller pins itself so that consecutive runs share it.
 */
static int memo_expect(int prog, const struct dp_buf *f, int act, int counter, int hit,
		       const char *what)
{
	uint64_t before = dp_counter(&env, DW_CNT_MEMO_HIT);
	int got = expect(prog, f, act, counter, hit ? DW_CNT_MEMO_HIT : -1, what);

	if (!hit && dp_counter(&env, DW_CNT_MEMO_HIT) != before) {
		fprintf(stderr, "  %s: decided by the memo\n", what);
		return -1;
	}
	return got;
}

/* One A reply through a program, checked by memo_expect. */
struct memo_step {
	const char *name;
	uint16_t id;
	uint32_t ttl, addr;
	uint8_t verdict; /* DW_VERDICT_* written for the reply first; DW_VERDICT_NONE: none */
	int act, counter, hit, punts;
	const char *what;
};

#define A1 0xc0000201u
#define A2 0xc0000202u

static void memo_step(int prog, const struct memo_step *t)
{
	struct dp_buf m, f;

	dp_reply_a(&m, t->name, t->id, t->ttl, t->addr);
	if (t->verdict)
		put_verdict(&m, t->verdict, 0);
	frame_of(&f, &m);
	CHECK(memo_expect(prog, &f, t->act, t->counter, t->hit, t->what) == t->punts);
}

static void memo_steps(int prog, const struct memo_step *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		memo_step(prog, &t[i]);
}

/* The daemon's flush: the verdict goes, then a new generation. */
static void memo_delete_verdict(const char *name, uint32_t addr)
{
	struct dw_verdict_key k;
	struct dp_buf m;

	dp_reply_a(&m, name, 1, 300, addr);
	CHECK_EQ_INT(pkt_digest_key(m.b, m.n, dp_sipkey, &k), 0);
	CHECK_EQ_INT(bpf_map_delete_elem(env.verdicts, &k), 0);
	CHECK_EQ_INT(dp_set_cfg(&env), 0);
}

static void test_memo(void)
{
	static const struct memo_step repeats[] = {
	    /* An unprotected name: its second reply (other ID, answer, TTL) is remembered. */
	    {"www.example.test", 1, 300, A1, 0, ACT_PASS, DW_CNT_NOT_PROTECTED, 0, 0,
	     "unprotected"},
	    {"www.example.test", 2, 60, 0xc6336401, 0, ACT_PASS, DW_CNT_NOT_PROTECTED, 1, 0,
	     "unprotected again"},
	    /* A verdict hit is remembered: the same reply with another ID and TTL passes at once. */
	    {"www.idp.test", 1, 300, A1, DW_VERDICT_ALLOW, ACT_PASS, DW_CNT_ALLOWED, 0, 0, "ALLOW"},
	    {"www.idp.test", 0x7777, 12, A1, 0, ACT_PASS, DW_CNT_ALLOWED, 1, 0, "ALLOW again"},
	    /* One rdata byte changed: not the remembered reply, a miss held for the validator. */
	    {"www.idp.test", 0x7777, 12, 0xc0000209, 0, ACT_DROP, DW_CNT_HELD, 0, 1, "forged"},
	    /* The name's case is part of the bytes: the digest decides (and hits). */
	    {"WWW.idp.test", 0x7777, 12, A1, 0, ACT_PASS, DW_CNT_ALLOWED, 0, 0, "other case"},
	    /* A DENY is remembered too. */
	    {"deny.idp.test", 1, 300, A1, DW_VERDICT_DENY, ACT_DROP, DW_CNT_DENIED, 0, 0, "DENY"},
	    {"deny.idp.test", 9, 299, A1, 0, ACT_DROP, DW_CNT_DENIED, 1, 0, "DENY again"},
	};
	static const struct memo_step deleted = {
	    "www.idp.test", 1, 300, A1, 0, ACT_DROP, DW_CNT_HELD, 0, 1, "ALLOW deleted"};
	static const struct memo_step late[] = {
	    {"www.late.test", 1, 300, A1, 0, ACT_PASS, DW_CNT_NOT_PROTECTED, 0, 0, "late"},
	    {"www.late.test", 1, 300, A1, 0, ACT_PASS, DW_CNT_NOT_PROTECTED, 1, 0, "late again"},
	};
	static const struct memo_step late_protected = {
	    "www.late.test", 1, 300, A1, 0, ACT_DROP, DW_CNT_HELD, 0, 1, "late, now protected"};
	/* Two answers for one question share a slot. */
	static const struct memo_step first[] = {
	    {"www.idp.test", 1, 300, A1, DW_VERDICT_ALLOW, ACT_PASS, DW_CNT_ALLOWED, 0, 0, "first"},
	    {"www.idp.test", 1, 300, A1, 0, ACT_PASS, DW_CNT_ALLOWED, 1, 0, "first again"},
	};
	static const struct memo_step second[] = {
	    {"www.idp.test", 1, 300, A2, DW_VERDICT_ALLOW, ACT_PASS, DW_CNT_ALLOWED, 0, 0,
	     "second"},
	    {"www.idp.test", 1, 300, A2, 0, ACT_PASS, DW_CNT_ALLOWED, 0, 0, "second again"},
	    {"www.idp.test", 1, 300, A2, 0, ACT_PASS, DW_CNT_ALLOWED, 1, 0, "second kept"},
	};
	cpu_set_t old, one;
	struct dw_zone_key zk;
	uint64_t fills;
	int p;

	CHECK_EQ_INT(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	CHECK_EQ_INT(sched_setaffinity(0, sizeof(one), &one), 0);
	for (p = 0; p < 2; p++) {
		int prog = p ? env.tc : env.xdp;

		reset_policy();
		memo_steps(prog, repeats, ARRAY_SIZE(repeats));
		/* The daemon deletes the ALLOW and starts a new generation: a miss again. */
		memo_delete_verdict("www.idp.test", A1);
		memo_step(prog, &deleted);
		/* A remembered unprotected name whose zone is added with the new policy. */
		memo_steps(prog, late, 2);
		CHECK_EQ_INT(dp_add_zone(&env, "late.test", 4, DW_MODE_ENFORCE, 0), 0);
		CHECK_EQ_INT(dp_set_cfg(&env), 0);
		memo_step(prog, &late_protected);
		CHECK_EQ_INT(pkt_zone_key("late.test", &zk), 0);
		bpf_map_delete_elem(env.zones, &zk);
		/* A message matched since the last miss keeps its slot once (second chance). */
		reset_policy();
		fills = dp_counter(&env, DW_CNT_MEMO_FILL);
		memo_steps(prog, first, 2);
		CHECK_EQ_INT(dp_counter(&env, DW_CNT_MEMO_FILL), fills + 1);
		memo_step(prog, &second[0]);
		CHECK_EQ_INT(dp_counter(&env, DW_CNT_MEMO_FILL), fills + 1); /* its second chance */
		memo_step(prog, &second[1]);
		CHECK_EQ_INT(dp_counter(&env, DW_CNT_MEMO_FILL), fills + 2); /* replaced */
		memo_step(prog, &second[2]);
		/* Every UDP layout reaches the memo; TCP never does (its flow state decides). */
		for (size_t l = 0; l < ARRAY_SIZE(layouts); l++) {
			struct dp_buf m, f;
			char what[96];
			int tcp = layouts[l].o.tcp;

			reset_policy();
			dp_reply_a(&m, "www.idp.test", 1, 300, A1);
			put_verdict(&m, DW_VERDICT_ALLOW, 0);
			dp_frame(&f, m.b, m.n, &layouts[l].o);
			snprintf(what, sizeof(what), "ALLOW [%s]", layouts[l].name);
			CHECK(memo_expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, 0, what) == 0);
			dp_reply_a(&m, "www.idp.test", 2, 100, A1);
			dp_frame(&f, m.b, m.n, &layouts[l].o);
			snprintf(what, sizeof(what), "ALLOW again [%s]", layouts[l].name);
			CHECK(memo_expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, !tcp, what) == 0);
		}
	}
	sched_setaffinity(0, sizeof(old), &old);
}

static void test_disabled_passes_everything(void)
{
	struct dp_buf m, f;
	uint64_t before = dp_counter(&env, DW_CNT_HELD);

	reset_policy();
	env.cfg.enabled = 0;
	dp_set_cfg(&env);
	dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
	frame_of(&f, &m);
	CHECK_EQ_INT(dp_run(&env, env.xdp, f.b, f.n, 0, NULL, 1, NULL), 2);
	CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, 0, NULL, 1, NULL), 0);
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_HELD), before);
	CHECK_EQ_INT(dp_drain(&env), 0);
}

static void test_failure_modes(void)
{
	struct dp_buf m, f;
	uint32_t zero = 0;
	struct dw_heartbeat hb = {0};
	uint64_t full;
	int p;

	for (p = 0; p < 2; p++) {
		int prog = p ? env.tc : env.xdp;

		dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
		frame_of(&f, &m);
		/* Stale heartbeat: misses follow the failure mode, without a punt. */
		reset_policy();
		env.cfg.heartbeat_timeout_ns = 1000;
		dp_set_cfg(&env);
		bpf_map_update_elem(env.heartbeat, &zero, &hb, BPF_ANY);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_STALE_HEARTBEAT, DW_CNT_FAIL_CLOSED_DROPPED,
			     "stale heartbeat") == 0);
		dp_reply_a(&m, "www.open.test", 1, 300, 0xc0000201);
		frame_of(&f, &m);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_STALE_HEARTBEAT, DW_CNT_FAIL_OPEN_PASSED,
			     "stale heartbeat, open zone") == 0);
		/* A fresh stamp: punted again. */
		hb.stamp_ns = dp_boot_ns();
		env.cfg.heartbeat_timeout_ns = 600000000000ULL;
		dp_set_cfg(&env);
		bpf_map_update_elem(env.heartbeat, &zero, &hb, BPF_ANY);
		dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
		frame_of(&f, &m);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, "fresh heartbeat") ==
		      1);
		/* Rate limit: one punt per second, burst 1. */
		reset_policy();
		env.cfg.punt_rate = 1;
		env.cfg.punt_burst = 1;
		dp_set_cfg(&env);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, "first punt") == 1);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_RATE_LIMITED, DW_CNT_FAIL_CLOSED_DROPPED,
			     "second punt") == 0);
		/* A verdict still works while punts are limited. */
		put_verdict(&m, DW_VERDICT_ALLOW, 0);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_ALLOWED, -1, "verdict while limited") == 0);
	}
	/* Ring buffer full: fill it with large punts without reading, then one more. */
	reset_policy();
	dp_hdr(&m, 1, DP_REPLY, 1, 1, 0, 0);
	dp_name(&m, "big.idp.test");
	dp_u16(&m, 16);
	dp_u16(&m, 1);
	dp_name_ptr(&m, NULL, 12);
	dp_rr_fixed(&m, 16, 60, 1401);
	dp_u8(&m, 200);
	while (m.n < 12 + 14 + 4 + 12 + 1401)
		dp_u8(&m, 'x');
	frame_of(&f, &m);
	dp_run(&env, env.xdp, f.b, f.n, 0, NULL, DW_PUNT_RING_BYTES / 1400 + 100, NULL);
	full = dp_counter(&env, DW_CNT_RING_FULL);
	CHECK(full > 0);
	CHECK(expect(env.xdp, &f, ACT_DROP, DW_CNT_RING_FULL, DW_CNT_FAIL_CLOSED_DROPPED,
		     "ring full") >= 0);
	CHECK(dp_drain(&env) == 0); /* expect() drained them already */
}

/*
 * The release mark is honoured only with the daemon's proof for those bytes,
 * taken once: a marked reply without one (anyone with CAP_NET_RAW can set
 * SO_MARK) is held like any miss and counted.
 */
static void test_release_mark_once(void)
{
	struct dp_buf m, f, m2, other;
	uint64_t before = dp_counter(&env, DW_CNT_RELEASE_MARK);
	uint64_t unproven = dp_counter(&env, DW_CNT_RELEASE_UNPROVEN);
	struct release *rel = release_new();
	struct dw_punt held;
	uint32_t mark = 1;

	CHECK(rel != NULL);
	if (!rel)
		return;
	release_set_proofs(rel, bpf_map__fd(env.skel->maps.dnsward_release_proofs));
	reset_policy();
	dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
	frame_of(&f, &m);
	/* A forged mark: held, not released. */
	CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, DW_RELEASE_MARK, &mark, 1, NULL), 2);
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_RELEASE_UNPROVEN), unproven + 1);
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_RELEASE_MARK), before);
	CHECK_EQ_INT(dp_drain(&env), 1);
	held = env.last;
	/* A proof for other bytes (another answer) does not release this one. */
	dp_reply_a(&m2, "www.idp.test", 1, 300, 0xc0000202);
	frame_of(&other, &m2);
	CHECK_EQ_INT(dp_run(&env, env.tc, other.b, other.n, 0, NULL, 1, NULL), 2);
	CHECK_EQ_INT(dp_drain(&env), 1);
	CHECK_EQ_INT(release_prove(rel, &env.last), 0);
	CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, DW_RELEASE_MARK, NULL, 1, NULL), 2);
	CHECK_EQ_INT(dp_drain(&env), 1);
	/* The daemon's proof for the held bytes: released once. */
	CHECK_EQ_INT(release_prove(rel, &held), 0);
	mark = 1;
	CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, DW_RELEASE_MARK, &mark, 1, NULL), 0);
	CHECK_EQ_INT(mark, 0); /* cleared: the next hook sees an ordinary packet */
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_RELEASE_MARK), before + 1);
	CHECK_EQ_INT(dp_drain(&env), 0);
	/* Run again with the mark the first pass left: held as any miss. */
	CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, mark, NULL, 1, NULL), 2);
	CHECK_EQ_INT(dp_drain(&env), 1);
	/* The proof was taken: the same marked bytes again are held. */
	CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, DW_RELEASE_MARK, NULL, 1, NULL), 2);
	CHECK_EQ_INT(dp_drain(&env), 1);
	/* Another mark value does not release. */
	CHECK_EQ_INT(dp_run(&env, env.tc, f.b, f.n, DW_RELEASE_MARK + 1, NULL, 1, NULL), 2);
	CHECK_EQ_INT(dp_drain(&env), 1);
	release_free(rel);
}

static void test_resolver_allowlist(void)
{
	struct dw_addr_key k4 = {.family = 2, .addr = {198, 51, 100, 53}};
	struct dw_addr_key k6 = {.family = 10, .addr = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0}};
	struct dp_frame_opts o = {.l3 = DP_IP4, .src_last = 66};
	struct dp_buf m, f;
	uint8_t one = 1;
	int p;

	reset_policy();
	k6.addr[15] = 53;
	CHECK_EQ_INT(bpf_map_update_elem(env.resolvers, &k4, &one, BPF_ANY), 0);
	CHECK_EQ_INT(bpf_map_update_elem(env.resolvers, &k6, &one, BPF_ANY), 0);
	env.cfg.resolver_allowlist = 1;
	dp_set_cfg(&env);
	dp_reply_a(&m, "www.example.test", 1, 300, 0xc0000201);
	for (p = 0; p < 2; p++) {
		int prog = p ? env.tc : env.xdp;

		o.l3 = DP_IP4;
		o.src_last = 66;
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_ROGUE_RESOLVER, -1, "rogue v4") == 0);
		o.src_last = 53;
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_NOT_PROTECTED, -1, "listed v4") == 0);
		o.l3 = DP_IP6;
		o.src_last = 66;
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_ROGUE_RESOLVER, -1, "rogue v6") == 0);
		o.src_last = 53;
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_NOT_PROTECTED, -1, "listed v6") == 0);
	}
	bpf_map_delete_elem(env.resolvers, &k4);
	bpf_map_delete_elem(env.resolvers, &k6);
}

/*
 * A forged reply split so that its first fragment carries the UDP header and
 * at most part of the question: without this check the first fragment passes
 * as "not DNS", the later ones pass as fragments, and the workload
 * reassembles a reply nobody judged. IPv4 and IPv6, 8 and 16 bytes of UDP
 * payload, and a fragment that ends inside the question name.
 */
static void dp_first_fragments_cut(int prog)
{
	static const int cuts[] = {8, 16, 8 + 12 + 5};
	struct dp_buf m, f;
	size_t i, l3;

	dp_reply_a(&m, "login.idp.test", 1, 300, 0xcb007101);
	for (l3 = 0; l3 < 2; l3++) {
		for (i = 0; i < ARRAY_SIZE(cuts); i++) {
			struct dp_frame_opts o = {.l3 = l3 ? DP_IP6 : DP_IP4,
						  .ip_frag = l3 ? 0 : 0x2000,
						  .ip6_frag = (int)l3,
						  .l4_cut = cuts[i]};
			char what[64];

			dp_frame(&f, m.b, m.n, &o);
			snprintf(what, sizeof(what), "IPv%d first fragment of %d bytes", l3 ? 6 : 4,
				 cuts[i]);
			CHECK(expect(prog, &f, ACT_DROP, DW_CNT_FRAG_DROPPED, -1, what) == 0);
		}
	}
	/* The same reply from another port is not DNS: it passes. */
	{
		struct dp_frame_opts o = {
		    .l3 = DP_IP4, .ip_frag = 0x2000, .l4_cut = 8, .sport = 5353};

		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_NOT_DNS, -1, "cut fragment, port 5353") ==
		      0);
	}
}

static void test_fragments_and_tcp_segments(void)
{
	struct dp_frame_opts o = {.l3 = DP_IP4};
	struct dp_buf m, f;
	int p;

	reset_policy();
	for (p = 0; p < 2; p++) {
		int prog = p ? env.tc : env.xdp;

		dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
		o = (struct dp_frame_opts){.l3 = DP_IP4, .ip_frag = 0x2000};
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_FRAGMENT, DW_CNT_FAIL_CLOSED_DROPPED,
			     "first fragment, protected") == 0);
		o.ip_frag = 0x0010;
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_FRAGMENT, -1, "later fragment") == 0);
		dp_reply_a(&m, "www.example.test", 1, 300, 0xc0000201);
		o.ip_frag = 0x2000;
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_NOT_PROTECTED, -1,
			     "first fragment, unprotected") == 0);
		dp_first_fragments_cut(prog);
		dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
		o = (struct dp_frame_opts){.l3 = DP_IP6, .tcp = 1, .tcp_extra = 100};
		dp_frame(&f, m.b, m.n, &o);
		/* An untracked flow (no SYN-ACK seen): where the message ends is unknown. */
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_TCP_SEGMENT, DW_CNT_TCP_UNTRACKED,
			     "TCP message spanning segments") == 0);
		dp_reply_a(&m, "www.open.test", 1, 300, 0xc0000201);
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_TCP_SEGMENT, DW_CNT_TCP_UNTRACKED,
			     "TCP spanning, open zone") == 0);
	}
}

static void test_truncated_headers(void)
{
	struct dp_buf m, f;
	struct dp_frame_opts o = {.l3 = DP_IP4};
	int p;

	reset_policy();
	dp_reply_a(&m, "www.idp.test", 1, 300, 0xc0000201);
	for (p = 0; p < 2; p++) {
		int prog = p ? env.tc : env.xdp;

		o.l3 = DP_IP4;
		dp_frame(&f, m.b, m.n, &o);
		f.n = 14 + 10; /* inside the IPv4 header (tc's test run refuses such an skb) */
		if (prog == env.xdp)
			CHECK(expect(prog, &f, ACT_DROP, DW_CNT_MALFORMED, -1, "cut IPv4 header") ==
			      0);
		dp_frame(&f, m.b, m.n, &o);
		f.n -= 5; /* IP and UDP lengths now lie */
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_MALFORMED, -1, "lengths lie") == 0);
		o.l3 = DP_IP6;
		dp_frame(&f, m.b, m.n, &o);
		f.n = 14 + 40 + 4; /* inside the UDP header */
		CHECK(expect(prog, &f, ACT_DROP, DW_CNT_MALFORMED, -1, "cut UDP header") == 0);
		o.l3 = DP_IP4;
		o.sport = 5353;
		dp_frame(&f, m.b, m.n, &o);
		CHECK(expect(prog, &f, ACT_PASS, DW_CNT_NOT_DNS, -1, "other port") == 0);
		o.sport = 0;
	}
}

int main(void)
{
	int err = dp_env_open(&env);

	if (err) {
		printf("FAIL setup: cannot load the data plane (%d)\n", err);
		return 1;
	}
	RUN_TEST(test_table_all_layouts_both_hooks);
	RUN_TEST(test_verdicts);
	RUN_TEST(test_memo);
	RUN_TEST(test_ttl_inflation);
	RUN_TEST(test_disabled_passes_everything);
	RUN_TEST(test_failure_modes);
	RUN_TEST(test_release_mark_once);
	RUN_TEST(test_resolver_allowlist);
	RUN_TEST(test_fragments_and_tcp_segments);
	RUN_TEST(test_truncated_headers);
	dp_env_close(&env);
	HARNESS_EXIT();
}
