// SPDX-License-Identifier: BSD-2-Clause
/*
 * dw-flood: a bounded blind forger for the lab, for tests/bench/flood and the
 * flood checks of the end-to-end suites. It sends forged DNS replies (UDP from
 * port 53) for random names under ZONE toward TO, spoofing the FROM addresses
 * in turn, each with a random ID and destination port: what an off-path
 * attacker who cannot see the queries sends to win a race. Raw IPv4/IPv6
 * sockets, sendmmsg in batches, paced to RATE packets per second for SECONDS.
 * Prints what it sent and the rate it achieved ("name value unit" lines).
 *
 * --synack sends TCP SYN-ACKs from port 53 instead, each on its own 4-tuple
 * (the FROM addresses in turn, then the next destination port from 1024 up)
 * with a random sequence number: what a flood of forged connections looks
 * like to a hook that learns DNS-over-TCP flows from the server's SYN-ACK.
 * --synack-data puts a forged reply under ZONE into each as its data (the
 * 2-byte TCP length prefix and the message). --count bounds the packets
 * below RATE * SECONDS.
 *
 * It is a lab tool: the rate and the duration have hard maxima, every address
 * must lie in a documentation range (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32), and it refuses to run in the root network
 * namespace.
 *
 * usage: dw-flood --to ADDR --from ADDR[,ADDR...] --zone NAME --rate PPS
 *                 --seconds S [--qtype A|AAAA] [--batch N] [--count N]
 *                 [--synack | --synack-data]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/release.h"
#include "../tests/bpf/dp_packets.h"

#define FLOOD_RATE_MAX	  1000000 /* packets per second */
#define FLOOD_SECONDS_MAX 60
#define FLOOD_BATCH_MAX	  256
#define FLOOD_FROM_MAX	  8
#define FLOOD_PKT_MAX	  512
#define FLOOD_ETH_LEN	  14 /* dp_frame's Ethernet header, not sent on a raw IP socket */
#define FLOOD_PORT_FIRST  1024
#define FLOOD_PORTS	  (65536 - FLOOD_PORT_FIRST)
#define FLOOD_COUNT_MAX	  (FLOOD_RATE_MAX * FLOOD_SECONDS_MAX)

enum flood_kind {
	FLOOD_UDP,	   /* forged UDP replies (the default) */
	FLOOD_SYNACK,	   /* SYN-ACKs without data */
	FLOOD_SYNACK_DATA, /* SYN-ACKs carrying a forged reply */
};

struct flood_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct flood_opts {
	struct flood_addr to;
	struct flood_addr from[FLOOD_FROM_MAX];
	int n_from;
	const char *zone;
	uint16_t qtype;
	long rate, seconds, batch, count;
	enum flood_kind kind;
};

/* A documentation range (RFC 5737, RFC 3849): the only places the forger may address. */
static int flood_addr_allowed(const struct flood_addr *a)
{
	static const uint8_t v4_nets[][3] = {{192, 0, 2}, {198, 51, 100}, {203, 0, 113}};
	static const uint8_t v6_net[4] = {0x20, 0x01, 0x0d, 0xb8};
	size_t i;

	if (a->family == AF_INET6)
		return !memcmp(a->v6.s6_addr, v6_net, sizeof(v6_net));
	for (i = 0; i < sizeof(v4_nets) / sizeof(v4_nets[0]); i++)
		if (!memcmp(&a->v4.s_addr, v4_nets[i], 3))
			return 1;
	return 0;
}

static int flood_addr_parse(const char *s, struct flood_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->v6) == 1)
		a->family = AF_INET6;
	else {
		fprintf(stderr, "dw-flood: '%s' is not an IPv4 or IPv6 address\n", s);
		return -1;
	}
	if (!flood_addr_allowed(a)) {
		fprintf(stderr,
			"dw-flood: %s is outside the documentation ranges (192.0.2.0/24, "
			"198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32): refused\n",
			s);
		return -1;
	}
	return 0;
}

/*
 * The kernel numbers the initial network namespace's inode PROC_NET_INIT_INO
 * (include/linux/proc_ns.h, not in the UAPI); pid 1's namespace, when it may be
 * read, is compared as well, for a host whose init runs in another one.
 */
#define FLOOD_NET_INIT_INO 0xeffffff9u

/* The root network namespace is the host's: the forger runs only in a lab's. */
static int flood_in_root_netns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self))
		return -1;
	if (self.st_ino == FLOOD_NET_INIT_INO)
		return 1;
	return !stat("/proc/1/ns/net", &init) && self.st_ino == init.st_ino &&
	       self.st_dev == init.st_dev;
}

static long flood_num(const char *what, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "dw-flood: %s '%s' must be a number in %ld..%ld\n", what, s, lo,
			hi);
		return -1;
	}
	return v;
}

/* xorshift64*: fast and good enough to make every name, ID and port look new. */
static uint64_t flood_rand(uint64_t *st)
{
	uint64_t x = *st;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A forged reply: a random label under the zone, one A or AAAA answer in the lab's range. */
static void flood_message(struct dp_buf *m, const struct flood_opts *o, uint64_t r)
{
	char name[300];

	snprintf(name, sizeof(name), "f%012llx.%s", (unsigned long long)(r >> 16), o->zone);
	dp_hdr(m, (uint16_t)r, DP_REPLY, 1, 1, 0, 0);
	dp_name(m, name);
	dp_u16(m, o->qtype);
	dp_u16(m, 1);
	dp_name_ptr(m, NULL, 12);
	if (o->qtype == 28) {
		static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 0x77};

		dp_rr_fixed(m, 28, 300, 16);
		dp_bytes(m, v6, sizeof(v6));
	} else {
		dp_rr_fixed(m, 1, 300, 4);
		dp_u32(m, 0xcb007177); /* 203.0.113.119 */
	}
}

/* The IP packet (no Ethernet header) of one forgery into out; returns its length or 0. */
static size_t flood_packet(uint8_t *out, const struct flood_opts *o, uint64_t *rnd, int *from_i)
{
	const struct flood_addr *src = &o->from[(*from_i)++ % o->n_from];
	uint64_t r = flood_rand(rnd), r2 = flood_rand(rnd);
	struct dp_frame_opts fo = {
	    .l3 = o->to.family == AF_INET6 ? DP_IP6 : DP_IP4,
	    .ip4_csum = 1,
	    .dport = (uint16_t)(1024 + r2 % (65536 - 1024)),
	};
	static struct dp_buf m, f;
	size_t ip_len;

	if (fo.l3 == DP_IP4) {
		fo.ip4_src = ntohl(src->v4.s_addr);
		fo.ip4_dst = ntohl(o->to.v4.s_addr);
	}
	flood_message(&m, o, r);
	dp_frame(&f, m.b, m.n, &fo);
	if (fo.l3 == DP_IP6) {
		memcpy(f.b + FLOOD_ETH_LEN + 8, src->v6.s6_addr, 16);
		memcpy(f.b + FLOOD_ETH_LEN + 24, o->to.v6.s6_addr, 16);
	}
	if (release_fix_l4_csum(f.b, f.n, FLOOD_ETH_LEN, fo.l3, 17))
		return 0;
	ip_len = f.n - FLOOD_ETH_LEN;
	if (ip_len > FLOOD_PKT_MAX)
		return 0;
	memcpy(out, f.b + FLOOD_ETH_LEN, ip_len);
	return ip_len;
}

/*
 * SYN-ACK number i (no Ethernet header) into out; returns its length or 0.
 * Tuple i: source o->from[i % n_from] port 53, destination port
 * FLOOD_PORT_FIRST + i / n_from, so no two of the first n_from * FLOOD_PORTS
 * share a 4-tuple.
 */
static size_t flood_synack(uint8_t *out, const struct flood_opts *o, uint64_t *rnd, uint64_t i)
{
	const struct flood_addr *src = &o->from[i % (uint64_t)o->n_from];
	uint16_t dport = (uint16_t)(FLOOD_PORT_FIRST + (i / (uint64_t)o->n_from) % FLOOD_PORTS);
	uint64_t r = flood_rand(rnd);
	static struct dp_buf msg, m, f;
	size_t ip_len, l3;

	m.n = 0;
	if (o->kind == FLOOD_SYNACK_DATA) {
		flood_message(&msg, o, r);   /* it starts its buffer afresh */
		dp_u16(&m, (uint16_t)msg.n); /* the TCP length prefix */
		dp_bytes(&m, msg.b, msg.n);
	}
	f.n = 0;
	if (o->to.family == AF_INET6) {
		dp_u32(&f, 0x60000000);
		dp_u16(&f, (uint16_t)(20 + m.n));
		dp_u8(&f, 6);
		dp_u8(&f, 64);
		dp_bytes(&f, src->v6.s6_addr, 16);
		dp_bytes(&f, o->to.v6.s6_addr, 16);
		l3 = DP_IP6;
	} else {
		dp_u16(&f, 0x4500);
		dp_u16(&f, (uint16_t)(40 + m.n));
		dp_u32(&f, 0x4000); /* ID 0, DF */
		dp_u16(&f, 0x4006); /* TTL 64, TCP; the kernel fills the header checksum */
		dp_u16(&f, 0);
		dp_bytes(&f, &src->v4.s_addr, 4);
		dp_bytes(&f, &o->to.v4.s_addr, 4);
		l3 = DP_IP4;
	}
	dp_u16(&f, 53);
	dp_u16(&f, dport);
	dp_u32(&f, (uint32_t)(r >> 32));
	dp_u32(&f, (uint32_t)r);
	dp_u16(&f, 0x5012); /* data offset 5, SYN|ACK */
	dp_u16(&f, 65535);
	dp_u32(&f, 0); /* checksum and urgent pointer */
	dp_bytes(&f, m.b, m.n);
	if (release_fix_l4_csum(f.b, (uint32_t)f.n, 0, (uint8_t)l3, 6))
		return 0;
	ip_len = f.n;
	if (ip_len > FLOOD_PKT_MAX)
		return 0;
	memcpy(out, f.b, ip_len);
	return ip_len;
}

static uint64_t flood_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void flood_sleep_until(uint64_t t_ns)
{
	struct timespec ts = {.tv_sec = t_ns / 1000000000ull, .tv_nsec = t_ns % 1000000000ull};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

struct flood_result {
	uint64_t sent, failed, ns;
};

/*
 * Sends at o->rate for o->seconds on the raw socket fd: each round sends what
 * is due (at most one batch), then sleeps until the next batch is due, so the
 * forger needs no more CPU than the rate asks.
 */
static int flood_run(int fd, const struct flood_opts *o, struct flood_result *res)
{
	static uint8_t pkts[FLOOD_BATCH_MAX][FLOOD_PKT_MAX];
	static struct mmsghdr msgs[FLOOD_BATCH_MAX];
	static struct iovec iov[FLOOD_BATCH_MAX];
	struct sockaddr_storage dst = {0};
	uint64_t t0 = flood_now_ns(), end, now, due, total, rnd = t0 | 1;
	socklen_t dlen;
	int from_i = 0, n, i, k;

	total = (uint64_t)o->rate * (uint64_t)o->seconds;
	if (o->count && (uint64_t)o->count < total)
		total = (uint64_t)o->count;
	end = t0 + (uint64_t)o->seconds * 1000000000ull;
	if (o->to.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = o->to.v6;
		dlen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&dst;

		s4->sin_family = AF_INET;
		s4->sin_addr = o->to.v4;
		dlen = sizeof(*s4);
	}
	memset(res, 0, sizeof(*res));
	while (res->sent + res->failed < total && (now = flood_now_ns()) < end) {
		due = (now - t0) * (uint64_t)o->rate / 1000000000ull;
		due = due > total ? total : due;
		if (due <= res->sent + res->failed) {
			flood_sleep_until(t0 + (res->sent + res->failed + (uint64_t)o->batch) *
						   1000000000ull / (uint64_t)o->rate);
			continue;
		}
		n = (int)(due - res->sent - res->failed);
		n = n > o->batch ? (int)o->batch : n;
		for (i = 0; i < n; i++) {
			iov[i].iov_base = pkts[i];
			if (o->kind == FLOOD_UDP)
				iov[i].iov_len = flood_packet(pkts[i], o, &rnd, &from_i);
			else
				iov[i].iov_len = flood_synack(
				    pkts[i], o, &rnd, res->sent + res->failed + (uint64_t)i);
			if (!iov[i].iov_len) {
				fprintf(stderr, "dw-flood: cannot build a packet for zone %s\n",
					o->zone);
				return -1;
			}
			msgs[i].msg_hdr = (struct msghdr){.msg_name = &dst,
							  .msg_namelen = dlen,
							  .msg_iov = &iov[i],
							  .msg_iovlen = 1};
		}
		k = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (k < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "dw-flood: sendmmsg to the raw socket: %s\n",
					strerror(errno));
				return -1;
			}
			k = 0;
		}
		res->sent += (uint64_t)k;
		res->failed +=
		    (uint64_t)(n - k); /* the device queue was full: counted, not retried */
	}
	res->ns = flood_now_ns() - t0;
	return 0;
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: dw-flood --to ADDR --from ADDR[,ADDR...] --zone NAME --rate PPS --seconds S\n"
	    "                [--qtype A|AAAA] [--batch N] [--count N] [--synack | --synack-data]\n"
	    "  forged DNS replies for random names under NAME to ADDR (documentation ranges\n"
	    "  only), at most %d packets per second for at most %d s, in a lab namespace;\n"
	    "  --synack: SYN-ACKs from port 53 on distinct 4-tuples instead (--zone not\n"
	    "  needed), --synack-data: each carrying a forged reply under NAME\n",
	    FLOOD_RATE_MAX, FLOOD_SECONDS_MAX);
}

static int flood_from_list(char *list, struct flood_opts *o)
{
	char *save = NULL, *s;

	for (s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (o->n_from == FLOOD_FROM_MAX) {
			fprintf(stderr, "dw-flood: at most %d --from addresses\n", FLOOD_FROM_MAX);
			return -1;
		}
		if (flood_addr_parse(s, &o->from[o->n_from++]))
			return -1;
	}
	return 0;
}

static int flood_parse(int argc, char **argv, struct flood_opts *o)
{
	static const struct option lo[] = {{"to", 1, 0, 't'},
					   {"from", 1, 0, 'f'},
					   {"zone", 1, 0, 'z'},
					   {"rate", 1, 0, 'r'},
					   {"seconds", 1, 0, 's'},
					   {"qtype", 1, 0, 'q'},
					   {"batch", 1, 0, 'b'},
					   {"count", 1, 0, 'n'},
					   {"synack", 0, 0, 'S'},
					   {"synack-data", 0, 0, 'D'},
					   {0, 0, 0, 0}};
	int c, have_to = 0, i;

	*o = (struct flood_opts){.qtype = 1, .batch = 64};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			if (flood_addr_parse(optarg, &o->to))
				return -1;
			have_to = 1;
			break;
		case 'f':
			if (flood_from_list(optarg, o))
				return -1;
			break;
		case 'z':
			o->zone = optarg;
			break;
		case 'r':
			if ((o->rate = flood_num("--rate", optarg, 1, FLOOD_RATE_MAX)) < 0)
				return -1;
			break;
		case 's':
			if ((o->seconds = flood_num("--seconds", optarg, 1, FLOOD_SECONDS_MAX)) < 0)
				return -1;
			break;
		case 'b':
			if ((o->batch = flood_num("--batch", optarg, 1, FLOOD_BATCH_MAX)) < 0)
				return -1;
			break;
		case 'n':
			if ((o->count = flood_num("--count", optarg, 1, FLOOD_COUNT_MAX)) < 0)
				return -1;
			break;
		case 'S':
			o->kind = FLOOD_SYNACK;
			break;
		case 'D':
			o->kind = FLOOD_SYNACK_DATA;
			break;
		case 'q':
			if (strcmp(optarg, "A") && strcmp(optarg, "AAAA")) {
				fprintf(stderr, "dw-flood: --qtype '%s' must be A or AAAA\n",
					optarg);
				return -1;
			}
			o->qtype = strcmp(optarg, "A") ? 28 : 1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || !have_to || !o->n_from || !o->rate || !o->seconds ||
	    (!o->zone && o->kind != FLOOD_SYNACK)) {
		fprintf(stderr, "dw-flood: --to, --from, --rate and --seconds are required, "
				"--zone unless --synack\n");
		return -1;
	}
	if (!o->zone)
		o->zone = "invalid";
	if (strlen(o->zone) < 1 || strlen(o->zone) > 200) {
		fprintf(stderr, "dw-flood: --zone '%s' must be 1..200 characters\n", o->zone);
		return -1;
	}
	for (i = 0; i < o->n_from; i++)
		if (o->from[i].family != o->to.family) {
			fprintf(stderr,
				"dw-flood: --from and --to must be of one address family\n");
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct flood_result res;
	struct flood_opts o;
	int fd, root;

	if (flood_parse(argc, argv, &o)) {
		usage();
		return 2;
	}
	root = flood_in_root_netns();
	if (root) {
		fprintf(stderr,
			"dw-flood: %s: run it inside a lab namespace (ip netns exec "
			"dw-attacker ...)\n",
			root < 0 ? "cannot tell the network namespace"
				 : "this is the root network "
				   "namespace");
		return 2;
	}
	/* IPPROTO_RAW: the packet carries its own IP header (and the spoofed source). */
	fd = socket(o.to.family, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		fprintf(stderr, "dw-flood: raw socket: %s (needs CAP_NET_RAW)\n", strerror(errno));
		return 1;
	}
	if (flood_run(fd, &o, &res)) {
		close(fd);
		return 1;
	}
	close(fd);
	printf("flood_sent %llu packets\n", (unsigned long long)res.sent);
	printf("flood_send_failed %llu packets\n", (unsigned long long)res.failed);
	printf("flood_seconds %.3f s\n", (double)res.ns / 1e9);
	printf("flood_rate %.0f pps (target %ld)\n", (double)res.sent * 1e9 / (double)res.ns,
	       o.rate);
	return 0;
}
