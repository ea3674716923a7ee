// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_policy.c: `dnsward policy check FILE` (parse, probe every protected
 * zone now, say what the policy would do to each) and `dnsward policy
 * rollback` (a control-socket request). check exits 0 when the policy is
 * safe to apply, 1 on a configuration error or when it would drop a zone
 * that is served now (unless --allow-drops), 2 on a usage error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/config.h"
#include "cli/control_client.h"
#include "daemon/policy.h"
#include "validator/policy_probe.h"

struct check_opts {
	const char *file;
	const char *against; /* the running policy's file, to tell new drops from old */
	bool allow_drops;
	bool json;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dnsward policy check FILE [--allow-drops] [--json] [--against RUNNING]\n"
		"       dnsward policy rollback [--config FILE | --socket PATH]\n\n"
		"check     parse FILE, prove every protected zone's chain now and print what the\n"
		"          policy would do to each zone. Exit 1 if FILE has an error or applying\n"
		"          it would drop a zone that is served now (every dropped zone counts,\n"
		"          unless --against names the running policy's file and it drops the zone\n"
		"          already); --allow-drops accepts the drops. --json prints one object.\n"
		"rollback  ask the running daemon to switch back to its previous policy.\n");
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "dnsward: policy: %s%s%s%s (try 'dnsward policy --help')\n", what,
		arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return EXIT_USAGE;
}

static const char *effect_name(enum probe_effect e)
{
	return e == PROBE_DROP ? "drop" : e == PROBE_REPORT ? "report" : "deliver";
}

static void print_json(const struct check_opts *o, const char *hash, const struct probe_result *r,
		       int n, int newly)
{
	char esc[2048];
	int i;

	policy_json_escape(o->file, esc, sizeof(esc));
	printf("{\"file\":\"%s\",\"policy\":\"%s\",\"zones\":[", esc, hash);
	for (i = 0; i < n; i++) {
		printf("%s{\"zone\":\"%s\",\"name\":\"%s\",\"outcome\":\"%s\",\"effect\":\"%s\","
		       "\"under_nta\":%s,\"newly_dropped\":%s,",
		       i ? "," : "", r[i].zone, r[i].name, val_outcome_name(r[i].outcome),
		       effect_name(r[i].effect), r[i].under_nta ? "true" : "false",
		       r[i].newly_dropped ? "true" : "false");
		policy_json_escape(r[i].reason, esc, sizeof(esc));
		printf("\"reason\":\"%s\",", esc);
		policy_json_escape(r[i].line, esc, sizeof(esc));
		printf("\"summary\":\"%s\"}", esc);
	}
	printf("],\"would_drop_served\":%d,\"ok\":%s}\n", newly,
	       !newly || o->allow_drops ? "true" : "false");
}

static int load(const char *file, struct dw_config **cfg)
{
	char err[1024];

	*cfg = malloc(sizeof(**cfg));
	if (!*cfg) {
		fprintf(stderr, "dnsward: policy check: out of memory\n");
		return 1;
	}
	if (config_load(file, *cfg, err, sizeof(err))) {
		fprintf(stderr, "dnsward: policy check: %s\n", err);
		return 1;
	}
	return 0;
}

static int check(const struct check_opts *o)
{
	struct dw_config *next = NULL, *running = NULL;
	struct probe_result *res = NULL;
	char err[1024], hash[POLICY_HASH_LEN];
	int n, i, newly = 0, rc = 1;

	if (load(o->file, &next) || (o->against && load(o->against, &running)))
		goto out;
	res = calloc(CFG_ZONES_MAX, sizeof(*res));
	if (!res)
		goto out;
	n = policy_probe(next, running, res, CFG_ZONES_MAX, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "dnsward: policy check: %s: %s\n", o->file, err);
		goto out;
	}
	policy_hash(next, hash);
	for (i = 0; i < n; i++)
		newly += res[i].newly_dropped;
	if (o->json) {
		print_json(o, hash, res, n, newly);
	} else {
		printf("policy %s %s\n", hash, o->file);
		for (i = 0; i < n; i++)
			printf("%s\n", res[i].line);
	}
	rc = 0;
	if (newly && !o->allow_drops) {
		fprintf(stderr,
			"dnsward: policy check: applying %s would drop %d zone(s) served now "
			"(--allow-drops to accept)\n",
			o->file, newly);
		rc = 1;
	}
out:
	free(res);
	free(next);
	free(running);
	return rc;
}

static int policy_check_cmd(int argc, char **argv)
{
	struct check_opts o = {0};
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--allow-drops")) {
			o.allow_drops = true;
		} else if (!strcmp(a, "--json")) {
			o.json = true;
		} else if (!strcmp(a, "--against")) {
			if (++i >= argc)
				return usage_error("missing value for", a);
			o.against = argv[i];
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option", a);
		} else if (!o.file) {
			o.file = a;
		} else {
			return usage_error("unexpected argument", a);
		}
	}
	if (!o.file)
		return usage_error("check needs a FILE", NULL);
	return check(&o);
}

static int policy_rollback_cmd(int argc, char **argv)
{
	const char *config = NULL, *socket = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--config") || !strcmp(a, "--socket")) {
			if (++i >= argc)
				return usage_error("missing value for", a);
			*(a[2] == 'c' ? &config : &socket) = argv[i];
		} else if (a[0] == '-') {
			return usage_error("unknown option", a);
		} else {
			return usage_error("unexpected argument", a);
		}
	}
	if (config && socket)
		return usage_error("give --config or --socket, not both", NULL);
	return control_run("policy rollback", config, socket, "policy rollback");
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "check"))
		return policy_check_cmd(argc - 2, argv + 2);
	if (!strcmp(argv[1], "rollback"))
		return policy_rollback_cmd(argc - 2, argv + 2);
	if (argv[1][0] == '-')
		return usage_error("unknown option", argv[1]);
	return usage_error("unknown subcommand", argv[1]);
}
