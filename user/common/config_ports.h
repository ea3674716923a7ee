/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_ports.h: the keys that say which traffic the data plane reads as
 * DNS (dns_port, one port or a list), which tunnels it opens (tunnels) and
 * where workloads' encrypted DNS may go (encrypted_dns); private to the
 * configuration parser (config.c holds their rows).
 */
#ifndef DW_CONFIG_PORTS_H
#define DW_CONFIG_PORTS_H

#include "common/config_yaml.h"

/* dns_port: an integer or a list of 1 to CFG_DNS_PORTS_MAX of them (FT_CUSTOM). */
int cfg_parse_dns_ports(struct parser *p, yaml_node_t *v, const char *path, void *obj);
/* tunnels: {vxlan: [PORTS], geneve: [PORTS]} (FT_CUSTOM). */
int cfg_parse_tunnels(struct parser *p, yaml_node_t *v, const char *path, void *obj);
/* encrypted_dns: {allow: [ADDRESSES], doh_servers: [ADDRESSES], action: drop|report}. */
int cfg_parse_encdns(struct parser *p, yaml_node_t *v, const char *path, void *obj);
/* The defaults of the three keys. */
void cfg_ports_defaults(struct dw_config *cfg);
/* After the whole document: no port is both a DNS and a tunnel port. */
int cfg_check_ports(struct parser *p, yaml_node_t *root);

#endif
