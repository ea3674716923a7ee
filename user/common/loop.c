// SPDX-License-Identifier: BSD-2-Clause
/*
 * loop.c: the event loop. One epoll set; each timer is a timerfd on it. An
 * entry removed while the loop dispatches is only marked dead and freed after
 * the batch, so a callback may delete any entry (even its own) safely.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "common/log.h"
#include "common/loop.h"

/* Bounded: the daemon watches a handful of fds and timers. */
#define LOOP_ENTRIES_MAX 1024
#define LOOP_BATCH	 32

struct loop_entry {
	int fd;
	int timer_id; /* -1 for a plain fd */
	bool dead;
	loop_fd_cb fd_cb;
	loop_timer_cb timer_cb;
	void *ctx;
};

struct loop {
	int epfd;
	bool stop;
	bool dispatching;
	int next_timer_id;
	struct loop_entry *entries[LOOP_ENTRIES_MAX];
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l) {
		pr_err("loop: out of memory");
		return NULL;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		pr_err("loop: epoll_create1: %s", strerror(errno));
		free(l);
		return NULL;
	}
	return l;
}

static void entry_release(struct loop *l, int slot)
{
	struct loop_entry *e = l->entries[slot];

	if (e->timer_id >= 0)
		close(e->fd);
	free(e);
	l->entries[slot] = NULL;
}

void loop_free(struct loop *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < LOOP_ENTRIES_MAX; i++)
		if (l->entries[i])
			entry_release(l, i);
	close(l->epfd);
	free(l);
}

static int entry_add(struct loop *l, struct loop_entry *proto, uint32_t events)
{
	struct epoll_event ev = {.events = events};
	struct loop_entry *e;
	int i;

	for (i = 0; i < LOOP_ENTRIES_MAX && l->entries[i]; i++)
		;
	if (i == LOOP_ENTRIES_MAX) {
		pr_err("loop: more than %d watched descriptors (fd %d)", LOOP_ENTRIES_MAX,
		       proto->fd);
		return -ENOSPC;
	}
	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = *proto;
	ev.data.ptr = e;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0) {
		int err = -errno;

		pr_err("loop: epoll_ctl add fd %d: %s", e->fd, strerror(errno));
		free(e);
		return err;
	}
	l->entries[i] = e;
	return 0;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *ctx)
{
	struct loop_entry proto = {.fd = fd, .timer_id = -1, .fd_cb = cb, .ctx = ctx};

	if (fd < 0 || !cb)
		return -EINVAL;
	return entry_add(l, &proto, events);
}

/* Mark slot i dead (freed after the batch) or free it now. */
static void entry_remove(struct loop *l, int i)
{
	struct loop_entry *e = l->entries[i];

	epoll_ctl(l->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	if (l->dispatching) {
		e->dead = true;
		return;
	}
	entry_release(l, i);
}

int loop_del_fd(struct loop *l, int fd)
{
	int i;

	for (i = 0; i < LOOP_ENTRIES_MAX; i++) {
		struct loop_entry *e = l->entries[i];

		if (e && !e->dead && e->timer_id < 0 && e->fd == fd) {
			entry_remove(l, i);
			return 0;
		}
	}
	return -ENOENT;
}

int loop_add_timer(struct loop *l, uint64_t interval_ms, loop_timer_cb cb, void *ctx)
{
	struct itimerspec its = {0};
	struct loop_entry proto = {.timer_cb = cb, .ctx = ctx};
	int fd, err;

	if (!interval_ms || !cb)
		return -EINVAL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("loop: timerfd_create: %s", strerror(errno));
		return err;
	}
	its.it_interval.tv_sec = interval_ms / 1000;
	its.it_interval.tv_nsec = (interval_ms % 1000) * 1000000;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		err = -errno;
		pr_err("loop: timerfd_settime %llu ms: %s", (unsigned long long)interval_ms,
		       strerror(errno));
		close(fd);
		return err;
	}
	proto.fd = fd;
	proto.timer_id = l->next_timer_id;
	err = entry_add(l, &proto, EPOLLIN);
	if (err) {
		close(fd);
		return err;
	}
	/* Ids wrap far beyond any realistic number of timers. */
	l->next_timer_id = (l->next_timer_id + 1) & 0x3fffffff;
	return proto.timer_id;
}

int loop_del_timer(struct loop *l, int timer_id)
{
	int i;

	for (i = 0; i < LOOP_ENTRIES_MAX; i++) {
		struct loop_entry *e = l->entries[i];

		if (e && !e->dead && e->timer_id == timer_id && timer_id >= 0) {
			entry_remove(l, i);
			return 0;
		}
	}
	return -ENOENT;
}

static void dispatch(struct loop *l, struct loop_entry *e, uint32_t events)
{
	uint64_t expirations;

	if (e->dead)
		return;
	if (e->timer_id < 0) {
		e->fd_cb(l, e->fd, events, e->ctx);
		return;
	}
	/* Several missed expirations still make one call: timers are periodic chores. */
	if (read(e->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	e->timer_cb(l, e->ctx);
}

static void reap_dead(struct loop *l)
{
	int i;

	for (i = 0; i < LOOP_ENTRIES_MAX; i++)
		if (l->entries[i] && l->entries[i]->dead)
			entry_release(l, i);
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_BATCH];
	int n, i;

	l->stop = false;
	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, LOOP_BATCH, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("loop: epoll_wait: %s", strerror(errno));
			return -errno;
		}
		l->dispatching = true;
		for (i = 0; i < n && !l->stop; i++)
			dispatch(l, evs[i].data.ptr, evs[i].events);
		l->dispatching = false;
		reap_dead(l);
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
