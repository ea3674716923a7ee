/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loop.h: the daemon's single-threaded event loop (epoll): file descriptors
 * (ring buffer, control socket, upstream sockets, signalfd) and periodic
 * timers. Callbacks run on the loop's thread, one at a time.
 */
#ifndef DW_LOOP_H
#define DW_LOOP_H

#include <stdint.h>

struct loop;

typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *ctx);
typedef void (*loop_timer_cb)(struct loop *l, void *ctx);

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch fd for events (EPOLLIN, ...). Returns 0 or -errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *ctx);
int loop_del_fd(struct loop *l, int fd);

/* Call cb every interval_ms (first call after one interval). Returns a timer id >= 0 or -errno. */
int loop_add_timer(struct loop *l, uint64_t interval_ms, loop_timer_cb cb, void *ctx);
int loop_del_timer(struct loop *l, int timer_id);

/* Run until loop_stop; returns 0 or -errno on an epoll failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
