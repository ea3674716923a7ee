/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * port_maps.h: the policy's ports (DNS and tunnel ports, DW_MAP_PORTS) and
 * encrypted-DNS resolvers (DW_MAP_ENCDNS_ADDRS) written into the data
 * plane's maps.
 */
#ifndef DW_PORT_MAPS_H
#define DW_PORT_MAPS_H

#include "common/config.h"

/* Every port's meaning (DW_PORT_*) from cfg into the one slot of fd. Returns 0 or -errno. */
int port_map_write(int fd, const struct dw_config *cfg);
/* The allowed and DoH addresses of cfg->encrypted_dns; others go. Returns 0 or -errno. */
int encdns_map_write(int fd, const struct dw_config *cfg);

#endif
