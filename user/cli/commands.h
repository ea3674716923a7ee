/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * commands.h: the subcommands of build/dnsward. Each takes the arguments after
 * its own name (argv[0] is the subcommand) and returns the process exit code.
 */
#ifndef DW_COMMANDS_H
#define DW_COMMANDS_H

/* Exit codes shared by every subcommand except `check` (see cmd_check.c). */
#define EXIT_USAGE 2

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_policy(int argc, char **argv);
/* status, stats, nta, reload, flush: clients of the control socket. */
int cmd_control(int argc, char **argv);

#endif
