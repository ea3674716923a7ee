// SPDX-License-Identifier: BSD-2-Clause
/*
 * reply_path.c: a punted reply's way through the daemon. A punt from the ring
 * gets its verdict key from the held bytes and goes to the validation pool;
 * the pool's result comes back here on the loop thread, where the verdict is
 * written and indexed, allowed held replies are released and the event is
 * emitted. A query record (prefetch) starts a proof and holds nothing. The
 * held segments of a DNS-over-TCP message that spans segments are put back
 * together first (tcp_reasm.h); the whole message is judged like any reply,
 * and released as the segments that carried it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <ldns/ldns.h>
#include <bpf/bpf.h>

#include "common/dns_question.h"
#include "common/log.h"
#include "daemon/events.h"
#include "daemon/loader.h"
#include "daemon/punt.h"
#include "daemon/punt_decode.h"
#include "daemon/release.h"
#include "daemon/reply_path.h"
#include "daemon/stage_lat.h"
#include "daemon/tcp_reasm.h"
#include "daemon/proven.h"
#include "daemon/valpool.h"
#include "daemon/verdict_index.h"
#include "daemon/verdict_map.h"
#include "daemon/verdict_policy.h"

/*
 * A held reply older than this is not released: its client has given up or
 * retried (e.g. punts left in the pinned ring while no daemon ran), and a
 * late copy would only confuse it. The verdict is still written.
 */
#define RELEASE_MAX_AGE_NS (3ull * 1000000000ull)

struct reply_path_stats {
	uint64_t punts_held, punts_monitor, punts_refused;
	uint64_t unvalidated_released, unvalidated_dropped; /* refused punts, by failure mode */
	uint64_t verdicts_evicted; /* pushed out of the name index, deleted from the kernel */
	uint64_t key_mismatch, key_uncomputable;
	uint64_t unjudged_dropped; /* held, but no question to judge it by: never released */
	uint64_t verdicts_allow, verdicts_deny, verdict_write_failed;
	uint64_t deny_kept_allow;    /* a DENY not written over a live ALLOW for the same key */
	uint64_t ttl_raised_dropped; /* held copies of proven records with raised TTLs */
	uint64_t released, release_failed, release_skipped_tcp, release_skipped_stale;
	uint64_t outcome[4]; /* by enum val_outcome */
	uint64_t validate_ns_total, validations_timed;
	uint64_t prefetch_queries; /* query records from the query hook */
	uint64_t prefetch_ignored; /* not IN, no longer enforced, or prefetch off */
	uint64_t prefetch_hits; /* held replies judged after a prefetch without an upstream query */
	uint64_t tcp_segments_held;  /* held segments of TCP messages that span segments */
	uint64_t tcp_messages_whole; /* such messages put back together and judged */
	uint64_t tcp_messages_released, tcp_release_failed;
};

struct reply_path {
	const struct dw_config *cfg; /* the policy in force, updated in place by the daemon */
	const struct loader *ld;
	struct events *ev;
	struct valpool *pool;
	struct release *rel;
	struct verdict_index *vidx; /* verdict key -> question name, for flush NAME */
	struct stage_lat *lat;	    /* where a held reply's time goes; NULL: not measured */
	struct tcp_reasm *reasm;    /* TCP messages that span segments, being put together */
	struct reply_path_stats st;
};

struct reply_path *reply_path_new(const struct dw_config *cfg, const struct loader *ld,
				  struct events *ev)
{
	struct reply_path *rp = calloc(1, sizeof(*rp));

	if (!rp) {
		pr_err("reply path: out of memory");
		return NULL;
	}
	rp->cfg = cfg;
	rp->ld = ld;
	rp->ev = ev;
	rp->rel = release_new();
	/* limits.verdict_cache bounds the verdicts of this run (read at start only). */
	rp->vidx =
	    vindex_new(cfg->limits.verdict_cache && cfg->limits.verdict_cache < DW_VERDICTS_MAX
			   ? cfg->limits.verdict_cache
			   : DW_VERDICTS_MAX);
	rp->lat = calloc(1, sizeof(*rp->lat)); /* optional: without it nothing is measured */
	rp->reasm = tcp_reasm_new(&TCP_REASM_DEFAULT_LIMITS);
	if (!rp->rel || !rp->vidx || !rp->reasm) {
		pr_err("reply path: cannot set up the release socket or the verdict index");
		reply_path_free(rp);
		return NULL;
	}
	release_set_proofs(rp->rel, ld->fd_release_proofs);
	return rp;
}

/*
 * A prefetch proved its question: the query hook stops sending it
 * (proven.h) for as long as a verdict would last.
 */
static void on_prefetch_done(const struct vp_question *q, const struct val_result *res, void *ctx)
{
	struct reply_path *rp = ctx;
	uint32_t ttl =
	    res->ttl < rp->cfg->limits.max_verdict_ttl ? res->ttl : rp->cfg->limits.max_verdict_ttl;

	if (q->has_wire && res->outcome == VAL_SECURE)
		proven_put(rp->ld->fd_proven, &q->wire, ttl);
}

void reply_path_set_pool(struct reply_path *rp, struct valpool *pool)
{
	rp->pool = pool;
	valpool_set_prefetch_cb(pool, on_prefetch_done, rp);
}

void reply_path_free(struct reply_path *rp)
{
	if (!rp)
		return;
	release_free(rp->rel);
	vindex_free(rp->vidx);
	tcp_reasm_free(rp->reasm);
	free(rp->lat);
	free(rp);
}

/* --- punts in ------------------------------------------------------------ */

/* The zone a decoded record names under the policy in force, or NULL. */
static const struct cfg_zone *zone_at(const struct reply_path *rp, const struct punt_info *pi)
{
	return pi->zone >= 0 && pi->zone < rp->cfg->n_zones ? &rp->cfg->zones[pi->zone] : NULL;
}

/*
 * The whole TCP message p is a segment of, re-injected as the frames that
 * carried it, in stream order. Its flow moves past it first, so that the
 * server's retransmissions meanwhile fall outside the window instead of
 * being held again. A frame that fails leaves the rest unsent: the client
 * cannot use the message without it.
 */
static void release_tcp_message(struct reply_path *rp, const struct dw_punt *p)
{
	struct tcp_reasm_done d;
	unsigned i;

	if (tcp_reasm_take(rp->reasm, p, &d)) {
		rp->st.tcp_release_failed++;
		return;
	}
	tcp_reasm_flow_passed(rp->ld->fd_tcp_pflows, rp->ld->fd_tcp_flows, &d.key, d.msg_seq,
			      d.msg_end);
	for (i = 0; i < d.n && !release_frame(rp->rel, d.frames[i]); i++)
		;
	/* A retransmission judged on another CPU while the flow moved may have put it
	 * back at the message: move it again (only a flow still held there changes). */
	tcp_reasm_flow_passed(rp->ld->fd_tcp_pflows, rp->ld->fd_tcp_flows, &d.key, d.msg_seq,
			      d.msg_end);
	if (i == d.n)
		rp->st.tcp_messages_released++;
	else
		rp->st.tcp_release_failed++;
	tcp_reasm_done_free(&d);
}

static void release_or_refuse(struct reply_path *rp, const struct dw_punt *p)
{
	if (!(p->flags & DW_PUNT_F_HELD))
		return;
	if (p->flags & DW_PUNT_F_TCP_PART) {
		if (verdict_now_ns() - p->ts_ns > RELEASE_MAX_AGE_NS)
			rp->st.release_skipped_stale++;
		else
			release_tcp_message(rp, p);
		return;
	}
	if (p->l4 != IPPROTO_UDP) {
		/* TCP: the server retransmits, and the retransmission meets the verdict. */
		rp->st.release_skipped_tcp++;
		return;
	}
	if (verdict_now_ns() - p->ts_ns > RELEASE_MAX_AGE_NS) {
		rp->st.release_skipped_stale++;
		return;
	}
	if (release_frame(rp->rel, p))
		rp->st.release_failed++;
	else
		rp->st.released++;
}

/*
 * Remember which name a verdict is for. When the index is full its oldest key
 * leaves the kernel map too, so flush NAME never misses a verdict of this run;
 * when a name cannot be recorded, the verdict goes rather than stay unfindable.
 */
static void record_verdict(struct reply_path *rp, const struct dw_verdict_key *key,
			   const char *name)
{
	struct dw_verdict_key old;
	int rc = vindex_put(rp->vidx, key, name, &old);

	if (rc == 1) {
		bpf_map_delete_elem(rp->ld->fd_verdicts, &old);
		rp->st.verdicts_evicted++;
	} else if (rc < 0) {
		bpf_map_delete_elem(rp->ld->fd_verdicts, key);
	}
}

/* verdict_write, and a replaced verdict leaves the data plane's memo too. */
static int write_verdict(struct reply_path *rp, const struct dw_verdict_key *key, uint8_t verdict,
			 uint8_t reason, uint32_t zone_id, uint32_t ttl_s,
			 const struct punt_info *seen)
{
	int rc = verdict_write_ttl(rp->ld->fd_verdicts, key, verdict, reason, zone_id, ttl_s,
				   seen ? seen->max_ttl : 0, seen ? seen->ts_ns : 0);

	if (rc == 1 && verdict_memo_invalidate(rp->ld->fd_config))
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
static void on_unvalidated(struct reply_path *rp, const struct dw_punt *p,
			   const struct punt_info *pi)
{
	const struct cfg_zone *z = zone_at(rp, pi);

	rp->st.punts_refused++;
	if (!(pi->flags & DW_PUNT_F_HELD))
		return; /* monitored: it passed already */
	if (!pi->q_ok || verdict_unvalidated(z, true) != VERDICT_UNVAL_RELEASE) {
		rp->st.unvalidated_dropped++;
		return;
	}
	/* A key without a full digest binds no content: no verdict goes under it. */
	if (z && z->mode == CFG_MODE_ENFORCE && pi->key_full &&
	    write_verdict(rp, &pi->key, DW_VERDICT_ALLOW, DW_REASON_FAIL_OPEN, (uint32_t)pi->zone,
			  rp->cfg->limits.negative_cache_ttl, pi) >= 0)
		record_verdict(rp, &pi->key, pi->q.name);
	rp->st.unvalidated_released++;
	release_or_refuse(rp, p);
}

/*
 * A workload's query for an enforced zone (DW_PUNT_F_QUERY): start proving
 * its question now; nothing is held, nothing is written. The policy in force
 * decides again (a record may predate a reload).
 */
static void on_query(struct reply_path *rp, const struct dw_punt *p, const struct punt_info *pi)
{
	const struct cfg_zone *z = zone_at(rp, pi);
	struct vp_question q = {0};

	rp->st.prefetch_queries++;
	if (!pi->q_ok || pi->q.qclass != LDNS_RR_CLASS_IN || !rp->cfg->prefetch || !z ||
	    z->mode != CFG_MODE_ENFORCE) {
		rp->st.prefetch_ignored++;
		return;
	}
	memcpy(q.name, pi->q.name, sizeof(q.name));
	q.qtype = pi->q.qtype;
	q.qclass = pi->q.qclass;
	q.has_wire = !proven_question(p->pkt + p->dns_off, p->dns_len, &q.wire);
	valpool_prefetch(rp->pool, &q); /* counted by the pool, whatever the outcome */
}

/*
 * One held segment of a TCP message that spans segments: kept until its
 * message is whole, then the message goes to validation with this record as
 * its waiter (the release takes every frame of the message).
 */
static void on_tcp_part(struct reply_path *rp, const struct dw_punt *p)
{
	size_t sz = offsetof(struct dw_punt, pkt) + p->pkt_len, len = 0;
	const uint8_t *msg = NULL;
	struct dw_punt *copy;
	struct punt_info pi;

	rp->st.tcp_segments_held++;
	if (tcp_reasm_add(rp->reasm, p, verdict_now_ns(), &msg, &len) != TCP_REASM_COMPLETE)
		return; /* more to come, a copy, or refused (counted there): it stays dropped */
	rp->st.tcp_messages_whole++;
	rp->st.punts_held++;
	punt_decode_msg(p, msg, len, rp->cfg, rp->ld->digest_key, &pi);
	copy = malloc(sz);
	if (copy) {
		memcpy(copy, p, sz);
		if (valpool_submit(rp->pool, &pi, msg, len, copy) >= 0)
			return;
		free(copy);
	}
	on_unvalidated(rp, p, &pi);
	tcp_reasm_forget(rp->reasm, p);
}

void reply_path_on_punt(const struct dw_punt *p, void *ctx)
{
	struct reply_path *rp = ctx;
	size_t sz = offsetof(struct dw_punt, pkt) + p->pkt_len;
	struct dw_punt *copy;
	struct punt_info pi;
	int rc;

	if (p->flags & DW_PUNT_F_TCP_PART) {
		on_tcp_part(rp, p);
		return;
	}
	punt_decode(p, rp->cfg, rp->ld->digest_key, &pi);
	if (p->flags & DW_PUNT_F_QUERY) {
		on_query(rp, p, &pi);
		return;
	}
	/* The validator's own upstream replies never get here: the hook passes
	 * them (bpf/lib/selfreply.bpf.h, counter datapath_validator_reply). */
	if (p->flags & DW_PUNT_F_HELD) {
		uint64_t now = verdict_now_ns();

		rp->st.punts_held++;
		if (rp->lat && now > p->ts_ns)
			stage_lat_add(rp->lat, STAGE_RING, now - p->ts_ns);
	} else
		rp->st.punts_monitor++;
	if (pi.key_uncomputable) {
		rp->st.key_uncomputable++;
	} else if (pi.key_mismatch) {
		if (rp->st.key_mismatch++ < 10)
			pr_warn("punt: the data plane's verdict key differs from the reference "
				"(qtype %u); verdicts for it will miss",
				p->key.qtype);
	}
	copy = malloc(sz);
	if (!copy) {
		on_unvalidated(rp, p, &pi);
		return;
	}
	memcpy(copy, p, sz);
	rc = valpool_submit(rp->pool, &pi, p->pkt + p->dns_off, p->dns_len, copy);
	if (rc < 0) {
		/* The queue (or this job's waiter list) is full. */
		free(copy);
		on_unvalidated(rp, p, &pi);
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

static void emit_verdict_event(struct reply_path *rp, const struct vp_job *j,
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
	events_write(rp->ev, json_end(&o));
}

/* A held TCP message that was not released is forgotten with its waiter. */
static void free_waiters(struct reply_path *rp, struct vp_job *j)
{
	int i;

	for (i = 0; i < j->n_waiters; i++) {
		const struct dw_punt *p = j->waiters[i];

		if (p->flags & DW_PUNT_F_TCP_PART)
			tcp_reasm_forget(rp->reasm, p);
		free(j->waiters[i]);
	}
	j->n_waiters = 0;
}

static void release_all(struct reply_path *rp, struct vp_job *j)
{
	int i;

	for (i = 0; i < j->n_waiters; i++)
		release_or_refuse(rp, j->waiters[i]);
}

/* The worker's side of one job, stage by stage. */
static void lat_job(struct reply_path *rp, const struct vp_job *j, uint64_t now)
{
	if (!rp->lat || !j->done_ns)
		return;
	stage_lat_add(rp->lat, STAGE_QUEUE, j->started_ns - j->submitted_ns);
	stage_lat_add(rp->lat, STAGE_VALIDATE, j->done_ns - j->started_ns);
	stage_lat_add(rp->lat, STAGE_UPSTREAM, j->upstream_ns);
	stage_lat_add(rp->lat, STAGE_SIGS, j->sig_verify_ns);
	stage_lat_add(rp->lat, STAGE_N_UPSTREAM, j->upstream_queries);
	stage_lat_add(rp->lat, STAGE_N_SIGS, j->signatures);
	stage_lat_add(rp->lat, STAGE_HANDBACK, now > j->done_ns ? now - j->done_ns : 0);
}

/* The loop's side: verdict write (t0..t1) and release (t1..now) of held replies. */
static void lat_loop(struct reply_path *rp, const struct vp_job *j, uint64_t t0, uint64_t t1)
{
	const struct dw_punt *p = j->waiters[0];
	uint64_t now = verdict_now_ns();

	if (!rp->lat || !j->n_waiters || !(p->flags & DW_PUNT_F_HELD))
		return;
	stage_lat_add(rp->lat, STAGE_VERDICT, t1 - t0);
	stage_lat_add(rp->lat, STAGE_RELEASE, now - t1);
	if (now > p->ts_ns)
		stage_lat_add(rp->lat, STAGE_HOLD, now - p->ts_ns);
}

/* An allowed reply's question is proven: the query hook stops prefetching it. */
static void prove_question(struct reply_path *rp, const struct vp_job *j, uint32_t ttl)
{
	struct dw_question_wire w;

	if (j->info.key_full && !proven_question(j->msg, j->msg_len, &w))
		proven_put(rp->ld->fd_proven, &w, ttl);
}

/*
 * The TTL bound an ALLOW for j carries: the largest TTL of the copy as the
 * data plane saw it, lowered to the largest TTL the validator proved. A
 * record the judgement did not count (an RRSIG, a record irrelevant by
 * policy) cannot stretch how long later copies' records may be kept.
 */
static void proven_ttl_bound(const struct vp_job *j, struct punt_info *seen)
{
	if (j->res.max_ttl_proven && j->res.max_ttl < seen->max_ttl)
		seen->max_ttl = j->res.max_ttl;
}

/*
 * Write a job's verdict under its key. A DENY never replaces a live ALLOW:
 * the key leaves out the TTLs, the ID and the OPT record, so a copy that
 * differs from the allowed one only there (a forger's raised TTLs, judged
 * while the chain could not be proven) shares its key, and its DENY would
 * drop every genuine copy for the negative cache's time. That copy stays dropped (it was held); the ALLOW lasts no
 * longer than what it proved (min of TTL and RRSIG expiry), and a reload or
 * flush deletes it, so a DENY it keeps out has nothing newer to say about
 * the content. An expired ALLOW is replaced as before.
 */
static void cache_verdict(struct reply_path *rp, const struct vp_job *j, const struct cfg_zone *z,
			  const struct verdict_decision *dec)
{
	const struct dw_verdict_key *key = &j->info.key;
	struct punt_info seen = j->info;

	if (dec->verdict != DW_VERDICT_ALLOW && verdict_allow_live(rp->ld->fd_verdicts, key)) {
		rp->st.deny_kept_allow++;
		return;
	}
	proven_ttl_bound(j, &seen);
	if (write_verdict(rp, key, dec->verdict, dec->reason, (uint32_t)(z - rp->cfg->zones),
			  dec->ttl, &seen) < 0)
		rp->st.verdict_write_failed++;
	else if (dec->verdict == DW_VERDICT_ALLOW)
		rp->st.verdicts_allow++;
	else
		rp->st.verdicts_deny++;
	record_verdict(rp, key, j->info.q.name);
}

/*
 * A copy whose records are all proven but whose TTLs exceed the signed
 * original TTLs (a forger's raised copy) stays dropped. Its DENY would sit
 * under the key the genuine copies share (TTLs are outside it) and drop them
 * for the negative cache's time, so what its records proved goes in instead:
 * the ALLOW the same records with the signed TTLs would get, whose TTL bound
 * (ttl_over) reaches no further than the signed TTLs counted from when this
 * copy was seen. Genuine copies pass on it; a raised copy exceeds it and is
 * judged (and dropped) again. A live ALLOW stays as it is.
 */
static void cache_proven_records(struct reply_path *rp, const struct vp_job *j,
				 const struct cfg_zone *z)
{
	struct val_result proven = {.outcome = VAL_SECURE, .ttl = j->res.proven_ttl};
	struct punt_info seen = j->info;
	struct verdict_decision dec;

	if (z->mode != CFG_MODE_MONITOR && (j->info.flags & DW_PUNT_F_HELD))
		rp->st.ttl_raised_dropped += (uint64_t)j->n_waiters;
	if (!j->info.key_full || verdict_allow_live(rp->ld->fd_verdicts, &j->info.key))
		return;
	verdict_decide(z, &proven, &rp->cfg->limits, &dec);
	if (dec.verdict != DW_VERDICT_ALLOW)
		return;
	proven_ttl_bound(j, &seen);
	if (write_verdict(rp, &j->info.key, dec.verdict, dec.reason, (uint32_t)(z - rp->cfg->zones),
			  dec.ttl, &seen) < 0) {
		rp->st.verdict_write_failed++;
		return;
	}
	rp->st.verdicts_allow++;
	record_verdict(rp, &j->info.key, j->info.q.name);
}

void reply_path_on_result(struct vp_job *j, void *ctx)
{
	struct reply_path *rp = ctx;
	const struct dns_question *q = &j->info.q;
	struct verdict_decision dec;
	const struct cfg_zone *z;
	bool monitor;
	const char *action;
	uint64_t t0 = verdict_now_ns(), t1;

	if (j->rc == -ECANCELED)
		goto out;
	lat_job(rp, j, t0);
	if (j->after != VP_AFTER_NONE && !j->upstream_queries)
		rp->st.prefetch_hits++; /* the prefetch had the truth ready */
	rp->st.validate_ns_total += j->validate_ns;
	rp->st.validations_timed++;
	if (j->rc) /* the held message did not parse: the validator says BOGUS with a reason */
		j->res.outcome = VAL_BOGUS;
	if (!j->info.q_ok) {
		/* Nothing names what the reply answers: it cannot be judged, so it stays dropped. */
		rp->st.unjudged_dropped += (uint64_t)j->n_waiters;
		goto out;
	}
	/* The policy in force now decides: it may have been reloaded since the punt. */
	if (!(z = punt_zone(rp->cfg, q))) {
		/* No longer protected by the policy in force: the data plane passes such replies now. */
		release_all(rp, j);
		goto out;
	}
	if ((unsigned)j->res.outcome < 4)
		rp->st.outcome[j->res.outcome]++;
	verdict_decide(z, &j->res, &rp->cfg->limits, &dec);
	monitor = z->mode == CFG_MODE_MONITOR;
	/* A monitored zone's replies already passed: only an ALLOW (stop punting) is cached. */
	/* A key without a full digest binds no content (and the data plane never looks it up). */
	if (j->res.ttl_raised)
		cache_proven_records(rp, j, z); /* the copy itself is BOGUS: never released */
	else if (j->info.key_full && (!monitor || dec.verdict == DW_VERDICT_ALLOW))
		cache_verdict(rp, j, z, &dec);
	t1 = verdict_now_ns();
	if (dec.verdict == DW_VERDICT_ALLOW && !monitor) {
		prove_question(rp, j, dec.ttl);
		release_all(rp, j);
		lat_loop(rp, j, t0, t1);
	}
	if (dec.plain_allow)
		goto out;
	action = monitor ? "reported" : (dec.verdict == DW_VERDICT_ALLOW ? "delivered" : "dropped");
	emit_verdict_event(rp, j, q, z, &dec, action);
out:
	free_waiters(rp, j);
}

/* --- flush and stats ------------------------------------------------------ */

int reply_path_flush(struct reply_path *rp, const char *name)
{
	int n;

	if (!name || !strcmp(name, ".")) {
		n = verdict_flush(rp->ld->fd_verdicts);
		vindex_clear(rp->vidx);
	} else {
		/* The index knows each verdict's name: only name and below go. */
		n = verdict_flush_name(rp->ld->fd_verdicts, rp->vidx, name);
	}
	/* Questions proven by what went are asked again: prefetch them again. */
	if (n >= 0 && proven_flush(rp->ld->fd_proven) < 0)
		n = -EIO;
	/* After the deletes: the data plane forgets what it remembered of them. */
	if (n >= 0 && verdict_memo_invalidate(rp->ld->fd_config))
		n = -EIO;
	return n;
}

static void stat_line(FILE *out, const char *name, uint64_t v)
{
	fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

void reply_path_write_stats(const struct reply_path *rp, FILE *out)
{
	const struct reply_path_stats *st = &rp->st;
	struct tcp_reasm_stats ts;
	struct release_stats rs;
	char name[64];
	unsigned i;

	stat_line(out, "punts_held", st->punts_held);
	stat_line(out, "punts_monitor", st->punts_monitor);
	stat_line(out, "punts_refused", st->punts_refused);
	stat_line(out, "unvalidated_released", st->unvalidated_released);
	stat_line(out, "unvalidated_dropped", st->unvalidated_dropped);
	stat_line(out, "key_mismatch", st->key_mismatch);
	stat_line(out, "key_uncomputable", st->key_uncomputable);
	stat_line(out, "unjudged_dropped", st->unjudged_dropped);
	stat_line(out, "verdicts_allow", st->verdicts_allow);
	stat_line(out, "verdicts_deny", st->verdicts_deny);
	stat_line(out, "verdict_write_failed", st->verdict_write_failed);
	stat_line(out, "verdicts_deny_kept_allow", st->deny_kept_allow);
	stat_line(out, "ttl_raised_dropped", st->ttl_raised_dropped);
	stat_line(out, "verdicts_indexed", vindex_count(rp->vidx));
	stat_line(out, "verdicts_evicted", st->verdicts_evicted);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "outcome_%s", val_outcome_name(i));
		stat_line(out, name, st->outcome[i]);
	}
	stat_line(out, "released", st->released);
	stat_line(out, "release_failed", st->release_failed);
	stat_line(out, "release_skipped_tcp", st->release_skipped_tcp);
	stat_line(out, "release_skipped_stale", st->release_skipped_stale);
	release_get_stats(rp->rel, &rs);
	stat_line(out, "release_xdp_live", rs.xdp_live);
	stat_line(out, "release_packet", rs.packet);
	stat_line(out, "release_raw", rs.raw);
	stat_line(out, "release_syscall_ns_total", rs.syscall_ns);
	stat_line(out, "hold_ns_total", rs.hold_ns_total);
	stat_line(out, "hold_ns_max", rs.hold_ns_max);
	stat_line(out, "validate_ns_total", st->validate_ns_total);
	stat_line(out, "prefetch_queries", st->prefetch_queries);
	stat_line(out, "prefetch_ignored", st->prefetch_ignored);
	stat_line(out, "prefetch_hits", st->prefetch_hits);
	stat_line(out, "tcp_segments_held", st->tcp_segments_held);
	stat_line(out, "tcp_messages_whole", st->tcp_messages_whole);
	stat_line(out, "tcp_messages_released", st->tcp_messages_released);
	stat_line(out, "tcp_release_failed", st->tcp_release_failed);
	tcp_reasm_get_stats(rp->reasm, &ts);
	stat_line(out, "tcp_reasm_duplicates", ts.duplicates);
	stat_line(out, "tcp_reasm_spoiled", ts.spoiled);
	stat_line(out, "tcp_reasm_refused", ts.refused);
	stat_line(out, "tcp_reasm_malformed", ts.malformed);
	stat_line(out, "tcp_reasm_expired", ts.expired);
	if (rp->lat)
		stage_lat_write(rp->lat, out);
}

const struct stage_lat *reply_path_latency(const struct reply_path *rp)
{
	return rp->lat;
}
