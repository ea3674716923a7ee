// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_chain.c: the chain of trust. From the closest trust anchor down, one
 * label at a time: the parent's signed DS (or its signed proof that there is
 * none: an insecure delegation, or no cut at all), then the child's DNSKEY
 * set matched against the DS and self-signed. Then the answer itself: every
 * RRset of a CNAME/DNAME chain against its own zone's keys (weakest link),
 * wildcard expansions and denials against NSEC/NSEC3 proofs. Results are
 * cached with expiry = min(TTL, RRSIG expiration); failures briefly.
 */
#include <string.h>

#include "common/log.h"
#include "validator/val_internal.h"

#define DS_CUT		  0	      /* truth.rcode of a CACHE_DS entry: a secure delegation */
#define DS_NOCUT	  1	      /* the name is inside its parent's zone */
#define DENIAL_RRSETS_MAX 16	      /* NSEC/NSEC3/SOA RRsets looked at per denial */
#define BIG_TTL		  0x7fffffffu /* TTL marker for data no signature bounds */

static const char *dotted(const ldns_rdf *n, char *buf, size_t len)
{
	name_str(n, buf, len);
	if (strcmp(buf, ".") && strlen(buf) + 1 < len)
		strcat(buf, ".");
	return buf;
}

static ldns_rr_list *rrset_get(const ldns_rr_list *sec, const ldns_rdf *owner, ldns_rr_type type)
{
	ldns_rr_list *out = ldns_rr_list_new();
	size_t i;

	for (i = 0; out && i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);

		if (ldns_rr_get_type(rr) == type && name_eq(ldns_rr_owner(rr), owner))
			ldns_rr_list_push_rr(out, ldns_rr_clone(rr));
	}
	return out;
}

static ldns_rr_list *sigs_get(const ldns_rr_list *sec, const ldns_rdf *owner, ldns_rr_type covered)
{
	ldns_rr_list *out = ldns_rr_list_new();
	size_t i;

	for (i = 0; out && i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && ldns_rr_rd_count(rr) >= 9 &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == covered &&
		    name_eq(ldns_rr_owner(rr), owner))
			ldns_rr_list_push_rr(out, ldns_rr_clone(rr));
	}
	return out;
}

/* Append copies to t->rrs with the TTL a copy may carry at most. */
static void truth_add(struct val_truth *t, const ldns_rr_list *rrs, uint32_t max_ttl)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(rrs, i));

		if (!c)
			continue;
		ldns_rr_set_ttl(c, max_ttl);
		ldns_rr_list_push_rr(t->rrs, c);
	}
}

static void list_add(ldns_rr_list *to, const ldns_rr_list *from)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(from); i++)
		ldns_rr_list_push_rr(to, ldns_rr_clone(ldns_rr_list_rr(from, i)));
}

static uint32_t sig_origttl(const ldns_rr_list *sigs)
{
	return ldns_rr_list_rr_count(sigs)
		   ? ldns_rdf2native_int32(ldns_rr_rrsig_origttl(ldns_rr_list_rr(sigs, 0)))
		   : BIG_TTL;
}

static void truth_init(struct val_truth *t, const struct validator *v)
{
	memset(t, 0, sizeof(*t));
	t->rrs = ldns_rr_list_new();
	t->st.outcome = VAL_SECURE;
	t->st.ttl = v->cfg.limits.max_verdict_ttl;
}

static void min_ttl(struct val_status *st, uint32_t ttl)
{
	if (ttl < st->ttl)
		st->ttl = ttl;
}

/* Failures are remembered only briefly (negative cache). */
static void cache_result(struct val_work *w, enum cache_kind kind, const ldns_rdf *name,
			 uint16_t type, struct val_truth *t)
{
	if (t->st.outcome == VAL_BOGUS || t->st.outcome == VAL_INDETERMINATE)
		min_ttl(&t->st, w->v->cfg.limits.negative_cache_ttl);
	cache_put(w->v->cache, kind, name, type, w->now, t);
}

static bool cached(struct val_work *w, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
		   struct val_truth *t)
{
	if (cache_get(w->v->cache, kind, name, type, w->now, t)) {
		w->v->stats.cache_hits++;
		return true;
	}
	w->v->stats.cache_misses++;
	return false;
}

/* Verify every NSEC/NSEC3 (and SOA) RRset of the authority section under zone. */
static void verify_denial(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *zone,
			  const ldns_rr_list *keys, ldns_rr_list *proofs, struct val_truth *t)
{
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);
	size_t i, done = 0;

	for (i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);
		ldns_rr_type ty = ldns_rr_get_type(rr);
		ldns_rr_list *set, *sigs;
		struct val_status st;
		size_t j;
		bool seen = false;

		if ((ty != LDNS_RR_TYPE_NSEC && ty != LDNS_RR_TYPE_NSEC3 &&
		     ty != LDNS_RR_TYPE_SOA) ||
		    !name_under(ldns_rr_owner(rr), zone))
			continue;
		for (j = 0; j < i && !seen; j++) /* once per RRset */
			seen = ldns_rr_get_type(ldns_rr_list_rr(auth, j)) == ty &&
			       name_eq(ldns_rr_owner(ldns_rr_list_rr(auth, j)), ldns_rr_owner(rr));
		if (seen)
			continue;
		if (++done > DENIAL_RRSETS_MAX) {
			work_limit(w, "denial RRsets");
			break;
		}
		set = rrset_get(auth, ldns_rr_owner(rr), ty);
		sigs = sigs_get(auth, ldns_rr_owner(rr), ty);
		sig_verify_rrset(w, set, sigs, keys, zone, &st, NULL);
		if (st.outcome == VAL_SECURE) {
			if (ty != LDNS_RR_TYPE_SOA)
				list_add(proofs, set);
			truth_add(t, set, sig_origttl(sigs));
			truth_add(t, sigs, sig_origttl(sigs));
			min_ttl(&t->st, st.ttl);
		} else {
			status_merge(&t->st, &st);
		}
		ldns_rr_list_deep_free(set);
		ldns_rr_list_deep_free(sigs);
	}
}

static bool has_type(const ldns_rr_list *l, ldns_rr_type t)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t)
			return true;
	return false;
}

/* The DNSKEYs of a trust anchor that are in the served set. */
static ldns_rr_list *keys_by_anchor(const struct val_anchor *a, const ldns_rr_list *keys)
{
	ldns_rr_list *out = ldns_rr_list_new();
	size_t i;

	for (i = 0; out && i < ldns_rr_list_rr_count(keys); i++)
		if (judge_rr_in(ldns_rr_list_rr(keys, i), a->dnskey, false))
			ldns_rr_list_push_rr(out, ldns_rr_clone(ldns_rr_list_rr(keys, i)));
	return out;
}

/*
 * The DNSKEYs that a usable DS matches. *usable tells whether any DS could be
 * used at all (an unknown algorithm or digest makes the zone insecure).
 */
static ldns_rr_list *keys_by_ds(struct val_work *w, const ldns_rr_list *ds,
				const ldns_rr_list *keys, bool *usable, char *why, size_t len)
{
	ldns_rr_list *out = ldns_rr_list_new();
	size_t i, j, n = ldns_rr_list_rr_count(keys);
	uint32_t tried = 0;

	*usable = false;
	for (i = 0; out && i < ldns_rr_list_rr_count(ds); i++) {
		const ldns_rr *d = ldns_rr_list_rr(ds, i);
		char z[CFG_NAME_LEN];

		if (!sig_ds_usable(d, w->v->allow_sha1_ds))
			continue;
		*usable = true;
		for (j = 0; j < n; j++) {
			const ldns_rr *k = ldns_rr_list_rr(keys, j);

			if (ldns_rr_rd_count(k) < 4 ||
			    sig_keytag(k) != ldns_rdf2native_int16(ldns_rr_rdf(d, 0)))
				continue;
			if (++tried > w->v->cfg.limits.keys_per_tag * 4) {
				work_limit(w, "DNSKEYs matched against DS");
				break;
			}
			if (sig_ds_matches(d, k))
				ldns_rr_list_push_rr(out, ldns_rr_clone(k));
		}
		if (!ldns_rr_list_rr_count(out))
			snprintf(why, len, "DS %s %u/%u/%u matches no DNSKEY",
				 name_str(ldns_rr_owner(d), z, sizeof(z)),
				 ldns_rdf2native_int16(ldns_rr_rdf(d, 0)),
				 ldns_rdf2native_int8(ldns_rr_rdf(d, 1)),
				 ldns_rdf2native_int8(ldns_rr_rdf(d, 2)));
	}
	return out;
}

/* Fetch and validate zone's DNSKEY set from its DS set or its anchor. */
static void dnskey_lookup(struct val_work *w, const ldns_rdf *zone, const ldns_rr_list *ds,
			  const struct val_anchor *anchor, struct val_truth *t)
{
	char z[CFG_NAME_LEN], err[VAL_REASON_LEN] = "", why[VAL_REASON_LEN] = "";
	ldns_rr_list *keys = NULL, *sigs = NULL, *trusted = NULL;
	ldns_pkt *pkt = NULL;
	bool usable = true;

	if (cached(w, CACHE_KEYS, zone, LDNS_RR_TYPE_DNSKEY, t))
		return;
	truth_init(t, w->v);
	t->zone = ldns_rdf_clone(zone);
	dotted(zone, z, sizeof(z));
	if (upstream_query(w, zone, LDNS_RR_TYPE_DNSKEY, &pkt, err, sizeof(err))) {
		status_set(&t->st, VAL_INDETERMINATE, "%s", err);
		goto out;
	}
	keys = rrset_get(ldns_pkt_answer(pkt), zone, LDNS_RR_TYPE_DNSKEY);
	sigs = sigs_get(ldns_pkt_answer(pkt), zone, LDNS_RR_TYPE_DNSKEY);
	if (!ldns_rr_list_rr_count(keys)) {
		status_set(&t->st, VAL_BOGUS, "no DNSKEY for %s (its DS says it is signed)", z);
		goto out;
	}
	if (anchor) {
		trusted = keys_by_anchor(anchor, keys);
		if (ldns_rr_list_rr_count(anchor->ds)) {
			ldns_rr_list *more =
			    keys_by_ds(w, anchor->ds, keys, &usable, why, sizeof(why));

			list_add(trusted, more);
			ldns_rr_list_deep_free(more);
		}
		if (!ldns_rr_list_rr_count(trusted) && !why[0])
			snprintf(why, sizeof(why), "trust anchor for %s matches no DNSKEY", z);
	} else {
		trusted = keys_by_ds(w, ds, keys, &usable, why, sizeof(why));
	}
	if (!usable && !ldns_rr_list_rr_count(trusted)) {
		status_set(&t->st, VAL_INSECURE, "DS for %s uses only unsupported algorithms", z);
		goto out;
	}
	if (!ldns_rr_list_rr_count(trusted)) {
		status_set(&t->st, VAL_BOGUS, "%s", why);
		goto out;
	}
	sig_verify_rrset(w, keys, sigs, trusted, zone, &t->st, NULL);
	if (t->st.outcome == VAL_SECURE) {
		min_ttl(&t->st, w->v->cfg.limits.max_verdict_ttl);
		truth_add(t, keys, sig_origttl(sigs));
		work_trace(w, "%s DNSKEY: %zu keys, secure (%s)", z, ldns_rr_list_rr_count(keys),
			   t->st.reason);
	}
out:
	if (t->st.outcome != VAL_SECURE)
		work_trace(w, "%s DNSKEY: %s: %s", z, val_outcome_name(t->st.outcome),
			   t->st.reason);
	cache_result(w, CACHE_KEYS, zone, LDNS_RR_TYPE_DNSKEY, t);
	ldns_rr_list_deep_free(keys);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(trusted);
	ldns_pkt_free(pkt);
}

/* A negative DS answer: no cut, or an insecure delegation, proven by the parent. */
static void ds_denied(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *child,
		      const ldns_rdf *parent, const ldns_rr_list *pkeys, struct val_truth *t)
{
	char c[CFG_NAME_LEN], p[CFG_NAME_LEN], why[VAL_REASON_LEN] = "";
	ldns_rr_list *proofs = ldns_rr_list_new();
	enum proof pr;
	bool cut = false, n3;

	name_str(child, c, sizeof(c));
	dotted(parent, p, sizeof(p));
	verify_denial(w, pkt, parent, pkeys, proofs, t);
	if (t->st.outcome != VAL_SECURE)
		goto out;
	n3 = !has_type(proofs, LDNS_RR_TYPE_NSEC) && has_type(proofs, LDNS_RR_TYPE_NSEC3);
	pr = n3 ? nsec3_no_ds(w, proofs, child, parent, &cut, why, sizeof(why))
		: nsec_no_ds(proofs, child, &cut, why, sizeof(why));
	if (pr == PROOF_NONE) {
		status_set(&t->st, VAL_BOGUS, "no proof that %s has no DS: %s", c, why);
	} else if (pr == PROOF_INSECURE) {
		status_set(&t->st, VAL_INSECURE, "insecure delegation %s (%s at %s)", c, why, p);
	} else if (cut) {
		status_set(&t->st, VAL_INSECURE, "insecure delegation %s (%s at %s proves no DS)",
			   c, n3 ? "NSEC3" : "NSEC", p);
	} else {
		t->rcode = DS_NOCUT;
		status_set(&t->st, VAL_SECURE, "%s is not a zone cut (%s at %s)", c,
			   n3 ? "NSEC3" : "NSEC", p);
	}
out:
	ldns_rr_list_deep_free(proofs);
}

/* The parent's answer about child's DS, validated with the parent's keys. */
static void ds_lookup(struct val_work *w, const ldns_rdf *child, const ldns_rdf *parent,
		      const ldns_rr_list *pkeys, struct val_truth *t)
{
	char c[CFG_NAME_LEN], err[VAL_REASON_LEN];
	ldns_rr_list *ds = NULL, *sigs = NULL, *cn = NULL;
	ldns_pkt *pkt = NULL;

	if (cached(w, CACHE_DS, child, LDNS_RR_TYPE_DS, t))
		return;
	truth_init(t, w->v);
	dotted(child, c, sizeof(c));
	if (upstream_query(w, child, LDNS_RR_TYPE_DS, &pkt, err, sizeof(err))) {
		status_set(&t->st, VAL_INDETERMINATE, "%s", err);
		goto out;
	}
	ds = rrset_get(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_DS);
	cn = rrset_get(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_CNAME);
	if (ldns_rr_list_rr_count(ds)) {
		sigs = sigs_get(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_DS);
		sig_verify_rrset(w, ds, sigs, pkeys, parent, &t->st, NULL);
		if (t->st.outcome == VAL_SECURE) {
			t->rcode = DS_CUT;
			truth_add(t, ds, sig_origttl(sigs));
			work_trace(w, "%s DS: %zu records, secure (%s)", c,
				   ldns_rr_list_rr_count(ds), t->st.reason);
		}
	} else if (ldns_rr_list_rr_count(cn)) {
		sigs = sigs_get(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_CNAME);
		sig_verify_rrset(w, cn, sigs, pkeys, parent, &t->st, NULL);
		t->rcode = DS_NOCUT; /* a CNAME owner cannot be a delegation */
	} else {
		ds_denied(w, pkt, child, parent, pkeys, t);
		if (t->st.outcome != VAL_SECURE || t->rcode != DS_NOCUT)
			work_trace(w, "%s DS: %s: %s", c, val_outcome_name(t->st.outcome),
				   t->st.reason);
	}
	if (t->st.outcome == VAL_BOGUS && !ldns_rr_list_rr_count(ds))
		work_trace(w, "%s DS: bogus: %s", c, t->st.reason);
out:
	cache_result(w, CACHE_DS, child, LDNS_RR_TYPE_DS, t);
	ldns_rr_list_deep_free(ds);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(cn);
	ldns_pkt_free(pkt);
}

/* Move src's keys into dst (the walk's current zone). */
static void take(struct val_truth *dst, struct val_truth *src)
{
	truth_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void chain_walk(struct val_work *w, const ldns_rdf *name, struct val_truth *t)
{
	const struct val_anchor *a = anchors_closest(&w->v->anchors, name);
	struct val_truth ds, keys;
	ldns_rdf *cur;
	uint32_t depth = 0;
	char n[CFG_NAME_LEN];

	memset(t, 0, sizeof(*t));
	if (!a) {
		truth_init(t, w->v);
		status_set(&t->st, VAL_INSECURE, "no trust anchor covers %s",
			   name_str(name, n, sizeof(n)));
		return;
	}
	work_trace(w, "anchor %s: %zu DS, %zu DNSKEY (%s)", dotted(a->zone, n, sizeof(n)),
		   ldns_rr_list_rr_count(a->ds), ldns_rr_list_rr_count(a->dnskey), a->source);
	dnskey_lookup(w, a->zone, NULL, a, t);
	if (t->st.outcome != VAL_SECURE)
		return;
	cur = ldns_rdf_clone(a->zone);
	while (!name_eq(cur, name)) {
		ldns_rdf *child = name_child_toward(cur, name);

		if (!child || ++depth > w->v->cfg.limits.chain_depth) {
			work_limit(w, "chain depth");
			status_set(&t->st, VAL_BOGUS, "limit: more than %u labels walked below %s",
				   w->v->cfg.limits.chain_depth, name_str(cur, n, sizeof(n)));
			ldns_rdf_deep_free(child);
			break;
		}
		ds_lookup(w, child, cur, t->rrs, &ds);
		if (ds.st.outcome == VAL_SECURE && ds.rcode == DS_NOCUT) {
			truth_clear(&ds);
			ldns_rdf_deep_free(cur);
			cur = child;
			continue;
		}
		if (ds.st.outcome != VAL_SECURE) {
			t->st = ds.st;
			truth_clear(&ds);
			ldns_rdf_deep_free(child);
			break;
		}
		dnskey_lookup(w, child, ds.rrs, NULL, &keys);
		min_ttl(&keys.st, ds.st.ttl);
		min_ttl(&keys.st, t->st.ttl);
		truth_clear(&ds);
		take(t, &keys);
		ldns_rdf_deep_free(cur);
		cur = child;
		if (t->st.outcome != VAL_SECURE)
			break;
	}
	ldns_rdf_deep_free(cur);
}

void chain_zone_keys(struct val_work *w, const ldns_rdf *zone, struct val_truth *t)
{
	char z[CFG_NAME_LEN];

	if (cached(w, CACHE_KEYS, zone, LDNS_RR_TYPE_DNSKEY, t))
		return;
	chain_walk(w, zone, t);
	if (t->st.outcome == VAL_SECURE && (!t->zone || !name_eq(t->zone, zone)))
		status_set(&t->st, VAL_BOGUS,
			   "signer %s is not a zone (no secure delegation to it)",
			   name_str(zone, z, sizeof(z)));
}

/* The signer zone of sigs that is an ancestor of owner, or NULL. */
static const ldns_rdf *sigs_signer(const ldns_rr_list *sigs, const ldns_rdf *owner)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		const ldns_rdf *s = ldns_rr_rrsig_signame(ldns_rr_list_rr(sigs, i));

		if (s && name_under(owner, s))
			return s;
	}
	return NULL;
}

/*
 * Validate one RRset: against its signer's keys when signed; when unsigned,
 * only a proven insecure delegation above it makes it acceptable (INSECURE).
 * zone_out gets the signer (or closest zone), keys_out its keys when secure.
 */
static void validate_rrset(struct val_work *w, ldns_rr_list *set, const ldns_rr_list *sigs,
			   struct val_status *st, ldns_rdf **zone_out, ldns_rr_list **keys_out,
			   uint8_t *labels)
{
	const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(set, 0));
	const ldns_rdf *signer = sigs_signer(sigs, owner);
	struct val_truth k;
	char o[CFG_NAME_LEN], z[CFG_NAME_LEN], tb[16];

	name_str(owner, o, sizeof(o));
	type_str(ldns_rr_list_type(set), tb, sizeof(tb));
	if (!signer) {
		chain_walk(w, owner, &k);
		if (k.st.outcome == VAL_SECURE)
			status_set(st, VAL_BOGUS, "no RRSIG for %s/%s in signed zone %s", o, tb,
				   k.zone ? name_str(k.zone, z, sizeof(z)) : "?");
		else
			*st = k.st;
	} else {
		chain_zone_keys(w, signer, &k);
		if (k.st.outcome == VAL_SECURE) {
			uint32_t kttl = k.st.ttl;

			sig_verify_rrset(w, set, sigs, k.rrs, signer, st, labels);
			min_ttl(st, kttl);
		} else {
			*st = k.st;
		}
	}
	if (zone_out && !*zone_out)
		*zone_out =
		    k.zone ? ldns_rdf_clone(k.zone) : (signer ? ldns_rdf_clone(signer) : NULL);
	if (keys_out && st->outcome == VAL_SECURE) {
		*keys_out = k.rrs;
		k.rrs = NULL;
	}
	truth_clear(&k);
}

/* Verified denial records for a wildcard expansion or a negative answer. */
static ldns_rr_list *denial_proofs(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *zone,
				   const ldns_rr_list *keys, struct val_truth *t)
{
	ldns_rr_list *proofs = ldns_rr_list_new();

	verify_denial(w, pkt, zone, keys, proofs, t);
	return proofs;
}

static bool is_nsec3_proof(const ldns_rr_list *proofs)
{
	return !has_type(proofs, LDNS_RR_TYPE_NSEC) && has_type(proofs, LDNS_RR_TYPE_NSEC3);
}

static void check_wildcard(struct val_work *w, const ldns_pkt *pkt, ldns_rr_list *set,
			   const ldns_rr_list *sigs, uint8_t labels, const ldns_rdf *zone,
			   const ldns_rr_list *keys, struct val_truth *t)
{
	const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(set, 0));
	uint8_t ol = ldns_dname_label_count(owner);
	ldns_rdf *ce;
	ldns_rr_list *proofs;
	char why[VAL_REASON_LEN] = "";
	enum proof p;

	if (ldns_dname_is_wildcard(owner) || labels >= ol)
		return;
	ce = ldns_dname_clone_from(owner, ol - labels);
	proofs = denial_proofs(w, pkt, zone, keys, t);
	p = is_nsec3_proof(proofs) ? nsec3_no_exact(w, proofs, owner, ce, why, sizeof(why))
				   : nsec_no_exact(proofs, owner, why, sizeof(why));
	if (p == PROOF_NONE) {
		struct val_status b;

		status_set(&b, VAL_BOGUS, "%s", why);
		status_merge(&t->st, &b);
	} else if (p == PROOF_INSECURE) {
		struct val_status b;

		status_set(&b, VAL_INSECURE, "%s", why);
		status_merge(&t->st, &b);
	} else {
		char o[CFG_NAME_LEN], c[CFG_NAME_LEN];

		work_trace(w, "%s: wildcard expansion of *.%s, no exact match proven",
			   name_str(owner, o, sizeof(o)), name_str(ce, c, sizeof(c)));
		/* One label below the encloser: later names there can be answered from it. */
		if (t->st.outcome == VAL_SECURE && ol == labels + 1)
			aggr_note_wildcard(w, ce, set, sigs, proofs, zone, t->st.ttl);
	}
	ldns_rdf_deep_free(ce);
	ldns_rr_list_deep_free(proofs);
}

/* Validate one answer RRset (and its wildcard proof) into t. */
static void answer_rrset(struct val_work *w, const ldns_pkt *pkt, ldns_rr_list *set,
			 struct val_truth *t)
{
	const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(set, 0));
	ldns_rr_list *sigs = sigs_get(ldns_pkt_answer(pkt), owner, ldns_rr_list_type(set));
	ldns_rr_list *keys = NULL;
	ldns_rdf *zone = NULL;
	struct val_status st;
	uint8_t labels = 255;
	char o[CFG_NAME_LEN], tb[16];

	validate_rrset(w, set, sigs, &st, &zone, &keys, &labels);
	work_trace(w, "%s %s: %s (%s)", dotted(owner, o, sizeof(o)),
		   type_str(ldns_rr_list_type(set), tb, sizeof(tb)), val_outcome_name(st.outcome),
		   st.reason);
	status_merge(&t->st, &st);
	truth_add(t, set, st.outcome == VAL_SECURE ? sig_origttl(sigs) : BIG_TTL);
	truth_add(t, sigs, st.outcome == VAL_SECURE ? sig_origttl(sigs) : BIG_TTL);
	if (st.outcome == VAL_SECURE && zone)
		check_wildcard(w, pkt, set, sigs, labels, zone, keys, t);
	ldns_rdf_deep_free(t->zone);
	t->zone = zone;
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(keys);
}

/* The zone whose signed denial/SOA in the authority section speaks for name. */
static const ldns_rdf *denial_signer(const ldns_pkt *pkt, const ldns_rdf *name)
{
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);
		const ldns_rdf *s;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || ldns_rr_rd_count(rr) < 9)
			continue;
		s = ldns_rr_rrsig_signame(rr);
		if (s && name_under(name, s) && name_under(ldns_rr_owner(rr), s))
			return s;
	}
	return NULL;
}

static void negative_unsigned(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *name,
			      ldns_rr_type qtype, struct val_truth *t)
{
	struct val_truth k;
	char n[CFG_NAME_LEN], z[CFG_NAME_LEN], tb[16];

	name_str(name, n, sizeof(n));
	type_str(qtype, tb, sizeof(tb));
	chain_walk(w, name, &k);
	if (k.st.outcome == VAL_SECURE)
		status_set(&k.st, VAL_BOGUS, "no signed denial for %s/%s in signed zone %s", n, tb,
			   k.zone ? name_str(k.zone, z, sizeof(z)) : "?");
	status_merge(&t->st, &k.st);
	truth_add(t, ldns_pkt_authority(pkt), BIG_TTL);
	if (!t->zone && k.zone)
		t->zone = ldns_rdf_clone(k.zone);
	truth_clear(&k);
}

static void negative(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *name,
		     ldns_rr_type qtype, struct val_truth *t)
{
	const ldns_rdf *zone = denial_signer(pkt, name);
	bool nx = ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN;
	char n[CFG_NAME_LEN], tb[16], why[VAL_REASON_LEN] = "";
	struct val_truth k;
	struct val_status st;
	ldns_rr_list *proofs;
	enum proof p;

	name_str(name, n, sizeof(n));
	type_str(qtype, tb, sizeof(tb));
	if (!zone) {
		negative_unsigned(w, pkt, name, qtype, t);
		return;
	}
	chain_zone_keys(w, zone, &k);
	if (k.st.outcome != VAL_SECURE) {
		status_merge(&t->st, &k.st);
		truth_add(t, ldns_pkt_authority(pkt), BIG_TTL);
		truth_clear(&k);
		return;
	}
	min_ttl(&t->st, k.st.ttl);
	proofs = denial_proofs(w, pkt, zone, k.rrs, t);
	if (is_nsec3_proof(proofs))
		p = nx ? nsec3_nxdomain(w, proofs, name, zone, why, sizeof(why))
		       : nsec3_nodata(w, proofs, name, qtype, zone, why, sizeof(why));
	else
		p = nx ? nsec_nxdomain(proofs, name, why, sizeof(why))
		       : nsec_nodata(proofs, name, qtype, why, sizeof(why));
	st.ttl = UINT32_MAX;
	if (p == PROOF_OK)
		status_set(&st, VAL_SECURE, "%s for %s/%s proven by %s", nx ? "NXDOMAIN" : "NODATA",
			   n, tb, is_nsec3_proof(proofs) ? "NSEC3" : "NSEC");
	else
		status_set(&st, p == PROOF_INSECURE ? VAL_INSECURE : VAL_BOGUS, "%s", why);
	work_trace(w, "%s %s: %s (%s)", dotted(name, n, sizeof(n)), tb,
		   val_outcome_name(st.outcome), st.reason);
	if (t->st.outcome == VAL_SECURE && st.outcome == VAL_SECURE)
		snprintf(t->st.reason, sizeof(t->st.reason), "%s", st.reason);
	status_merge(&t->st, &st);
	if (!t->zone)
		t->zone = ldns_rdf_clone(zone);
	ldns_rr_list_deep_free(proofs);
	truth_clear(&k);
}

/* DNAME (RFC 6672): validate it and add the CNAME it synthesises for name. */
static ldns_rdf *follow_dname(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *name,
			      struct val_truth *t)
{
	const ldns_rr_list *ans = ldns_pkt_answer(pkt);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *d = ldns_rr_list_rr(ans, i);
		ldns_rr_list *set, *syn;
		ldns_rdf *target;
		ldns_rr *cname;
		uint8_t buf[DW_NAME_MAX + 1];
		size_t plen;

		if (ldns_rr_get_type(d) != LDNS_RR_TYPE_DNAME || ldns_rr_rd_count(d) < 1 ||
		    !name_under(name, ldns_rr_owner(d)) || name_eq(name, ldns_rr_owner(d)))
			continue;
		set = rrset_get(ans, ldns_rr_owner(d), LDNS_RR_TYPE_DNAME);
		answer_rrset(w, pkt, set, t);
		ldns_rr_list_deep_free(set);
		target = NULL;
		/* name = prefix + owner (wire form): the target is prefix + DNAME target */
		plen = ldns_rdf_size(name) - ldns_rdf_size(ldns_rr_owner(d));
		if (plen + ldns_rdf_size(ldns_rr_rdf(d, 0)) <= sizeof(buf)) {
			memcpy(buf, ldns_rdf_data(name), plen);
			memcpy(buf + plen, ldns_rdf_data(ldns_rr_rdf(d, 0)),
			       ldns_rdf_size(ldns_rr_rdf(d, 0)));
			target = ldns_rdf_new_frm_data(
			    LDNS_RDF_TYPE_DNAME, plen + ldns_rdf_size(ldns_rr_rdf(d, 0)), buf);
		}
		if (!target) {
			struct val_status b;

			status_set(&b, VAL_BOGUS, "DNAME substitution is too long");
			status_merge(&t->st, &b);
			return NULL;
		}
		cname = ldns_rr_new_frm_type(LDNS_RR_TYPE_CNAME);
		syn = ldns_rr_list_new();
		if (cname && syn) {
			ldns_rr_set_owner(cname, ldns_rdf_clone(name));
			ldns_rr_set_class(cname, LDNS_RR_CLASS_IN);
			ldns_rr_push_rdf(cname, ldns_rdf_clone(target));
			ldns_rr_list_push_rr(syn, cname);
			truth_add(t, syn, ldns_rr_ttl(d));
		} else {
			ldns_rr_free(cname);
		}
		ldns_rr_list_deep_free(syn);
		return target;
	}
	return NULL;
}

void chain_validate_response(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype,
			     ldns_pkt *pkt, struct val_truth *t)
{
	const ldns_rr_list *ans = ldns_pkt_answer(pkt);
	ldns_rdf *name = ldns_rdf_clone(qname);
	uint32_t hop;

	truth_init(t, w->v);
	t->rcode = ldns_pkt_get_rcode(pkt);
	for (hop = 0; name; hop++) {
		ldns_rr_list *set = rrset_get(ans, name, qtype), *cn = NULL;
		ldns_rdf *next = NULL;

		if (hop > w->v->cfg.limits.cname_chain) {
			struct val_status b;

			work_limit(w, "CNAME chain length");
			status_set(&b, VAL_BOGUS, "limit: CNAME chain longer than %u",
				   w->v->cfg.limits.cname_chain);
			status_merge(&t->st, &b);
			ldns_rr_list_deep_free(set);
			break;
		}
		if (ldns_rr_list_rr_count(set)) {
			answer_rrset(w, pkt, set, t);
			t->rcode = LDNS_RCODE_NOERROR;
		} else if ((next = follow_dname(w, pkt, name, t))) {
			/* the DNAME proves the synthesised CNAME */
		} else if (qtype != LDNS_RR_TYPE_CNAME &&
			   ldns_rr_list_rr_count(cn = rrset_get(ans, name, LDNS_RR_TYPE_CNAME)) &&
			   ldns_rr_rd_count(ldns_rr_list_rr(cn, 0)) >= 1) {
			answer_rrset(w, pkt, cn, t);
			next = ldns_rdf_clone(ldns_rr_rdf(ldns_rr_list_rr(cn, 0), 0));
		} else {
			negative(w, pkt, name, qtype, t);
		}
		ldns_rr_list_deep_free(set);
		ldns_rr_list_deep_free(cn);
		ldns_rdf_deep_free(name);
		name = next;
		if (name)
			ldns_dname2canonical(name);
	}
	if (t->st.outcome == VAL_SECURE && !ldns_rr_list_rr_count(t->rrs) && !t->st.reason[0])
		status_set(&t->st, VAL_BOGUS, "empty answer without proof");
}

void chain_truth(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype, struct val_truth *t)
{
	char err[VAL_REASON_LEN];
	ldns_pkt *pkt = NULL;

	if (!w->fresh && cached(w, CACHE_TRUTH, qname, qtype, t))
		return;
	if (!w->fresh && aggr_synthesise(w, qname, qtype, t)) {
		cache_result(w, CACHE_TRUTH, qname, qtype, t);
		return;
	}
	if (upstream_query(w, qname, qtype, &pkt, err, sizeof(err))) {
		truth_init(t, w->v);
		status_set(&t->st, VAL_INDETERMINATE, "%s", err);
	} else {
		chain_validate_response(w, qname, qtype, pkt, t);
		ldns_pkt_free(pkt);
	}
	cache_result(w, CACHE_TRUTH, qname, qtype, t);
}
