// SPDX-License-Identifier: BSD-2-Clause
/*
 * daemon.c: the running daemon's life: start (load, policy, heartbeat,
 * attach, pool, control), signals, policy switches, status and stats, stop.
 * A punted reply's own path is reply_path.c. Every map write and release
 * happens on the loop thread.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "common/log.h"
#include "daemon/attach.h"
#include "daemon/bpffs.h"
#include "daemon/caps.h"
#include "daemon/chain_health.h"
#include "daemon/control.h"
#include "daemon/counters.h"
#include "daemon/daemon_run.h"
#include "daemon/events.h"
#include "daemon/heartbeat.h"
#include "daemon/loader.h"
#include "daemon/metrics.h"
#include "daemon/metrics_export.h"
#include "daemon/policy_ctl.h"
#include "daemon/punt.h"
#include "daemon/punt_budget.h"
#include "daemon/reply_path.h"
#include "daemon/selfstat.h"
#include "daemon/valpool.h"
#include "daemon/verdict_map.h"

/* Jobs in flight (queued or running); beyond it the failure mode stands. */
#define DAEMON_QUEUE_MAX 1024

struct daemon {
	struct dw_config *cfg;
	struct loop *loop;
	struct loader ld;
	struct attach *att;
	struct punt_reader *punts;
	struct reply_path *rp;
	struct valpool *pool;
	struct punt_budget *budget;
	struct events *ev;
	struct metrics *met;
	struct chain_health *health;
	struct policy_ctl *pctl;
	struct control *ctl;
	struct daemon_opts opts;
	int sigfd;
	uint64_t started_ns;
};

/* --- what the policy lifecycle enforces through ----------------------------- */

static const struct dw_config *daemon_policy(void *ctx)
{
	struct daemon *d = ctx;

	return d->cfg;
}

static void daemon_event(void *ctx, const char *json)
{
	struct daemon *d = ctx;

	events_write(d->ev, json);
}

/*
 * Switch to next atomically: the zones map, the resolver allowlist, the
 * validator (anchors, NTAs, upstreams, limits) and the data-plane settings
 * change together, or nothing changes and err says why. Verdicts for zones
 * that are no longer protected stop applying.
 */
static int daemon_apply_policy(void *ctx, const struct dw_config *next, char *err, size_t err_len)
{
	struct daemon *d = ctx;
	int rc;

	rc = valpool_set_policy(d->pool, next, err, err_len);
	if (rc)
		return rc;
	/* New links first, so no link next covers is ever without a program. */
	rc = attach_prepare(d->att, next);
	if (rc) {
		snprintf(err, err_len, "attaching to the new interfaces failed: %s", strerror(-rc));
		goto restore_validators;
	}
	rc = loader_apply_policy(&d->ld, next);
	if (rc) {
		snprintf(err, err_len, "writing the policy into the data plane failed: %s",
			 strerror(-rc));
		/* Put the policy in force back: maps, attachments and validators. */
		loader_apply_policy(&d->ld, d->cfg);
		attach_abort(d->att);
		goto restore_validators;
	}
	/* The new policy is in force: links it no longer names lose their program now. */
	attach_commit(d->att, next);
	memcpy(d->cfg, next, sizeof(*d->cfg));
	chain_health_set_policy(d->health, d->cfg);
	return 0;

restore_validators : {
	char ignored[256];

	valpool_set_policy(d->pool, d->cfg, ignored, sizeof(ignored));
}
	return rc;
}

/* Drop cached verdicts and validated data for name and below, or all when NULL. */
static int daemon_flush(void *ctx, const char *name)
{
	struct daemon *d = ctx;
	int n;

	n = reply_path_flush(d->rp, name);
	valpool_flush(d->pool, name);
	if (n >= 0)
		pr_info("flush %s: %d verdicts deleted", name ? name : "everything", n);
	return n < 0 ? n : 0;
}

/* --- what the control socket and the metrics endpoint read and do ------------ */

/* Human-readable state (attachments, heartbeat, zones), then the policy's lines. */
static int daemon_write_status(void *ctx, FILE *out)
{
	struct daemon *d = ctx;
	uint64_t now = verdict_now_ns(), hb = heartbeat_read(d->ld.fd_heartbeat);
	int i;

	fprintf(out, "pid %d\n", (int)getpid());
	fprintf(out, "config %s\n", d->cfg->path);
	fprintf(out, "pin_path %s\n", d->ld.pin_path);
	fprintf(out, "uptime_seconds %llu\n",
		(unsigned long long)((now - d->started_ns) / 1000000000ull));
	fprintf(out, "heartbeat_age_ms %llu\n",
		(unsigned long long)(hb && now > hb ? (now - hb) / 1000000ull : 0));
	fprintf(out, "zones %d\n", d->cfg->n_zones);
	for (i = 0; i < d->cfg->n_zones; i++) {
		const struct cfg_zone *z = &d->cfg->zones[i];

		fprintf(out, "zone %s %s require=%s failure=%s\n", z->name,
			z->mode == CFG_MODE_MONITOR ? "monitor" : "enforce",
			z->require == CFG_REQUIRE_NOT_BOGUS ? "not-bogus" : "secure",
			z->failure == CFG_FAIL_OPEN ? "open" : "closed");
	}
	if (d->ld.query_hook_off[0])
		fprintf(out, "query_hook not loaded (prefetch off): %s\n", d->ld.query_hook_off);
	else
		fprintf(out, "query_hook loaded (prefetch %s)\n", d->cfg->prefetch ? "on" : "off");
	fprintf(out, "attachments %d\n", attach_count(d->att));
	attach_write_status(d->att, out);
	policy_ctl_write_status(d->pctl, out);
	return 0;
}

static void stat_line(FILE *out, const char *name, uint64_t v)
{
	fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

/* Counters, one "name value" per line, the names the metrics endpoint uses. */
static int daemon_write_stats(void *ctx, FILE *out)
{
	struct daemon *d = ctx;
	uint64_t c[DW_CNT_MAX];
	struct vp_stats vs;
	char name[64];
	unsigned i;

	if (d->ld.fd_counters >= 0 && !counters_read(d->ld.fd_counters, c))
		for (i = 0; i < DW_CNT_MAX; i++) {
			snprintf(name, sizeof(name), "datapath_%s", counter_name(i));
			stat_line(out, name, c[i]);
		}
	stat_line(out, "punts_received", punt_received(d->punts));
	stat_line(out, "punts_malformed", punt_malformed(d->punts));
	reply_path_write_stats(d->rp, out);
	valpool_get_stats(d->pool, &vs);
	stat_line(out, "validation_jobs", vs.jobs);
	stat_line(out, "validation_joined", vs.joined);
	stat_line(out, "validation_queue_full", vs.refused_full + vs.refused_waiters);
	stat_line(out, "validation_queued", vs.queued);
	stat_line(out, "upstream_queries", vs.val.upstream_queries);
	stat_line(out, "upstream_timeouts", vs.val.upstream_timeouts);
	stat_line(out, "signatures_verified", vs.val.signatures_verified);
	stat_line(out, "signatures_remembered", vs.val.signatures_remembered);
	stat_line(out, "validator_cache_hits", vs.val.cache_hits);
	stat_line(out, "validator_cache_misses", vs.val.cache_misses);
	stat_line(out, "validator_limit_hits", vs.val.limit_hits);
	stat_line(out, "validator_cache_entries", vs.val.cache_entries);
	stat_line(out, "validator_cache_bytes", vs.val.cache_bytes);
	stat_line(out, "events", events_written(d->ev));
	stat_line(out, "attachments", attach_count(d->att));
	stat_line(out, "upstream_ns_total", vs.val.upstream_ns);
	stat_line(out, "sig_verify_ns_total", vs.val.sig_verify_ns);
	stat_line(out, "validator_wildcard_synth", vs.val.wildcard_synth);
	stat_line(out, "query_hook_loaded", d->ld.prog_query >= 0);
	selfstat_write(out);
	stat_line(out, "bpf_map_bytes", selfstat_map_bytes());
	stat_line(out, "prefetch_started", vs.prefetch_started);
	stat_line(out, "prefetch_deduped", vs.prefetch_deduped);
	stat_line(out, "prefetch_dropped", vs.prefetch_dropped);
	stat_line(out, "prefetch_joined", vs.prefetch_joined);
	stat_line(out, "prefetch_pinned", vs.prefetch_pinned);
	punt_budget_write_stats(d->budget, out);
	return 0;
}

/* The metrics endpoint's exposition: the stats above, in Prometheus families, and more. */
static int daemon_write_metrics(void *ctx, FILE *out)
{
	struct daemon *d = ctx;
	uint64_t now = verdict_now_ns(), hb = heartbeat_read(d->ld.fd_heartbeat);
	const struct metrics_view v = {
	    .cfg = d->cfg,
	    .att = d->att,
	    .latency = reply_path_latency(d->rp),
	    .health = d->health,
	    .uptime_ns = now - d->started_ns,
	    .heartbeat_age_ns = hb && now > hb ? now - hb : 0,
	    .stats = daemon_write_stats,
	    .ctx = d,
	};

	return metrics_export_write(&v, out);
}

/* The control socket's changes are the policy lifecycle's. */
static int ctl_reload(void *ctx, const struct policy_caller *who, bool allow_drops,
		      control_answer_fn done, void *arg, FILE *out)
{
	return policy_ctl_reload(((struct daemon *)ctx)->pctl, who, allow_drops, done, arg, out);
}

static int ctl_rollback(void *ctx, const struct policy_caller *who, FILE *out)
{
	return policy_ctl_rollback(((struct daemon *)ctx)->pctl, who, out);
}

static int ctl_nta_add(void *ctx, const struct policy_caller *who, const char *zone,
		       const char *duration, const char *reason, FILE *out)
{
	return policy_ctl_nta_add(((struct daemon *)ctx)->pctl, who, zone, duration, reason, out);
}

static int ctl_nta_del(void *ctx, const struct policy_caller *who, const char *zone, FILE *out)
{
	return policy_ctl_nta_del(((struct daemon *)ctx)->pctl, who, zone, out);
}

static void ctl_nta_list(void *ctx, FILE *out)
{
	policy_ctl_nta_list(((struct daemon *)ctx)->pctl, out);
}

static int ctl_flush(void *ctx, const struct policy_caller *who, const char *name, FILE *out)
{
	return policy_ctl_flush(((struct daemon *)ctx)->pctl, who, name, out);
}

static void ctl_denied(void *ctx, const struct policy_caller *who, const char *action,
		       const char *request, const char *why)
{
	policy_ctl_denied(((struct daemon *)ctx)->pctl, who, action, request, why);
}

/* --- start and stop ------------------------------------------------------- */

static void on_signal(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			pr_info("SIGHUP: reloading %s", d->cfg->path);
			policy_ctl_reload_signal(d->pctl);
			continue;
		}
		pr_info("signal %u: stopping%s", si.ssi_signo,
			d->opts.keep_pinned ? " (programs stay attached and pinned)" : "");
		loop_stop(l);
	}
}

static int setup_signals(struct daemon *d, sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	/* Block before any thread starts, so workers inherit the mask and never take them. */
	if (pthread_sigmask(SIG_BLOCK, set, NULL))
		return -EINVAL;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		return -errno;
	}
	return loop_add_fd(d->loop, d->sigfd, EPOLLIN, on_signal, d);
}

static int worker_threads(const struct daemon_opts *opts)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (opts->threads > 0)
		return opts->threads;
	return n < 2 ? 2 : (n > 4 ? 4 : (int)n);
}

static int start(struct daemon *d)
{
	const struct policy_enforcer enforcer = {
	    .ctx = d,
	    .policy = daemon_policy,
	    .apply = daemon_apply_policy,
	    .flush = daemon_flush,
	    .event = daemon_event,
	};
	struct control_ops ops = {
	    .ctx = d,
	    .status = daemon_write_status,
	    .stats = daemon_write_stats,
	    .reload = ctl_reload,
	    .rollback = ctl_rollback,
	    .nta_add = ctl_nta_add,
	    .nta_del = ctl_nta_del,
	    .nta_list = ctl_nta_list,
	    .flush = ctl_flush,
	    .denied = ctl_denied,
	};
	char err[512] = "";
	sigset_t set;

	d->loop = loop_new();
	if (!d->loop || setup_signals(d, &set))
		return -1;
	d->ev = events_open(d->cfg->events_output);
	if (!d->ev)
		return -1;
	if (bpffs_ensure(d->cfg->pin_path[0] ? d->cfg->pin_path : DW_DEFAULT_PIN_PATH))
		return -1;
	if (loader_open(&d->ld, d->cfg))
		return -1;
	/* Policy first, then heartbeat, then attach: the program enforces from its first packet. */
	if (loader_apply_policy(&d->ld, d->cfg))
		return -1;
	heartbeat_start(d->ld.fd_heartbeat, d->loop);
	d->rp = reply_path_new(d->cfg, &d->ld, d->ev);
	if (!d->rp)
		return -1;
	d->pool = valpool_new(d->cfg, worker_threads(&d->opts), DAEMON_QUEUE_MAX, d->loop,
			      reply_path_on_result, d->rp, err, sizeof(err));
	if (!d->pool) {
		pr_err("validators: %s", err);
		return -1;
	}
	reply_path_set_pool(d->rp, d->pool);
	d->budget = punt_budget_start(d->ld.fd_punt_budget, d->ld.fd_punt_dests, d->cfg, d->pool,
				      DAEMON_QUEUE_MAX, d->loop);
	d->punts = punt_start(d->ld.fd_punts, d->loop, reply_path_on_punt, d->rp);
	if (!d->punts)
		return -1;
	d->att =
	    attach_start_query(d->cfg, d->ld.prog_xdp, d->ld.prog_tc, d->ld.prog_query, d->loop);
	if (!d->att)
		return -1;
	d->pctl = policy_ctl_new(&enforcer, d->loop);
	if (!d->pctl) {
		pr_err("policy: out of memory");
		return -1;
	}
	ops.loop = d->loop;
	d->ctl = control_start(&ops, d->cfg, err, sizeof(err));
	if (!d->ctl)
		pr_warn("control socket: %s", err);
	d->health = chain_health_start(d->cfg, d->loop, daemon_event, d);
	if (!d->health)
		pr_warn("chain health: zones are not probed on a schedule");
	if (d->cfg->metrics_listen[0])
		d->met = metrics_start(d->loop, daemon_write_metrics, d, d->cfg->metrics_listen);
	if (caps_drop_unneeded())
		pr_warn("running with every capability it started with");
	pr_info("running: %d zones, %d attachments, prefetch %s, pid %d", d->cfg->n_zones,
		attach_count(d->att),
		d->ld.prog_query < 0 ? "off (no query hook)" : (d->cfg->prefetch ? "on" : "off"),
		(int)getpid());
	return 0;
}

static void stop(struct daemon *d, bool started)
{
	/* A start that failed over a running install's pins must leave them enforcing. */
	bool clean = !d->opts.keep_pinned && (started || !d->ld.reused_maps);

	metrics_stop(d->met);
	chain_health_stop(d->health);
	/* A reload being probed ends unanswered before the client waiting for it is closed. */
	policy_ctl_free(d->pctl);
	if (d->ctl)
		control_stop(d->ctl);
	punt_stop(d->punts);
	punt_budget_stop(d->budget);
	valpool_free(d->pool);
	attach_stop(d->att, clean);
	reply_path_free(d->rp);
	loader_close(&d->ld, clean);
	events_close(d->ev);
	if (d->sigfd > 0)
		close(d->sigfd);
	loop_free(d->loop);
	free(d->cfg);
}

int daemon_main(const struct dw_config *cfg, const struct daemon_opts *opts)
{
	struct daemon d = {.opts = *opts, .sigfd = -1};
	int rc = 1;

	d.cfg = malloc(sizeof(*d.cfg));
	if (!d.cfg)
		return 1;
	memcpy(d.cfg, cfg, sizeof(*d.cfg));
	d.started_ns = verdict_now_ns();
	if (!start(&d)) {
		rc = loop_run(d.loop) ? 1 : 0;
		stop(&d, true);
	} else {
		stop(&d, false);
	}
	return rc;
}
