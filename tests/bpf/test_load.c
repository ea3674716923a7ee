// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_load.c: the data-plane object loads through its skeleton and the
 * verifier accepts it, with headroom: every program must verify within 90% of
 * the kernel's 1M-instruction budget, since other kernels' verifiers explore
 * somewhat differently (the counts are printed for the record).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "dnsward.skel.h"

static void test_skeleton_loads(void)
{
	struct dnsward *skel = dnsward__open();
	struct bpf_map *m;
	int err;

	CHECK(skel != NULL);
	if (!skel)
		return;
	/* Load without pinning into the host's bpffs: tests must not leave pins behind. */
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	err = dnsward__load(skel);
	CHECK_EQ_INT(err, 0);
	if (!err) {
		CHECK(bpf_program__fd(skel->progs.dnsward_xdp) >= 0);
		CHECK(bpf_program__fd(skel->progs.dnsward_tc) >= 0);
	}
	dnsward__destroy(skel);
}

#define VERIFIER_BUDGET	  1000000
#define VERIFIER_HEADROOM (VERIFIER_BUDGET * 9 / 10)
#define LOG_SIZE	  4096

/* "processed N insns" from a BPF_LOG_STATS log, or -1. */
static long processed_insns(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtol(p + strlen("processed "), NULL, 10) : -1;
}

static void test_verifier_headroom(void)
{
	struct dnsward *skel = dnsward__open();
	struct bpf_program *prog;
	struct bpf_map *m;
	char *logs[8] = {0};
	int n = 0, i;

	CHECK(skel != NULL);
	if (!skel)
		return;
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (n == 8)
			break;
		logs[n] = calloc(1, LOG_SIZE);
		if (!logs[n])
			break;
		bpf_program__set_log_level(prog, 4); /* statistics only */
		bpf_program__set_log_buf(prog, logs[n], LOG_SIZE);
		n++;
	}
	CHECK_EQ_INT(dnsward__load(skel), 0);
	i = 0;
	bpf_object__for_each_program(prog, skel->obj)
	{
		long insns;

		if (i == n)
			break;
		insns = processed_insns(logs[i]);
		printf("  %s: %ld instructions verified (budget %d)\n", bpf_program__name(prog),
		       insns, VERIFIER_BUDGET);
		CHECK(insns > 0 && insns < VERIFIER_HEADROOM);
		i++;
	}
	dnsward__destroy(skel);
	for (i = 0; i < n; i++)
		free(logs[i]);
}

int main(void)
{
	RUN_TEST(test_skeleton_loads);
	RUN_TEST(test_verifier_headroom);
	HARNESS_EXIT();
}
