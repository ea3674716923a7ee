/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * release.h: re-inject a held reply, byte for byte, once its ALLOW verdict is
 * written. Ingress hooks (XDP, tc ingress): BPF_PROG_RUN with live frames on a
 * two-instruction XDP_PASS program, as if the frame had just arrived on its
 * interface. tc egress: an AF_PACKET send on the original interface, marked
 * DW_RELEASE_MARK, with a one-shot proof in DW_MAP_RELEASE_PROOFS that the
 * hook takes (the mark alone is not trusted). See docs/release.md for the
 * measurements behind the choice.
 */
#ifndef DW_RELEASE_H
#define DW_RELEASE_H

#include <stdint.h>

#include "dnsward.h"

struct release_stats {
	uint64_t xdp_live;	/* frames re-injected through BPF_PROG_RUN live frames */
	uint64_t packet;	/* frames sent through AF_PACKET */
	uint64_t raw;		/* IP packets re-sent through a raw socket (no live frames) */
	uint64_t failed;	/* re-injections that failed (the reply stays dropped) */
	uint64_t syscall_ns;	/* time spent in the re-injecting system calls */
	uint64_t hold_ns_total; /* hook time to release, summed */
	uint64_t hold_ns_max;
	uint64_t proofs_failed; /* release proofs that could not be written */
};

struct release;

struct release *release_new(void);
void release_free(struct release *r);
/* The data plane's release-proof map (DW_MAP_RELEASE_PROOFS); without it, -1. */
void release_set_proofs(struct release *r, int proofs_fd);
/*
 * Write the proof the hook takes when the marked copy of UDP reply p comes
 * by (release_frame does it first). Returns 0, or -errno when there is no
 * proof: the copy is then judged like any reply.
 */
int release_prove(struct release *r, const struct dw_punt *p);
/* Re-inject the held frame p. Returns 0 or -errno (counted in failed). */
int release_frame(struct release *r, const struct dw_punt *p);
void release_get_stats(const struct release *r, struct release_stats *out);

/* The mechanisms on their own, for measurements. */
int release_xdp_live(struct release *r, int ifindex, const void *frame, uint32_t len);
int release_packet(struct release *r, int ifindex, const void *frame, uint32_t len);
int release_raw_ip(struct release *r, const uint8_t *frame, uint32_t len, uint16_t l3_off,
		   uint8_t l3);

/* The AF_PACKET socket (measurements toggle its options), or -1. */
int release_packet_fd(struct release *r);

/* Complete the UDP or TCP checksum of a frame in place (see release.c). Returns 0 or -EINVAL. */
int release_fix_l4_csum(uint8_t *frame, uint32_t len, uint16_t l3_off, uint8_t l3, uint8_t proto);

#endif
