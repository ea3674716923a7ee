/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * heartbeat.h: stamp the heartbeat map every second from the loop, so the data
 * plane can tell a live daemon from a dead one and apply the failure mode to
 * misses when the stamps stop.
 */
#ifndef DW_HEARTBEAT_H
#define DW_HEARTBEAT_H

#include <stdint.h>

#include "common/loop.h"

#define HEARTBEAT_INTERVAL_MS 1000

/* Stamp now and every second. Returns the loop timer id or -errno. */
int heartbeat_start(int map_fd, struct loop *l);
/* Write one stamp. Returns 0 or -errno. */
int heartbeat_stamp(int map_fd);
/* The last stamp in the map (boot clock, ns), 0 if none. */
uint64_t heartbeat_read(int map_fd);

#endif
