// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pkt_digest.c: the user-space reference (user/common/pkt_digest.c): SipHash
 * against the published vectors, zone keys on label boundaries, the digest's
 * invariances (ID, TTL, RR order, case) and sensitivities (an RR, flags), the
 * parsing limits, and the frame locator.
 */
#include "harness.h"
#include "bpf/dp_packets.h"
#include "common/pkt_digest.h"

static uint16_t be16_at(const struct dp_buf *m, size_t at)
{
	return (uint16_t)(m->b[at] << 8 | m->b[at + 1]);
}

static const uint64_t key[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

static void test_siphash_vectors(void)
{
	static const uint8_t want128[16] = {0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6,
					    0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93};
	uint8_t msg[15], got[16];
	uint64_t out[2];
	int i;

	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	/* The SipHash paper's example (key 00..0f, message 00..0e) and the empty message. */
	CHECK(pkt_siphash64(key, msg, 15) == 0xa129ca6149be45e5ULL);
	CHECK(pkt_siphash64(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	pkt_siphash128(key, msg, 0, out);
	for (i = 0; i < 8; i++) {
		got[i] = (uint8_t)(out[0] >> (8 * i));
		got[8 + i] = (uint8_t)(out[1] >> (8 * i));
	}
	CHECK(!memcmp(got, want128, 16));
}

static void test_zone_keys(void)
{
	struct dw_zone_key a, b;

	CHECK_EQ_INT(pkt_zone_key("IDP.test.", &a), 0);
	CHECK_EQ_INT(a.prefixlen, 9 * 8);
	CHECK(!memcmp(a.name, "test\0idp\0", 9));
	CHECK_EQ_INT(pkt_zone_key(".", &b), 0);
	CHECK_EQ_INT(b.prefixlen, 0);
	CHECK(pkt_zone_key("a..b", &b) < 0);
	CHECK(pkt_zone_key("", &b) < 0);
	/* Escapes name the label bytes: "a\\.b" is one label of three bytes. */
	CHECK_EQ_INT(pkt_zone_key("a\\.b.Test", &b), 0);
	CHECK_EQ_INT(b.prefixlen, 9 * 8);
	CHECK(!memcmp(b.name, "test\0a.b\0", 9));
	CHECK_EQ_INT(pkt_zone_key("\\032X.test", &b), 0);
	CHECK(!memcmp(b.name, "test\0 x\0", 8));
	CHECK_EQ_INT(pkt_zone_key("\\065\\\\.test", &b), 0); /* "A\\": lower-cased as bytes */
	CHECK(!memcmp(b.name, "test\0a\\\0", 8));
	CHECK(pkt_zone_key("a\\000b.test", &b) < 0); /* a 0 byte would end the label in the key */
	CHECK(pkt_zone_key("a\\256.test", &b) < 0);
	CHECK(pkt_zone_key("a\\1x.test", &b) < 0);
	CHECK(pkt_zone_key("a\\", &b) < 0);
}

static int key_of(const struct dp_buf *m, struct dw_verdict_key *k)
{
	return pkt_digest_key(m->b, m->n, key, k);
}

static void two_a(struct dp_buf *m, uint16_t id, uint32_t ttl, int swap, uint16_t flags,
		  const char *q, uint32_t second)
{
	dp_hdr(m, id, flags, 1, 2, 0, 0);
	dp_name(m, q);
	dp_u16(m, 1);
	dp_u16(m, 1);
	dp_name_ptr(m, NULL, 12);
	dp_rr_fixed(m, 1, ttl, 4);
	dp_u32(m, swap ? second : 1);
	dp_name(m, "www.idp.test"); /* uncompressed this time */
	dp_rr_fixed(m, 1, ttl, 4);
	dp_u32(m, swap ? 1 : second);
}

static void test_digest_invariance(void)
{
	struct dw_verdict_key a, b;
	struct dp_buf m;

	two_a(&m, 1, 300, 0, DP_REPLY, "www.idp.test", 2);
	CHECK_EQ_INT(key_of(&m, &a), 0);
	CHECK_EQ_INT(a.qtype, 1);
	CHECK_EQ_INT(a.qclass, 1);
	CHECK_EQ_INT(a.flags, DP_REPLY);
	two_a(&m, 0xffff, 5, 1, DP_REPLY, "WWW.Idp.TEST", 2);
	CHECK_EQ_INT(key_of(&m, &b), 0);
	CHECK(!memcmp(&a, &b, sizeof(a)));
	two_a(&m, 1, 300, 0, DP_REPLY, "www.idp.test", 3);
	CHECK_EQ_INT(key_of(&m, &b), 0);
	CHECK(memcmp(a.digest, b.digest, sizeof(a.digest)));
	two_a(&m, 1, 300, 0, DP_REPLY | 0x20, "www.idp.test", 2);
	CHECK_EQ_INT(key_of(&m, &b), 0);
	CHECK(a.flags != b.flags);
	/* Another key, another digest. */
	two_a(&m, 1, 300, 0, DP_REPLY, "www.idp.test", 2);
	{
		uint64_t k2[2] = {key[0] ^ 1, key[1]};

		CHECK_EQ_INT(pkt_digest_key(m.b, m.n, k2, &b), 0);
		CHECK(memcmp(a.digest, b.digest, sizeof(a.digest)));
	}
	/* An added RR changes the digest even when it duplicates one. */
	dp_reply_a(&m, "www.idp.test", 1, 300, 1);
	CHECK_EQ_INT(key_of(&m, &b), 0);
	CHECK(memcmp(a.digest, b.digest, sizeof(a.digest)));
}

static void test_limits(void)
{
	struct dw_verdict_key k;
	struct dp_buf m;
	int i;

	dp_reply_a(&m, "www.idp.test", 1, 300, 1);
	CHECK_EQ_INT(pkt_digest_key(m.b, 11, key, &k), PKT_EMALFORMED);
	CHECK_EQ_INT(pkt_digest_key(m.b, m.n - 1, key, &k), PKT_EMALFORMED);
	dp_patch16(&m, 6, 2);
	CHECK_EQ_INT(key_of(&m, &k), PKT_EMALFORMED);
	/* A pointer to itself, then a chain of 17 pointers (each strictly backwards). */
	dp_reply_a(&m, "www.idp.test", 1, 300, 1);
	dp_patch16(&m, 30, 0xc000 | 30);
	CHECK_EQ_INT(key_of(&m, &k), PKT_EMALFORMED);
	/* A TXT RR whose raw rdata holds 17 nodes "a" + pointer to the previous node,
	 * then an RR whose owner points at the last node: 18 pointers in one name. */
	dp_hdr(&m, 1, DP_REPLY, 1, 2, 0, 0);
	dp_name(&m, "idp.test");
	dp_u16(&m, 1);
	dp_u16(&m, 1);
	dp_name_ptr(&m, NULL, 12);
	dp_rr_fixed(&m, 16, 1, 17 * 4);
	{
		uint16_t prev = 12;

		for (i = 0; i < 17; i++) {
			uint16_t here = (uint16_t)m.n;

			dp_name_ptr(&m, "a", prev);
			prev = here;
		}
		dp_name_ptr(&m, NULL, prev);
	}
	dp_rr_fixed(&m, 1, 1, 4);
	dp_u32(&m, 1);
	CHECK_EQ_INT(key_of(&m, &k), PKT_ETOOCOMPLEX);
	/* 16 pointers are fine: point the owner two nodes lower. */
	dp_patch16(&m, m.n - 16, 0xc000 | ((be16_at(&m, m.n - 16) & 0x3fff) - 8));
	CHECK_EQ_INT(key_of(&m, &k), 0);
	dp_hdr(&m, 1, DP_REPLY, 1, 65, 0, 0);
	dp_name(&m, "idp.test");
	dp_u16(&m, 1);
	dp_u16(&m, 1);
	CHECK_EQ_INT(key_of(&m, &k), PKT_ETOOCOMPLEX);
}

/*
 * A name a client decompresses from raw-looking rdata (an HTTPS TargetName,
 * a NAPTR replacement) that points into the OPT record: the two messages
 * differ only in the OPT's option bytes, which the digest leaves out, yet a
 * client reads evil.test from one and good.test from the other. The name
 * is digested decompressed, so the keys differ; a pointer forward into the
 * OPT breaks the rule that pointers go backwards: malformed.
 */
static void test_names_in_opt(void)
{
	static const uint16_t types[] = {65, 64, 35};
	struct dw_verdict_key a, b;
	struct dp_buf m;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		dp_reply_name_in_opt(&m, "idp.test", types[i], "evil.test", 0);
		CHECK_EQ_INT(key_of(&m, &a), 0);
		dp_reply_name_in_opt(&m, "idp.test", types[i], "good.test", 0);
		CHECK_EQ_INT(key_of(&m, &b), 0);
		CHECK(memcmp(a.digest, b.digest, sizeof(a.digest)));
		/* The same name, uncompressed elsewhere in the OPT: the same key. */
		dp_reply_name_in_opt(&m, "idp.test", types[i], "EVIL.test", 0);
		CHECK_EQ_INT(key_of(&m, &b), 0);
		CHECK(!memcmp(&a, &b, sizeof(a)));
		dp_reply_name_in_opt(&m, "idp.test", types[i], "evil.test", 1);
		CHECK_EQ_INT(key_of(&m, &b), PKT_EMALFORMED);
	}
}

/* Rdata that goes on after its last name would make ldns read the rest as an RR. */
static void test_rdata_tails(void)
{
	struct dw_verdict_key k;
	struct dp_buf m;
	size_t rdlen_at;

	dp_hdr(&m, 1, DP_REPLY, 1, 1, 0, 0);
	dp_name(&m, "idp.test");
	dp_u16(&m, 5);
	dp_u16(&m, 1);
	dp_name_ptr(&m, NULL, 12);
	rdlen_at = dp_rr_fixed(&m, 5, 300, 0);
	dp_name_ptr(&m, "www", 12);
	dp_patch16(&m, rdlen_at, 6);
	CHECK_EQ_INT(key_of(&m, &k), 0);
	dp_u16(&m, 0xc00c); /* two bytes more in the rdata */
	dp_patch16(&m, rdlen_at, 8);
	CHECK_EQ_INT(key_of(&m, &k), PKT_EMALFORMED);
}

static void test_max_ttl(void)
{
	struct dw_verdict_key k;
	struct dp_buf m;
	uint32_t t = 0;

	two_a(&m, 1, 300, 0, DP_REPLY, "www.idp.test", 2);
	m.b[m.n - 10] = 0x01; /* the second A's TTL: 300 + 2^24 */
	CHECK_EQ_INT(pkt_digest_walk(m.b, m.n, key, &k, &t, NULL, NULL), 0);
	CHECK_EQ_INT(t, 300 + (1u << 24));
	dp_reply_name_in_opt(&m, "idp.test", 65, "evil.test", 0); /* the OPT's TTL is 0x8000 */
	CHECK_EQ_INT(pkt_digest_walk(m.b, m.n, key, &k, &t, NULL, NULL), 0);
	CHECK_EQ_INT(t, 300);
}

static void test_locate(void)
{
	struct dp_frame_opts o = {.l3 = DP_IP6, .vlans = 2, .ip6_hbh = 1};
	struct dp_buf m, f;
	struct pkt_loc loc;

	dp_reply_a(&m, "www.idp.test", 1, 300, 1);
	dp_frame(&f, m.b, m.n, &o);
	CHECK_EQ_INT(pkt_locate_dns(f.b, f.n, 53, &loc), 0);
	CHECK_EQ_INT(loc.l3_off, 22);
	CHECK_EQ_INT(loc.dns_off, 22 + 40 + 8 + 8);
	CHECK_EQ_INT(loc.dns_len, m.n);
	CHECK_EQ_INT(loc.vlans, 2);
	CHECK_EQ_INT(pkt_locate_dns(f.b, f.n, 5353, &loc), PKT_ENOTDNS);
	CHECK_EQ_INT(pkt_locate_dns(f.b, 30, 53, &loc), PKT_EMALFORMED);
	o = (struct dp_frame_opts){.l3 = DP_IP4, .tcp = 1, .ip4_opts = 1};
	dp_frame(&f, m.b, m.n, &o);
	CHECK_EQ_INT(pkt_locate_dns(f.b, f.n, 53, &loc), 0);
	CHECK_EQ_INT(loc.dns_off, 14 + 24 + 20 + 2);
	CHECK_EQ_INT(loc.l4, 6);
}

int main(void)
{
	RUN_TEST(test_siphash_vectors);
	RUN_TEST(test_zone_keys);
	RUN_TEST(test_digest_invariance);
	RUN_TEST(test_limits);
	RUN_TEST(test_names_in_opt);
	RUN_TEST(test_rdata_tails);
	RUN_TEST(test_max_ttl);
	RUN_TEST(test_locate);
	HARNESS_EXIT();
}
