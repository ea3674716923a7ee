// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_aggr.c: answers synthesised from validated wildcards (RFC 8198 5.3).
 * When a wildcard expansion has been proven (the RRset signed by its zone's
 * keys, and a verified NSEC/NSEC3 showing the name itself does not exist),
 * the wildcard RRset and the denial records that proved it are kept under
 * "*.<closest encloser>". A later name one label below the same encloser is
 * then answered from them when the kept denial records prove that name does
 * not exist either: no upstream query and no signature check, only the same
 * proof functions the live path uses, except that an NSEC3 opt-out span
 * proves nothing here (an unsigned delegation may hide in it, so no name
 * below it is proven absent). Entries live no longer than the
 * shortest TTL or RRSIG validity (and key set) of anything they hold; a
 * re-query (judge mismatch) bypasses them.
 */
#include <string.h>

#include "validator/val_internal.h"

#define AGGR_PROOFS_MAX 32 /* denial records kept per wildcard (NSEC3: one per span seen) */

static bool aggr_type_ok(ldns_rr_type t)
{
	/* Only plain data: DNSSEC records, CNAME/DNAME and meta types take the live path. */
	return t != LDNS_RR_TYPE_RRSIG && t != LDNS_RR_TYPE_NSEC && t != LDNS_RR_TYPE_NSEC3 &&
	       t != LDNS_RR_TYPE_DS && t != LDNS_RR_TYPE_DNSKEY && t != LDNS_RR_TYPE_CNAME &&
	       t != LDNS_RR_TYPE_DNAME && t != LDNS_RR_TYPE_ANY && t != LDNS_RR_TYPE_OPT;
}

static bool is_denial(const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);

	return t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3;
}

/* Copies of rrs matching pick (type, or denial records), owner replaced when owner != NULL. */
static void push_copies(ldns_rr_list *to, const ldns_rr_list *rrs, ldns_rr_type type, bool denial,
			const ldns_rdf *owner, size_t max)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(rrs) && ldns_rr_list_rr_count(to) < max; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		ldns_rr *c;

		if (denial ? !is_denial(rr) : ldns_rr_get_type(rr) != type)
			continue;
		if (denial && judge_rr_in(rr, to, false))
			continue;
		c = ldns_rr_clone(rr);
		if (!c)
			continue;
		if (owner) {
			ldns_rdf_deep_free(ldns_rr_owner(c));
			ldns_rr_set_owner(c, ldns_rdf_clone(owner));
		}
		ldns_rr_list_push_rr(to, c);
	}
}

/* Same RRset content (owner aside): the kept proofs stay valid for it. */
static bool same_data(const ldns_rr_list *kept, const ldns_rr_list *set, ldns_rr_type type)
{
	size_t i, n = 0;

	for (i = 0; i < ldns_rr_list_rr_count(kept); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(kept, i)) == type)
			n++;
	if (n != ldns_rr_list_rr_count(set))
		return false;
	for (i = 0; i < n; i++)
		if (!judge_rr_in(ldns_rr_list_rr(set, i), kept, false))
			return false;
	return true;
}

void aggr_note_wildcard(struct val_work *w, const ldns_rdf *ce, const ldns_rr_list *set,
			const ldns_rr_list *sigs, const ldns_rr_list *proofs, const ldns_rdf *zone,
			uint32_t ttl)
{
	ldns_rr_type type = ldns_rr_list_type(set);
	ldns_rdf *wc = val_wildcard_at(ce);
	struct val_truth old = {0}, e = {0};
	size_t room, i;
	bool had;

	if (!wc || !ttl || !aggr_type_ok(type) || !ldns_rr_list_rr_count(set) ||
	    !ldns_rr_list_rr_count(sigs) || ldns_rr_rd_count(ldns_rr_list_rr(sigs, 0)) < 9) {
		ldns_rdf_deep_free(wc);
		return;
	}
	had = cache_get(w->v->cache, CACHE_WILDCARD, wc, type, w->now, &old);
	e.rrs = ldns_rr_list_new();
	e.zone = ldns_rdf_clone(zone);
	e.st.outcome = VAL_SECURE;
	e.st.ttl = ttl;
	if (!e.rrs || !e.zone)
		goto out;
	push_copies(e.rrs, set, type, false, wc, SIZE_MAX);
	push_copies(e.rrs, sigs, LDNS_RR_TYPE_RRSIG, false, wc, SIZE_MAX);
	for (i = 0; i < ldns_rr_list_rr_count(e.rrs); i++) /* a copy may carry the signed TTL */
		ldns_rr_set_ttl(
		    ldns_rr_list_rr(e.rrs, i),
		    ldns_rdf2native_int32(ldns_rr_rrsig_origttl(ldns_rr_list_rr(sigs, 0))));
	room = ldns_rr_list_rr_count(e.rrs) + AGGR_PROOFS_MAX;
	push_copies(e.rrs, proofs, 0, true, NULL, room);
	/* Earlier spans stay only for the same data in the same zone, and only as long as they may. */
	if (had && same_data(old.rrs, set, type) && old.zone && name_eq(old.zone, zone)) {
		push_copies(e.rrs, old.rrs, 0, true, NULL, room);
		if (old.st.ttl < e.st.ttl)
			e.st.ttl = old.st.ttl;
	}
	snprintf(e.st.reason, sizeof(e.st.reason), "validated wildcard");
	cache_put(w->v->cache, CACHE_WILDCARD, wc, type, w->now, &e);
out:
	truth_clear(&e);
	truth_clear(&old);
	ldns_rdf_deep_free(wc);
}

static bool has_nsec3(const ldns_rr_list *l)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_NSEC3)
			return true;
	return false;
}

/*
 * An NSEC whose next name lies below qname says qname is an empty
 * non-terminal: the wildcard does not apply to it (a NODATA instead).
 */
static bool nsec_hints_ent(const ldns_rr_list *nsecs, const ldns_rdf *qname)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(nsecs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(nsecs, i);
		const ldns_rdf *next;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC || ldns_rr_rd_count(rr) < 1)
			continue;
		next = ldns_rr_rdf(rr, 0);
		if (name_under(next, qname) && !name_eq(next, qname))
			return true;
	}
	return false;
}

/* Does the kept entry prove that qname (one label below ce) does not exist? */
static bool aggr_proven(struct val_work *w, const ldns_rr_list *kept, const ldns_rdf *qname,
			const ldns_rdf *ce)
{
	ldns_rr_list *proofs = ldns_rr_list_new();
	char why[VAL_REASON_LEN];
	enum proof p;

	if (!proofs)
		return false;
	push_copies(proofs, kept, 0, true, NULL, SIZE_MAX);
	if (has_nsec3(proofs))
		p = nsec3_no_exact(w, proofs, qname, ce, false, why, sizeof(why));
	else
		p = nsec_hints_ent(proofs, qname) ? PROOF_NONE
						  : nsec_no_exact(proofs, qname, why, sizeof(why));
	ldns_rr_list_deep_free(proofs);
	return p == PROOF_OK;
}

bool aggr_synthesise(struct val_work *w, const ldns_rdf *qname, ldns_rr_type qtype,
		     struct val_truth *t)
{
	uint8_t labels = ldns_dname_label_count(qname);
	ldns_rdf *ce, *wc = NULL;
	struct val_truth e = {0};
	char q[CFG_NAME_LEN], c[CFG_NAME_LEN];
	bool ok = false;

	if (labels < 2 || !aggr_type_ok(qtype) || ldns_dname_is_wildcard(qname))
		return false;
	ce = ldns_dname_clone_from(qname, 1);
	if (ce)
		wc = val_wildcard_at(ce);
	if (!wc || !cache_get(w->v->cache, CACHE_WILDCARD, wc, qtype, w->now, &e))
		goto out;
	if (!e.zone || !name_under(ce, e.zone) || !aggr_proven(w, e.rrs, qname, ce))
		goto out;
	memset(t, 0, sizeof(*t));
	t->rrs = ldns_rr_list_new();
	if (!t->rrs)
		goto out;
	push_copies(t->rrs, e.rrs, qtype, false, qname, SIZE_MAX);
	push_copies(t->rrs, e.rrs, LDNS_RR_TYPE_RRSIG, false, qname, SIZE_MAX);
	t->zone = e.zone;
	e.zone = NULL;
	t->rcode = LDNS_RCODE_NOERROR;
	status_set(&t->st, VAL_SECURE, "%s synthesised from the validated wildcard *.%s",
		   name_str(qname, q, sizeof(q)), name_str(ce, c, sizeof(c)));
	t->st.ttl = e.st.ttl;
	w->v->stats.wildcard_synth++;
	work_trace(w, "%s", t->st.reason);
	ok = true;
out:
	truth_clear(&e);
	ldns_rdf_deep_free(wc);
	ldns_rdf_deep_free(ce);
	return ok;
}
