// SPDX-License-Identifier: BSD-2-Clause
/*
 * metrics.c: the Prometheus endpoint (see metrics.h). libmicrohttpd runs in
 * its external-epoll mode: its epoll descriptor sits on the loop, and a
 * timer lets it expire idle connections. Bounds: METRICS_CONNECTIONS_MAX
 * connections at once, METRICS_TIMEOUT_S for a request to arrive and its
 * answer to be read, METRICS_REQUEST_MEM for a request's headers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "common/log.h"
#include "daemon/metrics.h"

#define METRICS_CONNECTIONS_MAX 32
#define METRICS_TIMEOUT_S	10
#define METRICS_REQUEST_MEM	16384
#define METRICS_TICK_MS		1000
/* MHD_run calls in a row while it says work is pending (bounded: the loop serves others too). */
#define METRICS_RUNS_MAX 8

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct loop *loop;
	metrics_write_fn write;
	void *ctx;
	struct MHD_Daemon *mhd;
	int listen_fd, epoll_fd, timer;
};

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t hl;
	long port;

	if (!colon || colon == listen)
		return -EINVAL;
	hl = (size_t)(colon - listen);
	if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port < 1 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer_metrics(struct metrics *m, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	int rc;

	if (!f)
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	rc = m->write(m->ctx, f);
	fclose(f);
	if (rc) {
		free(body);
		pr_warn("metrics: cannot render the metrics: %s", strerror(-rc));
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics unavailable\n");
	}
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET or HEAD /metrics; anything else is refused without reading a body. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_ctx)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/metrics"))
		return answer_text(c, MHD_HTTP_NOT_FOUND,
				   "not found: the metrics are at /metrics\n");
	return answer_metrics(cls, c);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	pr_debug("metrics: %s", msg);
}

static void run(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG wait_ms;
	int i;

	for (i = 0; i < METRICS_RUNS_MAX; i++) {
		MHD_run(m->mhd);
		if (MHD_get_timeout(m->mhd, &wait_ms) != MHD_YES || wait_ms)
			break;
	}
}

static void on_epoll(struct loop *l, int fd, uint32_t events, void *ctx)
{
	run(ctx);
}

static void on_tick(struct loop *l, void *ctx)
{
	run(ctx);
}

static int bind_listener(const char *listen_addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (parse_listen(listen_addr, &ss, &len)) {
		pr_err("metrics: cannot parse listen address '%s'", listen_addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, METRICS_CONNECTIONS_MAX) < 0) {
		int err = -errno;

		pr_err("metrics: listen on %s: %s", listen_addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

static struct MHD_Daemon *start_mhd(struct metrics *m)
{
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, m,
				MHD_OPTION_LISTEN_SOCKET, m->listen_fd, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)METRICS_CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)METRICS_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)METRICS_REQUEST_MEM, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
				m, MHD_OPTION_END);
}

struct metrics *metrics_start(struct loop *loop, metrics_write_fn write, void *ctx,
			      const char *listen_addr)
{
	struct metrics *m = calloc(1, sizeof(*m));
	const union MHD_DaemonInfo *info;

	if (!m)
		return NULL;
	m->loop = loop;
	m->write = write;
	m->ctx = ctx;
	m->timer = -1;
	m->listen_fd = bind_listener(listen_addr);
	if (m->listen_fd < 0) {
		free(m);
		return NULL;
	}
	m->mhd = start_mhd(m);
	info = m->mhd ? MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		pr_err("metrics: libmicrohttpd did not start on %s", listen_addr);
		goto fail;
	}
	m->epoll_fd = info->epoll_fd;
	m->timer = loop_add_timer(loop, METRICS_TICK_MS, on_tick, m);
	if (m->timer < 0 || loop_add_fd(loop, m->epoll_fd, EPOLLIN, on_epoll, m)) {
		pr_err("metrics: cannot watch the HTTP server on the loop");
		goto fail;
	}
	pr_info("metrics on http://%s/metrics", listen_addr);
	return m;
fail:
	if (m->timer >= 0)
		loop_del_timer(loop, m->timer);
	if (m->mhd)
		MHD_stop_daemon(m->mhd); /* closes the listening socket it was given */
	else
		close(m->listen_fd);
	free(m);
	return NULL;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	loop_del_fd(m->loop, m->epoll_fd);
	loop_del_timer(m->loop, m->timer);
	MHD_stop_daemon(m->mhd); /* closes the listening socket too */
	free(m);
}
