// SPDX-License-Identifier: BSD-2-Clause
/*
 * policy_probe.c: prove each protected zone now (its apex DNSKEY and A, and
 * the zone's probe name if it has one; the worst outcome decides) and turn
 * the outcome into what the policy would do with the zone's replies.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/nameser.h>

#include "common/log.h"
#include "validator/policy_probe.h"

static bool nta_covers(const struct dw_config *cfg, const char *name)
{
	time_t now = time(NULL);
	int i;

	for (i = 0; i < cfg->n_ntas && i < CFG_NTAS_MAX; i++)
		if (cfg->ntas[i].until > now && config_name_within(name, cfg->ntas[i].zone))
			return true;
	return false;
}

enum probe_effect policy_probe_effect(const struct dw_config *cfg, const struct cfg_zone *z,
				      enum val_outcome outcome, bool under_nta)
{
	bool drop;

	/* An NTA is the explicit, expiring decision to deliver what cannot be proven. */
	if (under_nta || (cfg && nta_covers(cfg, z->name)))
		return PROBE_DELIVER;
	switch (outcome) {
	case VAL_SECURE:
		drop = false;
		break;
	case VAL_INSECURE:
		drop = z->require == CFG_REQUIRE_SECURE;
		break;
	case VAL_INDETERMINATE:
		drop = z->failure == CFG_FAIL_CLOSED;
		break;
	default:
		drop = true;
		break;
	}
	if (!drop)
		return PROBE_DELIVER;
	return z->mode == CFG_MODE_MONITOR ? PROBE_REPORT : PROBE_DROP;
}

static void upper(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
	out[i] = '\0';
}

void policy_probe_describe(const struct cfg_zone *z, struct probe_result *r)
{
	const char *mode = z->mode == CFG_MODE_MONITOR ? "monitored" : "enforced";
	char word[32], why[VAL_REASON_LEN + 8] = "";

	if (r->outcome == VAL_SECURE && !r->under_nta) {
		snprintf(r->line, sizeof(r->line), "%s: secure, %s", z->name, mode);
		return;
	}
	upper(val_outcome_name(r->outcome), word, sizeof(word));
	if (r->reason[0])
		snprintf(why, sizeof(why), " (%s)", r->reason);
	if (r->under_nta) {
		snprintf(r->line, sizeof(r->line),
			 "%s: %s%s, under a negative trust anchor -> replies delivered unproven",
			 z->name, word, why);
	} else if (r->effect == PROBE_REPORT) {
		snprintf(r->line, sizeof(r->line),
			 "%s: %s%s -> monitor: replies delivered and reported", z->name, word, why);
	} else if (r->outcome == VAL_INDETERMINATE) {
		snprintf(r->line, sizeof(r->line), "%s: %s%s, failure=%s -> %s", z->name, word, why,
			 z->failure == CFG_FAIL_OPEN ? "open" : "closed",
			 r->effect == PROBE_DROP     ? "every reply would be DROPPED"
			 : r->effect == PROBE_REPORT ? "monitor: replies delivered and reported"
						     : "replies delivered unproven");
	} else if (r->outcome == VAL_INSECURE) {
		snprintf(r->line, sizeof(r->line), "%s: %s%s, require=%s -> %s", z->name, word, why,
			 z->require == CFG_REQUIRE_SECURE ? "secure" : "not-bogus",
			 r->effect == PROBE_DROP     ? "every reply would be DROPPED"
			 : r->effect == PROBE_REPORT ? "monitor: replies delivered and reported"
						     : "delivered");
	} else {
		snprintf(r->line, sizeof(r->line), "%s: %s%s -> %s", z->name, word, why,
			 r->effect == PROBE_DROP ? "every reply would be DROPPED"
						 : "monitor: replies delivered and reported");
	}
}

/* Prove one name/type; keep it in r when it is the worst so far. */
static void probe_one(struct validator *v, const char *name, uint16_t qtype, struct probe_result *r,
		      bool *first)
{
	struct val_result res;

	memset(&res, 0, sizeof(res));
	if (validator_check_name(v, name, qtype, &res) < 0) {
		res.outcome = VAL_INDETERMINATE;
		if (!res.reason[0])
			snprintf(res.reason, sizeof(res.reason), "validation of %s failed", name);
	}
	if (res.under_nta)
		r->under_nta = true;
	if (res.sig_expires && (!r->sig_expires || res.sig_expires < r->sig_expires))
		r->sig_expires = res.sig_expires;
	if (!*first && val_outcome_rank(res.outcome) <= val_outcome_rank(r->outcome))
		return;
	*first = false;
	r->outcome = res.outcome;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->reason, sizeof(r->reason), "%s", res.reason);
}

static void probe_zone(struct validator *v, const struct dw_config *next,
		       const struct dw_config *running, const struct cfg_zone *z,
		       struct probe_result *r)
{
	const struct cfg_zone *old;
	bool first = true;

	memset(r, 0, sizeof(*r));
	snprintf(r->zone, sizeof(r->zone), "%s", z->name);
	probe_one(v, z->name, ns_t_dnskey, r, &first);
	probe_one(v, z->name, ns_t_a, r, &first);
	if (z->probe[0])
		probe_one(v, z->probe, ns_t_a, r, &first);
	r->effect = policy_probe_effect(next, z, r->outcome, r->under_nta);
	/* Served now: not protected, or the running policy would not drop it either. */
	old = running ? config_find_zone(running, z->name) : NULL;
	r->newly_dropped = r->effect == PROBE_DROP &&
			   (!running || !old ||
			    policy_probe_effect(running, old, r->outcome, false) != PROBE_DROP);
	policy_probe_describe(z, r);
}

int policy_probe_one(const struct dw_config *cfg, const struct cfg_zone *z,
		     struct probe_result *out, char *err, size_t err_len)
{
	struct validator *v = validator_new(cfg, err, err_len);

	if (!v) {
		pr_warn("policy probe: no validator for %s: %s", cfg->path, err);
		return -EINVAL;
	}
	probe_zone(v, cfg, NULL, z, out);
	validator_free(v);
	return 0;
}

int policy_probe(const struct dw_config *next, const struct dw_config *running,
		 struct probe_result *out, int max, char *err, size_t err_len)
{
	struct validator *v;
	int i;

	v = validator_new(next, err, err_len);
	if (!v) {
		pr_warn("policy probe: no validator for %s: %s", next->path, err);
		return -EINVAL;
	}
	for (i = 0; i < next->n_zones && i < max; i++)
		probe_zone(v, next, running, &next->zones[i], &out[i]);
	validator_free(v);
	return i;
}
