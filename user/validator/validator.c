// SPDX-License-Identifier: BSD-2-Clause
/*
 * validator.c: the validator API (validator.h) over the response check, the
 * chain walk, the cache and the judge. One validator has no state outside
 * its struct: tests and worker threads run several side by side.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "validator/upstream_tls.h"
#include "validator/val_internal.h"
#include "validator/validator.h"

#define EXTRA_RRSETS_MAX 8 /* authority/additional RRsets looked up per judged reply */

/* Zero limits mean "the documented default" (a config built in code, or an old file). */
static void limits_defaults(struct cfg_limits *l)
{
#define DEF(f, v)                                                                                  \
	do {                                                                                       \
		if (!l->f)                                                                         \
			l->f = (v);                                                                \
	} while (0)
	DEF(rrset_cache, CFG_RRSET_CACHE_DEFAULT);
	DEF(rrset_cache_bytes, CFG_RRSET_CACHE_BYTES_DEFAULT);
	DEF(signature_cache, CFG_SIGNATURE_CACHE_DEFAULT);
	DEF(keys_per_tag, 4);
	DEF(sigs_per_rrset, 8);
	DEF(sigs_per_validation, 64);
	DEF(nsec3_iterations, 100);
	DEF(chain_depth, 16);
	DEF(cname_chain, 8);
	DEF(queries_per_validation, 32);
	DEF(clock_skew, 300);
	DEF(max_verdict_ttl, 3600);
	DEF(negative_cache_ttl, 5);
#undef DEF
}

struct validator *validator_new(const struct dw_config *cfg, char *err, size_t err_len)
{
	struct validator *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	v->cfg = *cfg;
	limits_defaults(&v->cfg.limits);
	v->use_0x20 = true;
	v->allow_sha1_ds = cfg->validation_sha1_ds;
	if (anchors_load(&v->anchors, &v->cfg, err, err_len)) {
		free(v);
		return NULL;
	}
	v->cache = cache_new(v->cfg.limits.rrset_cache, v->cfg.limits.rrset_cache_bytes);
	v->keycache = sig_keycache_new(
	    v->cfg.limits.signature_cache); /* optional: without it ldns verifies */
	if (!v->cache) {
		snprintf(err, err_len, "out of memory for the validator cache");
		sig_keycache_free(v->keycache);
		anchors_free(&v->anchors);
		free(v);
		return NULL;
	}
	return v;
}

void validator_free(struct validator *v)
{
	if (!v)
		return;
	cache_free(v->cache);
	sig_keycache_free(v->keycache);
	anchors_free(&v->anchors);
	upstream_tls_free(v->tls);
	free(v);
}

void validator_set_time(struct validator *v, time_t now)
{
	v->pinned = now;
}

void validator_set_trace(struct validator *v, bool on)
{
	v->trace = on;
}

static void work_init(struct val_work *w, struct validator *v, struct val_result *res)
{
	memset(w, 0, sizeof(*w));
	memset(res, 0, sizeof(*res));
	w->v = v;
	w->now = v->pinned ? v->pinned : time(NULL);
	w->res = res;
	v->stats.validations++;
}

static void result_from(struct val_result *res, const struct val_status *st, uint32_t cap)
{
	res->outcome = st->outcome;
	res->ttl = st->ttl < cap ? st->ttl : cap;
	snprintf(res->reason, sizeof(res->reason), "%s", st->reason);
}

/*
 * Under a live negative trust anchor the chain is not checked: st becomes
 * INSECURE with the NTA's reason, believed until the NTA ends.
 */
static const struct cfg_nta *nta_status(struct val_work *w, const ldns_rdf *name,
					struct val_status *st)
{
	const struct cfg_nta *nta = nta_find(&w->v->cfg, name, w->now);
	uint32_t max = w->v->cfg.limits.max_verdict_ttl;
	char ts[40];
	time_t left;

	if (!nta)
		return NULL;
	left = nta->until ? nta->until - w->now : (time_t)max;
	status_set(st, VAL_INSECURE, "negative trust anchor %s until %s%s%s", nta->zone,
		   nta->until ? time_str(nta->until, ts, sizeof(ts)) : "removed",
		   nta->reason[0] ? ": " : "", nta->reason);
	st->ttl = left < (time_t)max ? (uint32_t)left : max;
	work_trace(w, "%s", st->reason);
	return nta;
}

/*
 * The truth for a question: proven from the anchor down, or, under a
 * negative trust anchor, the upstream's answer as it is. An NTA stands in for
 * a broken chain, not for the content: a reply is still compared with what
 * the upstream says, as for an insecure zone. Returns whether an NTA applied.
 */
static bool question_truth(struct val_work *w, const ldns_rdf *name, ldns_rr_type type,
			   struct val_truth *t)
{
	struct val_status st;
	const struct cfg_nta *nta = nta_status(w, name, &st);

	if (!nta) {
		response_truth(w, name, type, t);
		return false;
	}
	response_unchecked(w, name, type, t);
	if (t->st.outcome != VAL_INDETERMINATE) {
		t->st = st;
		ldns_str2rdf_dname(&t->zone, nta->zone);
	}
	return true;
}

int validator_check_name(struct validator *v, const char *name, uint16_t qtype,
			 struct val_result *res)
{
	struct val_work w;
	struct val_truth t;
	ldns_rdf *qn = NULL;

	work_init(&w, v, res);
	if (ldns_str2rdf_dname(&qn, name) != LDNS_STATUS_OK || !qn) {
		res->outcome = VAL_INDETERMINATE;
		snprintf(res->reason, sizeof(res->reason), "'%.64s' is not a domain name", name);
		pr_warn("validator: %s", res->reason);
		return -EINVAL;
	}
	ldns_dname2canonical(qn);
	if (nta_status(&w, qn, &t.st)) {
		result_from(res, &t.st, v->cfg.limits.max_verdict_ttl);
		res->under_nta = true;
	} else {
		response_truth(&w, qn, qtype, &t);
		result_from(res, &t.st, v->cfg.limits.max_verdict_ttl);
		truth_clear(&t);
	}
	ldns_rdf_deep_free(qn);
	return 0;
}

static uint32_t held_min_ttl(const ldns_pkt *p)
{
	const ldns_rr_list *secs[3] = {ldns_pkt_answer(p), ldns_pkt_authority(p),
				       ldns_pkt_additional(p)};
	uint32_t ttl = UINT32_MAX;
	size_t s, i;

	for (s = 0; s < 3; s++)
		for (i = 0; i < ldns_rr_list_rr_count(secs[s]); i++)
			if (ldns_rr_ttl(ldns_rr_list_rr(secs[s], i)) < ttl)
				ttl = ldns_rr_ttl(ldns_rr_list_rr(secs[s], i));
	return ttl;
}

/* Authority/additional RRs that matter need their own validated truth. */
static void judge_extra(struct val_work *w, const ldns_rr_list *extra, struct val_status *st,
			struct judge_ttls *ttls)
{
	size_t i, looked = 0;

	for (i = 0; i < ldns_rr_list_rr_count(extra) && st->outcome != VAL_BOGUS; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(extra, i);
		struct val_truth t;
		struct val_status b;
		char o[CFG_NAME_LEN], tb[16];

		name_str(ldns_rr_owner(rr), o, sizeof(o));
		type_str(ldns_rr_get_type(rr), tb, sizeof(tb));
		if (++looked > EXTRA_RRSETS_MAX) {
			work_limit(w, "extra RRsets per reply");
			status_set(&b, VAL_INDETERMINATE, "limit: more than %d extra RRs to check",
				   EXTRA_RRSETS_MAX);
			status_merge(st, &b);
			return;
		}
		question_truth(w, ldns_rr_owner(rr), ldns_rr_get_type(rr), &t);
		if (t.st.outcome == VAL_BOGUS || t.st.outcome == VAL_INDETERMINATE) {
			status_set(&b, t.st.outcome, "%s/%s in the reply: %s", o, tb, t.st.reason);
			status_merge(st, &b);
		} else if (!judge_rr_covered(rr, t.rrs, ttls, "authority or additional")) {
			status_set(&b, VAL_BOGUS,
				   "%s/%s in the %s section is not in the validated data", o, tb,
				   "authority or additional");
			status_merge(st, &b);
		} else {
			status_merge(st, &t.st);
		}
		truth_clear(&t);
	}
}

/*
 * An error reply without records carries nothing a workload could act on;
 * nor does a truncated NOERROR reply without records: its client retries
 * over TCP (a stub that ignores TC finds no address in it: no data, not
 * forged data). A truncated NXDOMAIN is judged like any NXDOMAIN.
 */
static bool error_reply(const ldns_pkt *p)
{
	int rc = ldns_pkt_get_rcode(p);

	if (ldns_pkt_ancount(p) || ldns_pkt_nscount(p) ||
	    ldns_rr_list_rr_count(ldns_pkt_additional(p)))
		return false;
	return rc != LDNS_RCODE_NXDOMAIN && (rc != LDNS_RCODE_NOERROR || ldns_pkt_tc(p));
}

/*
 * A reply with TTLs above the signed ones is BOGUS; when that is its only
 * fault and its records came out SECURE, res says what they proved
 * (val_result.ttl_raised). A reply already BOGUS keeps its own reason.
 */
static void ttl_raised(struct val_result *res, const struct judge_ttls *ttls)
{
	if (res->outcome == VAL_BOGUS)
		return;
	if (res->outcome == VAL_SECURE && !res->under_nta) {
		res->ttl_raised = true;
		res->proven_ttl = res->ttl < ttls->min ? res->ttl : ttls->min;
	}
	res->outcome = VAL_BOGUS;
	res->under_nta = false;
	snprintf(res->reason, sizeof(res->reason), "%s", ttls->why);
}

static int judge_parsed(struct val_work *w, const ldns_pkt *held, struct val_result *res)
{
	struct validator *v = w->v;
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(held), 0);
	ldns_rdf *qn = ldns_rdf_clone(ldns_rr_owner(q));
	ldns_rr_type qt = ldns_rr_get_type(q);
	ldns_rr_list *extra = ldns_rr_list_new();
	struct judge_ttls ttls;
	struct val_truth t;
	char why[VAL_REASON_LEN] = "";
	bool ok, nta;

	ldns_dname2canonical(qn);
	if (error_reply(held)) {
		res->outcome = VAL_SECURE;
		res->ttl = v->cfg.limits.negative_cache_ttl;
		snprintf(res->reason, sizeof(res->reason), "%sRCODE %d reply carries no records",
			 ldns_pkt_tc(held) ? "truncated " : "", ldns_pkt_get_rcode(held));
		goto out;
	}
	judge_ttls_init(&ttls);
	nta = question_truth(w, qn, qt, &t);
	ok = judge_compare(&v->cfg, held, &t, extra, &ttls, why, sizeof(why));
	if ((!ok || ttls.raised) && t.st.outcome != VAL_INDETERMINATE) {
		/* answer sets rotate, and a re-signed zone may have raised its TTLs: ask once
		 * more, bypassing the cache */
		truth_clear(&t);
		ldns_rr_list_deep_free(extra);
		extra = ldns_rr_list_new();
		judge_ttls_init(&ttls);
		w->fresh = true;
		nta = question_truth(w, qn, qt, &t);
		w->fresh = false;
		ok = judge_compare(&v->cfg, held, &t, extra, &ttls, why, sizeof(why));
	}
	if (t.st.outcome == VAL_INDETERMINATE) {
		result_from(res, &t.st, v->cfg.limits.max_verdict_ttl);
	} else if (!ok) {
		res->outcome = VAL_BOGUS;
		res->content_mismatch = true;
		snprintf(res->reason, sizeof(res->reason), "%s", why);
	} else {
		judge_extra(w, extra, &t.st, &ttls);
		result_from(res, &t.st, v->cfg.limits.max_verdict_ttl);
		if (held_min_ttl(held) < res->ttl)
			res->ttl = held_min_ttl(held);
		/* the policy delivers what an NTA covers: only a reply that matched */
		res->under_nta = nta && res->outcome == VAL_INSECURE;
		res->max_ttl_proven = true;
		res->max_ttl = ttls.max;
		if (ttls.raised)
			ttl_raised(res, &ttls);
	}
	if (res->outcome == VAL_BOGUS || res->outcome == VAL_INDETERMINATE)
		res->ttl = res->ttl < v->cfg.limits.negative_cache_ttl
			       ? res->ttl
			       : v->cfg.limits.negative_cache_ttl;
	truth_clear(&t);
out:
	ldns_rr_list_deep_free(extra);
	ldns_rdf_deep_free(qn);
	return 0;
}

int validator_judge_reply(struct validator *v, const uint8_t *msg, size_t len,
			  struct val_result *res)
{
	struct val_work w;
	ldns_pkt *held = NULL;
	ldns_status s;
	int rc;

	work_init(&w, v, res);
	s = len >= 12 ? ldns_wire2pkt(&held, msg, len) : LDNS_STATUS_PACKET_OVERFLOW;
	if (s != LDNS_STATUS_OK || !ldns_pkt_qr(held) ||
	    ldns_pkt_get_opcode(held) != LDNS_PACKET_QUERY || ldns_pkt_qdcount(held) != 1 ||
	    !ldns_rr_list_rr(ldns_pkt_question(held), 0)) {
		res->outcome = VAL_BOGUS;
		snprintf(res->reason, sizeof(res->reason),
			 "held reply of %zu bytes does not parse: %s", len,
			 s != LDNS_STATUS_OK ? ldns_get_errorstr_by_id(s)
					     : "not a response with one question");
		pr_debug("validator: %s", res->reason);
		ldns_pkt_free(held);
		return -EBADMSG;
	}
	rc = judge_parsed(&w, held, res);
	ldns_pkt_free(held);
	return rc;
}

void validator_get_stats(const struct validator *v, struct val_stats *out)
{
	*out = v->stats;
	out->cache_entries = cache_count(v->cache);
	out->cache_bytes = cache_bytes(v->cache);
}

void validator_flush(struct validator *v, const char *name)
{
	ldns_rdf *n = NULL;

	if (!name) {
		cache_flush(v->cache, NULL);
		sig_memo_clear(v->keycache);
		return;
	}
	if (ldns_str2rdf_dname(&n, name) != LDNS_STATUS_OK || !n) {
		pr_warn("validator: flush: '%s' is not a domain name", name);
		return;
	}
	cache_flush(v->cache, n);
	ldns_rdf_deep_free(n);
}
