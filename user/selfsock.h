/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * selfsock.h: is a punted reply addressed to one of this daemon's own sockets
 * (the validator's upstream queries)? The hook on an uplink holds those like
 * any protected reply; the daemon hands them straight back to itself, since
 * the validator believes nothing an upstream says until DNSSEC proves it.
 * A reply counts as ours only when its destination address is local to this
 * namespace and its destination port is bound by a socket this process holds.
 */
#ifndef DW_SELFSOCK_H
#define DW_SELFSOCK_H

#include <stdbool.h>

#include "dnsward.h"

bool selfsock_owns(const struct dw_punt *p);

#endif
