// SPDX-License-Identifier: BSD-2-Clause
/* test_load.c: the data-plane object loads through its skeleton and the verifier accepts it. */
#include <errno.h>
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

int main(void)
{
	RUN_TEST(test_skeleton_loads);
	HARNESS_EXIT();
}
