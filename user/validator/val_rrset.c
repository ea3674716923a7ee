// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_rrset.c: RRsets and their signatures picked out of a message section,
 * and the signed denial records of an authority section verified.
 */
#include "validator/val_internal.h"

#define DENIAL_RRSETS_MAX 16 /* NSEC/NSEC3/SOA RRsets looked at per denial */

ldns_rr_list *rrset_get(const ldns_rr_list *sec, const ldns_rdf *owner, ldns_rr_type type)
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

ldns_rr_list *rrset_sigs(const ldns_rr_list *sec, const ldns_rdf *owner, ldns_rr_type covered)
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

void rrset_append(ldns_rr_list *to, const ldns_rr_list *from)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(from); i++)
		ldns_rr_list_push_rr(to, ldns_rr_clone(ldns_rr_list_rr(from, i)));
}

uint32_t rrset_sig_ttl(const ldns_rr_list *sigs)
{
	return ldns_rr_list_rr_count(sigs)
		   ? ldns_rdf2native_int32(ldns_rr_rrsig_origttl(ldns_rr_list_rr(sigs, 0)))
		   : VAL_BIG_TTL;
}

/* Verify every NSEC/NSEC3 (and SOA) RRset of the authority section under zone. */
void rrset_verify_denial(struct val_work *w, const ldns_pkt *pkt, const ldns_rdf *zone,
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
		sigs = rrset_sigs(auth, ldns_rr_owner(rr), ty);
		sig_verify_rrset(w, set, sigs, keys, zone, &st, NULL);
		if (st.outcome == VAL_SECURE) {
			if (ty != LDNS_RR_TYPE_SOA)
				rrset_append(proofs, set);
			truth_add(t, set, rrset_sig_ttl(sigs));
			truth_add(t, sigs, rrset_sig_ttl(sigs));
			status_min_ttl(&t->st, st.ttl);
		} else {
			status_merge(&t->st, &st);
		}
		ldns_rr_list_deep_free(set);
		ldns_rr_list_deep_free(sigs);
	}
}

bool rrset_has_type(const ldns_rr_list *l, ldns_rr_type t)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t)
			return true;
	return false;
}

bool rrset_is_nsec3(const ldns_rr_list *proofs)
{
	return !rrset_has_type(proofs, LDNS_RR_TYPE_NSEC) &&
	       rrset_has_type(proofs, LDNS_RR_TYPE_NSEC3);
}
