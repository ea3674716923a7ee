// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_nsec3.c: NSEC3 proofs (RFC 5155 8) over records whose signatures were
 * already verified: closest encloser, NXDOMAIN, NODATA, wildcard no-exact-match
 * and DS absence including opt-out. Hash work is bounded: above the configured
 * iteration limit no hash is computed and the proof is insecure (RFC 9276 3.2).
 */
#include <string.h>

#include "common/log.h"
#include "validator/val_internal.h"

#define NSEC3_HASH_LEN 20
#define NSEC3_SCAN_MAX 64 /* NSEC3 records looked at per proof */

struct n3 {
	const ldns_rr *rr;
	uint8_t owner[NSEC3_HASH_LEN];
	uint8_t next[NSEC3_HASH_LEN];
	bool optout;
};

struct n3set {
	struct n3 r[NSEC3_SCAN_MAX];
	int n;
	uint16_t iterations;
	uint8_t salt[255];
	uint8_t salt_len;
	const ldns_rdf *zone;
};

static bool n3_decode(const ldns_rr *rr, struct n3 *out)
{
	const ldns_rdf *owner = ldns_rr_owner(rr), *next;
	const uint8_t *d = ldns_rdf_data(owner);
	int n;

	if (ldns_rr_rd_count(rr) < 6 || ldns_rdf_size(owner) < 2 || d[0] != 32)
		return false;
	n = ldns_b32_pton_extended_hex((const char *)d + 1, 32, out->owner, sizeof(out->owner));
	if (n != NSEC3_HASH_LEN)
		return false;
	next = ldns_rr_rdf(rr, 4);
	if (ldns_rdf_size(next) != NSEC3_HASH_LEN + 1 || ldns_rdf_data(next)[0] != NSEC3_HASH_LEN)
		return false;
	memcpy(out->next, ldns_rdf_data(next) + 1, NSEC3_HASH_LEN);
	out->optout = ldns_nsec3_optout(rr);
	out->rr = rr;
	return true;
}

/*
 * Collect the zone's SHA-1 NSEC3 records with the parameters of the first one.
 * Returns PROOF_OK, PROOF_INSECURE (iterations above the limit) or PROOF_NONE.
 */
static enum proof n3_collect(struct val_work *w, const ldns_rr_list *list, const ldns_rdf *zone,
			     struct n3set *s, char *why, size_t len)
{
	size_t i;
	bool have = false;

	s->n = 0;
	s->zone = zone;
	for (i = 0; i < ldns_rr_list_rr_count(list) && s->n < NSEC3_SCAN_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		ldns_rdf *parent;
		const ldns_rdf *salt;
		bool in_zone;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3 || ldns_rr_rd_count(rr) < 6 ||
		    ldns_rdf2native_int8(ldns_rr_rdf(rr, 0)) != 1)
			continue;
		parent = ldns_dname_left_chop(ldns_rr_owner(rr));
		in_zone = parent && name_eq(parent, zone);
		ldns_rdf_deep_free(parent);
		if (!in_zone)
			continue;
		salt = ldns_rr_rdf(rr, 3);
		if (ldns_rdf_size(salt) < 1 || ldns_rdf_data(salt)[0] + 1u != ldns_rdf_size(salt))
			continue;
		if (!have) {
			s->iterations = ldns_nsec3_iterations(rr);
			s->salt_len = ldns_rdf_data(salt)[0];
			memcpy(s->salt, ldns_rdf_data(salt) + 1, s->salt_len);
			have = true;
		}
		if (ldns_nsec3_iterations(rr) != s->iterations ||
		    ldns_rdf_data(salt)[0] != s->salt_len ||
		    memcmp(ldns_rdf_data(salt) + 1, s->salt, s->salt_len))
			continue;
		if (n3_decode(rr, &s->r[s->n]))
			s->n++;
	}
	if (!s->n) {
		snprintf(why, len, "no usable NSEC3 records");
		return PROOF_NONE;
	}
	if (s->iterations > w->v->cfg.limits.nsec3_iterations) {
		char z[CFG_NAME_LEN];

		work_limit(w, "NSEC3 iterations");
		snprintf(why, len, "NSEC3 iterations %u at %s exceed the limit %u (RFC 9276)",
			 s->iterations, name_str(zone, z, sizeof(z)),
			 w->v->cfg.limits.nsec3_iterations);
		return PROOF_INSECURE;
	}
	return PROOF_OK;
}

static bool n3_hash(const struct n3set *s, const ldns_rdf *name, uint8_t h[NSEC3_HASH_LEN])
{
	return sig_nsec3_hash(name, s->salt, s->salt_len, s->iterations, h) == 0;
}

static const struct n3 *n3_match(const struct n3set *s, const uint8_t h[NSEC3_HASH_LEN])
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(s->r[i].owner, h, NSEC3_HASH_LEN))
			return &s->r[i];
	return NULL;
}

static const struct n3 *n3_cover(const struct n3set *s, const uint8_t h[NSEC3_HASH_LEN])
{
	int i;

	for (i = 0; i < s->n; i++) {
		const struct n3 *r = &s->r[i];
		int lo = memcmp(r->owner, h, NSEC3_HASH_LEN),
		    hi = memcmp(h, r->next, NSEC3_HASH_LEN);

		if (memcmp(r->next, r->owner, NSEC3_HASH_LEN) <= 0) { /* last: wraps */
			if (lo < 0 || hi < 0)
				return r;
		} else if (lo < 0 && hi < 0) {
			return r;
		}
	}
	return NULL;
}

static bool n3_has(const struct n3 *r, ldns_rr_type t)
{
	ldns_rdf *bm = ldns_rr_rdf(r->rr, 5);

	return bm && ldns_nsec_bitmap_covers_type(bm, t);
}

/*
 * Closest encloser proof (RFC 5155 8.3): ce matches, next closer is covered.
 * Returns the ce (caller frees) and the covering record of the next closer.
 */
static ldns_rdf *n3_closest_encloser(const struct n3set *s, const ldns_rdf *qname,
				     const struct n3 **nc_cover)
{
	uint8_t ql = ldns_dname_label_count(qname), zl = ldns_dname_label_count(s->zone), h[20];
	uint8_t i;

	if (!name_under(qname, s->zone))
		return NULL;
	for (i = 1; i <= ql - zl; i++) {
		ldns_rdf *ce = ldns_dname_clone_from(qname, i);
		ldns_rdf *nc = ldns_dname_clone_from(qname, i - 1);
		const struct n3 *m = ce && nc && n3_hash(s, ce, h) ? n3_match(s, h) : NULL;
		bool found = m != NULL;

		/* a delegation or DNAME point cannot be the closest encloser of names below it */
		if (m && (n3_has(m, LDNS_RR_TYPE_DNAME) ||
			  (n3_has(m, LDNS_RR_TYPE_NS) && !n3_has(m, LDNS_RR_TYPE_SOA)))) {
			ldns_rdf_deep_free(nc);
			ldns_rdf_deep_free(ce);
			return NULL;
		}

		if (found && n3_hash(s, nc, h))
			*nc_cover = n3_cover(s, h);
		ldns_rdf_deep_free(nc);
		if (found)
			return *nc_cover ? ce : (ldns_rdf_deep_free(ce), NULL);
		ldns_rdf_deep_free(ce);
	}
	return NULL;
}

enum proof nsec3_nxdomain(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *qname,
			  const ldns_rdf *zone, char *why, size_t len)
{
	struct n3set s;
	const struct n3 *nc = NULL;
	enum proof p = n3_collect(w, nsec3s, zone, &s, why, len);
	ldns_rdf *ce, *wc;
	uint8_t h[20];
	char n[CFG_NAME_LEN];
	bool ok;

	if (p != PROOF_OK)
		return p;
	name_str(qname, n, sizeof(n));
	ce = n3_closest_encloser(&s, qname, &nc);
	if (!ce) {
		snprintf(why, len, "no NSEC3 closest encloser proof for %s", n);
		return PROOF_NONE;
	}
	wc = val_wildcard_at(ce);
	ok = wc && n3_hash(&s, wc, h) && n3_cover(&s, h);
	ldns_rdf_deep_free(ce);
	ldns_rdf_deep_free(wc);
	if (!ok) {
		snprintf(why, len, "no NSEC3 denies the wildcard for %s", n);
		return PROOF_NONE;
	}
	if (nc->optout) {
		snprintf(why, len, "NXDOMAIN for %s rests on an NSEC3 opt-out span", n);
		return PROOF_INSECURE;
	}
	return PROOF_OK;
}

static bool n3_lacks(const struct n3 *r, ldns_rr_type qtype)
{
	if (n3_has(r, qtype) || n3_has(r, LDNS_RR_TYPE_CNAME))
		return false;
	if (qtype == LDNS_RR_TYPE_DS)
		return !n3_has(r, LDNS_RR_TYPE_SOA);
	return !(n3_has(r, LDNS_RR_TYPE_NS) && !n3_has(r, LDNS_RR_TYPE_SOA));
}

enum proof nsec3_nodata(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *qname,
			ldns_rr_type qtype, const ldns_rdf *zone, char *why, size_t len)
{
	struct n3set s;
	const struct n3 *m, *nc = NULL;
	enum proof p = n3_collect(w, nsec3s, zone, &s, why, len);
	ldns_rdf *ce, *wc;
	uint8_t h[20];
	char n[CFG_NAME_LEN], tb[16];

	if (p != PROOF_OK)
		return p;
	name_str(qname, n, sizeof(n));
	type_str(qtype, tb, sizeof(tb));
	if (n3_hash(&s, qname, h) && (m = n3_match(&s, h))) {
		if (n3_lacks(m, qtype))
			return PROOF_OK;
		snprintf(why, len, "NSEC3 for %s shows %s/%s exists", n, n, tb);
		return PROOF_NONE;
	}
	ce = n3_closest_encloser(&s, qname, &nc);
	if (ce && qtype == LDNS_RR_TYPE_DS && nc->optout) {
		ldns_rdf_deep_free(ce);
		snprintf(why, len, "NSEC3 opt-out span covers %s", n);
		return PROOF_INSECURE;
	}
	wc = ce ? val_wildcard_at(ce) : NULL;
	m = wc && n3_hash(&s, wc, h) ? n3_match(&s, h) : NULL;
	ldns_rdf_deep_free(ce);
	ldns_rdf_deep_free(wc);
	if (m && n3_lacks(m, qtype))
		return PROOF_OK;
	snprintf(why, len, "no NSEC3 proves %s/%s does not exist", n, tb);
	return PROOF_NONE;
}

enum proof nsec3_no_exact(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *qname,
			  const ldns_rdf *ce, bool allow_optout, char *why, size_t len)
{
	const struct n3 *cover;
	struct n3set s;
	ldns_rdf *zone = NULL, *nc;
	enum proof p = PROOF_NONE;
	uint8_t h[20];
	char n[CFG_NAME_LEN];
	size_t i;

	/* the zone is the NSEC3 owners' parent; take it from the first record */
	for (i = 0; i < ldns_rr_list_rr_count(nsec3s) && !zone; i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(nsec3s, i)) == LDNS_RR_TYPE_NSEC3)
			zone = ldns_dname_left_chop(ldns_rr_owner(ldns_rr_list_rr(nsec3s, i)));
	name_str(qname, n, sizeof(n));
	snprintf(why, len, "wildcard answer for %s without an NSEC3 denying the name itself", n);
	if (!zone)
		return PROOF_NONE;
	p = n3_collect(w, nsec3s, zone, &s, why, len);
	if (p == PROOF_OK) {
		nc = ldns_dname_clone_from(qname, ldns_dname_label_count(qname) -
						      ldns_dname_label_count(ce) - 1);
		cover = nc && n3_hash(&s, nc, h) ? n3_cover(&s, h) : NULL;
		p = cover ? PROOF_OK : PROOF_NONE;
		if (p == PROOF_NONE)
			snprintf(why, len,
				 "wildcard answer for %s without an NSEC3 denying the name itself",
				 n);
		if (cover && cover->optout && !allow_optout) {
			snprintf(why, len, "%s is denied only by an NSEC3 opt-out span", n);
			p = PROOF_INSECURE;
		}
		ldns_rdf_deep_free(nc);
	}
	ldns_rdf_deep_free(zone);
	return p;
}

enum proof nsec3_no_ds(struct val_work *w, const ldns_rr_list *nsec3s, const ldns_rdf *name,
		       const ldns_rdf *zone, bool *cut, char *why, size_t len)
{
	struct n3set s;
	const struct n3 *m, *nc = NULL;
	enum proof p = n3_collect(w, nsec3s, zone, &s, why, len);
	ldns_rdf *ce;
	uint8_t h[20];
	char n[CFG_NAME_LEN];

	*cut = false;
	if (p != PROOF_OK)
		return p;
	name_str(name, n, sizeof(n));
	if (n3_hash(&s, name, h) && (m = n3_match(&s, h))) {
		if (n3_has(m, LDNS_RR_TYPE_DS) || n3_has(m, LDNS_RR_TYPE_SOA)) {
			snprintf(why, len, "NSEC3 for %s does not deny its DS", n);
			return PROOF_NONE;
		}
		*cut = n3_has(m, LDNS_RR_TYPE_NS);
		return PROOF_OK;
	}
	ce = n3_closest_encloser(&s, name, &nc);
	if (!ce) {
		snprintf(why, len, "no NSEC3 proves %s has no DS", n);
		return PROOF_NONE;
	}
	ldns_rdf_deep_free(ce);
	if (nc->optout) {
		*cut = true;
		snprintf(why, len, "NSEC3 opt-out span covers %s", n);
		return PROOF_INSECURE;
	}
	return PROOF_OK; /* no such name: not a cut */
}
