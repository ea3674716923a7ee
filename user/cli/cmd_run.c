// SPDX-License-Identifier: BSD-2-Clause
/* cmd_run.c: `dnsward run`, the daemon in the foreground. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/config.h"
#include "daemon/daemon_run.h"
#include "common/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dnsward run --config FILE [--keep-pinned] [--threads N] [--foreground]\n\n"
		"Load and pin the data plane, attach it to the configured interfaces, validate\n"
		"held replies and enforce verdicts, in the foreground. SIGHUP reloads the\n"
		"configuration; SIGTERM detaches and removes the pins, unless --keep-pinned,\n"
		"which leaves the programs attached and enforcing cached verdicts (upgrades).\n\n"
		"  --config FILE   the YAML configuration (required)\n"
		"  --keep-pinned   on exit, leave programs attached and maps pinned\n"
		"  --threads N     validation worker threads (default: 2-4 by CPU count)\n"
		"  --foreground    accepted for compatibility; the daemon never forks\n");
}

int cmd_run(int argc, char **argv)
{
	struct daemon_opts opts = {0};
	const char *path = NULL;
	struct dw_config *cfg;
	char err[512];
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--config") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(a, "--config=", 9)) {
			path = a + 9;
		} else if (!strcmp(a, "--keep-pinned")) {
			opts.keep_pinned = true;
		} else if (!strcmp(a, "--foreground")) {
			continue;
		} else if (!strcmp(a, "--threads") && i + 1 < argc) {
			opts.threads = atoi(argv[++i]);
			if (opts.threads < 1 || opts.threads > 16) {
				fprintf(stderr, "dnsward run: --threads takes 1..16, not '%s'\n",
					argv[i]);
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr,
				"dnsward run: unknown option '%s' (try 'dnsward run --help')\n", a);
			return EXIT_USAGE;
		}
	}
	if (!path) {
		fprintf(stderr,
			"dnsward run: --config FILE is required (try 'dnsward run --help')\n");
		return EXIT_USAGE;
	}
	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return 1;
	rc = config_load(path, cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "dnsward run: %s\n", err);
		free(cfg);
		return 1;
	}
	rc = daemon_main(cfg, &opts);
	free(cfg);
	return rc;
}
