// SPDX-License-Identifier: BSD-2-Clause
/*
 * config.c: the YAML configuration (docs/configuration.md) into struct
 * dw_config. libyaml builds the document tree (anchors and aliases resolved);
 * each mapping is walked against a table of its keys, so an unknown or
 * repeated key is an error at its own line and column. Every message has the
 * shape "file:line:column: key.path: what is wrong".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>
#include <openssl/evp.h>

#include "common/array.h"
#include "common/config.h"
#include "dnsward.h"
#include "common/log.h"

#define CFG_FILE_MAX	    (1 << 20) /* a policy is a few KiB; refuse anything absurd */
#define CFG_KEYPATH_LEN	    128
#define CFG_DURATION_MAX_MS (366ull * 24 * 3600 * 1000)

struct parser {
	const char *file;
	yaml_document_t *doc;
	struct dw_config *cfg;
	char *err;
	size_t err_len;
};

typedef int (*field_fn)(struct parser *p, yaml_node_t *val, const char *path, void *obj);

struct field {
	const char *key;
	field_fn fn;
	bool required;
};

void config_defaults(struct dw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->limits = (struct cfg_limits){
	    .verdict_cache = 65536,
	    .rrset_cache = 10000,
	    .punt_rate = 200,
	    .punt_burst = 400,
	    .keys_per_tag = 4,
	    .sigs_per_rrset = 8,
	    .sigs_per_validation = 64,
	    .nsec3_iterations = 100,
	    .chain_depth = 16,
	    .cname_chain = 8,
	    .queries_per_validation = 32,
	    .clock_skew = 300,
	    .max_verdict_ttl = 3600,
	    .negative_cache_ttl = 5,
	    .heartbeat_timeout_ms = 3000,
	};
	cfg->dns_port = 53;
	snprintf(cfg->pin_path, sizeof(cfg->pin_path), "%s", DW_DEFAULT_PIN_PATH);
	snprintf(cfg->events_output, sizeof(cfg->events_output), "stdout");
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "/run/dnsward/control.sock");
	cfg->control_mode = 0600;
	cfg->prefetch = true;
}

/* --- messages -------------------------------------------------------------- */

static int fail_at(struct parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->err_len, "%s:%zu:%zu: %s%s%s", p->file, n->start_mark.line + 1,
		 n->start_mark.column + 1, path, *path ? ": " : "", what);
	return -EINVAL;
}

static void join_path(char *out, size_t len, const char *parent, const char *key)
{
	snprintf(out, len, "%s%s%s", parent, *parent ? "." : "", key);
}

/* --- scalars --------------------------------------------------------------- */

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* A non-empty scalar, or an error that says what was expected. */
static int want_string(struct parser *p, yaml_node_t *n, const char *path, const char *what,
		       const char **out)
{
	const char *s = scalar(n);

	if (!s)
		return fail_at(p, n, path, "expected %s, got %s", what, node_kind(n));
	if (!*s)
		return fail_at(p, n, path, "expected %s, got an empty value", what);
	if (strlen(s) != n->data.scalar.length)
		return fail_at(p, n, path, "value contains a NUL byte");
	*out = s;
	return 0;
}

static int copy_string(struct parser *p, yaml_node_t *n, const char *path, char *dst, size_t len)
{
	const char *s;
	int err = want_string(p, n, path, "a string", &s);

	if (err)
		return err;
	if (strlen(s) >= len)
		return fail_at(p, n, path, "too long (at most %zu characters)", len - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int parse_bool(struct parser *p, yaml_node_t *n, const char *path, bool *out)
{
	const char *s = scalar(n);

	if (s && !strcmp(s, "true"))
		*out = true;
	else if (s && !strcmp(s, "false"))
		*out = false;
	else
		return fail_at(p, n, path, "expected true or false, got '%s'",
			       s ? s : node_kind(n));
	return 0;
}

static int parse_uint(struct parser *p, yaml_node_t *n, const char *path, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	const char *s = scalar(n);
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return fail_at(p, n, path, "expected an integer from %llu to %llu, got '%s'",
		       (unsigned long long)min, (unsigned long long)max, s ? s : node_kind(n));
}

static int parse_port(struct parser *p, yaml_node_t *n, const char *path, uint16_t *out)
{
	uint64_t v;
	int err = parse_uint(p, n, path, 1, 65535, &v);

	if (!err)
		*out = (uint16_t)v;
	return err;
}

/* "1500ms", "30s", "5m", "2h", "1d", or a sum such as "1h30m"; "0" alone is zero. */
int config_parse_duration(const char *s, uint64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	uint64_t total = 0;
	size_t i;

	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t v = 0;
		size_t best = 0, best_len = 0;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > CFG_DURATION_MAX_MS)
				return -ERANGE;
		}
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			size_t l = strlen(units[i].unit);

			if (!strncmp(s, units[i].unit, l) && l > best_len) {
				best = i;
				best_len = l;
			}
		}
		/* "m" must not eat the "m" of "ms": the longest unit wins. */
		if (!best_len)
			return -EINVAL;
		s += best_len;
		total += v * units[best].ms;
		if (total > CFG_DURATION_MAX_MS)
			return -ERANGE;
	}
	*ms = total;
	return 0;
}

static int parse_duration_ms(struct parser *p, yaml_node_t *n, const char *path, uint64_t min_ms,
			     uint64_t max_ms, uint64_t *out)
{
	const char *s = scalar(n);
	uint64_t v;

	if (!s || config_parse_duration(s, &v) || v < min_ms || v > max_ms)
		return fail_at(
		    p, n, path,
		    "expected a duration from %llums to %llus such as 500ms, 30s, 5m, 2h, got '%s'",
		    (unsigned long long)min_ms, (unsigned long long)max_ms / 1000,
		    s ? s : node_kind(n));
	*out = v;
	return 0;
}

/* One of a fixed set of words; choices is NULL-terminated. */
static int parse_enum(struct parser *p, yaml_node_t *n, const char *path,
		      const char *const *choices, int *out)
{
	const char *s = scalar(n);
	char expected[160] = "";
	size_t len = 0;
	int i, count = 0;

	for (i = 0; choices[i]; i++) {
		if (s && !strcmp(s, choices[i])) {
			*out = i;
			return 0;
		}
		count++;
	}
	for (i = 0; i < count && len < sizeof(expected); i++)
		len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s'%s'",
					!i		 ? ""
					: i == count - 1 ? (count > 2 ? ", or " : " or ")
							 : ", ",
					choices[i]);
	return fail_at(p, n, path, "expected %s, got '%s'", expected, s ? s : node_kind(n));
}

static int parse_abs_path(struct parser *p, yaml_node_t *n, const char *path, char *dst, size_t len)
{
	int err = copy_string(p, n, path, dst, len);

	if (err)
		return err;
	if (dst[0] != '/')
		return fail_at(p, n, path, "expected an absolute path, got '%s'", dst);
	return 0;
}

/* --- names and addresses ---------------------------------------------------- */

/*
 * Presentation-format domain name -> lower case, no trailing dot, "." for the
 * root. Labels are letters, digits, '-' and '_' (service labels), 1..63 bytes.
 */
int config_normalize_name(const char *in, char *out, size_t out_len)
{
	size_t n = strlen(in), i, label = 0;

	if (!n || out_len < 2)
		return -EINVAL;
	if (!strcmp(in, ".")) {
		snprintf(out, out_len, ".");
		return 0;
	}
	if (in[n - 1] == '.')
		n--;
	if (n > 253 || n + 1 > out_len)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (!label)
				return -EINVAL;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > DW_LABEL_MAX)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		out[i] = (char)tolower(c);
	}
	if (!label)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

/* child is zone or lies below it, on a label boundary. */
bool config_name_within(const char *child, const char *zone)
{
	size_t c = strlen(child), z = strlen(zone);

	if (!strcmp(zone, "."))
		return true;
	if (c < z || strcmp(child + c - z, zone))
		return false;
	return c == z || child[c - z - 1] == '.';
}

static int parse_name(struct parser *p, yaml_node_t *n, const char *path, char *dst, size_t len)
{
	const char *s;
	int err = want_string(p, n, path, "a domain name", &s);

	if (err)
		return err;
	if (config_normalize_name(s, dst, len))
		return fail_at(p, n, path,
			       "'%s' is not a domain name (labels of 1-63 letters, digits, '-' or "
			       "'_', at most 253 characters)",
			       s);
	return 0;
}

static int parse_address(struct parser *p, yaml_node_t *n, const char *path,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	const char *s;
	int err = want_string(p, n, path, "an IPv4 or IPv6 address", &s);

	if (err)
		return err;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		*len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		*len = sizeof(*a6);
	} else {
		return fail_at(p, n, path, "expected an IPv4 or IPv6 address, got '%s'", s);
	}
	return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			       &((const struct sockaddr_in *)b)->sin_addr, 4) &&
		       ((const struct sockaddr_in *)a)->sin_port ==
			   ((const struct sockaddr_in *)b)->sin_port;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16) &&
	       ((const struct sockaddr_in6 *)a)->sin6_port ==
		   ((const struct sockaddr_in6 *)b)->sin6_port;
}

/* "HOST:PORT" with an IPv4 address or a bracketed IPv6 address. */
static int check_listen(const char *s)
{
	char host[INET6_ADDRSTRLEN + 2], buf[16];
	const char *colon;
	size_t hl;
	char *end;
	long port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, buf) != 1)
			return -EINVAL;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		hl = (size_t)(colon - s);
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, buf) != 1)
			return -EINVAL;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || !isdigit((unsigned char)colon[1]) || port < 1 || port > 65535)
		return -EINVAL;
	return 0;
}

/* --- mappings and lists ---------------------------------------------------- */

static yaml_node_t *node_at(struct parser *p, int index)
{
	return yaml_document_get_node(p->doc, index);
}

static yaml_node_t *map_get(struct parser *p, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const char *k = scalar(node_at(p, pair->key));

		if (k && !strcmp(k, key))
			return node_at(p, pair->value);
	}
	return NULL;
}

static void key_list(const struct field *fields, size_t n, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used +=
		    (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", fields[i].key);
}

/* Walk a mapping against its key table: unknown, repeated and missing keys are errors. */
static int parse_map(struct parser *p, yaml_node_t *n, const char *path, const struct field *fields,
		     size_t n_fields, void *obj)
{
	uint64_t seen = 0;
	yaml_node_pair_t *pair;
	char sub[CFG_KEYPATH_LEN], keys[512];
	size_t i;
	int err;

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, path, "expected a mapping, got %s", node_kind(n));
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = node_at(p, pair->key), *vn = node_at(p, pair->value);
		const char *k = scalar(kn);

		if (!k)
			return fail_at(p, kn, path, "keys must be scalars, got %s", node_kind(kn));
		for (i = 0; i < n_fields; i++)
			if (!strcmp(k, fields[i].key))
				break;
		join_path(sub, sizeof(sub), path, k);
		if (i == n_fields) {
			key_list(fields, n_fields, keys, sizeof(keys));
			return fail_at(p, kn, sub, "unknown key (expected one of: %s)", keys);
		}
		if (seen & (1ull << i))
			return fail_at(p, kn, sub, "key given twice");
		seen |= 1ull << i;
		err = fields[i].fn(p, vn, sub, obj);
		if (err)
			return err;
	}
	for (i = 0; i < n_fields; i++)
		if (fields[i].required && !(seen & (1ull << i)))
			return fail_at(p, n, path, "missing required key '%s'", fields[i].key);
	return 0;
}

typedef int (*item_fn)(struct parser *p, yaml_node_t *item, const char *path, int index);

static int parse_list(struct parser *p, yaml_node_t *n, const char *path, int max, bool allow_empty,
		      item_fn fn)
{
	yaml_node_item_t *it;
	char sub[CFG_KEYPATH_LEN];
	int i = 0, err;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, path, "expected a list, got %s", node_kind(n));
	if (!allow_empty && n->data.sequence.items.start == n->data.sequence.items.top)
		return fail_at(p, n, path, "empty list (omit the key for the default)");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		if (i >= max)
			return fail_at(p, node_at(p, *it), sub, "too many entries (at most %d)",
				       max);
		err = fn(p, node_at(p, *it), sub, i);
		if (err)
			return err;
	}
	return 0;
}

/* --- zones ----------------------------------------------------------------- */

static int zone_name(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_zone *z = obj;

	return parse_name(p, v, path, z->name, sizeof(z->name));
}

static int zone_mode(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	static const char *const modes[] = {"enforce", "monitor", NULL};
	int i, err = parse_enum(p, v, path, modes, &i);

	((struct cfg_zone *)obj)->mode = (enum cfg_mode)i;
	return err;
}

static int zone_require(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	static const char *const reqs[] = {"secure", "not-bogus", NULL};
	int i, err = parse_enum(p, v, path, reqs, &i);

	((struct cfg_zone *)obj)->require = (enum cfg_require)i;
	return err;
}

static int zone_failure(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	static const char *const fails[] = {"closed", "open", NULL};
	int i, err = parse_enum(p, v, path, fails, &i);

	((struct cfg_zone *)obj)->failure = (enum cfg_failure)i;
	return err;
}

static int zone_cname(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_bool(p, v, path, &((struct cfg_zone *)obj)->cname_targets_secure);
}

static int zone_probe(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_zone *z = obj;

	return parse_name(p, v, path, z->probe, sizeof(z->probe));
}

static const struct field zone_fields[] = {
    {"name", zone_name, true},
    {"mode", zone_mode, false},
    {"require", zone_require, false},
    {"failure", zone_failure, false},
    {"cname_targets_secure", zone_cname, false},
    {"probe", zone_probe, false},
};

static int parse_zone(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_zone *z = &p->cfg->zones[index];
	char sub[CFG_KEYPATH_LEN];
	yaml_node_t *v;
	int i, err;

	z->cname_targets_secure = true;
	z->line = (int)n->start_mark.line + 1;
	err = parse_map(p, n, path, zone_fields, ARRAY_SIZE(zone_fields), z);
	if (err)
		return err;
	/* Monitor never drops, so a failure mode there could never take effect. */
	v = map_get(p, n, "failure");
	if (v && z->mode == CFG_MODE_MONITOR && z->failure == CFG_FAIL_OPEN) {
		join_path(sub, sizeof(sub), path, "failure");
		return fail_at(
		    p, v, sub,
		    "'open' has no effect with mode 'monitor' (monitor never drops a reply)");
	}
	v = map_get(p, n, "probe");
	if (v && !config_name_within(z->probe, z->name)) {
		join_path(sub, sizeof(sub), path, "probe");
		return fail_at(p, v, sub, "'%s' is not inside zone '%s'", z->probe, z->name);
	}
	for (i = 0; i < index; i++) {
		if (strcmp(p->cfg->zones[i].name, z->name))
			continue;
		join_path(sub, sizeof(sub), path, "name");
		return fail_at(p, map_get(p, n, "name"), sub,
			       "duplicate zone '%s' (first defined at line %d)", z->name,
			       p->cfg->zones[i].line);
	}
	p->cfg->n_zones = index + 1;
	return 0;
}

/* --- trust anchors ---------------------------------------------------------- */

static int anchor_file(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_anchor *a = obj;

	return parse_abs_path(p, v, path, a->file, sizeof(a->file));
}

/* Each non-empty, non-comment line must be a DS or DNSKEY record. */
static int anchor_inline(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_anchor *a = obj;
	char *line, *save = NULL, copy[sizeof(a->inline_rr)];
	int err = copy_string(p, v, path, a->inline_rr, sizeof(a->inline_rr)), records = 0;

	if (err)
		return err;
	memcpy(copy, a->inline_rr, sizeof(copy));
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *tsave = NULL;
		bool found = false;

		line += strspn(line, " \t");
		if (!*line || *line == ';')
			continue;
		for (tok = strtok_r(line, " \t", &tsave); tok; tok = strtok_r(NULL, " \t", &tsave))
			if (!strcasecmp(tok, "DS") || !strcasecmp(tok, "DNSKEY"))
				found = true;
		if (!found)
			return fail_at(p, v, path, "every line must be a DS or DNSKEY record");
		records++;
	}
	if (!records)
		return fail_at(p, v, path, "no DS or DNSKEY record");
	return 0;
}

static const struct field anchor_fields[] = {
    {"file", anchor_file, false},
    {"inline", anchor_inline, false},
};

static int parse_anchor(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_anchor *a = &p->cfg->anchors[index];
	const char *s = scalar(n);
	int i, err;

	a->line = (int)n->start_mark.line + 1;
	if (s) {
		if (strcmp(s, "system"))
			return fail_at(
			    p, n, path,
			    "expected 'system', {file: PATH} or {inline: RECORDS}, got '%s'", s);
		a->system = true;
	} else {
		err = parse_map(p, n, path, anchor_fields, 2, a);
		if (err)
			return err;
		if (!!a->file[0] + !!a->inline_rr[0] != 1)
			return fail_at(p, n, path, "give exactly one of 'file' or 'inline'");
	}
	for (i = 0; i < index; i++) {
		const struct cfg_anchor *o = &p->cfg->anchors[i];

		if (o->system == a->system && !strcmp(o->file, a->file) &&
		    !strcmp(o->inline_rr, a->inline_rr))
			return fail_at(p, n, path, "duplicate trust anchor (first at line %d)",
				       o->line);
	}
	p->cfg->n_anchors = index + 1;
	return 0;
}

/* --- negative trust anchors ------------------------------------------------- */

/* RFC 3339: "2026-12-01T00:00:00Z" or with a "+hh:mm"/"-hh:mm" offset. */
int config_parse_time(const char *s, time_t *out)
{
	struct tm tm = {0};
	int off_h = 0, off_m = 0, consumed = 0;
	char sign = 0;
	const char *rest;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
	    consumed != 19)
		return -EINVAL;
	rest = s + consumed;
	if (!strcmp(rest, "Z")) {
		sign = '+';
	} else if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 6 && rest[3] == ':' &&
		   sscanf(rest + 1, "%2d:%2d", &off_h, &off_m) == 2) {
		sign = rest[0];
	} else {
		return -EINVAL;
	}
	if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || off_h > 23 ||
	    off_m > 59)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	t += (sign == '+' ? -1 : 1) * (time_t)(off_h * 3600 + off_m * 60);
	*out = t;
	return 0;
}

static int nta_zone(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_nta *t = obj;

	return parse_name(p, v, path, t->zone, sizeof(t->zone));
}

static int nta_until(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	const char *s = scalar(v);

	if (!s || config_parse_time(s, &((struct cfg_nta *)obj)->until))
		return fail_at(
		    p, v, path,
		    "expected an RFC 3339 time such as \"2026-12-01T00:00:00Z\", got '%s'",
		    s ? s : node_kind(v));
	return 0;
}

static int nta_reason(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_nta *t = obj;

	return copy_string(p, v, path, t->reason, sizeof(t->reason));
}

static const struct field nta_fields[] = {
    {"zone", nta_zone, true},
    {"until", nta_until, true},
    {"reason", nta_reason, true},
};

static int parse_nta(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_nta *t = &p->cfg->ntas[index];
	char sub[CFG_KEYPATH_LEN];
	int i, err;

	t->line = (int)n->start_mark.line + 1;
	err = parse_map(p, n, path, nta_fields, 3, t);
	if (err)
		return err;
	join_path(sub, sizeof(sub), path, "zone");
	for (i = 0; i < index; i++) {
		const struct cfg_nta *o = &p->cfg->ntas[i];

		if (config_name_within(t->zone, o->zone) || config_name_within(o->zone, t->zone))
			return fail_at(p, map_get(p, n, "zone"), sub,
				       "'%s' overlaps negative_trust_anchors[%d] '%s' (line %d)",
				       t->zone, i, o->zone, o->line);
	}
	if (t->until <= time(NULL))
		pr_warn("%s:%d: negative trust anchor for %s already expired; it has no effect",
			p->file, t->line, t->zone);
	p->cfg->n_ntas = index + 1;
	return 0;
}

/* --- upstreams -------------------------------------------------------------- */

struct upstream_parse {
	struct cfg_upstream *u;
	uint16_t port; /* 0 = the transport's default */
};

static int up_address(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_upstream *u = ((struct upstream_parse *)obj)->u;

	return parse_address(p, v, path, &u->addr, &u->addr_len);
}

static int up_port(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_port(p, v, path, &((struct upstream_parse *)obj)->port);
}

static int up_transport(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	static const char *const transports[] = {"udp", "tcp", "tls", NULL};
	int i, err = parse_enum(p, v, path, transports, &i);

	((struct upstream_parse *)obj)->u->transport = (enum cfg_transport)i;
	return err;
}

static int up_tls_name(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_upstream *u = ((struct upstream_parse *)obj)->u;

	return parse_name(p, v, path, u->tls_name, sizeof(u->tls_name));
}

/* "sha256/" + base64 of a 32-byte SPKI digest (44 characters with one '='). */
static int up_pin(struct parser *p, yaml_node_t *item, const char *path, int index)
{
	struct cfg_upstream *u = &p->cfg->upstreams[p->cfg->n_upstreams];
	unsigned char raw[48];
	const char *s = scalar(item), *b64;

	if (!s || strncmp(s, "sha256/", 7))
		goto bad;
	b64 = s + 7;
	if (strlen(b64) != 44 || b64[43] != '=' || b64[42] == '=' ||
	    EVP_DecodeBlock(raw, (const unsigned char *)b64, 44) != 33)
		goto bad;
	snprintf(u->pins[index], sizeof(u->pins[index]), "%s", s);
	u->n_pins = index + 1;
	return 0;
bad:
	return fail_at(p, item, path,
		       "expected \"sha256/<base64 of 32 bytes>\" (44 base64 characters), got '%s'",
		       s ? s : node_kind(item));
}

static int up_pins(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_list(p, v, path, CFG_PINS_MAX, false, up_pin);
}

static int up_timeout(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	uint64_t ms = 0;
	int err = parse_duration_ms(p, v, path, 10, 60000, &ms);

	if (!err)
		((struct upstream_parse *)obj)->u->timeout_ms = (int)ms;
	return err;
}

static const struct field upstream_fields[] = {
    {"address", up_address, true},    {"port", up_port, false}, {"transport", up_transport, false},
    {"tls_name", up_tls_name, false}, {"pins", up_pins, false}, {"timeout", up_timeout, false},
};

static int check_upstream(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_upstream *u = &p->cfg->upstreams[index];
	char sub[CFG_KEYPATH_LEN];
	yaml_node_t *v;
	int i;

	if (u->transport != CFG_TRANSPORT_TLS) {
		const char *only_tls = map_get(p, n, "tls_name") ? "tls_name"
				       : map_get(p, n, "pins")	 ? "pins"
								 : NULL;
		if (only_tls) {
			join_path(sub, sizeof(sub), path, only_tls);
			return fail_at(p, map_get(p, n, only_tls), sub,
				       "only used with transport 'tls'");
		}
	} else if (!u->tls_name[0] && !u->n_pins) {
		v = map_get(p, n, "transport");
		join_path(sub, sizeof(sub), path, "transport");
		return fail_at(p, v, sub,
			       "'tls' needs tls_name or pins (an unauthenticated DoT upstream "
			       "proves nothing)");
	}
	for (i = 0; i < index; i++) {
		if (!same_addr(&p->cfg->upstreams[i].addr, &u->addr) ||
		    p->cfg->upstreams[i].transport != u->transport)
			continue;
		join_path(sub, sizeof(sub), path, "address");
		return fail_at(p, map_get(p, n, "address"), sub,
			       "duplicate upstream (first at line %d)", p->cfg->upstreams[i].line);
	}
	return 0;
}

static int parse_upstream(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct upstream_parse up = {.u = &p->cfg->upstreams[index]};
	int err;

	up.u->line = (int)n->start_mark.line + 1;
	up.u->timeout_ms = 2000;
	/* pins are parsed through p->cfg->n_upstreams: it indexes the entry being filled. */
	p->cfg->n_upstreams = index;
	err = parse_map(p, n, path, upstream_fields, ARRAY_SIZE(upstream_fields), &up);
	if (err)
		return err;
	if (!up.port)
		up.port = up.u->transport == CFG_TRANSPORT_TLS ? 853 : 53;
	set_port(&up.u->addr, up.port);
	err = check_upstream(p, n, path, index);
	if (err)
		return err;
	p->cfg->n_upstreams = index + 1;
	return 0;
}

/* --- resolvers -------------------------------------------------------------- */

static int parse_resolver(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	socklen_t len;
	int i, err = parse_address(p, n, path, &p->cfg->resolvers[index], &len);

	if (err)
		return err;
	for (i = 0; i < index; i++)
		if (same_addr(&p->cfg->resolvers[i], &p->cfg->resolvers[index]))
			return fail_at(p, n, path, "duplicate resolver address '%s'", scalar(n));
	p->cfg->n_resolvers = index + 1;
	return 0;
}

/* --- interfaces ------------------------------------------------------------- */

static int iface_name(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_iface *f = obj;
	size_t i;
	int err = copy_string(p, v, path, f->name, 16); /* IFNAMSIZ */

	if (err)
		return err;
	for (i = 0; f->name[i]; i++)
		if (f->name[i] == '/' || isspace((unsigned char)f->name[i]) || f->name[i] == ':')
			return fail_at(p, v, path, "'%s' is not an interface name", f->name);
	return 0;
}

static int iface_pattern(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_iface *f = obj;
	int err = copy_string(p, v, path, f->pattern, sizeof(f->pattern)), depth = 0;
	size_t i;

	if (err)
		return err;
	for (i = 0; f->pattern[i]; i++) {
		char c = f->pattern[i];

		if (c == '[')
			depth++;
		else if (c == ']')
			depth--;
		if (depth < 0 || depth > 1 || c == '/' || isspace((unsigned char)c))
			break;
	}
	if (f->pattern[i] || depth)
		return fail_at(p, v, path,
			       "'%s' is not an interface pattern (fnmatch syntax: *, ?, [...])",
			       f->pattern);
	return 0;
}

static int iface_hook(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	static const char *const hooks[] = {"xdp", "tc", NULL};
	int i, err = parse_enum(p, v, path, hooks, &i);

	((struct cfg_iface *)obj)->hook = (enum cfg_hook)i;
	return err;
}

static int iface_direction(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	static const char *const dirs[] = {"ingress", "egress", NULL};
	int i, err = parse_enum(p, v, path, dirs, &i);

	((struct cfg_iface *)obj)->direction = (enum cfg_direction)i;
	return err;
}

static int iface_xdp_mode(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	static const char *const modes[] = {"auto", "native", "generic", NULL};
	int i, err = parse_enum(p, v, path, modes, &i);

	((struct cfg_iface *)obj)->xdp_mode = (enum cfg_xdp_mode)i;
	return err;
}

static const struct field iface_fields[] = {
    {"name", iface_name, false},	 {"pattern", iface_pattern, false},
    {"hook", iface_hook, false},	 {"direction", iface_direction, false},
    {"xdp_mode", iface_xdp_mode, false},
};

static int check_iface(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_iface *f = &p->cfg->ifaces[index];
	char sub[CFG_KEYPATH_LEN];
	yaml_node_t *v;
	int i;

	if (!!f->name[0] + !!f->pattern[0] != 1)
		return fail_at(p, n, path, "give exactly one of 'name' or 'pattern'");
	v = map_get(p, n, "direction");
	if (f->hook == CFG_HOOK_XDP && v && f->direction == CFG_DIR_EGRESS) {
		join_path(sub, sizeof(sub), path, "direction");
		return fail_at(p, v, sub,
			       "'egress' is impossible with hook 'xdp' (XDP sees ingress only)");
	}
	v = map_get(p, n, "xdp_mode");
	if (f->hook == CFG_HOOK_TC && v) {
		join_path(sub, sizeof(sub), path, "xdp_mode");
		return fail_at(p, v, sub, "only used with hook 'xdp'");
	}
	for (i = 0; i < index; i++) {
		const struct cfg_iface *o = &p->cfg->ifaces[i];

		if (!strcmp(o->name, f->name) && !strcmp(o->pattern, f->pattern) &&
		    o->hook == f->hook && o->direction == f->direction)
			return fail_at(p, n, path, "duplicate interface (first at line %d)",
				       o->line);
	}
	return 0;
}

static int parse_iface(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_iface *f = &p->cfg->ifaces[index];
	int err;

	f->line = (int)n->start_mark.line + 1;
	err = parse_map(p, n, path, iface_fields, ARRAY_SIZE(iface_fields), f);
	if (err)
		return err;
	/* tc is meant for pod veths, where replies leave the host toward the pod. */
	if (f->hook == CFG_HOOK_TC && !map_get(p, n, "direction"))
		f->direction = CFG_DIR_EGRESS;
	err = check_iface(p, n, path, index);
	if (err)
		return err;
	p->cfg->n_ifaces = index + 1;
	return 0;
}

/* --- limits ----------------------------------------------------------------- */

/* Integer limits: key, offset in cfg_limits, bounds. Durations are separate. */
static const struct limit_def {
	const char *key;
	size_t off;
	uint32_t min, max;
	bool duration; /* value in seconds, written as a duration */
} limit_defs[] = {
    {"verdict_cache", offsetof(struct cfg_limits, verdict_cache), 1024, 1u << 24, false},
    {"rrset_cache", offsetof(struct cfg_limits, rrset_cache), 16, 1u << 24, false},
    {"punt_rate", offsetof(struct cfg_limits, punt_rate), 0, 1000000, false},
    {"punt_burst", offsetof(struct cfg_limits, punt_burst), 1, 1000000, false},
    {"keys_per_tag", offsetof(struct cfg_limits, keys_per_tag), 1, 64, false},
    {"sigs_per_rrset", offsetof(struct cfg_limits, sigs_per_rrset), 1, 64, false},
    {"sigs_per_validation", offsetof(struct cfg_limits, sigs_per_validation), 1, 1024, false},
    {"nsec3_iterations", offsetof(struct cfg_limits, nsec3_iterations), 0, 2500, false},
    {"chain_depth", offsetof(struct cfg_limits, chain_depth), 1, 64, false},
    {"cname_chain", offsetof(struct cfg_limits, cname_chain), 1, 32, false},
    {"queries_per_validation", offsetof(struct cfg_limits, queries_per_validation), 1, 512, false},
    {"clock_skew", offsetof(struct cfg_limits, clock_skew), 0, 86400, true},
    {"max_verdict_ttl", offsetof(struct cfg_limits, max_verdict_ttl), 1, 7 * 86400, true},
    {"negative_cache_ttl", offsetof(struct cfg_limits, negative_cache_ttl), 0, 3600, true},
};

static int parse_limits(struct parser *p, yaml_node_t *n, const char *path, void *obj)
{
	size_t n_defs = ARRAY_SIZE(limit_defs), i;
	char sub[CFG_KEYPATH_LEN];
	yaml_node_pair_t *pair;
	uint64_t seen = 0, v = 0;
	int err;

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, path, "expected a mapping, got %s", node_kind(n));
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = node_at(p, pair->key), *vn = node_at(p, pair->value);
		const char *k = scalar(kn);

		join_path(sub, sizeof(sub), path, k ? k : "?");
		if (k && !strcmp(k, "heartbeat_timeout")) {
			i = n_defs; /* the one limit kept in milliseconds */
			err = parse_duration_ms(p, vn, sub, 100, 600000, &v);
			if (!err)
				p->cfg->limits.heartbeat_timeout_ms = (uint32_t)v;
		} else {
			for (i = 0; k && i < n_defs; i++)
				if (!strcmp(k, limit_defs[i].key))
					break;
			if (!k || i == n_defs)
				return fail_at(
				    p, kn, sub,
				    "unknown key (expected one of: verdict_cache, rrset_cache, "
				    "punt_rate, punt_burst, keys_per_tag, sigs_per_rrset, "
				    "sigs_per_validation, nsec3_iterations, chain_depth, "
				    "cname_chain, queries_per_validation, clock_skew, "
				    "max_verdict_ttl, negative_cache_ttl, heartbeat_timeout)");
			if (limit_defs[i].duration) {
				err = parse_duration_ms(p, vn, sub, limit_defs[i].min * 1000ull,
							limit_defs[i].max * 1000ull, &v);
				v /= 1000;
			} else {
				err = parse_uint(p, vn, sub, limit_defs[i].min, limit_defs[i].max,
						 &v);
			}
			if (!err)
				*(uint32_t *)((char *)&p->cfg->limits + limit_defs[i].off) =
				    (uint32_t)v;
		}
		if (err)
			return err;
		if (seen & (1ull << i))
			return fail_at(p, kn, sub, "key given twice");
		seen |= 1ull << i;
	}
	if (p->cfg->limits.punt_burst < p->cfg->limits.punt_rate) {
		yaml_node_t *v2 = map_get(p, n, "punt_burst");

		join_path(sub, sizeof(sub), path, v2 ? "punt_burst" : "punt_rate");
		return fail_at(p, v2 ? v2 : map_get(p, n, "punt_rate"), sub,
			       "punt_burst (%u) must be at least punt_rate (%u)",
			       p->cfg->limits.punt_burst, p->cfg->limits.punt_rate);
	}
	return 0;
}

/* --- outputs and the top level ------------------------------------------------ */

static int events_output(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	char *out = p->cfg->events_output;
	int err = copy_string(p, v, path, out, sizeof(p->cfg->events_output));

	if (err)
		return err;
	if (strcmp(out, "stdout") && out[0] != '/')
		return fail_at(p, v, path, "expected 'stdout' or an absolute path, got '%s'", out);
	return 0;
}

static int metrics_listen(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	const char *s = scalar(v);

	/* An empty value turns the endpoint off. */
	if (s && !*s) {
		p->cfg->metrics_listen[0] = '\0';
		return 0;
	}
	if (!s || strlen(s) >= sizeof(p->cfg->metrics_listen) || check_listen(s))
		return fail_at(p, v, path,
			       "expected \"ADDRESS:PORT\" (\"127.0.0.1:9553\", \"[::1]:9553\") or "
			       "\"\" for off, got '%s'",
			       s ? s : node_kind(v));
	snprintf(p->cfg->metrics_listen, sizeof(p->cfg->metrics_listen), "%s", s);
	return 0;
}

static int control_socket(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	/* sun_path holds 108 bytes including the NUL. */
	int err = parse_abs_path(p, v, path, p->cfg->control_socket, 108);

	return err;
}

static int control_mode(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	const char *s = scalar(v);
	unsigned long mode;
	char *end;

	if (!s || !*s || strspn(s, "01234567") != strlen(s))
		goto bad;
	mode = strtoul(s, &end, 8);
	if (*end || mode > 0777 || !(mode & 0600))
		goto bad;
	p->cfg->control_mode = (unsigned)mode;
	return 0;
bad:
	return fail_at(
	    p, v, path,
	    "expected an octal mode from \"0600\" to \"0777\" that lets the owner in, got '%s'",
	    s ? s : node_kind(v));
}

static const struct field events_fields[] = {{"output", events_output, false}};
static const struct field metrics_fields[] = {{"listen", metrics_listen, false}};
static const struct field control_fields[] = {
    {"socket", control_socket, false},
    {"mode", control_mode, false},
};

static int top_zones(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_list(p, v, path, CFG_ZONES_MAX, true, parse_zone);
}

static int top_anchors(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_list(p, v, path, CFG_ANCHORS_MAX, false, parse_anchor);
}

static int top_ntas(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_list(p, v, path, CFG_NTAS_MAX, true, parse_nta);
}

static int top_upstreams(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_list(p, v, path, CFG_UPSTREAMS_MAX, true, parse_upstream);
}

static int top_resolvers(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_list(p, v, path, CFG_RESOLVERS_MAX, true, parse_resolver);
}

static int top_ifaces(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_list(p, v, path, CFG_IFACES_MAX, true, parse_iface);
}

static int top_dns_port(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_port(p, v, path, &p->cfg->dns_port);
}

static int top_pin_path(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_abs_path(p, v, path, p->cfg->pin_path, sizeof(p->cfg->pin_path));
}

static int top_events(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_map(p, v, path, events_fields, 1, NULL);
}

static int top_metrics(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_map(p, v, path, metrics_fields, 1, NULL);
}

static int top_control(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_map(p, v, path, control_fields, 2, NULL);
}

static int top_prefetch(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	return parse_bool(p, v, path, &p->cfg->prefetch);
}

static const struct field top_fields[] = {
    {"zones", top_zones, false},
    {"trust_anchors", top_anchors, false},
    {"negative_trust_anchors", top_ntas, false},
    {"upstreams", top_upstreams, false},
    {"resolvers", top_resolvers, false},
    {"interfaces", top_ifaces, false},
    {"limits", parse_limits, false},
    {"dns_port", top_dns_port, false},
    {"pin_path", top_pin_path, false},
    {"prefetch", top_prefetch, false},
    {"events", top_events, false},
    {"metrics", top_metrics, false},
    {"control", top_control, false},
};

/* --- loading ---------------------------------------------------------------- */

static int read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	size_t n;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	*buf = malloc(CFG_FILE_MAX + 1);
	if (!*buf) {
		fclose(f);
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	n = fread(*buf, 1, CFG_FILE_MAX + 1, f);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (ret)
		snprintf(err, err_len, "%s: read error", path);
	else if (n > CFG_FILE_MAX)
		ret = -EFBIG;
	if (ret == -EFBIG)
		snprintf(err, err_len, "%s: larger than %d bytes", path, CFG_FILE_MAX);
	if (ret) {
		free(*buf);
		*buf = NULL;
		return ret;
	}
	*len = n;
	return 0;
}

static int parse_document(struct parser *p, yaml_parser_t *yp)
{
	yaml_node_t *root;

	if (!yaml_parser_load(yp, p->doc)) {
		snprintf(p->err, p->err_len, "%s:%zu:%zu: YAML syntax: %s%s%s", p->file,
			 yp->problem_mark.line + 1, yp->problem_mark.column + 1,
			 yp->problem ? yp->problem : "error", yp->context ? " " : "",
			 yp->context ? yp->context : "");
		return -EINVAL;
	}
	root = yaml_document_get_root_node(p->doc);
	if (!root) {
		snprintf(p->err, p->err_len, "%s:1:1: empty configuration (expected a mapping)",
			 p->file);
		return -EINVAL;
	}
	return parse_map(p, root, "", top_fields, ARRAY_SIZE(top_fields), NULL);
}

int config_load(const char *path, struct dw_config *cfg, char *err, size_t err_len)
{
	yaml_document_t doc;
	yaml_parser_t yp;
	struct parser p = {.file = path, .doc = &doc, .cfg = cfg, .err = err, .err_len = err_len};
	unsigned char *buf = NULL;
	size_t len = 0;
	int ret;

	config_defaults(cfg);
	if (strlen(path) >= sizeof(cfg->path)) {
		snprintf(err, err_len, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	ret = read_file(path, &buf, &len, err, err_len);
	if (ret) {
		pr_debug("%s", err);
		return ret;
	}
	if (!yaml_parser_initialize(&yp)) {
		free(buf);
		snprintf(err, err_len, "%s: cannot initialise the YAML parser", path);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&yp, buf, len);
	memset(&doc, 0, sizeof(doc));
	ret = parse_document(&p, &yp);
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	free(buf);
	if (ret) {
		/* Leave no half-parsed policy behind: callers may ignore the return. */
		config_defaults(cfg);
		snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	}
	return ret;
}

const struct cfg_zone *config_find_zone(const struct dw_config *cfg, const char *name)
{
	const struct cfg_zone *best = NULL;
	char norm[CFG_NAME_LEN];
	size_t best_len = 0;
	int i;

	if (!name || config_normalize_name(name, norm, sizeof(norm)))
		return NULL;
	for (i = 0; i < cfg->n_zones && i < CFG_ZONES_MAX; i++) {
		const struct cfg_zone *z = &cfg->zones[i];
		size_t zl = strcmp(z->name, ".") ? strlen(z->name) : 0;

		if (config_name_within(norm, z->name) && (!best || zl > best_len)) {
			best = z;
			best_len = zl;
		}
	}
	return best;
}
