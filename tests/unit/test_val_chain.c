// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_val_chain.c: the validator end to end over an in-process signed
 * hierarchy (val_fake.h) at a pinned time: secure A/AAAA/TXT/SRV, CNAME
 * chains (secure->secure, secure->insecure), wildcards, NXDOMAIN and NODATA
 * under NSEC and NSEC3, opt-out, insecure delegation, bogus signature, DS
 * mismatch, expired and not-yet-valid RRSIGs, a KeyTrap zone (bounded work,
 * BOGUS), NSEC3 above the iteration limit (insecure, RFC 9276), negative
 * trust anchors (judged replies still compared), no upstream (indeterminate),
 * the cache, judged replies (secure, forged, rotating answer sets, raised
 * TTLs told apart from forged content), RFC 8624
 * algorithms (DSA, RSAMD5 insecure; SHA-1 DS), wildcard synthesis skipping
 * opt-out spans, and cname_targets_secure. Runs in its own network namespace.
 */
#include <time.h>

#include "common/array.h"
#include "harness.h"
#include "val_fake.h"

static struct dw_config cfg;
static char root_ds[512];

static void corrupt_sig(ldns_rr_list *rrs, const char *owner, ldns_rr_type covered)
{
	ldns_rdf *o = ldns_dname_new_frm_str(owner);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *r = ldns_rr_list_rr(rrs, i);

		if (ldns_rr_get_type(r) == LDNS_RR_TYPE_RRSIG && name_eq(ldns_rr_owner(r), o) &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(r)) == covered)
			ldns_rdf_data(ldns_rr_rdf(r, 8))[10] ^= 0x5a;
	}
	ldns_rdf_deep_free(o);
}

/* Fake DNSKEYs sharing k's key tag: same word sum, different public key. */
static ldns_rr_list *keytrap_keys(const ldns_key *k, int n)
{
	ldns_rr *real = f_dnskey(k);
	uint16_t tag = ldns_calc_keytag(real);
	ldns_rr_list *out = ldns_rr_list_new();
	int i, made = 0;

	for (i = 0; made < n && i < 1000; i++) {
		ldns_rr *c = ldns_rr_clone(real);
		uint8_t *pk = ldns_rdf_data(ldns_rr_rdf(c, 3));
		size_t a = 2 * (i % 15), b = a + 32;
		uint16_t wa = pk[a] << 8 | pk[a + 1], wb = pk[b] << 8 | pk[b + 1], d = 1 + i / 15;

		if (wa + d > 0xffff || wb < d) {
			ldns_rr_free(c);
			continue;
		}
		wa += d;
		wb -= d;
		pk[a] = wa >> 8, pk[a + 1] = wa & 0xff, pk[b] = wb >> 8, pk[b + 1] = wb & 0xff;
		if (ldns_calc_keytag(c) != tag) {
			ldns_rr_free(c);
			continue;
		}
		ldns_rr_list_push_rr(out, c);
		made++;
	}
	ldns_rr_free(real);
	return out;
}

/* Replace the RRSIGs over owner/covered by n copies with garbage signatures. */
static void keytrap_sigs(ldns_rr_list *rrs, const char *owner, ldns_rr_type covered, int n)
{
	ldns_rdf *o = ldns_dname_new_frm_str(owner);
	ldns_rr *tmpl = NULL;
	size_t i;
	int j;

	for (i = 0; i < ldns_rr_list_rr_count(rrs) && !tmpl; i++) {
		ldns_rr *r = ldns_rr_list_rr(rrs, i);

		if (ldns_rr_get_type(r) == LDNS_RR_TYPE_RRSIG && name_eq(ldns_rr_owner(r), o) &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(r)) == covered)
			tmpl = r;
	}
	for (j = 0; tmpl && j < n; j++) {
		ldns_rr *c = ldns_rr_clone(tmpl);

		ldns_rdf_data(ldns_rr_rdf(c, 8))[j % 32] ^= (uint8_t)(j + 1);
		ldns_rr_list_push_rr(rrs, c);
	}
	if (tmpl)
		ldns_rdf_data(ldns_rr_rdf(tmpl, 8))[40] ^= 0xff;
	ldns_rdf_deep_free(o);
}

#define INC (FAKE_T0 - 3600)
#define EXP (FAKE_T0 + 30 * 86400)
/* test.'s signatures expire first: the earliest expiry on every path below it */
#define EXP_TEST (FAKE_T0 + 20 * 86400)

static void build_hierarchy(void)
{
	static const char *const idp[] = {
	    "idp.test. 300 IN NS ns1.idp.test.",
	    "ns1.idp.test. 300 IN A 203.0.113.12",
	    "idp.test. 300 IN A 203.0.113.80",
	    "idp.test. 300 IN AAAA 2001:db8:3::80",
	    "idp.test. 300 IN TXT \"v=dnsward-test\"",
	    "www.idp.test. 300 IN A 203.0.113.81",
	    "login.idp.test. 300 IN CNAME www.idp.test.",
	    "out.idp.test. 300 IN CNAME www.insecure.test.",
	    "_ldap._tcp.idp.test. 300 IN SRV 10 5 389 ldap.idp.test.",
	    "ldap.idp.test. 300 IN A 203.0.113.82",
	    "*.wild.idp.test. 300 IN A 203.0.113.83",
	    "real.wild.idp.test. 300 IN A 203.0.113.86",
	    "sub.ent.wild.idp.test. 300 IN A 203.0.113.87",
	    "rot.idp.test. 300 IN A 203.0.113.84",
	    NULL,
	};
	const char *idp2[ARRAY_SIZE(idp)];
	static const char *const n3[] = {
	    "n3.test. 300 IN NS ns1.n3.test.",
	    "ns1.n3.test. 300 IN A 203.0.113.12",
	    "n3.test. 300 IN A 203.0.113.90",
	    "www.n3.test. 300 IN A 203.0.113.91",
	    "child.n3.test. 300 IN NS ns1.example.",
	    "*.wild.n3.test. 300 IN A 203.0.113.92",
	    NULL,
	};
	static const char *const child[] = {"child.n3.test. 300 IN NS ns1.example.",
					    "www.child.n3.test. 300 IN A 203.0.113.98", NULL};
	static const char *const insec[] = {"insecure.test. 300 IN NS ns1.example.",
					    "www.insecure.test. 300 IN A 203.0.113.101", NULL};
	const char *simple[] = {NULL, NULL, NULL};
	char ds[8][512], rec[8][256], tl[16][600], xds[3][512], xrec[3][256], xtl[3][600];
	const char *testrecs[32];
	const char *names[] = {"idp", "n3", "hi", "bad", "mism", "old", "new", "kt"};
	ldns_key *kidp = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "idp.test.", INC, EXP);
	ldns_key *kn3 = f_key(LDNS_SIGN_RSASHA256, 2048, "n3.test.", INC, EXP);
	ldns_key *khi = f_key(LDNS_SIGN_ED25519, 256, "hi.test.", INC, EXP);
	ldns_key *kbad = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "bad.test.", INC, EXP);
	ldns_key *kmism = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "mism.test.", INC, EXP);
	ldns_key *kother = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "mism.test.", INC, EXP);
	ldns_key *kold = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "old.test.", FAKE_T0 - 60 * 86400,
			       FAKE_T0 - 30 * 86400);
	ldns_key *knew = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "new.test.", FAKE_T0 + 30 * 86400,
			       FAKE_T0 + 60 * 86400);
	ldns_key *kkt = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "kt.test.", INC, EXP);
	ldns_key *ktest = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "test.", INC, EXP_TEST);
	ldns_key *kroot = f_key(LDNS_SIGN_ECDSAP256SHA256, 256, ".", INC, EXP);
	ldns_key *ks[] = {kidp, kn3, khi, kbad, kother, kold, knew, kkt};
	ldns_rr_list *fake_keys = keytrap_keys(kkt, 40);
	struct fzone *z;
	int i, n = 0;

	z = f_add("idp.test.", f_sign("idp.test.", idp, kidp, F_NSEC, 0, NULL));
	for (i = 0; idp[i]; i++)
		idp2[i] =
		    strstr(idp[i], "rot.idp") ? "rot.idp.test. 300 IN A 203.0.113.85" : idp[i];
	idp2[i] = NULL;
	z->alt = f_sign("idp.test.", idp2, kidp, F_NSEC, 0, NULL);
	f_add("n3.test.", f_sign("n3.test.", n3, kn3, F_NSEC3_OPTOUT, 0, NULL));
	f_add("child.n3.test.", f_sign("child.n3.test.", child, NULL, F_UNSIGNED, 0, NULL));
	f_add("insecure.test.", f_sign("insecure.test.", insec, NULL, F_UNSIGNED, 0, NULL));
	for (i = 2; i < 8; i++) {
		snprintf(rec[i], sizeof(rec[i]), "%s.test. 300 IN A 203.0.113.%d", names[i],
			 110 + i);
		simple[0] = rec[i];
		z = f_add(i == 2   ? "hi.test."
			  : i == 3 ? "bad.test."
			  : i == 4 ? "mism.test."
			  : i == 5 ? "old.test."
			  : i == 6 ? "new.test."
				   : "kt.test.",
			  f_sign(i == 2	  ? "hi.test."
				 : i == 3 ? "bad.test."
				 : i == 4 ? "mism.test."
				 : i == 5 ? "old.test."
				 : i == 6 ? "new.test."
					  : "kt.test.",
				 simple, i == 4 ? kmism : ks[i], i == 2 ? F_NSEC3 : F_NSEC,
				 i == 2 ? 150 : 0, i == 7 ? fake_keys : NULL));
		if (i == 3)
			corrupt_sig(z->rrs, "bad.test.", LDNS_RR_TYPE_A);
		if (i == 7)
			keytrap_sigs(z->rrs, "kt.test.", LDNS_RR_TYPE_A, 20);
	}
	/* test.: delegations (with DS where signed), then the root */
	for (i = 0; i < 8; i++) {
		snprintf(tl[2 * i], sizeof(tl[0]), "%s.test. 300 IN NS ns1.example.", names[i]);
		testrecs[n++] = tl[2 * i];
		testrecs[n++] = f_ds(ks[i], ds[i], sizeof(ds[i]));
	}
	/* RFC 8624: DSA and RSAMD5 must not be validated; SHA-1 DS digests may be */
	{
		static const char *const xnames[] = {"dsa", "md5", "sha1"};
		ldns_key *xk[] = {f_key(LDNS_SIGN_DSA, 1024, "dsa.test.", INC, EXP),
				  f_key(LDNS_SIGN_RSAMD5, 1024, "md5.test.", INC, EXP),
				  f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "sha1.test.", INC, EXP)};

		for (i = 0; i < 3; i++) {
			char apex[32];

			snprintf(apex, sizeof(apex), "%s.test.", xnames[i]);
			snprintf(xrec[i], sizeof(xrec[i]), "%s 300 IN A 203.0.113.%d", apex,
				 120 + i);
			simple[0] = xrec[i];
			f_add(apex, f_sign(apex, simple, xk[i], F_NSEC, 0, NULL));
			snprintf(xtl[i], sizeof(xtl[i]), "%s 300 IN NS ns1.example.", apex);
			testrecs[n++] = xtl[i];
			testrecs[n++] = f_ds_digest(xk[i], i == 2 ? LDNS_SHA1 : LDNS_SHA256, xds[i],
						    sizeof(xds[i]));
			ldns_key_deep_free(xk[i]);
		}
	}
	testrecs[n++] = "insecure.test. 300 IN NS ns1.example.";
	testrecs[n++] = "test. 300 IN NS ns1.test.";
	testrecs[n++] = "ns1.test. 300 IN A 203.0.113.11";
	testrecs[n] = NULL;
	f_add("test.", f_sign("test.", testrecs, ktest, F_NSEC, 0, NULL));
	{
		char tds[512];
		const char *rootrecs[] = {". 300 IN NS a.root-servers.test.",
					  "test. 300 IN NS ns1.test.",
					  f_ds(ktest, tds, sizeof(tds)), NULL};

		f_add(".", f_sign(".", rootrecs, kroot, F_NSEC, 0, NULL));
	}
	f_ds(kroot, root_ds, sizeof(root_ds));
	for (i = 0; i < 8; i++)
		ldns_key_deep_free(ks[i]);
	ldns_key_deep_free(kmism);
	ldns_key_deep_free(ktest);
	ldns_key_deep_free(kroot);
	ldns_rr_list_deep_free(fake_keys);
}

static struct validator *new_validator(void)
{
	char err[256];
	struct validator *v;

	v = validator_new(&cfg, err, sizeof(err));
	if (!v) {
		fprintf(stderr, "validator_new: %s\n", err);
		exit(1);
	}
	validator_set_time(v, FAKE_T0);
	return v;
}

struct vcase {
	const char *name;
	uint16_t type;
	enum val_outcome want;
	const char *reason; /* substring */
};

static const struct vcase cases[] = {
    {"idp.test", LDNS_RR_TYPE_A, VAL_SECURE, "idp.test/A signed by idp.test/13/"},
    {"idp.test", LDNS_RR_TYPE_AAAA, VAL_SECURE, "idp.test/AAAA signed by"},
    {"idp.test", LDNS_RR_TYPE_TXT, VAL_SECURE, "idp.test/TXT signed by"},
    {"_ldap._tcp.idp.test", LDNS_RR_TYPE_SRV, VAL_SECURE, "_ldap._tcp.idp.test/SRV signed"},
    {"login.idp.test", LDNS_RR_TYPE_A, VAL_SECURE, "login.idp.test/CNAME signed"},
    {"out.idp.test", LDNS_RR_TYPE_A, VAL_INSECURE,
     "insecure delegation insecure.test (NSEC at test. proves no DS)"},
    {"x.wild.idp.test", LDNS_RR_TYPE_A, VAL_SECURE, "x.wild.idp.test/A signed"},
    {"nope.idp.test", LDNS_RR_TYPE_A, VAL_SECURE, "NXDOMAIN for nope.idp.test/A proven by NSEC"},
    {"www.idp.test", LDNS_RR_TYPE_MX, VAL_SECURE, "NODATA for www.idp.test/MX proven by NSEC"},
    {"www.n3.test", LDNS_RR_TYPE_A, VAL_SECURE, "www.n3.test/A signed by n3.test/8/"},
    /* n3.test is an opt-out zone: a denial resting on an opt-out span is insecure */
    {"nope.n3.test", LDNS_RR_TYPE_A, VAL_INSECURE, "rests on an NSEC3 opt-out span"},
    {"www.n3.test", LDNS_RR_TYPE_TXT, VAL_SECURE, "NODATA for www.n3.test/TXT proven by NSEC3"},
    {"www.child.n3.test", LDNS_RR_TYPE_A, VAL_INSECURE, "insecure delegation child.n3.test"},
    {"www.insecure.test", LDNS_RR_TYPE_A, VAL_INSECURE,
     "insecure delegation insecure.test (NSEC at test. proves no DS)"},
    {"bad.test", LDNS_RR_TYPE_A, VAL_BOGUS, "RRSIG bad.test/A by bad.test/13/"},
    {"mism.test", LDNS_RR_TYPE_A, VAL_BOGUS, "matches no DNSKEY"},
    {"old.test", LDNS_RR_TYPE_A, VAL_BOGUS, "expired 2025-12-02T00:00:00Z"},
    {"new.test", LDNS_RR_TYPE_A, VAL_BOGUS, "not valid before 2026-01-31T00:00:00Z"},
    {"kt.test", LDNS_RR_TYPE_A, VAL_BOGUS, "limit: "},
    {"hi.test", LDNS_RR_TYPE_A, VAL_SECURE, "hi.test/A signed by hi.test/15/"},
    {"nope.hi.test", LDNS_RR_TYPE_A, VAL_INSECURE, "NSEC3 iterations 150 at hi.test exceed"},
    {"dsa.test", LDNS_RR_TYPE_A, VAL_INSECURE, "DS for dsa.test. uses only unsupported algorithms"},
    {"md5.test", LDNS_RR_TYPE_A, VAL_INSECURE, "DS for md5.test. uses only unsupported algorithms"},
    {"sha1.test", LDNS_RR_TYPE_A, VAL_SECURE, "sha1.test/A signed by sha1.test/13/"},
};

static void test_outcomes(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct vcase *c = &cases[i];

		validator_flush(v, NULL);
		CHECK_EQ_INT(validator_check_name(v, c->name, c->type, &res), 0);
		if (res.outcome != c->want || !strstr(res.reason, c->reason)) {
			fprintf(stderr, "  %s/%u: got %s '%s', want %s '%s'\n", c->name, c->type,
				val_outcome_name(res.outcome), res.reason,
				val_outcome_name(c->want), c->reason);
			harness_failed = 1;
		}
		if (res.outcome == VAL_SECURE)
			CHECK(res.ttl > 0 && res.ttl <= 3600);
	}
	validator_free(v);
}

static void test_expired_within_skew(void)
{
	struct dw_config c = cfg;
	struct validator *v;
	struct val_result res;
	char err[256];

	/* old.test's signatures expired 30 days before the pinned time */
	c.limits.clock_skew = 31 * 86400;
	v = validator_new(&c, err, sizeof(err));
	validator_set_time(v, FAKE_T0);
	validator_check_name(v, "old.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	validator_free(v);
	c.limits.clock_skew = 29 * 86400;
	v = validator_new(&c, err, sizeof(err));
	validator_set_time(v, FAKE_T0);
	validator_check_name(v, "old.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_BOGUS);
	validator_free(v);
}

/* validation.sha1_ds: false leaves a zone whose only DS is SHA-1 without a usable DS */
static void test_sha1_ds_switch(void)
{
	struct dw_config c = cfg;
	struct validator *v;
	struct val_result res;
	char err[256];

	c.validation_sha1_ds = false;
	v = validator_new(&c, err, sizeof(err));
	validator_set_time(v, FAKE_T0);
	CHECK_EQ_INT(validator_check_name(v, "sha1.test", LDNS_RR_TYPE_A, &res), 0);
	CHECK_EQ_INT(res.outcome, VAL_INSECURE);
	CHECK(strstr(res.reason, "uses only unsupported algorithms") != NULL);
	/* the SHA-256 DS of the other zones still counts */
	CHECK_EQ_INT(validator_check_name(v, "idp.test", LDNS_RR_TYPE_A, &res), 0);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	validator_free(v);
}

static void test_keytrap_bounded(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	struct val_stats st;

	validator_check_name(v, "kt.test", LDNS_RR_TYPE_A, &res);
	validator_get_stats(v, &st);
	CHECK_EQ_INT(res.outcome, VAL_BOGUS);
	CHECK(st.limit_hits > 0);
	/* 40 keys share the tag and 21 signatures claim it: 840 tries unbounded */
	CHECK(st.signatures_verified <= cfg.limits.sigs_per_validation + 0u);
	CHECK(st.signatures_verified <= 64);
	validator_free(v);
}

static void test_cache_and_stats(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	struct val_stats a, b;

	validator_check_name(v, "www.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	validator_get_stats(v, &a);
	validator_check_name(v, "www.idp.test", LDNS_RR_TYPE_A, &res);
	validator_get_stats(v, &b);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK_EQ_INT(b.upstream_queries, a.upstream_queries); /* all from the cache */
	CHECK(b.cache_hits > a.cache_hits);
	validator_check_name(v, "ldap.idp.test", LDNS_RR_TYPE_A, &res);
	validator_get_stats(v, &b);
	CHECK_EQ_INT(b.upstream_queries, a.upstream_queries + 1); /* warm chain: one query */
	validator_free(v);
}

/*
 * The earliest expiry of the signatures a check verified: on a cold cache the
 * whole path (test.'s DS for idp.test expires first), on a warm one only what
 * was verified anew (ldap.idp.test's own A, signed by idp.test).
 */
static void test_signature_expiry_on_the_path(void)
{
	struct validator *v = new_validator();
	struct val_result res;

	validator_check_name(v, "www.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK_EQ_INT(res.sig_expires, EXP_TEST);
	validator_check_name(v, "ldap.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK_EQ_INT(res.sig_expires, EXP);
	validator_check_name(v, "ldap.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.sig_expires, 0); /* all from the cache */
	validator_free(v);
}

static uint8_t *held_wire(const char *name, ldns_rr_type t, const char *extra_answer, bool nx,
			  size_t *len);
static enum val_outcome judge(struct validator *v, uint8_t *w, size_t len, struct val_result *res);

static void test_nta(void)
{
	struct validator *v;
	struct val_result res;
	size_t len;
	uint8_t *w;

	snprintf(cfg.ntas[0].zone, sizeof(cfg.ntas[0].zone), "bad.test");
	cfg.ntas[0].until = FAKE_T0 + 600;
	snprintf(cfg.ntas[0].reason, sizeof(cfg.ntas[0].reason), "rollover incident");
	cfg.n_ntas = 1;
	v = new_validator();
	validator_check_name(v, "bad.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_INSECURE);
	CHECK(res.under_nta);
	CHECK(res.ttl <= 600);
	/* a judged reply under the NTA: still compared with the upstream's answer */
	w = held_wire("bad.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_INSECURE);
	CHECK(res.under_nta);
	CHECK(res.ttl > 0 && res.ttl <= 300);
	w = held_wire("bad.test.", LDNS_RR_TYPE_A, "bad.test. 300 IN A 198.51.100.66", false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(!res.under_nta);
	CHECK(res.content_mismatch);
	CHECK(strstr(res.reason, "198.51.100.66 is not in the validated data") != NULL);
	w = held_wire("bad.test.", LDNS_RR_TYPE_A, NULL, true, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(!res.under_nta);
	validator_set_time(v, FAKE_T0 + 601); /* expired NTA: validated again */
	validator_check_name(v, "bad.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_BOGUS);
	CHECK(!res.under_nta);
	cfg.n_ntas = 0;
	validator_free(v);
}

static void test_no_upstream_indeterminate(void)
{
	struct dw_config c = cfg;
	struct validator *v;
	struct val_result res;
	char err[256];

	c.n_upstreams = 0;
	v = validator_new(&c, err, sizeof(err));
	CHECK(v != NULL);
	if (!v)
		return;
	validator_check_name(v, "idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_INDETERMINATE);
	CHECK(strstr(res.reason, "no upstream") != NULL);
	validator_free(v);
}

/* A held reply as the fake resolver would send it, as wire bytes. */
static uint8_t *held_wire(const char *name, ldns_rr_type t, const char *extra_answer, bool nx,
			  size_t *len)
{
	ldns_rdf *n = ldns_dname_new_frm_str(name);
	ldns_pkt *p = f_answer(n, t);
	uint8_t *w = NULL;

	ldns_rr *q = ldns_rr_new();

	ldns_rr_set_owner(q, ldns_rdf_clone(n));
	ldns_rr_set_type(q, t);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	if (extra_answer)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, f_rr(extra_answer));
	if (nx) {
		ldns_rr_list_deep_free(ldns_pkt_answer(p));
		ldns_pkt_set_answer(p, ldns_rr_list_new());
		ldns_pkt_set_ancount(p, 0);
		ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
	}
	ldns_pkt_set_id(p, 4242);
	ldns_pkt2wire(&w, p, len);
	ldns_pkt_free(p);
	ldns_rdf_deep_free(n);
	return w;
}

static enum val_outcome judge(struct validator *v, uint8_t *w, size_t len, struct val_result *res)
{
	CHECK_EQ_INT(validator_judge_reply(v, w, len, res), 0);
	free(w);
	return res->outcome;
}

static void test_judge_replies(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	size_t len;
	uint8_t *w;

	w = held_wire("www.idp.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	CHECK(res.ttl > 0 && res.ttl <= 300);
	CHECK(!res.content_mismatch);
	w = held_wire("www.idp.test.", LDNS_RR_TYPE_A, "www.idp.test. 300 IN A 198.51.100.66",
		      false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(res.content_mismatch);
	CHECK(strstr(res.reason, "198.51.100.66 is not in the validated data") != NULL);
	w = held_wire("www.idp.test.", LDNS_RR_TYPE_A, NULL, true, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(strstr(res.reason, "forged NXDOMAIN") != NULL);
	w = held_wire("nope.idp.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	w = held_wire("login.idp.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	w = held_wire("out.idp.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_INSECURE);
	w = held_wire("bad.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	validator_free(v);
}

/* Poisoned authority/additional: an NS and glue for the protected zone that the truth lacks. */
static void test_judge_authority_poisoning(void)
{
	struct validator *v = new_validator();
	ldns_rdf *n = ldns_dname_new_frm_str("www.idp.test.");
	ldns_pkt *p = f_answer(n, LDNS_RR_TYPE_A);
	ldns_rr *q = ldns_rr_new();
	struct val_result res;
	uint8_t *w = NULL;
	size_t len;

	ldns_rr_set_owner(q, ldns_rdf_clone(n));
	ldns_rr_set_type(q, LDNS_RR_TYPE_A);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, f_rr("idp.test. 300 IN NS ns1.idp.test."));
	ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, f_rr("ns1.idp.test. 300 IN A 198.51.100.66"));
	ldns_pkt2wire(&w, p, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(strstr(res.reason, "ns1.idp.test/A") != NULL);
	/* the genuine NS and glue pass */
	ldns_pkt_free(p);
	p = f_answer(n, LDNS_RR_TYPE_A);
	q = ldns_rr_new();
	ldns_rr_set_owner(q, ldns_rdf_clone(n));
	ldns_rr_set_type(q, LDNS_RR_TYPE_A);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, f_rr("idp.test. 300 IN NS ns1.idp.test."));
	ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, f_rr("ns1.idp.test. 300 IN A 203.0.113.12"));
	w = NULL;
	ldns_pkt2wire(&w, p, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	if (res.outcome != VAL_SECURE)
		fprintf(stderr, "  reason: %s\n", res.reason);
	ldns_pkt_free(p);
	ldns_rdf_deep_free(n);
	validator_free(v);
}

/*
 * www.idp.test/A as the servers sign it, the TTLs of its answer records of
 * type only (0: every type) set to ttl, plus extra_answer and add (additional).
 */
static uint8_t *ttl_wire(ldns_rr_type only, uint32_t ttl, const char *extra_answer, const char *add,
			 size_t *len)
{
	ldns_rdf *n = ldns_dname_new_frm_str("www.idp.test.");
	ldns_pkt *p = f_answer(n, LDNS_RR_TYPE_A);
	ldns_rr *q = ldns_rr_new();
	uint8_t *w = NULL;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
		ldns_rr *r = ldns_rr_list_rr(ldns_pkt_answer(p), i);

		if (!only || ldns_rr_get_type(r) == only)
			ldns_rr_set_ttl(r, ttl);
	}
	if (add)
		ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, f_rr(add));
	ldns_rr_set_owner(q, ldns_rdf_clone(n));
	ldns_rr_set_type(q, LDNS_RR_TYPE_A);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	if (extra_answer)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, f_rr(extra_answer));
	ldns_pkt2wire(&w, p, len);
	ldns_pkt_free(p);
	ldns_rdf_deep_free(n);
	return w;
}

/*
 * The signed records with their TTLs raised above the signed 300: the copy is
 * BOGUS, but told apart from forged content, with what its records proved
 * (SECURE, bounded by the signed TTL). Forged content with raised TTLs is not.
 */
static void test_judge_raised_ttls(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	size_t len;
	uint8_t *w;

	w = ttl_wire(0, 86400, NULL, NULL, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(strstr(res.reason, "TTL 86400 above the signed original TTL 300") != NULL);
	CHECK(res.ttl_raised);
	CHECK(!res.content_mismatch);
	CHECK(res.max_ttl_proven);
	CHECK_EQ_INT(res.max_ttl, 300);
	CHECK(res.proven_ttl > 0 && res.proven_ttl <= 300);
	CHECK(res.ttl <= cfg.limits.negative_cache_ttl);
	w = ttl_wire(0, 300, NULL, NULL, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	CHECK(!res.ttl_raised);
	w = ttl_wire(0, 86400, "www.idp.test. 300 IN A 198.51.100.66", NULL, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(!res.ttl_raised);
	CHECK(res.content_mismatch);
	validator_free(v);
}

/*
 * A raised TTL on a record the judgement does not count (an RRSIG, a record
 * irrelevant by policy) leaves the reply SECURE, but the TTL it proved, the
 * bound of later copies, is the signed one.
 */
static void test_judge_proven_max_ttl(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	size_t len;
	uint8_t *w;

	w = ttl_wire(LDNS_RR_TYPE_RRSIG, 86400, NULL, NULL, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	CHECK(res.max_ttl_proven);
	CHECK_EQ_INT(res.max_ttl, 300);
	w = ttl_wire(0, 200, NULL, "cdn.elsewhere.invalid. 86400 IN A 192.0.2.7", &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	CHECK_EQ_INT(res.max_ttl, 200);
	validator_free(v);
}

/* A rotating set: the cached truth differs, one re-query finds the held set. */
static void test_judge_rotating_set(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	size_t len;
	uint8_t *w;

	validator_check_name(v, "rot.idp.test", LDNS_RR_TYPE_A, &res); /* caches .84 */
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	fake_use_alt = 1; /* the servers now hand out .85 */
	w = held_wire("rot.idp.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	w = held_wire("rot.idp.test.", LDNS_RR_TYPE_A, "rot.idp.test. 300 IN A 198.51.100.66",
		      false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	fake_use_alt = 0;
	validator_free(v);
}

/*
 * Wildcard answers from the validated cache (RFC 8198): a second name under
 * the same wildcard costs no query and no signature; names the kept denial
 * records do not cover, real names, empty non-terminals and expired entries
 * take the live path; a forged answer is still bogus. (The fake resolver
 * sends the zone's whole NSEC chain, so every span is known at once.)
 */
static void test_wildcard_synth(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	struct val_stats a, b;
	size_t len;
	uint8_t *w;

	/* warm the zone's other data the fake's held reply carries (its SOA) */
	validator_check_name(v, "idp.test", LDNS_RR_TYPE_SOA, &res);
	validator_check_name(v, "a1.wild.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	validator_get_stats(v, &a);
	CHECK_EQ_INT(a.wildcard_synth, 0);
	validator_check_name(v, "a2.wild.idp.test", LDNS_RR_TYPE_A, &res);
	validator_get_stats(v, &b);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK(strstr(res.reason, "synthesised from the validated wildcard *.wild.idp.test"));
	CHECK(res.ttl > 0 && res.ttl <= 300);
	CHECK_EQ_INT(b.wildcard_synth, 1);
	CHECK_EQ_INT(b.upstream_queries, a.upstream_queries);
	CHECK_EQ_INT(b.signatures_verified, a.signatures_verified);
	/* the held reply is judged against the synthesised truth: genuine passes, forged does not */
	w = held_wire("a3.wild.idp.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	validator_get_stats(v, &a);
	CHECK_EQ_INT(a.wildcard_synth, 2);
	CHECK_EQ_INT(a.upstream_queries, b.upstream_queries);
	w = held_wire("a4.wild.idp.test.", LDNS_RR_TYPE_A,
		      "a4.wild.idp.test. 300 IN A 198.51.100.66", false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	CHECK(res.content_mismatch);
	/* a real name and an empty non-terminal next to the wildcard are not synthesised */
	validator_get_stats(v, &a);
	validator_check_name(v, "real.wild.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK(strstr(res.reason, "real.wild.idp.test/A signed by"));
	validator_check_name(v, "ent.wild.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK(strstr(res.reason, "NODATA for ent.wild.idp.test/A"));
	validator_get_stats(v, &b);
	CHECK_EQ_INT(b.wildcard_synth, a.wildcard_synth);
	/* a name the kept NSECs cover, in another span than a1's */
	validator_check_name(v, "s1.wild.idp.test", LDNS_RR_TYPE_A, &res);
	validator_get_stats(v, &b);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK_EQ_INT(b.wildcard_synth, a.wildcard_synth + 1);
	/* two labels below the encloser: the live path */
	validator_check_name(v, "x.y.wild.idp.test", LDNS_RR_TYPE_A, &res);
	validator_get_stats(v, &a);
	CHECK_EQ_INT(a.wildcard_synth, b.wildcard_synth);
	CHECK_EQ_INT(a.upstream_queries, b.upstream_queries + 1);
	/* past the TTL nothing is synthesised */
	validator_set_time(v, FAKE_T0 + 301);
	validator_check_name(v, "a5.wild.idp.test", LDNS_RR_TYPE_A, &res);
	validator_get_stats(v, &b);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK_EQ_INT(b.wildcard_synth, a.wildcard_synth);
	CHECK(b.upstream_queries > a.upstream_queries);
	validator_free(v);
}

/* Check name/A, then read the counters. */
static enum val_outcome check_a(struct validator *v, const char *name, struct val_result *res,
				struct val_stats *st)
{
	validator_check_name(v, name, LDNS_RR_TYPE_A, res);
	validator_get_stats(v, st);
	return res->outcome;
}

/* An NSEC3 opt-out span proves nothing for synthesis: the next name takes the live path. */
static void test_wildcard_optout(void)
{
	struct validator *v = new_validator();
	struct val_result res;
	struct val_stats a, b;

	CHECK_EQ_INT(check_a(v, "a1.wild.n3.test", &res, &a), VAL_SECURE);
	CHECK_EQ_INT(check_a(v, "a2.wild.n3.test", &res, &b), VAL_SECURE);
	CHECK(strstr(res.reason, "a2.wild.n3.test/A signed by n3.test/8/") != NULL);
	CHECK_EQ_INT(b.wildcard_synth, a.wildcard_synth);
	CHECK(b.upstream_queries > a.upstream_queries);
	validator_free(v);
}

/* A CNAME leaving a protected zone for an unsigned target: the zone's cname_targets_secure. */
static void test_cname_targets(void)
{
	struct dw_config c = cfg;
	struct validator *v;
	struct val_result res;
	char err[256];
	size_t len;
	uint8_t *w;

	memset(&c.zones[0], 0, sizeof(c.zones[0]));
	snprintf(c.zones[0].name, sizeof(c.zones[0].name), "idp.test");
	c.zones[0].cname_targets_secure = true;
	c.n_zones = 1;
	v = validator_new(&c, err, sizeof(err));
	validator_set_time(v, FAKE_T0);
	validator_check_name(v, "out.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_INSECURE);
	validator_free(v);
	c.zones[0].cname_targets_secure = false;
	v = validator_new(&c, err, sizeof(err));
	validator_set_time(v, FAKE_T0);
	validator_check_name(v, "out.idp.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_SECURE);
	CHECK(strstr(res.reason, "CNAME target www.insecure.test insecure") != NULL);
	CHECK(res.ttl > 0);
	w = held_wire("out.idp.test.", LDNS_RR_TYPE_A, NULL, false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_SECURE);
	/* the target's content is still compared with the upstream's */
	w = held_wire("out.idp.test.", LDNS_RR_TYPE_A, "www.insecure.test. 300 IN A 198.51.100.66",
		      false, &len);
	CHECK_EQ_INT(judge(v, w, len, &res), VAL_BOGUS);
	/* a name inside the zone is not relaxed */
	validator_check_name(v, "bad.test", LDNS_RR_TYPE_A, &res);
	CHECK_EQ_INT(res.outcome, VAL_BOGUS);
	validator_free(v);
}

int main(void)
{
	int rc;

	if ((rc = f_netns())) {
		printf("SKIP test_val_chain: no private network namespace (%s)\n", strerror(-rc));
		return 0;
	}
	build_hierarchy();
	if ((rc = f_start())) {
		printf("FAIL fake_upstream: %s\n", strerror(-rc));
		return 1;
	}
	config_defaults(&cfg);
	cfg.n_anchors = 1;
	snprintf(cfg.anchors[0].inline_rr, sizeof(cfg.anchors[0].inline_rr), "%s", root_ds);
	f_upstream(&cfg);
	RUN_TEST(test_outcomes);
	RUN_TEST(test_expired_within_skew);
	RUN_TEST(test_sha1_ds_switch);
	RUN_TEST(test_keytrap_bounded);
	RUN_TEST(test_signature_expiry_on_the_path);
	RUN_TEST(test_cache_and_stats);
	RUN_TEST(test_nta);
	RUN_TEST(test_no_upstream_indeterminate);
	RUN_TEST(test_judge_replies);
	RUN_TEST(test_judge_authority_poisoning);
	RUN_TEST(test_judge_rotating_set);
	RUN_TEST(test_judge_raised_ttls);
	RUN_TEST(test_judge_proven_max_ttl);
	RUN_TEST(test_wildcard_synth);
	RUN_TEST(test_wildcard_optout);
	RUN_TEST(test_cname_targets);
	f_stop();
	HARNESS_EXIT();
}
