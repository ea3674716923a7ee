// SPDX-License-Identifier: BSD-2-Clause
/*
 * control_client.c: one request, one answer. The answer's first line is the
 * status ("ok", "error: ...", "refused: ...", "denied: ..."); the rest is
 * the body (docs/control.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/config.h"
#include "cli/control_client.h"

/* A reload probes every zone, which may take a while on a slow upstream. */
#define CTL_CLIENT_TIMEOUT_S 120
#define CTL_ANSWER_MAX	     (4 << 20)

static int connect_to(const char *path, const char *cmd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CTL_CLIENT_TIMEOUT_S};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dnsward: %s: socket path too long: %s\n", cmd, path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		fprintf(stderr, "dnsward: %s: cannot reach the daemon at %s: %s\n", cmd, path,
			strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static char *read_answer(int fd, const char *cmd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *bigger = cap < CTL_ANSWER_MAX ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				fprintf(stderr, "dnsward: %s: answer too long\n", cmd);
				free(buf);
				return NULL;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "dnsward: %s: no answer from the daemon: %s\n", cmd,
				strerror(errno));
			free(buf);
			return NULL;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int control_client_request(const char *socket_path, const char *request, const char *cmd)
{
	size_t len = strlen(request), off = 0;
	char *answer, *body;
	int fd = connect_to(socket_path, cmd), rc;

	if (fd < 0)
		return fd == -ENAMETOOLONG ? CTL_EXIT_USAGE : CTL_EXIT_UNREACHABLE;
	while (off <= len) {
		/* The request and its newline. */
		const char *p = off < len ? request + off : "\n";
		ssize_t n = send(fd, p, off < len ? len - off : 1, MSG_NOSIGNAL);

		if (n <= 0) {
			fprintf(stderr, "dnsward: %s: cannot send to the daemon at %s: %s\n", cmd,
				socket_path, n < 0 ? strerror(errno) : "closed");
			close(fd);
			return CTL_EXIT_UNREACHABLE;
		}
		off += off < len ? (size_t)n : 1;
	}
	answer = read_answer(fd, cmd);
	close(fd);
	if (!answer)
		return CTL_EXIT_UNREACHABLE;
	body = strchr(answer, '\n');
	if (body)
		*body++ = '\0';
	if (!strcmp(answer, "ok")) {
		fputs(body ? body : "", stdout);
		rc = CTL_EXIT_OK;
	} else {
		fputs(body ? body : "", stdout);
		fprintf(stderr, "dnsward: %s: %s\n", cmd, answer[0] ? answer : "no answer");
		rc = CTL_EXIT_FAILED;
	}
	free(answer);
	return rc;
}

int control_client_socket(const char *config, const char *socket, const char *cmd, char *out,
			  size_t out_len)
{
	struct dw_config *cfg;
	char err[1024];

	if (socket) {
		snprintf(out, out_len, "%s", socket);
		return 0;
	}
	if (!config) {
		snprintf(out, out_len, "%s", CTL_DEFAULT_SOCKET);
		return 0;
	}
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		fprintf(stderr, "dnsward: %s: out of memory\n", cmd);
		return CTL_EXIT_FAILED;
	}
	if (config_load(config, cfg, err, sizeof(err))) {
		fprintf(stderr, "dnsward: %s: %s\n", cmd, err);
		free(cfg);
		return CTL_EXIT_FAILED;
	}
	snprintf(out, out_len, "%s", cfg->control_socket);
	free(cfg);
	return 0;
}

int control_run(const char *cmd, const char *config, const char *socket, const char *request)
{
	char path[256];
	int rc = control_client_socket(config, socket, cmd, path, sizeof(path));

	if (rc)
		return rc;
	return control_client_request(path, request, cmd);
}
