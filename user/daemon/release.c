// SPDX-License-Identifier: BSD-2-Clause
/*
 * release.c: held frames back into the data path. The XDP program that runs
 * the live frame is not the device's: the device's own XDP hook does not see
 * the frame again, so it cannot be held twice; tc ingress and egress hooks do
 * see it, and pass it on its ALLOW verdict (or, on egress, its mark).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "daemon/release.h"

/* The kernel's ENOTSUPP (524), which BPF_PROG_RUN returns for unsupported modes. */
#define ENOTSUPP_ERRNO 524
#include "daemon/verdict_map.h"

struct release {
	int xdp_pass_fd;
	int packet_fd;
	int raw4_fd, raw6_fd; /* IPPROTO_RAW: the kernel takes the IP header as given */
	bool live_refused;    /* this kernel refuses live frames: ingress goes raw */
	int proofs_fd;	      /* DW_MAP_RELEASE_PROOFS, or -1 (copies rely on their verdict) */
	struct release_stats st;
};

/* r0 = XDP_PASS; exit. Small enough to write as instructions. */
static int load_xdp_pass(void)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "dw_release", "Dual BSD/GPL", insns, 2, NULL);

	if (fd < 0)
		pr_err("release: load the XDP_PASS release program: %s", strerror(-fd));
	return fd;
}

static int open_packet_socket(void)
{
	unsigned mark = DW_RELEASE_MARK;
	/* Protocol 0: this socket only sends, it never receives a copy of traffic. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		pr_err("release: AF_PACKET socket: %s", strerror(errno));
		return -errno;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		int err = -errno;

		pr_err("release: SO_MARK 0x%x on the AF_PACKET socket: %s", mark, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

/* A raw IP socket for family that sends packets whose IP header it is given, marked. */
static int open_raw_socket(int family)
{
	unsigned mark = DW_RELEASE_MARK;
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0) {
		pr_err("release: raw IPv%d socket: %s", family == AF_INET6 ? 6 : 4,
		       strerror(errno));
		return -errno;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		int err = -errno;

		pr_err("release: SO_MARK 0x%x on the raw IPv%d socket: %s", mark,
		       family == AF_INET6 ? 6 : 4, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

struct release *release_new(void)
{
	struct release *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->proofs_fd = -1;
	r->xdp_pass_fd = load_xdp_pass();
	r->packet_fd = open_packet_socket();
	r->raw4_fd = open_raw_socket(AF_INET);
	r->raw6_fd = open_raw_socket(AF_INET6);
	if (r->xdp_pass_fd < 0 && r->packet_fd < 0) {
		release_free(r);
		return NULL;
	}
	return r;
}

void release_free(struct release *r)
{
	if (!r)
		return;
	if (r->xdp_pass_fd >= 0)
		close(r->xdp_pass_fd);
	if (r->packet_fd >= 0)
		close(r->packet_fd);
	if (r->raw4_fd >= 0)
		close(r->raw4_fd);
	if (r->raw6_fd >= 0)
		close(r->raw6_fd);
	free(r);
}

int release_xdp_live(struct release *r, int ifindex, const void *frame, uint32_t len)
{
	struct xdp_md ctx = {.data = 0, .data_end = len, .ingress_ifindex = ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int err;

	if (r->xdp_pass_fd < 0)
		return -EOPNOTSUPP;
	err = bpf_prog_test_run_opts(r->xdp_pass_fd, &opts);
	if (err)
		return err < 0 ? err : -EIO;
	r->st.xdp_live++;
	return 0;
}

int release_packet(struct release *r, int ifindex, const void *frame, uint32_t len)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = ifindex};
	const struct ethhdr *eth = frame;

	if (r->packet_fd < 0)
		return -EOPNOTSUPP;
	if (len < sizeof(*eth))
		return -EINVAL;
	sll.sll_protocol = eth->h_proto;
	if (sendto(r->packet_fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
	    (ssize_t)len)
		return -errno;
	r->st.packet++;
	return 0;
}

/*
 * The IP packet of a held frame (from l3_off, exactly as long as its header
 * says: a frame may carry Ethernet padding), sent from this namespace with its
 * own header: the kernel routes it to its destination, a workload behind a
 * veth or a socket of this host, with the resolver's source address intact.
 */
int release_raw_ip(struct release *r, const uint8_t *frame, uint32_t len, uint16_t l3_off,
		   uint8_t l3)
{
	const uint8_t *ip = frame + l3_off;
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	size_t ip_len;
	int fd;

	if (l3 == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		if ((size_t)l3_off + 20 > len)
			return -EINVAL;
		ip_len = (size_t)(ip[2] << 8 | ip[3]);
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ip + 16, 4);
		sl = sizeof(*sin);
		fd = r->raw4_fd;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		if ((size_t)l3_off + 40 > len)
			return -EINVAL;
		ip_len = 40 + (size_t)(ip[4] << 8 | ip[5]);
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ip + 24, 16);
		sl = sizeof(*sin6);
		fd = r->raw6_fd;
	}
	if (fd < 0)
		return -EOPNOTSUPP;
	if (ip_len > len - l3_off)
		return -EINVAL;
	if (sendto(fd, ip, ip_len, 0, (struct sockaddr *)&ss, sl) != (ssize_t)ip_len)
		return -errno;
	r->st.raw++;
	return 0;
}

/*
 * An ingress hook's held frame: live frames where the kernel allows them, else
 * (some kernels refuse BPF_PROG_RUN with live frames: EPERM, even to root) the
 * raw IP send, decided once and said once.
 */
static int release_ingress(struct release *r, const struct dw_punt *p, const uint8_t *frame)
{
	int err;

	if (!r->live_refused) {
		err = release_xdp_live(r, p->ifindex, frame, p->pkt_len);
		if (err != -EPERM && err != -EOPNOTSUPP && err != -ENOTSUPP_ERRNO)
			return err;
		r->live_refused = true;
		pr_warn("release: this kernel refuses BPF_PROG_RUN with live frames (%s); held "
			"ingress replies are re-sent as IP packets from this namespace",
			strerror(-err));
	}
	return release_raw_ip(r, frame, p->pkt_len, p->l3_off, p->l3);
}

/* Extension headers walked before UDP/TCP; the data plane's parser stops at the same depth. */
#define IP6_EXT_MAX 4

/*
 * Find the upper-layer header of an IPv6 packet behind hop-by-hop, routing,
 * destination options and AH headers. Refused: a fragment header (the
 * checksum covers the whole datagram, not this frame), a routing header with
 * segments left (the pseudo-header's destination is then the final one, not
 * the header's), a chain deeper than IP6_EXT_MAX or past the payload, and an
 * upper layer other than proto. Sets *l4_off and *l4_len (the upper-layer
 * length of the pseudo-header). Returns 0 or -EINVAL.
 */
static int ip6_upper(const uint8_t *frame, size_t len, size_t l3_off, uint8_t proto, size_t *l4_off,
		     size_t *l4_len)
{
	const uint8_t *ip = frame + l3_off;
	size_t end = l3_off + 40 + (size_t)(ip[4] << 8 | ip[5]), off = l3_off + 40;
	uint8_t nh = ip[6];
	int i;

	if (end > len)
		return -EINVAL;
	for (i = 0; nh != proto; i++) {
		size_t hlen;

		if (i == IP6_EXT_MAX || off + 8 > end)
			return -EINVAL;
		if (nh == 0 || nh == 60)
			hlen = ((size_t)frame[off + 1] + 1) * 8;
		else if (nh == 43 && frame[off + 3] == 0)
			hlen = ((size_t)frame[off + 1] + 1) * 8;
		else if (nh == 51)
			hlen = ((size_t)frame[off + 1] + 2) * 4;
		else
			return -EINVAL; /* a fragment, a routing header in transit, or another protocol */
		nh = frame[off];
		off += hlen;
	}
	if (off > end)
		return -EINVAL;
	*l4_off = off;
	*l4_len = end - off;
	return 0;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

/*
 * Between veths a UDP or TCP checksum is often only partial (offloaded: the
 * receiver is told to trust it). A re-injected copy carries no such promise,
 * so its checksum is completed here; a checksum that was complete already
 * comes out the same. The DNS bytes are never touched.
 */
int release_fix_l4_csum(uint8_t *frame, uint32_t len, uint16_t l3_off, uint8_t l3, uint8_t proto)
{
	const uint8_t *ip = frame + l3_off;
	uint8_t pseudo[40] = {0};
	size_t l4_off, l4_len, plen, csum_at;
	uint32_t sum;
	uint16_t csum;

	if (l3 == 4) {
		if ((size_t)l3_off + 20 > len)
			return -EINVAL;
		l4_off = l3_off + (size_t)(ip[0] & 15) * 4;
		l4_len = (size_t)(ip[2] << 8 | ip[3]);
		if (l4_len < (size_t)(ip[0] & 15) * 4)
			return -EINVAL;
		l4_len -= (size_t)(ip[0] & 15) * 4;
		memcpy(pseudo, ip + 12, 8);
		pseudo[9] = proto;
		pseudo[10] = (uint8_t)(l4_len >> 8);
		pseudo[11] = (uint8_t)l4_len;
		plen = 12;
	} else {
		if ((size_t)l3_off + 40 > len ||
		    ip6_upper(frame, len, l3_off, proto, &l4_off, &l4_len))
			return -EINVAL;
		memcpy(pseudo, ip + 8, 32);
		pseudo[34] = (uint8_t)(l4_len >> 8);
		pseudo[35] = (uint8_t)l4_len;
		pseudo[39] = proto;
		plen = 40;
	}
	csum_at = l4_off + (proto == IPPROTO_TCP ? 16 : 6);
	if (l4_off + l4_len > len || l4_len < (proto == IPPROTO_TCP ? 20u : 8u))
		return -EINVAL;
	frame[csum_at] = frame[csum_at + 1] = 0;
	sum = csum_add(csum_add(0, pseudo, plen), frame + l4_off, l4_len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	if (!csum && proto == IPPROTO_UDP)
		csum = 0xffff; /* 0 means "no checksum" (IPv4) or is invalid (IPv6) */
	frame[csum_at] = (uint8_t)(csum >> 8);
	frame[csum_at + 1] = (uint8_t)csum;
	return 0;
}

void release_set_proofs(struct release *r, int proofs_fd)
{
	r->proofs_fd = proofs_fd;
}

int release_prove(struct release *r, const struct dw_punt *p)
{
	struct dw_release_proof pr = {.key = p->key, .dns_len = p->dns_len};
	uint64_t expires = verdict_now_ns() + DW_RELEASE_PROOF_NS;
	int err;

	if (r->proofs_fd < 0 || p->l4 != IPPROTO_UDP)
		return -EOPNOTSUPP;
	if (p->dns_off < 8 || (uint32_t)p->dns_off + 2 > p->pkt_len)
		return -EINVAL;
	memcpy(pr.id, p->pkt + p->dns_off, 2);
	memcpy(pr.dport, p->pkt + p->dns_off - 6, 2);
	if (!bpf_map_update_elem(r->proofs_fd, &pr, &expires, BPF_ANY))
		return 0;
	err = -errno;
	if (r->st.proofs_failed++ < 10)
		pr_warn("release: cannot write the release proof of a %u-byte reply: %s",
			p->dns_len, strerror(-err));
	return err;
}

int release_frame(struct release *r, const struct dw_punt *p)
{
	uint64_t t0 = verdict_now_ns(), t1;
	uint8_t frame[DW_PUNT_PKT_MAX];
	int err;

	if (p->pkt_len > sizeof(frame))
		return -EINVAL;
	memcpy(frame, p->pkt, p->pkt_len);
	err = release_fix_l4_csum(frame, p->pkt_len, p->l3_off, p->l3, p->l4);
	if (err)
		goto out;
	release_prove(r, p); /* without it the copy meets its verdict: slower, never wrong */
	if (p->hook == DW_HOOK_TC_EGRESS)
		err = release_packet(r, p->ifindex, frame, p->pkt_len);
	else
		err = release_ingress(r, p, frame);
out:
	t1 = verdict_now_ns();
	r->st.syscall_ns += t1 - t0;
	if (err) {
		if (r->st.failed++ < 10)
			pr_warn("release: re-inject %u bytes on ifindex %u (hook %u): %s",
				p->pkt_len, p->ifindex, p->hook, strerror(-err));
		return err;
	}
	if (t1 > p->ts_ns) {
		r->st.hold_ns_total += t1 - p->ts_ns;
		if (t1 - p->ts_ns > r->st.hold_ns_max)
			r->st.hold_ns_max = t1 - p->ts_ns;
	}
	return 0;
}

int release_packet_fd(struct release *r)
{
	return r->packet_fd;
}

void release_get_stats(const struct release *r, struct release_stats *out)
{
	*out = r->st;
}
