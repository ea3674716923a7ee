// SPDX-License-Identifier: BSD-2-Clause
/*
 * control.c: the control socket (protocol in docs/control.md). One request
 * line per connection, answered with a status line ("ok", "error: ...",
 * "refused: ...", "denied: ...") and a body, then the server closes. Reads
 * are non-blocking on the daemon's loop, so a silent client cannot stall
 * enforcement; it is dropped after CTL_IDLE_MS. The caller comes from
 * SO_PEERCRED: changes need uid 0, and the operations table (the daemon's)
 * audits every change and every attempt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/clock.h"
#include "common/fs.h"
#include "daemon/control.h"
#include "common/log.h"

#define CTL_CLIENTS_MAX	   16
#define CTL_LINE_MAX	   1024
#define CTL_IDLE_MS	   5000
#define CTL_TICK_MS	   1000
#define CTL_SEND_TIMEOUT_S 2
#define CTL_ARGS_MAX	   4

struct ctl_client {
	struct control *owner;
	int fd; /* -1 when the slot is free */
	struct ucred cred;
	bool waiting; /* its answer comes later (a reload being probed): no timeout, no reads */
	char buf[CTL_LINE_MAX];
	size_t len;
	uint64_t since_ms;
};

struct control {
	struct control_ops ops;
	struct loop *loop;
	int fd;
	int timer_id;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client clients[CTL_CLIENTS_MAX];
};

static void client_send_close(struct control *c, struct ctl_client *cl, const char *text,
			      size_t len);

static void answer_later(void *arg, const char *text, size_t len)
{
	struct ctl_client *cl = arg;

	client_send_close(cl->owner, cl, text, len);
}

/* --- requests ------------------------------------------------------------------------ */

static bool is_change(const char *cmd)
{
	return strcmp(cmd, "status") && strcmp(cmd, "stats") && strcmp(cmd, "nta-list");
}

/* Split off at most CTL_ARGS_MAX words; the rest of the line stays in *rest. */
static int split(char *line, char **argv, char **rest)
{
	int n = 0;

	*rest = NULL;
	while (*line && n < CTL_ARGS_MAX) {
		line += strspn(line, " ");
		if (!*line)
			break;
		argv[n++] = line;
		line += strcspn(line, " ");
		if (*line)
			*line++ = '\0';
	}
	line += strspn(line, " ");
	if (*line)
		*rest = line;
	return n;
}

/* Returns 1 when the answer comes later (a reload being probed), else 0. */
static int run_request(struct control *c, const struct policy_caller *who,
		       struct ctl_client *client, char *line, FILE *out)
{
	char *argv[CTL_ARGS_MAX] = {0}, *rest, action[32], request[CTL_LINE_MAX];
	int argc;

	/* split() cuts line into words: keep the request whole for messages. */
	snprintf(request, sizeof(request), "%s", line);
	argc = split(line, argv, &rest);

	if (!argc) {
		fprintf(out, "error: empty request\n");
		return 0;
	}
	snprintf(action, sizeof(action), "%s%s%s", argv[0], argc > 1 ? "-" : "",
		 argc > 1 ? argv[1] : "");
	if (!strcmp(argv[0], "flush") || !strcmp(argv[0], "reload"))
		snprintf(action, sizeof(action), "%s", argv[0]);
	if (who->kind == CALLER_PEER && who->uid != 0 && is_change(action)) {
		char why[160];

		snprintf(why, sizeof(why),
			 "uid %u may only read status, stats and nta list; changes need uid 0",
			 (unsigned)who->uid);
		c->ops.denied(c->ops.ctx, who, action, request, why);
		fprintf(out, "denied: %s\n", why);
		return 0;
	}
	if (!strcmp(argv[0], "status") && argc == 1 && !rest) {
		fprintf(out, "ok\n");
		c->ops.status(c->ops.ctx, out);
	} else if (!strcmp(argv[0], "stats") && argc == 1 && !rest) {
		fprintf(out, "ok\n");
		c->ops.stats(c->ops.ctx, out);
	} else if (!strcmp(argv[0], "reload") && !rest &&
		   (argc == 1 || (argc == 2 && !strcmp(argv[1], "allow-drops")))) {
		return c->ops.reload(c->ops.ctx, who, argc == 2, answer_later, client, out);
	} else if (!strcmp(action, "policy-rollback") && argc == 2 && !rest) {
		c->ops.rollback(c->ops.ctx, who, out);
	} else if (!strcmp(action, "nta-add") && argc == 4 && rest) {
		c->ops.nta_add(c->ops.ctx, who, argv[2], argv[3], rest, out);
	} else if (!strcmp(action, "nta-del") && argc == 3 && !rest) {
		c->ops.nta_del(c->ops.ctx, who, argv[2], out);
	} else if (!strcmp(action, "nta-list") && argc == 2 && !rest) {
		c->ops.nta_list(c->ops.ctx, out);
	} else if (!strcmp(argv[0], "flush") && argc <= 2 && !rest) {
		char name[CFG_NAME_LEN];

		if (argc == 2 && config_normalize_name(argv[1], name, sizeof(name))) {
			fprintf(out, "error: '%s' is not a domain name\n", argv[1]);
			return 0;
		}
		c->ops.flush(c->ops.ctx, who, argc == 2 ? name : NULL, out);
	} else {
		fprintf(out, "error: unknown request '%s' (see docs/control.md)\n", request);
	}
	return 0;
}

/* --- the socket ----------------------------------------------------------------------- */

static void client_close(struct control *c, struct ctl_client *cl)
{
	if (!cl->waiting)
		loop_del_fd(c->loop, cl->fd);
	cl->waiting = false;
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
}

/* Answer with a blocking write bounded by a send timeout, then close. */
static void client_send_close(struct control *c, struct ctl_client *cl, const char *text,
			      size_t len)
{
	struct timeval tv = {.tv_sec = CTL_SEND_TIMEOUT_S};
	size_t off = 0;

	fcntl(cl->fd, F_SETFL, fcntl(cl->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(cl->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < len) {
		ssize_t n = send(cl->fd, text + off, len - off, MSG_NOSIGNAL);

		if (n <= 0) {
			pr_warn("control: answer to pid %d cut short: %s", (int)cl->cred.pid,
				n < 0 ? strerror(errno) : "closed");
			break;
		}
		off += (size_t)n;
	}
	client_close(c, cl);
}

static void client_answer(struct control *c, struct ctl_client *cl)
{
	struct policy_caller who = {.kind = CALLER_PEER, .uid = cl->cred.uid, .pid = cl->cred.pid};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int pending = 0;

	cl->buf[cl->len] = '\0';
	cl->buf[strcspn(cl->buf, "\r\n")] = '\0';
	if (out) {
		pending = run_request(c, &who, cl, cl->buf, out);
		fclose(out);
	}
	if (pending) {
		/* The reload answers when its probe is done; stop reading meanwhile. */
		cl->waiting = true;
		loop_del_fd(c->loop, cl->fd);
	} else {
		client_send_close(c, cl, text ? text : "", text ? len : 0);
	}
	free(text);
}

static void on_client_read(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct ctl_client *cl = ctx;
	struct control *c = cl->owner;
	ssize_t n = read(fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		cl->len += (size_t)n;
	if (memchr(cl->buf, '\n', cl->len) || (n == 0 && cl->len)) {
		client_answer(c, cl);
		return;
	}
	if (n <= 0) {
		client_close(c, cl);
		return;
	}
	if (cl->len >= sizeof(cl->buf) - 1) {
		static const char msg[] = "error: request longer than 1023 bytes\n";

		pr_warn("control: request from pid %d too long, dropped", (int)cl->cred.pid);
		if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			pr_debug("control: cannot tell pid %d: %s", (int)cl->cred.pid,
				 strerror(errno));
		client_close(c, cl);
	}
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct control *c = ctx;
	socklen_t len = sizeof(struct ucred);
	struct ctl_client *cl = NULL;
	int i, cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			pr_warn("control: accept on %s: %s", c->path, strerror(errno));
		return;
	}
	for (i = 0; i < CTL_CLIENTS_MAX && !cl; i++)
		if (c->clients[i].fd < 0)
			cl = &c->clients[i];
	if (!cl) {
		static const char msg[] = "error: busy, try again\n";

		pr_warn("control: %d clients connected, refusing another", CTL_CLIENTS_MAX);
		if (send(cfd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			pr_debug("control: cannot tell a refused client: %s", strerror(errno));
		close(cfd);
		return;
	}
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &len) < 0) {
		/* Without a caller there is no audit trail: refuse. */
		pr_warn("control: SO_PEERCRED on %s: %s", c->path, strerror(errno));
		close(cfd);
		return;
	}
	cl->fd = cfd;
	cl->len = 0;
	cl->since_ms = clock_mono_ms();
	if (loop_add_fd(c->loop, cfd, EPOLLIN, on_client_read, cl) < 0) {
		pr_warn("control: cannot watch a client of %s", c->path);
		close(cfd);
		cl->fd = -1;
	}
}

static void on_tick(struct loop *l, void *ctx)
{
	struct control *c = ctx;
	int i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->fd >= 0 && !cl->waiting && clock_mono_ms() - cl->since_ms > CTL_IDLE_MS) {
			pr_warn("control: pid %d sent no request within %d ms, dropped",
				(int)cl->cred.pid, CTL_IDLE_MS);
			client_close(c, cl);
		}
	}
}

/* The socket's parent directory, made with 0755 where missing. */
static int make_parent(const char *path, char *err, size_t err_len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], failed[sizeof(dir)];
	char *p;
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	ret = mkdir_p(dir, 0755, failed, sizeof(failed));
	if (ret < 0)
		snprintf(err, err_len, "control socket %s: cannot create %s: %s", path, failed,
			 strerror(-ret));
	return ret;
}

/* A socket file left by a daemon that died is removed; a live one is not ours. */
static int clear_stale(const struct sockaddr_un *sa, char *err, size_t err_len)
{
	struct stat st;
	int fd, ret = 0;

	if (lstat(sa->sun_path, &st) < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			return 0;
		snprintf(err, err_len, "control socket %s: %s", sa->sun_path, strerror(-ret));
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_len, "control socket %s: exists and is not a socket",
			 sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		snprintf(err, err_len, "control socket %s: another daemon is listening on it",
			 sa->sun_path);
		ret = -EADDRINUSE;
	} else if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		ret = -errno;
		snprintf(err, err_len, "control socket %s: cannot remove the stale socket: %s",
			 sa->sun_path, strerror(errno));
	}
	close(fd);
	return ret;
}

static int open_socket(struct control *c, const struct dw_config *cfg, char *err, size_t err_len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old_mask;
	int ret;

	if (!cfg->control_socket[0] || strlen(cfg->control_socket) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "control socket '%s': empty or longer than %zu bytes",
			 cfg->control_socket, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	/* Length checked above. */
	memcpy(sa.sun_path, cfg->control_socket, strlen(cfg->control_socket) + 1);
	memcpy(c->path, sa.sun_path, sizeof(c->path));
	ret = make_parent(sa.sun_path, err, err_len);
	if (!ret)
		ret = clear_stale(&sa, err, err_len);
	if (ret)
		return ret;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	/* The mode holds from the first instant: no window with a wider one. */
	old_mask = umask(0777 & ~(mode_t)cfg->control_mode);
	ret = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (ret < 0 || chmod(sa.sun_path, cfg->control_mode) < 0)
		goto fail;
	if (geteuid() == 0 && chown(sa.sun_path, 0, 0) < 0)
		goto fail;
	if (listen(c->fd, CTL_CLIENTS_MAX) < 0)
		goto fail;
	return 0;
fail:
	ret = -errno;
	snprintf(err, err_len, "control socket %s: %s", sa.sun_path, strerror(errno));
	return ret;
}

struct control *control_start(const struct control_ops *ops, const struct dw_config *cfg, char *err,
			      size_t err_len)
{
	struct control *c = calloc(1, sizeof(*c));
	int i;

	if (!c) {
		snprintf(err, err_len, "control socket: out of memory");
		return NULL;
	}
	c->ops = *ops;
	c->loop = ops->loop;
	c->fd = -1;
	c->timer_id = -1;
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		c->clients[i].fd = -1;
		c->clients[i].owner = c;
	}
	if (open_socket(c, cfg, err, err_len) < 0)
		goto fail;
	if (loop_add_fd(c->loop, c->fd, EPOLLIN, on_accept, c) < 0) {
		snprintf(err, err_len, "control socket %s: cannot watch it", c->path);
		goto fail;
	}
	c->timer_id = loop_add_timer(c->loop, CTL_TICK_MS, on_tick, c);
	if (c->timer_id < 0) {
		snprintf(err, err_len, "control socket %s: cannot add its timer", c->path);
		goto fail;
	}
	pr_info("control socket listening on %s (mode %04o)", c->path, cfg->control_mode);
	return c;
fail:
	pr_err("%s", err);
	control_stop(c);
	return NULL;
}

void control_stop(struct control *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i].fd >= 0)
			client_close(c, &c->clients[i]);
	if (c->timer_id >= 0)
		loop_del_timer(c->loop, c->timer_id);
	if (c->fd >= 0) {
		loop_del_fd(c->loop, c->fd);
		close(c->fd);
		unlink(c->path);
	}
	free(c);
}
