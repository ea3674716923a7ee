// SPDX-License-Identifier: BSD-2-Clause
/*
 * dw-relbench: cost of one re-injection per release mechanism, for
 * docs/release.md and tests/bench/bench_daemon. Sends COUNT copies of a small
 * UDP reply frame (SRC -> DST, to a port nobody listens on) through:
 *   xdp_live    BPF_PROG_RUN live frames on IN_IF (as if received there)
 *   af_packet   AF_PACKET sendto on OUT_IF with SO_MARK (through tc egress)
 *   af_packet_bypass  the same with PACKET_QDISC_BYPASS (skips tc egress)
 * and prints "release_<mechanism>_<stat> value unit" lines.
 * usage: dw-relbench IN_IF OUT_IF SRC_IP4 DST_IP4 [COUNT]   (run in the node's netns)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>

#include "daemon/release.h"
#include "daemon/verdict_map.h"
#include "../tests/bpf/dp_packets.h"

#define COUNT_MAX 100000

static int mac_of(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &ifr);
	if (fd >= 0)
		close(fd);
	if (rc)
		return -errno;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/*
 * Ethernet + IPv4 + UDP(53 -> 9) + a 40-byte DNS-looking payload (a reply
 * header, zero counts, zero padding); checksums completed.
 */
static size_t build(struct dp_buf *f, const uint8_t dmac[6], struct in_addr src, struct in_addr dst)
{
	static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0};
	const struct dp_frame_opts o = {.l3 = DP_IP4,
					.dmac = dmac,
					.smac = smac,
					.ip4_src = ntohl(src.s_addr),
					.ip4_dst = ntohl(dst.s_addr),
					.ip4_csum = 1,
					.dport = 9}; /* discard: nobody listens */
	struct dp_buf m;

	dp_hdr(&m, 0, DP_QR | DP_RD, 0, 0, 0, 0);
	while (m.n < 40)
		dp_u8(&m, 0);
	dp_frame(f, m.b, m.n, &o);
	release_fix_l4_csum(f->b, f->n, 14, 4, 17);
	return f->n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

typedef int (*send_fn)(struct release *r, int ifindex, const void *frame, uint32_t len);

static void run(const char *name, struct release *r, send_fn fn, int ifindex, const uint8_t *f,
		size_t len, int count)
{
	uint64_t *ns = calloc(count, sizeof(*ns));
	int i, fails = 0;

	if (!ns)
		return;
	for (i = 0; i < count; i++) {
		uint64_t t0 = verdict_now_ns();

		if (fn(r, ifindex, f, len))
			fails++;
		ns[i] = verdict_now_ns() - t0;
	}
	qsort(ns, count, sizeof(*ns), cmp_u64);
	printf("release_%s_p50 %.1f us\n", name, ns[count / 2] / 1e3);
	printf("release_%s_p99 %.1f us\n", name, ns[count * 99 / 100] / 1e3);
	printf("release_%s_failed %d frames\n", name, fails);
	free(ns);
}

int main(int argc, char **argv)
{
	static struct dp_buf f;
	uint8_t in_mac[6], out_mac[6];
	struct in_addr src, dst;
	struct release *r;
	int count = argc > 5 ? atoi(argv[5]) : 2000, in_idx, out_idx, one = 1, pfd;
	size_t len;

	if (argc < 5 || count < 1 || count > COUNT_MAX || inet_pton(AF_INET, argv[3], &src) != 1 ||
	    inet_pton(AF_INET, argv[4], &dst) != 1) {
		fprintf(stderr, "usage: dw-relbench IN_IF OUT_IF SRC_IP4 DST_IP4 [COUNT<=%d]\n",
			COUNT_MAX);
		return 2;
	}
	in_idx = if_nametoindex(argv[1]);
	out_idx = if_nametoindex(argv[2]);
	if (!in_idx || !out_idx || mac_of(argv[1], in_mac) || mac_of(argv[2], out_mac)) {
		fprintf(stderr, "dw-relbench: no interface %s or %s here\n", argv[1], argv[2]);
		return 1;
	}
	r = release_new();
	if (!r)
		return 1;
	len = build(&f, in_mac, src, dst);
	run("xdp_live", r, release_xdp_live, in_idx, f.b, len, count);
	/* Egress frames need the workload's MAC; a broadcast one is enough to measure. */
	memset(f.b, 0xff, 6);
	run("af_packet", r, release_packet, out_idx, f.b, len, count);
	pfd = release_packet_fd(r);
	if (pfd >= 0 && !setsockopt(pfd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		run("af_packet_bypass", r, release_packet, out_idx, f.b, len, count);
	release_free(r);
	return 0;
}
