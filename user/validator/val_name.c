// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_name.c: domain names, types and times as the validator compares them
 * and writes them into reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/dns_question.h"
#include "dnsward.h"
#include "validator/val_name.h"

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

const char *name_dotted(const ldns_rdf *n, char *buf, size_t len)
{
	name_str(n, buf, len);
	if (strcmp(buf, ".") && strlen(buf) + 1 < len)
		strcat(buf, ".");
	return buf;
}

ldns_rdf *name_child_toward(const ldns_rdf *zone, const ldns_rdf *target)
{
	uint8_t lt = ldns_dname_label_count(target), lz = ldns_dname_label_count(zone);

	if (lt <= lz || !name_under(target, zone))
		return NULL;
	return ldns_dname_clone_from(target, lt - lz - 1);
}

const struct cfg_zone *name_zone(const struct dw_config *cfg, const ldns_rdf *name)
{
	char suffix[CFG_NAME_LEN];

	if (!name || ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME ||
	    dname_zone_suffix(ldns_rdf_data(name), ldns_rdf_size(name), suffix, sizeof(suffix)))
		return NULL;
	return config_find_zone(cfg, suffix);
}
