// SPDX-License-Identifier: BSD-2-Clause
/*
 * config_ports.c: dns_port (one port or a list), tunnels (the VXLAN and
 * Geneve ports whose inner packets the data plane judges) and
 * encrypted_dns (where workloads' DoT, DoQ and DoH may go), with the same
 * "file:line:column: key: what is wrong" messages as every other key.
 */
#include <stdio.h>
#include <string.h>

#include "common/config_ports.h"

#define VXLAN_PORT  4789 /* IANA */
#define GENEVE_PORT 6081 /* IANA */

/* A list of 1 (0 when may_be_empty) to max distinct ports into ports[], *n. */
static int parse_port_list(struct parser *p, yaml_node_t *v, const char *path, uint16_t *ports,
			   int *n, int max, bool may_be_empty)
{
	yaml_node_item_t *it;
	char sub[CFG_KEYPATH_LEN + 12];
	int i = 0, j, err;

	if (v->type != YAML_SEQUENCE_NODE)
		return cfg_fail_at(p, v, path, "expected a list of ports, got %s",
				   cfg_node_kind(v));
	if (!may_be_empty && v->data.sequence.items.start == v->data.sequence.items.top)
		return cfg_fail_at(p, v, path, "empty list (at least one port)");
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, i++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, *it);
		uint64_t port;

		snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		if (i >= max)
			return cfg_fail_at(p, item, sub, "too many ports (at most %d)", max);
		err = cfg_parse_uint(p, item, sub, 1, 65535, &port);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (ports[j] == port)
				return cfg_fail_at(p, item, sub, "port %u given twice",
						   (unsigned)port);
		ports[i] = (uint16_t)port;
	}
	*n = i;
	return 0;
}

int cfg_parse_dns_ports(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct dw_config *cfg = obj;
	uint64_t port;
	int err;

	if (v->type == YAML_SEQUENCE_NODE)
		err = parse_port_list(p, v, path, cfg->dns_ports, &cfg->n_dns_ports,
				      CFG_DNS_PORTS_MAX, false);
	else {
		err = cfg_parse_uint(p, v, path, 1, 65535, &port);
		cfg->dns_ports[0] = (uint16_t)port;
		cfg->n_dns_ports = 1;
	}
	if (!err)
		cfg->dns_port = cfg->dns_ports[0];
	return err;
}

static int parse_vxlan(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_tunnels *t = obj;

	return parse_port_list(p, v, path, t->vxlan, &t->n_vxlan, CFG_TUNNEL_PORTS_MAX, true);
}

static int parse_geneve(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct cfg_tunnels *t = obj;

	return parse_port_list(p, v, path, t->geneve, &t->n_geneve, CFG_TUNNEL_PORTS_MAX, true);
}

static const struct field tunnel_fields[] = {
    {"vxlan", FT_CUSTOM, .fn = parse_vxlan},
    {"geneve", FT_CUSTOM, .fn = parse_geneve},
};

int cfg_parse_tunnels(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct dw_config *cfg = obj;

	return cfg_parse_map(p, v, path, tunnel_fields, ARRAY_SIZE(tunnel_fields), &cfg->tunnels);
}

/* One address of a list, not given twice in it. */
static int parse_addr_item(struct parser *p, yaml_node_t *n, const char *path,
			   struct sockaddr_storage *list, int index, int *count)
{
	socklen_t len;
	int i, err = cfg_parse_address(p, n, path, &list[index], &len);

	if (err)
		return err;
	for (i = 0; i < index; i++)
		if (!memcmp(&list[i], &list[index], sizeof(list[i])))
			return cfg_fail_at(p, n, path, "address '%s' given twice", cfg_scalar(n));
	*count = index + 1;
	return 0;
}

static int parse_allow(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	struct cfg_encdns *e = obj;

	return parse_addr_item(p, n, path, e->allow, index, &e->n_allow);
}

static int parse_doh(struct parser *p, yaml_node_t *n, const char *path, int index, void *obj)
{
	struct cfg_encdns *e = obj;

	return parse_addr_item(p, n, path, e->doh, index, &e->n_doh);
}

static const char *const action_names[] = {"drop", "report", NULL};

static const struct field encdns_fields[] = {
    {"allow", FT_LIST, .max = CFG_ENCDNS_ADDRS_MAX, .item = parse_allow},
    {"doh_servers", FT_LIST, .max = CFG_ENCDNS_ADDRS_MAX, .item = parse_doh},
    {"action", FT_ENUM, CFG_AT(struct cfg_encdns, action), .names = action_names},
};

int cfg_parse_encdns(struct parser *p, yaml_node_t *v, const char *path, void *obj)
{
	struct dw_config *cfg = obj;

	cfg->encrypted_dns.on = true;
	return cfg_parse_map(p, v, path, encdns_fields, ARRAY_SIZE(encdns_fields),
			     &cfg->encrypted_dns);
}

void cfg_ports_defaults(struct dw_config *cfg)
{
	cfg->dns_ports[0] = cfg->dns_port ? cfg->dns_port : 53;
	cfg->n_dns_ports = 1;
	cfg->tunnels.vxlan[0] = VXLAN_PORT;
	cfg->tunnels.n_vxlan = 1;
	cfg->tunnels.geneve[0] = GENEVE_PORT;
	cfg->tunnels.n_geneve = 1;
}

static bool port_in(uint16_t port, const uint16_t *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == port)
			return true;
	return false;
}

int cfg_check_ports(struct parser *p, yaml_node_t *root)
{
	const struct cfg_tunnels *t = &p->cfg->tunnels;
	yaml_node_t *at = cfg_map_get(p, root, "tunnels");
	int i;

	for (i = 0; i < t->n_vxlan; i++)
		if (port_in(t->vxlan[i], t->geneve, t->n_geneve))
			return cfg_fail_at(p, at ? at : root, "tunnels",
					   "port %u is both a VXLAN and a Geneve port",
					   t->vxlan[i]);
	for (i = 0; i < p->cfg->n_dns_ports; i++) {
		uint16_t port = p->cfg->dns_ports[i];

		if (port_in(port, t->vxlan, t->n_vxlan) || port_in(port, t->geneve, t->n_geneve)) {
			yaml_node_t *dns = cfg_map_get(p, root, "dns_port");

			return cfg_fail_at(p, dns ? dns : root, "dns_port",
					   "port %u is also a tunnel port (tunnels)", port);
		}
	}
	return 0;
}
