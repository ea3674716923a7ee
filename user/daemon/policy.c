// SPDX-License-Identifier: BSD-2-Clause
/*
 * policy.c: policy identity, differences, history, runtime NTAs and audit
 * records. The canonical form lists every parsed value in a fixed order, so
 * the hash ignores comments, key order, quoting and name spelling, and the
 * diff compares meaning rather than text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "common/array.h"
#include "common/log.h"
#include "daemon/policy.h"

static const char *const mode_names[] = {"enforce", "monitor"};
static const char *const require_names[] = {"secure", "not-bogus"};
static const char *const failure_names[] = {"closed", "open"};
static const char *const transport_names[] = {"udp", "tcp", "tls"};
static const char *const hook_names[] = {"xdp", "tc"};
static const char *const dir_names[] = {"ingress", "egress"};
static const char *const xdp_mode_names[] = {"auto", "native", "generic"};

#define NAME_OF(table, v) ((unsigned)(v) < ARRAY_SIZE(table) ? table[v] : "?")

void policy_format_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, len, "%lld", (long long)t);
}

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
		snprintf(out, len, "%s:%u", ip, port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
		snprintf(out, len, "[%s]:%u", ip, port);
	}
}

/* --- canonical form and hash ---------------------------------------------------- */

static void canon_zone(const struct cfg_zone *z, FILE *out)
{
	fprintf(out, "zone %s mode=%s require=%s failure=%s cname_targets_secure=%d probe=%s\n",
		z->name, NAME_OF(mode_names, z->mode), NAME_OF(require_names, z->require),
		NAME_OF(failure_names, z->failure), z->cname_targets_secure, z->probe);
}

static void canon_anchors(const struct dw_config *cfg, FILE *out)
{
	int i;

	if (!cfg->n_anchors)
		fprintf(out, "anchor system\n");
	for (i = 0; i < cfg->n_anchors && i < CFG_ANCHORS_MAX; i++) {
		const struct cfg_anchor *a = &cfg->anchors[i];

		if (a->system)
			fprintf(out, "anchor system\n");
		else if (a->file[0])
			fprintf(out, "anchor file %s\n", a->file);
		else
			fprintf(out, "anchor inline %zu %s\n", strlen(a->inline_rr), a->inline_rr);
	}
}

static void canon_upstream(const struct cfg_upstream *u, FILE *out)
{
	char addr[64];
	int i;

	format_addr(&u->addr, addr, sizeof(addr));
	fprintf(out, "upstream %s %s tls_name=%s timeout_ms=%d pins=", addr,
		NAME_OF(transport_names, u->transport), u->tls_name, u->timeout_ms);
	for (i = 0; i < u->n_pins && i < CFG_PINS_MAX; i++)
		fprintf(out, "%s%s", i ? "," : "", u->pins[i]);
	fputc('\n', out);
}

static void canon_limits(const struct cfg_limits *l, FILE *out)
{
	char rate[16];

	if (l->punt_rate == CFG_PUNT_RATE_AUTO)
		snprintf(rate, sizeof(rate), "auto");
	else
		snprintf(rate, sizeof(rate), "%u", l->punt_rate);
	fprintf(out,
		"limits verdict_cache=%u rrset_cache=%u rrset_cache_bytes=%u signature_cache=%u "
		"punt_rate=%s "
		"punt_burst=%u keys_per_tag=%u "
		"sigs_per_rrset=%u sigs_per_validation=%u nsec3_iterations=%u chain_depth=%u "
		"cname_chain=%u queries_per_validation=%u clock_skew=%u max_verdict_ttl=%u "
		"negative_cache_ttl=%u heartbeat_timeout_ms=%u punt_dest_rate=%u "
		"punt_dest_burst=%u\n",
		l->verdict_cache, l->rrset_cache, l->rrset_cache_bytes, l->signature_cache, rate,
		l->punt_burst, l->keys_per_tag, l->sigs_per_rrset, l->sigs_per_validation,
		l->nsec3_iterations, l->chain_depth, l->cname_chain, l->queries_per_validation,
		l->clock_skew, l->max_verdict_ttl, l->negative_cache_ttl, l->heartbeat_timeout_ms,
		l->punt_dest_rate, l->punt_dest_burst);
}

int policy_canonical(const struct dw_config *cfg, FILE *out)
{
	char addr[64];
	int i;

	fprintf(out, "dnsward-policy 1\n");
	for (i = 0; i < cfg->n_zones && i < CFG_ZONES_MAX; i++)
		canon_zone(&cfg->zones[i], out);
	canon_anchors(cfg, out);
	for (i = 0; i < cfg->n_ntas && i < CFG_NTAS_MAX; i++)
		fprintf(out, "nta %s until=%lld reason=%zu:%s\n", cfg->ntas[i].zone,
			(long long)cfg->ntas[i].until, strlen(cfg->ntas[i].reason),
			cfg->ntas[i].reason);
	for (i = 0; i < cfg->n_upstreams && i < CFG_UPSTREAMS_MAX; i++)
		canon_upstream(&cfg->upstreams[i], out);
	for (i = 0; i < cfg->n_resolvers && i < CFG_RESOLVERS_MAX; i++) {
		format_addr(&cfg->resolvers[i], addr, sizeof(addr));
		fprintf(out, "resolver %s\n", addr);
	}
	for (i = 0; i < cfg->n_ifaces && i < CFG_IFACES_MAX; i++) {
		const struct cfg_iface *f = &cfg->ifaces[i];

		fprintf(out, "interface name=%s pattern=%s hook=%s direction=%s xdp_mode=%s\n",
			f->name, f->pattern, NAME_OF(hook_names, f->hook),
			NAME_OF(dir_names, f->direction), NAME_OF(xdp_mode_names, f->xdp_mode));
	}
	canon_limits(&cfg->limits, out);
	fprintf(out, "dns_port %u\npin_path %s\nevents %s\nmetrics %s\ncontrol %s %04o\n",
		cfg->dns_port, cfg->pin_path, cfg->events_output, cfg->metrics_listen,
		cfg->control_socket, cfg->control_mode);
	/* Only when off, so the hash of a policy written before the key existed stays. */
	if (!cfg->prefetch)
		fprintf(out, "prefetch off\n");
	return ferror(out) ? -EIO : 0;
}

int policy_hash(const struct dw_config *cfg, char out[POLICY_HASH_LEN])
{
	unsigned char md[32];
	unsigned int md_len = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i, ret = 0;

	if (!f) {
		pr_err("policy hash: open_memstream: %s", strerror(errno));
		snprintf(out, POLICY_HASH_LEN, "unknown");
		return -ENOMEM;
	}
	ret = policy_canonical(cfg, f);
	if (fclose(f) || ret || !EVP_Digest(text, len, md, &md_len, EVP_sha256(), NULL)) {
		pr_err("policy hash: cannot digest the canonical form of %s", cfg->path);
		snprintf(out, POLICY_HASH_LEN, "unknown");
		free(text);
		return -EIO;
	}
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	free(text);
	return 0;
}

/* --- diff --------------------------------------------------------------------- */

struct sbuf {
	char *buf;
	size_t len, used;
	bool full;
};

static void sb_add(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->used, s->len - s->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= s->len - s->used) {
		s->full = true;
		/* Say that the summary was cut instead of ending mid-word. */
		if (s->len >= 4)
			memcpy(s->buf + s->len - 4, "...", 4);
		return;
	}
	s->used += (size_t)n;
}

static const struct cfg_zone *zone_named(const struct dw_config *cfg, const char *name)
{
	int i;

	for (i = 0; i < cfg->n_zones && i < CFG_ZONES_MAX; i++)
		if (!strcmp(cfg->zones[i].name, name))
			return &cfg->zones[i];
	return NULL;
}

static const struct cfg_nta *nta_named(const struct dw_config *cfg, const char *zone)
{
	int i;

	for (i = 0; i < cfg->n_ntas && i < CFG_NTAS_MAX; i++)
		if (!strcmp(cfg->ntas[i].zone, zone))
			return &cfg->ntas[i];
	return NULL;
}

/* "(mode enforce->monitor,require secure->not-bogus)" for a changed zone. */
static void zone_changes(struct sbuf *s, const struct cfg_zone *a, const struct cfg_zone *b)
{
	const char *sep = "(";

	if (a->mode != b->mode) {
		sb_add(s, "%smode %s->%s", sep, NAME_OF(mode_names, a->mode),
		       NAME_OF(mode_names, b->mode));
		sep = ",";
	}
	if (a->require != b->require) {
		sb_add(s, "%srequire %s->%s", sep, NAME_OF(require_names, a->require),
		       NAME_OF(require_names, b->require));
		sep = ",";
	}
	if (a->failure != b->failure) {
		sb_add(s, "%sfailure %s->%s", sep, NAME_OF(failure_names, a->failure),
		       NAME_OF(failure_names, b->failure));
		sep = ",";
	}
	if (a->cname_targets_secure != b->cname_targets_secure) {
		sb_add(s, "%scname_targets_secure %d->%d", sep, a->cname_targets_secure,
		       b->cname_targets_secure);
		sep = ",";
	}
	if (strcmp(a->probe, b->probe))
		sb_add(s, "%sprobe", sep);
	sb_add(s, ")");
}

static bool zone_equal(const struct cfg_zone *a, const struct cfg_zone *b)
{
	return a->mode == b->mode && a->require == b->require && a->failure == b->failure &&
	       a->cname_targets_secure == b->cname_targets_secure && !strcmp(a->probe, b->probe);
}

static void diff_zones(struct sbuf *s, const struct dw_config *a, const struct dw_config *b)
{
	const char *lead = "zones";
	int i;

	for (i = 0; i < b->n_zones && i < CFG_ZONES_MAX; i++) {
		if (zone_named(a, b->zones[i].name))
			continue;
		sb_add(s, "%s +%s", lead, b->zones[i].name);
		lead = "";
	}
	for (i = 0; i < a->n_zones && i < CFG_ZONES_MAX; i++) {
		const struct cfg_zone *o = zone_named(b, a->zones[i].name);

		if (o && zone_equal(&a->zones[i], o))
			continue;
		sb_add(s, "%s %c%s", lead, o ? '~' : '-', a->zones[i].name);
		if (o)
			zone_changes(s, &a->zones[i], o);
		lead = "";
	}
	if (!*lead)
		sb_add(s, "; ");
}

static void diff_ntas(struct sbuf *s, const struct dw_config *a, const struct dw_config *b)
{
	const char *lead = "ntas";
	int i;

	for (i = 0; i < b->n_ntas && i < CFG_NTAS_MAX; i++) {
		const struct cfg_nta *o = nta_named(a, b->ntas[i].zone);

		if (o && o->until == b->ntas[i].until && !strcmp(o->reason, b->ntas[i].reason))
			continue;
		sb_add(s, "%s %c%s", lead, o ? '~' : '+', b->ntas[i].zone);
		lead = "";
	}
	for (i = 0; i < a->n_ntas && i < CFG_NTAS_MAX; i++) {
		if (nta_named(b, a->ntas[i].zone))
			continue;
		sb_add(s, "%s -%s", lead, a->ntas[i].zone);
		lead = "";
	}
	if (!*lead)
		sb_add(s, "; ");
}

/* Compare one section of the canonical forms by the lines that start with prefix. */
static char *section(const struct dw_config *cfg, const char *prefix)
{
	char *text = NULL, *line, *save = NULL, *outp = NULL;
	size_t len = 0, out_len = 0;
	FILE *f = open_memstream(&text, &len), *o;

	if (!f)
		return NULL;
	policy_canonical(cfg, f);
	fclose(f);
	o = open_memstream(&outp, &out_len);
	if (!o) {
		free(text);
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, prefix, strlen(prefix)))
			fprintf(o, "%s\n", line);
	fclose(o);
	free(text);
	return outp;
}

static void diff_section(struct sbuf *s, const struct dw_config *a, const struct dw_config *b,
			 const char *prefix, const char *label)
{
	char *x = section(a, prefix), *y = section(b, prefix);

	if (x && y && strcmp(x, y))
		sb_add(s, "%s changed; ", label);
	free(x);
	free(y);
}

void policy_diff(const struct dw_config *old, const struct dw_config *new, char *out, size_t len)
{
	static const char *const settings[] = {"dns_port", "pin_path", "events",
					       "metrics",  "control",  "prefetch"};
	struct sbuf s = {.buf = out, .len = len};
	size_t i;

	if (!len)
		return;
	out[0] = '\0';
	diff_zones(&s, old, new);
	diff_ntas(&s, old, new);
	diff_section(&s, old, new, "anchor ", "anchors");
	diff_section(&s, old, new, "upstream ", "upstreams");
	diff_section(&s, old, new, "resolver ", "resolvers");
	diff_section(&s, old, new, "interface ", "interfaces");
	diff_section(&s, old, new, "limits ", "limits");
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		diff_section(&s, old, new, settings[i], settings[i]);
	if (!s.full && s.used >= 2 && !strcmp(out + s.used - 2, "; "))
		out[s.used - 2] = '\0';
	if (!out[0])
		snprintf(out, len, "no change");
}

/* --- history -------------------------------------------------------------------- */

static struct dw_config *dup_config(const struct dw_config *cfg)
{
	struct dw_config *c = malloc(sizeof(*c));

	if (!c) {
		pr_err("policy history: out of memory copying %s", cfg->path);
		return NULL;
	}
	memcpy(c, cfg, sizeof(*c));
	return c;
}

int policy_history_init(struct policy_history *h, const struct dw_config *cfg)
{
	h->previous = NULL;
	h->current = dup_config(cfg);
	return h->current ? 0 : -ENOMEM;
}

void policy_history_free(struct policy_history *h)
{
	free(h->current);
	free(h->previous);
	h->current = h->previous = NULL;
}

int policy_history_push(struct policy_history *h, const struct dw_config *cfg)
{
	struct dw_config *c = dup_config(cfg);

	if (!c)
		return -ENOMEM;
	free(h->previous);
	h->previous = h->current;
	h->current = c;
	return 0;
}

void policy_history_replace(struct policy_history *h, const struct dw_config *cfg)
{
	memcpy(h->current, cfg, sizeof(*cfg));
}

int policy_history_swap(struct policy_history *h)
{
	struct dw_config *t = h->previous;

	if (!t)
		return -ENOENT;
	h->previous = h->current;
	h->current = t;
	return 0;
}

/* --- runtime NTAs ----------------------------------------------------------------- */

int policy_nta_add(struct dw_config *cfg, const char *zone, time_t until, const char *reason,
		   char *err, size_t err_len)
{
	struct cfg_nta *t;
	char norm[CFG_NAME_LEN];
	int i;

	if (config_normalize_name(zone, norm, sizeof(norm))) {
		snprintf(err, err_len, "'%s' is not a domain name", zone);
		return -EINVAL;
	}
	if (!reason || !*reason || strlen(reason) >= sizeof(t->reason)) {
		snprintf(err, err_len, "a reason of 1-%zu characters is required",
			 sizeof(t->reason) - 1);
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_ntas && i < CFG_NTAS_MAX; i++) {
		const struct cfg_nta *o = &cfg->ntas[i];

		if (config_name_within(norm, o->zone) || config_name_within(o->zone, norm)) {
			snprintf(err, err_len, "%s overlaps the negative trust anchor for %s (%s)",
				 norm, o->zone,
				 o->runtime ? "added at run time" : "from the configuration");
			return -EEXIST;
		}
	}
	if (cfg->n_ntas >= CFG_NTAS_MAX) {
		snprintf(err, err_len, "too many negative trust anchors (at most %d)",
			 CFG_NTAS_MAX);
		return -ENOSPC;
	}
	t = &cfg->ntas[cfg->n_ntas++];
	memset(t, 0, sizeof(*t));
	snprintf(t->zone, sizeof(t->zone), "%s", norm);
	snprintf(t->reason, sizeof(t->reason), "%s", reason);
	t->until = until;
	t->runtime = true;
	return 0;
}

static void nta_remove_at(struct dw_config *cfg, int i)
{
	memmove(&cfg->ntas[i], &cfg->ntas[i + 1],
		sizeof(cfg->ntas[0]) * (size_t)(cfg->n_ntas - i - 1));
	cfg->n_ntas--;
}

int policy_nta_del(struct dw_config *cfg, const char *zone, char *err, size_t err_len)
{
	char norm[CFG_NAME_LEN];
	int i;

	if (config_normalize_name(zone, norm, sizeof(norm))) {
		snprintf(err, err_len, "'%s' is not a domain name", zone);
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_ntas && i < CFG_NTAS_MAX; i++) {
		if (strcmp(cfg->ntas[i].zone, norm))
			continue;
		if (!cfg->ntas[i].runtime) {
			snprintf(err, err_len,
				 "the negative trust anchor for %s comes from %s line %d: remove "
				 "it there and reload",
				 norm, cfg->path, cfg->ntas[i].line);
			return -EPERM;
		}
		nta_remove_at(cfg, i);
		return 0;
	}
	snprintf(err, err_len, "no negative trust anchor for %s", norm);
	return -ENOENT;
}

int policy_nta_expire(struct dw_config *cfg, time_t now, char *names, size_t names_len)
{
	struct sbuf s = {.buf = names, .len = names_len};
	int i = 0, removed = 0;

	if (names_len)
		names[0] = '\0';
	while (i < cfg->n_ntas && i < CFG_NTAS_MAX) {
		if (cfg->ntas[i].until > now) {
			i++;
			continue;
		}
		if (names_len)
			sb_add(&s, "%s%s", removed ? " " : "", cfg->ntas[i].zone);
		nta_remove_at(cfg, i);
		removed++;
	}
	return removed;
}

time_t policy_nta_next_expiry(const struct dw_config *cfg)
{
	time_t next = 0;
	int i;

	for (i = 0; i < cfg->n_ntas && i < CFG_NTAS_MAX; i++)
		if (!next || cfg->ntas[i].until < next)
			next = cfg->ntas[i].until;
	return next;
}

void policy_nta_list(const struct dw_config *cfg, time_t now, FILE *out)
{
	char when[32];
	int i;

	for (i = 0; i < cfg->n_ntas && i < CFG_NTAS_MAX; i++) {
		const struct cfg_nta *t = &cfg->ntas[i];
		long long left = (long long)(t->until - now);

		policy_format_time(t->until, when, sizeof(when));
		if (left < 0)
			left = 0;
		fprintf(out, "%s until %s (in %lldh%02lldm%02llds) %s %s\n", t->zone, when,
			left / 3600, left / 60 % 60, left % 60, t->runtime ? "runtime" : "config",
			t->reason);
	}
}

void policy_nta_carry(const struct dw_config *from, struct dw_config *to, time_t now)
{
	char err[256];
	int i;

	for (i = 0; i < from->n_ntas && i < CFG_NTAS_MAX; i++) {
		const struct cfg_nta *t = &from->ntas[i];

		if (!t->runtime || t->until <= now)
			continue;
		if (policy_nta_add(to, t->zone, t->until, t->reason, err, sizeof(err)))
			pr_warn("runtime negative trust anchor for %s not carried over: %s",
				t->zone, err);
	}
}

/* --- audit ------------------------------------------------------------------------ */

void policy_json_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	for (; in && *in && o + 7 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

int policy_audit_json(char *out, size_t len, time_t now, const struct policy_caller *caller,
		      const char *action, const char *old_hash, const char *new_hash,
		      const char *summary, const char *outcome, const char *reason)
{
	char when[32], who[64], esc_summary[2 * POLICY_SUMMARY_LEN], esc_reason[1024];
	int n;

	policy_format_time(now, when, sizeof(when));
	if (caller->kind == CALLER_PEER)
		snprintf(who, sizeof(who), "{\"uid\":%u,\"pid\":%d}", (unsigned)caller->uid,
			 (int)caller->pid);
	else
		snprintf(who, sizeof(who), "\"%s\"",
			 caller->kind == CALLER_SIGNAL ? "signal" : "timer");
	policy_json_escape(summary ? summary : "", esc_summary, sizeof(esc_summary));
	policy_json_escape(reason ? reason : "", esc_reason, sizeof(esc_reason));
	n = snprintf(out, len,
		     "{\"event\":\"audit\",\"time\":\"%s\",\"action\":\"%s\",\"caller\":%s,"
		     "\"old_policy\":\"%s\",\"new_policy\":\"%s\",\"summary\":\"%s\","
		     "\"outcome\":\"%s\",\"reason\":\"%s\"}",
		     when, action, who, old_hash ? old_hash : "", new_hash ? new_hash : "",
		     esc_summary, outcome, esc_reason);
	if (n < 0 || (size_t)n >= len) {
		pr_warn("audit event for %s too long (%d bytes)", action, n);
		return -ENOSPC;
	}
	return n;
}
