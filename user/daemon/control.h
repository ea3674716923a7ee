/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * control.h: the control socket (a UNIX socket, owner root, mode from the
 * config) through which status, stats, reload, policy rollback, nta and flush
 * reach the running daemon. Every change is recorded with the caller's
 * SO_PEERCRED uid and pid as an audit event.
 */
#ifndef DW_CONTROL_H
#define DW_CONTROL_H

#include "common/config.h"
#include "daemon/daemon.h"

struct control;

/* Open the socket named in cfg and register it on the daemon's loop. */
struct control *control_start(struct daemon *d, const struct dw_config *cfg, char *err,
			      size_t err_len);
/* Close the socket and remove its path. */
void control_stop(struct control *c);
/* SIGHUP: the same as a `reload` request from uid 0 (caller "signal"). */
void control_reload_signal(struct control *c);

#endif
