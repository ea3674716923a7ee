// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_bpf_lines.c: tools/dw-bpf-lines maps addresses inside the loaded data
 * plane to its source lines (the entry of dnsward_xdp to dnsward.bpf.c, a
 * subprogram's entry to the file it is written in) and counts the rest as
 * outside the programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "bpf/dp_env.h"

#define KSYMS_MAX 32

static struct dp_env env;

/* Runs the tool on the given addresses; its output in out. Returns its exit status. */
static int run_tool(uint32_t id, const uint64_t *addrs, int n, char *out, size_t outsz)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char in[] = "/tmp/dw-bpf-lines-XXXXXX", cmd[512];
	size_t got = 0;
	FILE *f, *p;
	int fd, i, rc;

	fd = mkstemp(in);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	for (i = 0; f && i < n; i++)
		fprintf(f, "%llx\n", (unsigned long long)addrs[i]);
	if (f)
		fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/tools/dw-bpf-lines %u < %s", build, id, in);
	p = popen(cmd, "r");
	if (!p) {
		unlink(in);
		return -1;
	}
	while (got + 1 < outsz && fgets(out + got, (int)(outsz - got), p))
		got += strlen(out + got);
	rc = pclose(p);
	unlink(in);
	return rc;
}

static void test_maps_entry_points_to_their_files(void)
{
	struct bpf_prog_info info = {0};
	uint64_t ks[KSYMS_MAX], addrs[4];
	uint32_t len = sizeof(info), nk;
	char out[4096];

	CHECK_EQ_INT(bpf_obj_get_info_by_fd(env.xdp, &info, &len), 0);
	nk = info.nr_jited_ksyms;
	CHECK(nk >= 2 && nk <= KSYMS_MAX);
	if (nk < 2 || nk > KSYMS_MAX)
		return;
	memset(&info, 0, sizeof(info));
	info.nr_jited_ksyms = nk;
	info.jited_ksyms = (uint64_t)(uintptr_t)ks;
	len = sizeof(info);
	CHECK_EQ_INT(bpf_obj_get_info_by_fd(env.xdp, &info, &len), 0);
	addrs[0] = ks[0]; /* the entry of dnsward_xdp */
	addrs[1] = ks[0] + 1;
	addrs[2] = ks[1];		  /* the entry of its first subprogram */
	addrs[3] = 0xffffffff81000000ULL; /* kernel text, not the programs */
	CHECK_EQ_INT(run_tool(info.id, addrs, 4, out, sizeof(out)), 0);
	fputs(out, stderr);
	CHECK(strstr(out, "samples 4, in the programs 3\n") != NULL);
	CHECK(strstr(out, " 66.7%        2  dnsward.bpf.c:") != NULL);
	CHECK(strstr(out, ".bpf.h:") != NULL); /* the subprogram lives in a header */
}

static void test_refuses_a_missing_program(void)
{
	char out[256];

	CHECK(run_tool(0xfffffff0u, NULL, 0, out, sizeof(out)) != 0);
}

int main(void)
{
	if (dp_env_open(&env)) {
		fprintf(stderr, "FAIL setup: cannot load the data plane\n");
		return 1;
	}
	RUN_TEST(test_maps_entry_points_to_their_files);
	RUN_TEST(test_refuses_a_missing_program);
	dp_env_close(&env);
	HARNESS_EXIT();
}
