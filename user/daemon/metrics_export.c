// SPDX-License-Identifier: BSD-2-Clause
/*
 * metrics_export.c: the daemon's state as Prometheus families (see
 * metrics_export.h). Each family lists the statistics it is made of and the
 * label value each one takes, so one concept (a drop, a punt, a release) is
 * one family with a label instead of a name per case. A statistic no family
 * lists yet is still exported, as dnsward_unmapped_stat{stat="..."}, so a
 * new counter is never silently missing (the metrics test flags it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/array.h"
#include "daemon/attach.h"
#include "daemon/chain_health.h"
#include "daemon/metrics_export.h"
#include "daemon/prom_text.h"
#include "daemon/stage_lat.h"
#include "version.h"

#define NS	    1e-9 /* nanoseconds to the seconds Prometheus counts in */
#define MEMBERS_MAX 16	 /* statistics in one family */
#define STATS_MAX   512	 /* lines of `dnsward stats` read per scrape */

struct member {
	const char *stat;  /* the name in `dnsward stats` */
	const char *value; /* its label value (NULL: the family has no label) */
};

struct family {
	const char *name;
	enum prom_type type;
	const char *label; /* the label's key, NULL for a single series */
	double scale;	   /* 0: the value as is; NS: nanoseconds to seconds */
	const char *help;
	struct member members[MEMBERS_MAX];
};

static const struct family families[] = {
    /* --- the data plane (per-CPU counters summed) --- */
    {"dnsward_datapath_packets_total",
     PROM_COUNTER,
     NULL,
     0,
     "Packets the hooks saw.",
     {{"datapath_packets", NULL}}},
    {"dnsward_datapath_verdict_hits_total",
     PROM_COUNTER,
     "verdict",
     0,
     "Protected replies decided in the kernel by a cached verdict (allow: passed, deny: dropped).",
     {{"datapath_allowed", "allow"}, {"datapath_denied", "deny"}}},
    {"dnsward_datapath_punted_total",
     PROM_COUNTER,
     NULL,
     0,
     "Protected replies without a verdict copied to the daemon (ring buffer).",
     {{"datapath_punted", NULL}}},
    {"dnsward_datapath_punt_dispositions_total",
     PROM_COUNTER,
     "disposition",
     0,
     "What became of a punted reply meanwhile: held (dropped until released) or passed (monitor).",
     {{"datapath_held", "held"}, {"datapath_monitor_passed", "passed"}}},
    {"dnsward_datapath_passed_total",
     PROM_COUNTER,
     "reason",
     0,
     "Packets the hooks passed without judging them, by why.",
     {{"datapath_not_dns", "not_dns"},
      {"datapath_not_protected", "not_protected"},
      {"datapath_validator_reply", "validator_reply"},
      {"datapath_release_mark", "release_mark"},
      {"datapath_tcp_continuation", "tcp_continuation"}}},
    {"dnsward_datapath_dropped_total",
     PROM_COUNTER,
     "reason",
     0,
     "Packets the hooks dropped outside verdicts and the failure mode, by why.",
     {{"datapath_tcp_split_question", "tcp_split_question"},
      {"datapath_tcp_after_drop", "tcp_after_drop"},
      {"datapath_tcp_gap", "tcp_gap"},
      {"datapath_tcp_conflict", "tcp_conflict"},
      {"datapath_frag_dropped", "fragment"},
      {"datapath_question_mismatch", "question_mismatch"},
      {"datapath_unsolicited", "unsolicited"}}},
    {"dnsward_datapath_failure_mode_total",
     PROM_COUNTER,
     "reason",
     0,
     "Protected replies the zone's failure mode decided without a validation, by why.",
     {{"datapath_ring_full", "ring_full"},
      {"datapath_rate_limited", "rate_limited"},
      {"datapath_too_big", "too_big"},
      {"datapath_stale_heartbeat", "stale_heartbeat"},
      {"datapath_tcp_multi", "tcp_multi"},
      {"datapath_punt_rate_limited", "punt_rate_limited"},
      {"datapath_punt_host_limited", "punt_host_limited"}}},
    {"dnsward_datapath_failure_mode_results_total",
     PROM_COUNTER,
     "result",
     0,
     "What the failure mode did with a reply: passed (open) or dropped (closed).",
     {{"datapath_fail_open_passed", "passed"}, {"datapath_fail_closed_dropped", "dropped"}}},
    {"dnsward_datapath_anomalies_total",
     PROM_COUNTER,
     "reason",
     0,
     "Packets of note, counted whatever became of them, by what was odd.",
     {{"datapath_malformed", "malformed"},
      {"datapath_fragment", "fragment"},
      {"datapath_too_complex", "too_complex"},
      {"datapath_rogue_resolver", "rogue_resolver"},
      {"datapath_tcp_segment", "tcp_segment"},
      {"datapath_tcp_untracked", "tcp_untracked"},
      {"datapath_release_unproven", "release_unproven"},
      {"datapath_tunneled", "tunneled"},
      {"datapath_tcp_out_of_window", "tcp_out_of_window"},
      {"datapath_tcp_flows_protected", "tcp_flow_protected"},
      {"datapath_tcp_flows_learned", "tcp_flow_learned"},
      {"datapath_ttl_exceeded", "ttl_exceeded"},
      {"datapath_tcp_synack_unsolicited", "tcp_synack_unsolicited"}}},
    {"dnsward_datapath_encrypted_dns_total",
     PROM_COUNTER,
     "action",
     0,
     "Workloads' DoT, DoQ or DoH packets to resolvers encrypted_dns does not allow, by what was "
     "done.",
     {{"datapath_encrypted_dns_dropped", "dropped"},
      {"datapath_encrypted_dns_reported", "reported"}}},
    {"dnsward_datapath_queries_total",
     PROM_COUNTER,
     NULL,
     0,
     "DNS queries the query hook saw.",
     {{"datapath_query_seen", NULL}}},
    {"dnsward_datapath_query_events_total",
     PROM_COUNTER,
     "event",
     0,
     "What the query hook did with queries, by event.",
     {{"datapath_query_prefetch", "prefetch"},
      {"datapath_query_proven", "proven"},
      {"datapath_query_tracked", "tracked"},
      {"datapath_query_rate_limited", "rate_limited"},
      {"datapath_query_ring_full", "ring_full"},
      {"datapath_query_malformed", "malformed"},
      {"datapath_tcp_syns_seen", "tcp_syn"}}},
    {"dnsward_datapath_memo_total",
     PROM_COUNTER,
     "event",
     0,
     "The data plane's memo of recent decisions: hits and fills.",
     {{"datapath_memo_hits", "hit"}, {"datapath_memo_fills", "fill"}}},
    /* --- punts, verdicts and releases in the daemon --- */
    {"dnsward_punts_received_total",
     PROM_COUNTER,
     NULL,
     0,
     "Records the daemon read from the ring buffer.",
     {{"punts_received", NULL}}},
    {"dnsward_punts_total",
     PROM_COUNTER,
     "kind",
     0,
     "Punted replies taken for validation: held (enforce) or monitor.",
     {{"punts_held", "held"}, {"punts_monitor", "monitor"}}},
    {"dnsward_punts_malformed_total",
     PROM_COUNTER,
     NULL,
     0,
     "Ring-buffer records that did not check.",
     {{"punts_malformed", NULL}}},
    {"dnsward_punts_refused_total",
     PROM_COUNTER,
     NULL,
     0,
     "Punted replies the daemon could not validate (queue full, out of memory): the failure "
     "mode decided.",
     {{"punts_refused", NULL}}},
    {"dnsward_punts_refused_results_total",
     PROM_COUNTER,
     "result",
     0,
     "What the failure mode did with a refused held reply.",
     {{"unvalidated_released", "released"}, {"unvalidated_dropped", "dropped"}}},
    {"dnsward_replies_unjudged_total",
     PROM_COUNTER,
     NULL,
     0,
     "Held replies with no question to judge them by: never released.",
     {{"unjudged_dropped", NULL}}},
    {"dnsward_verdict_key_problems_total",
     PROM_COUNTER,
     "reason",
     0,
     "Punts whose verdict key could not be computed or differs from the data plane's.",
     {{"key_mismatch", "mismatch"}, {"key_uncomputable", "uncomputable"}}},
    {"dnsward_validation_outcomes_total",
     PROM_COUNTER,
     "outcome",
     0,
     "Validations of held replies, by outcome.",
     {{"outcome_secure", "secure"},
      {"outcome_insecure", "insecure"},
      {"outcome_bogus", "bogus"},
      {"outcome_indeterminate", "indeterminate"}}},
    {"dnsward_verdicts_written_total",
     PROM_COUNTER,
     "verdict",
     0,
     "Verdicts written into the data plane's verdict map.",
     {{"verdicts_allow", "allow"}, {"verdicts_deny", "deny"}}},
    {"dnsward_verdicts_deny_kept_allow_total",
     PROM_COUNTER,
     NULL,
     0,
     "Denied copies whose key held a live ALLOW: the copy dropped, the ALLOW kept.",
     {{"verdicts_deny_kept_allow", NULL}}},
    {"dnsward_replies_ttl_raised_total",
     PROM_COUNTER,
     NULL,
     0,
     "Held replies whose records were proven but whose TTLs exceed the signed original TTL: "
     "dropped, never released.",
     {{"ttl_raised_dropped", NULL}}},
    {"dnsward_verdict_write_failures_total",
     PROM_COUNTER,
     NULL,
     0,
     "Verdict map writes that failed.",
     {{"verdict_write_failed", NULL}}},
    {"dnsward_verdicts_indexed",
     PROM_GAUGE,
     NULL,
     0,
     "Verdicts the daemon's name index holds now.",
     {{"verdicts_indexed", NULL}}},
    {"dnsward_verdicts_evicted_total",
     PROM_COUNTER,
     NULL,
     0,
     "Verdicts pushed out of the name index and deleted from the kernel.",
     {{"verdicts_evicted", NULL}}},
    {"dnsward_releases_total",
     PROM_COUNTER,
     "result",
     0,
     "Allowed held replies: released, failed, or skipped (TCP retransmits instead; stale).",
     {{"released", "released"},
      {"release_failed", "failed"},
      {"release_skipped_tcp", "skipped_tcp"},
      {"release_skipped_stale", "skipped_stale"}}},
    {"dnsward_tcp_held_messages_total",
     PROM_COUNTER,
     "result",
     0,
     "Protected DNS-over-TCP messages held in segments, by what became of them.",
     {{"tcp_messages_whole", "whole"},
      {"tcp_messages_released", "released"},
      {"tcp_release_failed", "release_failed"},
      {"tcp_reasm_spoiled", "spoiled"},
      {"tcp_reasm_refused", "refused"},
      {"tcp_reasm_expired", "expired"}}},
    {"dnsward_tcp_held_segments_total",
     PROM_COUNTER,
     "result",
     0,
     "Held segments of protected DNS-over-TCP messages that span segments.",
     {{"tcp_segments_held", "held"},
      {"tcp_reasm_duplicates", "duplicate"},
      {"tcp_reasm_malformed", "malformed"}}},
    {"dnsward_release_mechanism_total",
     PROM_COUNTER,
     "mechanism",
     0,
     "Frames re-injected, by mechanism.",
     {{"release_xdp_live", "xdp_live"}, {"release_packet", "packet"}, {"release_raw", "raw"}}},
    {"dnsward_release_syscall_seconds_total",
     PROM_COUNTER,
     NULL,
     NS,
     "Time spent in the system calls that re-inject held replies.",
     {{"release_syscall_ns_total", NULL}}},
    /* --- validation work --- */
    {"dnsward_validation_jobs_total",
     PROM_COUNTER,
     NULL,
     0,
     "Validation jobs started.",
     {{"validation_jobs", NULL}}},
    {"dnsward_validation_joined_total",
     PROM_COUNTER,
     NULL,
     0,
     "Held replies that joined a validation job already in flight for the same bytes.",
     {{"validation_joined", NULL}}},
    {"dnsward_validation_queue_full_total",
     PROM_COUNTER,
     NULL,
     0,
     "Validations refused because the queue or a job's waiter list was full.",
     {{"validation_queue_full", NULL}}},
    {"dnsward_validation_queue_length",
     PROM_GAUGE,
     NULL,
     0,
     "Validation jobs queued or running now.",
     {{"validation_queued", NULL}}},
    {"dnsward_punt_budget_level",
     PROM_GAUGE,
     NULL,
     0,
     "The punt budget the daemon publishes: 0 room (every punt), 1 busy (each destination "
     "within its share), 2 full (none).",
     {{"punt_budget_level", NULL}}},
    {"dnsward_punt_budget_capacity",
     PROM_GAUGE,
     NULL,
     0,
     "Validations per second the validator was measured to finish while busy.",
     {{"punt_budget_capacity", NULL}}},
    {"dnsward_punt_budget_busy_jobs",
     PROM_GAUGE,
     NULL,
     0,
     "Queued validations at which the budget turns busy (100 ms of work at that capacity).",
     {{"punt_budget_busy_jobs", NULL}}},
    {"dnsward_upstream_queries_total",
     PROM_COUNTER,
     NULL,
     0,
     "Queries the validators sent to the upstreams.",
     {{"upstream_queries", NULL}}},
    {"dnsward_upstream_timeouts_total",
     PROM_COUNTER,
     NULL,
     0,
     "Upstream queries that timed out.",
     {{"upstream_timeouts", NULL}}},
    {"dnsward_upstream_seconds_total",
     PROM_COUNTER,
     NULL,
     NS,
     "Time the validators spent in upstream exchanges.",
     {{"upstream_ns_total", NULL}}},
    {"dnsward_signatures_verified_total",
     PROM_COUNTER,
     NULL,
     0,
     "RRSIG verifications the validators made.",
     {{"signatures_verified", NULL}}},
    {"dnsward_signatures_remembered_total",
     PROM_COUNTER,
     NULL,
     0,
     "RRSIG verifications answered from the memo of signatures that verified.",
     {{"signatures_remembered", NULL}}},
    {"dnsward_signature_verify_seconds_total",
     PROM_COUNTER,
     NULL,
     NS,
     "Time the validators spent verifying signatures.",
     {{"sig_verify_ns_total", NULL}}},
    {"dnsward_validator_cache_lookups_total",
     PROM_COUNTER,
     "result",
     0,
     "Validator cache lookups, by result.",
     {{"validator_cache_hits", "hit"}, {"validator_cache_misses", "miss"}}},
    {"dnsward_validator_cache_entries",
     PROM_GAUGE,
     NULL,
     0,
     "Validated RRsets the validators' caches hold now, all workers together.",
     {{"validator_cache_entries", NULL}}},
    {"dnsward_validator_cache_bytes",
     PROM_GAUGE,
     NULL,
     0,
     "Bytes of the RRsets the validators' caches hold now, as stored, all workers together.",
     {{"validator_cache_bytes", NULL}}},
    {"dnsward_validator_limit_hits_total",
     PROM_COUNTER,
     NULL,
     0,
     "Validation work limits reached (signatures, key tags, NSEC3 iterations, queries).",
     {{"validator_limit_hits", NULL}}},
    {"dnsward_validator_wildcard_synthesised_total",
     PROM_COUNTER,
     NULL,
     0,
     "Answers synthesised from a validated wildcard (RFC 8198).",
     {{"validator_wildcard_synth", NULL}}},
    {"dnsward_prefetch_total",
     PROM_COUNTER,
     "event",
     0,
     "Prefetch of enforced names from the workloads' queries, by event.",
     {{"prefetch_queries", "query_record"},
      {"prefetch_ignored", "ignored"},
      {"prefetch_started", "started"},
      {"prefetch_deduped", "deduplicated"},
      {"prefetch_dropped", "dropped"},
      {"prefetch_joined", "joined"},
      {"prefetch_pinned", "pinned"},
      {"prefetch_hits", "hit"}}},
    /* --- the daemon itself --- */
    {"dnsward_events_total", PROM_COUNTER, NULL, 0, "Events written.", {{"events", NULL}}},
    {"dnsward_attachments",
     PROM_GAUGE,
     NULL,
     0,
     "Interfaces the reply hooks are attached to.",
     {{"attachments", NULL}}},
    {"dnsward_process_resident_memory_bytes",
     PROM_GAUGE,
     NULL,
     0,
     "The daemon's resident memory.",
     {{"process_rss_bytes", NULL}}},
    {"dnsward_process_cpu_seconds_total",
     PROM_COUNTER,
     "mode",
     NS,
     "CPU time the daemon used, in user space and in the kernel on its behalf.",
     {{"process_cpu_user_ns", "user"}, {"process_cpu_system_ns", "system"}}},
    {"dnsward_bpf_map_bytes",
     PROM_GAUGE,
     NULL,
     0,
     "Memory the kernel holds for the data plane's maps.",
     {{"bpf_map_bytes", NULL}}},
    {"dnsward_query_hook_loaded",
     PROM_GAUGE,
     NULL,
     0,
     "1 when the query hook (prefetch) is loaded.",
     {{"query_hook_loaded", NULL}}},
};

/*
 * Statistics another family carries: the stage_* windows and the hold and
 * validation sums are the histograms below.
 */
static const char *const covered_prefixes[] = {"stage_", "hold_ns_", "validate_ns_total"};

struct stat_line {
	char name[64];
	uint64_t value;
	bool used;
};

static int read_stats(const struct metrics_view *v, struct stat_line *st, int max)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int n = 0;

	if (!f)
		return -ENOMEM;
	v->stats(v->ctx, f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long val;
		int end = 0;

		/* Only "name value" lines: others (per-destination lists) have their own reader. */
		if (sscanf(line, "%63s %llu%n", st[n].name, &val, &end) != 2 || line[end])
			continue;
		st[n].value = val;
		st[n].used = false;
		n++;
	}
	free(text);
	return n;
}

static struct stat_line *find_stat(struct stat_line *st, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(st[i].name, name))
			return &st[i];
	return NULL;
}

static void write_family(const struct family *f, struct stat_line *st, int n, FILE *out)
{
	char labels[PROM_LABELS_MAX];
	bool header = false;
	int m;

	for (m = 0; m < MEMBERS_MAX && f->members[m].stat; m++) {
		struct stat_line *s = find_stat(st, n, f->members[m].stat);
		const char *kv[] = {f->label, f->members[m].value};

		if (!s)
			continue;
		s->used = true;
		if (!header)
			prom_family(out, f->name, f->type, f->help);
		header = true;
		prom_labels(labels, sizeof(labels), f->label ? 1 : 0, kv);
		if (f->scale)
			prom_sample_f64(out, f->name, labels, (double)s->value * f->scale);
		else
			prom_sample_u64(out, f->name, labels, s->value);
	}
}

static bool covered(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(covered_prefixes); i++)
		if (!strncmp(name, covered_prefixes[i], strlen(covered_prefixes[i])))
			return true;
	return false;
}

static void write_unmapped(struct stat_line *st, int n, FILE *out)
{
	char labels[PROM_LABELS_MAX];
	bool header = false;
	int i;

	for (i = 0; i < n; i++) {
		const char *kv[] = {"stat", st[i].name};

		if (st[i].used || covered(st[i].name))
			continue;
		if (!header)
			prom_family(
			    out, "dnsward_unmapped_stat", PROM_GAUGE,
			    "A statistic of `dnsward stats` no family describes yet, by its "
			    "name there.");
		header = true;
		prom_labels(labels, sizeof(labels), 1, kv);
		prom_sample_u64(out, "dnsward_unmapped_stat", labels, st[i].value);
	}
}

const char *metrics_export_family_of(const char *stat)
{
	size_t i;
	int m;

	for (i = 0; i < ARRAY_SIZE(families); i++)
		for (m = 0; m < MEMBERS_MAX && families[i].members[m].stat; m++)
			if (!strcmp(families[i].members[m].stat, stat))
				return families[i].name;
	return NULL;
}

/* --- histograms of a held reply's time -------------------------------------- */

static void write_histogram(const struct stage_lat_one *s, const char *name, const char *labels,
			    FILE *out)
{
	double bounds[STAGE_LAT_BOUNDS];
	int i;

	for (i = 0; i < STAGE_LAT_BOUNDS; i++)
		bounds[i] = (double)stage_lat_bounds_ns[i] * NS;
	prom_histogram(out, name, labels, bounds, STAGE_LAT_BOUNDS, s->buckets,
		       (double)s->total * NS);
}

/* The stages inside a hold, besides the whole hold and the validation. */
static const struct {
	enum stage_id id;
	const char *label;
} inner_stages[] = {
    {STAGE_RING, "ring"},	{STAGE_QUEUE, "queue"},	      {STAGE_UPSTREAM, "upstream"},
    {STAGE_SIGS, "signatures"}, {STAGE_HANDBACK, "handback"}, {STAGE_VERDICT, "verdict"},
    {STAGE_RELEASE, "release"},
};

static void write_latency(const struct stage_lat *sl, FILE *out)
{
	char labels[PROM_LABELS_MAX];
	size_t i;

	prom_family(out, "dnsward_held_reply_duration_seconds", PROM_HISTOGRAM,
		    "Time a held reply waited, from the hook to its release.");
	write_histogram(&sl->s[STAGE_HOLD], "dnsward_held_reply_duration_seconds", "", out);
	prom_family(out, "dnsward_validation_duration_seconds", PROM_HISTOGRAM,
		    "Time a validation job took on its worker.");
	write_histogram(&sl->s[STAGE_VALIDATE], "dnsward_validation_duration_seconds", "", out);
	prom_family(out, "dnsward_reply_stage_duration_seconds", PROM_HISTOGRAM,
		    "Time a held reply spent in each stage (upstream and signatures: summed per "
		    "job).");
	for (i = 0; i < ARRAY_SIZE(inner_stages); i++) {
		const char *kv[] = {"stage", inner_stages[i].label};

		prom_labels(labels, sizeof(labels), 1, kv);
		write_histogram(&sl->s[inner_stages[i].id], "dnsward_reply_stage_duration_seconds",
				labels, out);
	}
}

/* --- the daemon, its policy and its attachments ----------------------------- */

static void write_daemon(const struct metrics_view *v, FILE *out)
{
	const char *kv[] = {"version", DNSWARD_VERSION};
	char labels[PROM_LABELS_MAX];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	prom_family(out, "dnsward_build_info", PROM_GAUGE, "The running build: always 1.");
	prom_labels(labels, sizeof(labels), 1, kv);
	prom_sample_u64(out, "dnsward_build_info", labels, 1);
	prom_family(out, "dnsward_start_time_seconds", PROM_GAUGE,
		    "When (Unix time) the daemon started.");
	prom_sample_f64(out, "dnsward_start_time_seconds", "",
			(double)now.tv_sec + (double)now.tv_nsec * NS - (double)v->uptime_ns * NS);
	prom_family(out, "dnsward_heartbeat_age_seconds", PROM_GAUGE,
		    "Age of the heartbeat the data plane reads; past the timeout it applies "
		    "each zone's failure mode to replies without a verdict.");
	prom_sample_f64(out, "dnsward_heartbeat_age_seconds", "", (double)v->heartbeat_age_ns * NS);
	prom_family(out, "dnsward_heartbeat_timeout_seconds", PROM_GAUGE,
		    "The heartbeat age past which the data plane takes the daemon for dead.");
	prom_sample_f64(out, "dnsward_heartbeat_timeout_seconds", "",
			(double)v->cfg->limits.heartbeat_timeout_ms / 1000.0);
}

static void write_zones(const struct dw_config *cfg, FILE *out)
{
	char labels[PROM_LABELS_MAX];
	int i;

	prom_family(out, "dnsward_zone_info", PROM_GAUGE,
		    "A protected zone of the policy in force, with its settings: always 1.");
	for (i = 0; i < cfg->n_zones && i < CFG_ZONES_MAX; i++) {
		const struct cfg_zone *z = &cfg->zones[i];
		const char *kv[] = {
		    "zone",    z->name,
		    "mode",    z->mode == CFG_MODE_MONITOR ? "monitor" : "enforce",
		    "require", z->require == CFG_REQUIRE_NOT_BOGUS ? "not-bogus" : "secure",
		    "failure", z->failure == CFG_FAIL_OPEN ? "open" : "closed"};

		prom_labels(labels, sizeof(labels), 4, kv);
		prom_sample_u64(out, "dnsward_zone_info", labels, 1);
	}
}

/* From attach_write_status's "attached IF HOOK MODE" and "query_hook IF tc DIR" lines. */
static void write_attachments(const struct attach *att, FILE *out)
{
	char *text = NULL, *line, *save = NULL, labels[PROM_LABELS_MAX];
	char kind[16], ifname[64], hook[16], mode[16];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	attach_write_status(att, f);
	fclose(f);
	prom_family(out, "dnsward_attachment_info", PROM_GAUGE,
		    "A hook attached to an interface (hook xdp or tc for replies, tc_query for "
		    "the query hook), with its mode or direction: always 1.");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *kv[] = {"interface", ifname, "hook", hook, "mode", mode};

		if (sscanf(line, "%15s %63s %15s %15s", kind, ifname, hook, mode) != 4)
			continue;
		if (!strcmp(kind, "query_hook"))
			snprintf(hook, sizeof(hook), "tc_query");
		else if (strcmp(kind, "attached"))
			continue;
		prom_labels(labels, sizeof(labels), 3, kv);
		prom_sample_u64(out, "dnsward_attachment_info", labels, 1);
	}
	free(text);
}

int metrics_export_write(const struct metrics_view *v, FILE *out)
{
	struct stat_line *st = calloc(STATS_MAX, sizeof(*st));
	size_t i;
	int n;

	if (!st)
		return -ENOMEM;
	n = read_stats(v, st, STATS_MAX);
	if (n < 0) {
		free(st);
		return n;
	}
	write_daemon(v, out);
	write_zones(v->cfg, out);
	if (v->att)
		write_attachments(v->att, out);
	for (i = 0; i < ARRAY_SIZE(families); i++)
		write_family(&families[i], st, n, out);
	write_unmapped(st, n, out);
	if (v->latency)
		write_latency(v->latency, out);
	chain_health_write_metrics(v->health, out);
	free(st);
	return 0;
}
