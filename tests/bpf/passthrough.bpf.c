// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* passthrough.bpf.c: the bench's baseline, an XDP program that passes every frame. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int passthrough(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
