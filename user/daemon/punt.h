/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * punt.h: consume the data plane's ring buffer of held and monitored replies
 * (struct dw_punt) on the event loop. Records whose lengths do not add up are
 * counted and dropped before any consumer sees them.
 */
#ifndef DW_PUNT_H
#define DW_PUNT_H

#include <stdint.h>

#include "dnsward.h"
#include "common/loop.h"

/* p points into the ring buffer and is valid only during the call. */
typedef void (*punt_cb)(const struct dw_punt *p, void *ctx);

struct punt_reader;

struct punt_reader *punt_start(int ringbuf_fd, struct loop *l, punt_cb cb, void *ctx);
void punt_stop(struct punt_reader *r);
/* Reply records received (query records not), and records rejected for inconsistent lengths. */
uint64_t punt_received(const struct punt_reader *r);
uint64_t punt_malformed(const struct punt_reader *r);

/* 0 when every offset and length in p lies within size bytes of record. */
int punt_check(const struct dw_punt *p, size_t size);

#endif
