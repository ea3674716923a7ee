// SPDX-License-Identifier: BSD-2-Clause
/*
 * policy_ctl.c: the running policy's lifecycle (policy_ctl.h). Every change,
 * and every attempt that failed or was refused, becomes an audit event with
 * the diff between the policies; an applied change drops the cached verdicts
 * judged under the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "common/log.h"
#include "daemon/policy_ctl.h"
#include "validator/policy_probe.h"

#define PCTL_TICK_MS   1000
#define PCTL_NTA_MAX_S (30 * 86400) /* an NTA is an incident measure, not a policy */

struct policy_ctl {
	struct policy_enforcer enf;
	struct loop *loop;
	int timer_id;
	struct policy_history hist;
	time_t expiry_retry;	   /* after a failed expiry, when to try again */
	struct reload_job *reload; /* the reload being probed, or NULL */
};

static const struct dw_config *running_policy(struct policy_ctl *p)
{
	return p->enf.policy(p->enf.ctx);
}

static void audit(struct policy_ctl *p, const struct policy_caller *who, const char *action,
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
		p->enf.event(p->enf.ctx, json);
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
static int apply(struct policy_ctl *p, const struct policy_caller *who, const char *action,
		 const struct dw_config *next, const char *detail, FILE *out)
{
	const struct dw_config *running = running_policy(p);
	char summary[POLICY_SUMMARY_LEN + 256], err[512] = "";
	int ret;

	policy_diff(running, next, summary, POLICY_SUMMARY_LEN);
	if (detail && *detail) {
		size_t l = strlen(summary);

		snprintf(summary + l, sizeof(summary) - l, "; %s", detail);
	}
	ret = p->enf.apply(p->enf.ctx, next, err, sizeof(err));
	if (ret) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-ret));
		pr_warn("control: %s not applied, the running policy stays: %s", action, err);
		audit(p, who, action, running, next, summary, "failed", err);
		fprintf(out, "error: %s not applied, the running policy stays: %s\n", action, err);
		return ret;
	}
	/*
	 * Cached verdicts were judged under the old anchors, NTAs and zone
	 * settings: drop them so every reply is judged under the new policy.
	 */
	if (strcmp(summary, "no change"))
		p->enf.flush(p->enf.ctx, NULL);
	/* running now points at the new policy: hash the copy kept in history. */
	audit(p, who, action, p->hist.current, next, summary, "applied", "");
	fprintf(out, "ok\n%s applied: %s\n", action, summary);
	return 0;
}

/* --- reload and rollback --------------------------------------------------------- */

/*
 * A reload probes every zone before it applies. The probe runs on its own
 * thread with its own validator: its upstream replies cross the hooks like
 * any other and come back only while the loop keeps consuming punts, and
 * enforcement must not pause for it. The caller waits for done();
 * the loop finishes the reload when the thread says it is done.
 */
struct reload_job {
	struct policy_ctl *p;
	pthread_t thread;
	int done[2]; /* the thread writes one byte when the probe is over */
	struct policy_caller who;
	bool allow_drops;
	policy_answer_fn answer; /* NULL for SIGHUP: the log gets it */
	void *answer_arg;
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
static int probe_gate(struct policy_ctl *p, struct reload_job *j, FILE *out, FILE *body)
{
	const struct dw_config *running = running_policy(p);
	char err[1024] = "", dropped[512] = "";
	size_t used = 0;
	int i, newly = 0;

	if (j->n < 0) {
		audit(p, &j->who, "reload", running, j->next, "", "failed", j->err);
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
	audit(p, &j->who, "reload", running, j->next, "", "refused", err);
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

/* Deliver a finished reload's answer: to its caller, or to the log (SIGHUP). */
static void reload_answer(struct reload_job *j, char *text, size_t len)
{
	char *line, *save = NULL;

	if (j->answer) {
		j->answer(j->answer_arg, text, len);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pr_info("reload (SIGHUP): %s", line);
}

static void on_reload_done(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct reload_job *j = ctx;
	struct policy_ctl *p = j->p;
	char *text = NULL, *probe_text = NULL;
	size_t len = 0, probe_len = 0;
	FILE *out, *body;
	char one;
	int ret;

	if (read(fd, &one, 1) < 0 && errno == EAGAIN)
		return;
	pthread_join(j->thread, NULL);
	loop_del_fd(p->loop, fd);
	p->reload = NULL;
	out = open_memstream(&text, &len);
	body = open_memstream(&probe_text, &probe_len);
	if (out && body) {
		/* NTAs may have changed while the probe ran: carry the current ones. */
		strip_runtime_ntas(j->next);
		policy_nta_carry(running_policy(p), j->next, time(NULL));
		ret = probe_gate(p, j, out, body);
		if (!ret)
			ret = apply(p, &j->who, "reload", j->next, NULL, out);
		if (!ret)
			policy_history_push(&p->hist, j->next);
		fclose(body);
		body = NULL;
		fputs(probe_text ? probe_text : "", out);
	}
	if (body)
		fclose(body);
	if (out)
		fclose(out);
	reload_answer(j, text ? text : (char *)"error: out of memory\n",
		      text ? len : strlen("error: out of memory\n"));
	free(text);
	free(probe_text);
	reload_job_free(j);
}

/*
 * Start a reload. Returns 1 when the answer will come later (the probe
 * runs), 0 when it is already written to out (an error).
 */
int policy_ctl_reload(struct policy_ctl *p, const struct policy_caller *who, bool allow_drops,
		      policy_answer_fn answer, void *arg, FILE *out)
{
	const struct dw_config *running = running_policy(p);
	struct reload_job *j;
	char err[1024] = "";

	if (p->reload) {
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
	j->p = p;
	j->who = *who;
	j->allow_drops = allow_drops;
	j->answer = answer;
	j->answer_arg = arg;
	j->done[0] = j->done[1] = -1;
	if (config_load(running->path, j->next, err, sizeof(err))) {
		pr_warn("control: reload failed, the running policy stays: %s", err);
		audit(p, who, "reload", running, NULL, "", "failed", err);
		fprintf(out, "error: reload failed, the running policy stays: %s\n", err);
		goto fail;
	}
	memcpy(j->running, running, sizeof(*running));
	policy_nta_carry(running, j->next, time(NULL));
	if (pipe2(j->done, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    loop_add_fd(p->loop, j->done[0], EPOLLIN, on_reload_done, j) < 0) {
		fprintf(out, "error: reload: cannot wait for the probe\n");
		goto fail;
	}
	if (pthread_create(&j->thread, NULL, reload_probe_thread, j)) {
		loop_del_fd(p->loop, j->done[0]);
		fprintf(out, "error: reload: cannot start the probe\n");
		goto fail;
	}
	p->reload = j;
	return 1;
fail:
	if (j)
		reload_job_free(j);
	return 0;
}

int policy_ctl_rollback(struct policy_ctl *p, const struct policy_caller *who, FILE *out)
{
	const struct dw_config *running = running_policy(p);
	struct dw_config *next;
	int ret;

	if (!p->hist.previous) {
		audit(p, who, "rollback", running, NULL, "", "failed", "no previous policy");
		fprintf(out, "error: no previous policy to roll back to\n");
		return -ENOENT;
	}
	next = copy_policy(p->hist.previous, out);
	if (!next)
		return -ENOMEM;
	/* NTAs added at run time are incident measures: they outlive the rollback. */
	strip_runtime_ntas(next);
	policy_nta_carry(running, next, time(NULL));
	ret = apply(p, who, "rollback", next, NULL, out);
	if (!ret) {
		policy_history_swap(&p->hist);
		policy_history_replace(&p->hist, next);
	}
	free(next);
	return ret;
}

/* --- negative trust anchors -------------------------------------------------------- */

int policy_ctl_nta_add(struct policy_ctl *p, const struct policy_caller *who, const char *zone,
		       const char *duration, const char *reason, FILE *out)
{
	const struct dw_config *running = running_policy(p);
	char err[512], detail[512], when[32];
	struct dw_config *next;
	uint64_t ms;
	time_t until;
	int ret;

	if (config_parse_duration(duration, &ms) || ms < 1000 || ms > PCTL_NTA_MAX_S * 1000ull) {
		snprintf(err, sizeof(err), "'%s' is not a duration from 1s to 30d (e.g. 2h)",
			 duration);
		audit(p, who, "nta-add", running, NULL, zone, "failed", err);
		fprintf(out, "error: %s\n", err);
		return -EINVAL;
	}
	until = time(NULL) + (time_t)((ms + 999) / 1000);
	next = copy_policy(running, out);
	if (!next)
		return -ENOMEM;
	ret = policy_nta_add(next, zone, until, reason, err, sizeof(err));
	if (ret) {
		audit(p, who, "nta-add", running, NULL, zone, "failed", err);
		fprintf(out, "error: %s\n", err);
		free(next);
		return ret;
	}
	policy_format_time(until, when, sizeof(when));
	snprintf(detail, sizeof(detail), "until %s, reason: %s", when, reason);
	ret = apply(p, who, "nta-add", next, detail, out);
	if (!ret)
		policy_history_replace(&p->hist, next);
	free(next);
	return ret;
}

int policy_ctl_nta_del(struct policy_ctl *p, const struct policy_caller *who, const char *zone,
		       FILE *out)
{
	const struct dw_config *running = running_policy(p);
	struct dw_config *next = copy_policy(running, out);
	char err[512];
	int ret;

	if (!next)
		return -ENOMEM;
	ret = policy_nta_del(next, zone, err, sizeof(err));
	if (ret) {
		audit(p, who, "nta-del", running, NULL, zone, "failed", err);
		fprintf(out, "error: %s\n", err);
	} else {
		ret = apply(p, who, "nta-del", next, NULL, out);
		if (!ret)
			policy_history_replace(&p->hist, next);
	}
	free(next);
	return ret;
}

/* NTAs end by themselves, and say so in an audit event. */
void policy_ctl_expire(struct policy_ctl *p)
{
	const struct policy_caller who = {.kind = CALLER_TIMER};
	const struct dw_config *running = running_policy(p);
	time_t now = time(NULL), next_expiry = policy_nta_next_expiry(running);
	char names[512], detail[600];
	struct dw_config *next;
	FILE *sink;

	if (!next_expiry || next_expiry > now || now < p->expiry_retry)
		return;
	sink = fopen("/dev/null", "w");
	if (!sink)
		return;
	next = copy_policy(running, sink);
	if (next && policy_nta_expire(next, now, names, sizeof(names)) > 0) {
		snprintf(detail, sizeof(detail), "expired: %s", names);
		pr_info("control: negative trust anchor expired: %s", names);
		if (!apply(p, &who, "nta-expire", next, detail, sink)) {
			policy_history_replace(&p->hist, next);
			p->expiry_retry = 0;
		} else {
			p->expiry_retry = now + 10; /* bounded retries, not one per tick */
		}
	}
	free(next);
	fclose(sink);
}

void policy_ctl_reload_signal(struct policy_ctl *p)
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
	policy_ctl_reload(p, &who, false, NULL, NULL, out);
	fclose(out);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pr_info("reload (SIGHUP): %s", line);
	free(text);
}

void policy_ctl_nta_list(struct policy_ctl *p, FILE *out)
{
	fprintf(out, "ok\n");
	policy_nta_list(running_policy(p), time(NULL), out);
}

int policy_ctl_flush(struct policy_ctl *p, const struct policy_caller *who, const char *name,
		     FILE *out)
{
	int ret = p->enf.flush(p->enf.ctx, name);

	audit(p, who, "flush", NULL, NULL, name ? name : "everything", ret ? "failed" : "applied",
	      ret ? strerror(-ret) : "");
	if (ret)
		fprintf(out, "error: flush failed: %s\n", strerror(-ret));
	else
		fprintf(out, "ok\nflushed %s\n", name ? name : "everything");
	return ret;
}

void policy_ctl_denied(struct policy_ctl *p, const struct policy_caller *who, const char *action,
		       const char *request, const char *why)
{
	audit(p, who, action, running_policy(p), NULL, request, "denied", why);
}

void policy_ctl_write_status(struct policy_ctl *p, FILE *out)
{
	const struct dw_config *running = running_policy(p);
	char hash[POLICY_HASH_LEN], prev[POLICY_HASH_LEN] = "none";

	policy_hash(running, hash);
	if (p->hist.previous)
		policy_hash(p->hist.previous, prev);
	fprintf(out, "policy %s %s\nprevious_policy %s\nnegative_trust_anchors %d\n", hash,
		running->path, prev, running->n_ntas);
}

static void on_tick(struct loop *l, void *ctx)
{
	policy_ctl_expire(ctx);
}

struct policy_ctl *policy_ctl_new(const struct policy_enforcer *enf, struct loop *loop)
{
	struct policy_ctl *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->enf = *enf;
	p->loop = loop;
	if (policy_history_init(&p->hist, running_policy(p)) < 0) {
		free(p);
		return NULL;
	}
	p->timer_id = loop_add_timer(loop, PCTL_TICK_MS, on_tick, p);
	if (p->timer_id < 0) {
		policy_history_free(&p->hist);
		free(p);
		return NULL;
	}
	return p;
}

void policy_ctl_free(struct policy_ctl *p)
{
	if (!p)
		return;
	if (p->reload) {
		/* The probe is bounded by the upstream timeouts: wait for it. */
		pthread_join(p->reload->thread, NULL);
		loop_del_fd(p->loop, p->reload->done[0]);
		reload_job_free(p->reload);
		p->reload = NULL;
	}
	loop_del_timer(p->loop, p->timer_id);
	policy_history_free(&p->hist);
	free(p);
}
