// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_control.c: the control socket server on a real event loop, with the
 * daemon's side (daemon.h) played by this file: it records every applied
 * policy, flush and event. Clients are forked processes, some as uid 65534,
 * so SO_PEERCRED sees real, different callers. The validator probes are real
 * (no upstreams: the truth is unobtainable, so failure modes decide).
 */
#include <errno.h>
#include <signal.h>
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
#include "daemon/daemon.h"
#include "common/loop.h"
#include "daemon/policy.h"

#define EVENTS_MAX 64

/* --- the daemon, as the control socket sees it ---------------------------------------- */

struct daemon {
	struct dw_config cfg;
	struct loop *loop;
	int applies;
	bool fail_apply;
	char flushed[CFG_NAME_LEN];
	int flushes;
	char events[EVENTS_MAX][4096];
	int n_events;
};

const struct dw_config *daemon_policy(const struct daemon *d)
{
	return &d->cfg;
}

int daemon_apply_policy(struct daemon *d, const struct dw_config *next, char *err, size_t err_len)
{
	if (d->fail_apply) {
		snprintf(err, err_len, "zones map update failed");
		return -EIO;
	}
	d->applies++;
	memcpy(&d->cfg, next, sizeof(*next));
	return 0;
}

int daemon_write_status(struct daemon *d, FILE *out)
{
	fprintf(out, "zones %d\n", d->cfg.n_zones);
	return 0;
}

int daemon_write_stats(struct daemon *d, FILE *out)
{
	fprintf(out, "verdicts_allow 7\n");
	return 0;
}

int daemon_flush(struct daemon *d, const char *name)
{
	snprintf(d->flushed, sizeof(d->flushed), "%s", name ? name : "(all)");
	d->flushes++;
	return 0;
}

void daemon_event(struct daemon *d, const char *json)
{
	if (d->n_events < EVENTS_MAX)
		snprintf(d->events[d->n_events++], sizeof(d->events[0]), "%s", json);
}

struct loop *daemon_loop(struct daemon *d)
{
	return d->loop;
}

/* --- fixtures ------------------------------------------------------------------------ */

static char dir[48], cfg_path[96], sock_path[80];
static struct daemon *dm;
static struct control *ctl;

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

	dm = calloc(1, sizeof(*dm));
	dm->loop = loop_new();
	write_config(zones, mode);
	if (config_load(cfg_path, &dm->cfg, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		return -1;
	}
	ctl = control_start(dm, &dm->cfg, err, sizeof(err));
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

static const char *last_event(void)
{
	return dm->n_events ? dm->events[dm->n_events - 1] : "";
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
	CHECK(!strncmp(a, "ok\nzones 1\npolicy ", 18));
	CHECK(strstr(a, "previous_policy none\n") != NULL);
	a = request("stats");
	CHECK_EQ_STR(a, "ok\nverdicts_allow 7\n");
	a = request("frobnicate now");
	CHECK_EQ_STR(a, "error: unknown request 'frobnicate now' (see docs/control.md)\n");
	CHECK_EQ_INT(dm->n_events, 0); /* reads are not audited */
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
	CHECK_EQ_INT(dm->applies, 0);
	CHECK(strstr(last_event(), "\"action\":\"reload\",\"caller\":{\"uid\":65534,\"pid\":") !=
	      NULL);
	CHECK(strstr(last_event(), "\"outcome\":\"denied\"") != NULL);
	a = request_as(65534, "nta add idp.test 1h because");
	CHECK(!strncmp(a, "denied: ", 8));
	CHECK_EQ_INT(dm->cfg.n_ntas, 0);
	a = request_as(65534, "flush");
	CHECK(!strncmp(a, "denied: ", 8));
	CHECK_EQ_INT(dm->flushes, 0);
	/* Reading is allowed. */
	a = request_as(65534, "status");
	CHECK(!strncmp(a, "ok\n", 3));
	a = request_as(65534, "nta list");
	CHECK_EQ_STR(a, "ok\n");
out:
	stop();
}

static void test_reload_good_bad_and_rollback(void)
{
	char h0[POLICY_HASH_LEN], h1[POLICY_HASH_LEN];
	char *a;

	if (start(zones_a, "0600"))
		goto out;
	policy_hash(&dm->cfg, h0);
	/* Good: a new monitor zone (monitor never drops, so the probe cannot refuse). */
	write_config("zones:\n  - {name: idp.test, mode: monitor}\n"
		     "  - {name: new.test, mode: monitor}\n",
		     "0600");
	a = request("reload");
	CHECK(!strncmp(a, "ok\nreload applied: zones +new.test\n", 35));
	CHECK(strstr(a, "new.test: INDETERMINATE") != NULL);
	CHECK_EQ_INT(dm->applies, 1);
	CHECK_EQ_INT(dm->cfg.n_zones, 2);
	policy_hash(&dm->cfg, h1);
	CHECK(strstr(last_event(), "\"outcome\":\"applied\"") != NULL);
	CHECK(strstr(last_event(), h0) != NULL && strstr(last_event(), h1) != NULL);
	CHECK(strstr(last_event(), "\"caller\":{\"uid\":0,") != NULL);

	/* Bad: the running policy stays and the reason names file:line:column. */
	write_config("zones:\n  - {name: x.test, require: strict}\n", "0600");
	a = request("reload");
	CHECK(!strncmp(a, "error: reload failed, the running policy stays: ", 48));
	CHECK(strstr(a, "c.yaml:2:29: zones[0].require: expected 'secure' or 'not-bogus', got "
			"'strict'") != NULL);
	CHECK_EQ_INT(dm->applies, 1);
	CHECK_EQ_INT(dm->cfg.n_zones, 2);
	CHECK(strstr(last_event(), "\"outcome\":\"failed\"") != NULL);

	/* Rollback returns to the first policy; a second one goes forward again. */
	a = request("policy rollback");
	CHECK_EQ_STR(a, "ok\nrollback applied: zones -new.test\n");
	CHECK_EQ_INT(dm->cfg.n_zones, 1);
	policy_hash(&dm->cfg, h1);
	CHECK_EQ_STR(h1, h0);
	CHECK(strstr(last_event(), "\"action\":\"policy-rollback\"") == NULL);
	CHECK(strstr(last_event(), "\"action\":\"rollback\"") != NULL);
	a = request("status");
	CHECK(strstr(a, "previous_policy none") == NULL);
	a = request("policy rollback");
	CHECK_EQ_STR(a, "ok\nrollback applied: zones +new.test\n");
out:
	stop();
}

static void test_reload_refused_when_it_drops(void)
{
	char *a;
	int events;

	if (start(zones_a, "0600"))
		goto out;
	/* Enforced, failure closed, no upstream: every reply would be dropped. */
	write_config("zones:\n  - {name: idp.test, mode: monitor}\n  - {name: strict.test}\n",
		     "0600");
	a = request("reload");
	CHECK(strstr(a, "refused: applying it would drop 1 zone(s) served now: strict.test (reload "
			"--allow-drops to apply anyway)\n") == a);
	CHECK(strstr(a, "strict.test: INDETERMINATE") != NULL);
	CHECK(strstr(a, "failure=closed -> every reply would be DROPPED") != NULL);
	CHECK_EQ_INT(dm->applies, 0);
	CHECK(strstr(last_event(), "\"outcome\":\"refused\"") != NULL);
	a = request("reload allow-drops");
	CHECK(!strncmp(a, "ok\nreload applied: zones +strict.test\n", 38));
	CHECK_EQ_INT(dm->applies, 1);
	/* The daemon cannot apply it: nothing changes and the event says why. */
	dm->fail_apply = true;
	write_config(zones_a, "0600");
	events = dm->n_events;
	a = request("reload");
	CHECK_EQ_STR(a, "error: reload not applied, the running policy stays: zones map update "
			"failed\n"
			"idp.test: INDETERMINATE (no upstream configured to ask idp.test/DNSKEY) "
			"-> monitor: replies "
			"delivered and reported\n");
	CHECK_EQ_INT(dm->cfg.n_zones, 2);
	CHECK_EQ_INT(dm->n_events, events + 1);
	CHECK(strstr(last_event(), "\"reason\":\"zones map update failed\"") != NULL);
out:
	stop();
}

static void on_tick_check(struct loop *l, void *ctx)
{
	int *ticks = ctx, i;

	for (i = 0; i < dm->n_events; i++)
		if (strstr(dm->events[i], "\"action\":\"nta-expire\""))
			loop_stop(l);
	if (++*ticks > 100) /* 10 s at most */
		loop_stop(l);
}

static void test_nta_add_list_del_expire(void)
{
	int ticks = 0, timer;
	char *a;

	if (start(zones_a, "0600"))
		goto out;
	a = request("nta add Bogus.Test 2h TLD rollover, ticket 7");
	CHECK(!strncmp(a, "ok\nnta-add applied: ntas +bogus.test; until ", 44));
	CHECK(strstr(a, "reason: TLD rollover, ticket 7") != NULL);
	CHECK_EQ_INT(dm->cfg.n_ntas, 1);
	CHECK(dm->cfg.ntas[0].runtime);
	a = request("nta list");
	CHECK(!strncmp(a, "ok\nbogus.test until ", 20));
	CHECK(strstr(a, " runtime TLD rollover, ticket 7\n") != NULL);
	a = request("nta add www.bogus.test 1h overlapping");
	CHECK(!strncmp(a, "error: www.bogus.test overlaps the negative trust anchor", 56));
	a = request("nta add x.test forever because");
	CHECK_EQ_STR(a, "error: 'forever' is not a duration from 1s to 30d (e.g. 2h)\n");
	a = request("nta del bogus.test");
	CHECK_EQ_STR(a, "ok\nnta-del applied: ntas -bogus.test\n");
	CHECK_EQ_INT(dm->cfg.n_ntas, 0);

	/* An NTA ends by itself and an event says so. */
	a = request("nta add bogus.test 1s short test");
	CHECK(!strncmp(a, "ok\n", 3));
	timer = loop_add_timer(dm->loop, 100, on_tick_check, &ticks);
	loop_run(dm->loop);
	loop_del_timer(dm->loop, timer);
	CHECK_EQ_INT(dm->cfg.n_ntas, 0);
	CHECK(strstr(last_event(), "\"action\":\"nta-expire\",\"caller\":\"timer\"") != NULL);
	CHECK(strstr(last_event(), "expired: bogus.test") != NULL);
out:
	stop();
}

static int wait_events;

static void on_tick_events(struct loop *l, void *ctx)
{
	int *ticks = ctx;

	if (dm->n_events >= wait_events || ++*ticks > 100) /* 10 s at most */
		loop_stop(l);
}

static void test_flush_and_signal(void)
{
	int events, timer, ticks = 0;
	char *a;

	if (start(zones_a, "0600"))
		goto out;
	a = request("flush WWW.idp.test.");
	CHECK_EQ_STR(a, "ok\nflushed www.idp.test\n");
	CHECK_EQ_STR(dm->flushed, "www.idp.test");
	a = request("flush");
	CHECK_EQ_STR(dm->flushed, "(all)");
	CHECK(strstr(last_event(), "\"action\":\"flush\"") != NULL);
	/* SIGHUP reloads as "signal". */
	write_config("zones:\n  - {name: idp.test, mode: monitor}\n  - {name: b.test, mode: "
		     "monitor}\n",
		     "0600");
	events = dm->n_events;
	control_reload_signal(ctl);
	/* The probe runs on its own thread: serve the loop until the reload is recorded. */
	wait_events = events + 1;
	timer = loop_add_timer(dm->loop, 100, on_tick_events, &ticks);
	loop_run(dm->loop);
	loop_del_timer(dm->loop, timer);
	CHECK_EQ_INT(dm->n_events, events + 1);
	CHECK_EQ_INT(dm->cfg.n_zones, 2);
	CHECK(strstr(last_event(), "\"caller\":\"signal\"") != NULL);
	CHECK(strstr(last_event(), "\"outcome\":\"applied\"") != NULL);
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
	second = control_start(dm, &dm->cfg, err, sizeof(err));
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
	RUN_TEST(test_reload_good_bad_and_rollback);
	RUN_TEST(test_reload_refused_when_it_drops);
	RUN_TEST(test_nta_add_list_del_expire);
	RUN_TEST(test_flush_and_signal);
	RUN_TEST(test_stale_and_busy_socket);
	unlink(cfg_path);
	snprintf(cfg_path, sizeof(cfg_path), "%s/run", dir);
	rmdir(cfg_path);
	rmdir(dir);
	HARNESS_EXIT();
}
