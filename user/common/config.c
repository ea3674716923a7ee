// SPDX-License-Identifier: BSD-2-Clause
/*
 * config.c: the schema of the YAML configuration (docs/configuration.md) and
 * the rules that span several keys. Each section is a table of its keys (type,
 * place in struct dw_config, range or names, default, required), walked by
 * config_yaml.c; the defaults come from the same rows. What a table cannot
 * say (one of two keys, a key that only fits another's value, duplicates
 * across list entries) is checked here after the entry is read, with the same
 * "file:line:column: key.path: what is wrong" messages.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <openssl/evp.h>

#include "common/array.h"
#include "common/config.h"
#include "common/config_yaml.h"
#include "common/config_ports.h"
#include "dnsward.h"
#include "common/log.h"

#define CFG_FILE_MAX (1 << 20) /* a policy is a few KiB; refuse anything absurd */
#define IFNAME_LEN   16	       /* IFNAMSIZ, with the NUL */
#define SUN_PATH_LEN 108       /* sockaddr_un's sun_path, with the NUL */

/* --- zones ----------------------------------------------------------------- */

static const char *const mode_names[] = {"enforce", "monitor", NULL};
static const char *const require_names[] = {"secure", "not-bogus", NULL};
static const char *const failure_names[] = {"closed", "open", NULL};

static const struct field zone_fields[] = {
    {"name", FT_NAME, CFG_AT(struct cfg_zone, name), .required = true},
    {"mode", FT_ENUM, CFG_AT(struct cfg_zone, mode), .names = mode_names},
    {"require", FT_ENUM, CFG_AT(struct cfg_zone, require), .names = require_names},
    {"failure", FT_ENUM, CFG_AT(struct cfg_zone, failure), .names = failure_names},
    {"cname_targets_secure", FT_BOOL, CFG_AT(struct cfg_zone, cname_targets_secure), .def = 1},
    {"probe", FT_NAME, CFG_AT(struct cfg_zone, probe)},
};

static int parse_zone(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	struct cfg_zone *z = &p->cfg->zones[index];
	int i, err;

	cfg_fields_defaults(zone_fields, ARRAY_SIZE(zone_fields), z);
	z->line = (int)n->start_mark.line + 1;
	err = cfg_parse_map(p, n, path, zone_fields, ARRAY_SIZE(zone_fields), z);
	if (err)
		return err;
	/* Monitor never drops, so a failure mode there could never take effect. */
	if (cfg_map_get(p, n, "failure") && z->mode == CFG_MODE_MONITOR &&
	    z->failure == CFG_FAIL_OPEN)
		return cfg_fail_at_key(
		    p, n, path, "failure",
		    "'open' has no effect with mode 'monitor' (monitor never drops a reply)");
	if (cfg_map_get(p, n, "probe") && !config_name_within(z->probe, z->name))
		return cfg_fail_at_key(p, n, path, "probe", "'%s' is not inside zone '%s'",
				       z->probe, z->name);
	for (i = 0; i < index; i++)
		if (!strcmp(p->cfg->zones[i].name, z->name))
			return cfg_fail_at_key(p, n, path, "name",
					       "duplicate zone '%s' (first defined at line %d)",
					       z->name, p->cfg->zones[i].line);
	p->cfg->n_zones = index + 1;
	return 0;
}

/* --- trust anchors ---------------------------------------------------------- */

/* Each non-empty, non-comment line must be a DS or DNSKEY record. */
static int check_inline_records(struct parser *p, yaml_node_t *v, const char *path, void *dst)
{
	char *line, *save = NULL, copy[sizeof(((struct cfg_anchor *)0)->inline_rr)];
	int records = 0;

	snprintf(copy, sizeof(copy), "%s", (const char *)dst);
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
			return cfg_fail_at(p, v, path, "every line must be a DS or DNSKEY record");
		records++;
	}
	if (!records)
		return cfg_fail_at(p, v, path, "no DS or DNSKEY record");
	return 0;
}

static const struct field anchor_fields[] = {
    {"file", FT_PATH, CFG_AT(struct cfg_anchor, file)},
    {"inline", FT_STRING, CFG_AT(struct cfg_anchor, inline_rr), .check = check_inline_records},
};

static int parse_anchor(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	struct cfg_anchor *a = &p->cfg->anchors[index];
	const char *s = cfg_scalar(n);
	int i, err;

	a->line = (int)n->start_mark.line + 1;
	if (s) {
		if (strcmp(s, "system"))
			return cfg_fail_at(
			    p, n, path,
			    "expected 'system', {file: PATH} or {inline: RECORDS}, got '%s'", s);
		a->system = true;
	} else {
		err = cfg_parse_map(p, n, path, anchor_fields, ARRAY_SIZE(anchor_fields), a);
		if (err)
			return err;
		if (!!a->file[0] + !!a->inline_rr[0] != 1)
			return cfg_fail_at(p, n, path, "give exactly one of 'file' or 'inline'");
	}
	for (i = 0; i < index; i++) {
		const struct cfg_anchor *o = &p->cfg->anchors[i];

		if (o->system == a->system && !strcmp(o->file, a->file) &&
		    !strcmp(o->inline_rr, a->inline_rr))
			return cfg_fail_at(p, n, path, "duplicate trust anchor (first at line %d)",
					   o->line);
	}
	p->cfg->n_anchors = index + 1;
	return 0;
}

/* --- negative trust anchors ------------------------------------------------- */

static const struct field nta_fields[] = {
    {"zone", FT_NAME, CFG_AT(struct cfg_nta, zone), .required = true},
    {"until", FT_TIME, CFG_AT(struct cfg_nta, until), .required = true},
    {"reason", FT_STRING, CFG_AT(struct cfg_nta, reason), .required = true},
};

static int parse_nta(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	struct cfg_nta *t = &p->cfg->ntas[index];
	int i, err;

	t->line = (int)n->start_mark.line + 1;
	err = cfg_parse_map(p, n, path, nta_fields, ARRAY_SIZE(nta_fields), t);
	if (err)
		return err;
	for (i = 0; i < index; i++) {
		const struct cfg_nta *o = &p->cfg->ntas[i];

		if (config_name_within(t->zone, o->zone) || config_name_within(o->zone, t->zone))
			return cfg_fail_at_key(
			    p, n, path, "zone",
			    "'%s' overlaps negative_trust_anchors[%d] '%s' (line %d)", t->zone, i,
			    o->zone, o->line);
	}
	if (t->until <= time(NULL))
		pr_warn("%s:%d: negative trust anchor for %s already expired; it has no effect",
			p->file, t->line, t->zone);
	p->cfg->n_ntas = index + 1;
	return 0;
}

/* --- upstreams -------------------------------------------------------------- */

/* Same family, address and port (a resolver's port is 0). */
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

/* An upstream while it is read: the port stays 0 until the transport picks its default. */
struct upstream_entry {
	struct cfg_upstream u;
	uint16_t port;
};

/* "sha256/" + base64 of a 32-byte SPKI digest (44 characters with one '='). */
static int parse_pin(struct parser *p, yaml_node_t *item, const char *path, int index, void *obj)
{
	struct cfg_upstream *u = &((struct upstream_entry *)obj)->u;
	unsigned char raw[48];
	const char *s = cfg_scalar(item), *b64;

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
	return cfg_fail_at(
	    p, item, path,
	    "expected \"sha256/<base64 of 32 bytes>\" (44 base64 characters), got '%s'",
	    s ? s : cfg_node_kind(item));
}

static const char *const transport_names[] = {"udp", "tcp", "tls", NULL};

static const struct field upstream_fields[] = {
    {"address", FT_ADDRESS, CFG_AT(struct upstream_entry, u.addr), .required = true},
    {"port", FT_UINT, CFG_AT(struct upstream_entry, port), .min = 1, .max = 65535},
    {"transport", FT_ENUM, CFG_AT(struct upstream_entry, u.transport), .names = transport_names},
    {"tls_name", FT_NAME, CFG_AT(struct upstream_entry, u.tls_name)},
    {"pins", FT_LIST, .min = 1, .max = CFG_PINS_MAX, .item = parse_pin},
    {"timeout", FT_DURATION, CFG_AT(struct upstream_entry, u.timeout_ms), .min = 10, .max = 60000,
     .unit_ms = 1, .def = 2000},
};

static int check_upstream(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_upstream *u = &p->cfg->upstreams[index];
	int i;

	if (u->transport != CFG_TRANSPORT_TLS) {
		const char *only_tls = cfg_map_get(p, n, "tls_name") ? "tls_name"
				       : cfg_map_get(p, n, "pins")   ? "pins"
								     : NULL;
		if (only_tls)
			return cfg_fail_at_key(p, n, path, only_tls,
					       "only used with transport 'tls'");
	} else if (!u->tls_name[0] && !u->n_pins) {
		return cfg_fail_at_key(
		    p, n, path, "transport",
		    "'tls' needs tls_name or pins (an unauthenticated DoT upstream "
		    "proves nothing)");
	}
	for (i = 0; i < index; i++)
		if (same_addr(&p->cfg->upstreams[i].addr, &u->addr) &&
		    p->cfg->upstreams[i].transport == u->transport)
			return cfg_fail_at_key(p, n, path, "address",
					       "duplicate upstream (first at line %d)",
					       p->cfg->upstreams[i].line);
	return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static int parse_upstream(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	struct upstream_entry e;
	int err;

	memset(&e, 0, sizeof(e));
	cfg_fields_defaults(upstream_fields, ARRAY_SIZE(upstream_fields), &e);
	e.u.line = (int)n->start_mark.line + 1;
	err = cfg_parse_map(p, n, path, upstream_fields, ARRAY_SIZE(upstream_fields), &e);
	if (err)
		return err;
	if (!e.port)
		e.port = e.u.transport == CFG_TRANSPORT_TLS ? 853 : 53;
	set_port(&e.u.addr, e.port);
	e.u.addr_len = e.u.addr.ss_family == AF_INET ? sizeof(struct sockaddr_in)
						     : sizeof(struct sockaddr_in6);
	p->cfg->upstreams[index] = e.u;
	err = check_upstream(p, n, path, index);
	if (err)
		return err;
	p->cfg->n_upstreams = index + 1;
	return 0;
}

/* --- resolvers -------------------------------------------------------------- */

static int parse_resolver(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	socklen_t len;
	int i, err = cfg_parse_address(p, n, path, &p->cfg->resolvers[index], &len);

	if (err)
		return err;
	for (i = 0; i < index; i++)
		if (same_addr(&p->cfg->resolvers[i], &p->cfg->resolvers[index]))
			return cfg_fail_at(p, n, path, "duplicate resolver address '%s'",
					   cfg_scalar(n));
	p->cfg->n_resolvers = index + 1;
	return 0;
}

/* --- interfaces ------------------------------------------------------------- */

static int check_ifname(struct parser *p, yaml_node_t *v, const char *path, void *dst)
{
	const char *name = dst;
	size_t i;

	for (i = 0; name[i]; i++)
		if (name[i] == '/' || isspace((unsigned char)name[i]) || name[i] == ':')
			return cfg_fail_at(p, v, path, "'%s' is not an interface name", name);
	return 0;
}

static int check_pattern(struct parser *p, yaml_node_t *v, const char *path, void *dst)
{
	const char *pattern = dst;
	int depth = 0;
	size_t i;

	for (i = 0; pattern[i]; i++) {
		char c = pattern[i];

		if (c == '[')
			depth++;
		else if (c == ']')
			depth--;
		if (depth < 0 || depth > 1 || c == '/' || isspace((unsigned char)c))
			break;
	}
	if (pattern[i] || depth)
		return cfg_fail_at(p, v, path,
				   "'%s' is not an interface pattern (fnmatch syntax: *, ?, [...])",
				   pattern);
	return 0;
}

static const char *const hook_names[] = {"xdp", "tc", NULL};
static const char *const direction_names[] = {"ingress", "egress", NULL};
static const char *const xdp_mode_names[] = {"auto", "native", "generic", NULL};

static const struct field iface_fields[] = {
    {"name", FT_STRING, .off = offsetof(struct cfg_iface, name), .size = IFNAME_LEN,
     .check = check_ifname},
    {"pattern", FT_STRING, CFG_AT(struct cfg_iface, pattern), .check = check_pattern},
    {"hook", FT_ENUM, CFG_AT(struct cfg_iface, hook), .names = hook_names},
    {"direction", FT_ENUM, CFG_AT(struct cfg_iface, direction), .names = direction_names},
    {"xdp_mode", FT_ENUM, CFG_AT(struct cfg_iface, xdp_mode), .names = xdp_mode_names},
};

static int check_iface(struct parser *p, yaml_node_t *n, const char *path, int index)
{
	struct cfg_iface *f = &p->cfg->ifaces[index];
	int i;

	if (!!f->name[0] + !!f->pattern[0] != 1)
		return cfg_fail_at(p, n, path, "give exactly one of 'name' or 'pattern'");
	if (f->hook == CFG_HOOK_XDP && cfg_map_get(p, n, "direction") &&
	    f->direction == CFG_DIR_EGRESS)
		return cfg_fail_at_key(
		    p, n, path, "direction",
		    "'egress' is impossible with hook 'xdp' (XDP sees ingress only)");
	if (f->hook == CFG_HOOK_TC && cfg_map_get(p, n, "xdp_mode"))
		return cfg_fail_at_key(p, n, path, "xdp_mode", "only used with hook 'xdp'");
	for (i = 0; i < index; i++) {
		const struct cfg_iface *o = &p->cfg->ifaces[i];

		if (!strcmp(o->name, f->name) && !strcmp(o->pattern, f->pattern) &&
		    o->hook == f->hook && o->direction == f->direction)
			return cfg_fail_at(p, n, path, "duplicate interface (first at line %d)",
					   o->line);
	}
	return 0;
}

static int parse_iface(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	struct cfg_iface *f = &p->cfg->ifaces[index];
	int err;

	f->line = (int)n->start_mark.line + 1;
	err = cfg_parse_map(p, n, path, iface_fields, ARRAY_SIZE(iface_fields), f);
	if (err)
		return err;
	/* tc is meant for pod veths, where replies leave the host toward the pod. */
	if (f->hook == CFG_HOOK_TC && !cfg_map_get(p, n, "direction"))
		f->direction = CFG_DIR_EGRESS;
	err = check_iface(p, n, path, index);
	if (err)
		return err;
	p->cfg->n_ifaces = index + 1;
	return 0;
}

/* --- limits ----------------------------------------------------------------- */

#define LIMIT(key, m, lo, hi, d)                                                                   \
	{                                                                                          \
		key, FT_UINT, CFG_AT(struct cfg_limits, m), .min = (lo), .max = (hi), .def = (d)   \
	}
/* A limit kept in seconds and written as a duration. */
#define LIMIT_SECS(key, m, lo, hi, d)                                                              \
	{                                                                                          \
		key, FT_DURATION, CFG_AT(struct cfg_limits, m),                                    \
		    .min = (lo)*1000ull, .max = (hi)*1000ull, .unit_ms = 1000, .def = (d)          \
	}

/* punt_rate: "auto" (the budget follows the validator) or a fixed cap per zone, 0 for none. */
static int parse_punt_rate(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	const char *s = cfg_scalar(v);
	unsigned long long n;
	char *end;

	if (s && !strcmp(s, "auto")) {
		((struct cfg_limits *)obj)->punt_rate = CFG_PUNT_RATE_AUTO;
		return 0;
	}
	if (!s || !isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > 1000000)
		goto bad;
	((struct cfg_limits *)obj)->punt_rate = (uint32_t)n;
	return 0;
bad:
	return cfg_fail_at(p, v, path, "expected auto or an integer from 0 to 1000000, got '%s'",
			   s ? s : cfg_node_kind(v));
}

static const struct field limit_fields[] = {
    LIMIT("verdict_cache", verdict_cache, 1024, 1u << 24, 65536),
    LIMIT("rrset_cache", rrset_cache, CFG_RRSET_CACHE_MIN, 1u << 24, CFG_RRSET_CACHE_DEFAULT),
    LIMIT("rrset_cache_bytes", rrset_cache_bytes, CFG_RRSET_CACHE_BYTES_MIN, 1u << 30,
	  CFG_RRSET_CACHE_BYTES_DEFAULT),
    LIMIT("signature_cache", signature_cache, CFG_SIGNATURE_CACHE_MIN, 1u << 20,
	  CFG_SIGNATURE_CACHE_DEFAULT),
    {"punt_rate", FT_CUSTOM, CFG_AT(struct cfg_limits, punt_rate), .def = CFG_PUNT_RATE_AUTO,
     .fn = parse_punt_rate},
    LIMIT("punt_burst", punt_burst, 1, 1000000, 400),
    LIMIT("punt_dest_rate", punt_dest_rate, 1, 1000000, 100),
    LIMIT("punt_dest_burst", punt_dest_burst, 1, 1000000, 200),
    LIMIT("keys_per_tag", keys_per_tag, 1, 64, 4),
    LIMIT("sigs_per_rrset", sigs_per_rrset, 1, 64, 8),
    LIMIT("sigs_per_validation", sigs_per_validation, 1, 1024, 64),
    LIMIT("nsec3_iterations", nsec3_iterations, 0, 2500, 100),
    LIMIT("chain_depth", chain_depth, 1, 64, 16),
    LIMIT("cname_chain", cname_chain, 1, 32, 8),
    LIMIT("queries_per_validation", queries_per_validation, 1, 512, 32),
    LIMIT_SECS("clock_skew", clock_skew, 0, 86400, 300),
    LIMIT_SECS("max_verdict_ttl", max_verdict_ttl, 1, 7 * 86400, 3600),
    LIMIT_SECS("negative_cache_ttl", negative_cache_ttl, 0, 3600, 5),
    /* The one limit kept in milliseconds. */
    {"heartbeat_timeout", FT_DURATION, CFG_AT(struct cfg_limits, heartbeat_timeout_ms), .min = 100,
     .max = 600000, .unit_ms = 1, .def = 3000},
};

static int check_limits(struct parser *p, yaml_node_t *n, const char *path, void *dst)
{
	const struct cfg_limits *l = dst;

	if (l->punt_dest_burst < l->punt_dest_rate)
		return cfg_fail_at_key(p, n, path,
				       cfg_map_get(p, n, "punt_dest_burst") ? "punt_dest_burst"
									    : "punt_dest_rate",
				       "punt_dest_burst (%u) must be at least punt_dest_rate (%u)",
				       l->punt_dest_burst, l->punt_dest_rate);
	if (l->punt_rate == CFG_PUNT_RATE_AUTO || l->punt_burst >= l->punt_rate)
		return 0;
	return cfg_fail_at_key(
	    p, n, path, cfg_map_get(p, n, "punt_burst") ? "punt_burst" : "punt_rate",
	    "punt_burst (%u) must be at least punt_rate (%u)", l->punt_burst, l->punt_rate);
}

/* --- outputs and the top level ------------------------------------------------ */

static int check_events_output(struct parser *p, yaml_node_t *v, const char *path, void *dst)
{
	const char *out = dst;

	if (strcmp(out, "stdout") && out[0] != '/')
		return cfg_fail_at(p, v, path, "expected 'stdout' or an absolute path, got '%s'",
				   out);
	return 0;
}

static int parse_metrics_listen(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct dw_config *cfg = obj;
	const char *s = cfg_scalar(v);

	/* An empty value turns the endpoint off. */
	if (s && !*s) {
		cfg->metrics_listen[0] = '\0';
		return 0;
	}
	if (!s || strlen(s) >= sizeof(cfg->metrics_listen) || cfg_check_listen(s))
		return cfg_fail_at(
		    p, v, path,
		    "expected \"ADDRESS:PORT\" (\"127.0.0.1:9553\", \"[::1]:9553\") or "
		    "\"\" for off, got '%s'",
		    s ? s : cfg_node_kind(v));
	snprintf(cfg->metrics_listen, sizeof(cfg->metrics_listen), "%s", s);
	return 0;
}

/* An octal string, so that YAML 1.1 tools cannot read "0600" as decimal 600. */
static int parse_control_mode(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	const char *s = cfg_scalar(v);
	unsigned long mode;
	char *end;

	if (!s || !*s || strspn(s, "01234567") != strlen(s))
		goto bad;
	mode = strtoul(s, &end, 8);
	if (*end || mode > 0777 || !(mode & 0600))
		goto bad;
	((struct dw_config *)obj)->control_mode = (unsigned)mode;
	return 0;
bad:
	return cfg_fail_at(
	    p, v, path,
	    "expected an octal mode from \"0600\" to \"0777\" that lets the owner in, got '%s'",
	    s ? s : cfg_node_kind(v));
}

/* Rows of the nested sections below point into struct dw_config itself. */
static const struct field events_fields[] = {
    {"output", FT_STRING, CFG_AT(struct dw_config, events_output), .def_str = "stdout",
     .check = check_events_output},
};
static const struct field metrics_fields[] = {
    {"listen", FT_CUSTOM, .fn = parse_metrics_listen},
};
static const struct field control_fields[] = {
    {"socket", FT_PATH, .off = offsetof(struct dw_config, control_socket), .size = SUN_PATH_LEN,
     .def_str = "/run/dnsward/control.sock"},
    {"mode", FT_CUSTOM, CFG_AT(struct dw_config, control_mode), .def = 0600,
     .fn = parse_control_mode},
};
static const struct field validation_fields[] = {
    {"sha1_ds", FT_BOOL, CFG_AT(struct dw_config, validation_sha1_ds), .def = 1},
};

static const struct field top_fields[] = {
    {"zones", FT_LIST, .max = CFG_ZONES_MAX, .item = parse_zone},
    {"trust_anchors", FT_LIST, .min = 1, .max = CFG_ANCHORS_MAX, .item = parse_anchor},
    {"negative_trust_anchors", FT_LIST, .max = CFG_NTAS_MAX, .item = parse_nta},
    {"upstreams", FT_LIST, .max = CFG_UPSTREAMS_MAX, .item = parse_upstream},
    {"resolvers", FT_LIST, .max = CFG_RESOLVERS_MAX, .item = parse_resolver},
    {"interfaces", FT_LIST, .max = CFG_IFACES_MAX, .item = parse_iface},
    {"limits", FT_MAP, CFG_AT(struct dw_config, limits), CFG_SUB(limit_fields),
     .check = check_limits},
    {"dns_port", FT_CUSTOM, CFG_AT(struct dw_config, dns_port), .def = 53,
     .fn = cfg_parse_dns_ports},
    {"tunnels", FT_CUSTOM, .fn = cfg_parse_tunnels},
    {"encrypted_dns", FT_CUSTOM, .fn = cfg_parse_encdns},
    {"pin_path", FT_PATH, CFG_AT(struct dw_config, pin_path), .def_str = DW_DEFAULT_PIN_PATH},
    {"prefetch", FT_BOOL, CFG_AT(struct dw_config, prefetch), .def = 1},
    {"events", FT_MAP, CFG_SUB(events_fields)},
    {"metrics", FT_MAP, CFG_SUB(metrics_fields)},
    {"control", FT_MAP, CFG_SUB(control_fields)},
    {"validation", FT_MAP, CFG_SUB(validation_fields)},
};

void config_defaults(struct dw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg_fields_defaults(top_fields, ARRAY_SIZE(top_fields), cfg);
	cfg_ports_defaults(cfg);
}

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
	if (cfg_parse_map(p, root, "", top_fields, ARRAY_SIZE(top_fields), p->cfg))
		return -EINVAL;
	return cfg_check_ports(p, root);
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
