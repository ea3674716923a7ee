// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_work.c: the context of one validation (its trace and its limits) and
 * the truth it builds.
 */
#include <stdarg.h>
#include <string.h>

#include "common/log.h"
#include "validator/val_internal.h"

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

void work_sig_expires(struct val_work *w, int64_t when)
{
	if (w->res && (!w->res->sig_expires || when < w->res->sig_expires))
		w->res->sig_expires = when;
}

bool work_limit(struct val_work *w, const char *what)
{
	w->v->stats.limit_hits++;
	pr_debug("validator: limit hit: %s", what);
	return false;
}

void truth_init(struct val_truth *t, const struct validator *v)
{
	memset(t, 0, sizeof(*t));
	t->rrs = ldns_rr_list_new();
	t->st.outcome = VAL_SECURE;
	t->st.ttl = v->cfg.limits.max_verdict_ttl;
}

void truth_add(struct val_truth *t, const ldns_rr_list *rrs, uint32_t max_ttl)
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

void truth_clear(struct val_truth *t)
{
	ldns_rr_list_deep_free(t->rrs);
	ldns_rdf_deep_free(t->zone);
	t->rrs = NULL;
	t->zone = NULL;
}
