// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_load.c: every data-plane program loads on this kernel, each on its
 * own, and verifies with half the verifier's budget to spare: instruction
 * counts move by 2x between kernels and patch levels, so a program near the
 * budget on one kernel is broken on another. One line per program,
 * "verifier: <kernel release> <program> <N> insns" or
 * "verifier: <kernel release> <program> FAILED <why>", feeds the kernel
 * matrix's table (tests/kernels/table). A program that fails is reported with
 * the verifier's last lines, and the others are still tried.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "dnsward.skel.h"
#include "daemon/verifier_log.h"

/* Half the budget: what another kernel's verifier may need on top of this one's. */
#define VERIFIER_HEADROOM (VERIFIER_BUDGET / 2)

static char release[128] = "unknown";
static char *logbuf;

/* Quiet libbpf: its own dump of a failed load would bury the one line that matters. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* The object with only `name` set to load, maps unpinned (tests leave no pins behind). */
static struct dnsward *open_one(const char *name)
{
	struct dnsward *skel = dnsward__open();
	struct bpf_program *prog;
	struct bpf_map *m;

	if (!skel)
		return NULL;
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	bpf_object__for_each_program(prog, skel->obj)
	{
		bool me = !strcmp(bpf_program__name(prog), name);

		bpf_program__set_autoload(prog, me);
		if (me) {
			logbuf[0] = '\0';
			bpf_program__set_log_level(prog, 4); /* statistics (and the error) */
			bpf_program__set_log_buf(prog, logbuf, VERIFIER_LOG_SIZE);
		}
	}
	return skel;
}

/* Loads one program; prints its verifier line; returns its count, or -1. */
static long load_one(const char *name)
{
	struct dnsward *skel = open_one(name);
	char tail[4096];
	long insns;
	int err;

	if (!skel) {
		printf("verifier: %s %s FAILED cannot open the object: %s\n", release, name,
		       strerror(errno));
		return -1;
	}
	err = dnsward__load(skel);
	insns = verifier_log_insns(logbuf);
	if (err) {
		verifier_log_tail(logbuf, 4, "    ", tail, sizeof(tail));
		printf("verifier: %s %s FAILED %s (after %ld insns)\n%s", release, name,
		       strerror(-err), insns, tail);
		insns = -1;
	} else {
		printf("verifier: %s %s %ld insns\n", release, name, insns);
	}
	fflush(stdout);
	dnsward__destroy(skel);
	return insns;
}

/* Each program of the object, loaded on its own, within half the budget. */
static void test_each_program_verifies_with_headroom(void)
{
	struct dnsward *skel = dnsward__open();
	struct bpf_program *prog;
	const char *names[16];
	int n = 0, i;

	CHECK(skel != NULL);
	if (!skel)
		return;
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (n < 16)
			names[n++] = strdup(bpf_program__name(prog));
	}
	dnsward__destroy(skel);
	CHECK(n >= 3); /* dnsward_xdp, dnsward_tc, dnsward_tc_query */
	for (i = 0; i < n; i++) {
		long insns = names[i] ? load_one(names[i]) : -1;

		if (insns < 0 || insns > VERIFIER_HEADROOM) {
			fprintf(stderr, "  %s on %s: %ld insns, limit %ld\n", names[i], release,
				insns, VERIFIER_HEADROOM);
			harness_failed = 1;
		}
		free((void *)names[i]);
	}
}

/* The whole object loads as the daemon loads it, all programs together. */
static void test_skeleton_loads(void)
{
	struct dnsward *skel = dnsward__open();
	struct bpf_map *m;
	int err;

	CHECK(skel != NULL);
	if (!skel)
		return;
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	err = dnsward__load(skel);
	CHECK_EQ_INT(err, 0);
	if (!err) {
		CHECK(bpf_program__fd(skel->progs.dnsward_xdp) >= 0);
		CHECK(bpf_program__fd(skel->progs.dnsward_tc) >= 0);
		CHECK(bpf_program__fd(skel->progs.dnsward_tc_query) >= 0);
	}
	dnsward__destroy(skel);
}

int main(void)
{
	struct utsname u;

	if (!uname(&u))
		snprintf(release, sizeof(release), "%s", u.release);
	logbuf = malloc(VERIFIER_LOG_SIZE);
	if (!logbuf) {
		fprintf(stderr, "test_load: no memory for a %u-byte verifier log\n",
			VERIFIER_LOG_SIZE);
		return 1;
	}
	libbpf_set_print(quiet);
	RUN_TEST(test_each_program_verifies_with_headroom);
	RUN_TEST(test_skeleton_loads);
	free(logbuf);
	HARNESS_EXIT();
}
