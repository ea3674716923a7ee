// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_upstream_tls.c: the DoT client against a TLS server in this process
 * that can misbehave on purpose (what a real resolver never does): replies
 * that announce less than a DNS header, carry another ID, stop half way, or a
 * server that closes after each answer. Also: pins (match, mismatch with the
 * key the server showed), connection reuse, the pin format. The server has a
 * key and self-signed certificate made at start, and listens on 127.0.0.1 in
 * a private network namespace the test creates for itself.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "harness.h"
#include "validator/upstream_tls.h"

#define SRV_PORT      8853
#define SRV_POLLS_MAX 600 /* accept polls of 100 ms: the server thread ends within a minute */
#define SRV_MSGS_MAX  16  /* queries served per connection */

enum srv_mode { SRV_ECHO, SRV_ONE_PER_CONN, SRV_SHORT_LEN, SRV_WRONG_ID, SRV_TRUNCATED };

static struct {
	SSL_CTX *ctx;
	int lfd;
	volatile int mode;
	volatile int accepted;
	volatile int stop;
	char pin[64];
} srv = {.lfd = -1};

static int read_full(SSL *ssl, uint8_t *buf, int len)
{
	int got = 0, n;

	while (got < len) {
		n = SSL_read(ssl, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* Answer one framed query as the mode says; -1 ends the connection. */
static int srv_answer(SSL *ssl)
{
	uint8_t hdr[2], msg[512], out[2 + 512];
	int len;

	if (read_full(ssl, hdr, 2))
		return -1;
	len = hdr[0] << 8 | hdr[1];
	if (len < 12 || len > (int)sizeof(msg) || read_full(ssl, msg, len))
		return -1;
	msg[2] |= 0x80; /* QR: the query itself, answered */
	if (srv.mode == SRV_WRONG_ID)
		msg[1] ^= 0x01;
	out[0] = len >> 8;
	out[1] = len & 0xff;
	memcpy(out + 2, msg, len);
	if (srv.mode == SRV_SHORT_LEN) {
		out[0] = 0, out[1] = 5;
		len = 5;
	} else if (srv.mode == SRV_TRUNCATED) {
		out[0] = 0x02, out[1] = 0x00; /* 512 announced, len bytes sent */
	}
	if (SSL_write(ssl, out, len + 2) != len + 2)
		return -1;
	return srv.mode == SRV_ECHO || srv.mode == SRV_WRONG_ID ? 0 : -1;
}

static void srv_conn(int fd)
{
	struct timeval tv = {.tv_sec = 2};
	SSL *ssl = SSL_new(srv.ctx);
	int i;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ssl && SSL_set_fd(ssl, fd) && SSL_accept(ssl) == 1)
		for (i = 0; i < SRV_MSGS_MAX && !srv.stop; i++)
			if (srv_answer(ssl))
				break;
	SSL_free(ssl);
	close(fd);
}

static void *srv_main(void *arg)
{
	sigset_t pipe_set;
	int i;

	/* Writes to a client that went away raise SIGPIPE here, in this thread only. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);

	for (i = 0; i < SRV_POLLS_MAX && !srv.stop; i++) {
		struct pollfd pfd = {.fd = srv.lfd, .events = POLLIN};
		int fd;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fd = accept(srv.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		srv.accepted++;
		srv_conn(fd);
	}
	return NULL;
}

/* A fresh P-256 key and a self-signed certificate; the key's pin goes to srv.pin. */
static int srv_credentials(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	unsigned char *der = NULL;
	int len, rc = -1;

	if (!key || !x)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"dot.invalid", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	len = i2d_PUBKEY(key, &der);
	if (!X509_sign(x, key, EVP_sha256()) || len <= 0 ||
	    upstream_tls_pin_of_spki(der, len, srv.pin, sizeof(srv.pin)))
		goto out;
	srv.ctx = SSL_CTX_new(TLS_server_method());
	if (srv.ctx && SSL_CTX_use_certificate(srv.ctx, x) && SSL_CTX_use_PrivateKey(srv.ctx, key))
		rc = 0;
out:
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int netns_lo_up(void)
{
	struct ifreq ifr = {0};
	int s, rc;

	if (unshare(CLONE_NEWNET))
		return -errno;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!rc)
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc ? -errno : 0;
}

static struct sockaddr_in srv_addr(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SRV_PORT)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int srv_start(pthread_t *th)
{
	struct sockaddr_in a = srv_addr();
	int one = 1;

	if (srv_credentials())
		return -1;
	srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.lfd < 0)
		return -1;
	setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv.lfd, (struct sockaddr *)&a, sizeof(a)) || listen(srv.lfd, 8))
		return -1;
	return pthread_create(th, NULL, srv_main, NULL);
}

static void pinned_upstream(struct cfg_upstream *u, const char *pin)
{
	struct sockaddr_in a = srv_addr();

	memset(u, 0, sizeof(*u));
	memcpy(&u->addr, &a, sizeof(a));
	u->addr_len = sizeof(a);
	u->transport = CFG_TRANSPORT_TLS;
	snprintf(u->pins[0], sizeof(u->pins[0]), "%s", pin);
	u->n_pins = 1;
	u->timeout_ms = 3000;
}

/* A query for ./A with the given ID; returns its length. */
static size_t query(uint8_t *q, uint16_t id)
{
	static const uint8_t tmpl[17] = {0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};

	memcpy(q, tmpl, sizeof(tmpl));
	q[0] = id >> 8;
	q[1] = id & 0xff;
	return sizeof(tmpl);
}

/* One exchange over t; rc, and the reply checked to be our query answered. */
static int ask(struct upstream_tls *t, const struct cfg_upstream *u, uint16_t id, char *why,
	       size_t why_len)
{
	uint8_t q[32], *r = NULL;
	size_t qlen = query(q, id), rlen = 0;
	int rc;

	why[0] = 0;
	rc = upstream_tls_exchange(t, 0, u, q, qlen, u->timeout_ms, &r, &rlen, why, why_len);
	if (!rc) {
		CHECK_EQ_INT(rlen, qlen);
		CHECK(rlen == qlen && r[0] == q[0] && r[1] == q[1] && (r[2] & 0x80));
	} else {
		CHECK(r == NULL);
	}
	free(r);
	return rc;
}

static void test_pin_format(void)
{
	char out[64];

	/* SHA-256 of no bytes, a published test vector. */
	CHECK_EQ_INT(upstream_tls_pin_of_spki((const uint8_t *)"", 0, out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	CHECK_EQ_INT(upstream_tls_pin_of_spki((const uint8_t *)"", 0, out, 51), -EINVAL);
}

static void test_pinned_exchange_reuses_connection(void)
{
	struct upstream_tls *t = upstream_tls_new();
	struct cfg_upstream u;
	char why[256];
	int before = srv.accepted, i;

	pinned_upstream(&u, srv.pin);
	srv.mode = SRV_ECHO;
	for (i = 0; i < 3; i++)
		CHECK_EQ_INT(ask(t, &u, 0x1000 + i, why, sizeof(why)), 0);
	CHECK_EQ_INT(srv.accepted - before, 1);
	upstream_tls_free(t);
}

static void test_reconnects_when_server_closed(void)
{
	struct upstream_tls *t = upstream_tls_new();
	struct cfg_upstream u;
	char why[256];
	int before = srv.accepted;

	pinned_upstream(&u, srv.pin);
	srv.mode = SRV_ONE_PER_CONN;
	CHECK_EQ_INT(ask(t, &u, 0x2001, why, sizeof(why)), 0);
	usleep(50 * 1000); /* let the server's close arrive; either way the query must succeed */
	CHECK_EQ_INT(ask(t, &u, 0x2002, why, sizeof(why)), 0);
	CHECK_EQ_INT(srv.accepted - before, 2);
	upstream_tls_free(t);
}

static void test_pin_mismatch_names_the_key(void)
{
	struct upstream_tls *t = upstream_tls_new();
	struct cfg_upstream u;
	char why[256], want[128];

	pinned_upstream(&u, "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	srv.mode = SRV_ECHO;
	CHECK_EQ_INT(ask(t, &u, 0x3001, why, sizeof(why)), -EACCES);
	snprintf(want, sizeof(want), "pin mismatch: got %s", srv.pin);
	CHECK_EQ_STR(why, want);
	upstream_tls_free(t);
}

/* Lines of stderr that contain needle while fn runs. */
static int stderr_lines_with(void (*fn)(void), const char *needle)
{
	FILE *tf = tmpfile();
	char line[512];
	int saved, n = 0;

	if (!tf)
		return -1;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tf), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tf);
	while (n < 1000 && fgets(line, sizeof(line), tf))
		n += strstr(line, needle) != NULL;
	fclose(tf);
	return n;
}

static void three_refusals(void)
{
	struct upstream_tls *t = upstream_tls_new();
	struct cfg_upstream u;
	char why[256];
	int i;

	pinned_upstream(&u, "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	srv.mode = SRV_ECHO;
	for (i = 0; i < 3; i++)
		CHECK_EQ_INT(ask(t, &u, 0x3100 + i, why, sizeof(why)), -EACCES);
	upstream_tls_free(t);
}

/* A broken upstream cannot flood the log: the same failure is logged once per 10 s. */
static void test_repeated_failure_logged_once(void)
{
	CHECK_EQ_INT(stderr_lines_with(three_refusals, "pin mismatch"), 1);
}

static void test_self_signed_without_pins_refused(void)
{
	struct upstream_tls *t = upstream_tls_new();
	struct cfg_upstream u;
	char why[256];

	pinned_upstream(&u, srv.pin);
	u.n_pins = 0;
	snprintf(u.tls_name, sizeof(u.tls_name), "dot.invalid");
	CHECK_EQ_INT(ask(t, &u, 0x4001, why, sizeof(why)), -ECONNABORTED);
	CHECK(strstr(why, "handshake failed: certificate verify failed") != NULL);
	upstream_tls_free(t);
}

static void expect_bad_reply(enum srv_mode mode, const char *reason)
{
	struct upstream_tls *t = upstream_tls_new();
	struct cfg_upstream u;
	char why[256];
	int rc;

	pinned_upstream(&u, srv.pin);
	srv.mode = mode;
	rc = ask(t, &u, 0x5001, why, sizeof(why));
	CHECK(rc < 0 && rc != -ETIMEDOUT);
	if (reason)
		CHECK(strstr(why, reason) != NULL);
	if (!reason || !strstr(why, reason))
		fprintf(stderr, "  rc %d: %s\n", rc, why);
	upstream_tls_free(t);
}

static void test_reply_shorter_than_header(void)
{
	expect_bad_reply(SRV_SHORT_LEN, "shorter than a DNS header");
}

static void test_reply_with_other_id(void)
{
	expect_bad_reply(SRV_WRONG_ID, "does not match the query");
}

static void test_reply_cut_short(void)
{
	expect_bad_reply(SRV_TRUNCATED, "read failed");
}

static void test_slot_out_of_range(void)
{
	struct upstream_tls *t = upstream_tls_new();
	struct cfg_upstream u;
	uint8_t q[32], *r = NULL;
	size_t rlen = 0;
	char why[128];

	pinned_upstream(&u, srv.pin);
	CHECK_EQ_INT(upstream_tls_exchange(t, CFG_UPSTREAMS_MAX, &u, q, query(q, 1), 100, &r, &rlen,
					   why, sizeof(why)),
		     -EINVAL);
	upstream_tls_free(t);
}

int main(void)
{
	pthread_t th;

	RUN_TEST(test_pin_format);
	if (netns_lo_up() || srv_start(&th)) {
		printf("SKIP upstream_tls_server: needs a private network namespace (root)\n");
		HARNESS_EXIT();
	}
	RUN_TEST(test_pinned_exchange_reuses_connection);
	RUN_TEST(test_reconnects_when_server_closed);
	RUN_TEST(test_pin_mismatch_names_the_key);
	RUN_TEST(test_repeated_failure_logged_once);
	RUN_TEST(test_self_signed_without_pins_refused);
	RUN_TEST(test_reply_shorter_than_header);
	RUN_TEST(test_reply_with_other_id);
	RUN_TEST(test_reply_cut_short);
	RUN_TEST(test_slot_out_of_range);
	srv.stop = 1;
	pthread_join(th, NULL);
	close(srv.lfd);
	SSL_CTX_free(srv.ctx);
	HARNESS_EXIT();
}
