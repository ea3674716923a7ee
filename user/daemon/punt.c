// SPDX-License-Identifier: BSD-2-Clause
/* punt.c: the ring-buffer consumer; one epoll watch, records checked before use. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "daemon/punt.h"

struct punt_reader {
	struct ring_buffer *rb;
	struct loop *loop;
	int epfd;
	punt_cb cb;
	void *ctx;
	uint64_t received, malformed;
};

int punt_check(const struct dw_punt *p, size_t size)
{
	size_t head = offsetof(struct dw_punt, pkt);

	if (size < head)
		return -EINVAL;
	if (p->pkt_len > DW_PUNT_PKT_MAX || head + p->pkt_len > size)
		return -EINVAL;
	if (p->l3_off >= p->pkt_len || p->dns_off > p->pkt_len)
		return -EINVAL;
	/* A held TCP segment carries a part of its message (tcp_reasm.c checks it). */
	if (!(p->flags & DW_PUNT_F_TCP_PART) && (size_t)p->dns_off + p->dns_len > p->pkt_len)
		return -EINVAL;
	if ((p->l3 != 4 && p->l3 != 6) || p->dns_len < 12)
		return -EINVAL;
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct punt_reader *r = ctx;
	const struct dw_punt *p = data;

	if (punt_check(p, size)) {
		r->received++;
		if (r->malformed++ < 10)
			pr_warn("punt: inconsistent record (size %zu), dropped", size);
		return 0;
	}
	/* A query record (prefetch) is no punted reply: the daemon counts it apart. */
	if (!(p->flags & DW_PUNT_F_QUERY))
		r->received++;
	r->cb(p, r->ctx);
	return 0;
}

static void on_ready(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct punt_reader *r = ctx;
	int n = ring_buffer__consume(r->rb);

	if (n < 0)
		pr_warn("punt: consume the ring buffer: %s", strerror(-n));
}

struct punt_reader *punt_start(int ringbuf_fd, struct loop *l, punt_cb cb, void *ctx)
{
	struct punt_reader *r;

	if (ringbuf_fd < 0) {
		pr_err("punt: the data plane has no %s ring buffer", DW_MAP_PUNTS);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->cb = cb;
	r->ctx = ctx;
	r->loop = l;
	r->rb = ring_buffer__new(ringbuf_fd, on_record, r, NULL);
	if (!r->rb) {
		pr_err("punt: ring_buffer__new on %s: %s", DW_MAP_PUNTS, strerror(errno));
		free(r);
		return NULL;
	}
	r->epfd = ring_buffer__epoll_fd(r->rb);
	if (loop_add_fd(l, r->epfd, EPOLLIN, on_ready, r)) {
		ring_buffer__free(r->rb);
		free(r);
		return NULL;
	}
	/* Replies punted while no daemon ran are waiting already. */
	ring_buffer__consume(r->rb);
	return r;
}

void punt_stop(struct punt_reader *r)
{
	if (!r)
		return;
	loop_del_fd(r->loop, r->epfd);
	ring_buffer__free(r->rb);
	free(r);
}

uint64_t punt_received(const struct punt_reader *r)
{
	return r ? r->received : 0;
}

uint64_t punt_malformed(const struct punt_reader *r)
{
	return r ? r->malformed : 0;
}
