// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_control.c: the control socket server on a real event loop, with its
 * operations played by a fake table that records every call. Clients are
 * forked processes, some as uid 65534, so SO_PEERCRED sees real, different
 * callers. What the operations do is test_policy_ctl.c's.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "harness.h"
#include "common/config.h"
#include "daemon/control.h"
#include "common/loop.h"
#include "daemon/policy.h"

#define EVENTS_MAX 64

/* --- the operations, as the control socket sees them ---------------------------------- */

struct fake {
	struct loop *loop;
	char calls[EVENTS_MAX][256]; /* "op uid=U args" per operation called */
	int n_calls;
	bool defer_reload; /* answer a reload later, from a timer */
	control_answer_fn done;
	void *done_arg;
	int timer;
};

static void record(struct fake *f, const struct policy_caller *who, const char *fmt, ...)
{
	char args[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (f->n_calls < EVENTS_MAX)
		snprintf(f->calls[f->n_calls++], sizeof(f->calls[0]), "%s uid=%u", args,
			 who ? (unsigned)who->uid : 0u);
}

static int fake_status(void *ctx, FILE *out)
{
	fprintf(out, "zones 1\n");
	return 0;
}

static int fake_stats(void *ctx, FILE *out)
{
	fprintf(out, "verdicts_allow 7\n");
	return 0;
}

static void on_deferred(struct loop *l, void *ctx)
{
	struct fake *f = ctx;

	loop_del_timer(l, f->timer);
	f->done(f->done_arg, "ok\nreload applied: later\n", 26);
}

static int fake_reload(void *ctx, const struct policy_caller *who, bool allow_drops,
		       control_answer_fn done, void *arg, FILE *out)
{
	struct fake *f = ctx;

	record(f, who, "reload%s", allow_drops ? " allow-drops" : "");
	if (!f->defer_reload) {
		fprintf(out, "ok\nreload applied: now\n");
		return 0;
	}
	f->done = done;
	f->done_arg = arg;
	f->timer = loop_add_timer(f->loop, 300, on_deferred, f);
	return 1;
}

static int fake_rollback(void *ctx, const struct policy_caller *who, FILE *out)
{
	record(ctx, who, "rollback");
	fprintf(out, "ok\nrollback applied\n");
	return 0;
}

static int fake_nta_add(void *ctx, const struct policy_caller *who, const char *zone,
			const char *duration, const char *reason, FILE *out)
{
	record(ctx, who, "nta-add %s %s [%s]", zone, duration, reason);
	fprintf(out, "ok\n");
	return 0;
}

static int fake_nta_del(void *ctx, const struct policy_caller *who, const char *zone, FILE *out)
{
	record(ctx, who, "nta-del %s", zone);
	fprintf(out, "ok\n");
	return 0;
}

static void fake_nta_list(void *ctx, FILE *out)
{
	fprintf(out, "ok\nbogus.test until later\n");
}

static int fake_flush(void *ctx, const struct policy_caller *who, const char *name, FILE *out)
{
	record(ctx, who, "flush %s", name ? name : "(all)");
	fprintf(out, "ok\nflushed %s\n", name ? name : "everything");
	return 0;
}

static void fake_denied(void *ctx, const struct policy_caller *who, const char *action,
			const char *request, const char *why)
{
	record(ctx, who, "denied %s [%s]", action, request);
}

/* --- fixtures ------------------------------------------------------------------------ */

static char dir[48], cfg_path[96], sock_path[80];
static struct fake *dm;
static struct control *ctl;

static struct control_ops ops_for(struct fake *f)
{
	struct control_ops o = {.ctx = f, .loop = f->loop};

	o.status = fake_status;
	o.stats = fake_stats;
	o.reload = fake_reload;
	o.rollback = fake_rollback;
	o.nta_add = fake_nta_add;
	o.nta_del = fake_nta_del;
	o.nta_list = fake_nta_list;
	o.flush = fake_flush;
	o.denied = fake_denied;
	return o;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		exit(1);
	fputs(text, f);
	fclose(f);
}

static void write_config(const char *zones, const char *mode)
{
	char text[2048];

	snprintf(text, sizeof(text), "%scontrol: {socket: %s, mode: \"%s\"}\n", zones, sock_path,
		 mode);
	write_file(cfg_path, text);
}

static int start(const char *zones, const char *mode)
{
	char err[1024];

	struct dw_config *cfg = malloc(sizeof(*cfg));
	struct control_ops ops;

	dm = calloc(1, sizeof(*dm));
	dm->loop = loop_new();
	write_config(zones, mode);
	if (!cfg || config_load(cfg_path, cfg, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		free(cfg);
		return -1;
	}
	ops = ops_for(dm);
	ctl = control_start(&ops, cfg, err, sizeof(err));
	free(cfg);
	if (!ctl)
		fprintf(stderr, "  control_start: %s\n", err);
	return ctl ? 0 : -1;
}

static void stop(void)
{
	control_stop(ctl);
	loop_free(dm->loop);
	free(dm);
	ctl = NULL;
	dm = NULL;
}

/* The answer pipe became readable: the client is done, stop the loop. */
static void on_answer(struct loop *l, int fd, uint32_t events, void *ctx)
{
	loop_stop(l);
}

/*
 * Run one request from a forked client (as uid when uid != 0) while the loop
 * serves it; the answer comes back through a pipe. Bounded: the child gives
 * up after 10 s.
 */
static char *request_as(uid_t uid, const char *line)
{
	static char answer[16384];
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(p))
		exit(1);
	pid = fork();
	if (pid == 0) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		struct timeval tv = {.tv_sec = 10};
		char buf[16384];
		int fd, len = 0;

		close(p[0]);
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(3);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			len = snprintf(buf, sizeof(buf), "connect: %s", strerror(errno));
		} else {
			if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0)
				_exit(4);
			while (len < (int)sizeof(buf) - 1 &&
			       (n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
				len += (int)n;
		}
		if (write(p[1], buf, (size_t)len) < 0)
			_exit(5);
		_exit(0);
	}
	close(p[1]);
	loop_add_fd(dm->loop, p[0], EPOLLIN | EPOLLHUP, on_answer, NULL);
	loop_run(dm->loop);
	loop_del_fd(dm->loop, p[0]);
	while ((n = read(p[0], answer + got, sizeof(answer) - 1 - (size_t)got)) > 0)
		got += n;
	answer[got] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return answer;
}

static char *request(const char *line)
{
	return request_as(0, line);
}

static const char *last_call(void)
{
	return dm->n_calls ? dm->calls[dm->n_calls - 1] : "";
}

static const char zones_a[] = "zones:\n  - {name: idp.test, mode: monitor}\n";

/* --- tests ----------------------------------------------------------------------------- */

static void test_socket_mode_and_status(void)
{
	struct stat st;
	char *a;

	if (start(zones_a, "0600"))
		goto out;
	CHECK_EQ_INT(stat(sock_path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK_EQ_INT(st.st_uid, 0);
	a = request("status");
	CHECK_EQ_STR(a, "ok\nzones 1\n");
	a = request("stats");
	CHECK_EQ_STR(a, "ok\nverdicts_allow 7\n");
	a = request("frobnicate now");
	CHECK_EQ_STR(a, "error: unknown request 'frobnicate now' (see docs/control.md)\n");
	a = request("");
	CHECK_EQ_STR(a, "error: empty request\n");
	CHECK_EQ_INT(dm->n_calls, 0); /* reads change nothing */
out:
	stop();
	/* Stopping removes the socket. */
	CHECK(access(sock_path, F_OK) != 0);
}

static void test_unprivileged_caller_refused(void)
{
	char *a;

	if (start(zones_a, "0666"))
		goto out;
	a = request_as(65534, "reload");
	CHECK_EQ_STR(a, "denied: uid 65534 may only read status, stats and nta list; changes "
			"need uid 0\n");
	CHECK_EQ_STR(last_call(), "denied reload [reload] uid=65534");
	a = request_as(65534, "nta add idp.test 1h because");
	CHECK(!strncmp(a, "denied: ", 8));
	CHECK_EQ_STR(last_call(), "denied nta-add [nta add idp.test 1h because] uid=65534");
	a = request_as(65534, "flush");
	CHECK(!strncmp(a, "denied: ", 8));
	CHECK_EQ_INT(dm->n_calls, 3); /* only the denials */
	/* Reading is allowed. */
	a = request_as(65534, "status");
	CHECK(!strncmp(a, "ok\n", 3));
	a = request_as(65534, "nta list");
	CHECK_EQ_STR(a, "ok\nbogus.test until later\n");
	CHECK_EQ_INT(dm->n_calls, 3);
out:
	stop();
}

static void test_requests_reach_their_operation(void)
{
	char *a;

	if (start(zones_a, "0600"))
		goto out;
	a = request("reload");
	CHECK_EQ_STR(a, "ok\nreload applied: now\n");
	CHECK_EQ_STR(last_call(), "reload uid=0");
	request("reload allow-drops");
	CHECK_EQ_STR(last_call(), "reload allow-drops uid=0");
	request("policy rollback");
	CHECK_EQ_STR(last_call(), "rollback uid=0");
	request("nta add Bogus.Test 2h TLD rollover,  ticket 7");
	CHECK_EQ_STR(last_call(), "nta-add Bogus.Test 2h [TLD rollover,  ticket 7] uid=0");
	request("nta del bogus.test");
	CHECK_EQ_STR(last_call(), "nta-del bogus.test uid=0");
	a = request("flush WWW.idp.test.");
	CHECK_EQ_STR(a, "ok\nflushed www.idp.test\n");
	CHECK_EQ_STR(last_call(), "flush www.idp.test uid=0");
	request("flush");
	CHECK_EQ_STR(last_call(), "flush (all) uid=0");
	CHECK_EQ_INT(dm->n_calls, 7);
	/* Wrong arguments reach nothing. */
	a = request("reload now");
	CHECK_EQ_STR(a, "error: unknown request 'reload now' (see docs/control.md)\n");
	request("nta add x.test 1h");
	request("nta del");
	request("policy rollback now");
	a = request("flush a..b");
	CHECK_EQ_STR(a, "error: 'a..b' is not a domain name\n");
	CHECK_EQ_INT(dm->n_calls, 7);
out:
	stop();
}

static void test_deferred_answer(void)
{
	char *a;

	if (start(zones_a, "0600"))
		goto out;
	/* The client waits past its idle limit's tick while the operation works. */
	dm->defer_reload = true;
	a = request("reload");
	CHECK_EQ_STR(a, "ok\nreload applied: later\n");
	CHECK_EQ_STR(last_call(), "reload uid=0");
	/* The server still answers others afterwards. */
	a = request("status");
	CHECK_EQ_STR(a, "ok\nzones 1\n");
out:
	stop();
}

static void test_stale_and_busy_socket(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct control *second;
	char err[512];
	int fd;

	/* A socket file left by a dead daemon is replaced. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	if (start(zones_a, "0600"))
		goto out;
	/* A live one is not taken over. */
	{
		struct dw_config *cfg = calloc(1, sizeof(*cfg));
		struct control_ops ops = ops_for(dm);

		snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s", sock_path);
		cfg->control_mode = 0600;
		second = control_start(&ops, cfg, err, sizeof(err));
		free(cfg);
	}
	CHECK(second == NULL);
	{
		char expected[256];

		snprintf(expected, sizeof(expected),
			 "control socket %s: another daemon is listening on it", sock_path);
		CHECK_EQ_STR(err, expected);
	}
out:
	stop();
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_control: needs root (SO_PEERCRED callers of other uids)\n");
		return 0;
	}
	snprintf(dir, sizeof(dir), "/tmp/dw-test-control-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	chmod(dir, 0755); /* uid 65534 must reach the socket */
	snprintf(cfg_path, sizeof(cfg_path), "%s/c.yaml", dir);
	/* A directory that does not exist yet: the server creates it. */
	snprintf(sock_path, sizeof(sock_path), "%s/run/control.sock", dir);
	signal(SIGPIPE, SIG_IGN);
	RUN_TEST(test_socket_mode_and_status);
	RUN_TEST(test_unprivileged_caller_refused);
	RUN_TEST(test_requests_reach_their_operation);
	RUN_TEST(test_deferred_answer);
	RUN_TEST(test_stale_and_busy_socket);
	unlink(cfg_path);
	snprintf(cfg_path, sizeof(cfg_path), "%s/run", dir);
	rmdir(cfg_path);
	rmdir(dir);
	HARNESS_EXIT();
}
