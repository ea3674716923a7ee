// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_policy.c: policy identity (hash of the canonical form), the change
 * summary, history for rollback, runtime NTAs and their expiry, the audit
 * record, and what a probe outcome means for a zone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "common/config.h"
#include "daemon/policy.h"
#include "validator/policy_probe.h"

static char tmp_dir[64];
static char tmp_file[128];
static char err[1024];

static struct dw_config *load(const char *text)
{
	struct dw_config *cfg = calloc(1, sizeof(*cfg));
	FILE *f = fopen(tmp_file, "w");

	if (!cfg || !f)
		exit(1);
	fputs(text, f);
	fclose(f);
	if (config_load(tmp_file, cfg, err, sizeof(err))) {
		fprintf(stderr, "  config: %s\n", err);
		free(cfg);
		return NULL;
	}
	return cfg;
}

static const char base_yaml[] = "zones:\n"
				"  - {name: idp.test, mode: enforce}\n"
				"  - {name: old.test}\n"
				"upstreams: [{address: 192.0.2.53}]\n";

static void test_hash_is_about_meaning(void)
{
	struct dw_config *a = load(base_yaml);
	/* Same meaning: other spelling, quoting, explicit defaults, comments. */
	struct dw_config *b = load("# a comment\n"
				   "upstreams:\n  - address: \"192.0.2.53\"\n    port: 53\n"
				   "zones:\n  - name: IDP.test.\n    mode: \"enforce\"\n"
				   "    require: secure\n  - name: old.test\n");
	struct dw_config *c = load("zones:\n"
				   "  - {name: idp.test, mode: monitor}\n"
				   "  - {name: old.test}\n"
				   "upstreams: [{address: 192.0.2.53}]\n");
	char ha[POLICY_HASH_LEN], hb[POLICY_HASH_LEN], hc[POLICY_HASH_LEN];

	CHECK(a && b && c);
	if (!a || !b || !c)
		goto out;
	CHECK_EQ_INT(policy_hash(a, ha), 0);
	CHECK_EQ_INT(policy_hash(b, hb), 0);
	CHECK_EQ_INT(policy_hash(c, hc), 0);
	CHECK_EQ_INT(strlen(ha), 64);
	CHECK_EQ_STR(ha, hb);
	CHECK(strcmp(ha, hc) != 0);
out:
	free(a);
	free(b);
	free(c);
}

static void test_diff_summary(void)
{
	struct dw_config *a = load(base_yaml);
	struct dw_config *b =
	    load("zones:\n"
		 "  - {name: idp.test, mode: monitor, require: not-bogus}\n"
		 "  - {name: new.test}\n"
		 "trust_anchors: [system, {file: /etc/dnsward/x.ds}]\n"
		 "negative_trust_anchors:\n"
		 "  - {zone: broken.test, until: \"2099-01-01T00:00:00Z\", reason: r}\n"
		 "upstreams: [{address: 192.0.2.54}]\n");
	char out[POLICY_SUMMARY_LEN];

	CHECK(a && b);
	if (!a || !b)
		goto out;
	policy_diff(a, a, out, sizeof(out));
	CHECK_EQ_STR(out, "no change");
	policy_diff(a, b, out, sizeof(out));
	CHECK_EQ_STR(out, "zones +new.test ~idp.test(mode enforce->monitor,require "
			  "secure->not-bogus) -old.test; ntas +broken.test; anchors changed; "
			  "upstreams changed");
	policy_diff(b, a, out, sizeof(out));
	CHECK_EQ_STR(out, "zones +old.test ~idp.test(mode monitor->enforce,require "
			  "not-bogus->secure) -new.test; ntas -broken.test; anchors changed; "
			  "upstreams changed");
	/* A summary that does not fit says so instead of ending mid-word. */
	policy_diff(a, b, out, 20);
	CHECK_EQ_INT(strlen(out), 19);
	CHECK(!strcmp(out + 16, "..."));
out:
	free(a);
	free(b);
}

static void test_history_and_rollback(void)
{
	struct dw_config *a = load(base_yaml), *b = load("zones: [{name: b.test}]\n");
	struct policy_history h;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK_EQ_INT(policy_history_init(&h, a), 0);
	CHECK(h.previous == NULL);
	CHECK_EQ_INT(policy_history_swap(&h), -ENOENT); /* nothing to roll back to */
	CHECK_EQ_INT(policy_history_push(&h, b), 0);
	CHECK_EQ_STR(h.current->zones[0].name, "b.test");
	CHECK_EQ_STR(h.previous->zones[0].name, "idp.test");
	CHECK_EQ_INT(policy_history_swap(&h), 0);
	CHECK_EQ_STR(h.current->zones[0].name, "idp.test");
	CHECK_EQ_STR(h.previous->zones[0].name, "b.test");
	/* Rolling back twice returns to where we were. */
	CHECK_EQ_INT(policy_history_swap(&h), 0);
	CHECK_EQ_STR(h.current->zones[0].name, "b.test");
	policy_history_free(&h);
out:
	free(a);
	free(b);
}

static void test_nta_add_del(void)
{
	struct dw_config *cfg =
	    load("negative_trust_anchors:\n"
		 "  - {zone: file.test, until: \"2099-01-01T00:00:00Z\", reason: f}\n");
	char e[256];

	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_EQ_INT(policy_nta_add(cfg, "Bogus.Test.", 2000, "incident 7", e, sizeof(e)), 0);
	CHECK_EQ_INT(cfg->n_ntas, 2);
	CHECK_EQ_STR(cfg->ntas[1].zone, "bogus.test");
	CHECK(cfg->ntas[1].runtime);
	CHECK_EQ_INT(cfg->ntas[1].until, 2000);
	/* Overlaps (same, above, below) are refused and say with what. */
	CHECK_EQ_INT(policy_nta_add(cfg, "www.bogus.test", 2000, "x", e, sizeof(e)), -EEXIST);
	CHECK_EQ_STR(e, "www.bogus.test overlaps the negative trust anchor for bogus.test "
			"(added at run time)");
	CHECK_EQ_INT(policy_nta_add(cfg, "test", 2000, "x", e, sizeof(e)), -EEXIST);
	CHECK_EQ_INT(policy_nta_add(cfg, "a..b", 2000, "x", e, sizeof(e)), -EINVAL);
	CHECK_EQ_INT(policy_nta_add(cfg, "c.example", 2000, "", e, sizeof(e)), -EINVAL);
	/* NTAs from the file are removed by editing the file. */
	CHECK_EQ_INT(policy_nta_del(cfg, "file.test", e, sizeof(e)), -EPERM);
	CHECK(strstr(e, "remove it there and reload") != NULL);
	CHECK_EQ_INT(policy_nta_del(cfg, "nope.test", e, sizeof(e)), -ENOENT);
	CHECK_EQ_INT(policy_nta_del(cfg, "BOGUS.test", e, sizeof(e)), 0);
	CHECK_EQ_INT(cfg->n_ntas, 1);
	free(cfg);
}

static void test_nta_expiry(void)
{
	struct dw_config *cfg = load("zones: [{name: idp.test}]\n");
	char e[256], names[128];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_EQ_INT(policy_nta_next_expiry(cfg), 0);
	CHECK_EQ_INT(policy_nta_add(cfg, "a.test", 1000, "one", e, sizeof(e)), 0);
	CHECK_EQ_INT(policy_nta_add(cfg, "b.test", 500, "two", e, sizeof(e)), 0);
	CHECK_EQ_INT(policy_nta_add(cfg, "c.test", 3000, "three", e, sizeof(e)), 0);
	CHECK_EQ_INT(policy_nta_next_expiry(cfg), 500);
	f = open_memstream(&text, &len);
	policy_nta_list(cfg, 400, f);
	fclose(f);
	CHECK(strstr(text, "b.test until 1970-01-01T00:08:20Z (in 0h01m40s) runtime two\n") !=
	      NULL);
	free(text);
	/* Nothing is due before its time; at its time it goes, and only it. */
	CHECK_EQ_INT(policy_nta_expire(cfg, 499, names, sizeof(names)), 0);
	CHECK_EQ_INT(cfg->n_ntas, 3);
	CHECK_EQ_INT(policy_nta_expire(cfg, 1000, names, sizeof(names)), 2);
	CHECK_EQ_STR(names, "a.test b.test");
	CHECK_EQ_INT(cfg->n_ntas, 1);
	CHECK_EQ_STR(cfg->ntas[0].zone, "c.test");
	CHECK_EQ_INT(policy_nta_next_expiry(cfg), 3000);
	free(cfg);
}

/* A reload keeps runtime NTAs that are live and do not clash with the file's. */
static void test_nta_carry(void)
{
	struct dw_config *running = load("zones: [{name: idp.test}]\n");
	struct dw_config *next =
	    load("negative_trust_anchors:\n"
		 "  - {zone: x.test, until: \"2099-01-01T00:00:00Z\", reason: f}\n");
	char e[256];

	CHECK(running && next);
	if (!running || !next)
		goto out;
	policy_nta_add(running, "keep.test", 5000, "live", e, sizeof(e));
	policy_nta_add(running, "gone.test", 100, "expired", e, sizeof(e));
	policy_nta_add(running, "a.x.test", 5000, "clashes", e, sizeof(e));
	policy_nta_carry(running, next, 1000);
	CHECK_EQ_INT(next->n_ntas, 2);
	CHECK_EQ_STR(next->ntas[0].zone, "x.test");
	CHECK(!next->ntas[0].runtime);
	CHECK_EQ_STR(next->ntas[1].zone, "keep.test");
	CHECK(next->ntas[1].runtime);
out:
	free(running);
	free(next);
}

static void test_audit_json(void)
{
	struct policy_caller peer = {.kind = CALLER_PEER, .uid = 0, .pid = 4242};
	struct policy_caller sig = {.kind = CALLER_SIGNAL};
	char out[2048];
	int n;

	n = policy_audit_json(out, sizeof(out), 1795000000, &peer, "reload", "aa", "bb",
			      "zones +a.test", "applied", "");
	CHECK(n > 0);
	CHECK_EQ_STR(out, "{\"event\":\"audit\",\"time\":\"2026-11-18T11:06:40Z\",\"action\":"
			  "\"reload\",\"caller\":{\"uid\":0,\"pid\":4242},\"old_policy\":\"aa\","
			  "\"new_policy\":\"bb\",\"summary\":\"zones +a.test\",\"outcome\":"
			  "\"applied\",\"reason\":\"\"}");
	n = policy_audit_json(out, sizeof(out), 0, &sig, "reload", "aa", "", "", "failed",
			      "c.yaml:1:2: bad \"quote\"\n");
	CHECK(n > 0);
	CHECK(strstr(out, "\"caller\":\"signal\"") != NULL);
	CHECK(strstr(out, "\"reason\":\"c.yaml:1:2: bad \\\"quote\\\"\\u000a\"") != NULL);
	CHECK_EQ_INT(policy_audit_json(out, 40, 0, &sig, "reload", "", "", "", "failed", ""),
		     -ENOSPC);
}

static void test_probe_effects(void)
{
	struct dw_config *cfg =
	    load("zones:\n"
		 "  - {name: s.test}\n"
		 "  - {name: nb.test, require: not-bogus}\n"
		 "  - {name: m.test, mode: monitor}\n"
		 "  - {name: o.test, failure: open}\n"
		 "negative_trust_anchors:\n"
		 "  - {zone: nta.test, until: \"2099-01-01T00:00:00Z\", reason: r}\n");
	struct cfg_zone nta_zone = {.name = "nta.test"};
	struct probe_result r = {.outcome = VAL_INSECURE};

	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[0], VAL_SECURE, false), PROBE_DELIVER);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[0], VAL_INSECURE, false), PROBE_DROP);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[0], VAL_BOGUS, false), PROBE_DROP);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[0], VAL_INDETERMINATE, false),
		     PROBE_DROP);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[1], VAL_INSECURE, false), PROBE_DELIVER);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[1], VAL_BOGUS, false), PROBE_DROP);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[2], VAL_BOGUS, false), PROBE_REPORT);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[3], VAL_INDETERMINATE, false),
		     PROBE_DELIVER);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[3], VAL_BOGUS, false), PROBE_DROP);
	/* An NTA delivers what it covers, whatever the validator said. */
	CHECK_EQ_INT(policy_probe_effect(cfg, &nta_zone, VAL_BOGUS, false), PROBE_DELIVER);
	CHECK_EQ_INT(policy_probe_effect(cfg, &cfg->zones[0], VAL_BOGUS, true), PROBE_DELIVER);

	snprintf(r.zone, sizeof(r.zone), "legacy.test");
	r.effect = PROBE_DROP;
	policy_probe_describe(&(struct cfg_zone){.name = "legacy.test"}, &r);
	CHECK_EQ_STR(r.line, "legacy.test: INSECURE, require=secure -> every reply would be "
			     "DROPPED");
	r.outcome = VAL_SECURE;
	r.effect = PROBE_DELIVER;
	policy_probe_describe(&(struct cfg_zone){.name = "idp.test"}, &r);
	CHECK_EQ_STR(r.line, "idp.test: secure, enforced");
	r.outcome = VAL_BOGUS;
	r.effect = PROBE_REPORT;
	snprintf(r.reason, sizeof(r.reason), "bad sig");
	policy_probe_describe(&cfg->zones[2], &r);
	CHECK_EQ_STR(r.line, "m.test: BOGUS (bad sig) -> monitor: replies delivered and reported");
	free(cfg);
}

/* Without upstreams the truth is unobtainable: the failure mode decides. */
static void test_probe_without_upstreams(void)
{
	struct dw_config *next = load("zones:\n"
				      "  - {name: closed.test}\n"
				      "  - {name: open.test, failure: open}\n");
	struct dw_config *running = load("zones: [{name: closed.test}]\n");
	struct probe_result res[4];
	int n;

	CHECK(next && running);
	if (!next || !running)
		goto out;
	n = policy_probe(next, running, res, 4, err, sizeof(err));
	CHECK_EQ_INT(n, 2);
	if (n != 2)
		goto out;
	CHECK_EQ_INT(res[0].outcome, VAL_INDETERMINATE);
	CHECK_EQ_INT(res[0].effect, PROBE_DROP);
	CHECK(!res[0].newly_dropped); /* the running policy drops it already */
	CHECK_EQ_INT(res[1].effect, PROBE_DELIVER);
	n = policy_probe(next, NULL, res, 4, err, sizeof(err));
	CHECK(res[0].newly_dropped); /* no running policy: every drop counts */
out:
	free(next);
	free(running);
}

int main(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/dw-test-policy-XXXXXX");
	if (!mkdtemp(tmp_dir))
		return 1;
	snprintf(tmp_file, sizeof(tmp_file), "%s/p.yaml", tmp_dir);
	RUN_TEST(test_hash_is_about_meaning);
	RUN_TEST(test_diff_summary);
	RUN_TEST(test_history_and_rollback);
	RUN_TEST(test_nta_add_del);
	RUN_TEST(test_nta_expiry);
	RUN_TEST(test_nta_carry);
	RUN_TEST(test_audit_json);
	RUN_TEST(test_probe_effects);
	RUN_TEST(test_probe_without_upstreams);
	unlink(tmp_file);
	rmdir(tmp_dir);
	HARNESS_EXIT();
}
