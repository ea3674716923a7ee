// SPDX-License-Identifier: BSD-2-Clause
/* port_maps.c: the policy's DNS and tunnel ports and encrypted-DNS resolvers, into their maps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dnsward.h"
#include "common/log.h"
#include "daemon/port_maps.h"

static void mark(struct dw_ports *p, const uint16_t *ports, int n, uint8_t kind)
{
	int i;

	for (i = 0; i < n; i++)
		p->kind[ports[i]] |= kind;
}

int port_map_write(int fd, const struct dw_config *cfg)
{
	struct dw_ports *p;
	__u32 zero = 0;
	int err = 0;

	if (fd < 0)
		return 0; /* a data plane without the map reads only cfg.dns_port */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	mark(p, cfg->dns_ports, cfg->n_dns_ports, DW_PORT_DNS);
	mark(p, cfg->tunnels.vxlan, cfg->tunnels.n_vxlan, DW_PORT_VXLAN);
	mark(p, cfg->tunnels.geneve, cfg->tunnels.n_geneve, DW_PORT_GENEVE);
	if (bpf_map_update_elem(fd, &zero, p, BPF_ANY)) {
		err = -errno;
		pr_err("loader: write %s: %s", DW_MAP_PORTS, strerror(errno));
	}
	free(p);
	return err;
}

static int addr_key(const struct sockaddr_storage *ss, struct dw_addr_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)ss->ss_family;
	if (ss->ss_family == AF_INET)
		memcpy(k->addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else if (ss->ss_family == AF_INET6)
		memcpy(k->addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else
		return -EAFNOSUPPORT;
	return 0;
}

/* Adds bits to the entry of ss in want[] (n of them so far); returns the new n. */
static int want_add(struct dw_addr_key *keys, uint8_t *bits, int n,
		    const struct sockaddr_storage *ss, uint8_t bit)
{
	struct dw_addr_key k;
	int i;

	if (addr_key(ss, &k))
		return n;
	for (i = 0; i < n; i++)
		if (!memcmp(&keys[i], &k, sizeof(k)))
			break;
	if (i == n)
		keys[n++] = k;
	bits[i] |= bit;
	return n;
}

int encdns_map_write(int fd, const struct dw_config *cfg)
{
	struct dw_addr_key keys[2 * CFG_ENCDNS_ADDRS_MAX], k, next;
	uint8_t bits[2 * CFG_ENCDNS_ADDRS_MAX] = {0};
	const struct cfg_encdns *e = &cfg->encrypted_dns;
	int n = 0, i, j;

	if (fd < 0)
		return e->on ? -EOPNOTSUPP : 0;
	for (i = 0; i < e->n_allow; i++)
		n = want_add(keys, bits, n, &e->allow[i], DW_ENCDNS_ALLOW);
	for (i = 0; i < e->n_doh; i++)
		n = want_add(keys, bits, n, &e->doh[i], DW_ENCDNS_DOH);
	for (i = 0; i < n; i++) {
		if (bpf_map_update_elem(fd, &keys[i], &bits[i], BPF_ANY)) {
			int err = -errno;

			pr_err("loader: write encrypted_dns address %d: %s", i, strerror(errno));
			return err;
		}
	}
	/* What the previous policy listed and this one does not goes (bounded walk). */
	for (i = 0; i < DW_ENCDNS_ADDRS_MAX * 2; i++) {
		bool keep = false;

		if (bpf_map_get_next_key(fd, i ? &k : NULL, &next))
			break;
		k = next;
		for (j = 0; j < n && !keep; j++)
			keep = !memcmp(&keys[j], &next, sizeof(next));
		if (!keep && !bpf_map_delete_elem(fd, &next))
			i = -1;
	}
	return 0;
}
