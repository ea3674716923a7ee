/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_reject_prog.h: TEST-ONLY. Makes the kernel's verifier reject one
 * data-plane program on demand, so that tests can prove what the daemon does
 * when a program does not load through the real load path (real libbpf, real
 * verifier, real daemon). Compiled in only with DNSWARD_TEST_HOOKS (the
 * sanitizer build, build/dnsward-san); in build/dnsward it does nothing.
 *
 * DNSWARD_TEST_REJECT_PROG=<program name> (dnsward_xdp, dnsward_tc or
 * dnsward_tc_query): just before that program is loaded, its instructions are
 * replaced by "r0 = 0; r0 = *(u64 *)(r0 + 0); exit", a load through a number,
 * which every verifier refuses, privileged or not ("R0 invalid mem access
 * 'scalar'"; a read of stack never written would not do: privileged programs
 * may read it).
 */
#ifndef DW_TEST_REJECT_PROG_H
#define DW_TEST_REJECT_PROG_H

/* The environment variable that names the program to reject. */
#define TEST_REJECT_PROG_ENV "DNSWARD_TEST_REJECT_PROG"

/*
 * Arm the rejection when the variable is set (once per process; before the
 * object is opened, as libbpf picks a program's section handler at open).
 * Returns 0, or -errno when libbpf refused the handler (logged).
 */
int test_reject_prog_arm(void);

#endif
