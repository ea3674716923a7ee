// SPDX-License-Identifier: BSD-2-Clause
/*
 * dw-maps: read dnsward's pinned maps without the daemon (it may be dead or
 * restarting): counters by name, the number of cached verdicts by kind, or
 * the DNS-over-TCP flows tracked (plain and protected, with the protected
 * ones' client ports, the first DW_MAPS_PFLOWS_SHOWN of them).
 * Usage: dw-maps [PIN_PATH] counters|verdicts|tcpflows
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "daemon/counters.h"
#include "dnsward.h"

#define DW_MAPS_PFLOWS_SHOWN 64

static int open_pinned(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "dw-maps: cannot open pinned map %s: %s\n", path, strerror(errno));
	return fd;
}

static int show_counters(const char *dir)
{
	uint64_t val[DW_CNT_MAX];
	int fd = open_pinned(dir, DW_MAP_COUNTERS);
	unsigned i;
	int err;

	if (fd < 0)
		return 1;
	err = counters_read(fd, val);
	close(fd);
	if (err)
		return 1;
	for (i = 0; i < DW_CNT_MAX; i++)
		printf("%s %" PRIu64 "\n", counter_name(i), val[i]);
	return 0;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int show_verdicts(const char *dir)
{
	struct dw_verdict_key key, next;
	struct dw_verdict v;
	unsigned allow = 0, deny = 0, expired = 0, n = 0;
	uint64_t now = boot_ns();
	int fd = open_pinned(dir, DW_MAP_VERDICTS);
	void *prev = NULL;

	if (fd < 0)
		return 1;
	/* Bounded by the map's own size limit. */
	while (n < DW_VERDICTS_MAX && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		if (v.expires_ns && v.expires_ns < now)
			expired++;
		else if (v.verdict == DW_VERDICT_ALLOW)
			allow++;
		else if (v.verdict == DW_VERDICT_DENY)
			deny++;
	}
	close(fd);
	printf("allow %u\ndeny %u\nexpired %u\n", allow, deny, expired);
	return 0;
}

/* Entries of a flow map (bounded by twice its size), each passed to show when set. */
static int count_flows(const char *dir, const char *map, unsigned max, unsigned *n,
		       void (*show)(const struct dw_tcp_flow_key *k, unsigned i))
{
	struct dw_tcp_flow_key key, next;
	int fd = open_pinned(dir, map);
	void *prev = NULL;

	if (fd < 0)
		return 1;
	*n = 0;
	while (*n < 2 * max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (show)
			show(&key, *n);
		(*n)++;
	}
	close(fd);
	return 0;
}

static void show_pflow(const struct dw_tcp_flow_key *k, unsigned i)
{
	if (i < DW_MAPS_PFLOWS_SHOWN)
		printf("tcp_pflow_port %u\n", (unsigned)ntohs(k->dport));
}

static int show_tcpflows(const char *dir)
{
	unsigned flows, pflows;

	if (count_flows(dir, DW_MAP_TCP_PFLOWS, DW_TCP_PFLOWS_MAX, &pflows, show_pflow) ||
	    count_flows(dir, DW_MAP_TCP_FLOWS, DW_TCP_FLOWS_MAX, &flows, NULL))
		return 1;
	printf("tcp_flows %u\ntcp_pflows %u\n", flows, pflows);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = DW_DEFAULT_PIN_PATH;
	const char *what;

	if (argc == 3) {
		dir = argv[1];
		what = argv[2];
	} else if (argc == 2) {
		what = argv[1];
	} else {
		fprintf(stderr, "usage: dw-maps [PIN_PATH] counters|verdicts|tcpflows\n");
		return 2;
	}
	if (!strcmp(what, "counters"))
		return show_counters(dir);
	if (!strcmp(what, "verdicts"))
		return show_verdicts(dir);
	if (!strcmp(what, "tcpflows"))
		return show_tcpflows(dir);
	fprintf(stderr, "dw-maps: unknown view '%s' (counters, verdicts or tcpflows)\n", what);
	return 2;
}
