// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_tcpflow.c: DNS over TCP through the production data plane
 * (bpf/lib/tcpflow.bpf.h), table-driven through BPF_PROG_RUN on both entry
 * points, IPv4 and IPv6 with a VLAN tag, with sequence numbers that wrap.
 * Each scenario is a DNS stream (2-byte length + message, repeated) cut into
 * segments at positions named by message (its start, its question's end,
 * its end); every segment names the action and the counters that must move,
 * and the flow map's state is checked at the end. Each scenario is one test:
 * one PASS or FAIL line over both layouts and both hooks. Attacks come as
 * segments outside the window (RST, FIN, a second SYN-ACK), as another copy
 * of a passed segment's bytes (what a receiver that discarded the first copy,
 * say for its checksum, would take instead), on untracked flows, as a
 * SYN-ACK flood against the flow maps, and as SYN-ACKs that answer no SYN
 * the query hook saw leave.
 */
#include <stdlib.h>
#include <arpa/inet.h>

#include "common/array.h"
#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"
#include "daemon/tcp_reasm.h"

static struct dp_env env;
static int flows_fd, pflows_fd, syns_fd, links_fd, prog_query;

enum { ACT_PASS, ACT_DROP };

enum where { W_START, W_QEND, W_END };

/* A stream position: message msg's start, question end or end, plus delta bytes. */
struct pos {
	int msg;
	enum where w;
	int delta;
};

#define START(m)                                                                                   \
	{                                                                                          \
		m, W_START, 0                                                                      \
	}
#define QEND(m, d)                                                                                 \
	{                                                                                          \
		m, W_QEND, d                                                                       \
	}
#define END(m)                                                                                     \
	{                                                                                          \
		m, W_END, 0                                                                        \
	}
#define AT0(m, d)                                                                                  \
	{                                                                                          \
		m, W_START, d                                                                      \
	}

enum skind {
	S_NONE = 0,    /* ends the list */
	S_SYNACK,      /* the server's SYN-ACK: the flow is learnt */
	S_DATA,	       /* stream bytes [from, to) */
	S_DATA_FIN,    /* the same with FIN set */
	S_FIN,	       /* FIN without data, at `from` */
	S_RST,	       /* RST at `from` */
	S_ALLOW,       /* (no packet) an ALLOW verdict for message `from.msg` */
	S_SYNACK2,     /* a SYN-ACK with another ISN (the layout's + 5000) */
	S_SYNACK_BACK, /* a SYN-ACK with an ISN before the layout's (- 40) */
	S_ALT,	       /* bytes [from, to) of the scenario's other stream, same sequence numbers */
	S_RELEASED,    /* (no packet) the daemon released message `from.msg`: its flow moves on */
};

struct step {
	enum skind kind;
	struct pos from, to;
	int act;
	int c1, c2;   /* counters that must move by one (c2 -1: none) */
	int punt_msg; /* the punt this step sends carries this message, or a
		       * segment of it (DW_PUNT_F_TCP_PART) (-1: no punt) */
};

enum st_want { ST_NEXT, ST_GONE };

struct scenario {
	const char *name; /* the test's name in the PASS or FAIL line */
	const char *desc;
	const char *qnames[3]; /* the stream's messages (dp_reply_a), NULL-terminated */
	struct step steps[8];
	enum st_want st;
	struct pos next;    /* ST_NEXT: where the flow expects the next message */
	int decision;	    /* ST_NEXT: the last decision (enum dw_tcp_decision) */
	const char *alt[3]; /* S_ALT's stream */
};

#define D(f, t, a, c1, c2)                                                                         \
	{                                                                                          \
		S_DATA, f, t, a, c1, c2, -1                                                        \
	}
#define DP(f, t, a, c1, c2, m)                                                                     \
	{                                                                                          \
		S_DATA, f, t, a, c1, c2, m                                                         \
	}
#define ALT(f, t, a, c1, c2, m)                                                                    \
	{                                                                                          \
		S_ALT, f, t, a, c1, c2, m                                                          \
	}
#define SYNACK                                                                                     \
	{                                                                                          \
		S_SYNACK, START(0), START(0), ACT_PASS, DW_CNT_NOT_DNS, -1, -1                     \
	}

static const struct scenario scenarios[] = {
    {"held_then_retransmission_allowed",
     "whole protected message: held; its retransmission hits the verdict",
     {"www.idp.test"},
     {SYNACK,
      DP(START(0), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      {S_ALLOW, START(0), START(0), 0, 0, -1, -1},
      D(START(0), END(0), ACT_PASS, DW_CNT_ALLOWED, -1)},
     ST_NEXT,
     END(0),
     DW_TCP_PASSED,
     {NULL}},
    {"split_in_question_dropped",
     "split before the end of the question: dropped, and its continuation",
     {"www.idp.test"},
     {SYNACK, D(START(0), QEND(0, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1),
      D(QEND(0, -5), END(0), ACT_DROP, DW_CNT_TCP_AFTER_DROP, -1)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"split_in_length_prefix_dropped",
     "split inside the length prefix: dropped",
     {"www.example.test"},
     {SYNACK, D(START(0), AT0(0, 1), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"split_after_question_protected_fails_closed_tc",
     "split after the question, protected, tc: failure mode, continuation dropped",
     {"www.idp.test"},
     {SYNACK, D(START(0), QEND(0, 3), ACT_DROP, DW_CNT_TCP_SEGMENT, DW_CNT_FAIL_CLOSED_DROPPED),
      D(QEND(0, 3), END(0), ACT_DROP, DW_CNT_TCP_AFTER_DROP, -1)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"split_after_question_open_zone_passes_tc",
     "split after the question, open zone, tc: both parts pass",
     {"www.open.test"},
     {SYNACK, D(START(0), QEND(0, 3), ACT_PASS, DW_CNT_TCP_SEGMENT, DW_CNT_FAIL_OPEN_PASSED),
      D(QEND(0, 3), END(0), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1)},
     ST_NEXT,
     END(0),
     DW_TCP_PASSED,
     {NULL}},
    {"split_monitor_zone_passes",
     "split after the question, monitor zone: both parts pass",
     {"www.mon.test"},
     {SYNACK, D(START(0), QEND(0, 3), ACT_PASS, DW_CNT_TCP_SEGMENT, DW_CNT_FAIL_OPEN_PASSED),
      D(QEND(0, 3), END(0), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1)},
     ST_NEXT,
     END(0),
     DW_TCP_PASSED,
     {NULL}},
    {"held_two_segments_xdp",
     "protected message in two segments, xdp: each held and punted with its place",
     {"www.idp.test"},
     {SYNACK, DP(START(0), QEND(0, 3), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      DP(QEND(0, 3), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"held_three_segments_and_retransmissions_xdp",
     "protected message in three segments, xdp: held, punted, and again when retransmitted",
     {"www.idp.test"},
     {SYNACK, DP(START(0), QEND(0, 3), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      DP(QEND(0, 3), QEND(0, 9), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      DP(QEND(0, 9), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      DP(QEND(0, 3), QEND(0, 9), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      DP(START(0), QEND(0, 3), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"held_open_zone_xdp",
     "protected message in two segments, open zone, xdp: held like a closed one's",
     {"www.open.test"},
     {SYNACK, DP(START(0), QEND(0, 3), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      DP(QEND(0, 3), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"held_behind_unprotected_xdp",
     "an unprotected message, then a protected one starting in the same segment, xdp",
     {"www.example.test", "www.idp.test"},
     {SYNACK, D(START(0), QEND(0, 3), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      DP(QEND(0, 3), QEND(1, 3), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 1),
      DP(QEND(1, 3), END(1), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 1)},
     ST_NEXT,
     START(1),
     DW_TCP_DROPPED,
     {NULL}},
    {"released_message_retransmissions_outside_window_xdp",
     "held message released by the daemon: its retransmissions drop, the next one is judged",
     {"www.idp.test", "www.example.test"},
     {SYNACK,
      DP(START(0), QEND(0, 3), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      DP(QEND(0, 3), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      {S_RELEASED, START(0), START(0), 0, 0, -1, -1},
      D(START(0), QEND(0, 3), ACT_DROP, DW_CNT_TCP_OUT_OF_WINDOW, -1),
      D(QEND(0, 3), END(0), ACT_DROP, DW_CNT_TCP_OUT_OF_WINDOW, -1),
      D(START(1), END(1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1)},
     ST_NEXT,
     END(1),
     DW_TCP_PASSED,
     {NULL}},
    {"unprotected_three_segments_pass",
     "unprotected message in three segments, then another: all pass",
     {"www.example.test", "ftp.example.test"},
     {SYNACK, D(START(0), QEND(0, 0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      D(QEND(0, 0), QEND(0, 7), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1),
      D(QEND(0, 7), END(0), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1),
      D(START(1), END(1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1)},
     ST_NEXT,
     END(1),
     DW_TCP_PASSED,
     {NULL}},
    {"two_unprotected_in_one_segment_pass",
     "two unprotected messages in one segment pass",
     {"www.example.test", "ftp.example.test"},
     {SYNACK, D(START(0), END(1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1)},
     ST_NEXT,
     END(1),
     DW_TCP_PASSED,
     {NULL}},
    {"protected_behind_unprotected_fails_closed",
     "a protected message behind an unprotected one: failure mode",
     {"www.example.test", "www.idp.test"},
     {SYNACK, D(START(0), END(1), ACT_DROP, DW_CNT_TCP_MULTI, DW_CNT_FAIL_CLOSED_DROPPED)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"allowed_then_unprotected_pass",
     "an allowed protected message, then an unprotected one: pass",
     {"www.idp.test", "www.example.test"},
     {SYNACK,
      {S_ALLOW, START(0), START(0), 0, 0, -1, -1},
      D(START(0), END(1), ACT_PASS, DW_CNT_ALLOWED, -1)},
     ST_NEXT,
     END(1),
     DW_TCP_PASSED,
     {NULL}},
    {"second_question_cut_dropped",
     "a second message whose question the segment cuts: dropped",
     {"www.example.test", "www.example.test"},
     {SYNACK, D(START(0), QEND(1, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1)},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"segment_into_next_message_judged",
     "a segment from inside one message to the next: that start is judged",
     {"www.example.test", "www.idp.test"},
     {SYNACK, D(START(0), QEND(0, 2), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      DP(QEND(0, 2), END(1), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 1),
      D(START(1), END(1), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED)},
     ST_NEXT,
     START(1),
     DW_TCP_DROPPED,
     {NULL}},
    {"retransmission_of_last_passed_judged_again",
     "the last passed segment again: judged again and passed; an older one: out of window",
     {"www.example.test", "ftp.example.test"},
     {SYNACK, D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      D(START(1), END(1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      D(START(1), END(1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      D(START(0), END(0), ACT_DROP, DW_CNT_TCP_OUT_OF_WINDOW, -1)},
     ST_NEXT,
     END(1),
     DW_TCP_PASSED,
     {NULL}},
    {"continuation_again_passes",
     "a continuation segment again passes",
     {"www.example.test"},
     {SYNACK, D(START(0), QEND(0, 1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      D(QEND(0, 1), END(0), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1),
      D(QEND(0, 1), END(0), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1)},
     ST_NEXT,
     END(0),
     DW_TCP_PASSED,
     {NULL}},
    {"data_past_unseen_start_dropped",
     "data beyond a message start never seen is dropped",
     {"www.example.test", "www.example.test"},
     {SYNACK, D(START(1), END(1), ACT_DROP, DW_CNT_TCP_GAP, -1)},
     ST_NEXT,
     START(0),
     DW_TCP_NONE,
     {NULL}},
    {"untracked_flow_whole_messages_only",
     "untracked flow: a split reply is dropped, a whole message is judged",
     {"www.idp.test"},
     {D(START(0), QEND(0, -5), ACT_DROP, DW_CNT_TCP_UNTRACKED, DW_CNT_TCP_SPLIT_QUESTION),
      D(QEND(0, -5), END(0), ACT_DROP, DW_CNT_TCP_UNTRACKED, -1),
      D(START(0), QEND(0, 3), ACT_DROP, DW_CNT_TCP_UNTRACKED, DW_CNT_TCP_SEGMENT),
      DP(START(0), END(0), ACT_DROP, DW_CNT_TCP_UNTRACKED, DW_CNT_HELD, 0)},
     ST_GONE,
     START(0),
     0,
     {NULL}},
    {"untracked_unprotected_part_dropped",
     "untracked flow: part of an unprotected message is dropped too (its end is unknown)",
     {"www.example.test"},
     {D(START(0), QEND(0, 3), ACT_DROP, DW_CNT_TCP_UNTRACKED, DW_CNT_TCP_SEGMENT),
      D(START(0), END(0), ACT_PASS, DW_CNT_TCP_UNTRACKED, DW_CNT_NOT_PROTECTED)},
     ST_GONE,
     START(0),
     0,
     {NULL}},
    {"fin_removes_flow",
     "FIN at the next message start removes the flow: later data is untracked",
     {"www.example.test", "www.idp.test"},
     {SYNACK,
      D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      {S_FIN, START(1), START(1), ACT_PASS, DW_CNT_NOT_DNS, -1, -1},
      D(START(1), QEND(1, -5), ACT_DROP, DW_CNT_TCP_UNTRACKED, DW_CNT_TCP_SPLIT_QUESTION)},
     ST_GONE,
     START(0),
     0,
     {NULL}},
    {"fin_out_of_window_keeps_flow",
     "FIN elsewhere than the next message start keeps the flow: a split reply stays dropped",
     {"www.example.test", "www.idp.test"},
     {SYNACK,
      D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      {S_FIN, AT0(1, 7), START(1), ACT_PASS, DW_CNT_TCP_OUT_OF_WINDOW, DW_CNT_NOT_DNS, -1},
      {S_FIN, START(0), START(1), ACT_PASS, DW_CNT_TCP_OUT_OF_WINDOW, DW_CNT_NOT_DNS, -1},
      D(START(1), QEND(1, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1),
      D(QEND(1, -5), END(1), ACT_DROP, DW_CNT_TCP_AFTER_DROP, -1)},
     ST_NEXT,
     START(1),
     DW_TCP_DROPPED,
     {NULL}},
    {"data_fin_inside_message_keeps_flow",
     "FIN on a continuation that does not end the message keeps the flow",
     {"www.example.test", "www.idp.test"},
     {SYNACK,
      D(START(0), QEND(0, 1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      {S_DATA_FIN, QEND(0, 1), QEND(0, 5), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1, -1},
      D(START(1), QEND(1, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1)},
     ST_NEXT,
     START(1),
     DW_TCP_DROPPED,
     {NULL}},
    {"data_fin_removes_flow_once_passed",
     "FIN with the last message removes the flow once it passed",
     {"www.example.test"},
     {SYNACK, {S_DATA_FIN, START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1, -1}},
     ST_GONE,
     START(0),
     0,
     {NULL}},
    {"fin_on_held_keeps_flow",
     "FIN on a held message keeps the flow",
     {"www.idp.test"},
     {SYNACK, {S_DATA_FIN, START(0), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0}},
     ST_NEXT,
     START(0),
     DW_TCP_DROPPED,
     {NULL}},
    {"rst_removes_flow",
     "RST at the next message start removes the flow",
     {"www.example.test", "www.example.test"},
     {SYNACK,
      D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      {S_RST, START(1), START(1), ACT_PASS, DW_CNT_NOT_DNS, -1, -1}},
     ST_GONE,
     START(0),
     0,
     {NULL}},
    {"rst_out_of_window_keeps_flow",
     "RST anywhere else keeps the flow: a split reply after it stays dropped",
     {"www.example.test", "www.idp.test"},
     {SYNACK,
      D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      {S_RST, AT0(1, 1000), START(1), ACT_PASS, DW_CNT_TCP_OUT_OF_WINDOW, DW_CNT_NOT_DNS, -1},
      {S_RST, AT0(1, -1), START(1), ACT_PASS, DW_CNT_TCP_OUT_OF_WINDOW, DW_CNT_NOT_DNS, -1},
      D(START(1), QEND(1, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1),
      D(QEND(1, -5), END(1), ACT_DROP, DW_CNT_TCP_AFTER_DROP, -1)},
     ST_NEXT,
     START(1),
     DW_TCP_DROPPED,
     {NULL}},
    {"second_synack_ignored",
     "a SYN-ACK with another ISN does not move the flow: a split reply stays dropped",
     {"www.example.test", "www.idp.test"},
     {SYNACK,
      D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      {S_SYNACK2, START(0), START(0), ACT_PASS, DW_CNT_TCP_OUT_OF_WINDOW, -1, -1},
      D(START(1), QEND(1, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1),
      D(QEND(1, -5), END(1), ACT_DROP, DW_CNT_TCP_AFTER_DROP, -1)},
     ST_NEXT,
     START(1),
     DW_TCP_DROPPED,
     {NULL}},
    {"synack_before_data_relearns",
     "a SYN-ACK before any message was judged learns the flow anew",
     {"www.example.test"},
     {SYNACK,
      {S_SYNACK2, START(0), START(0), ACT_PASS, DW_CNT_NOT_DNS, -1, -1},
      D(START(0), END(0), ACT_DROP, DW_CNT_TCP_OUT_OF_WINDOW, -1)},
     ST_NEXT,
     AT0(0, 5000),
     DW_TCP_NONE,
     {NULL}},
    {"synack_before_data_with_earlier_isn_ignored",
     "a SYN-ACK with an ISN before the learnt one: the flow stays, the message is judged",
     {"www.example.test"},
     {SYNACK,
      {S_SYNACK_BACK, START(0), START(0), ACT_PASS, DW_CNT_TCP_OUT_OF_WINDOW, -1, -1},
      D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1)},
     ST_NEXT,
     END(0),
     DW_TCP_PASSED,
     {NULL}},
    {"other_copy_of_passed_start_judged",
     "other bytes at a passed message's start (a copy the receiver may take instead): judged",
     {"www.abc.test"},
     {SYNACK, D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      ALT(START(0), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0),
      ALT(START(0), QEND(0, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1, -1)},
     ST_NEXT,
     END(0),
     DW_TCP_PASSED,
     {"www.idp.test"}},
    {"other_copy_with_other_bounds_conflicts",
     "a copy at a passed message's start with another length: dropped, state kept",
     {"www.example.test"},
     {SYNACK, D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      ALT(START(0), END(0), ACT_DROP, DW_CNT_NOT_PROTECTED, DW_CNT_TCP_CONFLICT, -1)},
     ST_NEXT,
     END(0),
     DW_TCP_PASSED,
     {"mail.example.test"}},
    {"other_copy_over_passed_group_judged",
     "a copy over two passed messages, its second one protected: judged, dropped",
     {"www.example.test", "ftp.example.test"},
     {SYNACK, D(START(0), END(1), ACT_PASS, DW_CNT_NOT_PROTECTED, -1),
      ALT(START(0), END(1), ACT_DROP, DW_CNT_TCP_MULTI, DW_CNT_FAIL_CLOSED_DROPPED, -1)},
     ST_NEXT,
     END(1),
     DW_TCP_PASSED,
     {"www.example.test", "www.idp.test"}},
};

/* The stream: messages with their length prefixes, and where each part lies. */
struct stream {
	struct dp_buf b;
	struct dp_buf msg[3];
	size_t start[3], qend[3], end[3];
	int n;
};

static void build_stream(struct stream *st, const char *const qnames[3])
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < 3 && qnames[i]; i++) {
		struct dp_buf *m = &st->msg[i];

		dp_reply_a(m, qnames[i], (uint16_t)(0x100 + i), 300, 0xc0000201 + i);
		st->start[i] = st->b.n;
		dp_u16(&st->b, (uint16_t)m->n);
		dp_bytes(&st->b, m->b, m->n);
		st->end[i] = st->b.n;
		/* length, header, name in wire form (the name plus 2), type and class */
		st->qend[i] = st->start[i] + 2 + 12 + strlen(qnames[i]) + 2 + 4;
	}
	st->n = i;
}

static size_t at(const struct stream *st, struct pos p)
{
	size_t base = p.w == W_START  ? st->start[p.msg]
		      : p.w == W_QEND ? st->qend[p.msg]
				      : st->end[p.msg];

	return base + p.delta;
}

struct layout {
	const char *name;
	int l3, vlans;
	uint32_t isn; /* the server's initial sequence number */
};

static const struct layout layouts[] = {
    {"ipv4, seq wraps", DP_IP4, 0, 0xffffffe0u},
    {"ipv6+vlan", DP_IP6, 1, 123456789u},
};

/* A TCP segment from 198.51.100.53:53 (2001:db8:2::53) to the client, port 33333. */
static void tcp_frame(struct dp_buf *f, const struct layout *l, uint32_t seq, uint8_t flags,
		      const uint8_t *pay, size_t n)
{
	static const uint8_t dmac[6] = {2, 0, 0, 0, 0, 1}, smac[6] = {2, 0, 0, 0, 0, 2};
	int i;

	f->n = 0;
	dp_bytes(f, dmac, 6);
	dp_bytes(f, smac, 6);
	for (i = 0; i < l->vlans; i++) {
		dp_u16(f, 0x8100);
		dp_u16(f, 100 + i);
	}
	dp_u16(f, l->l3 == DP_IP6 ? 0x86dd : 0x0800);
	if (l->l3 == DP_IP6) {
		dp_u32(f, 0x60000000);
		dp_u16(f, (uint16_t)(20 + n));
		dp_u8(f, 6);
		dp_u8(f, 64);
		dp_u32(f, 0x20010db8);
		dp_u32(f, 0x00020000);
		dp_u32(f, 0);
		dp_u32(f, 0x53);
		dp_u32(f, 0x20010db8);
		dp_u32(f, 0x00010000);
		dp_u32(f, 0);
		dp_u32(f, 2);
	} else {
		dp_u8(f, 0x45);
		dp_u8(f, 0);
		dp_u16(f, (uint16_t)(40 + n));
		dp_u16(f, 1);
		dp_u16(f, 0x4000); /* DF */
		dp_u8(f, 64);
		dp_u8(f, 6);
		dp_u16(f, 0);
		dp_u32(f, 0xc6336435); /* 198.51.100.53 */
		dp_u32(f, 0xc0000202); /* 192.0.2.2 */
	}
	dp_u16(f, 53);
	dp_u16(f, 33333);
	dp_u32(f, seq);
	dp_u32(f, 1);
	dp_u16(f, 0x5000 | flags);
	dp_u16(f, 65535);
	dp_u32(f, 0);
	dp_bytes(f, pay, n);
}

/* The layout's flow key (the reply direction). */
static void layout_key(const struct layout *l, struct dw_tcp_flow_key *k)
{
	uint16_t sport = htons(53), dport = htons(33333);

	memset(k, 0, sizeof(*k));
	k->family = l->l3 == DP_IP6 ? 10 : 2;
	memcpy(&k->sport, &sport, 2);
	memcpy(&k->dport, &dport, 2);
	if (l->l3 == DP_IP6) {
		static const uint8_t s6[16] = {0x20, 1, 0xd, 0xb8, 0, 2, [15] = 0x53};
		static const uint8_t d6[16] = {0x20, 1, 0xd, 0xb8, 0, 1, [15] = 2};

		memcpy(k->saddr, s6, 16);
		memcpy(k->daddr, d6, 16);
	} else {
		static const uint8_t s4[4] = {198, 51, 100, 53}, d4[4] = {192, 0, 2, 2};

		memcpy(k->saddr, s4, 4);
		memcpy(k->daddr, d4, 4);
	}
}

/*
 * A held segment's record (DW_PUNT_F_TCP_PART): the frame as sent, the
 * payload where dns_off says, and the message's place in the stream, from
 * which the daemon puts each segment where it belongs.
 */
static int part_ok(const struct dw_punt *p, const struct dp_buf *f, size_t pay_len,
		   uint32_t msg_seq, size_t msg_len)
{
	static const struct dw_verdict_key zero;

	return p->flags == (DW_PUNT_F_HELD | DW_PUNT_F_TCP_PART) && p->l4 == 6 &&
	       p->hook == DW_HOOK_XDP && p->tcp_msg_seq == msg_seq && p->dns_len == msg_len &&
	       p->pkt_len == f->n && p->dns_off == f->n - pay_len && !memcmp(p->pkt, f->b, f->n) &&
	       !memcmp(&p->key, &zero, sizeof(zero));
}

/* The daemon's move of the flow past a released message, through its own function. */
static int released(const struct layout *l, const struct stream *st, int msg)
{
	struct dw_tcp_flow_key k;
	uint32_t data_seq = l->isn + 1;

	layout_key(l, &k);
	return tcp_reasm_flow_passed(pflows_fd, flows_fd, &k, data_seq + (uint32_t)st->start[msg],
				     data_seq + (uint32_t)st->end[msg]) == 0;
}

static int act_of(int prog, int rc)
{
	if (prog == env.xdp)
		return rc == 2 ? ACT_PASS : rc == 1 ? ACT_DROP : -1;
	return rc == 0 ? ACT_PASS : rc == 2 ? ACT_DROP : -1;
}

static void reset_state(void)
{
	struct dw_tcp_flow_key fk;
	struct dw_verdict_key vk;
	int i;

	for (i = 0; i < 100000 && !bpf_map_get_next_key(flows_fd, NULL, &fk); i++)
		bpf_map_delete_elem(flows_fd, &fk);
	for (i = 0; i < 100000 && !bpf_map_get_next_key(pflows_fd, NULL, &fk); i++)
		bpf_map_delete_elem(pflows_fd, &fk);
	for (i = 0; i < 100000 && !bpf_map_get_next_key(syns_fd, NULL, &fk); i++)
		bpf_map_delete_elem(syns_fd, &fk);
	for (i = 0; i < 100000 && !bpf_map_get_next_key(env.verdicts, NULL, &vk); i++)
		bpf_map_delete_elem(env.verdicts, &vk);
	dp_drain(&env);
}

static void put_allow(const struct dp_buf *m)
{
	struct dw_verdict_key k;
	struct dw_verdict v = {.zone_id = 1, .verdict = DW_VERDICT_ALLOW};

	CHECK_EQ_INT(pkt_digest_key(m->b, m->n, dp_sipkey, &k), 0);
	CHECK_EQ_INT(bpf_map_update_elem(env.verdicts, &k, &v, BPF_ANY), 0);
}

/* Runs one step; returns 1 when everything the step names held. */
static int run_step(int prog, const struct layout *l, const struct stream *main_st,
		    const struct stream *alt, const struct step *s, const char *what)
{
	const struct stream *st = s->kind == S_ALT ? alt : main_st;
	uint64_t before[DW_CNT_MAX], after[DW_CNT_MAX];
	uint32_t data_seq = l->isn + 1;
	size_t from = at(st, s->from), to = at(st, s->to);
	struct dw_verdict_key ref;
	struct dp_buf f;
	int rc, got, punts, ok = 1, i;

	switch (s->kind) {
	case S_SYNACK:
		tcp_frame(&f, l, l->isn, 0x12, NULL, 0);
		break;
	case S_SYNACK2:
		tcp_frame(&f, l, l->isn + 5000, 0x12, NULL, 0);
		break;
	case S_SYNACK_BACK:
		tcp_frame(&f, l, l->isn - 40, 0x12, NULL, 0);
		break;
	case S_ALT:
	case S_DATA:
	case S_DATA_FIN:
		tcp_frame(&f, l, data_seq + (uint32_t)from, s->kind == S_DATA_FIN ? 0x19 : 0x18,
			  st->b.b + from, to - from);
		break;
	case S_FIN:
		tcp_frame(&f, l, data_seq + (uint32_t)from, 0x11, NULL, 0);
		break;
	case S_RST:
		tcp_frame(&f, l, data_seq + (uint32_t)from, 0x14, NULL, 0);
		break;
	case S_ALLOW:
		put_allow(&st->msg[s->from.msg]);
		return 1;
	case S_RELEASED:
		if (!released(l, st, s->from.msg)) {
			fprintf(stderr, "  %s: the flow is not held at message %d\n", what,
				s->from.msg);
			return 0;
		}
		return 1;
	default:
		return 0;
	}
	dp_counters(&env, before);
	rc = dp_run(&env, prog, f.b, f.n, 0, NULL, 1, NULL);
	dp_counters(&env, after);
	got = act_of(prog, rc);
	if (got != s->act) {
		fprintf(stderr, "  %s: action %d (rc %d), want %d\n", what, got, rc, s->act);
		ok = 0;
	}
	if (after[s->c1] != before[s->c1] + 1 || (s->c2 >= 0 && after[s->c2] != before[s->c2] + 1))
		ok = 0;
	if (s->c1 != DW_CNT_ALLOWED && after[DW_CNT_ALLOWED] != before[DW_CNT_ALLOWED])
		ok = 0;
	if (after[DW_CNT_PACKETS] != before[DW_CNT_PACKETS] + 1)
		ok = 0;
	if (!ok) {
		fprintf(stderr, "  %s: want counters %d and %d to move; moved:\n", what, s->c1,
			s->c2);
		for (i = 0; i < DW_CNT_MAX; i++)
			if (after[i] != before[i])
				fprintf(stderr, "    counter %d +%llu\n", i,
					(unsigned long long)(after[i] - before[i]));
	}
	punts = dp_drain(&env);
	if (punts != (s->punt_msg >= 0 || s->c1 == DW_CNT_PUNTED || s->c2 == DW_CNT_PUNTED)) {
		fprintf(stderr, "  %s: %d punts\n", what, punts);
		ok = 0;
	}
	if (s->punt_msg >= 0 && punts == 1 && (env.last.flags & DW_PUNT_F_TCP_PART)) {
		if (!part_ok(&env.last, &f, to - from, data_seq + (uint32_t)st->start[s->punt_msg],
			     st->msg[s->punt_msg].n)) {
			fprintf(stderr, "  %s: not a held segment of message %d (msg_seq %u)\n",
				what, s->punt_msg, env.last.tcp_msg_seq - data_seq);
			ok = 0;
		}
	} else if (s->punt_msg >= 0 && punts == 1) {
		/* The punt carries the message the step names, at its place in the frame. */
		const struct dp_buf *m = &st->msg[s->punt_msg];
		const struct dw_punt *p = &env.last;

		ok &= pkt_digest_key(m->b, m->n, dp_sipkey, &ref) == 0 &&
		      !memcmp(&ref, &p->key, sizeof(ref));
		ok &= p->l4 == 6 && p->dns_len == m->n && p->dns_off + m->n <= p->pkt_len &&
		      !memcmp(p->pkt + p->dns_off, m->b, m->n);
		if (!ok)
			fprintf(stderr, "  %s: the punt is not message %d\n", what, s->punt_msg);
	}
	return ok;
}

static void check_state(const struct layout *l, const struct stream *st, const struct scenario *sc,
			const char *what)
{
	struct dw_tcp_flow_key k;
	struct dw_tcp_flow v;
	uint32_t next;
	int found;

	layout_key(l, &k);
	found = !bpf_map_lookup_elem(flows_fd, &k, &v) || !bpf_map_lookup_elem(pflows_fd, &k, &v);
	if (sc->st == ST_GONE) {
		if (found)
			fprintf(stderr, "  %s: the flow is still there\n", what);
		CHECK(!found);
		return;
	}
	CHECK(found);
	if (!found) {
		fprintf(stderr, "  %s: no flow\n", what);
		return;
	}
	next = v.decision == DW_TCP_PASSED ? v.end : v.cur;
	if (next != l->isn + 1 + (uint32_t)at(st, sc->next) || v.decision != sc->decision) {
		fprintf(stderr, "  %s: next %u (want %u), decision %u (want %d)\n", what,
			next - l->isn - 1, (unsigned)at(st, sc->next), v.decision, sc->decision);
		CHECK(0);
	}
}

/* A scenario named ..._xdp or ..._tc runs on that hook only (p: 0 XDP, 1 tc). */
static int runs_on(const struct scenario *sc, int p)
{
	size_t n = strlen(sc->name);

	if (n > 4 && !strcmp(sc->name + n - 4, "_xdp"))
		return !p;
	if (n > 3 && !strcmp(sc->name + n - 3, "_tc"))
		return p;
	return 1;
}

/* One scenario on every layout and both hooks. */
static void run_scenario(const struct scenario *sc)
{
	size_t l, i;
	int p;

	for (l = 0; l < ARRAY_SIZE(layouts); l++) {
		for (p = 0; p < 2; p++) {
			int prog = p ? env.tc : env.xdp;
			struct stream st, alt;
			char what[240];

			if (!runs_on(sc, p))
				continue;
			reset_state();
			build_stream(&st, sc->qnames);
			build_stream(&alt, sc->alt);
			for (i = 0; i < 8 && sc->steps[i].kind != S_NONE; i++) {
				snprintf(what, sizeof(what), "%s, step %zu [%s, %s]", sc->desc,
					 i + 1, layouts[l].name, p ? "tc" : "xdp");
				CHECK(run_step(prog, &layouts[l], &st, &alt, &sc->steps[i], what));
			}
			snprintf(what, sizeof(what), "%s [%s, %s]", sc->desc, layouts[l].name,
				 p ? "tc" : "xdp");
			check_state(&layouts[l], &st, sc, what);
		}
	}
}

/* The state the XDP hook learnt is the state tc sees: one map for both hooks. */
static void test_hooks_share_the_flow(void)
{
	static const struct scenario sc = {.desc = "shared", .qnames = {"www.idp.test"}};
	const struct layout *l = &layouts[0];
	struct step synack = SYNACK;
	struct step split = D(START(0), QEND(0, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1);
	struct stream st;

	reset_state();
	build_stream(&st, sc.qnames);
	CHECK(run_step(env.xdp, l, &st, &st, &synack, "SYN-ACK on XDP"));
	CHECK(run_step(env.tc, l, &st, &st, &split, "split on tc"));
}

/* The IPv4 layout's flow key for client port `port` (network order). */
static void flow_key(uint16_t port, struct dw_tcp_flow_key *k)
{
	static const uint8_t s4[4] = {198, 51, 100, 53}, d4[4] = {192, 0, 2, 2};
	uint16_t sport = htons(53);

	memset(k, 0, sizeof(*k));
	k->family = 2;
	memcpy(&k->sport, &sport, 2);
	memcpy(&k->dport, &port, 2);
	memcpy(k->saddr, s4, 4);
	memcpy(k->daddr, d4, 4);
}

/*
 * Sends n forged connections through XDP, each a SYN-ACK, msg as its first
 * data and an ACK after it (so each flow is one the LRU saw used again), on
 * 4-tuples no other flow uses (client ports 1..60000 of client addresses
 * 192.0.2.FIRST_ADDR..; IPv4 header at 14). Returns 1 when every SYN-ACK
 * passed and every data segment had the action data_rc.
 */
static int forged_connections(const struct layout *l, const struct dp_buf *msg, uint32_t n,
			      uint8_t first_addr, uint32_t data_rc)
{
	struct dp_buf f[3];
	uint32_t i, j;
	LIBBPF_OPTS(bpf_test_run_opts, o, .repeat = 1);

	tcp_frame(&f[0], l, 0x1000, 0x12, NULL, 0);
	tcp_frame(&f[1], l, 0x1001, 0x18, msg->b, msg->n);
	tcp_frame(&f[2], l, 0x1001 + (uint32_t)msg->n, 0x10, NULL, 0);
	for (i = 0; i < n; i++) {
		uint16_t port = htons((uint16_t)(i % 60000 + 1));

		for (j = 0; j < 3; j++) {
			f[j].b[14 + 19] = (uint8_t)(first_addr + i / 60000);
			memcpy(f[j].b + 14 + 20 + 2, &port, 2);
			o.data_in = f[j].b;
			o.data_size_in = f[j].n;
			o.data_size_out = 0; /* the last run's output size, else ENOSPC */
			if (bpf_prog_test_run_opts(env.xdp, &o) ||
			    o.retval != (j == 1 ? data_rc : 2)) {
				fprintf(stderr, "  flood packet %u/%u: rc %u (%s)\n", i, j,
					o.retval, strerror(errno));
				return 0;
			}
		}
	}
	return 1;
}

/* The length-prefixed DNS-over-TCP message of an A reply for qname. */
static void tcp_message(struct dp_buf *m, const char *qname, uint32_t addr)
{
	struct dp_buf r;

	dp_reply_a(&r, qname, 7, 300, addr);
	m->n = 0;
	dp_u16(m, (uint16_t)r.n);
	dp_bytes(m, r.b, r.n);
}

static uint32_t map_entries(int fd)
{
	struct dw_tcp_flow_key k, next;
	uint32_t n = 0;

	while (n < 2 * DW_TCP_FLOWS_MAX && !bpf_map_get_next_key(fd, n ? &k : NULL, &next)) {
		k = next;
		n++;
	}
	return n;
}

/*
 * A flood of forged connections against a flow whose protected message
 * passed proven: first each a SYN-ACK and a whole unprotected reply (so each
 * is a flow the LRU keeps as recently used), four times what the flow map
 * holds; then each a SYN-ACK and a forged protected reply (judged and
 * dropped: a miss the validator never proves), twice what the protected flow
 * map holds. A protected message that was only punted does not move its flow;
 * its proven retransmission does, and the flow keeps its state through both
 * floods (its continuation passes as such, not judged untracked), while the
 * forged connections never enter the protected map.
 */
static void test_flood_keeps_protected_flows(void)
{
	static const struct scenario sc = {.desc = "flood", .qnames = {"www.idp.test"}};
	const struct layout *l = &layouts[0];
	struct step synack = SYNACK;
	struct step held = DP(START(0), END(0), ACT_DROP, DW_CNT_HELD, DW_CNT_PUNTED, 0);
	struct step allow = {S_ALLOW, START(0), START(0), 0, 0, -1, -1};
	struct step proven = D(START(0), END(0), ACT_PASS, DW_CNT_ALLOWED, -1);
	struct step cont = D(QEND(0, 1), END(0), ACT_PASS, DW_CNT_TCP_CONTINUATION, -1);
	uint64_t c0[DW_CNT_MAX], c1[DW_CNT_MAX], c2[DW_CNT_MAX], c3[DW_CNT_MAX];
	uint32_t n_plain = 4 * DW_TCP_FLOWS_MAX, n_prot = 2 * DW_TCP_PFLOWS_MAX;
	struct dw_tcp_flow_key k;
	struct dw_tcp_flow v;
	struct dp_buf m;
	struct stream st;

	reset_state();
	build_stream(&st, sc.qnames);
	flow_key(htons(33333), &k);
	dp_counters(&env, c0);
	CHECK(run_step(env.xdp, l, &st, &st, &synack, "SYN-ACK"));
	CHECK(run_step(env.xdp, l, &st, &st, &held, "protected message, punted"));
	CHECK(bpf_map_lookup_elem(pflows_fd, &k, &v)); /* not proven yet */
	CHECK(run_step(env.xdp, l, &st, &st, &allow, "ALLOW verdict"));
	CHECK(run_step(env.xdp, l, &st, &st, &proven, "its retransmission, proven"));
	dp_counters(&env, c1);
	CHECK_EQ_INT(c1[DW_CNT_TCP_FLOW_LEARNED] - c0[DW_CNT_TCP_FLOW_LEARNED], 1);
	CHECK_EQ_INT(c1[DW_CNT_TCP_FLOW_PROTECTED] - c0[DW_CNT_TCP_FLOW_PROTECTED], 1);
	CHECK(!bpf_map_lookup_elem(pflows_fd, &k, &v));

	tcp_message(&m, "www.example.test", 0xc0000201);
	CHECK(forged_connections(l, &m, n_plain, 3, 2));
	dp_counters(&env, c2);
	CHECK_EQ_INT(c2[DW_CNT_TCP_FLOW_LEARNED] - c1[DW_CNT_TCP_FLOW_LEARNED], n_plain);
	/* Forged protected replies: each dropped, none moves its flow. */
	tcp_message(&m, "www.idp.test", 0xcb007142);
	CHECK(forged_connections(l, &m, n_prot, 20, 1));
	dp_drain(&env);
	dp_counters(&env, c3);
	CHECK_EQ_INT(c3[DW_CNT_TCP_FLOW_LEARNED] - c2[DW_CNT_TCP_FLOW_LEARNED], n_prot);
	CHECK_EQ_INT(c3[DW_CNT_TCP_FLOW_PROTECTED] - c1[DW_CNT_TCP_FLOW_PROTECTED], 0);
	CHECK_EQ_INT(map_entries(pflows_fd), 1);
	CHECK(!bpf_map_lookup_elem(pflows_fd, &k, &v));
	CHECK(run_step(env.xdp, l, &st, &st, &cont, "continuation after the floods"));
}

/* BPF_PROG_RUN's packets arrive on the loopback device: its queries seen, or not. */
static void query_link(int on)
{
	__u32 lo = 1;
	__u8 one = 1;

	if (on)
		CHECK_EQ_INT(bpf_map_update_elem(links_fd, &lo, &one, BPF_ANY), 0);
	else
		bpf_map_delete_elem(links_fd, &lo);
}

/* The workload's SYN for the layout's connection (the reply's 4-tuple turned round). */
static void syn_frame(struct dp_buf *f, const struct layout *l)
{
	size_t l3 = 14 + 4 * (size_t)l->vlans, alen = l->l3 == DP_IP6 ? 16 : 4;
	size_t src = l3 + (l->l3 == DP_IP6 ? 8 : 12), l4 = l3 + (l->l3 == DP_IP6 ? 40 : 20);
	uint8_t tmp[16];

	tcp_frame(f, l, 0x7000, 0x02, NULL, 0);
	memcpy(tmp, f->b + src, alen);
	memcpy(f->b + src, f->b + src + alen, alen);
	memcpy(f->b + src + alen, tmp, alen);
	memcpy(tmp, f->b + l4, 2);
	memcpy(f->b + l4, f->b + l4 + 2, 2);
	memcpy(f->b + l4 + 2, tmp, 2);
}

/* Sends the layout's SYN through the query hook; 1 when it passed unchanged. */
static int send_syn(const struct layout *l)
{
	struct __sk_buff skb = {};
	struct dp_buf f;
	uint8_t out[sizeof(f.b)];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb), .repeat = 1);

	syn_frame(&f, l);
	o.data_in = f.b;
	o.data_size_in = f.n;
	if (bpf_prog_test_run_opts(prog_query, &o)) {
		fprintf(stderr, "  BPF_PROG_RUN of the SYN: %s\n", strerror(errno));
		return 0;
	}
	return o.retval == 0 && o.data_size_out == f.n && !memcmp(out, f.b, f.n);
}

static int has_flow(const struct layout *l)
{
	struct dw_tcp_flow_key k;
	struct dw_tcp_flow v;

	layout_key(l, &k);
	return !bpf_map_lookup_elem(flows_fd, &k, &v) || !bpf_map_lookup_elem(pflows_fd, &k, &v);
}

/*
 * On a link whose queries the hook sees, a SYN-ACK that answers no SYN seen
 * leaving learns nothing (counted, passed; with data, dropped); once the
 * query hook saw the workload's SYN, the same SYN-ACK learns the flow. Where
 * the hook does not run, a SYN-ACK learns as before.
 */
static void test_synack_needs_the_workloads_syn(void)
{
	struct step unsol = {S_SYNACK, START(0), START(0), ACT_PASS, DW_CNT_TCP_SYNACK_UNSOLICITED,
			     -1,       -1};
	struct step learn = {S_SYNACK, START(0), START(0), ACT_PASS, DW_CNT_TCP_FLOW_LEARNED,
			     -1,       -1};
	static const char *const qnames[3] = {"www.idp.test"};
	uint64_t c0[DW_CNT_MAX], c1[DW_CNT_MAX];
	struct stream st;
	size_t li;
	int p;

	build_stream(&st, qnames);
	for (li = 0; li < ARRAY_SIZE(layouts); li++) {
		const struct layout *l = &layouts[li];

		for (p = 0; p < 2; p++) {
			int prog = p ? env.tc : env.xdp;
			struct dp_buf m, f;

			reset_state();
			query_link(1);
			CHECK(run_step(prog, l, &st, &st, &unsol, "SYN-ACK, no SYN seen"));
			CHECK(!has_flow(l));
			/* With data: a whole protected reply, on no connection. */
			tcp_message(&m, "www.idp.test", 0xcb007142);
			tcp_frame(&f, l, l->isn, 0x12, m.b, m.n);
			dp_counters(&env, c0);
			CHECK_EQ_INT(act_of(prog, dp_run(&env, prog, f.b, f.n, 0, NULL, 1, NULL)),
				     ACT_DROP);
			dp_counters(&env, c1);
			CHECK_EQ_INT(c1[DW_CNT_TCP_SYNACK_UNSOLICITED] -
					 c0[DW_CNT_TCP_SYNACK_UNSOLICITED],
				     1);
			CHECK_EQ_INT(dp_drain(&env), 0);
			CHECK(!has_flow(l));
			/* The workload's SYN leaves: its SYN-ACK learns the flow. */
			CHECK(send_syn(l));
			dp_counters(&env, c0);
			CHECK_EQ_INT(c0[DW_CNT_TCP_SYN_SEEN] - c1[DW_CNT_TCP_SYN_SEEN], 1);
			CHECK(run_step(prog, l, &st, &st, &learn, "SYN-ACK after the SYN"));
			CHECK(has_flow(l));
			/* Where the query hook does not run, a SYN-ACK learns as before. */
			reset_state();
			query_link(0);
			CHECK(run_step(prog, l, &st, &st, &learn, "SYN-ACK, no query hook"));
			CHECK(has_flow(l));
		}
	}
	query_link(0);
}

/*
 * While the query hook runs on the link, a flood of forged connections
 * (SYN-ACK, a whole reply, an ACK) larger than the flow map leaves it as it
 * was: only the workload's own connection is in it, in its state, and its
 * next message is judged at its place. A signed answer replayed on forged
 * connections (its ALLOW verdict in the cache) passes as the whole message
 * it is, but no forged connection enters the protected map.
 */
static void test_synack_flood_learns_nothing(void)
{
	static const struct scenario sc = {.desc = "flood",
					   .qnames = {"www.example.test", "www.idp.test"}};
	const struct layout *l = &layouts[0];
	struct step synack = {S_SYNACK, START(0), START(0), ACT_PASS, DW_CNT_TCP_FLOW_LEARNED,
			      -1,	-1};
	struct step first = D(START(0), END(0), ACT_PASS, DW_CNT_NOT_PROTECTED, -1);
	struct step split = D(START(1), QEND(1, -5), ACT_DROP, DW_CNT_TCP_SPLIT_QUESTION, -1);
	uint64_t c0[DW_CNT_MAX], c1[DW_CNT_MAX];
	uint32_t n = DW_TCP_FLOWS_MAX + 4096;
	struct dp_buf m, signed_answer;
	struct stream st;

	reset_state();
	query_link(1);
	build_stream(&st, sc.qnames);
	CHECK(send_syn(l));
	CHECK(run_step(env.xdp, l, &st, &st, &synack, "SYN-ACK"));
	CHECK(run_step(env.xdp, l, &st, &st, &first, "an unprotected answer"));
	dp_counters(&env, c0);
	tcp_message(&m, "www.example.test", 0xc0000201);
	CHECK(forged_connections(l, &m, n, 3, 2));
	tcp_message(&m, "www.idp.test", 0xcb007142);
	dp_reply_a(&signed_answer, "www.idp.test", 7, 300, 0xcb007142);
	put_allow(&signed_answer);
	CHECK(forged_connections(l, &m, DW_TCP_PFLOWS_MAX + 1024, 20, 2));
	dp_drain(&env);
	dp_counters(&env, c1);
	CHECK_EQ_INT(c1[DW_CNT_TCP_SYNACK_UNSOLICITED] - c0[DW_CNT_TCP_SYNACK_UNSOLICITED],
		     n + DW_TCP_PFLOWS_MAX + 1024);
	CHECK_EQ_INT(c1[DW_CNT_TCP_FLOW_LEARNED] - c0[DW_CNT_TCP_FLOW_LEARNED], 0);
	CHECK_EQ_INT(c1[DW_CNT_TCP_FLOW_PROTECTED] - c0[DW_CNT_TCP_FLOW_PROTECTED], 0);
	CHECK_EQ_INT(map_entries(flows_fd), 1);
	CHECK_EQ_INT(map_entries(pflows_fd), 0);
	/* The workload's flow kept its place: the next message split is judged, not untracked. */
	CHECK(run_step(env.xdp, l, &st, &st, &split, "split after the flood"));
	query_link(0);
}

int main(void)
{
	int err = dp_env_open(&env);
	size_t c;

	if (err) {
		printf("FAIL setup: cannot load the data plane (%d)\n", err);
		return 1;
	}
	flows_fd = bpf_map__fd(env.skel->maps.dnsward_tcp_flows);
	pflows_fd = bpf_map__fd(env.skel->maps.dnsward_tcp_pflows);
	syns_fd = bpf_map__fd(env.skel->maps.dnsward_tcp_syns);
	links_fd = bpf_map__fd(env.skel->maps.dnsward_query_links);
	prog_query = bpf_program__fd(env.skel->progs.dnsward_tc_query);
	/* One line per scenario, as RUN_TEST prints it for a test function. */
	for (c = 0; c < ARRAY_SIZE(scenarios); c++) {
		harness_failed = 0;
		harness_current = scenarios[c].name;
		run_scenario(&scenarios[c]);
		printf("%s %s\n", harness_failed ? "FAIL" : "PASS", scenarios[c].name);
		fflush(stdout);
		harness_failures += harness_failed;
	}
	RUN_TEST(test_hooks_share_the_flow);
	RUN_TEST(test_flood_keeps_protected_flows);
	RUN_TEST(test_synack_needs_the_workloads_syn);
	RUN_TEST(test_synack_flood_learns_nothing);
	dp_env_close(&env);
	HARNESS_EXIT();
}
