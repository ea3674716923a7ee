// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_check.c: `dnsward check NAME [TYPE]`: walk and print the chain of trust
 * for one name, one line per link from the anchor down (like delv +vtrace),
 * then the outcome and its reason. Exit codes are the outcome (0 secure,
 * 1 insecure, 2 bogus, 3 indeterminate); 64 is a usage error, 78 a
 * configuration error (sysexits.h EX_USAGE, EX_CONFIG).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <ldns/ldns.h>

#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "validator/validator.h"

#define EX_USAGE_CHECK	64
#define EX_CONFIG_CHECK 78

struct check_opts {
	const char *name;
	const char *type;
	const char *config;
	const char *anchor;
	const char *server;
	bool json;
	long long time;
};

static void check_usage(FILE *out)
{
	fprintf(out, "usage: dnsward check NAME [TYPE] [--config FILE] [--anchor FILE]\n"
		     "                     [--server ADDR[#PORT]] [--json] [--time UNIXTIME]\n"
		     "Walk the chain of trust for NAME/TYPE (default A) from the closest trust\n"
		     "anchor down and print one line per link, then the outcome.\n"
		     "exit: 0 secure, 1 insecure, 2 bogus, 3 indeterminate, 64 usage, 78 config\n");
}

static int parse_opts(int argc, char **argv, struct check_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;

		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (!strcmp(a, "--config"))
			val = &o->config;
		else if (!strcmp(a, "--anchor"))
			val = &o->anchor;
		else if (!strcmp(a, "--server"))
			val = &o->server;
		if (!strcmp(a, "--time")) {
			char *end;

			if (i + 1 >= argc) {
				fprintf(stderr, "dnsward check: option '--time' needs a value\n");
				return -EINVAL;
			}
			o->time = strtoll(argv[++i], &end, 10);
			if (*end || o->time <= 0) {
				fprintf(stderr,
					"dnsward check: option '--time': '%s' is not a UNIX time\n",
					argv[i]);
				return -EINVAL;
			}
			continue;
		}
		if (val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "dnsward check: option '%s' needs a value\n", a);
				return -EINVAL;
			}
			*val = argv[++i];
			continue;
		}
		if (a[0] == '-' && a[1]) {
			fprintf(stderr, "dnsward check: unknown option '%s' (try --help)\n", a);
			return -EINVAL;
		}
		if (!o->name)
			o->name = a;
		else if (!o->type)
			o->type = a;
		else {
			fprintf(stderr, "dnsward check: unexpected argument '%s'\n", a);
			return -EINVAL;
		}
	}
	if (!o->name) {
		fprintf(stderr, "dnsward check: missing NAME (try --help)\n");
		return -EINVAL;
	}
	return 0;
}

/* "ADDR", "ADDR#PORT" (IPv4 or IPv6) into an upstream. */
static int parse_server(const char *s, struct cfg_upstream *u)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *hash = strchr(s, '#');
	size_t hlen = hash ? (size_t)(hash - s) : strlen(s);
	long port = 53;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&u->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&u->addr;

	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (hash) {
		char *end;

		port = strtol(hash + 1, &end, 10);
		if (*end || port <= 0 || port > 65535)
			return -EINVAL;
	}
	memset(u, 0, sizeof(*u));
	u->transport = CFG_TRANSPORT_UDP;
	u->timeout_ms = 2000;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		u->addr_len = sizeof(*s4);
		return 0;
	}
	memset(u, 0, sizeof(*u));
	u->transport = CFG_TRANSPORT_UDP;
	u->timeout_ms = 2000;
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		u->addr_len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

/* Without a configured upstream, use the host's resolver (first nameserver line). */
static void upstream_from_resolv_conf(struct dw_config *cfg)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[256], addr[128];

	if (!f)
		return;
	while (cfg->n_upstreams == 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "nameserver %127s", addr) == 1 &&
		    !parse_server(addr, &cfg->upstreams[0]))
			cfg->n_upstreams = 1;
	fclose(f);
}

static int build_config(const struct check_opts *o, struct dw_config *cfg)
{
	char err[512];

	if (o->config) {
		if (config_load(o->config, cfg, err, sizeof(err))) {
			fprintf(stderr, "dnsward check: %s\n", err);
			return EX_CONFIG_CHECK;
		}
	} else {
		config_defaults(cfg);
	}
	if (o->anchor) {
		memset(cfg->anchors, 0, sizeof(cfg->anchors));
		snprintf(cfg->anchors[0].file, sizeof(cfg->anchors[0].file), "%s", o->anchor);
		cfg->n_anchors = 1;
	}
	if (o->server) {
		if (parse_server(o->server, &cfg->upstreams[0])) {
			fprintf(stderr, "dnsward check: option '--server': bad address '%s'\n",
				o->server);
			return EX_USAGE_CHECK;
		}
		cfg->n_upstreams = 1;
	}
	if (cfg->n_upstreams == 0)
		upstream_from_resolv_conf(cfg);
	return 0;
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_json(const char *name, const char *type, const struct val_result *r)
{
	int i;

	printf("{\"name\":");
	json_str(stdout, name);
	printf(",\"type\":");
	json_str(stdout, type);
	printf(",\"outcome\":\"%s\",\"reason\":", val_outcome_name(r->outcome));
	json_str(stdout, r->reason);
	printf(",\"ttl\":%u,\"under_nta\":%s,\"chain\":[", r->ttl, r->under_nta ? "true" : "false");
	for (i = 0; i < r->n_trace; i++) {
		if (i)
			putchar(',');
		json_str(stdout, r->trace[i].text);
	}
	printf("]}\n");
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o;
	struct dw_config *cfg;
	struct validator *v;
	struct val_result res;
	char err[512], tname[16];
	ldns_rr_type qtype;
	int i, rc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		check_usage(stdout);
		return 0;
	}
	if (parse_opts(argc, argv, &o))
		return EX_USAGE_CHECK;
	qtype = o.type ? ldns_get_rr_type_by_name(o.type) : LDNS_RR_TYPE_A;
	if (!qtype) {
		fprintf(stderr, "dnsward check: unknown record type '%s'\n", o.type);
		return EX_USAGE_CHECK;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return EX_CONFIG_CHECK;
	rc = build_config(&o, cfg);
	if (rc) {
		free(cfg);
		return rc;
	}
	v = validator_new(cfg, err, sizeof(err));
	free(cfg);
	if (!v) {
		fprintf(stderr, "dnsward check: %s\n", err);
		return EX_CONFIG_CHECK;
	}
	if (o.time)
		validator_set_time(v, (time_t)o.time);
	validator_set_trace(v, true);
	validator_check_name(v, o.name, qtype, &res);
	snprintf(tname, sizeof(tname), "%s", o.type ? o.type : "A");
	for (i = 0; tname[i]; i++)
		tname[i] = (char)toupper((unsigned char)tname[i]);
	if (o.json) {
		print_json(o.name, tname, &res);
	} else {
		for (i = 0; i < res.n_trace; i++)
			printf("  %s\n", res.trace[i].text);
		printf("%s/%s: %s: %s\n", o.name, tname, val_outcome_name(res.outcome), res.reason);
	}
	validator_free(v);
	return res.outcome;
}
