// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_tcp_reasm.c: held DNS-over-TCP segments put back into their message
 * (user/daemon/tcp_reasm.c): in order and out of order, duplicates and
 * overlapping retransmissions, conflicting bytes, bytes past the message,
 * the bounds (messages, bytes, frames) and the deadline, and the frames
 * handed back for release covering the message in stream order.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "harness.h"
#include "dnsward.h"
#include "daemon/tcp_reasm.h"

#define ISN 0xfffffff0u /* sequence numbers wrap inside the message */

/* A stream: the length prefix, then a DNS-like message of n bytes. */
struct stream {
	uint8_t b[4096];
	size_t n;
	uint16_t dns_len;
};

static void make_stream(struct stream *s, uint16_t dns_len, uint8_t salt)
{
	size_t i;

	s->dns_len = dns_len;
	s->b[0] = (uint8_t)(dns_len >> 8);
	s->b[1] = (uint8_t)dns_len;
	for (i = 0; i < dns_len; i++)
		s->b[2 + i] = (uint8_t)(i * 7 + salt);
	s->n = 2u + dns_len;
}

/*
 * The held record of stream bytes [from, to) from 198.51.100.53:53 to
 * 192.0.2.2:port (IPv4 after a 14-byte Ethernet header), as the XDP hook
 * punts it: the message starts at ISN.
 */
static void segment(struct dw_punt *p, const struct stream *s, size_t from, size_t to,
		    uint16_t port)
{
	uint8_t *f = p->pkt, *ip = f + 14, *tcp = ip + 20;
	uint32_t seq = ISN + (uint32_t)from;
	size_t n = to - from, tot = 40 + n;

	memset(p, 0, sizeof(*p));
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, (uint8_t[]){198, 51, 100, 53}, 4);
	memcpy(ip + 16, (uint8_t[]){192, 0, 2, 2}, 4);
	tcp[1] = 53;
	tcp[2] = (uint8_t)(port >> 8);
	tcp[3] = (uint8_t)port;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	tcp[12] = 0x50;
	tcp[13] = 0x18;
	memcpy(tcp + 20, s->b + from, n);
	p->l3 = 4;
	p->l4 = IPPROTO_TCP;
	p->flags = DW_PUNT_F_HELD | DW_PUNT_F_TCP_PART;
	p->l3_off = 14;
	p->dns_off = 14 + 40;
	p->dns_len = s->dns_len;
	p->pkt_len = (uint16_t)(14 + tot);
	p->tcp_msg_seq = ISN;
}

static struct tcp_reasm *reasm(void)
{
	struct tcp_reasm_limits lim = TCP_REASM_DEFAULT_LIMITS;

	return tcp_reasm_new(&lim);
}

static int add(struct tcp_reasm *ra, const struct stream *s, size_t from, size_t to, uint64_t now,
	       const uint8_t **msg, size_t *len)
{
	static struct dw_punt p;

	segment(&p, s, from, to, 33333);
	return tcp_reasm_add(ra, &p, now, msg, len);
}

/* The released frames' payloads, laid end to end from the message's start, are the stream. */
static int frames_rebuild(const struct tcp_reasm_done *d, const struct stream *s)
{
	uint8_t out[4096];
	uint32_t covered = 0;
	unsigned i;

	for (i = 0; i < d->n; i++) {
		const struct dw_punt *p = d->frames[i];
		const uint8_t *tcp = p->pkt + 34;
		uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
			       (uint32_t)tcp[6] << 8 | tcp[7];
		uint32_t rel = seq - ISN, n = p->pkt_len - p->dns_off;

		if (rel > covered)
			return 0; /* a gap */
		memcpy(out + rel, p->pkt + p->dns_off, n);
		if (rel + n > covered)
			covered = rel + n;
	}
	return covered == s->n && !memcmp(out, s->b, s->n);
}

static void test_in_order_two_and_three_segments(void)
{
	struct tcp_reasm *ra = reasm();
	struct tcp_reasm_done d;
	struct stream s;
	struct dw_punt p;
	const uint8_t *msg = NULL;
	size_t len = 0;

	make_stream(&s, 3000, 1);
	CHECK_EQ_INT(add(ra, &s, 0, 1400, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 1400, 2800, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 2800, s.n, 0, &msg, &len), TCP_REASM_COMPLETE);
	CHECK_EQ_INT((int)len, 3000);
	CHECK(msg && !memcmp(msg, s.b + 2, 3000));
	segment(&p, &s, 0, 1400, 33333);
	CHECK_EQ_INT(tcp_reasm_take(ra, &p, &d), 0);
	CHECK_EQ_INT((int)d.n, 3);
	CHECK_EQ_INT((int)(d.msg_end - d.msg_seq), 3002);
	CHECK_EQ_INT((int)d.msg_seq, (int)ISN);
	CHECK(frames_rebuild(&d, &s));
	tcp_reasm_done_free(&d);
	CHECK_EQ_INT((int)tcp_reasm_count(ra), 0);

	make_stream(&s, 1000, 2);
	CHECK_EQ_INT(add(ra, &s, 0, 600, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 600, s.n, 0, &msg, &len), TCP_REASM_COMPLETE);
	CHECK(!memcmp(msg, s.b + 2, 1000));
	tcp_reasm_free(ra);
}

static void test_out_of_order_and_duplicates(void)
{
	struct tcp_reasm *ra = reasm();
	struct tcp_reasm_stats st;
	struct tcp_reasm_done d;
	struct stream s;
	struct dw_punt p;
	const uint8_t *msg = NULL;
	size_t len = 0;

	make_stream(&s, 3000, 3);
	CHECK_EQ_INT(add(ra, &s, 2800, s.n, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 1400, 2800, 0, &msg, &len), TCP_REASM_HELD);
	/* A retransmission of a held segment, and one inside held bytes: nothing new. */
	CHECK_EQ_INT(add(ra, &s, 1400, 2800, 0, &msg, &len), TCP_REASM_DUPLICATE);
	CHECK_EQ_INT(add(ra, &s, 1500, 2000, 0, &msg, &len), TCP_REASM_DUPLICATE);
	/* The first segment retransmitted larger, overlapping the second: kept for its new bytes. */
	CHECK_EQ_INT(add(ra, &s, 0, 1000, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 0, 1450, 0, &msg, &len), TCP_REASM_COMPLETE);
	CHECK(!memcmp(msg, s.b + 2, 3000));
	/* Whole: later copies change nothing. */
	CHECK_EQ_INT(add(ra, &s, 0, 1400, 0, &msg, &len), TCP_REASM_DUPLICATE);
	tcp_reasm_get_stats(ra, &st);
	CHECK_EQ_INT((int)st.duplicates, 3);
	CHECK_EQ_INT((int)st.completed, 1);
	segment(&p, &s, 2800, s.n, 33333);
	CHECK_EQ_INT(tcp_reasm_take(ra, &p, &d), 0);
	/* The frames that cover it, in stream order: [0,1450), [1400,2800), [2800,end). */
	CHECK_EQ_INT((int)d.n, 3);
	CHECK(frames_rebuild(&d, &s));
	tcp_reasm_done_free(&d);
	tcp_reasm_free(ra);
}

/* Two copies that disagree on a byte, or bytes past the end: never released. */
static void test_conflicts_spoil(void)
{
	struct tcp_reasm *ra = reasm();
	struct tcp_reasm_done d;
	struct stream s, forged;
	struct dw_punt p;
	const uint8_t *msg = NULL;
	size_t len = 0;

	make_stream(&s, 2000, 4);
	forged = s;
	forged.b[1500] ^= 0x20;
	CHECK_EQ_INT(add(ra, &s, 0, 1400, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 1400, s.n, 0, &msg, &len), TCP_REASM_COMPLETE);
	segment(&p, &s, 0, 1400, 33333);
	CHECK_EQ_INT(tcp_reasm_take(ra, &p, &d), 0);
	tcp_reasm_done_free(&d);

	CHECK_EQ_INT(add(ra, &s, 1400, s.n, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &forged, 1300, 1600, 0, &msg, &len), -EPROTO);
	CHECK_EQ_INT(add(ra, &s, 0, 1400, 0, &msg, &len), TCP_REASM_DUPLICATE);
	segment(&p, &s, 0, 1400, 33333);
	CHECK_EQ_INT(tcp_reasm_take(ra, &p, &d), -ENOENT);
	tcp_reasm_forget(ra, &p);

	/* The last segment carries the start of a next message no one judged. */
	s.n += 10;
	CHECK_EQ_INT(add(ra, &s, 0, 1400, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 1400, s.n, 0, &msg, &len), -EPROTO);
	segment(&p, &s, 0, 1400, 33333);
	CHECK_EQ_INT(tcp_reasm_take(ra, &p, &d), -ENOENT);
	tcp_reasm_forget(ra, &p);

	/* A length prefix that says another length than the record. */
	make_stream(&s, 2000, 5);
	s.b[1] ^= 1;
	CHECK_EQ_INT(add(ra, &s, 0, 1400, 0, &msg, &len), TCP_REASM_HELD);
	CHECK_EQ_INT(add(ra, &s, 1400, s.n, 0, &msg, &len), -EPROTO);
	tcp_reasm_free(ra);
}

static void test_malformed_records(void)
{
	struct tcp_reasm *ra = reasm();
	struct stream s;
	struct dw_punt p;
	const uint8_t *msg = NULL;
	size_t len = 0;

	make_stream(&s, 2000, 6);
	segment(&p, &s, 0, 1400, 33333);
	p.dns_off += 1; /* not where the frame's TCP payload starts */
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), -EINVAL);
	segment(&p, &s, 0, 1400, 33333);
	p.pkt[14 + 3] = 0xff; /* an IP length past the frame */
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), -EINVAL);
	segment(&p, &s, 0, 1400, 33333);
	p.tcp_msg_seq = ISN + 5000; /* the segment is before the message it names */
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), -EINVAL);
	segment(&p, &s, 0, 1400, 33333);
	p.pkt[14 + 6] = 0x20; /* a first fragment (MF) */
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), -EINVAL);
	CHECK_EQ_INT((int)tcp_reasm_count(ra), 0);
	tcp_reasm_free(ra);
}

/* Messages at once, bytes, frames per message, and the deadline. */
static void test_bounds_and_deadline(void)
{
	struct tcp_reasm_limits lim = {
	    .max_msgs = 2, .max_bytes = 64 << 10, .max_frames = 4, .timeout_ns = 1000};
	struct tcp_reasm *ra = tcp_reasm_new(&lim);
	struct tcp_reasm_stats st;
	struct stream s;
	struct dw_punt p;
	const uint8_t *msg = NULL;
	size_t len = 0, i;

	make_stream(&s, 2000, 7);
	segment(&p, &s, 0, 100, 1001);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), TCP_REASM_HELD);
	segment(&p, &s, 0, 100, 1002);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), TCP_REASM_HELD);
	segment(&p, &s, 0, 100, 1003);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), -ENOSPC);
	/* Past the deadline both are forgotten and the third finds room. */
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 1000, &msg, &len), TCP_REASM_HELD);
	tcp_reasm_get_stats(ra, &st);
	CHECK_EQ_INT((int)st.expired, 2);
	CHECK_EQ_INT((int)tcp_reasm_count(ra), 1);
	/* Frames per message: the fifth new piece spoils it. */
	for (i = 1; i < 4; i++) {
		segment(&p, &s, i * 100, i * 100 + 100, 1003);
		CHECK_EQ_INT(tcp_reasm_add(ra, &p, 1000, &msg, &len), TCP_REASM_HELD);
	}
	segment(&p, &s, 400, 500, 1003);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 1000, &msg, &len), -EPROTO);
	tcp_reasm_expire(ra, 5000);
	CHECK_EQ_INT((int)tcp_reasm_count(ra), 0);
	tcp_reasm_free(ra);

	/* Bytes: a message larger than the byte bound is refused. */
	lim.max_msgs = 4;
	lim.max_bytes = 3000;
	ra = tcp_reasm_new(&lim);
	make_stream(&s, 4000, 8);
	segment(&p, &s, 0, 1400, 2001);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), -ENOSPC);
	make_stream(&s, 1000, 8);
	segment(&p, &s, 0, 600, 2002);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), TCP_REASM_HELD);
	/* A second message no longer fits beside it. */
	segment(&p, &s, 0, 600, 2003);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), -ENOSPC);
	tcp_reasm_free(ra);
}

/* Two flows with the same sequence numbers are two messages. */
static void test_flows_apart(void)
{
	struct tcp_reasm *ra = reasm();
	struct stream a, b;
	struct dw_punt p;
	const uint8_t *msg = NULL;
	size_t len = 0;

	make_stream(&a, 1500, 9);
	make_stream(&b, 1500, 10);
	segment(&p, &a, 0, 1000, 4001);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), TCP_REASM_HELD);
	segment(&p, &b, 0, 1000, 4002);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), TCP_REASM_HELD);
	segment(&p, &b, 1000, b.n, 4002);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), TCP_REASM_COMPLETE);
	CHECK(!memcmp(msg, b.b + 2, 1500));
	segment(&p, &a, 1000, a.n, 4001);
	CHECK_EQ_INT(tcp_reasm_add(ra, &p, 0, &msg, &len), TCP_REASM_COMPLETE);
	CHECK(!memcmp(msg, a.b + 2, 1500));
	tcp_reasm_free(ra);
}

int main(void)
{
	RUN_TEST(test_in_order_two_and_three_segments);
	RUN_TEST(test_out_of_order_and_duplicates);
	RUN_TEST(test_conflicts_spoil);
	RUN_TEST(test_malformed_records);
	RUN_TEST(test_bounds_and_deadline);
	RUN_TEST(test_flows_apart);
	HARNESS_EXIT();
}
