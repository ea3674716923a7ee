// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_reject_prog.c: TEST-ONLY (see test_reject_prog.h). The rejection goes
 * through libbpf's custom section handlers: their prepare-load callback runs
 * after relocation, just before the program goes to the kernel, the one point
 * where libbpf lets the instructions be replaced.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/array.h"
#include "common/log.h"
#include "daemon/test_reject_prog.h"

#ifdef DNSWARD_TEST_HOOKS

static const char *reject_name;
static int said; /* the warning, once: the report loads the program a second time */

static int reject_prepare(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	/* r0 = 0; r0 = *(u64 *)(r0 + 0); exit: a load through a number, not a pointer. */
	struct bpf_insn bad[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_0, .src_reg = BPF_REG_0},
	    {.code = BPF_JMP | BPF_EXIT},
	};

	if (strcmp(bpf_program__name(prog), reject_name))
		return 0;
	/* The object's function and line info describe the instructions replaced. */
	opts->func_info = NULL;
	opts->func_info_cnt = 0;
	opts->line_info = NULL;
	opts->line_info_cnt = 0;
	if (!said++)
		pr_warn("TEST ONLY: %s=%s: %s is replaced with an invalid program",
			TEST_REJECT_PROG_ENV, reject_name, reject_name);
	return bpf_program__set_insns(prog, bad, ARRAY_SIZE(bad));
}

/* The data plane's sections, with libbpf's own types for them. */
static int register_section(const char *sec, enum bpf_prog_type type, enum bpf_attach_type at)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts, .prog_prepare_load_fn = reject_prepare);
	int id = libbpf_register_prog_handler(sec, type, at, &opts);

	if (id < 0) {
		pr_err("%s: libbpf refused a handler for section %s: %s", TEST_REJECT_PROG_ENV, sec,
		       strerror(-id));
		return id;
	}
	return 0;
}

int test_reject_prog_arm(void)
{
	static bool armed;
	const char *name = getenv(TEST_REJECT_PROG_ENV);
	int err;

	if (armed || !name || !*name)
		return 0;
	reject_name = name;
	err = register_section("xdp", BPF_PROG_TYPE_XDP, BPF_XDP);
	if (!err)
		err = register_section("tc", BPF_PROG_TYPE_SCHED_CLS, 0);
	armed = !err;
	return err;
}

#else

int test_reject_prog_arm(void)
{
	return 0;
}

#endif
