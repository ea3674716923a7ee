// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_sig.c: the one place that calls ldns/OpenSSL cryptography: RRSIG
 * verification (with our own checks of signer, labels and validity window in
 * front, so every failure has a precise reason), DS digests and NSEC3 hashes.
 * Work is bounded: signatures per RRset and per validation, keys tried per
 * key tag; a KeyTrap zone runs out of budget and comes out BOGUS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "common/clock.h"
#include "common/log.h"
#include "validator/val_internal.h"

#define KEYS_SCANNED_MAX 64  /* DNSKEYs looked at per signature, whatever their tags */
#define SIGKEY_SLOTS	 256 /* public keys kept converted per validator (LRU) */
#define SIG_DIGEST_MAX	 64  /* SHA-512 */

/*
 * DNSKEY rdata -> EVP_PKEY costs more than the verification itself (curve
 * point checks, RSA setup), and so does OpenSSL 3's per-call set-up of a
 * verification (implicit algorithm fetches, a fresh EVP_PKEY_CTX, provider
 * key export). So each validator keeps, per key it has used (keyed by the
 * exact DNSKEY rdata bytes: no hash collision can mix keys), the converted key
 * with a verification context already initialised: for ECDSA and RSA an
 * EVP_PKEY_CTX ready for EVP_PKEY_verify over a digest, for EdDSA an
 * EVP_MD_CTX after EVP_DigestVerifyInit that is copied for each signature.
 * A validator is used by one thread at a time, so these are used in place.
 */
struct sigkey_ent {
	uint8_t *rdata;
	size_t len;
	uint64_t hash, used;
	EVP_PKEY *pk;
	EVP_PKEY_CTX *vctx; /* ECDSA, RSA: verify_init done, signature digest set */
	EVP_MD_CTX *tmpl;   /* EdDSA: DigestVerifyInit done; copied, never used itself */
};

/*
 * Signatures that verified, by the SHA-256 of what was verified (algorithm,
 * the key's rdata, the signed data, the signature; each with its length):
 * verification is a pure function of these, so a match verified before. One
 * wildcard's RRSIG or one NSEC's covers many names; without this every new
 * name pays for them again. Direct-mapped; the validity window is still
 * checked on every use. A collision needs one in SHA-256.
 */
struct sig_memo {
	uint8_t (*slot)[SHA256_DIGEST_LENGTH];
	uint32_t mask; /* slots - 1 */
};

struct sig_keycache {
	struct sigkey_ent e[SIGKEY_SLOTS];
	struct sig_memo memo;
	uint64_t tick;
	EVP_MD *sha256, *sha384, *sha512; /* fetched once, not per signature */
	EVP_MD_CTX *dctx;		  /* digest of the signed data (reset by each init) */
	EVP_MD_CTX *ectx;		  /* EdDSA: a copy of a key's template per signature */
	ldns_buffer *kbuf;		  /* DNSKEY rdata of a lookup */
	ldns_buffer *der;		  /* ECDSA r||s as DER */
	ldns_buffer *data;		  /* the signed data of the current signature */
};

void sig_keycache_free(struct sig_keycache *kc)
{
	size_t i;

	if (!kc)
		return;
	for (i = 0; i < SIGKEY_SLOTS; i++) {
		EVP_PKEY_CTX_free(kc->e[i].vctx);
		EVP_MD_CTX_free(kc->e[i].tmpl);
		EVP_PKEY_free(kc->e[i].pk);
		free(kc->e[i].rdata);
	}
	EVP_MD_free(kc->sha256);
	EVP_MD_free(kc->sha384);
	EVP_MD_free(kc->sha512);
	EVP_MD_CTX_free(kc->dctx);
	EVP_MD_CTX_free(kc->ectx);
	if (kc->kbuf)
		ldns_buffer_free(kc->kbuf);
	if (kc->der)
		ldns_buffer_free(kc->der);
	if (kc->data)
		ldns_buffer_free(kc->data);
	free(kc->memo.slot);
	free(kc);
}

struct sig_keycache *sig_keycache_new(uint32_t memo_slots)
{
	struct sig_keycache *kc = calloc(1, sizeof(struct sig_keycache));
	uint32_t n = 1;

	if (!kc)
		return NULL;
	while (memo_slots && n <= memo_slots / 2)
		n <<= 1;
	kc->memo.slot = memo_slots ? calloc(n, sizeof(*kc->memo.slot)) : NULL;
	kc->memo.mask = kc->memo.slot ? n - 1 : 0;
	kc->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	kc->sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	kc->sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	kc->dctx = EVP_MD_CTX_new();
	kc->ectx = EVP_MD_CTX_new();
	kc->kbuf = ldns_buffer_new(512);
	kc->der = ldns_buffer_new(160);
	kc->data = ldns_buffer_new(1024);
	if (!kc->sha256 || !kc->sha384 || !kc->sha512 || !kc->dctx || !kc->ectx || !kc->kbuf ||
	    !kc->der || !kc->data) {
		pr_warn("validator: cannot set up the signature verifier (digests, contexts)");
		sig_keycache_free(kc);
		return NULL;
	}
	return kc;
}

/* Algorithms verified here; others go through ldns's own verifier. */
static bool sig_alg_direct(uint8_t alg)
{
	switch (alg) {
	case LDNS_RSASHA256:
	case LDNS_RSASHA512:
	case LDNS_ECDSAP256SHA256:
	case LDNS_ECDSAP384SHA384:
	case LDNS_ED25519:
	case LDNS_ED448:
		return true;
	default:
		return false;
	}
}

/* The digest an algorithm signs over; NULL for pure EdDSA (no separate digest). */
static const EVP_MD *sig_alg_md(const struct sig_keycache *kc, uint8_t alg)
{
	switch (alg) {
	case LDNS_RSASHA256:
	case LDNS_ECDSAP256SHA256:
		return kc->sha256;
	case LDNS_RSASHA512:
		return kc->sha512;
	case LDNS_ECDSAP384SHA384:
		return kc->sha384;
	default:
		return NULL;
	}
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static EVP_PKEY *sig_rsa_pkey(const uint8_t *k, size_t len)
{
	RSA *rsa = ldns_key_buf2rsa_raw(k, len);
	EVP_PKEY *pk;

	if (!rsa)
		return NULL;
	pk = EVP_PKEY_new();
	if (!pk || !EVP_PKEY_assign_RSA(pk, rsa)) {
		RSA_free(rsa);
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}
#pragma GCC diagnostic pop

/* The same conversions ldns applies, so the same keys are accepted. */
static EVP_PKEY *sig_make_pkey(uint8_t alg, const uint8_t *k, size_t len)
{
	switch (alg) {
	case LDNS_RSASHA256:
	case LDNS_RSASHA512:
		return sig_rsa_pkey(k, len);
	case LDNS_ECDSAP256SHA256:
	case LDNS_ECDSAP384SHA384:
		return ldns_ecdsa2pkey_raw(k, len, alg);
	case LDNS_ED25519:
		return ldns_ed255192pkey_raw(k, len);
	case LDNS_ED448:
		return ldns_ed4482pkey_raw(k, len);
	default:
		return NULL;
	}
}

/*
 * The verification context of a converted key: what EVP_DigestVerifyInit
 * would set up for every signature, done once. 0, or -EINVAL.
 */
static int sig_key_prepare(const struct sig_keycache *kc, struct sigkey_ent *e, uint8_t alg)
{
	const EVP_MD *md = sig_alg_md(kc, alg);

	if (!md) {
		e->tmpl = EVP_MD_CTX_new();
		if (!e->tmpl || EVP_DigestVerifyInit(e->tmpl, NULL, NULL, NULL, e->pk) != 1)
			return -EINVAL;
		return 0;
	}
	e->vctx = EVP_PKEY_CTX_new_from_pkey(NULL, e->pk, NULL);
	if (!e->vctx || EVP_PKEY_verify_init(e->vctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(e->vctx, md) != 1)
		return -EINVAL;
	if (alg == LDNS_RSASHA256 || alg == LDNS_RSASHA512)
		return EVP_PKEY_CTX_set_rsa_padding(e->vctx, RSA_PKCS1_PADDING) == 1 ? 0 : -EINVAL;
	return 0;
}

static void sig_ent_clear(struct sigkey_ent *e)
{
	EVP_PKEY_CTX_free(e->vctx);
	EVP_MD_CTX_free(e->tmpl);
	EVP_PKEY_free(e->pk);
	free(e->rdata);
	memset(e, 0, sizeof(*e));
}

static uint64_t sig_fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* DNSKEY rdata (flags, protocol, algorithm, key) in wire form into b; false on error. */
static bool sig_key_rdata(ldns_buffer *b, const ldns_rr *key)
{
	size_t i;

	ldns_buffer_clear(b);
	for (i = 0; i < 4; i++)
		if (ldns_rdf2buffer_wire(b, ldns_rr_rdf(key, i)) != LDNS_STATUS_OK)
			return false;
	return true;
}

/* Convert and prepare a key into a free entry; false when it is unusable. */
static bool sig_key_fill(const struct sig_keycache *kc, struct sigkey_ent *e, uint8_t alg,
			 const uint8_t *d, size_t len)
{
	e->pk = len > 4 ? sig_make_pkey(alg, d + 4, len - 4) : NULL;
	e->rdata = e->pk ? malloc(len) : NULL;
	if (!e->rdata || sig_key_prepare(kc, e, alg)) {
		sig_ent_clear(e);
		return false;
	}
	memcpy(e->rdata, d, len);
	e->len = len;
	return true;
}

/* The cached entry of a DNSKEY (converted, prepared), or NULL when it is unusable. */
static struct sigkey_ent *sig_key_get(struct sig_keycache *kc, const ldns_rr *key, uint8_t alg)
{
	struct sigkey_ent *e, *victim = &kc->e[0], fresh = {0};
	const uint8_t *d;
	size_t len, i;
	uint64_t h;

	if (!sig_key_rdata(kc->kbuf, key)) {
		pr_warn("validator: out of memory for a DNSKEY of algorithm %u", alg);
		return NULL;
	}
	d = ldns_buffer_begin(kc->kbuf);
	len = ldns_buffer_position(kc->kbuf);
	h = sig_fnv(d, len);
	for (i = 0; i < SIGKEY_SLOTS; i++) {
		e = &kc->e[i];
		if (e->pk && e->hash == h && e->len == len && !memcmp(e->rdata, d, len)) {
			e->used = ++kc->tick;
			return e;
		}
		if (e->used < victim->used)
			victim = e;
	}
	/* convert first: a key that does not convert never evicts a good one */
	if (!sig_key_fill(kc, &fresh, alg, d, len))
		return NULL;
	sig_ent_clear(victim);
	*victim = fresh;
	victim->hash = h;
	victim->used = ++kc->tick;
	return victim;
}

/* ECDSA r||s (RFC 6605) through ldns's own DER conversion: the encodings ldns accepts. */
static bool sig_ecdsa_der(ldns_buffer *der, const ldns_rdf *sd, const uint8_t **sig, size_t *len)
{
	ldns_buffer_clear(der);
	if (ldns_convert_ecdsa_rrsig_rdf2asn1(der, sd) != LDNS_STATUS_OK)
		return false;
	*sig = ldns_buffer_begin(der);
	*len = ldns_buffer_position(der);
	return true;
}

/* 1 when the RRSIG signature rdf verifies over data with the entry's key, 0 otherwise. */
static int sig_evp_verify(struct sig_keycache *kc, struct sigkey_ent *e, uint8_t alg,
			  const ldns_rdf *sd, const uint8_t *data, size_t data_len)
{
	const EVP_MD *md = sig_alg_md(kc, alg);
	const uint8_t *sig = ldns_rdf_data(sd);
	size_t sig_len = ldns_rdf_size(sd);
	uint8_t dg[SIG_DIGEST_MAX];
	unsigned int dg_len = 0;
	int ok = 0;

	if (e->tmpl) {
		if (EVP_MD_CTX_copy_ex(kc->ectx, e->tmpl) == 1)
			ok = EVP_DigestVerify(kc->ectx, sig, sig_len, data, data_len) == 1;
	} else if (md && e->vctx) {
		if ((alg == LDNS_ECDSAP256SHA256 || alg == LDNS_ECDSAP384SHA384) &&
		    !sig_ecdsa_der(kc->der, sd, &sig, &sig_len))
			return 0;
		if (EVP_DigestInit_ex2(kc->dctx, md, NULL) == 1 &&
		    EVP_DigestUpdate(kc->dctx, data, data_len) == 1 &&
		    EVP_DigestFinal_ex(kc->dctx, dg, &dg_len) == 1)
			ok = EVP_PKEY_verify(e->vctx, sig, sig_len, dg, dg_len) == 1;
	}
	if (!ok)
		ERR_clear_error(); /* a bad signature is an outcome, not an error to keep */
	return ok;
}

uint16_t sig_keytag(const ldns_rr *dnskey)
{
	return ldns_calc_keytag(dnskey);
}

static uint32_t rdf_u32(const ldns_rdf *r)
{
	return r ? ldns_rdf2native_int32(r) : 0;
}

/* Seconds from now to a 32-bit RRSIG time (RFC 4034 3.1.5 serial arithmetic). */
static int64_t sig_delta(uint32_t t, time_t now)
{
	return (int32_t)(t - (uint32_t)now);
}

/* "owner/TYPE" and the signer of a signature, for reasons (only built when one is written). */
struct sig_names {
	char o[CFG_NAME_LEN], z[CFG_NAME_LEN], tb[16];
};

static void sig_names_of(struct sig_names *n, const ldns_rr *rr0, const ldns_rr *sig)
{
	name_str(ldns_rr_owner(rr0), n->o, sizeof(n->o));
	type_str(ldns_rr_get_type(rr0), n->tb, sizeof(n->tb));
	name_str(sig ? ldns_rr_rrsig_signame(sig) : NULL, n->z, sizeof(n->z));
}

static bool key_usable(const ldns_rr *key, const ldns_rdf *signer, uint8_t alg, uint16_t tag)
{
	if (ldns_rr_get_type(key) != LDNS_RR_TYPE_DNSKEY || ldns_rr_rd_count(key) < 4)
		return false;
	if (!(ldns_rdf2native_int16(ldns_rr_rdf(key, 0)) & LDNS_KEY_ZONE_KEY))
		return false;
	if (ldns_rdf2native_int8(ldns_rr_rdf(key, 1)) != 3 ||
	    ldns_rdf2native_int8(ldns_rr_rdf(key, 2)) != alg)
		return false;
	return name_eq(ldns_rr_owner(key), signer) && sig_keytag(key) == tag;
}

/*
 * RSAMD5, DSA and DSA-NSEC3-SHA1 MUST NOT be validated (RFC 8624 3.1): they
 * count as unsupported, so a zone signed with them alone is insecure (RFC
 * 4035 5.2), and their signatures never make anything secure.
 */
static bool sig_alg_validated(uint8_t alg)
{
	return alg != LDNS_RSAMD5 && alg != LDNS_DSA && alg != LDNS_DSA_NSEC3 &&
	       ldns_key_algo_supported(alg);
}

/* Window and shape checks before any crypto; false with a reason when the signature cannot count. */
static bool sig_precheck(struct val_work *w, const ldns_rr *rrset0, const ldns_rr *sig,
			 const ldns_rdf *zone, char *why, size_t len)
{
	char ts[40];
	struct sig_names n;
	uint32_t skew = w->v->cfg.limits.clock_skew;
	const ldns_rdf *signer = ldns_rr_rrsig_signame(sig);
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	uint8_t labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
	uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
	const ldns_rdf *owner = ldns_rr_owner(rrset0);
	uint8_t owner_labels = ldns_dname_label_count(owner);
	int64_t d_exp = sig_delta(rdf_u32(ldns_rr_rrsig_expiration(sig)), w->now);
	int64_t d_inc = sig_delta(rdf_u32(ldns_rr_rrsig_inception(sig)), w->now);

	if (!name_eq(signer, zone) || !name_under(owner, signer)) {
		sig_names_of(&n, rrset0, sig);
		snprintf(why, len, "RRSIG %s/%s signer %s is not the zone %s", n.o, n.tb, n.z,
			 name_str(zone, ts, sizeof(ts)));
		return false;
	}
	if (ldns_dname_is_wildcard(owner))
		owner_labels--;
	if (labels <= owner_labels && sig_alg_validated(alg) && d_exp + skew >= 0 && d_inc <= skew)
		return true;
	sig_names_of(&n, rrset0, sig);
	if (labels > owner_labels)
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u has labels %u > %u", n.o, n.tb, n.z,
			 alg, tag, labels, owner_labels);
	else if (!sig_alg_validated(alg))
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u uses an unsupported algorithm", n.o,
			 n.tb, n.z, alg, tag);
	else if (d_exp + skew < 0)
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u expired %s", n.o, n.tb, n.z, alg, tag,
			 time_str(w->now + d_exp, ts, sizeof(ts)));
	else
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u not valid before %s", n.o, n.tb, n.z,
			 alg, tag, time_str(w->now + d_inc, ts, sizeof(ts)));
	return false;
}

/* A time inside the signature's window, so ldns's own window check agrees with ours (skew). */
static time_t sig_check_time(const ldns_rr *sig, time_t now)
{
	uint32_t inc = rdf_u32(ldns_rr_rrsig_inception(sig));
	uint32_t exp = rdf_u32(ldns_rr_rrsig_expiration(sig));
	uint32_t mid = inc + (exp - inc) / 2;

	if (sig_delta(inc, now) <= 0 && sig_delta(exp, now) >= 0)
		return now;
	return now + sig_delta(mid, now);
}

/*
 * The data an RRSIG signs (RFC 4034 3.1.8.1, 6.2) into b: its rdata without
 * the signature, then the RRset with the original TTL, wildcard owners
 * restored from the labels field, canonical names, canonical order. Built
 * with the same ldns steps its own verifier takes, so both sign over the same
 * bytes. False on error.
 */
static bool sig_signed_data(ldns_buffer *b, const ldns_rr_list *rrset, const ldns_rr *sig)
{
	ldns_rr_list *c = ldns_rr_list_clone(rrset);
	uint32_t ttl = rdf_u32(ldns_rr_rrsig_origttl(sig));
	uint8_t labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
	bool ok = false;
	size_t i;

	if (!c)
		return false;
	for (i = 0; i < ldns_rr_list_rr_count(c); i++) {
		ldns_rr *rr = ldns_rr_list_rr(c, i);
		uint8_t n = ldns_dname_label_count(ldns_rr_owner(rr));

		if (labels < n) {
			ldns_rdf *wild = ldns_dname_new_frm_str("*");
			ldns_rdf *base = ldns_dname_clone_from(ldns_rr_owner(rr), n - labels);

			if (!wild || !base || ldns_dname_cat(wild, base) != LDNS_STATUS_OK) {
				ldns_rdf_deep_free(wild);
				ldns_rdf_deep_free(base);
				goto out;
			}
			ldns_rdf_deep_free(base);
			ldns_rdf_deep_free(ldns_rr_owner(rr));
			ldns_rr_set_owner(rr, wild);
		}
		ldns_rr_set_ttl(rr, ttl);
		ldns_rr2canonical(rr);
	}
	if (ldns_rr_list_rr_count(c) > 1)
		ldns_rr_list_sort(c);
	ldns_buffer_clear(b);
	ok = ldns_rrsig2buffer_wire(b, sig) == LDNS_STATUS_OK &&
	     ldns_rr_list2buffer_wire(b, c) == LDNS_STATUS_OK;
out:
	ldns_rr_list_deep_free(c);
	return ok;
}

/* The timestamp test ldns applies at the check time (an inverted window never verifies). */
static bool sig_window_ok(const ldns_rr *sig, time_t at)
{
	uint32_t inc = rdf_u32(ldns_rr_rrsig_inception(sig));
	uint32_t exp = rdf_u32(ldns_rr_rrsig_expiration(sig));

	return (int32_t)(exp - inc) >= 0 && (int32_t)((uint32_t)at - inc) >= 0 &&
	       (int32_t)(exp - (uint32_t)at) >= 0;
}

void sig_memo_clear(struct sig_keycache *kc)
{
	if (kc && kc->memo.slot)
		memset(kc->memo.slot, 0, ((size_t)kc->memo.mask + 1) * sizeof(*kc->memo.slot));
}

/* The memo's name for verifying sd over data with e's key; false when it cannot be made. */
static bool sig_memo_digest(struct sig_keycache *kc, const struct sigkey_ent *e, uint8_t alg,
			    const ldns_rdf *sd, const uint8_t *data, size_t data_len,
			    uint8_t out[SHA256_DIGEST_LENGTH])
{
	uint64_t lens[3] = {e->len, data_len, ldns_rdf_size(sd)};
	unsigned int n = 0;

	return EVP_DigestInit_ex2(kc->dctx, kc->sha256, NULL) == 1 &&
	       EVP_DigestUpdate(kc->dctx, &alg, 1) == 1 &&
	       EVP_DigestUpdate(kc->dctx, lens, sizeof(lens)) == 1 &&
	       EVP_DigestUpdate(kc->dctx, e->rdata, e->len) == 1 &&
	       EVP_DigestUpdate(kc->dctx, data, data_len) == 1 &&
	       EVP_DigestUpdate(kc->dctx, ldns_rdf_data(sd), ldns_rdf_size(sd)) == 1 &&
	       EVP_DigestFinal_ex(kc->dctx, out, &n) == 1 && n == SHA256_DIGEST_LENGTH;
}

/* sig_evp_verify through the memo of signatures that verified (a hit counted in st). */
static int sig_verify_memo(struct sig_keycache *kc, struct sigkey_ent *e, uint8_t alg,
			   const ldns_rdf *sd, const uint8_t *data, size_t data_len,
			   struct val_stats *st)
{
	uint8_t dg[SHA256_DIGEST_LENGTH], *slot = NULL;
	uint32_t at;
	int ok;

	if (kc->memo.slot && sig_memo_digest(kc, e, alg, sd, data, data_len, dg)) {
		memcpy(&at, dg, sizeof(at));
		slot = kc->memo.slot[at & kc->memo.mask];
		if (!memcmp(slot, dg, sizeof(dg))) {
			st->signatures_remembered++;
			return 1;
		}
	}
	ok = sig_evp_verify(kc, e, alg, sd, data, data_len);
	if (ok && slot)
		memcpy(slot, dg, sizeof(dg));
	return ok;
}

/*
 * One signature with one key: our own path (cached, prepared key; the
 * signed data in kc->data, built on first use: *built) for the algorithms we
 * know, ldns's verifier for the rest. True when it verifies.
 */
static bool sig_verify_one(struct val_work *w, ldns_rr_list *rrset, ldns_rr *sig, ldns_rr *key,
			   bool *built)
{
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	time_t at = sig_check_time(sig, w->now);
	const ldns_rdf *sd = ldns_rr_rdf(sig, 8);
	struct sig_keycache *kc = w->v->keycache;
	struct sigkey_ent *e;

	if (!sig_alg_direct(alg) || !kc)
		return ldns_verify_rrsig_time(rrset, sig, key, at) == LDNS_STATUS_OK;
	if (!sd || !sig_window_ok(sig, at))
		return false;
	e = sig_key_get(kc, key, alg);
	if (!e)
		return false;
	if (!*built && !(*built = sig_signed_data(kc->data, rrset, sig))) {
		pr_warn("validator: cannot build the signed data of an RRSIG (algorithm %u)", alg);
		return false;
	}
	return sig_verify_memo(kc, e, alg, sd, ldns_buffer_begin(kc->data),
			       ldns_buffer_position(kc->data), &w->v->stats);
}

/*
 * Try the keys that match one signature. Returns 1 verified, 0 not, -1 when
 * a budget ran out.
 */
static int sig_try_keys(struct val_work *w, ldns_rr_list *rrset, ldns_rr *sig,
			const ldns_rr_list *keys, char *why, size_t len)
{
	const struct cfg_limits *lim = &w->v->cfg.limits;
	const ldns_rdf *signer = ldns_rr_rrsig_signame(sig);
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
	size_t i, n = ldns_rr_list_rr_count(keys);
	uint32_t tried = 0;
	struct sig_names nm;
	bool built = false; /* the signed data, built once per signature */
	uint64_t t0;
	bool ok;

	if (n > KEYS_SCANNED_MAX)
		n = KEYS_SCANNED_MAX;
	for (i = 0; i < n; i++) {
		ldns_rr *key = ldns_rr_list_rr(keys, i);

		if (!key_usable(key, signer, alg, tag))
			continue;
		if (tried >= lim->keys_per_tag) {
			work_limit(w, "DNSKEYs per key tag");
			sig_names_of(&nm, ldns_rr_list_rr(rrset, 0), sig);
			snprintf(why, len, "limit: more than %u DNSKEYs %s/%u/%u tried for %s/%s",
				 lim->keys_per_tag, nm.z, alg, tag, nm.o, nm.tb);
			return -1;
		}
		if (w->sigs >= lim->sigs_per_validation) {
			work_limit(w, "signatures per validation");
			sig_names_of(&nm, ldns_rr_list_rr(rrset, 0), sig);
			snprintf(why, len,
				 "limit: %u signature checks per validation reached at %s/%s",
				 lim->sigs_per_validation, nm.o, nm.tb);
			return -1;
		}
		tried++;
		w->sigs++;
		w->v->stats.signatures_verified++;
		t0 = clock_mono_ns();
		ok = sig_verify_one(w, rrset, sig, key, &built);
		w->v->stats.sig_verify_ns += clock_mono_ns() - t0;
		if (ok)
			return 1;
	}
	sig_names_of(&nm, ldns_rr_list_rr(rrset, 0), sig);
	if (!tried)
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u: no such DNSKEY in %s", nm.o, nm.tb,
			 nm.z, alg, tag, nm.z);
	else
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u does not verify", nm.o, nm.tb, nm.z,
			 alg, tag);
	return 0;
}

static uint32_t rrset_min_ttl(const ldns_rr_list *rrset, const ldns_rr *sig)
{
	uint32_t ttl = rdf_u32(ldns_rr_rrsig_origttl(sig));
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrset); i++)
		if (ldns_rr_ttl(ldns_rr_list_rr(rrset, i)) < ttl)
			ttl = ldns_rr_ttl(ldns_rr_list_rr(rrset, i));
	return ttl;
}

void sig_verify_rrset(struct val_work *w, ldns_rr_list *rrset, const ldns_rr_list *sigs,
		      const ldns_rr_list *keys, const ldns_rdf *zone, struct val_status *st,
		      uint8_t *labels)
{
	const struct cfg_limits *lim = &w->v->cfg.limits;
	char why[VAL_REASON_LEN] = "", z[CFG_NAME_LEN];
	size_t i, n = ldns_rr_list_rr_count(sigs);
	struct sig_names nm;
	uint32_t tried = 0;

	for (i = 0; i < n; i++) {
		ldns_rr *sig = ldns_rr_list_rr(sigs, i);
		int r;

		if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) != ldns_rr_list_type(rrset))
			continue;
		if (tried++ >= lim->sigs_per_rrset) {
			work_limit(w, "signatures per RRset");
			sig_names_of(&nm, ldns_rr_list_rr(rrset, 0), NULL);
			if (!why[0])
				snprintf(why, sizeof(why), "no RRSIG for %s/%s", nm.o, nm.tb);
			status_set(st, VAL_BOGUS, "limit: more than %u RRSIGs tried for %s/%s (%s)",
				   lim->sigs_per_rrset, nm.o, nm.tb, why);
			return;
		}
		if (!sig_precheck(w, ldns_rr_list_rr(rrset, 0), sig, zone, why, sizeof(why)))
			continue;
		r = sig_try_keys(w, rrset, sig, keys, why, sizeof(why));
		if (r < 0) {
			status_set(st, VAL_BOGUS, "%s", why);
			return;
		}
		if (r > 0) {
			int64_t left = sig_delta(rdf_u32(ldns_rr_rrsig_expiration(sig)), w->now);
			uint32_t ttl = rrset_min_ttl(rrset, sig);

			sig_names_of(&nm, ldns_rr_list_rr(rrset, 0), NULL);
			status_set(st, VAL_SECURE, "%s/%s signed by %s/%u/%u", nm.o, nm.tb,
				   name_str(zone, z, sizeof(z)),
				   ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig)),
				   ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)));
			st->ttl = left <= 0 ? 0 : (left < ttl ? (uint32_t)left : ttl);
			work_sig_expires(w, (int64_t)w->now + left);
			if (labels)
				*labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
			return;
		}
	}
	if (!why[0]) {
		sig_names_of(&nm, ldns_rr_list_rr(rrset, 0), NULL);
		snprintf(why, sizeof(why), "no RRSIG for %s/%s", nm.o, nm.tb);
	}
	status_set(st, VAL_BOGUS, "%s", why);
}

bool sig_ds_usable(const ldns_rr *ds, bool allow_sha1)
{
	uint8_t alg, digest;

	if (ldns_rr_get_type(ds) != LDNS_RR_TYPE_DS || ldns_rr_rd_count(ds) < 4)
		return false;
	alg = ldns_rdf2native_int8(ldns_rr_rdf(ds, 1));
	digest = ldns_rdf2native_int8(ldns_rr_rdf(ds, 2));
	if (!sig_alg_validated(alg))
		return false;
	return digest == LDNS_SHA256 || digest == LDNS_SHA384 ||
	       (allow_sha1 && digest == LDNS_SHA1);
}

bool sig_ds_matches(const ldns_rr *ds, const ldns_rr *dnskey)
{
	uint8_t digest = ldns_rdf2native_int8(ldns_rr_rdf(ds, 2));
	ldns_rr *made;
	bool ok;

	if (ldns_rr_get_type(dnskey) != LDNS_RR_TYPE_DNSKEY || ldns_rr_rd_count(dnskey) < 4 ||
	    !name_eq(ldns_rr_owner(ds), ldns_rr_owner(dnskey)))
		return false;
	if (ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)) != sig_keytag(dnskey) ||
	    ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)) !=
		ldns_rdf2native_int8(ldns_rr_rdf(dnskey, 2)))
		return false;
	made = ldns_key_rr2ds(dnskey, (ldns_hash)digest);
	if (!made)
		return false;
	ok = ldns_rdf_compare(ldns_rr_rdf(made, 3), ldns_rr_rdf(ds, 3)) == 0;
	ldns_rr_free(made);
	return ok;
}

int sig_nsec3_hash(const ldns_rdf *name, const uint8_t *salt, size_t salt_len, uint16_t iterations,
		   uint8_t out[20])
{
	uint8_t buf[DW_NAME_MAX + 1 + 255];
	size_t nlen = ldns_rdf_size(name), i;
	unsigned int olen = 20;
	uint32_t it;

	if (nlen > DW_NAME_MAX + 1 || salt_len > 255)
		return -EINVAL;
	memcpy(buf, ldns_rdf_data(name), nlen);
	for (i = 0; i < nlen; i++) /* canonical: lower case (length bytes are < 64) */
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] += 32;
	memcpy(buf + nlen, salt, salt_len);
	if (!EVP_Digest(buf, nlen + salt_len, out, &olen, EVP_sha1(), NULL))
		return -EINVAL;
	for (it = 0; it < iterations; it++) {
		memcpy(buf, out, 20);
		memcpy(buf + 20, salt, salt_len);
		if (!EVP_Digest(buf, 20 + salt_len, out, &olen, EVP_sha1(), NULL))
			return -EINVAL;
	}
	return 0;
}
