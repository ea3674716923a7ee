// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_control.c: `dnsward status|stats|reload|nta|flush`, clients of the
 * running daemon's control socket. Exit codes: 0 done, 1 refused, denied or
 * failed, 2 usage, 3 daemon not reachable.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/array.h"
#include "cli/commands.h"
#include "cli/control_client.h"

#define CTL_POS_MAX 3

struct ctl_opts {
	const char *config;
	const char *socket;
	const char *nta_for;
	const char *reason;
	bool allow_drops;
	const char *pos[CTL_POS_MAX];
	int n_pos;
};

static const struct {
	const char *cmd;
	const char *usage;
} usages[] = {
    {"status", "status [--config FILE | --socket PATH]\n  the running daemon's state: "
	       "attachments, policy hash, heartbeat, zones"},
    {"stats", "stats [--config FILE | --socket PATH]\n  counters, one \"name value\" per "
	      "line"},
    {"reload", "reload [--allow-drops] [--config FILE | --socket PATH]\n  re-read the "
	       "daemon's configuration file, probe it and apply it, or keep the running "
	       "policy and say why;\n  --allow-drops applies even when a zone served now "
	       "would be dropped"},
    {"nta", "nta add ZONE --for DURATION --reason TEXT | nta del ZONE | nta list\n"
	    "      [--config FILE | --socket PATH]\n  negative trust anchors: treat ZONE "
	    "and below as unsigned until DURATION (e.g. 2h) has passed"},
    {"flush", "flush [NAME] [--config FILE | --socket PATH]\n  drop cached verdicts and "
	      "validated data (for NAME and below, or everything)"},
};

static void usage(FILE *out, const char *cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(usages); i++)
		if (!strcmp(cmd, usages[i].cmd))
			fprintf(
			    out,
			    "usage: dnsward %s\n\n  --config FILE  find the socket from FILE's "
			    "control.socket\n  --socket PATH  the control socket (default %s)\n"
			    "exit: 0 done, 1 refused or failed, 2 usage, 3 daemon not reachable\n",
			    usages[i].usage, CTL_DEFAULT_SOCKET);
}

static int usage_error(const char *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "dnsward: %s: %s%s%s%s (try 'dnsward %s --help')\n", cmd, what,
		arg ? " '" : "", arg ? arg : "", arg ? "'" : "", cmd);
	return CTL_EXIT_USAGE;
}

/* Options may come anywhere; returns -1 to go on, or an exit code. */
static int parse_opts(int argc, char **argv, struct ctl_opts *o)
{
	const char *cmd = argv[0];
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **value = NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, cmd);
			return 0;
		}
		if (!strcmp(a, "--config"))
			value = &o->config;
		else if (!strcmp(a, "--socket"))
			value = &o->socket;
		else if (!strcmp(a, "--for") && !strcmp(cmd, "nta"))
			value = &o->nta_for;
		else if (!strcmp(a, "--reason") && !strcmp(cmd, "nta"))
			value = &o->reason;
		else if (!strcmp(a, "--allow-drops") && !strcmp(cmd, "reload"))
			o->allow_drops = true;
		else if (a[0] == '-' && a[1])
			return usage_error(cmd, "unknown option", a);
		else if (o->n_pos < CTL_POS_MAX)
			o->pos[o->n_pos++] = a;
		else
			return usage_error(cmd, "unexpected argument", a);
		if (value) {
			if (++i >= argc)
				return usage_error(cmd, "missing value for", a);
			*value = argv[i];
		}
	}
	if (o->config && o->socket)
		return usage_error(cmd, "give --config or --socket, not both", NULL);
	return -1;
}

/* The request line for nta add|del|list, or an exit code. */
static int nta_request(const struct ctl_opts *o, char *req, size_t len)
{
	const char *sub = o->n_pos ? o->pos[0] : NULL;

	if (sub && !strcmp(sub, "list") && o->n_pos == 1 && !o->nta_for && !o->reason) {
		snprintf(req, len, "nta list");
	} else if (sub && !strcmp(sub, "del") && o->n_pos == 2 && !o->nta_for && !o->reason) {
		snprintf(req, len, "nta del %s", o->pos[1]);
	} else if (sub && !strcmp(sub, "add") && o->n_pos == 2) {
		if (!o->nta_for || !o->reason)
			return usage_error("nta", "add needs --for DURATION and --reason TEXT",
					   NULL);
		if (strpbrk(o->reason, "\r\n") || strchr(o->pos[1], ' ') || strchr(o->nta_for, ' '))
			return usage_error(
			    "nta", "zone and duration are single words, the reason one line", NULL);
		if ((size_t)snprintf(req, len, "nta add %s %s %s", o->pos[1], o->nta_for,
				     o->reason) >= len)
			return usage_error("nta", "reason too long", NULL);
	} else {
		return usage_error("nta", "expected add ZONE --for D --reason T, del ZONE or list",
				   NULL);
	}
	return -1;
}

static int build_request(const char *cmd, const struct ctl_opts *o, char *req, size_t len)
{
	if (!strcmp(cmd, "nta"))
		return nta_request(o, req, len);
	if (!strcmp(cmd, "flush") && o->n_pos <= 1) {
		snprintf(req, len, "flush%s%s", o->n_pos ? " " : "", o->n_pos ? o->pos[0] : "");
		return strchr(o->n_pos ? o->pos[0] : "", ' ')
			   ? usage_error(cmd, "not a name", o->pos[0])
			   : -1;
	}
	if (o->n_pos)
		return usage_error(cmd, "unexpected argument", o->pos[0]);
	if (!strcmp(cmd, "reload"))
		snprintf(req, len, "reload%s", o->allow_drops ? " allow-drops" : "");
	else
		snprintf(req, len, "%s", cmd);
	return -1;
}

int cmd_control(int argc, char **argv)
{
	struct ctl_opts o = {0};
	char req[1024];
	int rc = parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = build_request(argv[0], &o, req, sizeof(req));
	if (rc >= 0)
		return rc;
	return control_run(argv[0], o.config, o.socket, req);
}
