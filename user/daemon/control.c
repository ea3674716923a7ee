// SPDX-License-Identifier: BSD-2-Clause
/*
 * control.c: the control socket (protocol in docs/control.md). One request
 * line per connection, answered with a status line ("ok", "error: ...",
 * "refused: ...", "denied: ...") and a body, then the server closes. Reads
 * are non-blocking on the daemon's loop, so a silent client cannot stall
 * enforcement; it is dropped after CTL_IDLE_MS. Every change (and every
 * attempt, refused or denied) becomes an audit event naming the caller from
 * SO_PEERCRED.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/clock.h"
#include "common/fs.h"
#include "daemon/control.h"
#include "common/log.h"
#include "daemon/policy.h"
#include "validator/policy_probe.h"

#define CTL_CLIENTS_MAX	   16
#define CTL_LINE_MAX	   1024
#define CTL_IDLE_MS	   5000
#define CTL_TICK_MS	   1000
#define CTL_SEND_TIMEOUT_S 2
#define CTL_NTA_MAX_S	   (30 * 86400) /* an NTA is an incident measure, not a policy */
#define CTL_ARGS_MAX	   4

struct ctl_client {
	struct control *owner;
	int fd; /* -1 when the slot is free */
	struct ucred cred;
	bool waiting; /* its request (a reload) is being probed: no timeout, no reads */
	char buf[CTL_LINE_MAX];
	size_t len;
	uint64_t since_ms;
};

struct control {
	struct daemon *d;
	struct loop *loop;
	int fd;
	int timer_id;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct policy_history hist;
	time_t expiry_retry;	   /* after a failed expiry, when to try again */
	struct reload_job *reload; /* the reload being probed, or NULL */
	struct ctl_client clients[CTL_CLIENTS_MAX];
};

/* --- audit and apply ------------------------------------------------------------- */

static void audit(struct control *c, const struct policy_caller *who, const char *action,
		  const struct dw_config *old, const struct dw_config *new, const char *summary,
		  const char *outcome, const char *reason)
{
	char old_hash[POLICY_HASH_LEN] = "", new_hash[POLICY_HASH_LEN] = "", json[4096];

	if (old)
		policy_hash(old, old_hash);
	if (new)
		policy_hash(new, new_hash);
	if (policy_audit_json(json, sizeof(json), time(NULL), who, action, old_hash, new_hash,
			      summary, outcome, reason) > 0)
		daemon_event(c->d, json);
}

static struct dw_config *copy_policy(const struct dw_config *cfg, FILE *out)
{
	struct dw_config *n = malloc(sizeof(*n));

	if (!n) {
		fprintf(out, "error: out of memory\n");
		pr_err("control: out of memory copying the policy");
		return NULL;
	}
	memcpy(n, cfg, sizeof(*n));
	return n;
}

static void strip_runtime_ntas(struct dw_config *cfg)
{
	int i = 0;

	while (i < cfg->n_ntas) {
		if (!cfg->ntas[i].runtime) {
			i++;
			continue;
		}
		memmove(&cfg->ntas[i], &cfg->ntas[i + 1],
			sizeof(cfg->ntas[0]) * (size_t)(cfg->n_ntas - i - 1));
		cfg->n_ntas--;
	}
}

/*
 * Apply next and record it: the audit event carries the diff whatever the
 * outcome. Returns 0 when applied.
 */
static int apply(struct control *c, const struct policy_caller *who, const char *action,
		 const struct dw_config *next, const char *detail, FILE *out)
{
	const struct dw_config *running = daemon_policy(c->d);
	char summary[POLICY_SUMMARY_LEN + 256], err[512] = "";
	int ret;

	policy_diff(running, next, summary, POLICY_SUMMARY_LEN);
	if (detail && *detail) {
		size_t l = strlen(summary);

		snprintf(summary + l, sizeof(summary) - l, "; %s", detail);
	}
	ret = daemon_apply_policy(c->d, next, err, sizeof(err));
	if (ret) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-ret));
		pr_warn("control: %s not applied, the running policy stays: %s", action, err);
		audit(c, who, action, running, next, summary, "failed", err);
		fprintf(out, "error: %s not applied, the running policy stays: %s\n", action, err);
		return ret;
	}
	/*
	 * Cached verdicts were judged under the old anchors, NTAs and zone
	 * settings: drop them so every reply is judged under the new policy.
	 */
	if (strcmp(summary, "no change"))
		daemon_flush(c->d, NULL);
	/* running now points at the new policy: hash the copy kept in history. */
	audit(c, who, action, c->hist.current, next, summary, "applied", "");
	fprintf(out, "ok\n%s applied: %s\n", action, summary);
	return 0;
}

/* --- reload and rollback --------------------------------------------------------- */

/*
 * A reload probes every zone before it applies. The probe runs on its own
 * thread with its own validator: its upstream replies cross the hooks like
 * any other and come back only while the loop keeps consuming punts, and
 * enforcement must not pause for it. The client waits on its connection;
 * the loop finishes the reload when the thread says it is done.
 */
struct reload_job {
	struct control *c;
	pthread_t thread;
	int done[2]; /* the thread writes one byte when the probe is over */
	struct policy_caller who;
	bool allow_drops;
	struct ctl_client *client; /* NULL for SIGHUP */
	struct dw_config *next;
	struct dw_config *running; /* a snapshot: the policy may change meanwhile */
	struct probe_result *res;
	int n;
	char err[512];
};

static void *reload_probe_thread(void *arg)
{
	struct reload_job *j = arg;
	char one = 1;

	j->n = policy_probe(j->next, j->running, j->res, CFG_ZONES_MAX, j->err, sizeof(j->err));
	if (write(j->done[1], &one, 1) != 1)
		pr_err("control: cannot signal the end of a reload probe: %s", strerror(errno));
	return NULL;
}

/* A zone served now that next would drop refuses the reload unless allowed. */
static int probe_gate(struct control *c, struct reload_job *j, FILE *out, FILE *body)
{
	const struct dw_config *running = daemon_policy(c->d);
	char err[1024] = "", dropped[512] = "";
	size_t used = 0;
	int i, newly = 0;

	if (j->n < 0) {
		audit(c, &j->who, "reload", running, j->next, "", "failed", j->err);
		fprintf(out, "error: reload not applied, the running policy stays: %s\n", j->err);
		return -EINVAL;
	}
	for (i = 0; i < j->n; i++) {
		fprintf(body, "%s\n", j->res[i].line);
		if (!j->res[i].newly_dropped)
			continue;
		newly++;
		if (used < sizeof(dropped))
			used += (size_t)snprintf(dropped + used, sizeof(dropped) - used, "%s%s",
						 newly > 1 ? " " : "", j->res[i].zone);
	}
	if (!newly || j->allow_drops)
		return 0;
	snprintf(err, sizeof(err),
		 "applying it would drop %d zone(s) served now: %s (reload --allow-drops to apply "
		 "anyway)",
		 newly, dropped);
	pr_warn("control: reload refused: %s", err);
	audit(c, &j->who, "reload", running, j->next, "", "refused", err);
	fprintf(out, "refused: %s\n", err);
	return -EPERM;
}

static void reload_job_free(struct reload_job *j)
{
	if (j->done[0] >= 0)
		close(j->done[0]);
	if (j->done[1] >= 0)
		close(j->done[1]);
	free(j->next);
	free(j->running);
	free(j->res);
	free(j);
}

static void client_send_close(struct control *c, struct ctl_client *cl, const char *text,
			      size_t len);

/* Deliver a finished reload's answer: to its client, or to the log (SIGHUP). */
static void reload_answer(struct control *c, struct reload_job *j, char *text, size_t len)
{
	char *line, *save = NULL;

	if (j->client) {
		client_send_close(c, j->client, text, len);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pr_info("reload (SIGHUP): %s", line);
}

static void on_reload_done(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct reload_job *j = ctx;
	struct control *c = j->c;
	char *text = NULL, *probe_text = NULL;
	size_t len = 0, probe_len = 0;
	FILE *out, *body;
	char one;
	int ret;

	if (read(fd, &one, 1) < 0 && errno == EAGAIN)
		return;
	pthread_join(j->thread, NULL);
	loop_del_fd(c->loop, fd);
	c->reload = NULL;
	out = open_memstream(&text, &len);
	body = open_memstream(&probe_text, &probe_len);
	if (out && body) {
		/* NTAs may have changed while the probe ran: carry the current ones. */
		strip_runtime_ntas(j->next);
		policy_nta_carry(daemon_policy(c->d), j->next, time(NULL));
		ret = probe_gate(c, j, out, body);
		if (!ret)
			ret = apply(c, &j->who, "reload", j->next, NULL, out);
		if (!ret)
			policy_history_push(&c->hist, j->next);
		fclose(body);
		body = NULL;
		fputs(probe_text ? probe_text : "", out);
	}
	if (body)
		fclose(body);
	if (out)
		fclose(out);
	reload_answer(c, j, text ? text : (char *)"error: out of memory\n",
		      text ? len : strlen("error: out of memory\n"));
	free(text);
	free(probe_text);
	reload_job_free(j);
}

/*
 * Start a reload. Returns 1 when the answer will come later (the probe
 * runs), 0 when it is already written to out (an error).
 */
static int start_reload(struct control *c, const struct policy_caller *who, bool allow_drops,
			struct ctl_client *client, FILE *out)
{
	const struct dw_config *running = daemon_policy(c->d);
	struct reload_job *j;
	char err[1024] = "";

	if (c->reload) {
		fprintf(out, "error: a reload is in progress; try again when it is done\n");
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j || !(j->next = malloc(sizeof(*j->next))) ||
	    !(j->running = malloc(sizeof(*j->running))) ||
	    !(j->res = calloc(CFG_ZONES_MAX, sizeof(*j->res)))) {
		fprintf(out, "error: out of memory\n");
		goto fail;
	}
	j->c = c;
	j->who = *who;
	j->allow_drops = allow_drops;
	j->client = client;
	j->done[0] = j->done[1] = -1;
	if (config_load(running->path, j->next, err, sizeof(err))) {
		pr_warn("control: reload failed, the running policy stays: %s", err);
		audit(c, who, "reload", running, NULL, "", "failed", err);
		fprintf(out, "error: reload failed, the running policy stays: %s\n", err);
		goto fail;
	}
	memcpy(j->running, running, sizeof(*running));
	policy_nta_carry(running, j->next, time(NULL));
	if (pipe2(j->done, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    loop_add_fd(c->loop, j->done[0], EPOLLIN, on_reload_done, j) < 0) {
		fprintf(out, "error: reload: cannot wait for the probe\n");
		goto fail;
	}
	if (pthread_create(&j->thread, NULL, reload_probe_thread, j)) {
		loop_del_fd(c->loop, j->done[0]);
		fprintf(out, "error: reload: cannot start the probe\n");
		goto fail;
	}
	c->reload = j;
	return 1;
fail:
	if (j)
		reload_job_free(j);
	return 0;
}

static int do_rollback(struct control *c, const struct policy_caller *who, FILE *out)
{
	const struct dw_config *running = daemon_policy(c->d);
	struct dw_config *next;
	int ret;

	if (!c->hist.previous) {
		audit(c, who, "rollback", running, NULL, "", "failed", "no previous policy");
		fprintf(out, "error: no previous policy to roll back to\n");
		return -ENOENT;
	}
	next = copy_policy(c->hist.previous, out);
	if (!next)
		return -ENOMEM;
	/* NTAs added at run time are incident measures: they outlive the rollback. */
	strip_runtime_ntas(next);
	policy_nta_carry(running, next, time(NULL));
	ret = apply(c, who, "rollback", next, NULL, out);
	if (!ret) {
		policy_history_swap(&c->hist);
		policy_history_replace(&c->hist, next);
	}
	free(next);
	return ret;
}

/* --- negative trust anchors -------------------------------------------------------- */

static int do_nta_add(struct control *c, const struct policy_caller *who, const char *zone,
		      const char *duration, const char *reason, FILE *out)
{
	const struct dw_config *running = daemon_policy(c->d);
	char err[512], detail[512], when[32];
	struct dw_config *next;
	uint64_t ms;
	time_t until;
	int ret;

	if (config_parse_duration(duration, &ms) || ms < 1000 || ms > CTL_NTA_MAX_S * 1000ull) {
		snprintf(err, sizeof(err), "'%s' is not a duration from 1s to 30d (e.g. 2h)",
			 duration);
		audit(c, who, "nta-add", running, NULL, zone, "failed", err);
		fprintf(out, "error: %s\n", err);
		return -EINVAL;
	}
	until = time(NULL) + (time_t)((ms + 999) / 1000);
	next = copy_policy(running, out);
	if (!next)
		return -ENOMEM;
	ret = policy_nta_add(next, zone, until, reason, err, sizeof(err));
	if (ret) {
		audit(c, who, "nta-add", running, NULL, zone, "failed", err);
		fprintf(out, "error: %s\n", err);
		free(next);
		return ret;
	}
	policy_format_time(until, when, sizeof(when));
	snprintf(detail, sizeof(detail), "until %s, reason: %s", when, reason);
	ret = apply(c, who, "nta-add", next, detail, out);
	if (!ret)
		policy_history_replace(&c->hist, next);
	free(next);
	return ret;
}

static int do_nta_del(struct control *c, const struct policy_caller *who, const char *zone,
		      FILE *out)
{
	const struct dw_config *running = daemon_policy(c->d);
	struct dw_config *next = copy_policy(running, out);
	char err[512];
	int ret;

	if (!next)
		return -ENOMEM;
	ret = policy_nta_del(next, zone, err, sizeof(err));
	if (ret) {
		audit(c, who, "nta-del", running, NULL, zone, "failed", err);
		fprintf(out, "error: %s\n", err);
	} else {
		ret = apply(c, who, "nta-del", next, NULL, out);
		if (!ret)
			policy_history_replace(&c->hist, next);
	}
	free(next);
	return ret;
}

/* Called every tick: NTAs end by themselves, and say so in an audit event. */
static void expire_ntas(struct control *c)
{
	const struct policy_caller who = {.kind = CALLER_TIMER};
	const struct dw_config *running = daemon_policy(c->d);
	time_t now = time(NULL), next_expiry = policy_nta_next_expiry(running);
	char names[512], detail[600];
	struct dw_config *next;
	FILE *sink;

	if (!next_expiry || next_expiry > now || now < c->expiry_retry)
		return;
	sink = fopen("/dev/null", "w");
	if (!sink)
		return;
	next = copy_policy(running, sink);
	if (next && policy_nta_expire(next, now, names, sizeof(names)) > 0) {
		snprintf(detail, sizeof(detail), "expired: %s", names);
		pr_info("control: negative trust anchor expired: %s", names);
		if (!apply(c, &who, "nta-expire", next, detail, sink)) {
			policy_history_replace(&c->hist, next);
			c->expiry_retry = 0;
		} else {
			c->expiry_retry = now + 10; /* bounded retries, not one per tick */
		}
	}
	free(next);
	fclose(sink);
}

/* --- requests ------------------------------------------------------------------------ */

static void write_status(struct control *c, FILE *out)
{
	char hash[POLICY_HASH_LEN], prev[POLICY_HASH_LEN] = "none";

	fprintf(out, "ok\n");
	daemon_write_status(c->d, out);
	policy_hash(daemon_policy(c->d), hash);
	if (c->hist.previous)
		policy_hash(c->hist.previous, prev);
	fprintf(out, "policy %s %s\nprevious_policy %s\nnegative_trust_anchors %d\n", hash,
		daemon_policy(c->d)->path, prev, daemon_policy(c->d)->n_ntas);
}

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
		audit(c, who, action, daemon_policy(c->d), NULL, request, "denied", why);
		fprintf(out, "denied: %s\n", why);
		return 0;
	}
	if (!strcmp(argv[0], "status") && argc == 1 && !rest) {
		write_status(c, out);
	} else if (!strcmp(argv[0], "stats") && argc == 1 && !rest) {
		fprintf(out, "ok\n");
		daemon_write_stats(c->d, out);
	} else if (!strcmp(argv[0], "reload") && !rest &&
		   (argc == 1 || (argc == 2 && !strcmp(argv[1], "allow-drops")))) {
		return start_reload(c, who, argc == 2, client, out);
	} else if (!strcmp(action, "policy-rollback") && argc == 2 && !rest) {
		do_rollback(c, who, out);
	} else if (!strcmp(action, "nta-add") && argc == 4 && rest) {
		do_nta_add(c, who, argv[2], argv[3], rest, out);
	} else if (!strcmp(action, "nta-del") && argc == 3 && !rest) {
		do_nta_del(c, who, argv[2], out);
	} else if (!strcmp(action, "nta-list") && argc == 2 && !rest) {
		fprintf(out, "ok\n");
		policy_nta_list(daemon_policy(c->d), time(NULL), out);
	} else if (!strcmp(argv[0], "flush") && argc <= 2 && !rest) {
		char name[CFG_NAME_LEN];
		int ret;

		if (argc == 2 && config_normalize_name(argv[1], name, sizeof(name))) {
			fprintf(out, "error: '%s' is not a domain name\n", argv[1]);
			return 0;
		}
		ret = daemon_flush(c->d, argc == 2 ? name : NULL);
		audit(c, who, "flush", NULL, NULL, argc == 2 ? name : "everything",
		      ret ? "failed" : "applied", ret ? strerror(-ret) : "");
		if (ret)
			fprintf(out, "error: flush failed: %s\n", strerror(-ret));
		else
			fprintf(out, "ok\nflushed %s\n", argc == 2 ? name : "everything");
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
	expire_ntas(c);
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

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
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

struct control *control_start(struct daemon *d, const struct dw_config *cfg, char *err,
			      size_t err_len)
{
	struct control *c = calloc(1, sizeof(*c));
	const struct dw_config *running = daemon_policy(d);
	int i;

	if (!c) {
		snprintf(err, err_len, "control socket: out of memory");
		return NULL;
	}
	c->d = d;
	c->loop = daemon_loop(d);
	c->fd = -1;
	c->timer_id = -1;
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		c->clients[i].fd = -1;
		c->clients[i].owner = c;
	}
	if (policy_history_init(&c->hist, running ? running : cfg) < 0) {
		snprintf(err, err_len, "control socket: out of memory");
		goto fail;
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
	if (c->reload) {
		/* The probe is bounded by the upstream timeouts: wait for it. */
		pthread_join(c->reload->thread, NULL);
		loop_del_fd(c->loop, c->reload->done[0]);
		reload_job_free(c->reload);
		c->reload = NULL;
	}
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
	policy_history_free(&c->hist);
	free(c);
}

void control_reload_signal(struct control *c)
{
	const struct policy_caller who = {.kind = CALLER_SIGNAL};
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out) {
		pr_err("reload on SIGHUP: out of memory");
		return;
	}
	/* When the probe runs, its end is logged by on_reload_done. */
	start_reload(c, &who, false, NULL, out);
	fclose(out);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pr_info("reload (SIGHUP): %s", line);
	free(text);
}
