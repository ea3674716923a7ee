// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_sig.c: the one place that calls ldns/OpenSSL cryptography: RRSIG
 * verification (with our own checks of signer, labels and validity window in
 * front, so every failure has a precise reason), DS digests and NSEC3 hashes.
 * Work is bounded: signatures per RRset and per validation, keys tried per
 * key tag; a KeyTrap zone runs out of budget and comes out BOGUS.
 */
#include <errno.h>
#include <string.h>
#include <openssl/evp.h>

#include "log.h"
#include "val_internal.h"

#define KEYS_SCANNED_MAX 64 /* DNSKEYs looked at per signature, whatever their tags */

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

/* Window and shape checks before any crypto; false with a reason when the signature cannot count. */
static bool sig_precheck(struct val_work *w, const ldns_rr *rrset0, const ldns_rr *sig,
			 const ldns_rdf *zone, char *why, size_t len)
{
	char o[CFG_NAME_LEN], z[CFG_NAME_LEN], ts[40], tb[16];
	uint32_t skew = w->v->cfg.limits.clock_skew;
	const ldns_rdf *signer = ldns_rr_rrsig_signame(sig);
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
	uint8_t labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
	uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
	const ldns_rdf *owner = ldns_rr_owner(rrset0);
	uint8_t owner_labels = ldns_dname_label_count(owner);
	int64_t d_exp = sig_delta(rdf_u32(ldns_rr_rrsig_expiration(sig)), w->now);
	int64_t d_inc = sig_delta(rdf_u32(ldns_rr_rrsig_inception(sig)), w->now);

	name_str(owner, o, sizeof(o));
	type_str(ldns_rr_get_type(rrset0), tb, sizeof(tb));
	name_str(signer, z, sizeof(z));
	if (!name_eq(signer, zone) || !name_under(owner, signer)) {
		snprintf(why, len, "RRSIG %s/%s signer %s is not the zone %s", o, tb, z,
			 name_str(zone, ts, sizeof(ts)));
		return false;
	}
	if (ldns_dname_is_wildcard(owner))
		owner_labels--;
	if (labels > owner_labels) {
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u has labels %u > %u", o, tb, z, alg, tag,
			 labels, owner_labels);
		return false;
	}
	if (!ldns_key_algo_supported(alg)) {
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u uses an unsupported algorithm", o, tb,
			 z, alg, tag);
		return false;
	}
	if (d_exp + skew < 0) {
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u expired %s", o, tb, z, alg, tag,
			 time_str(w->now + d_exp, ts, sizeof(ts)));
		return false;
	}
	if (d_inc > skew) {
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u not valid before %s", o, tb, z, alg,
			 tag, time_str(w->now + d_inc, ts, sizeof(ts)));
		return false;
	}
	return true;
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
	char o[CFG_NAME_LEN], z[CFG_NAME_LEN], tb[16];

	name_str(ldns_rr_owner(ldns_rr_list_rr(rrset, 0)), o, sizeof(o));
	name_str(signer, z, sizeof(z));
	type_str(ldns_rr_list_type(rrset), tb, sizeof(tb));
	if (n > KEYS_SCANNED_MAX)
		n = KEYS_SCANNED_MAX;
	for (i = 0; i < n; i++) {
		ldns_rr *key = ldns_rr_list_rr(keys, i);

		if (!key_usable(key, signer, alg, tag))
			continue;
		if (tried >= lim->keys_per_tag) {
			work_limit(w, "DNSKEYs per key tag");
			snprintf(why, len, "limit: more than %u DNSKEYs %s/%u/%u tried for %s/%s",
				 lim->keys_per_tag, z, alg, tag, o, tb);
			return -1;
		}
		if (w->sigs >= lim->sigs_per_validation) {
			work_limit(w, "signatures per validation");
			snprintf(why, len,
				 "limit: %u signature checks per validation reached at %s/%s",
				 lim->sigs_per_validation, o, tb);
			return -1;
		}
		tried++;
		w->sigs++;
		w->v->stats.signatures_verified++;
		if (ldns_verify_rrsig_time(rrset, sig, key, sig_check_time(sig, w->now)) ==
		    LDNS_STATUS_OK)
			return 1;
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u does not verify", o, tb, z, alg, tag);
	}
	if (!tried)
		snprintf(why, len, "RRSIG %s/%s by %s/%u/%u: no such DNSKEY in %s", o, tb, z, alg,
			 tag, z);
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
	char why[VAL_REASON_LEN] = "", o[CFG_NAME_LEN], tb[16];
	size_t i, n = ldns_rr_list_rr_count(sigs);
	uint32_t tried = 0;

	name_str(ldns_rr_owner(ldns_rr_list_rr(rrset, 0)), o, sizeof(o));
	type_str(ldns_rr_list_type(rrset), tb, sizeof(tb));
	snprintf(why, sizeof(why), "no RRSIG for %s/%s", o, tb);
	for (i = 0; i < n; i++) {
		ldns_rr *sig = ldns_rr_list_rr(sigs, i);
		int r;

		if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) != ldns_rr_list_type(rrset))
			continue;
		if (tried++ >= lim->sigs_per_rrset) {
			work_limit(w, "signatures per RRset");
			status_set(st, VAL_BOGUS, "limit: more than %u RRSIGs tried for %s/%s (%s)",
				   lim->sigs_per_rrset, o, tb, why);
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

			status_set(st, VAL_SECURE, "%s/%s signed by %s/%u/%u", o, tb,
				   name_str(zone, why, sizeof(why)),
				   ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig)),
				   ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)));
			st->ttl = left <= 0 ? 0 : (left < ttl ? (uint32_t)left : ttl);
			if (labels)
				*labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
			return;
		}
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
	if (!ldns_key_algo_supported(alg))
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
