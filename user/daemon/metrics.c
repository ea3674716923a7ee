// SPDX-License-Identifier: BSD-2-Clause
/*
 * metrics.c: the Prometheus endpoint. A scrape is answered at once: accept,
 * write the whole response (a few KB, fits the socket buffer), close. The
 * request itself is not read beyond what arrived: every path gets the metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/log.h"
#include "daemon/metrics.h"

#define METRICS_BODY_MAX 65536

struct metrics {
	struct loop *loop;
	metrics_stats_fn stats;
	void *ctx;
	int fd;
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

/* "name value" lines from the owner's stats become "dnsward_name value". */
static size_t render(struct metrics *m, char *body, size_t cap)
{
	char *stats = NULL, *line, *save = NULL;
	size_t slen = 0, n = 0;
	FILE *f = open_memstream(&stats, &slen);

	if (!f)
		return 0;
	m->stats(m->ctx, f);
	fclose(f);
	for (line = strtok_r(stats, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int w = snprintf(body + n, cap - n, "dnsward_%s\n", line);

		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	free(stats);
	return n;
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct metrics *m = ctx;
	char *body = malloc(METRICS_BODY_MAX), head[160], req[1024];
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	size_t blen;

	if (c < 0 || !body) {
		free(body);
		if (c >= 0)
			close(c);
		return;
	}
	if (recv(c, req, sizeof(req), MSG_DONTWAIT) < 0 && errno != EAGAIN)
		goto out;
	blen = render(m, body, METRICS_BODY_MAX);
	snprintf(head, sizeof(head),
		 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 blen);
	if (send(c, head, strlen(head), MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
		send(c, body, blen, MSG_NOSIGNAL | MSG_DONTWAIT);
out:
	close(c);
	free(body);
}

struct metrics *metrics_start(struct loop *loop, metrics_stats_fn stats, void *ctx,
			      const char *listen_addr)
{
	struct sockaddr_storage ss;
	struct metrics *m;
	socklen_t len;
	int one = 1;

	if (parse_listen(listen_addr, &ss, &len)) {
		pr_err("metrics: cannot parse listen address '%s'", listen_addr);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->loop = loop;
	m->stats = stats;
	m->ctx = ctx;
	m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(m->fd, (struct sockaddr *)&ss, len) < 0 || listen(m->fd, 8) < 0 ||
	    loop_add_fd(loop, m->fd, EPOLLIN, on_accept, m)) {
		pr_err("metrics: listen on %s: %s", listen_addr, strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return NULL;
	}
	pr_info("metrics on http://%s/metrics", listen_addr);
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	loop_del_fd(m->loop, m->fd);
	close(m->fd);
	free(m);
}
