// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_response.c: one response judged against the keys the chain of trust
 * proves (val_chain.c): every RRset of a CNAME/DNAME chain against its own
 * zone's keys (weakest link), wildcard expansions and denials against
 * NSEC/NSEC3 proofs. The truth for a question is cached with expiry =
 * min(TTL, RRSIG expiration); failures briefly.
 */
#include <string.h>

#include "validator/val_internal.h"

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
			status_min_ttl(st, kttl);
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

	rrset_verify_denial(w, pkt, zone, keys, proofs, t);
	return proofs;
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
	p = rrset_is_nsec3(proofs) ? nsec3_no_exact(w, proofs, owner, ce, true, why, sizeof(why))
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
	ldns_rr_list *sigs = rrset_sigs(ldns_pkt_answer(pkt), owner, ldns_rr_list_type(set));
	ldns_rr_list *keys = NULL;
	ldns_rdf *zone = NULL;
	struct val_status st;
	uint8_t labels = 255;
	char o[CFG_NAME_LEN], tb[16];

	validate_rrset(w, set, sigs, &st, &zone, &keys, &labels);
	work_trace(w, "%s %s: %s (%s)", name_dotted(owner, o, sizeof(o)),
		   type_str(ldns_rr_list_type(set), tb, sizeof(tb)), val_outcome_name(st.outcome),
		   st.reason);
	status_merge(&t->st, &st);
	truth_add(t, set, st.outcome == VAL_SECURE ? rrset_sig_ttl(sigs) : VAL_BIG_TTL);
	truth_add(t, sigs, st.outcome == VAL_SECURE ? rrset_sig_ttl(sigs) : VAL_BIG_TTL);
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
	truth_add(t, ldns_pkt_authority(pkt), VAL_BIG_TTL);
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
		truth_add(t, ldns_pkt_authority(pkt), VAL_BIG_TTL);
		truth_clear(&k);
		return;
	}
	status_min_ttl(&t->st, k.st.ttl);
	proofs = denial_proofs(w, pkt, zone, k.rrs, t);
	if (rrset_is_nsec3(proofs))
		p = nx ? nsec3_nxdomain(w, proofs, name, zone, why, sizeof(why))
		       : nsec3_nodata(w, proofs, name, qtype, zone, why, sizeof(why));
	else
		p = nx ? nsec_nxdomain(proofs, name, why, sizeof(why))
		       : nsec_nodata(proofs, name, qtype, why, sizeof(why));
	st.ttl = UINT32_MAX;
	if (p == PROOF_OK)
		status_set(&st, VAL_SECURE, "%s for %s/%s proven by %s", nx ? "NXDOMAIN" : "NODATA",
			   n, tb, rrset_is_nsec3(proofs) ? "NSEC3" : "NSEC");
	else
		status_set(&st, p == PROOF_INSECURE ? VAL_INSECURE : VAL_BOGUS, "%s", why);
	work_trace(w, "%s %s: %s (%s)", name_dotted(name, n, sizeof(n)), tb,
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

/*
 * The apex of qname's protected zone when that zone lets CNAME targets
 * outside it be unsigned (cname_targets_secure: false), else NULL.
 */
static ldns_rdf *relaxed_zone(const struct validator *v, const ldns_rdf *qname)
{
	const struct cfg_zone *z = name_zone(&v->cfg, qname);
	ldns_rdf *apex = NULL;

	if (!z || z->cname_targets_secure)
		return NULL;
	if (ldns_str2rdf_dname(&apex, z->name) != LDNS_STATUS_OK)
		return NULL;
	return apex;
}

/*
 * A chain that left a zone with cname_targets_secure off keeps the outcome
 * of its part inside the zone when the target is only proven unsigned
 * (bogus and indeterminate targets still count).
 */
static void relax_target(struct val_status *st, const struct val_status *before,
			 const ldns_rdf *target)
{
	char n[CFG_NAME_LEN], why[VAL_REASON_LEN];

	if (before->outcome != VAL_SECURE || st->outcome != VAL_INSECURE)
		return;
	snprintf(why, sizeof(why), "%s; CNAME target %s insecure (cname_targets_secure off)",
		 before->reason, name_str(target, n, sizeof(n)));
	status_set(st, VAL_SECURE, "%s", why);
	st->ttl = before->ttl;
}

void response_validate(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype, ldns_pkt *pkt,
		       struct val_truth *t)
{
	const ldns_rr_list *ans = ldns_pkt_answer(pkt);
	ldns_rdf *name = ldns_rdf_clone(qname), *apex = relaxed_zone(w->v, qname);
	uint32_t hop;

	truth_init(t, w->v);
	t->rcode = ldns_pkt_get_rcode(pkt);
	for (hop = 0; name; hop++) {
		ldns_rr_list *set = rrset_get(ans, name, qtype), *cn = NULL;
		ldns_rdf *next = NULL;
		struct val_status before = t->st;

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
		if (apex && !name_under(name, apex))
			relax_target(&t->st, &before, name);
		ldns_rr_list_deep_free(set);
		ldns_rr_list_deep_free(cn);
		ldns_rdf_deep_free(name);
		name = next;
		if (name)
			ldns_dname2canonical(name);
	}
	ldns_rdf_deep_free(apex);
	if (t->st.outcome == VAL_SECURE && !ldns_rr_list_rr_count(t->rrs) && !t->st.reason[0])
		status_set(&t->st, VAL_BOGUS, "empty answer without proof");
}

void response_truth(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype,
		    struct val_truth *t)
{
	char err[VAL_REASON_LEN];
	ldns_pkt *pkt = NULL;

	if (!w->fresh && cache_lookup(w, CACHE_TRUTH, qname, qtype, t))
		return;
	if (!w->fresh && aggr_synthesise(w, qname, qtype, t)) {
		cache_keep(w, CACHE_TRUTH, qname, qtype, t);
		return;
	}
	if (upstream_query(w, qname, qtype, &pkt, err, sizeof(err))) {
		truth_init(t, w->v);
		status_set(&t->st, VAL_INDETERMINATE, "%s", err);
	} else {
		response_validate(w, qname, qtype, pkt, t);
		ldns_pkt_free(pkt);
	}
	cache_keep(w, CACHE_TRUTH, qname, qtype, t);
}

void response_unchecked(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype,
			struct val_truth *t)
{
	char err[VAL_REASON_LEN], n[CFG_NAME_LEN], tb[16];
	ldns_pkt *pkt = NULL;

	truth_init(t, w->v);
	if (upstream_query(w, qname, qtype, &pkt, err, sizeof(err))) {
		status_set(&t->st, VAL_INDETERMINATE, "%s", err);
		return;
	}
	t->rcode = ldns_pkt_get_rcode(pkt);
	truth_add(t, ldns_pkt_answer(pkt), VAL_BIG_TTL);
	truth_add(t, ldns_pkt_authority(pkt), VAL_BIG_TTL);
	status_set(&t->st, VAL_INSECURE, "%s/%s: the upstream's answer, no chain checked",
		   name_str(qname, n, sizeof(n)), type_str(qtype, tb, sizeof(tb)));
	ldns_pkt_free(pkt);
}
