// SPDX-License-Identifier: BSD-2-Clause
/*
 * chain_health.c: scheduled chain probes of the protected zones (see
 * chain_health.h). The prober thread owns the probing; the loop's thread
 * reads the results for the metrics endpoint and turns changes into events.
 * Both meet under one mutex, held only to copy.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/caps.h"
#include "daemon/chain_health.h"
#include "daemon/events.h"
#include "daemon/prom_text.h"
#include "validator/policy_probe.h"

#define N_OUTCOMES 4 /* enum val_outcome: secure, insecure, bogus, indeterminate */

struct zone_health {
	char zone[CFG_NAME_LEN];
	bool probed;
	enum val_outcome outcome;
	bool under_nta;
	int64_t sig_expires; /* Unix time, 0: no signature verified */
	int64_t probed_at;   /* Unix time of the last probe */
	char reason[VAL_REASON_LEN];
	bool told;		       /* told_outcome is known to the event stream */
	enum val_outcome told_outcome; /* the state last reported (a first secure one silently) */
};

struct chain_health {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop;
	unsigned gen;		   /* bumped by every policy change: a round in progress ends */
	struct dw_config *cfg;	   /* the policy to probe, a copy (under mu) */
	struct zone_health *zones; /* one per zone of cfg, in its order (under mu) */
	int n;
	uint64_t probes[N_OUTCOMES];
	struct loop *loop;
	int timer;
	chain_health_event_fn event;
	void *ctx;
};

/* Results for cfg's zones: what is known of a zone already kept, new ones unprobed. Under mu. */
static void rebuild_zones(struct chain_health *ch, struct zone_health *scratch)
{
	int i, j;

	for (i = 0; i < ch->cfg->n_zones && i < CFG_ZONES_MAX; i++) {
		memset(&scratch[i], 0, sizeof(scratch[i]));
		for (j = 0; j < ch->n; j++)
			if (!strcmp(ch->zones[j].zone, ch->cfg->zones[i].name))
				scratch[i] = ch->zones[j];
		snprintf(scratch[i].zone, sizeof(scratch[i].zone), "%s", ch->cfg->zones[i].name);
	}
	memcpy(ch->zones, scratch, (size_t)i * sizeof(*scratch));
	ch->n = i;
}

static void store(struct chain_health *ch, int i, const struct probe_result *r)
{
	struct zone_health *z = &ch->zones[i];

	z->probed = true;
	z->outcome = r->outcome;
	z->under_nta = r->under_nta;
	z->sig_expires = r->sig_expires;
	z->probed_at = (int64_t)time(NULL);
	snprintf(z->reason, sizeof(z->reason), "%s", r->reason);
	if ((unsigned)r->outcome < N_OUTCOMES)
		ch->probes[r->outcome]++;
}

/* Probe every zone of the policy copied at the start; a policy change cuts the round short. */
static void probe_round(struct chain_health *ch, struct dw_config *cfg, unsigned gen)
{
	struct probe_result *r = malloc(sizeof(*r));
	char err[256];
	int i;

	if (!r)
		return;
	for (i = 0; i < cfg->n_zones && i < CFG_ZONES_MAX; i++) {
		bool current;

		pthread_mutex_lock(&ch->mu);
		current = !ch->stop && ch->gen == gen;
		pthread_mutex_unlock(&ch->mu);
		if (!current)
			break;
		if (policy_probe_one(cfg, &cfg->zones[i], r, err, sizeof(err)) < 0) {
			memset(r, 0, sizeof(*r));
			r->outcome = VAL_INDETERMINATE;
			snprintf(r->reason, sizeof(r->reason), "no validator: %.200s", err);
		}
		pthread_mutex_lock(&ch->mu);
		if (ch->gen == gen)
			store(ch, i, r);
		pthread_mutex_unlock(&ch->mu);
	}
	free(r);
}

static void *prober(void *arg)
{
	struct chain_health *ch = arg;
	struct dw_config *cfg = malloc(sizeof(*cfg));
	struct zone_health *scratch = calloc(CFG_ZONES_MAX, sizeof(*scratch));
	unsigned gen;

	caps_drop_unneeded();
	pthread_mutex_lock(&ch->mu);
	while (cfg && scratch && !ch->stop) {
		struct timespec until;

		gen = ch->gen;
		memcpy(cfg, ch->cfg, sizeof(*cfg));
		rebuild_zones(ch, scratch);
		pthread_mutex_unlock(&ch->mu);
		probe_round(ch, cfg, gen);
		pthread_mutex_lock(&ch->mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += CHAIN_HEALTH_INTERVAL_S;
		while (!ch->stop && ch->gen == gen &&
		       pthread_cond_timedwait(&ch->cv, &ch->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&ch->mu);
	if (!cfg || !scratch)
		pr_err("chain health: out of memory: zones are not probed");
	free(scratch);
	free(cfg);
	return NULL;
}

static void time_str(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One event per zone whose state changed (or that is first found other than secure). Under mu. */
static void report_changes(struct chain_health *ch)
{
	struct json_obj j;
	char when[32];
	int i;

	for (i = 0; i < ch->n; i++) {
		struct zone_health *z = &ch->zones[i];
		bool first = !z->told;
		enum val_outcome previous = z->told_outcome;

		if (!z->probed)
			continue;
		z->told = true;
		z->told_outcome = z->outcome;
		if (first ? z->outcome == VAL_SECURE : previous == z->outcome)
			continue;
		json_begin(&j, "chain_health");
		json_str(&j, "zone", z->zone);
		json_str(&j, "state", val_outcome_name(z->outcome));
		if (!first)
			json_str(&j, "previous", val_outcome_name(previous));
		json_str(&j, "reason", z->reason);
		if (z->sig_expires) {
			time_str(z->sig_expires, when, sizeof(when));
			json_str(&j, "signatures_expire", when);
		}
		ch->event(ch->ctx, json_end(&j));
	}
}

static void on_timer(struct loop *l, void *ctx)
{
	struct chain_health *ch = ctx;

	pthread_mutex_lock(&ch->mu);
	report_changes(ch);
	pthread_mutex_unlock(&ch->mu);
}

struct chain_health *chain_health_start(const struct dw_config *cfg, struct loop *l,
					chain_health_event_fn event, void *ctx)
{
	struct chain_health *ch = calloc(1, sizeof(*ch));
	pthread_condattr_t ca;
	int rc;

	if (!ch || !(ch->cfg = malloc(sizeof(*cfg))) ||
	    !(ch->zones = calloc(CFG_ZONES_MAX, sizeof(*ch->zones)))) {
		pr_err("chain health: out of memory");
		goto fail;
	}
	memcpy(ch->cfg, cfg, sizeof(*cfg));
	ch->loop = l;
	ch->event = event;
	ch->ctx = ctx;
	pthread_mutex_init(&ch->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ch->cv, &ca);
	pthread_condattr_destroy(&ca);
	ch->timer = loop_add_timer(l, 1000, on_timer, ch);
	if (ch->timer < 0) {
		pr_err("chain health: no loop timer: %s", strerror(-ch->timer));
		goto fail;
	}
	rc = pthread_create(&ch->thread, NULL, prober, ch);
	if (rc) {
		pr_err("chain health: cannot start the prober thread: %s", strerror(rc));
		loop_del_timer(l, ch->timer);
		goto fail;
	}
	ch->started = true;
	return ch;
fail:
	if (ch) {
		free(ch->zones);
		free(ch->cfg);
	}
	free(ch);
	return NULL;
}

void chain_health_set_policy(struct chain_health *ch, const struct dw_config *cfg)
{
	if (!ch)
		return;
	pthread_mutex_lock(&ch->mu);
	memcpy(ch->cfg, cfg, sizeof(*cfg));
	ch->gen++;
	pthread_cond_signal(&ch->cv);
	pthread_mutex_unlock(&ch->mu);
}

void chain_health_stop(struct chain_health *ch)
{
	if (!ch)
		return;
	pthread_mutex_lock(&ch->mu);
	ch->stop = true;
	pthread_cond_signal(&ch->cv);
	pthread_mutex_unlock(&ch->mu);
	pthread_join(ch->thread, NULL);
	loop_del_timer(ch->loop, ch->timer);
	pthread_cond_destroy(&ch->cv);
	pthread_mutex_destroy(&ch->mu);
	free(ch->zones);
	free(ch->cfg);
	free(ch);
}

static void write_states(struct chain_health *ch, FILE *out)
{
	char labels[PROM_LABELS_MAX];
	int i, o;

	prom_family(out, "dnsward_zone_chain_state", PROM_GAUGE,
		    "The zone's chain as the last scheduled probe proved it: 1 for its state, 0 "
		    "for the others.");
	for (i = 0; i < ch->n; i++)
		for (o = 0; o < N_OUTCOMES && ch->zones[i].probed; o++) {
			const char *kv[] = {"zone", ch->zones[i].zone, "state",
					    val_outcome_name(o)};

			prom_labels(labels, sizeof(labels), 2, kv);
			prom_sample_u64(out, "dnsward_zone_chain_state", labels,
					ch->zones[i].outcome == (enum val_outcome)o);
		}
}

enum zone_gauge { GAUGE_SIG_EXPIRES, GAUGE_PROBED_AT, GAUGE_UNDER_NTA };

static int64_t zone_gauge_value(const struct zone_health *z, enum zone_gauge g)
{
	return g == GAUGE_SIG_EXPIRES ? z->sig_expires
	       : g == GAUGE_PROBED_AT ? z->probed_at
				      : (int64_t)z->under_nta;
}

/* One sample per probed zone (no expiry sample where no signature was verified). */
static void write_zone_gauge(struct chain_health *ch, FILE *out, const char *name, const char *help,
			     enum zone_gauge g)
{
	char labels[PROM_LABELS_MAX];
	int i;

	prom_family(out, name, PROM_GAUGE, help);
	for (i = 0; i < ch->n; i++) {
		const struct zone_health *z = &ch->zones[i];
		const char *kv[] = {"zone", z->zone};
		int64_t v = zone_gauge_value(z, g);

		if (!z->probed || (g == GAUGE_SIG_EXPIRES && !v))
			continue;
		prom_labels(labels, sizeof(labels), 1, kv);
		prom_sample_u64(out, name, labels, (uint64_t)v);
	}
}

void chain_health_write_metrics(struct chain_health *ch, FILE *out)
{
	char labels[PROM_LABELS_MAX];
	int o;

	if (!ch)
		return;
	pthread_mutex_lock(&ch->mu);
	write_states(ch, out);
	write_zone_gauge(
	    ch, out, "dnsward_zone_chain_signature_expiry_timestamp_seconds",
	    "Earliest expiration (Unix time) of the RRSIGs the last probe verified on "
	    "the zone's path: DS and DNSKEY from the trust anchor down, and the zone's "
	    "own records.",
	    GAUGE_SIG_EXPIRES);
	write_zone_gauge(ch, out, "dnsward_zone_chain_probe_timestamp_seconds",
			 "When (Unix time) the zone's chain was last probed.", GAUGE_PROBED_AT);
	write_zone_gauge(ch, out, "dnsward_zone_chain_under_nta",
			 "1 when a negative trust anchor stood in for the zone's chain at the last "
			 "probe.",
			 GAUGE_UNDER_NTA);
	prom_family(out, "dnsward_chain_probes_total", PROM_COUNTER,
		    "Scheduled zone chain probes, by the state they found.");
	for (o = 0; o < N_OUTCOMES; o++) {
		const char *kv[] = {"state", val_outcome_name(o)};

		prom_labels(labels, sizeof(labels), 1, kv);
		prom_sample_u64(out, "dnsward_chain_probes_total", labels, ch->probes[o]);
	}
	pthread_mutex_unlock(&ch->mu);
}
