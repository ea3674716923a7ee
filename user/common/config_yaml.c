// SPDX-License-Identifier: BSD-2-Clause
/*
 * config_yaml.c: the typed values of the configuration and the walk of its
 * YAML tree. One parser per type (bool, integer, duration, enum, text, path,
 * domain name, time, address, list, nested mapping) stores a value where its
 * table row says; parse_map checks a mapping against its table, so an
 * unknown, repeated or missing key is an error at its own line and column.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/config_yaml.h"
#include "dnsward.h"

#define CFG_DURATION_MAX_MS (366ull * 24 * 3600 * 1000)

/* --- messages -------------------------------------------------------------- */

int cfg_fail_at(struct parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
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

static void cfg_join_path(char *out, size_t len, const char *parent, const char *key)
{
	snprintf(out, len, "%s%s%s", parent, *parent ? "." : "", key);
}

/* --- scalars --------------------------------------------------------------- */

const char *cfg_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

const char *cfg_node_kind(const yaml_node_t *n)
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
	const char *s = cfg_scalar(n);

	if (!s)
		return cfg_fail_at(p, n, path, "expected %s, got %s", what, cfg_node_kind(n));
	if (!*s)
		return cfg_fail_at(p, n, path, "expected %s, got an empty value", what);
	if (strlen(s) != n->data.scalar.length)
		return cfg_fail_at(p, n, path, "value contains a NUL byte");
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
		return cfg_fail_at(p, n, path, "too long (at most %zu characters)", len - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int parse_bool(struct parser *p, yaml_node_t *n, const char *path, bool *out)
{
	const char *s = cfg_scalar(n);

	if (s && !strcmp(s, "true"))
		*out = true;
	else if (s && !strcmp(s, "false"))
		*out = false;
	else
		return cfg_fail_at(p, n, path, "expected true or false, got '%s'",
				   s ? s : cfg_node_kind(n));
	return 0;
}

static int parse_uint(struct parser *p, yaml_node_t *n, const char *path, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	const char *s = cfg_scalar(n);
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
	return cfg_fail_at(p, n, path, "expected an integer from %llu to %llu, got '%s'",
			   (unsigned long long)min, (unsigned long long)max,
			   s ? s : cfg_node_kind(n));
}

int cfg_parse_uint(struct parser *p, yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
		   uint64_t *out)
{
	return parse_uint(p, n, path, min, max, out);
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
	const char *s = cfg_scalar(n);
	uint64_t v;

	if (!s || config_parse_duration(s, &v) || v < min_ms || v > max_ms)
		return cfg_fail_at(
		    p, n, path,
		    "expected a duration from %llums to %llus such as 500ms, 30s, 5m, 2h, got '%s'",
		    (unsigned long long)min_ms, (unsigned long long)max_ms / 1000,
		    s ? s : cfg_node_kind(n));
	*out = v;
	return 0;
}

/* One of a fixed set of words; choices is NULL-terminated. */
static int parse_enum(struct parser *p, yaml_node_t *n, const char *path,
		      const char *const *choices, int *out)
{
	const char *s = cfg_scalar(n);
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
	return cfg_fail_at(p, n, path, "expected %s, got '%s'", expected, s ? s : cfg_node_kind(n));
}

static int parse_abs_path(struct parser *p, yaml_node_t *n, const char *path, char *dst, size_t len)
{
	int err = copy_string(p, n, path, dst, len);

	if (err)
		return err;
	if (dst[0] != '/')
		return cfg_fail_at(p, n, path, "expected an absolute path, got '%s'", dst);
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
		return cfg_fail_at(
		    p, n, path,
		    "'%s' is not a domain name (labels of 1-63 letters, digits, '-' or "
		    "'_', at most 253 characters)",
		    s);
	return 0;
}

int cfg_parse_address(struct parser *p, yaml_node_t *n, const char *path,
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
		return cfg_fail_at(p, n, path, "expected an IPv4 or IPv6 address, got '%s'", s);
	}
	return 0;
}

/* "HOST:PORT" with an IPv4 address or a bracketed IPv6 address. */
int cfg_check_listen(const char *s)
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

static int parse_time(struct parser *p, yaml_node_t *n, const char *path, time_t *out)
{
	const char *s = cfg_scalar(n);

	if (!s || config_parse_time(s, out))
		return cfg_fail_at(
		    p, n, path,
		    "expected an RFC 3339 time such as \"2026-12-01T00:00:00Z\", got '%s'",
		    s ? s : cfg_node_kind(n));
	return 0;
}

/* --- mappings and lists ---------------------------------------------------- */

static yaml_node_t *node_at(struct parser *p, int index)
{
	return yaml_document_get_node(p->doc, index);
}

yaml_node_t *cfg_map_get(struct parser *p, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const char *k = cfg_scalar(node_at(p, pair->key));

		if (k && !strcmp(k, key))
			return node_at(p, pair->value);
	}
	return NULL;
}

int cfg_fail_at_key(struct parser *p, yaml_node_t *map, const char *path, const char *key,
		    const char *fmt, ...)
{
	yaml_node_t *v = cfg_map_get(p, map, key);
	char sub[CFG_KEYPATH_LEN], what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cfg_join_path(sub, sizeof(sub), path, key);
	return cfg_fail_at(p, v ? v : map, sub, "%s", what);
}

static int parse_list(struct parser *p, yaml_node_t *n, const char *path, const struct field *f,
		      void *obj)
{
	yaml_node_item_t *it;
	char sub[CFG_KEYPATH_LEN + 12]; /* the parent's path and "[index]" */
	int i = 0, err;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_fail_at(p, n, path, "expected a list, got %s", cfg_node_kind(n));
	if (f->min && n->data.sequence.items.start == n->data.sequence.items.top)
		return cfg_fail_at(p, n, path, "empty list (omit the key for the default)");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		if ((uint64_t)i >= f->max)
			return cfg_fail_at(p, node_at(p, *it), sub, "too many entries (at most %d)",
					   (int)f->max);
		err = f->item(p, node_at(p, *it), sub, i, obj);
		if (err)
			return err;
	}
	return 0;
}

/* An integer of the row's width (bool, enum, uint16_t, uint32_t, int...). */
static void store_uint(void *dst, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	if (size == 1)
		memcpy(dst, &u8, 1);
	else if (size == 2)
		memcpy(dst, &u16, 2);
	else if (size == 4)
		memcpy(dst, &u32, 4);
	else
		memcpy(dst, &v, sizeof(v));
}

void cfg_fields_defaults(const struct field *fields, size_t n, void *obj)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		char *dst = (char *)obj + f->off;

		if (f->type == FT_MAP)
			cfg_fields_defaults(f->sub, f->n_sub, dst);
		else if (f->def_str)
			snprintf(dst, f->size, "%s", f->def_str);
		else if (f->size &&
			 (f->type == FT_BOOL || f->type == FT_UINT || f->type == FT_DURATION ||
			  f->type == FT_ENUM || f->type == FT_CUSTOM))
			store_uint(dst, f->size, f->def);
	}
}

/* Store one value as its row says, then apply the row's own rule. */
static int parse_value(struct parser *p, const struct field *f, yaml_node_t *n, const char *path,
		       void *obj)
{
	char *dst = (char *)obj + f->off;
	uint64_t v = 0;
	socklen_t len;
	int i = 0, err = 0;

	switch (f->type) {
	case FT_BOOL:
		err = parse_bool(p, n, path, (bool *)dst);
		break;
	case FT_UINT:
		err = parse_uint(p, n, path, f->min, f->max, &v);
		break;
	case FT_DURATION:
		err = parse_duration_ms(p, n, path, f->min, f->max, &v);
		v /= f->unit_ms;
		break;
	case FT_ENUM:
		err = parse_enum(p, n, path, f->names, &i);
		v = (uint64_t)i;
		break;
	case FT_STRING:
		err = copy_string(p, n, path, dst, f->size);
		break;
	case FT_PATH:
		err = parse_abs_path(p, n, path, dst, f->size);
		break;
	case FT_NAME:
		err = parse_name(p, n, path, dst, f->size);
		break;
	case FT_TIME:
		err = parse_time(p, n, path, (time_t *)dst);
		break;
	case FT_ADDRESS:
		err = cfg_parse_address(p, n, path, (struct sockaddr_storage *)dst, &len);
		break;
	case FT_LIST:
		err = parse_list(p, n, path, f, obj);
		break;
	case FT_MAP:
		err = cfg_parse_map(p, n, path, f->sub, f->n_sub, dst);
		break;
	case FT_CUSTOM:
		err = f->fn(p, n, path, obj);
		break;
	}
	if (err)
		return err;
	if (f->type == FT_UINT || f->type == FT_DURATION || f->type == FT_ENUM)
		store_uint(dst, f->size, v);
	return f->check ? f->check(p, n, path, dst) : 0;
}

static void key_list(const struct field *fields, size_t n, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used +=
		    (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", fields[i].key);
}

int cfg_parse_map(struct parser *p, yaml_node_t *n, const char *path, const struct field *fields,
		  size_t n_fields, void *obj)
{
	uint64_t seen = 0;
	yaml_node_pair_t *pair;
	char sub[CFG_KEYPATH_LEN], keys[512];
	size_t i;
	int err;

	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail_at(p, n, path, "expected a mapping, got %s", cfg_node_kind(n));
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = node_at(p, pair->key), *vn = node_at(p, pair->value);
		const char *k = cfg_scalar(kn);

		if (!k)
			return cfg_fail_at(p, kn, path, "keys must be scalars, got %s",
					   cfg_node_kind(kn));
		for (i = 0; i < n_fields; i++)
			if (!strcmp(k, fields[i].key))
				break;
		cfg_join_path(sub, sizeof(sub), path, k);
		if (i == n_fields) {
			key_list(fields, n_fields, keys, sizeof(keys));
			return cfg_fail_at(p, kn, sub, "unknown key (expected one of: %s)", keys);
		}
		if (seen & (1ull << i))
			return cfg_fail_at(p, kn, sub, "key given twice");
		seen |= 1ull << i;
		err = parse_value(p, &fields[i], vn, sub, obj);
		if (err)
			return err;
	}
	for (i = 0; i < n_fields; i++)
		if (fields[i].required && !(seen & (1ull << i)))
			return cfg_fail_at(p, n, path, "missing required key '%s'", fields[i].key);
	return 0;
}
