// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_judge.c: compare a held reply with the validated truth for its
 * question. Content, not bytes: RR order and lower TTLs do not matter; an RR
 * the truth does not hold, a TTL above the signed original TTL, a different
 * RCODE (a forged NXDOMAIN) or an empty answer where data exists (a forged
 * NODATA) do, unless the reply is truncated (TC): its answer is empty because
 * it did not fit, and the client retries over TCP; the records it does carry
 * are judged all the same. Authority/additional RRs a workload or its resolver could act on
 * (anything at or above the question's zone, or in a protected zone) are
 * handed back to be proven on their own; the rest is irrelevant by policy.
 * DNSSEC records (RRSIG, NSEC, NSEC3) cannot mislead anyone and are ignored.
 * A judgement may forgive TTLs above the signed ones (struct judge_ttls): the
 * copy is still not delivered, but its records are told apart from forged
 * ones, so what they proved can be cached for the genuine copies.
 */
#include <string.h>

#include "validator/val_internal.h"

static bool dnssec_meta(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3 ||
	       t == LDNS_RR_TYPE_OPT;
}

/* Owner, type, class and rdata equal in canonical form (RFC 4034 6.2); TTL not compared. */
static bool rr_same(const ldns_rr *a, const ldns_rr *b)
{
	ldns_rr *ca, *cb;
	size_t i;
	bool eq;

	if (ldns_rr_get_type(a) != ldns_rr_get_type(b) ||
	    ldns_rr_get_class(a) != ldns_rr_get_class(b) ||
	    ldns_rr_rd_count(a) != ldns_rr_rd_count(b) ||
	    !name_eq(ldns_rr_owner(a), ldns_rr_owner(b)))
		return false;
	ca = ldns_rr_clone(a);
	cb = ldns_rr_clone(b);
	eq = ca && cb;
	if (eq) {
		ldns_rr2canonical(ca);
		ldns_rr2canonical(cb);
	}
	for (i = 0; eq && i < ldns_rr_rd_count(ca); i++)
		eq = ldns_rdf_compare(ldns_rr_rdf(ca, i), ldns_rr_rdf(cb, i)) == 0;
	ldns_rr_free(ca);
	ldns_rr_free(cb);
	return eq;
}

/* Whether rr's content is in list; *ttl: the largest TTL a copy there carries. */
static bool signed_ttl(const ldns_rr *rr, const ldns_rr_list *list, uint32_t *ttl)
{
	bool found = false;
	size_t i;

	*ttl = 0;
	for (i = 0; list && i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *t = ldns_rr_list_rr(list, i);

		if (rr_same(rr, t) && (!found || ldns_rr_ttl(t) > *ttl)) {
			*ttl = ldns_rr_ttl(t);
			found = true;
		}
	}
	return found;
}

bool judge_rr_in(const ldns_rr *rr, const ldns_rr_list *list, bool check_ttl)
{
	uint32_t ttl;

	return signed_ttl(rr, list, &ttl) && (!check_ttl || ldns_rr_ttl(rr) <= ttl);
}

void judge_ttls_init(struct judge_ttls *c)
{
	memset(c, 0, sizeof(*c));
	c->min = UINT32_MAX;
}

static void describe(const ldns_rr *rr, char *buf, size_t len)
{
	char o[CFG_NAME_LEN], tb[16], *rd = NULL;

	if (ldns_rr_rd_count(rr))
		rd = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	snprintf(buf, len, "%s/%s %s", name_str(ldns_rr_owner(rr), o, sizeof(o)),
		 type_str(ldns_rr_get_type(rr), tb, sizeof(tb)), rd ? rd : "");
	free(rd);
}

bool judge_rr_covered(const ldns_rr *rr, const ldns_rr_list *list, struct judge_ttls *c,
		      const char *where)
{
	uint32_t ttl, signed_max;
	char d[160];

	if (!signed_ttl(rr, list, &signed_max))
		return false;
	ttl = ldns_rr_ttl(rr);
	if (ttl > signed_max) {
		if (!c)
			return false;
		if (!c->raised) {
			describe(rr, d, sizeof(d));
			snprintf(c->why, sizeof(c->why),
				 "%s %s: TTL %u above the signed original TTL %u", where, d, ttl,
				 signed_max);
		}
		c->raised = true;
		ttl = signed_max;
	}
	if (c) {
		c->max = ttl > c->max ? ttl : c->max;
		c->min = ttl < c->min ? ttl : c->min;
	}
	return true;
}

bool judge_relevant(const struct dw_config *cfg, const ldns_rdf *qname, const ldns_rdf *zone,
		    const ldns_rr *rr)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);

	if (dnssec_meta(ldns_rr_get_type(rr)))
		return false;
	if (name_under(qname, owner)) /* at or above the question: could redirect it */
		return true;
	if (zone && (name_under(owner, zone) || name_under(zone, owner)))
		return true;
	return name_zone(cfg, owner) != NULL;
}

static bool truth_has_answer(const struct val_truth *t, const ldns_rdf *qname, ldns_rr_type qt)
{
	size_t i;

	for (i = 0; t->rrs && i < ldns_rr_list_rr_count(t->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(t->rrs, i);
		ldns_rr_type ty = ldns_rr_get_type(rr);

		if (name_eq(ldns_rr_owner(rr), qname) &&
		    (ty == qt || ty == LDNS_RR_TYPE_CNAME || ty == LDNS_RR_TYPE_DNAME))
			return true;
	}
	return false;
}

static bool check_answer(const ldns_pkt *held, const struct val_truth *t, struct judge_ttls *ttls,
			 char *why, size_t len)
{
	const ldns_rr_list *ans = ldns_pkt_answer(held);
	char d[160];
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (dnssec_meta(ldns_rr_get_type(rr)))
			continue;
		if (judge_rr_covered(rr, t->rrs, ttls, "answer"))
			continue;
		describe(rr, d, sizeof(d));
		if (judge_rr_in(rr, t->rrs, false))
			snprintf(why, len, "answer %s: TTL %u above the signed original TTL", d,
				 ldns_rr_ttl(rr));
		else
			snprintf(why, len, "answer %s is not in the validated data", d);
		return false;
	}
	return true;
}

bool judge_compare(const struct dw_config *cfg, const ldns_pkt *held, const struct val_truth *t,
		   ldns_rr_list *relevant_extra, struct judge_ttls *ttls, char *why, size_t len)
{
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(held), 0);
	const ldns_rdf *qname = ldns_rr_owner(q);
	ldns_rr_type qt = ldns_rr_get_type(q);
	const ldns_rr_list *secs[2] = {ldns_pkt_authority(held), ldns_pkt_additional(held)};
	int rc = ldns_pkt_get_rcode(held);
	char n[CFG_NAME_LEN], tb[16];
	size_t s, i;

	name_str(qname, n, sizeof(n));
	type_str(qt, tb, sizeof(tb));
	if (rc != t->rcode) {
		if (rc == LDNS_RCODE_NXDOMAIN)
			snprintf(why, len, "forged NXDOMAIN: %s exists (validated)", n);
		else
			snprintf(why, len, "RCODE %d for %s/%s differs from the validated %d", rc,
				 n, tb, t->rcode);
		return false;
	}
	if (!check_answer(held, t, ttls, why, len))
		return false;
	if (rc == LDNS_RCODE_NOERROR && !ldns_pkt_tc(held) &&
	    !ldns_rr_list_rr_count(ldns_pkt_answer(held)) && truth_has_answer(t, qname, qt)) {
		snprintf(why, len, "forged NODATA: %s/%s has validated data", n, tb);
		return false;
	}
	for (s = 0; s < 2; s++)
		for (i = 0; i < ldns_rr_list_rr_count(secs[s]); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(secs[s], i);

			if (!judge_relevant(cfg, qname, t->zone, rr) ||
			    judge_rr_covered(rr, t->rrs, ttls, "authority or additional"))
				continue;
			if (relevant_extra && !judge_rr_in(rr, relevant_extra, false))
				ldns_rr_list_push_rr(relevant_extra, ldns_rr_clone(rr));
		}
	return true;
}
