// SPDX-License-Identifier: BSD-2-Clause
/* test_loop.c: the event loop dispatches fds and timers, and survives removal from callbacks. */
#include <errno.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "harness.h"
#include "common/loop.h"

struct counts {
	int reads;
	int ticks;
	int fd;
	int timer_id;
};

static void on_read(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct counts *c = ctx;
	char buf[16];

	if (read(fd, buf, sizeof(buf)) > 0)
		c->reads++;
}

static void on_tick_stop_after_3(struct loop *l, void *ctx)
{
	struct counts *c = ctx;

	if (++c->ticks == 3)
		loop_stop(l);
}

static void test_fd_and_timer(void)
{
	struct loop *l = loop_new();
	struct counts c = {0};
	int p[2];

	CHECK(l != NULL);
	if (!l || pipe(p))
		return;
	CHECK_EQ_INT(loop_add_fd(l, p[0], EPOLLIN, on_read, &c), 0);
	CHECK(loop_add_timer(l, 5, on_tick_stop_after_3, &c) >= 0);
	CHECK_EQ_INT(write(p[1], "x", 1), 1);
	CHECK_EQ_INT(loop_run(l), 0);
	CHECK_EQ_INT(c.reads, 1);
	CHECK_EQ_INT(c.ticks, 3);
	CHECK_EQ_INT(loop_del_fd(l, p[0]), 0);
	CHECK_EQ_INT(loop_del_fd(l, p[0]), -ENOENT);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

/* A callback that removes its own watch and another timer; the loop must not touch freed entries. */
static void on_read_remove_all(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct counts *c = ctx;
	char buf[16];

	if (read(fd, buf, sizeof(buf)) > 0)
		c->reads++;
	CHECK_EQ_INT(loop_del_fd(l, fd), 0);
	CHECK_EQ_INT(loop_del_timer(l, c->timer_id), 0);
}

static void on_tick_count(struct loop *l, void *ctx)
{
	struct counts *c = ctx;

	c->ticks++;
}

static void on_tick_stop(struct loop *l, void *ctx)
{
	loop_stop(l);
}

static void test_remove_from_callback(void)
{
	struct loop *l = loop_new();
	struct counts c = {0};
	int p[2];

	if (!l || pipe(p))
		return;
	c.timer_id = loop_add_timer(l, 1000000, on_tick_count, &c);
	CHECK(c.timer_id >= 0);
	CHECK_EQ_INT(loop_add_fd(l, p[0], EPOLLIN, on_read_remove_all, &c), 0);
	CHECK(loop_add_timer(l, 20, on_tick_stop, &c) >= 0);
	CHECK_EQ_INT(write(p[1], "xy", 2), 2);
	CHECK_EQ_INT(loop_run(l), 0);
	CHECK_EQ_INT(c.reads, 1);
	CHECK_EQ_INT(c.ticks, 0);
	CHECK_EQ_INT(loop_del_timer(l, c.timer_id), -ENOENT);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void test_bad_arguments(void)
{
	struct loop *l = loop_new();

	if (!l)
		return;
	CHECK_EQ_INT(loop_add_fd(l, -1, EPOLLIN, on_read, NULL), -EINVAL);
	CHECK_EQ_INT(loop_add_timer(l, 0, on_tick_count, NULL), -EINVAL);
	CHECK(loop_add_fd(l, 12345, EPOLLIN, on_read, NULL) < 0); /* not an open fd */
	loop_free(l);
}

int main(void)
{
	RUN_TEST(test_fd_and_timer);
	RUN_TEST(test_remove_from_callback);
	RUN_TEST(test_bad_arguments);
	HARNESS_EXIT();
}
