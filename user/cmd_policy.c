// SPDX-License-Identifier: BSD-2-Clause
/* cmd_policy.c: placeholder until the subcommand lands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_policy(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: dnsward %s ...\n", argv[0]);
		return 0;
	}
	fprintf(stderr, "dnsward: %s: not built yet\n", argv[0]);
	return 1;
}
