// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_val_sig.c: RRSIG verification through the validator's own path
 * (converted keys cached per validator, EVP_DigestVerify over the canonical
 * signed data) for ECDSA P-256/P-384, RSA/SHA-256/512, Ed25519 and Ed448: a
 * good signature is SECURE (also with a mixed-case owner and a wildcard
 * expansion), while a tampered or truncated signature, a tampered RRset, a same-tag
 * impostor key (after the real key is cached) and an unrelated key are BOGUS;
 * the per-key contexts, used again for each signature, still verify a good
 * signature right after a failed one. A signature remembered as verified
 * (the signature memo) makes no other signature, set, key or time pass.
 * Every outcome is checked against ldns's own verifier on the same input.
 */
#include "common/array.h"
#include "harness.h"
/* Only the key and record helpers are used here, not the stand-in upstream. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "val_fake.h"
#pragma GCC diagnostic pop

struct alg_case {
	ldns_signing_algorithm alg;
	int bits;
	const char *name;
};

static const struct alg_case cases[] = {
    {LDNS_SIGN_ECDSAP256SHA256, 256, "ecdsa_p256"},
    {LDNS_SIGN_RSASHA256, 2048, "rsa_sha256"},
    {LDNS_SIGN_ED25519, 256, "ed25519"},
    {LDNS_SIGN_ECDSAP384SHA384, 384, "ecdsa_p384"},
    {LDNS_SIGN_RSASHA512, 2048, "rsa_sha512"},
    {LDNS_SIGN_ED448, 456, "ed448"},
};

static struct validator *v;

static ldns_rr_list *one(ldns_rr *r)
{
	ldns_rr_list *l = ldns_rr_list_new();

	ldns_rr_list_push_rr(l, r);
	return l;
}

/* Our verdict on (set, sig, key) at now, also checked against ldns's verifier. */
static enum val_outcome verify_at(ldns_rr_list *set, ldns_rr_list *sigs, ldns_rr *key, time_t now)
{
	struct val_work w = {.v = v, .now = now};
	ldns_rr_list *keys = one(ldns_rr_clone(key));
	ldns_rdf *zone = ldns_dname_new_frm_str("idp.test.");
	struct val_status st = {0};
	bool ldns_ok;

	sig_verify_rrset(&w, set, sigs, keys, zone, &st, NULL);
	ldns_ok = ldns_verify_rrsig_time(set, ldns_rr_list_rr(sigs, 0), key, now) == LDNS_STATUS_OK;
	if (ldns_ok != (st.outcome == VAL_SECURE))
		fprintf(stderr, "  disagreement with ldns: %s\n", st.reason);
	CHECK(ldns_ok == (st.outcome == VAL_SECURE));
	ldns_rr_list_deep_free(keys);
	ldns_rdf_deep_free(zone);
	return st.outcome;
}

static enum val_outcome verify(ldns_rr_list *set, ldns_rr_list *sigs, ldns_rr *key)
{
	return verify_at(set, sigs, key, FAKE_T0);
}

/*
 * A key with the same tag (word sum kept) but another public key: one 16-bit
 * word up, the next one down; a carry can still move the tag, so the first
 * pair of words where it does not is used.
 */
static ldns_rr *same_tag_impostor(const ldns_rr *key)
{
	size_t off, n = ldns_rdf_size(ldns_rr_rdf(key, 3));

	for (off = 8; off + 4 <= n; off += 2) {
		ldns_rr *c = ldns_rr_clone(key);
		uint8_t *pk = ldns_rdf_data(ldns_rr_rdf(c, 3));
		uint16_t wa = pk[off] << 8 | pk[off + 1], wb = pk[off + 2] << 8 | pk[off + 3];
		uint16_t d = wa < 0xff00 ? 0x55 : (uint16_t)-0x55;

		wa += d;
		wb -= d;
		pk[off] = wa >> 8, pk[off + 1] = wa & 0xff;
		pk[off + 2] = wb >> 8, pk[off + 3] = wb & 0xff;
		if (ldns_calc_keytag(c) == ldns_calc_keytag(key))
			return c;
		ldns_rr_free(c);
	}
	return ldns_rr_clone(key); /* not reached for real keys; the tag check below fails */
}

static void check_alg(const struct alg_case *ac)
{
	ldns_key *k = f_key(ac->alg, ac->bits, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key *k2 = f_key(ac->alg, ac->bits, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key_list *kl = ldns_key_list_new();
	ldns_rr *key = f_dnskey(k), *other = f_dnskey(k2), *imp = same_tag_impostor(key);
	ldns_rr_list *set = ldns_rr_list_new(), *wset = ldns_rr_list_new(), *sigs, *wsigs;
	ldns_rr_list *mixed, *tset;
	ldns_rr_list *bad_sigs;

	fprintf(stderr, "  algorithm %s\n", ac->name);
	ldns_rr_list_push_rr(set, f_rr("www.idp.test. 300 IN A 203.0.113.81"));
	ldns_rr_list_push_rr(set, f_rr("www.idp.test. 300 IN A 203.0.113.82"));
	ldns_rr_list_push_rr(wset, f_rr("*.wild.idp.test. 300 IN A 203.0.113.83"));
	ldns_key_list_push_key(kl, k);
	sigs = ldns_sign_public(set, kl);
	wsigs = ldns_sign_public(wset, kl);

	CHECK_EQ_INT(verify(set, sigs, key), VAL_SECURE);
	CHECK_EQ_INT(verify(set, sigs, key), VAL_SECURE); /* again, from the key cache */

	mixed = one(f_rr("WWW.Idp.TEST. 300 IN A 203.0.113.82")); /* canonical form, order */
	ldns_rr_list_push_rr(mixed, f_rr("www.IDP.test. 300 IN A 203.0.113.81"));
	CHECK_EQ_INT(verify(mixed, sigs, key), VAL_SECURE);

	ldns_rdf_deep_free(ldns_rr_owner(ldns_rr_list_rr(wset, 0))); /* wildcard expansion */
	ldns_rr_set_owner(ldns_rr_list_rr(wset, 0), ldns_dname_new_frm_str("x.wild.idp.test."));
	CHECK_EQ_INT(verify(wset, wsigs, key), VAL_SECURE);

	bad_sigs = ldns_rr_list_clone(sigs); /* tampered signature */
	ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(bad_sigs, 0), 8))[5] ^= 0x01;
	CHECK_EQ_INT(verify(set, bad_sigs, key), VAL_BOGUS);

	ldns_rdf_set_size(ldns_rr_rdf(ldns_rr_list_rr(bad_sigs, 0), 8), /* cut short */
			  ldns_rdf_size(ldns_rr_rdf(ldns_rr_list_rr(sigs, 0), 8)) - 2);
	ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(bad_sigs, 0), 8))[5] ^= 0x01;
	CHECK_EQ_INT(verify(set, bad_sigs, key), VAL_BOGUS);

	tset = ldns_rr_list_clone(set); /* tampered RRset */
	ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(tset, 1), 0))[3] ^= 0x01;
	CHECK_EQ_INT(verify(tset, sigs, key), VAL_BOGUS);

	CHECK_EQ_INT(ldns_calc_keytag(imp), ldns_calc_keytag(key));
	CHECK_EQ_INT(verify(set, sigs, imp), VAL_BOGUS); /* same tag, other key */
	CHECK_EQ_INT(verify(set, sigs, other), VAL_BOGUS);
	CHECK_EQ_INT(verify(set, sigs, key), VAL_SECURE); /* the cached real key still works */

	ldns_rr_list_deep_free(bad_sigs);
	ldns_rr_list_deep_free(tset);
	ldns_rr_list_deep_free(mixed);
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(wset);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(wsigs);
	ldns_rr_free(key);
	ldns_rr_free(other);
	ldns_rr_free(imp);
	ldns_key_list_free(kl); /* frees k too */
	ldns_key_deep_free(k2);
}

static void test_each_algorithm(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_alg(&cases[i]);
}

/*
 * The prepared per-key contexts are used again for every signature: after a
 * failed verification (bad signature, wrong digest length, garbage) the same
 * key must still verify the next good signature and reject the next bad one.
 */
static void check_reuse(const struct alg_case *ac)
{
	ldns_key *k = f_key(ac->alg, ac->bits, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key_list *kl = ldns_key_list_new();
	ldns_rr *key = f_dnskey(k);
	ldns_rr_list *set = one(f_rr("www.idp.test. 300 IN A 203.0.113.81"));
	ldns_rr_list *set2 = one(f_rr("ftp.idp.test. 300 IN TXT \"x\""));
	ldns_rr_list *sigs, *sigs2, *bad, *junk;
	ldns_rdf *sd;
	int i;

	ldns_key_list_push_key(kl, k);
	sigs = ldns_sign_public(set, kl);
	sigs2 = ldns_sign_public(set2, kl);
	bad = ldns_rr_list_clone(sigs);
	ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(bad, 0), 8))[7] ^= 0x40;
	junk = ldns_rr_list_clone(sigs); /* a signature of the wrong size, all ones */
	sd = ldns_rr_rdf(ldns_rr_list_rr(junk, 0), 8);
	ldns_rdf_set_size(sd, ldns_rdf_size(sd) / 2);
	memset(ldns_rdf_data(sd), 0xff, ldns_rdf_size(sd));
	for (i = 0; i < 3; i++) {
		CHECK_EQ_INT(verify(set, bad, key), VAL_BOGUS);
		CHECK_EQ_INT(verify(set, sigs, key), VAL_SECURE);
		CHECK_EQ_INT(verify(set, junk, key), VAL_BOGUS);
		CHECK_EQ_INT(verify(set2, sigs2, key), VAL_SECURE);
		CHECK_EQ_INT(verify(set2, sigs, key), VAL_BOGUS); /* signature of another set */
		CHECK_EQ_INT(verify(set, sigs, key), VAL_SECURE);
	}
	ldns_rr_list_deep_free(bad);
	ldns_rr_list_deep_free(junk);
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(set2);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(sigs2);
	ldns_rr_free(key);
	ldns_key_list_free(kl); /* frees k too */
}

static void test_context_reuse_after_failure(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_reuse(&cases[i]);
}

/* Signatures the validator found in its memo so far. */
static uint64_t remembered(void)
{
	struct val_stats st;

	validator_get_stats(v, &st);
	return st.signatures_remembered;
}

/*
 * Once a signature verified and is remembered (the count of memo hits shows
 * it is), the same signature still fails outside its validity window, with
 * another key, with its bytes changed, and over another address, while every
 * wildcard expansion it covers verifies; after a flush of everything the
 * memo is empty and the same answers come from the verifier itself.
 */
static void test_signature_memo(void)
{
	ldns_key *k =
	    f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key *k2 =
	    f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key_list *kl = ldns_key_list_new();
	ldns_rr *key = f_dnskey(k), *other = f_dnskey(k2), *imp = same_tag_impostor(key);
	ldns_rr_list *wset = one(f_rr("*.wild.idp.test. 300 IN A 203.0.113.83")), *sigs, *bad;
	char name[64];
	uint64_t r0;
	int i, round;

	ldns_key_list_push_key(kl, k);
	sigs = ldns_sign_public(wset, kl);
	bad = ldns_rr_list_clone(sigs);
	ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(bad, 0), 8))[7] ^= 0x01;
	for (round = 0; round < 2; round++) {
		r0 = remembered();
		CHECK_EQ_INT(verify(wset, sigs, key), VAL_SECURE);
		CHECK(remembered() == r0); /* the first time: verified, not remembered */
		for (i = 0; i < 20; i++) {
			ldns_rr_list *x;

			snprintf(name, sizeof(name), "n%d.wild.idp.test. 300 IN A 203.0.113.%d", i,
				 i % 2 ? 83 : 84);
			x = one(f_rr(name));
			CHECK_EQ_INT(verify(x, sigs, key), i % 2 ? VAL_SECURE : VAL_BOGUS);
			ldns_rr_list_deep_free(x);
		}
		CHECK(remembered() == r0 + 10); /* each expansion with the right address */
		CHECK_EQ_INT(verify_at(wset, sigs, key, FAKE_T0 + 86400 + 400), VAL_BOGUS);
		CHECK_EQ_INT(verify_at(wset, sigs, key, FAKE_T0 - 3600 - 400), VAL_BOGUS);
		CHECK_EQ_INT(verify(wset, sigs, other), VAL_BOGUS);
		CHECK_EQ_INT(verify(wset, sigs, imp), VAL_BOGUS);
		CHECK_EQ_INT(verify(wset, bad, key), VAL_BOGUS);
		CHECK(remembered() == r0 + 10);
		validator_flush(v, NULL);
	}
	ldns_rr_list_deep_free(wset);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(bad);
	ldns_rr_free(key);
	ldns_rr_free(other);
	ldns_rr_free(imp);
	ldns_key_list_free(kl);
	ldns_key_deep_free(k2);
}

/* More distinct keys than the cache holds: evictions never confuse keys. */
static void test_key_cache_eviction(void)
{
	ldns_key *k = f_key(LDNS_SIGN_ED25519, 256, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key_list *kl = ldns_key_list_new();
	ldns_rr *key = f_dnskey(k);
	ldns_rr_list *set = one(f_rr("www.idp.test. 300 IN A 203.0.113.81")), *sigs;
	int i;

	ldns_key_list_push_key(kl, k);
	sigs = ldns_sign_public(set, kl);
	for (i = 0; i < 300; i++) {
		ldns_rr *imp = ldns_rr_clone(key);
		uint8_t *pk = ldns_rdf_data(ldns_rr_rdf(imp, 3));

		pk[i % 32] ^= (uint8_t)(1 + i / 32);
		CHECK_EQ_INT(verify(set, sigs, imp), VAL_BOGUS);
		ldns_rr_free(imp);
		if (i % 50 == 0)
			CHECK_EQ_INT(verify(set, sigs, key), VAL_SECURE);
	}
	CHECK_EQ_INT(verify(set, sigs, key), VAL_SECURE);
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_free(key);
	ldns_key_list_free(kl); /* frees k too */
}

int main(void)
{
	struct dw_config *c = calloc(1, sizeof(*c));
	char err[256];

	config_defaults(c);
	c->n_anchors = 1;
	snprintf(c->anchors[0].inline_rr, sizeof(c->anchors[0].inline_rr),
		 ". 3600 IN DS 1 13 2 00");
	v = validator_new(c, err, sizeof(err));
	if (!v) {
		printf("FAIL validator_new: %s\n", err);
		return 1;
	}
	RUN_TEST(test_each_algorithm);
	RUN_TEST(test_key_cache_eviction);
	RUN_TEST(test_context_reuse_after_failure);
	RUN_TEST(test_signature_memo);
	validator_free(v);
	free(c);
	HARNESS_EXIT();
}
