// SPDX-License-Identifier: BSD-2-Clause
/* test_daemon_codecs.c: question parsing, event JSON, punt record checks and release checksums. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "dns_question.h"
#include "events.h"
#include "punt.h"
#include "release.h"

/* idp.test. A, ID 0x1234, a reply header. */
static const uint8_t query[] = {0x12, 0x34, 0x81, 0x80, 0,   1,	  0,   0,   0, 0, 0, 0, 3,
				'I',  'd',  'P',  4,	't', 'e', 'S', 't', 0, 0, 1, 0, 1};

static void test_question(void)
{
	struct dns_question q;
	uint8_t bad[sizeof(query)];

	CHECK_EQ_INT(dnsq_parse(query, sizeof(query), &q), 0);
	CHECK_EQ_STR(q.name, "idp.test");
	CHECK_EQ_INT(q.qtype, 1);
	CHECK_EQ_INT(q.id, 0x1234);
	/* Truncated anywhere: an error, never a read past the end. */
	for (size_t n = 0; n < sizeof(query); n++) {
		uint8_t *cut = malloc(n ? n : 1);

		memcpy(cut, query, n);
		CHECK(dnsq_parse(cut, n, &q) < 0);
		free(cut);
	}
	memcpy(bad, query, sizeof(bad));
	bad[12] = 0xc0; /* a compression pointer in the first question */
	CHECK(dnsq_parse(bad, sizeof(bad), &q) < 0);
	memcpy(bad, query, sizeof(bad));
	bad[13] = '.'; /* a dot inside a label is escaped, not a label boundary */
	CHECK_EQ_INT(dnsq_parse(bad, sizeof(bad), &q), 0);
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

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* An Ethernet + IPv4 + UDP frame around the query bytes, checksum field garbage. */
static size_t build_frame(uint8_t *f)
{
	size_t ulen = 8 + sizeof(query), tot = 20 + ulen;

	memset(f, 0, 14 + tot);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, (uint8_t[]){198, 51, 100, 53, 192, 0, 2, 2}, 8);
	f[34] = 0;
	f[35] = 53;
	f[36] = 0x9c;
	f[37] = 0x40;
	f[38] = (uint8_t)(ulen >> 8);
	f[39] = (uint8_t)ulen;
	f[40] = 0xde;
	f[41] = 0xad;
	memcpy(f + 42, query, sizeof(query));
	return 14 + tot;
}

static void test_checksum(void)
{
	uint8_t f[128], g[128];
	size_t len = build_frame(f), i;
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
	CHECK_EQ_INT(fold(sum), 0xffff);
	/* Idempotent, and the DNS bytes are untouched. */
	memcpy(g, f, len);
	CHECK_EQ_INT(release_fix_l4_csum(g, len, 14, 4, 17), 0);
	CHECK(!memcmp(f, g, len));
	CHECK(!memcmp(f + 42, query, sizeof(query)));
	/* A UDP length that runs past the frame is refused. */
	f[17] += 40;
	CHECK(release_fix_l4_csum(f, len, 14, 4, 17) < 0);
}

static void test_punt_check(void)
{
	size_t head = offsetof(struct dw_punt, pkt);
	struct dw_punt *p = calloc(1, sizeof(*p));

	p->l3 = 4;
	p->l3_off = 14;
	p->dns_off = 42;
	p->dns_len = sizeof(query);
	p->pkt_len = 42 + sizeof(query);
	CHECK_EQ_INT(punt_check(p, head + p->pkt_len), 0);
	CHECK(punt_check(p, head + p->pkt_len - 1) < 0); /* record shorter than it claims */
	p->dns_len = 200;
	CHECK(punt_check(p, sizeof(*p)) < 0); /* DNS runs past the frame */
	p->dns_len = sizeof(query);
	p->pkt_len = DW_PUNT_PKT_MAX + 1;
	CHECK(punt_check(p, sizeof(*p)) < 0);
	free(p);
}

int main(void)
{
	RUN_TEST(test_question);
	RUN_TEST(test_json);
	RUN_TEST(test_checksum);
	RUN_TEST(test_punt_check);
	HARNESS_EXIT();
}
