/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ports.bpf.h: what a UDP/TCP port means to the data plane (DW_PORT_* of
 * dnsward.h): a DNS port, a VXLAN or a Geneve port. The parser asks for
 * every UDP and TCP packet, so the answer is one array lookup (inlined by
 * the verifier) and one byte load. The map lives here rather than in
 * maps.bpf.h because the header parser, which maps.bpf.h includes, reads it.
 */
#ifndef DW_PORTS_BPF_H
#define DW_PORTS_BPF_H

#include <bpf/bpf_helpers.h>

#include "dnsward.h"
#include "lib/compiler.bpf.h"

/* One slot, a byte per port; the daemon writes it with every policy. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dw_ports);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_ports SEC(".maps");

/* DW_PORT_* bits of port (host order); 0 when the map is empty. */
static __always_inline __u8 dw_port_kind(__u16 port)
{
	__u32 zero = 0, i = port;
	struct dw_ports *p = bpf_map_lookup_elem(&dnsward_ports, &zero);

	/* Kernels before 6.18 lose a byte swap's bounds: mask where the verifier sees it. */
	dw_hide(i);
	return p ? p->kind[i & 0xffff] : 0;
}

/* The configuration's scalar port (net order) or a port the map names as DNS. */
static __always_inline int dw_is_dns_port(__be16 port, __u16 cfg_port)
{
	if (port == bpf_htons(cfg_port))
		return 1;
	return (dw_port_kind(bpf_ntohs(port)) & DW_PORT_DNS) != 0;
}

#endif /* DW_PORTS_BPF_H */
