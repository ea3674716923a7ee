// SPDX-License-Identifier: BSD-2-Clause
/*
 * daemon.c: the running daemon. Punts arrive from the ring buffer, go to the
 * validation workers keyed by verdict key, and come back as results on the
 * loop thread, where verdicts are written, allowed held replies released and
 * events emitted. Every map write and release happens on the loop thread.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <ldns/ldns.h>
#include <bpf/bpf.h>

#include "daemon/attach.h"
#include "daemon/caps.h"
#include "daemon/control.h"
#include "daemon/counters.h"
#include "daemon/daemon.h"
#include "daemon/daemon_run.h"
#include "common/dns_question.h"
#include "daemon/events.h"
#include "daemon/heartbeat.h"
#include "daemon/loader.h"
#include "common/log.h"
#include "daemon/metrics.h"
#include "daemon/punt.h"
#include "daemon/release.h"
#include "daemon/stage_lat.h"
#include "daemon/valpool.h"
#include "daemon/verdict_index.h"
#include "daemon/verdict_map.h"
#include "daemon/verdict_policy.h"
#include "daemon/bpffs.h"
#include "daemon/punt_key.h"

/*
 * A held reply older than this is not released: its client has given up or
 * retried (e.g. punts left in the pinned ring while no daemon ran), and a
 * late copy would only confuse it. The verdict is still written.
 */
#define RELEASE_MAX_AGE_NS (3ull * 1000000000ull)

/* Jobs in flight (queued or running); beyond it the failure mode stands. */
#define DAEMON_QUEUE_MAX 1024

struct daemon_stats {
	uint64_t punts_held, punts_monitor, punts_refused;
	uint64_t unvalidated_released, unvalidated_dropped; /* refused punts, by failure mode */
	uint64_t verdicts_evicted; /* pushed out of the name index, deleted from the kernel */
	uint64_t key_mismatch, key_uncomputable;
	uint64_t verdicts_allow, verdicts_deny, verdict_write_failed;
	uint64_t released, release_failed, release_skipped_tcp, release_skipped_stale;
	uint64_t outcome[4]; /* by enum val_outcome */
	uint64_t events;
	uint64_t validate_ns_total, validations_timed;
	uint64_t prefetch_queries; /* query records from the query hook */
	uint64_t prefetch_ignored; /* not IN, no longer enforced, or prefetch off */
	uint64_t prefetch_hits; /* held replies judged after a prefetch without an upstream query */
};

struct daemon {
	struct dw_config *cfg;
	struct loop *loop;
	struct loader ld;
	struct attach *att;
	struct punt_reader *punts;
	struct release *rel;
	struct valpool *pool;
	struct events *ev;
	struct metrics *met;
	struct control *ctl;
	struct verdict_index *vidx; /* verdict key -> question name, for flush NAME */
	struct daemon_opts opts;
	int sigfd;
	uint64_t started_ns;
	struct daemon_stats st;
	struct stage_lat *lat; /* where a held reply's time goes; NULL: not measured */
};

const struct dw_config *daemon_policy(const struct daemon *d)
{
	return d->cfg;
}

struct loop *daemon_loop(struct daemon *d)
{
	return d->loop;
}

void daemon_event(struct daemon *d, const char *json)
{
	events_write(d->ev, json);
	d->st.events++;
}

/* --- punts in ------------------------------------------------------------ */

static void release_or_refuse(struct daemon *d, const struct dw_punt *p)
{
	if (!(p->flags & DW_PUNT_F_HELD))
		return;
	if (p->l4 != IPPROTO_UDP) {
		/* TCP: the server retransmits, and the retransmission meets the verdict. */
		d->st.release_skipped_tcp++;
		return;
	}
	if (verdict_now_ns() - p->ts_ns > RELEASE_MAX_AGE_NS) {
		d->st.release_skipped_stale++;
		return;
	}
	if (release_frame(d->rel, p))
		d->st.release_failed++;
	else
		d->st.released++;
}

/*
 * Remember which name a verdict is for. When the index is full its oldest key
 * leaves the kernel map too, so flush NAME never misses a verdict of this run;
 * when a name cannot be recorded, the verdict goes rather than stay unfindable.
 */
static void record_verdict(struct daemon *d, const struct dw_verdict_key *key, const char *name)
{
	struct dw_verdict_key old;
	int rc = vindex_put(d->vidx, key, name, &old);

	if (rc == 1) {
		bpf_map_delete_elem(d->ld.fd_verdicts, &old);
		d->st.verdicts_evicted++;
	} else if (rc < 0) {
		bpf_map_delete_elem(d->ld.fd_verdicts, key);
	}
}

/* verdict_write, and a replaced verdict leaves the data plane's memo too. */
static int write_verdict(struct daemon *d, const struct dw_verdict_key *key, uint8_t verdict,
			 uint8_t reason, uint32_t zone_id, uint32_t ttl_s)
{
	int rc = verdict_write(d->ld.fd_verdicts, key, verdict, reason, zone_id, ttl_s);

	if (rc == 1 && verdict_memo_invalidate(d->ld.fd_config))
		return -EIO; /* the old verdict may still be remembered: count it failed */
	return rc;
}

/*
 * A punt the daemon cannot validate (queue full, out of memory): the failure
 * mode of the zone in force for its name decides, as for an INDETERMINATE
 * outcome. Failing open writes the same short ALLOW an open INDETERMINATE
 * gets, so the released copy (seen again by a tc ingress hook) and its
 * repeats pass without another punt while the queue drains. A question that
 * does not parse stays dropped: the validator would call it bogus.
 */
static void on_unvalidated(struct daemon *d, const struct dw_punt *p,
			   const struct dw_verdict_key *key)
{
	const struct cfg_zone *z;
	struct dns_question q;

	d->st.punts_refused++;
	if (!(p->flags & DW_PUNT_F_HELD))
		return; /* monitored: it passed already */
	if (dnsq_parse(p->pkt + p->dns_off, p->dns_len, &q)) {
		d->st.unvalidated_dropped++;
		return;
	}
	z = config_find_zone(d->cfg, q.name);
	if (verdict_unvalidated(z, true) != VERDICT_UNVAL_RELEASE) {
		d->st.unvalidated_dropped++;
		return;
	}
	if (z && z->mode == CFG_MODE_ENFORCE &&
	    write_verdict(d, key, DW_VERDICT_ALLOW, DW_REASON_FAIL_OPEN,
			  (uint32_t)(z - d->cfg->zones), d->cfg->limits.negative_cache_ttl) >= 0)
		record_verdict(d, key, q.name);
	d->st.unvalidated_released++;
	release_or_refuse(d, p);
}

/*
 * A workload's query for an enforced zone (DW_PUNT_F_QUERY): start proving
 * its question now; nothing is held, nothing is written. The policy in force
 * decides again (a record may predate a reload).
 */
static void on_query(struct daemon *d, const struct dw_punt *p)
{
	const struct cfg_zone *z;
	struct dns_question dq;
	struct vp_question q;

	d->st.prefetch_queries++;
	if (dnsq_parse(p->pkt + p->dns_off, p->dns_len, &dq) || dq.qclass != LDNS_RR_CLASS_IN ||
	    !d->cfg->prefetch || !(z = config_find_zone(d->cfg, dq.name)) ||
	    z->mode != CFG_MODE_ENFORCE) {
		d->st.prefetch_ignored++;
		return;
	}
	memcpy(q.name, dq.name, sizeof(q.name));
	q.qtype = dq.qtype;
	q.qclass = dq.qclass;
	valpool_prefetch(d->pool, &q); /* counted by the pool, whatever the outcome */
}

static void on_punt(const struct dw_punt *p, void *ctx)
{
	struct daemon *d = ctx;
	const uint8_t *msg = p->pkt + p->dns_off;
	struct dw_verdict_key key = p->key;
	size_t sz = offsetof(struct dw_punt, pkt) + p->pkt_len;
	struct dw_punt *copy;
	int rc;

	if (p->flags & DW_PUNT_F_QUERY) {
		on_query(d, p);
		return;
	}
	/* The validator's own upstream replies never get here: the hook passes
	 * them (bpf/lib/selfreply.bpf.h, counter datapath_validator_reply). */
	if (p->flags & DW_PUNT_F_HELD) {
		uint64_t now = verdict_now_ns();

		d->st.punts_held++;
		if (d->lat && now > p->ts_ns)
			stage_lat_add(d->lat, STAGE_RING, now - p->ts_ns);
	} else
		d->st.punts_monitor++;
	/* The verdict goes under the reference key computed here from the held bytes. */
	rc = punt_key_compute(msg, p->dns_len, d->ld.digest_key, &key);
	if (rc) {
		d->st.key_uncomputable++;
		if (p->flags & DW_PUNT_F_TOO_COMPLEX)
			key = p->key;
	} else if (!(p->flags & DW_PUNT_F_TOO_COMPLEX) && memcmp(&key, &p->key, sizeof(key))) {
		if (d->st.key_mismatch++ < 10)
			pr_warn("punt: the data plane's verdict key differs from the reference "
				"(qtype %u); verdicts for it will miss",
				p->key.qtype);
	}
	copy = malloc(sz);
	if (!copy) {
		on_unvalidated(d, p, &key);
		return;
	}
	memcpy(copy, p, sz);
	rc = valpool_submit(d->pool, &key, msg, p->dns_len, copy);
	if (rc < 0) {
		/* The queue (or this key's waiter list) is full. */
		free(copy);
		on_unvalidated(d, p, &key);
	}
}

/* --- results out ---------------------------------------------------------- */

static void addr_str(const struct dw_punt *p, bool src, char *out, size_t len)
{
	const uint8_t *ip = p->pkt + p->l3_off;
	size_t room = p->pkt_len - p->l3_off;

	snprintf(out, len, "?");
	if (p->l3 == 4 && room >= 20)
		inet_ntop(AF_INET, ip + (src ? 12 : 16), out, len);
	else if (p->l3 == 6 && room >= 40)
		inet_ntop(AF_INET6, ip + (src ? 8 : 24), out, len);
}

static const char *hook_name(uint8_t hook)
{
	switch (hook) {
	case DW_HOOK_XDP:
		return "xdp";
	case DW_HOOK_TC_INGRESS:
		return "tc-ingress";
	case DW_HOOK_TC_EGRESS:
		return "tc-egress";
	default:
		return "?";
	}
}

static void emit_verdict_event(struct daemon *d, const struct vp_job *j,
			       const struct dns_question *q, const struct cfg_zone *z,
			       const struct verdict_decision *dec, const char *action)
{
	const struct dw_punt *p = j->waiters[0];
	char client[INET6_ADDRSTRLEN], resolver[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE] = "?";
	char *type = ldns_rr_type2str(q->qtype);
	struct json_obj o;

	addr_str(p, false, client, sizeof(client));
	addr_str(p, true, resolver, sizeof(resolver));
	if_indextoname(p->ifindex, ifname);
	json_begin(&o, "verdict");
	json_str(&o, "name", q->name);
	json_str(&o, "type", type ? type : "?");
	json_str(&o, "client", client);
	json_str(&o, "resolver", resolver);
	json_str(&o, "outcome", j->rc ? "bogus" : val_outcome_name(j->res.outcome));
	json_str(&o, "verdict", verdict_code_name(dec->verdict));
	json_str(&o, "action", action);
	json_str(&o, "zone", z->name);
	json_str(&o, "mode", z->mode == CFG_MODE_MONITOR ? "monitor" : "enforce");
	json_str(&o, "why", verdict_reason_name(dec->reason));
	json_str(&o, "reason", j->res.reason);
	json_str(&o, "hook", hook_name(p->hook));
	json_str(&o, "interface", ifname);
	json_u64(&o, "replies", j->n_waiters);
	free(type);
	daemon_event(d, json_end(&o));
}

static void free_waiters(struct vp_job *j)
{
	int i;

	for (i = 0; i < j->n_waiters; i++)
		free(j->waiters[i]);
	j->n_waiters = 0;
}

static void release_all(struct daemon *d, struct vp_job *j)
{
	int i;

	for (i = 0; i < j->n_waiters; i++)
		release_or_refuse(d, j->waiters[i]);
}

/* The worker's side of one job, stage by stage. */
static void lat_job(struct daemon *d, const struct vp_job *j, uint64_t now)
{
	if (!d->lat || !j->done_ns)
		return;
	stage_lat_add(d->lat, STAGE_QUEUE, j->started_ns - j->submitted_ns);
	stage_lat_add(d->lat, STAGE_VALIDATE, j->done_ns - j->started_ns);
	stage_lat_add(d->lat, STAGE_UPSTREAM, j->upstream_ns);
	stage_lat_add(d->lat, STAGE_SIGS, j->sig_verify_ns);
	stage_lat_add(d->lat, STAGE_N_UPSTREAM, j->upstream_queries);
	stage_lat_add(d->lat, STAGE_N_SIGS, j->signatures);
	stage_lat_add(d->lat, STAGE_HANDBACK, now > j->done_ns ? now - j->done_ns : 0);
}

/* The loop's side: verdict write (t0..t1) and release (t1..now) of held replies. */
static void lat_loop(struct daemon *d, const struct vp_job *j, uint64_t t0, uint64_t t1)
{
	const struct dw_punt *p = j->waiters[0];
	uint64_t now = verdict_now_ns();

	if (!d->lat || !j->n_waiters || !(p->flags & DW_PUNT_F_HELD))
		return;
	stage_lat_add(d->lat, STAGE_VERDICT, t1 - t0);
	stage_lat_add(d->lat, STAGE_RELEASE, now - t1);
	if (now > p->ts_ns)
		stage_lat_add(d->lat, STAGE_HOLD, now - p->ts_ns);
}

static void on_result(struct vp_job *j, void *ctx)
{
	struct daemon *d = ctx;
	struct verdict_decision dec;
	const struct cfg_zone *z;
	struct dns_question q;
	bool monitor;
	const char *action;
	uint64_t t0 = verdict_now_ns(), t1;

	if (j->rc == -ECANCELED)
		goto out;
	lat_job(d, j, t0);
	if (j->after != VP_AFTER_NONE && !j->upstream_queries)
		d->st.prefetch_hits++; /* the prefetch had the truth ready */
	d->st.validate_ns_total += j->validate_ns;
	d->st.validations_timed++;
	if (j->rc) /* the held message did not parse: the validator says BOGUS with a reason */
		j->res.outcome = VAL_BOGUS;
	if (dnsq_parse(j->msg, j->msg_len, &q) || !(z = config_find_zone(d->cfg, q.name))) {
		/* No longer protected by the policy in force: the data plane passes such replies now. */
		release_all(d, j);
		goto out;
	}
	if ((unsigned)j->res.outcome < 4)
		d->st.outcome[j->res.outcome]++;
	verdict_decide(z, &j->res, &d->cfg->limits, &dec);
	monitor = z->mode == CFG_MODE_MONITOR;
	/* A monitored zone's replies already passed: only an ALLOW (stop punting) is cached. */
	if (!monitor || dec.verdict == DW_VERDICT_ALLOW) {
		if (write_verdict(d, &j->key, dec.verdict, dec.reason,
				  (uint32_t)(z - d->cfg->zones), dec.ttl) < 0)
			d->st.verdict_write_failed++;
		else if (dec.verdict == DW_VERDICT_ALLOW)
			d->st.verdicts_allow++;
		else
			d->st.verdicts_deny++;
		record_verdict(d, &j->key, q.name);
	}
	t1 = verdict_now_ns();
	if (dec.verdict == DW_VERDICT_ALLOW && !monitor) {
		release_all(d, j);
		lat_loop(d, j, t0, t1);
	}
	if (dec.plain_allow)
		goto out;
	action = monitor ? "reported" : (dec.verdict == DW_VERDICT_ALLOW ? "delivered" : "dropped");
	emit_verdict_event(d, j, &q, z, &dec, action);
out:
	free_waiters(j);
}

/* --- the daemon.h interface ---------------------------------------------- */

int daemon_apply_policy(struct daemon *d, const struct dw_config *next, char *err, size_t err_len)
{
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
	return 0;

restore_validators : {
	char ignored[256];

	valpool_set_policy(d->pool, d->cfg, ignored, sizeof(ignored));
}
	return rc;
}

int daemon_flush(struct daemon *d, const char *name)
{
	int n;

	if (!name || !strcmp(name, ".")) {
		n = verdict_flush(d->ld.fd_verdicts);
		vindex_clear(d->vidx);
	} else {
		/* The index knows each verdict's name: only name and below go. */
		n = verdict_flush_name(d->ld.fd_verdicts, d->vidx, name);
	}
	/* After the deletes: the data plane forgets what it remembered of them. */
	if (n >= 0 && verdict_memo_invalidate(d->ld.fd_config))
		n = -EIO;
	valpool_flush(d->pool, name);
	if (n >= 0)
		pr_info("flush %s: %d verdicts deleted", name ? name : "everything", n);
	return n < 0 ? n : 0;
}

int daemon_write_status(struct daemon *d, FILE *out)
{
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
	return 0;
}

static void stat_line(FILE *out, const char *name, uint64_t v)
{
	fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

int daemon_write_stats(struct daemon *d, FILE *out)
{
	uint64_t c[DW_CNT_MAX];
	struct release_stats rs;
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
	stat_line(out, "punts_held", d->st.punts_held);
	stat_line(out, "punts_monitor", d->st.punts_monitor);
	stat_line(out, "punts_refused", d->st.punts_refused);
	stat_line(out, "unvalidated_released", d->st.unvalidated_released);
	stat_line(out, "unvalidated_dropped", d->st.unvalidated_dropped);
	stat_line(out, "key_mismatch", d->st.key_mismatch);
	stat_line(out, "key_uncomputable", d->st.key_uncomputable);
	stat_line(out, "verdicts_allow", d->st.verdicts_allow);
	stat_line(out, "verdicts_deny", d->st.verdicts_deny);
	stat_line(out, "verdict_write_failed", d->st.verdict_write_failed);
	stat_line(out, "verdicts_indexed", vindex_count(d->vidx));
	stat_line(out, "verdicts_evicted", d->st.verdicts_evicted);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "outcome_%s", val_outcome_name(i));
		stat_line(out, name, d->st.outcome[i]);
	}
	stat_line(out, "released", d->st.released);
	stat_line(out, "release_failed", d->st.release_failed);
	stat_line(out, "release_skipped_tcp", d->st.release_skipped_tcp);
	stat_line(out, "release_skipped_stale", d->st.release_skipped_stale);
	release_get_stats(d->rel, &rs);
	stat_line(out, "release_xdp_live", rs.xdp_live);
	stat_line(out, "release_packet", rs.packet);
	stat_line(out, "release_raw", rs.raw);
	stat_line(out, "release_syscall_ns_total", rs.syscall_ns);
	stat_line(out, "hold_ns_total", rs.hold_ns_total);
	stat_line(out, "hold_ns_max", rs.hold_ns_max);
	stat_line(out, "validate_ns_total", d->st.validate_ns_total);
	valpool_get_stats(d->pool, &vs);
	stat_line(out, "validation_jobs", vs.jobs);
	stat_line(out, "validation_joined", vs.joined);
	stat_line(out, "validation_queue_full", vs.refused_full + vs.refused_waiters);
	stat_line(out, "validation_queued", vs.queued);
	stat_line(out, "upstream_queries", vs.val.upstream_queries);
	stat_line(out, "upstream_timeouts", vs.val.upstream_timeouts);
	stat_line(out, "signatures_verified", vs.val.signatures_verified);
	stat_line(out, "validator_cache_hits", vs.val.cache_hits);
	stat_line(out, "validator_cache_misses", vs.val.cache_misses);
	stat_line(out, "validator_limit_hits", vs.val.limit_hits);
	stat_line(out, "events", d->st.events);
	stat_line(out, "attachments", attach_count(d->att));
	stat_line(out, "upstream_ns_total", vs.val.upstream_ns);
	stat_line(out, "sig_verify_ns_total", vs.val.sig_verify_ns);
	stat_line(out, "validator_wildcard_synth", vs.val.wildcard_synth);
	stat_line(out, "query_hook_loaded", d->ld.prog_query >= 0);
	stat_line(out, "prefetch_queries", d->st.prefetch_queries);
	stat_line(out, "prefetch_ignored", d->st.prefetch_ignored);
	stat_line(out, "prefetch_started", vs.prefetch_started);
	stat_line(out, "prefetch_deduped", vs.prefetch_deduped);
	stat_line(out, "prefetch_dropped", vs.prefetch_dropped);
	stat_line(out, "prefetch_joined", vs.prefetch_joined);
	stat_line(out, "prefetch_pinned", vs.prefetch_pinned);
	stat_line(out, "prefetch_hits", d->st.prefetch_hits);
	if (d->lat)
		stage_lat_write(d->lat, out);
	return 0;
}

/* --- start and stop ------------------------------------------------------- */

static void on_signal(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			pr_info("SIGHUP: reloading %s", d->cfg->path);
			if (d->ctl)
				control_reload_signal(d->ctl);
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
	d->rel = release_new();
	d->vidx = vindex_new(DW_VERDICTS_MAX);
	d->lat = calloc(1, sizeof(*d->lat)); /* optional: without it nothing is measured */
	if (!d->rel || !d->vidx)
		return -1;
	d->pool = valpool_new(d->cfg, worker_threads(&d->opts), DAEMON_QUEUE_MAX, d->loop,
			      on_result, d, err, sizeof(err));
	if (!d->pool) {
		pr_err("validators: %s", err);
		return -1;
	}
	d->punts = punt_start(d->ld.fd_punts, d->loop, on_punt, d);
	if (!d->punts)
		return -1;
	d->att =
	    attach_start_query(d->cfg, d->ld.prog_xdp, d->ld.prog_tc, d->ld.prog_query, d->loop);
	if (!d->att)
		return -1;
	d->ctl = control_start(d, d->cfg, err, sizeof(err));
	if (!d->ctl)
		pr_warn("control socket: %s", err);
	if (d->cfg->metrics_listen[0])
		d->met = metrics_start(d, d->cfg->metrics_listen);
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
	if (d->ctl)
		control_stop(d->ctl);
	punt_stop(d->punts);
	valpool_free(d->pool);
	attach_stop(d->att, clean);
	release_free(d->rel);
	vindex_free(d->vidx);
	free(d->lat);
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
