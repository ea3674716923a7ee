// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_anchor.c: trust anchors (the system root anchor from dns-root-data,
 * files and inline DS/DNSKEY records, grouped by zone) and negative trust
 * anchors with expiry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "validator/val_internal.h"

#define SYSTEM_ROOT_KEY "/usr/share/dns/root.key"
#define SYSTEM_ROOT_DS	"/usr/share/dns/root.ds"
#define ANCHOR_RRS_MAX	64 /* records per anchor source: a root has a handful */

static struct val_anchor *anchor_slot(struct val_anchors *an, const ldns_rdf *zone,
				      const char *source)
{
	int i;

	for (i = 0; i < an->n; i++)
		if (name_eq(an->a[i].zone, zone))
			return &an->a[i];
	if (an->n >= VAL_ANCHORS_MAX)
		return NULL;
	an->a[an->n].zone = ldns_rdf_clone(zone);
	an->a[an->n].ds = ldns_rr_list_new();
	an->a[an->n].dnskey = ldns_rr_list_new();
	snprintf(an->a[an->n].source, sizeof(an->a[an->n].source), "%s", source);
	return &an->a[an->n++];
}

/* Take one DS or DNSKEY record; other types are an error (a typo must not pass silently). */
static int anchor_add(struct val_anchors *an, ldns_rr *rr, const char *source, char *err,
		      size_t err_len)
{
	struct val_anchor *a;
	ldns_rr_type t = ldns_rr_get_type(rr);
	char o[CFG_NAME_LEN];

	if (t != LDNS_RR_TYPE_DS && t != LDNS_RR_TYPE_DNSKEY) {
		snprintf(err, err_len, "%s: anchor record for %s is not DS or DNSKEY", source,
			 name_str(ldns_rr_owner(rr), o, sizeof(o)));
		return -EINVAL;
	}
	ldns_dname2canonical(ldns_rr_owner(rr));
	a = anchor_slot(an, ldns_rr_owner(rr), source);
	if (!a) {
		snprintf(err, err_len, "%s: more than %d trust anchor zones", source,
			 VAL_ANCHORS_MAX);
		return -E2BIG;
	}
	ldns_rr_list_push_rr(t == LDNS_RR_TYPE_DS ? a->ds : a->dnskey, rr);
	return 0;
}

static int anchors_from_file(struct val_anchors *an, const char *path, char *err, size_t err_len)
{
	FILE *f = fopen(path, "r");
	uint32_t ttl = 3600;
	ldns_rdf *origin = NULL, *prev = NULL;
	int line = 0, n = 0, rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, err_len, "%s: cannot open trust anchor file: %s", path,
			 strerror(errno));
		return rc;
	}
	while (!feof(f) && n < ANCHOR_RRS_MAX) {
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);

		if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
		    s == LDNS_STATUS_SYNTAX_ORIGIN || s == LDNS_STATUS_SYNTAX_INCLUDE)
			continue;
		if (s != LDNS_STATUS_OK) {
			if (feof(f) && s == LDNS_STATUS_SYNTAX_EMPTY)
				break;
			snprintf(err, err_len, "%s:%d: %s", path, line, ldns_get_errorstr_by_id(s));
			rc = -EINVAL;
			break;
		}
		rc = anchor_add(an, rr, path, err, err_len);
		if (rc) {
			ldns_rr_free(rr);
			break;
		}
		n++;
	}
	fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (!rc && !n) {
		snprintf(err, err_len, "%s: no DS or DNSKEY records", path);
		rc = -EINVAL;
	}
	return rc;
}

static int anchors_from_inline(struct val_anchors *an, const char *text, char *err, size_t err_len)
{
	char buf[sizeof(((struct cfg_anchor *)0)->inline_rr)], *save = NULL, *line;
	int rc = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (line = strtok_r(buf, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		ldns_rr *rr = NULL;
		ldns_status s;

		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == ';')
			continue;
		s = ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL);
		if (s != LDNS_STATUS_OK) {
			snprintf(err, err_len, "inline trust anchor '%.60s': %s", line,
				 ldns_get_errorstr_by_id(s));
			return -EINVAL;
		}
		rc = anchor_add(an, rr, "inline", err, err_len);
		if (rc)
			ldns_rr_free(rr);
	}
	return rc;
}

int anchors_load(struct val_anchors *an, const struct dw_config *cfg, char *err, size_t err_len)
{
	int i, rc = 0;

	memset(an, 0, sizeof(*an));
	if (cfg->n_anchors == 0) /* the documented default: [system] */
		rc = anchors_from_file(
		    an, access(SYSTEM_ROOT_KEY, R_OK) ? SYSTEM_ROOT_DS : SYSTEM_ROOT_KEY, err,
		    err_len);
	for (i = 0; i < cfg->n_anchors && !rc; i++) {
		const struct cfg_anchor *a = &cfg->anchors[i];

		if (a->system)
			rc = anchors_from_file(
			    an, access(SYSTEM_ROOT_KEY, R_OK) ? SYSTEM_ROOT_DS : SYSTEM_ROOT_KEY,
			    err, err_len);
		else if (a->file[0])
			rc = anchors_from_file(an, a->file, err, err_len);
		else if (a->inline_rr[0])
			rc = anchors_from_inline(an, a->inline_rr, err, err_len);
	}
	if (rc) {
		pr_warn("trust anchors: %s", err);
		anchors_free(an);
	}
	return rc;
}

void anchors_free(struct val_anchors *an)
{
	int i;

	for (i = 0; i < an->n; i++) {
		ldns_rdf_deep_free(an->a[i].zone);
		ldns_rr_list_deep_free(an->a[i].ds);
		ldns_rr_list_deep_free(an->a[i].dnskey);
	}
	an->n = 0;
}

const struct val_anchor *anchors_closest(const struct val_anchors *an, const ldns_rdf *name)
{
	const struct val_anchor *best = NULL;
	int i;

	for (i = 0; i < an->n; i++)
		if (name_under(name, an->a[i].zone) &&
		    (!best ||
		     ldns_dname_label_count(an->a[i].zone) > ldns_dname_label_count(best->zone)))
			best = &an->a[i];
	return best;
}

const struct cfg_nta *nta_find(const struct dw_config *cfg, const ldns_rdf *name, time_t now)
{
	int i;

	for (i = 0; i < cfg->n_ntas; i++) {
		const struct cfg_nta *n = &cfg->ntas[i];
		ldns_rdf *z;
		bool hit;

		if (n->until && n->until <= now)
			continue;
		z = ldns_dname_new_frm_str(n->zone);
		hit = z && name_under(name, z);
		ldns_rdf_deep_free(z);
		if (hit)
			return n;
	}
	return NULL;
}
