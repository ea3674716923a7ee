// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_digest_diff.c: differential test of the data plane against the
 * user-space reference. A corpus of replies encoded by ldns (with its name
 * compression), over many RR types and sections, plus mutations (case flips,
 * RR order, TTL and ID changes, truncation at every length, pointer
 * re-targeting, random byte flips) goes through the production XDP and tc
 * programs; each outcome must be what user/common/pkt_digest.c says: the same zone
 * decision, the same "malformed" or "too complex", and for a punt the same
 * verdict key.
 */
#include <dirent.h>
#include <stdlib.h>
#include <ldns/ldns.h>

#include "common/array.h"
#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"

static struct dp_env env;
static unsigned int n_checked, n_punted, n_malformed, n_unprotected, n_complex;

struct spec {
	const char *qname;
	ldns_rr_type qtype;
	uint8_t rcode;
	int edns;
	const char *rrs[8]; /* "S:<rr>" with S = A (answer), N (authority), D (additional) */
};

static const struct spec corpus[] = {
    {"www.idp.test.",
     LDNS_RR_TYPE_A,
     0,
     0,
     {"A:www.idp.test. 300 IN A 192.0.2.10", "A:www.idp.test. 300 IN A 192.0.2.11"}},
    {"www.idp.test.", LDNS_RR_TYPE_AAAA, 0, 1, {"A:www.idp.test. 60 IN AAAA 2001:db8::10"}},
    {"login.idp.test.",
     LDNS_RR_TYPE_A,
     0,
     1,
     {"A:login.idp.test. 300 IN CNAME web.idp.test.", "A:web.idp.test. 300 IN A 192.0.2.20",
      "N:idp.test. 3600 IN NS ns1.idp.test.", "D:ns1.idp.test. 3600 IN A 203.0.113.5"}},
    {"idp.test.",
     LDNS_RR_TYPE_MX,
     0,
     0,
     {"A:idp.test. 300 IN MX 10 mail.idp.test.", "A:idp.test. 300 IN MX 20 MAIL2.idp.test.",
      "D:mail.idp.test. 300 IN A 192.0.2.25"}},
    {"_https._tcp.idp.test.",
     LDNS_RR_TYPE_SRV,
     0,
     0,
     {"A:_https._tcp.idp.test. 300 IN SRV 0 5 443 www.idp.test.",
      "D:www.idp.test. 300 IN A 192.0.2.10"}},
    {"nx.idp.test.",
     LDNS_RR_TYPE_A,
     3,
     1,
     {"N:idp.test. 300 IN SOA ns1.idp.test. hostmaster.idp.test. 2026 3600 900 604800 300",
      "N:idp.test. 300 IN NSEC www.idp.test. A NS SOA RRSIG NSEC DNSKEY"}},
    {"www.idp.test.",
     LDNS_RR_TYPE_TXT,
     0,
     1,
     {"A:www.idp.test. 300 IN TXT \"v=spf1 -all\" \"Second STRING\""}},
    {"10.2.0.192.in-addr.idp.test.",
     LDNS_RR_TYPE_PTR,
     0,
     0,
     {"A:10.2.0.192.in-addr.idp.test. 300 IN PTR www.idp.test."}},
    {"www.idp.test.",
     LDNS_RR_TYPE_A,
     0,
     1,
     {"A:www.idp.test. 300 IN A 192.0.2.10",
      "A:www.idp.test. 300 IN RRSIG A 13 3 300 20300101000000 20200101000000 12345 idp.test. "
      "dGVzdHNpZ25hdHVyZWJ5dGVzMDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6"}},
    {"old.idp.test.",
     LDNS_RR_TYPE_A,
     0,
     0,
     {"A:idp.test. 300 IN DNAME new.idp.test.", "A:old.idp.test. 300 IN CNAME old.new.idp.test.",
      "A:old.new.idp.test. 300 IN A 192.0.2.30"}},
    {"www.example.test.", LDNS_RR_TYPE_A, 0, 0, {"A:www.example.test. 300 IN A 192.0.2.40"}},
    {"www.xidp.test.", LDNS_RR_TYPE_A, 0, 0, {"A:www.xidp.test. 300 IN A 192.0.2.41"}},
    {"www.mon.test.", LDNS_RR_TYPE_A, 0, 1, {"A:www.mon.test. 300 IN A 192.0.2.42"}},
    {"idp.test.",
     LDNS_RR_TYPE_SOA,
     0,
     0,
     {"A:idp.test. 300 IN SOA ns1.idp.test. hostmaster.idp.test. 7 3600 900 604800 300",
      "N:idp.test. 300 IN NS ns1.idp.test.", "N:idp.test. 300 IN NS ns2.idp.test.",
      "D:ns1.idp.test. 300 IN A 203.0.113.5", "D:ns2.idp.test. 300 IN AAAA 2001:db8:3::5"}},
};

/* Encodes a spec with ldns; reverse: push the RRs in reverse order. */
static int encode(const struct spec *s, int reverse, uint16_t id, uint32_t ttl_delta,
		  struct dp_buf *out)
{
	ldns_rdf *q = ldns_dname_new_frm_str(s->qname);
	ldns_pkt *p = ldns_pkt_query_new(q, s->qtype, LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *wire = NULL;
	size_t len = 0, n = 0, i;
	int rc = -1;

	if (!p)
		return -1;
	while (n < 8 && s->rrs[n])
		n++;
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_ra(p, 1);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_rcode(p, s->rcode);
	if (s->edns) {
		ldns_pkt_set_edns_udp_size(p, 1232);
		ldns_pkt_set_edns_do(p, 1);
	}
	for (i = 0; i < n; i++) {
		const char *str = s->rrs[reverse ? n - 1 - i : i];
		ldns_pkt_section sec = str[0] == 'A'   ? LDNS_SECTION_ANSWER
				       : str[0] == 'N' ? LDNS_SECTION_AUTHORITY
						       : LDNS_SECTION_ADDITIONAL;
		ldns_rr *rr = NULL;

		if (ldns_rr_new_frm_str(&rr, str + 2, 3600, NULL, NULL) != LDNS_STATUS_OK)
			goto out;
		ldns_rr_set_ttl(rr, ldns_rr_ttl(rr) + ttl_delta);
		ldns_pkt_push_rr(p, sec, rr);
	}
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK || len > 1400)
		goto out;
	memcpy(out->b, wire, len);
	out->n = len;
	rc = 0;
out:
	free(wire);
	ldns_pkt_free(p);
	return rc;
}

static int under(const struct dw_zone_key *k, const char *zone)
{
	struct dw_zone_key z;

	return !pkt_zone_key(zone, &z) && k->prefixlen >= z.prefixlen &&
	       !memcmp(k->name, z.name, z.prefixlen / 8);
}

/* One message through one program; the outcome must match the reference. */
static int check_one(int prog, const struct dp_buf *m, const char *what)
{
	uint64_t b[DW_CNT_MAX], a[DW_CNT_MAX];
	struct dw_verdict_key ref;
	struct dw_zone_key zk;
	struct dp_frame_opts o = {.l3 = DP_IP4};
	struct dp_buf f;
	int zrc, drc, protected, punts, ok = 1;

	dp_frame(&f, m->b, m->n, &o);
	dp_counters(&env, b);
	dp_run(&env, prog, f.b, f.n, 0, NULL, 1, NULL);
	dp_counters(&env, a);
	punts = dp_drain(&env);
	n_checked++;
	if (m->n < 12 || !(m->b[2] & 0x80)) /* not a reply: nothing to compare */
		return a[DW_CNT_NOT_DNS] == b[DW_CNT_NOT_DNS] + 1;
	zrc = pkt_qname_zone_key(m->b, m->n, &zk);
	drc = pkt_digest_key(m->b, m->n, dp_sipkey, &ref);
	if (zrc) {
		ok = a[DW_CNT_MALFORMED] == b[DW_CNT_MALFORMED] + 1 && !punts;
	} else {
		protected =
		    under(&zk, "idp.test") || under(&zk, "mon.test") || under(&zk, "nsec3.test");
		if (!protected) {
			ok = a[DW_CNT_NOT_PROTECTED] == b[DW_CNT_NOT_PROTECTED] + 1 && !punts;
			n_unprotected++;
		} else if (drc == PKT_EMALFORMED) {
			ok = a[DW_CNT_MALFORMED] == b[DW_CNT_MALFORMED] + 1 && !punts;
			n_malformed++;
		} else if (drc == PKT_ETOOCOMPLEX) {
			ok = punts == 1 && (env.last.flags & DW_PUNT_F_TOO_COMPLEX);
			n_complex++;
		} else {
			ok = punts == 1 && drc == 0 && !(env.last.flags & DW_PUNT_F_TOO_COMPLEX) &&
			     !memcmp(&env.last.key, &ref, sizeof(ref));
			n_punted++;
		}
	}
	ok &= a[DW_CNT_ALLOWED] == b[DW_CNT_ALLOWED];
	if (!ok)
		fprintf(stderr, "  %s (%zu bytes, %s): zone rc %d, digest rc %d, punts %d\n", what,
			m->n, prog == env.xdp ? "xdp" : "tc", zrc, drc, punts);
	return ok;
}

static int check_both(const struct dp_buf *m, const char *what)
{
	return check_one(env.xdp, m, what) & check_one(env.tc, m, what);
}

static void test_corpus_and_invariance(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(corpus); i++) {
		struct dp_buf m, r;
		struct dw_verdict_key k1, k2;

		CHECK_EQ_INT(encode(&corpus[i], 0, 0x1111, 0, &m), 0);
		CHECK(check_both(&m, corpus[i].qname));
		/* Reversed RR order, another ID, lower TTLs: the same key on both sides. */
		CHECK_EQ_INT(encode(&corpus[i], 1, 0x2222, 100, &r), 0);
		CHECK(check_both(&r, corpus[i].qname));
		if (pkt_digest_key(m.b, m.n, dp_sipkey, &k1) == 0) {
			CHECK_EQ_INT(pkt_digest_key(r.b, r.n, dp_sipkey, &k2), 0);
			CHECK(!memcmp(&k1, &k2, sizeof(k1)));
		}
	}
	/* The corpus must exercise compression (or it proves little). */
	{
		struct dp_buf m;
		size_t j, ptrs = 0;

		encode(&corpus[2], 0, 1, 0, &m);
		for (j = 12; j + 1 < m.n; j++)
			ptrs += (m.b[j] & 0xc0) == 0xc0;
		CHECK(ptrs >= 3);
	}
}

static void test_mutations(void)
{
	unsigned int seed = 6, i, j;
	size_t c;

	for (c = 0; c < ARRAY_SIZE(corpus); c++) {
		struct dp_buf base, m;
		char what[128];

		if (encode(&corpus[c], 0, 0x3333, 0, &base))
			continue;
		/* Truncation at every length. */
		for (j = 12; j < base.n; j++) {
			m = base;
			m.n = j;
			snprintf(what, sizeof(what), "%s cut at %u", corpus[c].qname, j);
			CHECK(check_one(env.xdp, &m, what));
		}
		/* Case flips of letters, pointer re-targeting, random byte flips. */
		for (i = 0; i < 60; i++) {
			m = base;
			for (j = 0; j < 1 + i % 3; j++) {
				size_t at = 12 + (size_t)rand_r(&seed) % (m.n - 12);
				uint8_t x = m.b[at];

				if (i < 20 && ((x | 0x20) >= 'a' && (x | 0x20) <= 'z'))
					m.b[at] ^= 0x20;
				else if (i < 40 && (x & 0xc0) == 0xc0 && at + 1 < m.n)
					m.b[at + 1] = (uint8_t)rand_r(&seed);
				else
					m.b[at] ^= (uint8_t)(1 + rand_r(&seed) % 255);
			}
			snprintf(what, sizeof(what), "%s mutation %u", corpus[c].qname, i);
			CHECK(check_both(&m, what));
		}
	}
	fprintf(stderr,
		"  checked %u runs: %u punted with a key, %u too complex, %u malformed, "
		"%u unprotected\n",
		n_checked, n_punted, n_complex, n_malformed, n_unprotected);
	CHECK(n_punted > 100 && n_malformed > 10 && n_unprotected > 10);
}

/*
 * Names a client decompresses from HTTPS, SVCB and NAPTR rdata, pointing into
 * the OPT record's option bytes (which the digest leaves out): the data
 * plane's keys for two replies that differ only there must differ, as the
 * reference's do; a pointer forward into the OPT is malformed on both sides.
 * HIP, TALINK and LP names and rdata going on after a name, through ldns's
 * encoder.
 */
static void test_names_in_opt(void)
{
	static const uint16_t types[] = {65, 64, 35};
	struct dw_verdict_key first;
	struct dp_buf m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		dp_reply_name_in_opt(&m, "svc.idp.test", types[i], "evil.test", 0);
		CHECK(check_both(&m, "name in the OPT"));
		first = env.last.key;
		dp_reply_name_in_opt(&m, "svc.idp.test", types[i], "good.test", 0);
		CHECK(check_both(&m, "another name in the OPT"));
		CHECK(memcmp(first.digest, env.last.key.digest, sizeof(first.digest)));
		dp_reply_name_in_opt(&m, "svc.idp.test", types[i], "evil.test", 1);
		CHECK(check_both(&m, "pointer forward into the OPT"));
	}
}

static const struct spec named_rdata[] = {
    {"idp.test.",
     LDNS_RR_TYPE_HIP,
     0,
     1,
     {"A:idp.test. 300 IN HIP 2 200100107B1A74DF365639CC39F1D578 "
      "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+"
      "Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D "
      "rvs1.idp.test. rvs2.idp.test."}},
    {"idp.test.", LDNS_RR_TYPE_TALINK, 0, 0, {"A:idp.test. 300 IN TALINK a.idp.test. b.idp.test."}},
    {"idp.test.", LDNS_RR_TYPE_LP, 0, 0, {"A:idp.test. 300 IN LP 10 l64.idp.test."}},
    {"idp.test.",
     LDNS_RR_TYPE_NAPTR,
     0,
     1,
     {"A:idp.test. 300 IN NAPTR 100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@idp.test!\" .",
      "A:idp.test. 300 IN NAPTR 100 20 \"s\" \"SIP+D2U\" \"\" _sip._udp.idp.test."}},
    {"idp.test.",
     LDNS_RR_TYPE_HTTPS,
     0,
     1,
     {"A:idp.test. 300 IN HTTPS 1 svc.idp.test. alpn=h2,h3 port=8443",
      "A:idp.test. 300 IN HTTPS 0 www.idp.test."}},
};

static void test_named_rdata(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(named_rdata); i++) {
		struct dp_buf m;
		size_t rdlen_at;

		if (encode(&named_rdata[i], 0, 0x4444, 0, &m)) {
			fprintf(stderr, "  ldns cannot encode %s/%d\n", named_rdata[i].qname,
				named_rdata[i].qtype);
			CHECK(0);
			continue;
		}
		CHECK(check_both(&m, "names in rdata"));
		CHECK(n_punted > 0 && env.last.key.qtype == named_rdata[i].qtype);
		/* Two bytes more after the last name: malformed on both sides but for HTTPS,
		 * whose parameters follow the name. */
		rdlen_at = 12 + strlen(named_rdata[i].qname) + 1 + 4 + 2 + 8;
		m.b[rdlen_at + 1] += 2;
		m.b[m.n++] = 0;
		m.b[m.n++] = 1;
		m.b[7] = 1; /* one answer: the first, now two bytes longer */
		m.b[11] = 0;
		CHECK(check_both(&m, "rdata after the last name"));
	}
}

/* Real replies from the lab, each whole and under mutation. */
static void test_lab_corpus(void)
{
	unsigned int punted_before = n_punted;

	const char *dir = "tests/bpf/corpus";
	unsigned int seed = 66, files = 0, i, j;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		SKIP("no %s (run from the repository root)", dir);
	while ((de = readdir(d))) {
		struct dp_buf base, m;
		char path[512], what[600];
		FILE *f;

		if (strncmp(de->d_name, "lab-", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		base.n = fread(base.b, 1, 2000, f);
		fclose(f);
		if (base.n < 12)
			continue;
		files++;
		CHECK(check_both(&base, de->d_name));
		for (j = 12; j < base.n; j += 1 + base.n / 64) {
			m = base;
			m.n = j;
			snprintf(what, sizeof(what), "%s cut at %u", de->d_name, j);
			CHECK(check_one(env.xdp, &m, what));
		}
		for (i = 0; i < 24; i++) {
			size_t at;

			m = base;
			at = 12 + (size_t)rand_r(&seed) % (m.n - 12);
			if (i % 2 && ((m.b[at] | 0x20) >= 'a' && (m.b[at] | 0x20) <= 'z'))
				m.b[at] ^= 0x20;
			else
				m.b[at] ^= (uint8_t)(1 + rand_r(&seed) % 255);
			snprintf(what, sizeof(what), "%s mutation %u", de->d_name, i);
			CHECK(check_both(&m, what));
		}
	}
	closedir(d);
	fprintf(stderr, "  %u captured replies; totals: %u punted with a key, %u malformed\n",
		files, n_punted, n_malformed);
	CHECK(files >= 20);
	CHECK(n_punted - punted_before >= files); /* most originals and many mutants punt */
}

int main(void)
{
	int err = dp_env_open(&env);

	if (!err)
		err = dp_add_zone(&env, "nsec3.test", 4, DW_MODE_ENFORCE, DW_FAIL_CLOSED);
	if (err) {
		printf("FAIL setup: cannot load the data plane (%d)\n", err);
		return 1;
	}
	RUN_TEST(test_corpus_and_invariance);
	RUN_TEST(test_mutations);
	RUN_TEST(test_names_in_opt);
	RUN_TEST(test_named_rdata);
	RUN_TEST(test_lab_corpus);
	dp_env_close(&env);
	HARNESS_EXIT();
}
