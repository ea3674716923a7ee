// SPDX-License-Identifier: BSD-2-Clause
/*
 * tcp_reasm.c: held DNS-over-TCP segments back into their message (see
 * tcp_reasm.h). Every length read from a record is checked against the
 * record itself; nothing here trusts the data plane's offsets beyond what it
 * can re-derive from the frame's own IP and TCP headers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "daemon/tcp_reasm.h"

/* A TCP segment's place: its flow, the sequence number and the bytes of its payload. */
struct seg {
	struct dw_tcp_flow_key key;
	uint32_t seq;
	uint32_t pay_off, pay_len;
};

struct held_frame {
	struct dw_punt *p;
	int32_t rel;  /* where its payload starts, from the message's length prefix */
	uint32_t len; /* payload bytes */
};

struct held_msg {
	bool used, whole, spoiled;
	struct dw_tcp_flow_key key;
	uint32_t msg_seq;
	uint32_t total; /* the length prefix and the message */
	uint32_t got;	/* bytes held */
	uint64_t deadline_ns;
	uint8_t *buf, *have; /* the bytes, and a bit per byte held */
	struct held_frame *frames;
	unsigned n_frames;
	size_t bytes; /* counted against max_bytes */
};

struct tcp_reasm {
	struct tcp_reasm_limits lim;
	struct held_msg *msgs;
	size_t bytes;
	struct tcp_reasm_stats st;
};

static uint32_t rd16(const uint8_t *b)
{
	return (uint32_t)b[0] << 8 | b[1];
}

static uint32_t rd32(const uint8_t *b)
{
	return rd16(b) << 16 | rd16(b + 2);
}

/* The IP header at l3_off: where its payload starts and ends, and the flow's addresses. */
static int ip_parse(const struct dw_punt *p, struct seg *sg, size_t *l4, size_t *ip_end)
{
	const uint8_t *ip = p->pkt + p->l3_off;
	size_t l3 = p->l3_off, len = p->pkt_len, ihl;

	if (p->l3 == 4) {
		if (l3 + 20 > len || ip[0] >> 4 != 4 || ip[9] != IPPROTO_TCP)
			return -EINVAL;
		ihl = (size_t)(ip[0] & 15) * 4;
		if (ihl < 20 || (rd16(ip + 6) & 0x3fff) || rd16(ip + 2) < ihl)
			return -EINVAL; /* a fragment's bytes are not the segment's */
		*l4 = l3 + ihl;
		*ip_end = l3 + rd16(ip + 2);
		sg->key.family = 2;
		memcpy(sg->key.saddr, ip + 12, 4);
		memcpy(sg->key.daddr, ip + 16, 4);
	} else if (p->l3 == 6) {
		/* Extension headers are not walked: such a message stays dropped. */
		if (l3 + 40 > len || ip[0] >> 4 != 6 || ip[6] != IPPROTO_TCP)
			return -EINVAL;
		*l4 = l3 + 40;
		*ip_end = l3 + 40 + rd16(ip + 4);
		sg->key.family = 10;
		memcpy(sg->key.saddr, ip + 8, 16);
		memcpy(sg->key.daddr, ip + 24, 16);
	} else {
		return -EINVAL;
	}
	return *ip_end > len ? -EINVAL : 0;
}

static int seg_parse(const struct dw_punt *p, struct seg *sg)
{
	const uint8_t *tcp;
	size_t l4, ip_end, doff;

	memset(sg, 0, sizeof(*sg));
	if (p->l4 != IPPROTO_TCP || !(p->flags & DW_PUNT_F_TCP_PART) || p->dns_len < 12 ||
	    p->pkt_len > DW_PUNT_PKT_MAX || ip_parse(p, sg, &l4, &ip_end))
		return -EINVAL;
	if (l4 + 20 > ip_end)
		return -EINVAL;
	tcp = p->pkt + l4;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || l4 + doff >= ip_end || l4 + doff != p->dns_off)
		return -EINVAL;
	memcpy(&sg->key.sport, tcp, 2);
	memcpy(&sg->key.dport, tcp + 2, 2);
	sg->seq = rd32(tcp + 4);
	if (tcp[13] & 0x02)
		sg->seq++; /* a SYN takes one sequence number before the data */
	sg->pay_off = (uint32_t)(l4 + doff);
	sg->pay_len = (uint32_t)(ip_end - l4 - doff);
	return 0;
}

struct tcp_reasm *tcp_reasm_new(const struct tcp_reasm_limits *lim)
{
	struct tcp_reasm *ra = calloc(1, sizeof(*ra));

	if (!ra || !lim->max_msgs || !lim->max_frames) {
		free(ra);
		return NULL;
	}
	ra->lim = *lim;
	ra->msgs = calloc(lim->max_msgs, sizeof(*ra->msgs));
	if (!ra->msgs) {
		free(ra);
		return NULL;
	}
	return ra;
}

static void msg_drop(struct tcp_reasm *ra, struct held_msg *m)
{
	unsigned i;

	for (i = 0; i < m->n_frames; i++)
		free(m->frames[i].p);
	free(m->frames);
	free(m->buf);
	free(m->have);
	ra->bytes -= m->bytes;
	memset(m, 0, sizeof(*m));
}

void tcp_reasm_free(struct tcp_reasm *ra)
{
	unsigned i;

	if (!ra)
		return;
	for (i = 0; i < ra->lim.max_msgs; i++)
		if (ra->msgs[i].used)
			msg_drop(ra, &ra->msgs[i]);
	free(ra->msgs);
	free(ra);
}

static struct held_msg *msg_find(struct tcp_reasm *ra, const struct dw_tcp_flow_key *key,
				 uint32_t msg_seq)
{
	unsigned i;

	for (i = 0; i < ra->lim.max_msgs; i++) {
		struct held_msg *m = &ra->msgs[i];

		if (m->used && m->msg_seq == msg_seq && !memcmp(&m->key, key, sizeof(*key)))
			return m;
	}
	return NULL;
}

static struct held_msg *msg_new(struct tcp_reasm *ra, const struct seg *sg, uint32_t msg_seq,
				uint32_t total, uint64_t now_ns)
{
	size_t need =
	    (size_t)total + (total + 7) / 8 + ra->lim.max_frames * sizeof(struct held_frame);
	struct held_msg *m = NULL;
	unsigned i;

	for (i = 0; i < ra->lim.max_msgs && !m; i++)
		if (!ra->msgs[i].used)
			m = &ra->msgs[i];
	if (!m || ra->bytes + need > ra->lim.max_bytes)
		return NULL;
	m->buf = malloc(total);
	m->have = calloc((total + 7) / 8, 1);
	m->frames = calloc(ra->lim.max_frames, sizeof(*m->frames));
	if (!m->buf || !m->have || !m->frames) {
		msg_drop(ra, m);
		return NULL;
	}
	m->used = true;
	m->key = sg->key;
	m->msg_seq = msg_seq;
	m->total = total;
	m->deadline_ns = now_ns + ra->lim.timeout_ns;
	m->bytes = need;
	ra->bytes += need;
	return m;
}

static bool have(const struct held_msg *m, uint32_t off)
{
	return m->have[off / 8] & (1u << (off % 8));
}

static int spoil(struct tcp_reasm *ra, struct held_msg *m)
{
	unsigned i;

	/* Its frames are never released: free them now, keep the entry to absorb retransmissions. */
	for (i = 0; i < m->n_frames; i++)
		free(m->frames[i].p);
	m->n_frames = 0;
	m->spoiled = true;
	ra->st.spoiled++;
	return -EPROTO;
}

/* Bytes of the segment at rel the message does not hold yet; -EPROTO when held ones differ. */
static int64_t fresh_bytes(const struct held_msg *m, const uint8_t *pay, int32_t rel, uint32_t n)
{
	uint32_t i = rel < 0 ? (uint32_t)-rel : 0;
	int64_t fresh = 0;

	for (; i < n; i++) {
		uint32_t off = (uint32_t)(rel + (int64_t)i);

		if (!have(m, off))
			fresh++;
		else if (m->buf[off] != pay[i])
			return -EPROTO;
	}
	return fresh;
}

static int keep_frame(struct tcp_reasm *ra, struct held_msg *m, const struct dw_punt *p,
		      int32_t rel, uint32_t n)
{
	size_t sz = offsetof(struct dw_punt, pkt) + p->pkt_len;
	struct held_frame *f = &m->frames[m->n_frames];
	uint32_t i = rel < 0 ? (uint32_t)-rel : 0;

	if (ra->bytes + sz > ra->lim.max_bytes)
		return -ENOSPC;
	f->p = malloc(sz);
	if (!f->p)
		return -ENOMEM;
	memcpy(f->p, p, sz);
	f->rel = rel;
	f->len = n;
	m->n_frames++;
	m->bytes += sz;
	ra->bytes += sz;
	for (; i < n; i++) {
		uint32_t off = (uint32_t)(rel + (int64_t)i);

		if (!have(m, off)) {
			m->buf[off] = p->pkt[p->dns_off + i];
			m->have[off / 8] |= (uint8_t)(1u << (off % 8));
			m->got++;
		}
	}
	return 0;
}

int tcp_reasm_add(struct tcp_reasm *ra, const struct dw_punt *p, uint64_t now_ns,
		  const uint8_t **msg, size_t *len)
{
	uint32_t total = 2u + p->dns_len;
	struct held_msg *m;
	struct seg sg;
	int64_t fresh;
	int32_t rel;
	int rc;

	tcp_reasm_expire(ra, now_ns);
	if (seg_parse(p, &sg)) {
		ra->st.malformed++;
		return -EINVAL;
	}
	rel = (int32_t)(sg.seq - p->tcp_msg_seq);
	if (rel >= (int64_t)total || rel + (int64_t)sg.pay_len <= 0) {
		ra->st.malformed++;
		return -EINVAL; /* no byte of the message it names */
	}
	ra->st.segments++;
	m = msg_find(ra, &sg.key, p->tcp_msg_seq);
	if (!m && !(m = msg_new(ra, &sg, p->tcp_msg_seq, total, now_ns))) {
		ra->st.refused++;
		return -ENOSPC;
	}
	if (m->spoiled || m->whole) {
		ra->st.duplicates++;
		return TCP_REASM_DUPLICATE;
	}
	/* Another length for the same start, or bytes of a next message no one judged. */
	if (m->total != total || rel + (int64_t)sg.pay_len > total)
		return spoil(ra, m);
	fresh = fresh_bytes(m, p->pkt + sg.pay_off, rel, sg.pay_len);
	if (fresh < 0)
		return spoil(ra, m);
	if (!fresh) {
		ra->st.duplicates++;
		return TCP_REASM_DUPLICATE;
	}
	if (m->n_frames == ra->lim.max_frames)
		return spoil(ra, m);
	rc = keep_frame(ra, m, p, rel, sg.pay_len);
	if (rc) {
		ra->st.refused++;
		return rc;
	}
	if (m->got < m->total)
		return TCP_REASM_HELD;
	if (rd16(m->buf) != p->dns_len)
		return spoil(ra, m); /* the length prefix says another length */
	m->whole = true;
	ra->st.completed++;
	*msg = m->buf + 2;
	*len = p->dns_len;
	return TCP_REASM_COMPLETE;
}

static struct held_msg *msg_of(struct tcp_reasm *ra, const struct dw_punt *p)
{
	struct seg sg;

	if (seg_parse(p, &sg))
		return NULL;
	return msg_find(ra, &sg.key, p->tcp_msg_seq);
}

/* The frame that covers byte cur and reaches furthest past it, or -1. */
static int next_cover(const struct held_msg *m, int64_t cur)
{
	int64_t best_end = cur;
	int best = -1;
	unsigned i;

	for (i = 0; i < m->n_frames; i++) {
		int64_t end = (int64_t)m->frames[i].rel + m->frames[i].len;

		if (m->frames[i].p && m->frames[i].rel <= cur && end > best_end) {
			best = (int)i;
			best_end = end;
		}
	}
	return best;
}

int tcp_reasm_take(struct tcp_reasm *ra, const struct dw_punt *p, struct tcp_reasm_done *out)
{
	struct held_msg *m = msg_of(ra, p);
	int64_t cur = 0;
	int i;

	memset(out, 0, sizeof(*out));
	if (!m || !m->whole || m->spoiled)
		return -ENOENT;
	out->frames = calloc(m->n_frames, sizeof(*out->frames));
	if (!out->frames)
		return -ENOMEM;
	/* Every byte is held, so the frames cover the message; take them from its start. */
	while (cur < m->total && (i = next_cover(m, cur)) >= 0) {
		out->frames[out->n++] = m->frames[i].p;
		cur = (int64_t)m->frames[i].rel + m->frames[i].len;
		m->frames[i].p = NULL;
	}
	out->key = m->key;
	out->msg_seq = m->msg_seq;
	out->msg_end = m->msg_seq + m->total;
	msg_drop(ra, m);
	if (cur < out->msg_end - out->msg_seq) {
		tcp_reasm_done_free(out);
		return -ENOENT;
	}
	return 0;
}

void tcp_reasm_done_free(struct tcp_reasm_done *d)
{
	unsigned i;

	for (i = 0; i < d->n; i++)
		free(d->frames[i]);
	free(d->frames);
	memset(d, 0, sizeof(*d));
}

void tcp_reasm_forget(struct tcp_reasm *ra, const struct dw_punt *p)
{
	struct held_msg *m = msg_of(ra, p);

	if (m)
		msg_drop(ra, m);
}

void tcp_reasm_expire(struct tcp_reasm *ra, uint64_t now_ns)
{
	unsigned i;

	for (i = 0; i < ra->lim.max_msgs; i++) {
		struct held_msg *m = &ra->msgs[i];

		if (m->used && now_ns >= m->deadline_ns) {
			msg_drop(ra, m);
			ra->st.expired++;
		}
	}
}

unsigned tcp_reasm_count(const struct tcp_reasm *ra)
{
	unsigned i, n = 0;

	for (i = 0; i < ra->lim.max_msgs; i++)
		n += ra->msgs[i].used;
	return n;
}

void tcp_reasm_get_stats(const struct tcp_reasm *ra, struct tcp_reasm_stats *out)
{
	*out = ra->st;
}

int tcp_reasm_flow_passed(int pflows_fd, int flows_fd, const struct dw_tcp_flow_key *key,
			  uint32_t msg_seq, uint32_t msg_end)
{
	const int fds[2] = {pflows_fd, flows_fd};
	struct dw_tcp_flow v;
	unsigned i;

	for (i = 0; i < 2; i++) {
		if (fds[i] < 0 || bpf_map_lookup_elem(fds[i], key, &v))
			continue;
		if (v.decision != DW_TCP_DROPPED || v.cur != msg_seq ||
		    !(v.flags & DW_TCP_FLOW_HELD))
			return -ENOENT;
		memset(&v, 0, sizeof(v));
		v.cur = msg_end;
		v.end = msg_end;
		v.decision = DW_TCP_PASSED;
		return bpf_map_update_elem(fds[i], key, &v, BPF_EXIST) ? -errno : 0;
	}
	return -ENOENT;
}
