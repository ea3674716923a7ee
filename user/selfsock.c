// SPDX-License-Identifier: BSD-2-Clause
/*
 * selfsock.c: ownership by the kernel's own tables: /proc/self/net/{udp,tcp}[6]
 * give the inode bound to a local port, /proc/self/fd tells whether we hold
 * it, getifaddrs whether the destination address is ours. Only punts whose
 * destination is local get this far, and every read is bounded.
 */
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "selfsock.h"
#include "verdict_map.h"

#define SELF_LINES_MAX 65536
#define SELF_FDS_MAX   65536

/*
 * The namespace's own addresses, re-read at most once a second: a dump per
 * punt would cost more than the release itself. Loop thread only.
 */
#define SELF_ADDRS_MAX	  64
#define SELF_ADDRS_TTL_NS 1000000000ull

static struct {
	uint64_t read_ns;
	int n;
	int family[SELF_ADDRS_MAX];
	uint8_t addr[SELF_ADDRS_MAX][16];
} local_addrs;

static void refresh_local_addrs(void)
{
	struct ifaddrs *ifs, *i;

	local_addrs.n = 0;
	local_addrs.read_ns = verdict_now_ns();
	if (getifaddrs(&ifs))
		return;
	for (i = ifs; i && local_addrs.n < SELF_ADDRS_MAX; i = i->ifa_next) {
		int f = i->ifa_addr ? i->ifa_addr->sa_family : 0;

		if (f == AF_INET)
			memcpy(local_addrs.addr[local_addrs.n],
			       &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		else if (f == AF_INET6)
			memcpy(local_addrs.addr[local_addrs.n],
			       &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		else
			continue;
		local_addrs.family[local_addrs.n++] = f;
	}
	freeifaddrs(ifs);
}

static bool addr_is_local(int family, const uint8_t *addr)
{
	int i;

	if (verdict_now_ns() - local_addrs.read_ns > SELF_ADDRS_TTL_NS)
		refresh_local_addrs();
	for (i = 0; i < local_addrs.n; i++)
		if (local_addrs.family[i] == family &&
		    !memcmp(local_addrs.addr[i], addr, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

/* Inode of the socket bound to local port in one /proc/net table, or 0. */
static unsigned long inode_for_port(const char *table, unsigned port)
{
	char path[64], line[512];
	unsigned long inode = 0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/self/net/%s", table);
	f = fopen(path, "re");
	if (!f)
		return 0;
	for (n = 0; n < SELF_LINES_MAX && !inode && fgets(line, sizeof(line), f); n++) {
		char local[64];
		unsigned lport;
		unsigned long ino;

		/* sl local rem st tx:rx tr:when retr uid timeout inode */
		if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %*s %*s %*s %*s %*s %*s %lu", local,
			   &lport, &ino) == 3 &&
		    lport == port)
			inode = ino;
	}
	fclose(f);
	return inode;
}

static bool we_hold_inode(unsigned long inode)
{
	char want[48], path[300], target[64];
	struct dirent *de;
	bool found = false;
	DIR *d;
	int n;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir("/proc/self/fd");
	if (!d)
		return false;
	for (n = 0; n < SELF_FDS_MAX && !found && (de = readdir(d)); n++) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		found = !strcmp(target, want);
	}
	closedir(d);
	return found;
}

bool selfsock_owns(const struct dw_punt *p)
{
	const uint8_t *ip = p->pkt + p->l3_off;
	size_t room = p->pkt_len - p->l3_off;
	const uint8_t *dst, *l4;
	int family;
	unsigned port;
	unsigned long inode;
	const char *table;

	if (p->l3 == 4 && room >= 20) {
		family = AF_INET;
		dst = ip + 16;
		table = p->l4 == IPPROTO_TCP ? "tcp" : "udp";
	} else if (p->l3 == 6 && room >= 40) {
		family = AF_INET6;
		dst = ip + 24;
		table = p->l4 == IPPROTO_TCP ? "tcp6" : "udp6";
	} else {
		return false;
	}
	/* The destination port sits 2 bytes into the L4 header, which ends before the DNS data. */
	if (p->l4 == IPPROTO_UDP) {
		if (p->dns_off < 8 + p->l3_off)
			return false;
		l4 = p->pkt + p->dns_off - 8;
	} else {
		size_t ihl = family == AF_INET ? (size_t)(ip[0] & 15) * 4 : 40;

		if (p->l3_off + ihl + 20 > p->pkt_len)
			return false;
		l4 = ip + ihl;
	}
	port = (unsigned)(l4[2] << 8 | l4[3]);
	if (!addr_is_local(family, dst))
		return false;
	inode = inode_for_port(table, port);
	/* An IPv4 reply may be for a dual-stack IPv6 socket. */
	if (!inode && family == AF_INET)
		inode = inode_for_port(p->l4 == IPPROTO_TCP ? "tcp6" : "udp6", port);
	return inode && we_hold_inode(inode);
}
