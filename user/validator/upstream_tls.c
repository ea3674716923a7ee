// SPDX-License-Identifier: BSD-2-Clause
/*
 * upstream_tls.c: DNS over TLS (RFC 7858) for the validator's own queries,
 * over OpenSSL 3. TLS 1.2 or later (1.3 when the server has it), SNI from
 * tls_name. Trust is either SPKI SHA-256 pins (RFC 7858 section 4.2 style:
 * the leaf's public key must match one pin, the CA chain is not consulted)
 * or, without pins, the system CA store plus a hostname check of tls_name.
 * Messages carry the 2-byte length prefix; each exchange has one deadline
 * (connect, handshake, write and read together) from the upstream's timeout.
 * A connection is kept per upstream and reused while the server keeps it
 * open; any failure closes it, so a late reply can never answer a later query.
 * Nothing returned here is believed until DNSSEC proves it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/clock.h"
#include "common/log.h"
#include "validator/upstream_tls.h"

#define DNS_HDR_LEN   12
#define TLS_MSG_MAX   65535
#define IO_STEPS_MAX  1024 /* WANT_READ/WANT_WRITE rounds per operation; the deadline binds too */
#define PIN_TEXT_LEN  52   /* "sha256/" + 44 base64 characters + NUL */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20" /* forward secrecy, AEAD only */

#define LOG_REPEAT_MS 10000 /* the same failure of one upstream is logged once per 10 s */

struct tls_conn {
	SSL *ssl;
	int fd;
	/* the last failure logged for this upstream, so a broken one cannot flood the log */
	char logged[160];
	uint64_t logged_ms;
	unsigned suppressed;
};

struct upstream_tls {
	SSL_CTX *ctx;
	struct tls_conn kept[CFG_UPSTREAMS_MAX];
};

int upstream_wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = ev};
	uint64_t t = clock_mono_ms();

	if (t >= deadline || poll(&pfd, 1, (int)(deadline - t)) <= 0)
		return -ETIMEDOUT;
	return 0;
}

struct upstream_tls *upstream_tls_new(void)
{
	struct upstream_tls *t = calloc(1, sizeof(*t));
	int i;

	if (!t) {
		pr_err("upstream tls: out of memory for the TLS state");
		return NULL;
	}
	for (i = 0; i < CFG_UPSTREAMS_MAX; i++)
		t->kept[i].fd = -1;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx || !SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(t->ctx, TLS12_CIPHERS) ||
	    !SSL_CTX_set_default_verify_paths(t->ctx)) {
		pr_err("upstream tls: cannot make a client context: %s",
		       ERR_reason_error_string(ERR_peek_last_error()));
		SSL_CTX_free(t->ctx);
		free(t);
		return NULL;
	}
	return t;
}

static void conn_close(struct tls_conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl); /* no close_notify: the peer learns from the FIN */
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

void upstream_tls_free(struct upstream_tls *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < CFG_UPSTREAMS_MAX; i++)
		conn_close(&t->kept[i]);
	SSL_CTX_free(t->ctx);
	free(t);
}

int upstream_tls_pin_of_spki(const uint8_t *der, size_t der_len, char *out, size_t out_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (out_len < PIN_TEXT_LEN || !EVP_Digest(der, der_len, md, &md_len, EVP_sha256(), NULL) ||
	    md_len != 32)
		return -EINVAL;
	memcpy(out, "sha256/", 7);
	EVP_EncodeBlock((unsigned char *)out + 7, md, 32); /* 44 characters and a NUL */
	return 0;
}

/* The pin of the leaf certificate's SubjectPublicKeyInfo. */
static int leaf_pin(SSL *ssl, char *out, size_t out_len)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	unsigned char *der = NULL;
	int len, rc;

	if (!leaf)
		return -ENOENT;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &der);
	if (len <= 0)
		return -EINVAL;
	rc = upstream_tls_pin_of_spki(der, (size_t)len, out, out_len);
	OPENSSL_free(der);
	return rc;
}

static int pin_check(SSL *ssl, const struct cfg_upstream *u, char *why, size_t why_len)
{
	char got[PIN_TEXT_LEN];
	int i;

	if (leaf_pin(ssl, got, sizeof(got))) {
		snprintf(why, why_len, "pin check: no usable server certificate");
		return -EACCES;
	}
	for (i = 0; i < u->n_pins && i < CFG_PINS_MAX; i++)
		if (!strcmp(u->pins[i], got))
			return 0;
	snprintf(why, why_len, "pin mismatch: got %s", got);
	return -EACCES;
}

/* Describe a failed SSL call: OpenSSL's reason, and the verify result when it failed. */
static int ssl_failure(SSL *ssl, int err, const char *phase, char *why, size_t why_len)
{
	unsigned long e = ERR_peek_error();
	long vr = SSL_get_verify_result(ssl);

	if (err == SSL_ERROR_ZERO_RETURN ||
	    (err == SSL_ERROR_SYSCALL && !e && (errno == 0 || errno == ECONNRESET))) {
		snprintf(why, why_len, "%s failed: connection closed by the server", phase);
		return -ECONNRESET;
	}
	if (err == SSL_ERROR_SYSCALL && !e) {
		snprintf(why, why_len, "%s failed: %s", phase, strerror(errno));
		return errno ? -errno : -EIO;
	}
	if (strcmp(phase, "handshake")) {
		snprintf(why, why_len, "%s failed: %s", phase,
			 e ? ERR_reason_error_string(e) : "TLS error");
		return -EPROTO; /* after an accepted handshake: worth another try */
	}
	/* with pins the chain is not verified, so its result would only mislead */
	if (vr != X509_V_OK && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER))
		snprintf(why, why_len, "handshake failed: %s (%s)",
			 e ? ERR_reason_error_string(e) : "certificate verify failed",
			 X509_verify_cert_error_string(vr));
	else
		snprintf(why, why_len, "handshake failed: %s",
			 e ? ERR_reason_error_string(e) : "TLS error");
	return -ECONNABORTED;
}

/*
 * After an SSL call returned ret <= 0: wait for what it wants (0: call it
 * again) or describe the failure (-errno).
 */
static int ssl_retry(SSL *ssl, int fd, int ret, uint64_t deadline, const char *phase, char *why,
		     size_t why_len)
{
	int err = SSL_get_error(ssl, ret);
	short ev;

	if (err == SSL_ERROR_WANT_READ)
		ev = POLLIN;
	else if (err == SSL_ERROR_WANT_WRITE)
		ev = POLLOUT;
	else
		return ssl_failure(ssl, err, phase, why, why_len);
	if (upstream_wait_fd(fd, ev, deadline)) {
		snprintf(why, why_len, "timeout during %s", phase);
		return -ETIMEDOUT;
	}
	return 0;
}

static int tcp_connect(const struct cfg_upstream *u, uint64_t deadline, char *why, size_t why_len)
{
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	fd = socket(u->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		snprintf(why, why_len, "socket failed: %s", strerror(err));
		return -err;
	}
	if (connect(fd, (const struct sockaddr *)&u->addr, u->addr_len) && errno != EINPROGRESS) {
		err = errno;
	} else if (upstream_wait_fd(fd, POLLOUT, deadline)) {
		close(fd);
		snprintf(why, why_len, "timeout during connect");
		return -ETIMEDOUT;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen)) {
		err = errno;
	}
	if (err) {
		close(fd);
		snprintf(why, why_len, "connect failed: %s", strerror(err));
		return -err;
	}
	return fd;
}

/* SNI, and without pins: chain against the CA store and the name in the certificate. */
static int ssl_setup(SSL *ssl, const struct cfg_upstream *u)
{
	if (u->tls_name[0] && !SSL_set_tlsext_host_name(ssl, u->tls_name))
		return -EINVAL;
	if (u->n_pins) {
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL); /* the pin is the trust */
		return 0;
	}
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(ssl, u->tls_name) ? 0 : -EINVAL;
}

static int tls_handshake(struct tls_conn *c, uint64_t deadline, char *why, size_t why_len)
{
	int i, ret, rc;

	for (i = 0; i < IO_STEPS_MAX; i++) {
		ERR_clear_error();
		ret = SSL_connect(c->ssl);
		if (ret == 1)
			return 0;
		rc = ssl_retry(c->ssl, c->fd, ret, deadline, "handshake", why, why_len);
		if (rc)
			return rc;
	}
	snprintf(why, why_len, "handshake failed: no progress after %d rounds", IO_STEPS_MAX);
	return -EPROTO;
}

static int tls_open(struct upstream_tls *t, const struct cfg_upstream *u, struct tls_conn *c,
		    uint64_t deadline, char *why, size_t why_len)
{
	int rc;

	c->fd = tcp_connect(u, deadline, why, why_len);
	if (c->fd < 0)
		return c->fd;
	c->ssl = SSL_new(t->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || ssl_setup(c->ssl, u)) {
		snprintf(why, why_len, "cannot set up a TLS session: %s",
			 ERR_reason_error_string(ERR_peek_last_error()));
		return -ENOMEM;
	}
	rc = tls_handshake(c, deadline, why, why_len);
	if (!rc && u->n_pins)
		rc = pin_check(c->ssl, u, why, why_len);
	return rc;
}

static int tls_write_all(struct tls_conn *c, const uint8_t *buf, size_t len, uint64_t deadline,
			 char *why, size_t why_len)
{
	size_t done = 0;
	int i, ret, rc;

	for (i = 0; i < IO_STEPS_MAX && done < len; i++) {
		ERR_clear_error();
		ret = SSL_write(c->ssl, buf + done, (int)(len - done));
		if (ret > 0) {
			done += (size_t)ret;
			continue;
		}
		rc = ssl_retry(c->ssl, c->fd, ret, deadline, "write", why, why_len);
		if (rc)
			return rc;
	}
	if (done < len) {
		snprintf(why, why_len, "write failed: no progress after %d rounds", IO_STEPS_MAX);
		return -EPROTO;
	}
	return 0;
}

static int tls_read_all(struct tls_conn *c, uint8_t *buf, size_t len, uint64_t deadline, char *why,
			size_t why_len)
{
	size_t got = 0;
	int i, ret, rc;

	for (i = 0; i < IO_STEPS_MAX && got < len; i++) {
		ERR_clear_error();
		ret = SSL_read(c->ssl, buf + got, (int)(len - got));
		if (ret > 0) {
			got += (size_t)ret;
			continue;
		}
		rc = ssl_retry(c->ssl, c->fd, ret, deadline, "read", why, why_len);
		if (rc)
			return rc;
	}
	if (got < len) {
		snprintf(why, why_len, "read failed: no progress after %d rounds", IO_STEPS_MAX);
		return -EPROTO;
	}
	return 0;
}

/* One framed query out, one framed reply in; the reply must carry the query's ID. */
static int tls_roundtrip(struct tls_conn *c, const uint8_t *wire, size_t wlen, uint64_t deadline,
			 uint8_t **reply, size_t *rlen, char *why, size_t why_len)
{
	uint8_t hdr[2], *buf;
	size_t len;
	int rc;

	if (wlen < DNS_HDR_LEN || wlen > TLS_MSG_MAX) {
		snprintf(why, why_len, "query of %zu bytes cannot be framed", wlen);
		return -EINVAL;
	}
	buf = malloc(wlen + 2);
	if (!buf) {
		snprintf(why, why_len, "out of memory for a %zu-byte query", wlen);
		return -ENOMEM;
	}
	buf[0] = wlen >> 8;
	buf[1] = wlen & 0xff;
	memcpy(buf + 2, wire, wlen); /* one write: length and message in one record */
	rc = tls_write_all(c, buf, wlen + 2, deadline, why, why_len);
	free(buf);
	if (!rc)
		rc = tls_read_all(c, hdr, 2, deadline, why, why_len);
	if (rc)
		return rc;
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len < DNS_HDR_LEN) {
		snprintf(why, why_len, "reply length %zu is shorter than a DNS header", len);
		return -EBADMSG;
	}
	buf = malloc(len);
	if (!buf) {
		snprintf(why, why_len, "out of memory for a %zu-byte reply", len);
		return -ENOMEM;
	}
	rc = tls_read_all(c, buf, len, deadline, why, why_len);
	if (!rc && memcmp(buf, wire, 2)) {
		snprintf(why, why_len, "reply ID %u does not match the query's %u",
			 buf[0] << 8 | buf[1], wire[0] << 8 | wire[1]);
		rc = -EBADMSG;
	}
	if (rc) {
		free(buf);
		return rc;
	}
	*reply = buf;
	*rlen = len;
	return 0;
}

/* A kept connection the server has closed (or sent something unasked on) is useless. */
static bool conn_idle_ok(const struct tls_conn *c)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

	return c->ssl && SSL_pending(c->ssl) == 0 && poll(&pfd, 1, 0) == 0;
}

static void addr_text(const struct cfg_upstream *u, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (u->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&u->addr;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)&u->addr;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	}
}

static void log_failure(struct tls_conn *c, const struct cfg_upstream *u, const char *why)
{
	char addr[INET6_ADDRSTRLEN + 8];
	uint64_t t = clock_mono_ms();

	if (!strncmp(c->logged, why, sizeof(c->logged) - 1) && t - c->logged_ms < LOG_REPEAT_MS) {
		c->suppressed++;
		return;
	}
	addr_text(u, addr, sizeof(addr));
	if (c->suppressed)
		pr_warn("upstream %s (tls%s%s): %s (%u earlier failures not logged)", addr,
			u->tls_name[0] ? " " : "", u->tls_name, why, c->suppressed);
	else
		pr_warn("upstream %s (tls%s%s): %s", addr, u->tls_name[0] ? " " : "", u->tls_name,
			why);
	snprintf(c->logged, sizeof(c->logged), "%s", why);
	c->logged_ms = t;
	c->suppressed = 0;
}

/* Reuse the kept connection; when the server closed it meanwhile, open one fresh. */
static int exchange(struct upstream_tls *t, struct tls_conn *c, const struct cfg_upstream *u,
		    const uint8_t *wire, size_t wlen, uint64_t deadline, uint8_t **reply,
		    size_t *rlen, char *why, size_t why_len)
{
	int rc;

	if (c->ssl && conn_idle_ok(c)) {
		rc = tls_roundtrip(c, wire, wlen, deadline, reply, rlen, why, why_len);
		if (!rc || rc == -ETIMEDOUT || rc == -EBADMSG)
			return rc;
	}
	conn_close(c);
	rc = tls_open(t, u, c, deadline, why, why_len);
	if (!rc)
		rc = tls_roundtrip(c, wire, wlen, deadline, reply, rlen, why, why_len);
	return rc;
}

int upstream_tls_exchange(struct upstream_tls *t, int slot, const struct cfg_upstream *u,
			  const uint8_t *wire, size_t wlen, int timeout_ms, uint8_t **reply,
			  size_t *rlen, char *why, size_t why_len)
{
	uint64_t deadline = clock_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 2000);
	struct tls_conn *c;
	sigset_t pipe_set, old;
	int rc;

	*reply = NULL;
	*rlen = 0;
	if (slot < 0 || slot >= CFG_UPSTREAMS_MAX) {
		snprintf(why, why_len, "upstream slot %d out of range", slot);
		pr_err("upstream tls: %s", why);
		return -EINVAL;
	}
	c = &t->kept[slot];
	/* A server that resets the connection must not kill a CLI that kept SIGPIPE. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	rc = exchange(t, c, u, wire, wlen, deadline, reply, rlen, why, why_len);
	if (rc) {
		conn_close(c);
		log_failure(c, u, why);
	}
	if (!sigismember(&old, SIGPIPE)) {
		struct timespec zero = {0, 0};

		/* drop a SIGPIPE our own write raised (standard signals do not queue) */
		sigtimedwait(&pipe_set, NULL, &zero);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	return rc;
}
