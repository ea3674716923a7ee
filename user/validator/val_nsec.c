// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_nsec.c: NSEC proofs (RFC 4035 5.4) over records whose signatures were
 * already verified: NXDOMAIN (the name and the wildcard at its closest
 * encloser are covered), NODATA (exact match without the type, an empty
 * non-terminal, or a wildcard without the type), no exact match behind a
 * wildcard answer, and the absence of a DS (with whether the name is a cut).
 */
#include "validator/val_internal.h"

static bool nsec_has(const ldns_rr *nsec, ldns_rr_type t)
{
	ldns_rdf *bm = ldns_rr_rd_count(nsec) >= 2 ? ldns_rr_rdf(nsec, 1) : NULL;

	return bm && ldns_nsec_bitmap_covers_type(bm, t);
}

static const ldns_rdf *nsec_next(const ldns_rr *nsec)
{
	return ldns_rr_rd_count(nsec) >= 1 ? ldns_rr_rdf(nsec, 0) : NULL;
}

/* owner < name < next in canonical order; the last NSEC wraps to the apex. */
static bool nsec_covers(const ldns_rr *nsec, const ldns_rdf *name)
{
	const ldns_rdf *owner = ldns_rr_owner(nsec), *next = nsec_next(nsec);

	if (!next || ldns_dname_compare(owner, name) >= 0)
		return false;
	if (ldns_dname_compare(next, owner) <= 0) /* last in the zone */
		return name_under(name, next);
	return ldns_dname_compare(name, next) < 0;
}

/* An NSEC at a delegation or DNAME cannot deny names below its owner. */
static bool nsec_usable_for(const ldns_rr *nsec, const ldns_rdf *name)
{
	const ldns_rdf *owner = ldns_rr_owner(nsec);

	if (!name_under(name, owner) || name_eq(name, owner))
		return true;
	if (nsec_has(nsec, LDNS_RR_TYPE_DNAME))
		return false;
	return !(nsec_has(nsec, LDNS_RR_TYPE_NS) && !nsec_has(nsec, LDNS_RR_TYPE_SOA));
}

static ldns_rdf *name_common(const ldns_rdf *a, const ldns_rdf *b)
{
	uint8_t la = ldns_dname_label_count(a), lb = ldns_dname_label_count(b);
	uint8_t n = la < lb ? la : lb;
	ldns_rdf *ca, *cb;

	for (; n > 0; n--) {
		ca = ldns_dname_clone_from(a, la - n);
		cb = ldns_dname_clone_from(b, lb - n);
		if (ca && cb && name_eq(ca, cb)) {
			ldns_rdf_deep_free(cb);
			return ca;
		}
		ldns_rdf_deep_free(ca);
		ldns_rdf_deep_free(cb);
	}
	return ldns_dname_new_frm_str(".");
}

ldns_rdf *val_wildcard_at(const ldns_rdf *ce)
{
	ldns_rdf *star = ldns_dname_new_frm_str("*"), *w;

	if (!star)
		return NULL;
	w = ldns_dname_cat_clone(star, ce);
	ldns_rdf_deep_free(star);
	return w;
}

static const ldns_rr *find_covering(const ldns_rr_list *nsecs, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(nsecs); i++) {
		const ldns_rr *r = ldns_rr_list_rr(nsecs, i);

		if (ldns_rr_get_type(r) == LDNS_RR_TYPE_NSEC && nsec_covers(r, name) &&
		    nsec_usable_for(r, name))
			return r;
	}
	return NULL;
}

static const ldns_rr *find_exact(const ldns_rr_list *nsecs, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(nsecs); i++) {
		const ldns_rr *r = ldns_rr_list_rr(nsecs, i);

		if (ldns_rr_get_type(r) == LDNS_RR_TYPE_NSEC && name_eq(ldns_rr_owner(r), name))
			return r;
	}
	return NULL;
}

/* The closest encloser implied by the NSEC covering qname (RFC 4035 5.4). */
static ldns_rdf *nsec_closest_encloser(const ldns_rr *cover, const ldns_rdf *qname)
{
	ldns_rdf *a = name_common(qname, ldns_rr_owner(cover));
	ldns_rdf *b = name_common(qname, nsec_next(cover));

	if (!a || !b) {
		ldns_rdf_deep_free(a);
		ldns_rdf_deep_free(b);
		return NULL;
	}
	if (ldns_dname_label_count(b) > ldns_dname_label_count(a)) {
		ldns_rdf_deep_free(a);
		return b;
	}
	ldns_rdf_deep_free(b);
	return a;
}

enum proof nsec_nxdomain(const ldns_rr_list *nsecs, const ldns_rdf *qname, char *why, size_t len)
{
	char n[CFG_NAME_LEN], c[CFG_NAME_LEN];
	const ldns_rr *cover = find_covering(nsecs, qname);
	ldns_rdf *ce, *wc;
	bool ok;

	name_str(qname, n, sizeof(n));
	if (!cover || name_under(nsec_next(cover), qname)) {
		snprintf(why, len, "no NSEC proves %s does not exist", n);
		return PROOF_NONE;
	}
	ce = nsec_closest_encloser(cover, qname);
	wc = ce ? val_wildcard_at(ce) : NULL;
	ok = wc && find_covering(nsecs, wc) && !find_exact(nsecs, wc);
	if (!ok)
		snprintf(why, len, "no NSEC denies the wildcard *.%s for %s",
			 ce ? name_str(ce, c, sizeof(c)) : "?", n);
	ldns_rdf_deep_free(ce);
	ldns_rdf_deep_free(wc);
	return ok ? PROOF_OK : PROOF_NONE;
}

static bool nsec_lacks(const ldns_rr *nsec, ldns_rr_type qtype)
{
	if (nsec_has(nsec, qtype) || nsec_has(nsec, LDNS_RR_TYPE_CNAME))
		return false;
	if (qtype == LDNS_RR_TYPE_DS)
		return !nsec_has(nsec, LDNS_RR_TYPE_SOA) ||
		       ldns_dname_label_count(ldns_rr_owner(nsec)) == 0;
	/* the parent side of a delegation says nothing about the child's data */
	return !(nsec_has(nsec, LDNS_RR_TYPE_NS) && !nsec_has(nsec, LDNS_RR_TYPE_SOA));
}

enum proof nsec_nodata(const ldns_rr_list *nsecs, const ldns_rdf *qname, ldns_rr_type qtype,
		       char *why, size_t len)
{
	char n[CFG_NAME_LEN], tb[16];
	const ldns_rr *exact = find_exact(nsecs, qname), *cover, *wnsec;
	ldns_rdf *ce, *wc;
	bool ok = false;

	name_str(qname, n, sizeof(n));
	type_str(qtype, tb, sizeof(tb));
	if (exact) {
		if (nsec_lacks(exact, qtype))
			return PROOF_OK;
		snprintf(why, len, "NSEC at %s shows %s/%s exists", n, n, tb);
		return PROOF_NONE;
	}
	cover = find_covering(nsecs, qname);
	if (cover && name_under(nsec_next(cover), qname))
		return PROOF_OK; /* empty non-terminal */
	if (cover) {
		ce = nsec_closest_encloser(cover, qname);
		wc = ce ? val_wildcard_at(ce) : NULL;
		wnsec = wc ? find_exact(nsecs, wc) : NULL;
		ok = wnsec && nsec_lacks(wnsec, qtype);
		ldns_rdf_deep_free(ce);
		ldns_rdf_deep_free(wc);
		if (ok)
			return PROOF_OK;
	}
	snprintf(why, len, "no NSEC proves %s/%s does not exist", n, tb);
	return PROOF_NONE;
}

enum proof nsec_no_exact(const ldns_rr_list *nsecs, const ldns_rdf *qname, char *why, size_t len)
{
	char n[CFG_NAME_LEN];

	if (find_covering(nsecs, qname))
		return PROOF_OK;
	snprintf(why, len, "wildcard answer for %s without an NSEC denying the name itself",
		 name_str(qname, n, sizeof(n)));
	return PROOF_NONE;
}

enum proof nsec_no_ds(const ldns_rr_list *nsecs, const ldns_rdf *name, bool *cut, char *why,
		      size_t len)
{
	char n[CFG_NAME_LEN];
	const ldns_rr *exact = find_exact(nsecs, name), *cover;

	*cut = false;
	name_str(name, n, sizeof(n));
	if (exact) {
		if (nsec_has(exact, LDNS_RR_TYPE_DS) || nsec_has(exact, LDNS_RR_TYPE_SOA) ||
		    nsec_has(exact, LDNS_RR_TYPE_CNAME)) {
			snprintf(why, len, "NSEC at %s does not deny its DS", n);
			return PROOF_NONE;
		}
		*cut = nsec_has(exact, LDNS_RR_TYPE_NS);
		return PROOF_OK;
	}
	cover = find_covering(nsecs, name);
	if (cover)
		return PROOF_OK; /* no such name (or an empty non-terminal): not a cut */
	snprintf(why, len, "no NSEC proves %s has no DS", n);
	return PROOF_NONE;
}
