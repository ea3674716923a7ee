// SPDX-License-Identifier: BSD-2-Clause
/* test_daemon_codecs.c: question parsing, event JSON, punt record checks and release checksums (IPv4, IPv6 with extension headers). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "bpf/dp_packets.h"
#include "common/dns_question.h"
#include "daemon/events.h"
#include "daemon/punt.h"
#include "daemon/release.h"

/* The question IdP.teSt./A in a reply header, ID 0x1234 (built in main). */
static struct dp_buf query;

static void build_query(void)
{
	dp_hdr(&query, 0x1234, DP_REPLY, 1, 0, 0, 0);
	dp_name(&query, "IdP.teSt");
	dp_u16(&query, 1);
	dp_u16(&query, 1);
}

static void test_question(void)
{
	struct dns_question q;
	uint8_t bad[sizeof(query.b)];

	CHECK_EQ_INT(dnsq_parse(query.b, query.n, &q), 0);
	CHECK_EQ_STR(q.name, "idp.test");
	CHECK_EQ_INT(q.qtype, 1);
	CHECK_EQ_INT(q.id, 0x1234);
	/* Truncated anywhere: an error, never a read past the end. */
	for (size_t n = 0; n < query.n; n++) {
		uint8_t *cut = malloc(n ? n : 1);

		memcpy(cut, query.b, n);
		CHECK(dnsq_parse(cut, n, &q) < 0);
		free(cut);
	}
	memcpy(bad, query.b, query.n);
	bad[12] = 0xc0; /* a compression pointer in the first question */
	CHECK(dnsq_parse(bad, query.n, &q) < 0);
	memcpy(bad, query.b, query.n);
	bad[13] = '.'; /* a dot inside a label is escaped, not a label boundary */
	CHECK_EQ_INT(dnsq_parse(bad, query.n, &q), 0);
	CHECK_EQ_STR(q.name, "\\.dp.test");
}

static void test_json(void)
{
	struct json_obj o;
	char esc[64];
	const char *s;

	json_escape(esc, sizeof(esc), "a\"b\\c\n\x01");
	CHECK_EQ_STR(esc, "a\\\"b\\\\c\\u000a\\u0001");
	json_begin(&o, "verdict");
	json_str(&o, "name", "evil\".test");
	json_u64(&o, "replies", 3);
	s = json_end(&o);
	CHECK(strstr(s, "\"event\":\"verdict\"") != NULL);
	CHECK(strstr(s, "\"name\":\"evil\\\".test\"") != NULL);
	CHECK(strstr(s, "\"replies\":3}") != NULL);
	CHECK(s[0] == '{' && s[strlen(s) - 1] == '}');
	/* An oversized field is left out whole; the object stays closed and valid. */
	{
		char big[3000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		json_begin(&o, "verdict");
		json_str(&o, "reason", big);
		s = json_end(&o);
		CHECK(o.overflow);
		CHECK(strstr(s, "reason") == NULL);
		CHECK(s[strlen(s) - 1] == '}');
	}
}

/* Ethernet + IPv4 + UDP around the query, the UDP checksum field garbage. */
static size_t build_frame(struct dp_buf *f)
{
	const struct dp_frame_opts o = {.l3 = DP_IP4, .dport = 40000, .udp_csum = 0xdead};

	return dp_frame(f, query.b, query.n, &o);
}

static void test_checksum(void)
{
	static struct dp_buf fb, gb;
	uint8_t *f = fb.b, *g = gb.b;
	size_t len = build_frame(&fb), i;
	uint32_t sum = 0;

	CHECK_EQ_INT(release_fix_l4_csum(f, len, 14, 4, 17), 0);
	/* Verify as a receiver does: pseudo-header + segment sums to 0xffff. */
	for (i = 26; i < 34; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	sum += 17 + (len - 34);
	for (i = 34; i + 1 < len; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	if ((len - 34) & 1)
		sum += (uint32_t)f[len - 1] << 8;
	CHECK_EQ_INT(dp_csum_fold(sum), 0xffff);
	/* Idempotent, and the DNS bytes are untouched. */
	memcpy(g, f, len);
	CHECK_EQ_INT(release_fix_l4_csum(g, len, 14, 4, 17), 0);
	CHECK(!memcmp(f, g, len));
	CHECK(!memcmp(f + 42, query.b, query.n));
	/* A UDP length that runs past the frame is refused. */
	f[17] += 40;
	CHECK(release_fix_l4_csum(f, len, 14, 4, 17) < 0);
}

/*
 * Ethernet + IPv6 + the extension headers exts (ext_len bytes, already
 * chained: first_nh is the IPv6 next header) + UDP around the query, the UDP
 * checksum field garbage. Returns the frame length; *l4 the UDP offset.
 */
static size_t build_frame6(uint8_t *f, uint8_t first_nh, const uint8_t *exts, size_t ext_len,
			   size_t *l4)
{
	static struct dp_buf fb;
	const struct dp_frame_opts o = {.l3 = DP_IP6,
					.dport = 40000,
					.udp_csum = 0xdead,
					.ip6_exts = exts,
					.ip6_exts_len = ext_len,
					.ip6_exts_nh = first_nh};
	size_t len = dp_frame(&fb, query.b, query.n, &o);

	*l4 = 14 + 40 + ext_len;
	memcpy(f, fb.b, len);
	return len;
}

/* As a receiver checks it: source, destination, UDP length, 17, and the datagram sum to 0xffff. */
static uint16_t verify6(const uint8_t *f, size_t l4, size_t len)
{
	uint32_t sum = 17 + (uint32_t)(len - l4);
	size_t i;

	for (i = 22; i < 54; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	for (i = l4; i + 1 < len; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	if ((len - l4) & 1)
		sum += (uint32_t)f[len - 1] << 8;
	return dp_csum_fold(sum);
}

static void test_checksum_ipv6_ext(void)
{
	/* Hop-by-hop (8 bytes, PadN), destination options (16 bytes), then UDP. */
	const uint8_t exts[] = {60, 0, 1, 4, 0, 0, 0, 0, 17, 1, 1, 12,
				0,  0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0};
	/* A routing header (type 4) with no segments left, then UDP. */
	const uint8_t rh_done[] = {17, 0, 4, 0, 0, 0, 0, 0};
	uint8_t f[256], g[256];
	size_t l4, len;

	/* No extension header. */
	len = build_frame6(f, 17, NULL, 0, &l4);
	CHECK_EQ_INT(release_fix_l4_csum(f, len, 14, 6, 17), 0);
	CHECK_EQ_INT(verify6(f, l4, len), 0xffff);

	len = build_frame6(f, 0, exts, sizeof(exts), &l4);
	memcpy(g, f, len);
	CHECK_EQ_INT(release_fix_l4_csum(f, len, 14, 6, 17), 0);
	CHECK_EQ_INT(verify6(f, l4, len), 0xffff);
	/* Only the two checksum bytes changed: headers and DNS bytes are the held ones. */
	CHECK(!memcmp(f, g, l4 + 6));
	CHECK(!memcmp(f + l4 + 8, g + l4 + 8, len - l4 - 8));
	CHECK(f[l4 + 6] != 0xde || f[l4 + 7] != 0xad);

	len = build_frame6(f, 43, rh_done, sizeof(rh_done), &l4);
	CHECK_EQ_INT(release_fix_l4_csum(f, len, 14, 6, 17), 0);
	CHECK_EQ_INT(verify6(f, l4, len), 0xffff);

	/* Refused: segments left (the final destination is elsewhere), a fragment header. */
	len = build_frame6(f, 43, (uint8_t[]){17, 0, 4, 1, 0, 0, 0, 0}, 8, &l4);
	CHECK(release_fix_l4_csum(f, len, 14, 6, 17) < 0);
	len = build_frame6(f, 44, (uint8_t[]){17, 0, 0, 0, 0, 0, 0, 1}, 8, &l4);
	CHECK(release_fix_l4_csum(f, len, 14, 6, 17) < 0);
	/* Refused: an extension header longer than the payload. */
	len = build_frame6(f, 0, (uint8_t[]){17, 9, 1, 4, 0, 0, 0, 0}, 8, &l4);
	CHECK(release_fix_l4_csum(f, len, 14, 6, 17) < 0);
	/* Refused: a chain deeper than the parser's bound (five hop-by-hop-shaped headers). */
	{
		uint8_t deep[40] = {0};
		int i;

		for (i = 0; i < 5; i++)
			deep[i * 8] = i < 4 ? 60 : 17;
		len = build_frame6(f, 0, deep, sizeof(deep), &l4);
		CHECK(release_fix_l4_csum(f, len, 14, 6, 17) < 0);
		/* Four are within the bound. */
		deep[3 * 8] = 17;
		len = build_frame6(f, 0, deep, 32, &l4);
		CHECK_EQ_INT(release_fix_l4_csum(f, len, 14, 6, 17), 0);
		CHECK_EQ_INT(verify6(f, l4, len), 0xffff);
	}
	/* Every truncation of the frame is refused, never read past. */
	len = build_frame6(f, 0, exts, sizeof(exts), &l4);
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1);

		memcpy(cut, f, n);
		CHECK(release_fix_l4_csum(cut, n, 14, 6, 17) < 0);
		free(cut);
	}
}

static void test_punt_check(void)
{
	size_t head = offsetof(struct dw_punt, pkt);
	struct dw_punt *p = calloc(1, sizeof(*p));

	p->l3 = 4;
	p->l3_off = 14;
	p->dns_off = 42;
	p->dns_len = query.n;
	p->pkt_len = 42 + query.n;
	CHECK_EQ_INT(punt_check(p, head + p->pkt_len), 0);
	CHECK(punt_check(p, head + p->pkt_len - 1) < 0); /* record shorter than it claims */
	p->dns_len = 200;
	CHECK(punt_check(p, sizeof(*p)) < 0); /* DNS runs past the frame */
	p->dns_len = query.n;
	p->pkt_len = DW_PUNT_PKT_MAX + 1;
	CHECK(punt_check(p, sizeof(*p)) < 0);
	free(p);
}

int main(void)
{
	build_query();
	RUN_TEST(test_question);
	RUN_TEST(test_json);
	RUN_TEST(test_checksum);
	RUN_TEST(test_checksum_ipv6_ext);
	RUN_TEST(test_punt_check);
	HARNESS_EXIT();
}
