// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_chain.c: the chain of trust. From the closest trust anchor down, one
 * label at a time: the parent's signed DS (or its signed proof that there is
 * none: an insecure delegation, or no cut at all), then the child's DNSKEY
 * set matched against the DS and self-signed. Results are cached with
 * expiry = min(TTL, RRSIG expiration); failures briefly.
 */
#include <string.h>

#include "validator/val_internal.h"

#define DS_CUT	 0 /* truth.rcode of a CACHE_DS entry: a secure delegation */
#define DS_NOCUT 1 /* the name is inside its parent's zone */

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

	if (cache_lookup(w, CACHE_KEYS, zone, LDNS_RR_TYPE_DNSKEY, t))
		return;
	truth_init(t, w->v);
	t->zone = ldns_rdf_clone(zone);
	name_dotted(zone, z, sizeof(z));
	if (upstream_query(w, zone, LDNS_RR_TYPE_DNSKEY, &pkt, err, sizeof(err))) {
		status_set(&t->st, VAL_INDETERMINATE, "%s", err);
		goto out;
	}
	keys = rrset_get(ldns_pkt_answer(pkt), zone, LDNS_RR_TYPE_DNSKEY);
	sigs = rrset_sigs(ldns_pkt_answer(pkt), zone, LDNS_RR_TYPE_DNSKEY);
	if (!ldns_rr_list_rr_count(keys)) {
		status_set(&t->st, VAL_BOGUS, "no DNSKEY for %s (its DS says it is signed)", z);
		goto out;
	}
	if (anchor) {
		trusted = keys_by_anchor(anchor, keys);
		if (ldns_rr_list_rr_count(anchor->ds)) {
			ldns_rr_list *more =
			    keys_by_ds(w, anchor->ds, keys, &usable, why, sizeof(why));

			rrset_append(trusted, more);
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
		status_min_ttl(&t->st, w->v->cfg.limits.max_verdict_ttl);
		truth_add(t, keys, rrset_sig_ttl(sigs));
		work_trace(w, "%s DNSKEY: %zu keys, secure (%s)", z, ldns_rr_list_rr_count(keys),
			   t->st.reason);
	}
out:
	if (t->st.outcome != VAL_SECURE)
		work_trace(w, "%s DNSKEY: %s: %s", z, val_outcome_name(t->st.outcome),
			   t->st.reason);
	cache_keep(w, CACHE_KEYS, zone, LDNS_RR_TYPE_DNSKEY, t);
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
	name_dotted(parent, p, sizeof(p));
	rrset_verify_denial(w, pkt, parent, pkeys, proofs, t);
	if (t->st.outcome != VAL_SECURE)
		goto out;
	n3 = rrset_is_nsec3(proofs);
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

	if (cache_lookup(w, CACHE_DS, child, LDNS_RR_TYPE_DS, t))
		return;
	truth_init(t, w->v);
	name_dotted(child, c, sizeof(c));
	if (upstream_query(w, child, LDNS_RR_TYPE_DS, &pkt, err, sizeof(err))) {
		status_set(&t->st, VAL_INDETERMINATE, "%s", err);
		goto out;
	}
	ds = rrset_get(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_DS);
	cn = rrset_get(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_CNAME);
	if (ldns_rr_list_rr_count(ds)) {
		sigs = rrset_sigs(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_DS);
		sig_verify_rrset(w, ds, sigs, pkeys, parent, &t->st, NULL);
		if (t->st.outcome == VAL_SECURE) {
			t->rcode = DS_CUT;
			truth_add(t, ds, rrset_sig_ttl(sigs));
			work_trace(w, "%s DS: %zu records, secure (%s)", c,
				   ldns_rr_list_rr_count(ds), t->st.reason);
		}
	} else if (ldns_rr_list_rr_count(cn)) {
		sigs = rrset_sigs(ldns_pkt_answer(pkt), child, LDNS_RR_TYPE_CNAME);
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
	cache_keep(w, CACHE_DS, child, LDNS_RR_TYPE_DS, t);
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
	work_trace(w, "anchor %s: %zu DS, %zu DNSKEY (%s)", name_dotted(a->zone, n, sizeof(n)),
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
		status_min_ttl(&keys.st, ds.st.ttl);
		status_min_ttl(&keys.st, t->st.ttl);
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

	if (cache_lookup(w, CACHE_KEYS, zone, LDNS_RR_TYPE_DNSKEY, t))
		return;
	chain_walk(w, zone, t);
	if (t->st.outcome == VAL_SECURE && (!t->zone || !name_eq(t->zone, zone)))
		status_set(&t->st, VAL_BOGUS,
			   "signer %s is not a zone (no secure delegation to it)",
			   name_str(zone, z, sizeof(z)));
}
