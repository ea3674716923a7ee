// SPDX-License-Identifier: BSD-2-Clause
/* main.c: build/dnsward, one binary with subcommands. */
#include <stdio.h>
#include <string.h>

#include "common/array.h"
#include "cli/commands.h"
#include "common/log.h"
#include "version.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
    {"run", cmd_run, "run the daemon in the foreground (load, attach, validate, enforce)"},
    {"check", cmd_check, "walk and print the chain of trust for one name"},
    {"policy", cmd_policy, "policy check FILE | policy rollback: validate, probe, roll back"},
    {"status", cmd_control, "show the running daemon's state"},
    {"stats", cmd_control, "show the running daemon's counters"},
    {"reload", cmd_control, "ask the running daemon to reload its configuration"},
    {"nta", cmd_control, "nta add|del|list: negative trust anchors"},
    {"flush", cmd_control, "flush [NAME]: drop cached verdicts"},
    {"version", NULL, "print the version (also --version)"},
};

static int print_version(void)
{
	printf("dnsward %s\n", DNSWARD_VERSION);
	return 0;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: dnsward [-v] <command> [options]\n"
		     "       dnsward --version\n\n"
		     "DNSSEC integrity enforcement for identity-critical DNS replies.\n\n"
		     "commands:\n");
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'dnsward <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int arg = 1;

	while (arg < argc && argv[arg][0] == '-') {
		if (!strcmp(argv[arg], "-h") || !strcmp(argv[arg], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[arg], "-V") || !strcmp(argv[arg], "--version"))
			return print_version();
		if (!strcmp(argv[arg], "-v") || !strcmp(argv[arg], "--verbose")) {
			log_set_level(LOG_DEBUG);
			arg++;
			continue;
		}
		fprintf(stderr, "dnsward: unknown option '%s' (try 'dnsward --help')\n", argv[arg]);
		return EXIT_USAGE;
	}
	if (arg >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_route_libbpf();
	if (!strcmp(argv[arg], "version"))
		return print_version();
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (subcommands[i].fn && !strcmp(argv[arg], subcommands[i].name))
			return subcommands[i].fn(argc - arg, argv + arg);
	fprintf(stderr, "dnsward: unknown command '%s' (try 'dnsward --help')\n", argv[arg]);
	return EXIT_USAGE;
}
