// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_policy_ctl.c: the policy lifecycle (reload with its probe, rollback,
 * NTAs, flush, audit) on a real event loop, enforcing through a fake that
 * records every applied policy, flush and event. The validator probes are
 * real (no upstreams: the truth is unobtainable, so failure modes decide).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "common/config.h"
#include "common/loop.h"
#include "daemon/policy.h"
#include "daemon/policy_ctl.h"

#define EVENTS_MAX 64

/* --- what enforces the policy ------------------------------------------------------------ */

struct fake {
	struct dw_config cfg;
	struct loop *loop;
	int applies;
	bool fail_apply;
	char flushed[CFG_NAME_LEN];
	int flushes;
	char events[EVENTS_MAX][4096];
	int n_events;
};

static const struct dw_config *fake_policy(void *ctx)
{
	return &((struct fake *)ctx)->cfg;
}

static int fake_apply(void *ctx, const struct dw_config *next, char *err, size_t err_len)
{
	struct fake *f = ctx;

	if (f->fail_apply) {
		snprintf(err, err_len, "zones map update failed");
		return -EIO;
	}
	f->applies++;
	memcpy(&f->cfg, next, sizeof(*next));
	return 0;
}

static int fake_flush(void *ctx, const char *name)
{
	struct fake *f = ctx;

	snprintf(f->flushed, sizeof(f->flushed), "%s", name ? name : "(all)");
	f->flushes++;
	return 0;
}

static void fake_event(void *ctx, const char *json)
{
	struct fake *f = ctx;

	if (f->n_events < EVENTS_MAX)
		snprintf(f->events[f->n_events++], sizeof(f->events[0]), "%s", json);
}

/* --- fixtures ------------------------------------------------------------------------ */

static char dir[48], cfg_path[96];
static struct fake *fk;
static struct policy_ctl *pc;
static const struct policy_caller root = {.kind = CALLER_PEER, .uid = 0, .pid = 1};
static char answer[16384];

static void write_config(const char *zones)
{
	FILE *f = fopen(cfg_path, "w");

	if (!f)
		exit(1);
	fputs(zones, f);
	fclose(f);
}

static int start(const char *zones)
{
	struct policy_enforcer enf = {
	    .policy = fake_policy, .apply = fake_apply, .flush = fake_flush, .event = fake_event};
	char err[1024];

	fk = calloc(1, sizeof(*fk));
	fk->loop = loop_new();
	enf.ctx = fk;
	write_config(zones);
	if (config_load(cfg_path, &fk->cfg, err, sizeof(err))) {
		fprintf(stderr, "  %s\n", err);
		return -1;
	}
	pc = policy_ctl_new(&enf, fk->loop);
	return pc ? 0 : -1;
}

static void stop(void)
{
	policy_ctl_free(pc);
	loop_free(fk->loop);
	free(fk);
	pc = NULL;
	fk = NULL;
}

static const char *last_event(void)
{
	return fk->n_events ? fk->events[fk->n_events - 1] : "";
}

/* An answer written to out now, kept in answer[]. */
static FILE *out_open(char **text, size_t *len)
{
	*text = NULL;
	return open_memstream(text, len);
}

static char *out_close(FILE *out, char **text)
{
	fclose(out);
	snprintf(answer, sizeof(answer), "%s", *text ? *text : "");
	free(*text);
	return answer;
}

static void on_answer(void *arg, const char *text, size_t len)
{
	snprintf(answer, sizeof(answer), "%.*s", (int)len, text);
	loop_stop(arg);
}

static int ticks;

static void on_guard(struct loop *l, void *ctx)
{
	if (++ticks > 300) /* 30 s at most */
		loop_stop(l);
}

/* A reload's answer, waiting on the loop while its probe runs. */
static char *reload(bool allow_drops)
{
	char *text;
	size_t len;
	FILE *out = out_open(&text, &len);
	int timer;

	answer[0] = '\0';
	if (!policy_ctl_reload(pc, &root, allow_drops, on_answer, fk->loop, out))
		return out_close(out, &text);
	fclose(out);
	free(text);
	ticks = 0;
	timer = loop_add_timer(fk->loop, 100, on_guard, NULL);
	loop_run(fk->loop);
	loop_del_timer(fk->loop, timer);
	return answer;
}

#define ANSWER(call)                                                                               \
	({                                                                                         \
		char *text_;                                                                       \
		size_t len_;                                                                       \
		FILE *out = out_open(&text_, &len_);                                               \
		call;                                                                              \
		out_close(out, &text_);                                                            \
	})

static const char zones_a[] = "zones:\n  - {name: idp.test, mode: monitor}\n";

/* --- tests ----------------------------------------------------------------------------- */

static void test_reload_good_bad_and_rollback(void)
{
	char h0[POLICY_HASH_LEN], h1[POLICY_HASH_LEN];
	char *a;

	if (start(zones_a))
		goto out;
	policy_hash(&fk->cfg, h0);
	/* Good: a new monitor zone (monitor never drops, so the probe cannot refuse). */
	write_config("zones:\n  - {name: idp.test, mode: monitor}\n"
		     "  - {name: new.test, mode: monitor}\n");
	a = reload(false);
	CHECK(!strncmp(a, "ok\nreload applied: zones +new.test\n", 35));
	CHECK(strstr(a, "new.test: INDETERMINATE") != NULL);
	CHECK_EQ_INT(fk->applies, 1);
	CHECK_EQ_INT(fk->cfg.n_zones, 2);
	CHECK_EQ_STR(fk->flushed, "(all)"); /* verdicts judged under the old policy go */
	policy_hash(&fk->cfg, h1);
	CHECK(strstr(last_event(), "\"outcome\":\"applied\"") != NULL);
	CHECK(strstr(last_event(), h0) != NULL && strstr(last_event(), h1) != NULL);
	CHECK(strstr(last_event(), "\"caller\":{\"uid\":0,") != NULL);

	/* Bad: the running policy stays and the reason names file:line:column. */
	write_config("zones:\n  - {name: x.test, require: strict}\n");
	a = reload(false);
	CHECK(!strncmp(a, "error: reload failed, the running policy stays: ", 48));
	CHECK(strstr(a, "c.yaml:2:29: zones[0].require: expected 'secure' or 'not-bogus', got "
			"'strict'") != NULL);
	CHECK_EQ_INT(fk->applies, 1);
	CHECK_EQ_INT(fk->cfg.n_zones, 2);
	CHECK(strstr(last_event(), "\"outcome\":\"failed\"") != NULL);

	/* Rollback returns to the first policy; a second one goes forward again. */
	a = ANSWER(policy_ctl_rollback(pc, &root, out));
	CHECK_EQ_STR(a, "ok\nrollback applied: zones -new.test\n");
	CHECK_EQ_INT(fk->cfg.n_zones, 1);
	policy_hash(&fk->cfg, h1);
	CHECK_EQ_STR(h1, h0);
	CHECK(strstr(last_event(), "\"action\":\"rollback\"") != NULL);
	a = ANSWER(policy_ctl_write_status(pc, out));
	CHECK(!strncmp(a, "policy ", 7));
	CHECK(strstr(a, "previous_policy none") == NULL);
	a = ANSWER(policy_ctl_rollback(pc, &root, out));
	CHECK_EQ_STR(a, "ok\nrollback applied: zones +new.test\n");
out:
	stop();
}

static void test_reload_refused_when_it_drops(void)
{
	char *a;
	int events;

	if (start(zones_a))
		goto out;
	a = ANSWER(policy_ctl_rollback(pc, &root, out));
	CHECK_EQ_STR(a, "error: no previous policy to roll back to\n");
	/* Enforced, failure closed, no upstream: every reply would be dropped. */
	write_config("zones:\n  - {name: idp.test, mode: monitor}\n  - {name: strict.test}\n");
	a = reload(false);
	CHECK(strstr(a, "refused: applying it would drop 1 zone(s) served now: strict.test (reload "
			"--allow-drops to apply anyway)\n") == a);
	CHECK(strstr(a, "strict.test: INDETERMINATE") != NULL);
	CHECK(strstr(a, "failure=closed -> every reply would be DROPPED") != NULL);
	CHECK_EQ_INT(fk->applies, 0);
	CHECK(strstr(last_event(), "\"outcome\":\"refused\"") != NULL);
	a = reload(true);
	CHECK(!strncmp(a, "ok\nreload applied: zones +strict.test\n", 38));
	CHECK_EQ_INT(fk->applies, 1);
	/* The enforcer cannot apply it: nothing changes and the event says why. */
	fk->fail_apply = true;
	write_config(zones_a);
	events = fk->n_events;
	a = reload(false);
	CHECK_EQ_STR(a, "error: reload not applied, the running policy stays: zones map update "
			"failed\n"
			"idp.test: INDETERMINATE (no upstream configured to ask idp.test/DNSKEY) "
			"-> monitor: replies "
			"delivered and reported\n");
	CHECK_EQ_INT(fk->cfg.n_zones, 2);
	CHECK_EQ_INT(fk->n_events, events + 1);
	CHECK(strstr(last_event(), "\"reason\":\"zones map update failed\"") != NULL);
out:
	stop();
}

static void on_tick_expired(struct loop *l, void *ctx)
{
	int *n = ctx, i;

	for (i = 0; i < fk->n_events; i++)
		if (strstr(fk->events[i], "\"action\":\"nta-expire\""))
			loop_stop(l);
	if (++*n > 100) /* 10 s at most */
		loop_stop(l);
}

static void test_nta_add_list_del_expire(void)
{
	int n = 0, timer;
	char *a;

	if (start(zones_a))
		goto out;
	a = ANSWER(
	    policy_ctl_nta_add(pc, &root, "Bogus.Test", "2h", "TLD rollover, ticket 7", out));
	CHECK(!strncmp(a, "ok\nnta-add applied: ntas +bogus.test; until ", 44));
	CHECK(strstr(a, "reason: TLD rollover, ticket 7") != NULL);
	CHECK_EQ_INT(fk->cfg.n_ntas, 1);
	CHECK(fk->cfg.ntas[0].runtime);
	a = ANSWER(policy_ctl_nta_list(pc, out));
	CHECK(!strncmp(a, "ok\nbogus.test until ", 20));
	CHECK(strstr(a, " runtime TLD rollover, ticket 7\n") != NULL);
	a = ANSWER(policy_ctl_nta_add(pc, &root, "www.bogus.test", "1h", "overlapping", out));
	CHECK(!strncmp(a, "error: www.bogus.test overlaps the negative trust anchor", 56));
	a = ANSWER(policy_ctl_nta_add(pc, &root, "x.test", "forever", "because", out));
	CHECK_EQ_STR(a, "error: 'forever' is not a duration from 1s to 30d (e.g. 2h)\n");
	a = ANSWER(policy_ctl_nta_del(pc, &root, "bogus.test", out));
	CHECK_EQ_STR(a, "ok\nnta-del applied: ntas -bogus.test\n");
	CHECK_EQ_INT(fk->cfg.n_ntas, 0);

	/* An NTA ends by itself and an event says so. */
	a = ANSWER(policy_ctl_nta_add(pc, &root, "bogus.test", "1s", "short test", out));
	CHECK(!strncmp(a, "ok\n", 3));
	timer = loop_add_timer(fk->loop, 100, on_tick_expired, &n);
	loop_run(fk->loop);
	loop_del_timer(fk->loop, timer);
	CHECK_EQ_INT(fk->cfg.n_ntas, 0);
	CHECK(strstr(last_event(), "\"action\":\"nta-expire\",\"caller\":\"timer\"") != NULL);
	CHECK(strstr(last_event(), "expired: bogus.test") != NULL);
out:
	stop();
}

static int wait_events;

static void on_tick_events(struct loop *l, void *ctx)
{
	int *n = ctx;

	if (fk->n_events >= wait_events || ++*n > 100) /* 10 s at most */
		loop_stop(l);
}

static void test_flush_denied_and_signal(void)
{
	const struct policy_caller nobody = {.kind = CALLER_PEER, .uid = 65534, .pid = 2};
	int events, timer, n = 0;
	char *a;

	if (start(zones_a))
		goto out;
	a = ANSWER(policy_ctl_flush(pc, &root, "www.idp.test", out));
	CHECK_EQ_STR(a, "ok\nflushed www.idp.test\n");
	CHECK_EQ_STR(fk->flushed, "www.idp.test");
	a = ANSWER(policy_ctl_flush(pc, &root, NULL, out));
	CHECK_EQ_STR(a, "ok\nflushed everything\n");
	CHECK_EQ_STR(fk->flushed, "(all)");
	CHECK(strstr(last_event(), "\"action\":\"flush\"") != NULL);
	policy_ctl_denied(pc, &nobody, "reload", "reload", "changes need uid 0");
	CHECK(strstr(last_event(), "\"action\":\"reload\",\"caller\":{\"uid\":65534,\"pid\":2") !=
	      NULL);
	CHECK(strstr(last_event(), "\"outcome\":\"denied\"") != NULL);
	/* SIGHUP reloads as "signal", with no caller waiting. */
	write_config("zones:\n  - {name: idp.test, mode: monitor}\n  - {name: b.test, mode: "
		     "monitor}\n");
	events = fk->n_events;
	policy_ctl_reload_signal(pc);
	wait_events = events + 1;
	timer = loop_add_timer(fk->loop, 100, on_tick_events, &n);
	loop_run(fk->loop);
	loop_del_timer(fk->loop, timer);
	CHECK_EQ_INT(fk->n_events, events + 1);
	CHECK_EQ_INT(fk->cfg.n_zones, 2);
	CHECK(strstr(last_event(), "\"caller\":\"signal\"") != NULL);
	CHECK(strstr(last_event(), "\"outcome\":\"applied\"") != NULL);
out:
	stop();
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dw-test-policy-ctl-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/c.yaml", dir);
	RUN_TEST(test_reload_good_bad_and_rollback);
	RUN_TEST(test_reload_refused_when_it_drops);
	RUN_TEST(test_nta_add_list_del_expire);
	RUN_TEST(test_flush_denied_and_signal);
	unlink(cfg_path);
	rmdir(dir);
	HARNESS_EXIT();
}
