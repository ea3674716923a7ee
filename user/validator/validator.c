// SPDX-License-Identifier: BSD-2-Clause
/*
 * validator.c: the validator API (validator.h) over the chain walk, the cache
 * and the judge, plus the small helpers the val_* modules share. One
 * validator has no state outside its struct: tests and worker threads run
 * several side by side.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "validator/upstream_tls.h"
#include "validator/val_internal.h"

#define EXTRA_RRSETS_MAX 8 /* authority/additional RRsets looked up per judged reply */

const char *val_outcome_name(enum val_outcome outcome)
{
	switch (outcome) {
	case VAL_SECURE:
		return "secure";
	case VAL_INSECURE:
		return "insecure";
	case VAL_BOGUS:
		return "bogus";
	case VAL_INDETERMINATE:
		return "indeterminate";
	}
	return "unknown";
}

void work_trace(struct val_work *w, const char *fmt, ...)
{
	struct val_result *r = w->res;
	va_list ap;

	if (!w->v->trace || !r || r->n_trace >= VAL_TRACE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->trace[r->n_trace].text, sizeof(r->trace[0].text), fmt, ap);
	va_end(ap);
	r->n_trace++;
}

bool work_limit(struct val_work *w, const char *what)
{
	w->v->stats.limit_hits++;
	pr_debug("validator: limit hit: %s", what);
	return false;
}

void status_set(struct val_status *st, enum val_outcome o, const char *fmt, ...)
{
	va_list ap;

	st->outcome = o;
	if (o != VAL_SECURE)
		st->ttl = 0;
	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
}

int val_outcome_rank(enum val_outcome o)
{
	switch (o) {
	case VAL_SECURE:
		return 0;
	case VAL_INSECURE:
		return 1;
	case VAL_INDETERMINATE:
		return 2;
	case VAL_BOGUS:
		return 3;
	}
	return 3;
}

void status_merge(struct val_status *into, const struct val_status *from)
{
	uint32_t ttl = into->ttl < from->ttl ? into->ttl : from->ttl;

	if (val_outcome_rank(from->outcome) > val_outcome_rank(into->outcome) || !into->reason[0]) {
		into->outcome = val_outcome_rank(from->outcome) > val_outcome_rank(into->outcome)
				    ? from->outcome
				    : into->outcome;
		memcpy(into->reason, from->reason, sizeof(into->reason));
	}
	into->ttl = ttl;
}

/* Through ldns's printer: what is not a well-formed name in wire form. */
static const char *name_str_ldns(const ldns_rdf *name, char *buf, size_t len)
{
	char *s = ldns_rdf2str(name);
	size_t n, i;

	if (!s) {
		snprintf(buf, len, "?");
		return buf;
	}
	n = strlen(s);
	for (i = 0; i < n; i++) /* canonical case: 0x20 queries come back mixed */
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] += 32;
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = 0;
	snprintf(buf, len, "%s", s);
	free(s);
	return buf;
}

/* One label byte in presentation form, with the escapes ldns prints; returns bytes written. */
static size_t name_byte(uint8_t c, char *out)
{
	if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c <= 0x20 || c >= 0x7f) {
		out[0] = '\\';
		out[1] = (char)('0' + c / 100);
		out[2] = (char)('0' + c / 10 % 10);
		out[3] = (char)('0' + c % 10);
		return 4;
	}
	out[0] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c; /* 0x20 queries: mixed case */
	return 1;
}

/*
 * Written directly from the wire form (names go into every reason, so this
 * is on the hot path); the text is what ldns prints, lower-cased, without the
 * final dot, cut to len.
 */
const char *name_str(const ldns_rdf *name, char *buf, size_t len)
{
	char tmp[4 * DW_NAME_MAX + 2];
	const uint8_t *d = name ? ldns_rdf_data(name) : NULL;
	size_t n = name ? ldns_rdf_size(name) : 0, i = 0, o = 0, l;

	if (name && ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME)
		return name_str_ldns(name, buf, len);
	if (!d || !n || n > LDNS_MAX_DOMAINLEN) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (n == 1)
		tmp[o++] = '.';
	while (i < n && d[i]) {
		if (d[i] > 63 || i + 1 + d[i] > n) { /* a label past the end: never read it */
			snprintf(buf, len, "?");
			return buf;
		}
		if (o)
			tmp[o++] = '.';
		for (l = d[i++]; l; l--)
			o += name_byte(d[i++], tmp + o);
	}
	tmp[o] = 0;
	snprintf(buf, len, "%s", tmp);
	return buf;
}

const char *type_str(ldns_rr_type t, char *buf, size_t len)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(t);

	if (d && d->_name)
		snprintf(buf, len, "%s", d->_name);
	else
		snprintf(buf, len, "TYPE%u", t);
	return buf;
}

const char *time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

bool name_eq(const ldns_rdf *a, const ldns_rdf *b)
{
	return a && b && ldns_dname_compare(a, b) == 0;
}

bool name_under(const ldns_rdf *sub, const ldns_rdf *zone)
{
	uint8_t ls, lz;
	ldns_rdf *tail;
	bool r;

	if (!sub || !zone)
		return false;
	ls = ldns_dname_label_count(sub);
	lz = ldns_dname_label_count(zone);
	if (ls < lz)
		return false;
	if (ls == lz)
		return name_eq(sub, zone);
	tail = ldns_dname_clone_from(sub, ls - lz);
	r = name_eq(tail, zone);
	ldns_rdf_deep_free(tail);
	return r;
}

ldns_rdf *name_child_toward(const ldns_rdf *zone, const ldns_rdf *target)
{
	uint8_t lt = ldns_dname_label_count(target), lz = ldns_dname_label_count(zone);

	if (lt <= lz || !name_under(target, zone))
		return NULL;
	return ldns_dname_clone_from(target, lt - lz - 1);
}

void truth_clear(struct val_truth *t)
{
	ldns_rr_list_deep_free(t->rrs);
	ldns_rdf_deep_free(t->zone);
	t->rrs = NULL;
	t->zone = NULL;
}

/* Zero limits mean "the documented default" (a config built in code, or an old file). */
static void limits_defaults(struct cfg_limits *l)
{
#define DEF(f, v)                                                                                  \
	do {                                                                                       \
		if (!l->f)                                                                         \
			l->f = (v);                                                                \
	} while (0)
	DEF(rrset_cache, 10000);
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
	v->allow_sha1_ds = true;
	if (anchors_load(&v->anchors, &v->cfg, err, err_len)) {
		free(v);
		return NULL;
	}
	v->cache = cache_new(v->cfg.limits.rrset_cache);
	v->keycache = sig_keycache_new(); /* optional: without it ldns verifies */
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

/* A name under a live negative trust anchor is not validated (the policy decides). */
static bool under_nta(struct val_work *w, const ldns_rdf *name, struct val_result *res)
{
	const struct cfg_nta *nta = nta_find(&w->v->cfg, name, w->now);
	char ts[40];
	time_t left;

	if (!nta)
		return false;
	left = nta->until ? nta->until - w->now : (time_t)w->v->cfg.limits.max_verdict_ttl;
	res->outcome = VAL_INSECURE;
	res->under_nta = true;
	res->ttl = left < (time_t)w->v->cfg.limits.max_verdict_ttl
		       ? (uint32_t)left
		       : w->v->cfg.limits.max_verdict_ttl;
	snprintf(res->reason, sizeof(res->reason), "negative trust anchor %s until %s%s%s",
		 nta->zone, nta->until ? time_str(nta->until, ts, sizeof(ts)) : "removed",
		 nta->reason[0] ? ": " : "", nta->reason);
	work_trace(w, "%s", res->reason);
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
	if (!under_nta(&w, qn, res)) {
		chain_truth(&w, qn, qtype, &t);
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
static void judge_extra(struct val_work *w, const ldns_rr_list *extra, struct val_status *st)
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
		chain_truth(w, ldns_rr_owner(rr), ldns_rr_get_type(rr), &t);
		if (t.st.outcome == VAL_BOGUS || t.st.outcome == VAL_INDETERMINATE) {
			status_set(&b, t.st.outcome, "%s/%s in the reply: %s", o, tb, t.st.reason);
			status_merge(st, &b);
		} else if (!judge_rr_in(rr, t.rrs, true)) {
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

/* An error reply without records carries nothing a workload could act on. */
static bool error_reply(const ldns_pkt *p)
{
	int rc = ldns_pkt_get_rcode(p);

	return rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN && !ldns_pkt_ancount(p) &&
	       !ldns_pkt_nscount(p) && !ldns_rr_list_rr_count(ldns_pkt_additional(p));
}

static int judge_parsed(struct val_work *w, const ldns_pkt *held, struct val_result *res)
{
	struct validator *v = w->v;
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(held), 0);
	ldns_rdf *qn = ldns_rdf_clone(ldns_rr_owner(q));
	ldns_rr_type qt = ldns_rr_get_type(q);
	ldns_rr_list *extra = ldns_rr_list_new();
	struct val_truth t;
	char why[VAL_REASON_LEN] = "";
	bool ok;

	ldns_dname2canonical(qn);
	if (under_nta(w, qn, res))
		goto out;
	if (error_reply(held)) {
		res->outcome = VAL_SECURE;
		res->ttl = v->cfg.limits.negative_cache_ttl;
		snprintf(res->reason, sizeof(res->reason), "RCODE %d reply carries no records",
			 ldns_pkt_get_rcode(held));
		goto out;
	}
	chain_truth(w, qn, qt, &t);
	ok = judge_compare(&v->cfg, held, &t, extra, why, sizeof(why));
	if (!ok && t.st.outcome != VAL_INDETERMINATE) {
		/* answer sets rotate: ask once more, bypassing the cache */
		truth_clear(&t);
		ldns_rr_list_deep_free(extra);
		extra = ldns_rr_list_new();
		w->fresh = true;
		chain_truth(w, qn, qt, &t);
		w->fresh = false;
		ok = judge_compare(&v->cfg, held, &t, extra, why, sizeof(why));
	}
	if (t.st.outcome == VAL_INDETERMINATE) {
		result_from(res, &t.st, v->cfg.limits.max_verdict_ttl);
	} else if (!ok) {
		res->outcome = VAL_BOGUS;
		res->content_mismatch = true;
		snprintf(res->reason, sizeof(res->reason), "%s", why);
	} else {
		judge_extra(w, extra, &t.st);
		result_from(res, &t.st, v->cfg.limits.max_verdict_ttl);
		if (held_min_ttl(held) < res->ttl)
			res->ttl = held_min_ttl(held);
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
}

void validator_flush(struct validator *v, const char *name)
{
	ldns_rdf *n = NULL;

	if (!name) {
		cache_flush(v->cache, NULL);
		return;
	}
	if (ldns_str2rdf_dname(&n, name) != LDNS_STATUS_OK || !n) {
		pr_warn("validator: flush: '%s' is not a domain name", name);
		return;
	}
	cache_flush(v->cache, n);
	ldns_rdf_deep_free(n);
}
