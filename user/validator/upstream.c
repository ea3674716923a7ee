// SPDX-License-Identifier: BSD-2-Clause
/*
 * upstream.c: the validator's own queries. DO+CD over UDP from a random source
 * port with a random ID (getrandom) and a 0x20-mixed name, checked on the way
 * back (address, port, ID, exact question); TCP when the reply is truncated;
 * a timeout and one retry per upstream, primary first, then the backups.
 * DoT upstreams (transport tls) go through upstream_tls.c with the same
 * random IDs and question checks, over a connection kept per upstream.
 * Nothing returned here is believed until DNSSEC proves it.
 *
 * UDP and TCP sockets carry DW_VALIDATOR_MARK and are connected to their
 * upstream, so a hook on the uplink passes their replies instead of holding
 * them (bpf/lib/selfreply.bpf.h). DoT is on port 853, which the hook never
 * takes for DNS.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/log.h"
#include "validator/upstream_tls.h"
#include "validator/val_internal.h"

#define UDP_BUF		   4096
#define EDNS_SIZE	   1232
#define TRIES_PER_UPSTREAM 2
#define PORT_TRIES	   8
#define READS_MAX	   16 /* stray datagrams tolerated per attempt */
#define TCP_MAX		   65535

static void rand_bytes(void *buf, size_t len)
{
	if (getrandom(buf, len, 0) != (ssize_t)len)
		memset(buf, 0, len); /* caller treats zeros as "no randomness": still correct DNS */
}

/* 0x20: flip the case of letters at random (a spoofer must guess every bit too). */
static void mix_case(ldns_rdf *name)
{
	uint8_t *d = ldns_rdf_data(name), r[DW_NAME_MAX + 1];
	size_t i, n = ldns_rdf_size(name);

	rand_bytes(r, n < sizeof(r) ? n : sizeof(r));
	for (i = 0; i < n && i < sizeof(r); i++) {
		uint8_t c = d[i] | 0x20;

		if (c >= 'a' && c <= 'z' && d[i] >= 'A')
			d[i] = (r[i] & 1) ? (c & ~0x20) : c;
	}
}

static ldns_pkt *make_query(struct val_work *w, const ldns_rdf *name, ldns_rr_type type)
{
	ldns_rdf *qn = ldns_rdf_clone(name);
	ldns_pkt *q;
	uint16_t id;

	if (!qn)
		return NULL;
	if (w->v->use_0x20)
		mix_case(qn);
	q = ldns_pkt_query_new(qn, type, LDNS_RR_CLASS_IN, LDNS_RD | LDNS_CD);
	if (!q)
		return NULL;
	rand_bytes(&id, sizeof(id));
	ldns_pkt_set_id(q, id);
	ldns_pkt_set_edns_udp_size(q, EDNS_SIZE);
	ldns_pkt_set_edns_do(q, true);
	return q;
}

static int bind_random_port(int fd, int family)
{
	struct sockaddr_storage ss;
	int i;

	for (i = 0; i < PORT_TRIES; i++) {
		uint16_t port;

		memset(&ss, 0, sizeof(ss));
		rand_bytes(&port, sizeof(port));
		port = 1024 + port % (65536 - 1024);
		if (family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
		}
		if (!bind(fd, (struct sockaddr *)&ss,
			  family == AF_INET6 ? sizeof(struct sockaddr_in6)
					     : sizeof(struct sockaddr_in)))
			return 0;
	}
	return 0; /* fall back to the kernel's own (randomised) ephemeral port */
}

/*
 * SO_MARK needs CAP_NET_ADMIN, which the daemon keeps. A `dnsward check` run
 * without it still works: its replies are only held while a daemon's hook
 * is attached, and then the daemon validates and releases them like any.
 */
static void mark_validator_socket(int fd)
{
	static bool told;
	uint32_t mark = DW_VALIDATOR_MARK;

	if (!setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		return;
	if (errno == EPERM) {
		if (!told)
			pr_debug("upstream: SO_MARK needs CAP_NET_ADMIN; queries go unmarked");
		told = true;
		return;
	}
	pr_warn("upstream: SO_MARK 0x%x on an upstream socket: %s", mark, strerror(errno));
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

/* The reply must echo our ID and our exact question (0x20 case included). */
static bool reply_matches(const ldns_pkt *q, const ldns_pkt *r)
{
	const ldns_rr *qq = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	const ldns_rr *rq;

	if (ldns_pkt_id(q) != ldns_pkt_id(r) || !ldns_pkt_qr(r) || ldns_pkt_qdcount(r) != 1 ||
	    !(rq = ldns_rr_list_rr(ldns_pkt_question(r), 0)))
		return false;
	if (ldns_rr_get_type(qq) != ldns_rr_get_type(rq) ||
	    ldns_rdf_size(ldns_rr_owner(qq)) != ldns_rdf_size(ldns_rr_owner(rq)))
		return false;
	return !memcmp(ldns_rdf_data(ldns_rr_owner(qq)), ldns_rdf_data(ldns_rr_owner(rq)),
		       ldns_rdf_size(ldns_rr_owner(qq)));
}

static int udp_exchange(const struct cfg_upstream *u, const ldns_pkt *q, const uint8_t *wire,
			size_t wlen, int timeout_ms, ldns_pkt **out)
{
	uint8_t buf[UDP_BUF];
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	int fd, reads, rc = -ETIMEDOUT;

	fd = socket(u->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	mark_validator_socket(fd);
	bind_random_port(fd, u->addr.ss_family);
	/* Connected: the kernel takes datagrams from the upstream only, and the
	 * hook can tell this socket's replies from a forwarded reply's. */
	if (connect(fd, (const struct sockaddr *)&u->addr, u->addr_len) < 0 ||
	    send(fd, wire, wlen, 0) < 0) {
		rc = -errno;
		goto out;
	}
	for (reads = 0; reads < READS_MAX; reads++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t t = clock_mono_ms();
		ldns_pkt *r = NULL;
		ssize_t n;

		if (t >= deadline || poll(&pfd, 1, (int)(deadline - t)) <= 0)
			break;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0 && errno == ECONNREFUSED) {
			rc = -ECONNREFUSED; /* ICMP port unreachable: nobody serves there */
			break;
		}
		if (n <= 0 || !same_addr(&from, &u->addr))
			continue;
		if (ldns_wire2pkt(&r, buf, n) != LDNS_STATUS_OK)
			continue;
		if (!reply_matches(q, r)) {
			ldns_pkt_free(r);
			continue;
		}
		*out = r;
		rc = 0;
		break;
	}
out:
	close(fd);
	return rc;
}

static int tcp_read_all(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (upstream_wait_fd(fd, POLLIN, deadline))
			return -ETIMEDOUT;
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		got += n;
	}
	return 0;
}

static int tcp_exchange(const struct cfg_upstream *u, const ldns_pkt *q, const uint8_t *wire,
			size_t wlen, int timeout_ms, ldns_pkt **out)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	uint8_t hdr[2] = {wlen >> 8, wlen & 0xff}, *buf = NULL;
	int fd, rc, err = 0;
	socklen_t elen = sizeof(err);
	size_t rlen;

	fd = socket(u->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	mark_validator_socket(fd);
	rc = connect(fd, (const struct sockaddr *)&u->addr, u->addr_len);
	if (rc && errno != EINPROGRESS) {
		rc = -errno;
		goto out;
	}
	rc = upstream_wait_fd(fd, POLLOUT, deadline);
	if (!rc && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err))
		rc = -(err ? err : EIO);
	if (rc)
		goto out;
	if (write(fd, hdr, 2) != 2 || write(fd, wire, wlen) != (ssize_t)wlen) {
		rc = -EIO;
		goto out;
	}
	rc = tcp_read_all(fd, hdr, 2, deadline);
	if (rc)
		goto out;
	rlen = (size_t)hdr[0] << 8 | hdr[1];
	buf = malloc(rlen ? rlen : 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	rc = tcp_read_all(fd, buf, rlen, deadline);
	if (!rc && ldns_wire2pkt(out, buf, rlen) != LDNS_STATUS_OK)
		rc = -EBADMSG;
	if (!rc && !reply_matches(q, *out)) {
		ldns_pkt_free(*out);
		*out = NULL;
		rc = -EBADMSG;
	}
out:
	free(buf);
	close(fd);
	return rc;
}

/* DoT: the TLS state is made on first use and lives as long as the validator. */
static int tls_exchange(struct val_work *w, int slot, const struct cfg_upstream *u,
			const ldns_pkt *q, const uint8_t *wire, size_t wlen, int timeout_ms,
			ldns_pkt **out, char *why, size_t why_len)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (!w->v->tls && !(w->v->tls = upstream_tls_new())) {
		snprintf(why, why_len, "no TLS client context");
		return -ENOMEM;
	}
	rc = upstream_tls_exchange(w->v->tls, slot, u, wire, wlen, timeout_ms, &buf, &len, why,
				   why_len);
	if (rc)
		return rc;
	if (ldns_wire2pkt(out, buf, len) != LDNS_STATUS_OK)
		rc = -EBADMSG;
	else if (!reply_matches(q, *out)) {
		ldns_pkt_free(*out);
		*out = NULL;
		rc = -EBADMSG;
	}
	if (rc)
		snprintf(why, why_len,
			 "the reply over TLS does not parse or answers another question");
	free(buf);
	return rc;
}

static int ask_one(struct val_work *w, int slot, const struct cfg_upstream *u, const ldns_rdf *name,
		   ldns_rr_type type, ldns_pkt **out, char *why, size_t why_len)
{
	int timeout = u->timeout_ms > 0 ? u->timeout_ms : 2000;
	ldns_pkt *q = make_query(w, name, type);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	int rc;

	if (!q)
		return -ENOMEM;
	if (ldns_pkt2wire(&wire, q, &wlen) != LDNS_STATUS_OK) {
		ldns_pkt_free(q);
		return -EINVAL;
	}
	if (u->transport == CFG_TRANSPORT_TLS)
		rc = tls_exchange(w, slot, u, q, wire, wlen, timeout, out, why, why_len);
	else if (u->transport == CFG_TRANSPORT_TCP)
		rc = tcp_exchange(u, q, wire, wlen, timeout, out);
	else
		rc = udp_exchange(u, q, wire, wlen, timeout, out);
	if (!rc && u->transport == CFG_TRANSPORT_UDP && ldns_pkt_tc(*out)) {
		ldns_pkt_free(*out);
		*out = NULL;
		rc = tcp_exchange(u, q, wire, wlen, timeout, out);
	}
	if (rc == -ETIMEDOUT)
		w->v->stats.upstream_timeouts++;
	LDNS_FREE(wire);
	ldns_pkt_free(q);
	return rc;
}

int upstream_query(struct val_work *w, const ldns_rdf *name, ldns_rr_type type, ldns_pkt **out,
		   char *err, size_t err_len)
{
	struct validator *v = w->v;
	char n[CFG_NAME_LEN], tb[16], why[160] = "";
	int i, t, rc = -ENOENT;
	uint64_t t0;

	name_str(name, n, sizeof(n));
	type_str(type, tb, sizeof(tb));
	*out = NULL;
	if (v->cfg.n_upstreams == 0) {
		snprintf(err, err_len, "no upstream configured to ask %s/%s", n, tb);
		return -ENOENT;
	}
	for (i = 0; i < v->cfg.n_upstreams; i++) {
		const struct cfg_upstream *u = &v->cfg.upstreams[i];

		for (t = 0; t < TRIES_PER_UPSTREAM; t++) {
			if (w->queries >= v->cfg.limits.queries_per_validation) {
				work_limit(w, "upstream queries per validation");
				snprintf(
				    err, err_len,
				    "limit: %u upstream queries per validation reached at %s/%s",
				    v->cfg.limits.queries_per_validation, n, tb);
				return -E2BIG;
			}
			w->queries++;
			v->stats.upstream_queries++;
			why[0] = 0;
			t0 = clock_mono_ns();
			rc = ask_one(w, i, u, name, type, out, why, sizeof(why));
			v->stats.upstream_ns += clock_mono_ns() - t0;
			if (rc == -EACCES || rc == -ECONNABORTED)
				break; /* a refused certificate or pin does not heal on retry */
			if (!rc) {
				int rcode = ldns_pkt_get_rcode(*out);

				if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN)
					return 0;
				ldns_pkt_free(*out);
				*out = NULL;
				rc = -EREMOTEIO;
				break; /* an answer, but an error: ask the next upstream */
			}
		}
	}
	snprintf(err, err_len, "no upstream answered %s/%s: %s", n, tb,
		 rc == -EREMOTEIO ? "server failure"
		 : why[0]	  ? why
				  : strerror(-rc));
	pr_debug("upstream: %s", err);
	return rc;
}
