/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_reasm.h: protected DNS-over-TCP messages that span segments, put back
 * together from the segments the XDP hook held (DW_PUNT_F_TCP_PART,
 * bpf/lib/tcphold.bpf.h). Each message is keyed by its flow (the reply
 * direction's 4-tuple) and the sequence number of its length prefix; it keeps
 * its bytes and the held frames that carried them, so that once the whole
 * message is allowed the frames are re-injected exactly as they came.
 *
 * Bounded: messages at once, bytes held over all of them (a message is at
 * most 65535 bytes), frames per message, and a deadline per message from its
 * first segment, after which it is forgotten. A segment that says something
 * else than an earlier one about the same bytes, or that carries bytes past
 * the message's end (the start of a next message no one judged), spoils the
 * message: it is never released, and its segments stay dropped.
 */
#ifndef DW_TCP_REASM_H
#define DW_TCP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "dnsward.h"

struct tcp_reasm_limits {
	unsigned max_msgs;   /* messages being put together at once */
	size_t max_bytes;    /* message and frame bytes held over all messages */
	unsigned max_frames; /* held frames per message */
	uint64_t timeout_ns; /* a message is forgotten this long after its first segment */
};

#define TCP_REASM_DEFAULT_LIMITS                                                                   \
	((struct tcp_reasm_limits){.max_msgs = 64,                                                 \
				   .max_bytes = 8u << 20,                                          \
				   .max_frames = 256,                                              \
				   .timeout_ns = 5000000000ull})

struct tcp_reasm_stats {
	uint64_t segments;   /* held segments added */
	uint64_t duplicates; /* segments that brought no byte not held already */
	uint64_t completed;  /* messages whose every byte is held */
	uint64_t spoiled;    /* conflicting bytes, bytes past the end, too many frames */
	uint64_t refused;    /* no room: too many messages or bytes */
	uint64_t malformed;  /* records that are no TCP segment of their message */
	uint64_t expired;    /* messages forgotten at their deadline */
};

/* What tcp_reasm_add made of a segment. Errors are negative errno values. */
enum tcp_reasm_rc {
	TCP_REASM_HELD = 0,	 /* kept; the message is not whole yet */
	TCP_REASM_COMPLETE = 1,	 /* this segment made the message whole */
	TCP_REASM_DUPLICATE = 2, /* nothing new, or the message is whole or spoiled already */
};

/* A whole message's frames, in stream order, to re-inject (tcp_reasm_take). */
struct tcp_reasm_done {
	struct dw_punt **frames; /* each the held record as it came, pkt_len bytes of frame */
	unsigned n;
	struct dw_tcp_flow_key key;
	uint32_t msg_seq; /* where its length prefix starts */
	uint32_t msg_end; /* where the next message starts */
};

struct tcp_reasm;

struct tcp_reasm *tcp_reasm_new(const struct tcp_reasm_limits *lim);
void tcp_reasm_free(struct tcp_reasm *ra);

/*
 * Add the held segment p at time now_ns (the boot clock). On
 * TCP_REASM_COMPLETE, *msg and *len are the DNS message (after its length
 * prefix), valid until the message is taken, forgotten or expires.
 * -EINVAL: p is no TCP segment of the message it names; -ENOSPC: no room;
 * -EPROTO: p spoiled its message.
 */
int tcp_reasm_add(struct tcp_reasm *ra, const struct dw_punt *p, uint64_t now_ns,
		  const uint8_t **msg, size_t *len);

/*
 * The whole message held segment p belongs to, out of the table: frames
 * covering it from its first byte to its last, in order (the others are
 * freed). 0, or -ENOENT when it is not whole (or gone, or spoiled).
 */
int tcp_reasm_take(struct tcp_reasm *ra, const struct dw_punt *p, struct tcp_reasm_done *out);
void tcp_reasm_done_free(struct tcp_reasm_done *d);

/* Forget the message p belongs to (its verdict was not ALLOW). */
void tcp_reasm_forget(struct tcp_reasm *ra, const struct dw_punt *p);

/* Forget every message whose deadline passed; also done by tcp_reasm_add. */
void tcp_reasm_expire(struct tcp_reasm *ra, uint64_t now_ns);

unsigned tcp_reasm_count(const struct tcp_reasm *ra);
void tcp_reasm_get_stats(const struct tcp_reasm *ra, struct tcp_reasm_stats *out);

/*
 * The flow of a released message moves past it in the data plane's flow
 * maps (the protected one first), so the server's retransmissions of its
 * segments are outside the window and its next message is judged where it
 * starts. Only a flow still held at msg_seq changes. 0, -ENOENT (no such
 * flow, or it moved on), or -errno from the map update.
 */
int tcp_reasm_flow_passed(int pflows_fd, int flows_fd, const struct dw_tcp_flow_key *key,
			  uint32_t msg_seq, uint32_t msg_end);

#endif
