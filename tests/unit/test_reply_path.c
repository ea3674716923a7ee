// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_reply_path.c: a held reply is released only on a verdict about its own
 * bytes. Through the pool: replies whose key binds no content (too many
 * records to digest) never share a job, and replies with one full key share
 * it only with the same bytes. Through the reply path: a name the policy
 * cannot spell (a DNS-SD instance label) is judged in its zone, not released
 * whatever the validator said. A DENY for a copy that shares a live ALLOW's
 * key (raised TTLs) leaves the ALLOW in place; a copy whose only fault is
 * raised TTLs, judged first, leaves an ALLOW bounded by the signed TTL. Runs in a private network
 * namespace, so the validators reach no upstream and a release reaches nothing.
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "common/config.h"
#include "common/loop.h"
#include "daemon/events.h"
#include "daemon/loader.h"
#include "daemon/punt_decode.h"
#include "daemon/reply_path.h"
#include "daemon/valpool.h"
#include "daemon/verdict_map.h"

#define L3_OFF	14
#define DNS_OFF (L3_OFF + 20 + 8)

static const uint64_t sipkey[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
static char tmp_file[] = "/tmp/test_reply_path.XXXXXX";
static struct dw_config cfg;

static int load_config(void)
{
	char err[512];
	int fd = mkstemp(tmp_file);
	static const char yaml[] = "zones:\n  - {name: idp.test, mode: enforce}\n"
				   "upstreams: [{address: 192.0.2.53}]\n";

	if (fd < 0 || write(fd, yaml, sizeof(yaml) - 1) != (ssize_t)(sizeof(yaml) - 1))
		return -1;
	close(fd);
	if (config_load(tmp_file, &cfg, err, sizeof(err))) {
		fprintf(stderr, "  config: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * A reply for name (presentation labels; "\032" style bytes given raw) with
 * ancount A records of ttl, or an ancount claim with no records behind it.
 */
static size_t build_reply(uint8_t *m, uint16_t id, const char *const *labels, int n_labels,
			  uint16_t ancount, int n_rrs, uint32_t ttl)
{
	size_t off = 12;
	int i;

	memset(m, 0, 12);
	m[0] = id >> 8;
	m[1] = id & 0xff;
	m[2] = 0x81;
	m[3] = 0x80;
	m[5] = 1;
	m[6] = ancount >> 8;
	m[7] = ancount & 0xff;
	for (i = 0; i < n_labels; i++) {
		size_t n = strlen(labels[i]);

		m[off++] = (uint8_t)n;
		memcpy(m + off, labels[i], n);
		off += n;
	}
	m[off++] = 0;
	m[off++] = 0, m[off++] = 1, m[off++] = 0, m[off++] = 1; /* A IN */
	for (i = 0; i < n_rrs; i++) {
		static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1};

		memcpy(m + off, rr, sizeof(rr));
		off += sizeof(rr);
		m[off++] = ttl >> 24, m[off++] = ttl >> 16, m[off++] = ttl >> 8, m[off++] = ttl;
		m[off++] = 0, m[off++] = 4;
		m[off++] = 192, m[off++] = 0, m[off++] = 2, m[off++] = (uint8_t)(10 + i);
	}
	return off;
}

/* A held UDP/IPv4 punt record around the DNS message m. */
static struct dw_punt *make_punt(const uint8_t *m, size_t len, bool too_complex)
{
	struct dw_punt *p = calloc(1, sizeof(*p));
	uint8_t *ip;

	if (!p)
		exit(1);
	ip = p->pkt + L3_OFF;
	p->pkt[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 8 + len) >> 8);
	ip[3] = (uint8_t)(20 + 8 + len);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (uint8_t[]){192, 0, 2, 53, 192, 0, 2, 1}, 8);
	memcpy(p->pkt + DNS_OFF, m, len);
	p->l3 = 4;
	p->l4 = 17;
	p->l3_off = L3_OFF;
	p->dns_off = DNS_OFF;
	p->dns_len = (uint16_t)len;
	p->pkt_len = (uint16_t)(DNS_OFF + len);
	p->ifindex = 999; /* no such interface: a release attempt fails, counted */
	p->flags = DW_PUNT_F_HELD | (too_complex ? DW_PUNT_F_TOO_COMPLEX : 0);
	p->ts_ns = verdict_now_ns();
	/* The data plane's fallback key for a message it cannot digest. */
	p->key.qtype = 1;
	p->key.qclass = 1;
	p->key.flags = 0x8180;
	return p;
}

static void free_job_waiters(struct vp_job *j, void *ctx)
{
	int i;

	(void)ctx;
	for (i = 0; i < j->n_waiters; i++)
		free(j->waiters[i]);
}

static int submit(struct valpool *vp, const uint8_t *m, size_t len, bool too_complex)
{
	struct dw_punt *p = make_punt(m, len, too_complex);
	struct punt_info pi;

	punt_decode(p, &cfg, sipkey, &pi);
	return valpool_submit(vp, &pi, p->pkt + p->dns_off, p->dns_len, p);
}

static void test_undigested_replies_never_share_a_job(void)
{
	static const char *const genuine[] = {"www", "idp", "test"};
	static const char *const forged[] = {"login", "idp", "test"};
	struct loop *l = loop_new();
	char err[256];
	struct valpool *vp;
	uint8_t a[512], b[512];
	size_t la, lb;
	struct punt_info pi;
	struct dw_punt *p;

	CHECK(l != NULL);
	vp = valpool_new(&cfg, 1, 8, l, free_job_waiters, NULL, err, sizeof(err));
	CHECK(vp != NULL);
	if (!vp)
		return;
	/* A real reply claiming 70 records and a tiny forgery claiming as many. */
	la = build_reply(a, 0x1111, genuine, 3, 70, 20, 300);
	lb = build_reply(b, 0x2222, forged, 3, 70, 0, 300);
	p = make_punt(b, lb, true);
	punt_decode(p, &cfg, sipkey, &pi);
	free(p);
	CHECK(!pi.key_full);
	CHECK_EQ_INT(pi.zone, 0);
	CHECK_EQ_INT(submit(vp, a, la, true), 0);
	/* Same fallback key {0, A, IN, flags}: its own job, judged on its own bytes. */
	CHECK_EQ_INT(submit(vp, b, lb, true), 0);
	/* Even a byte-identical repeat: without a digest nothing binds it. */
	CHECK_EQ_INT(submit(vp, b, lb, true), 0);
	valpool_free(vp);
	loop_free(l);
}

static void test_full_key_joins_only_the_same_bytes(void)
{
	static const char *const name[] = {"www", "idp", "test"};
	struct loop *l = loop_new();
	char err[256];
	struct valpool *vp;
	uint8_t a[512], b[512], c[512];
	size_t la, lb, lc;

	vp = valpool_new(&cfg, 1, 8, l, free_job_waiters, NULL, err, sizeof(err));
	CHECK(vp != NULL);
	if (!vp)
		return;
	la = build_reply(a, 0x1111, name, 3, 1, 1, 300);
	lb = build_reply(b, 0x2222, name, 3, 1, 1, 300); /* another ID only */
	lc = build_reply(c, 0x3333, name, 3, 1, 1, 299); /* same key, other TTL */
	CHECK_EQ_INT(submit(vp, a, la, false), 0);
	CHECK_EQ_INT(submit(vp, b, lb, false), 1);
	CHECK_EQ_INT(submit(vp, c, lc, false), 0);
	valpool_free(vp);
	loop_free(l);
}

static uint64_t stat_of(struct reply_path *rp, const char *name)
{
	char *buf = NULL, *s;
	size_t sz = 0;
	uint64_t v = ~0ull;
	FILE *f = open_memstream(&buf, &sz);

	reply_path_write_stats(rp, f);
	fclose(f);
	for (s = buf; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s)) {
		size_t n = strlen(name);

		if (!strncmp(s, name, n) && s[n] == ' ')
			v = strtoull(s + n + 1, NULL, 10);
	}
	free(buf);
	return v;
}

/* One finished job for message m with the validator's result res, through the reply path. */
static void finish(struct reply_path *rp, const uint8_t *m, size_t len,
		   const struct val_result *res)
{
	struct vp_job j;
	struct dw_punt *p = make_punt(m, len, false);

	memset(&j, 0, sizeof(j));
	punt_decode(p, &cfg, sipkey, &j.info);
	j.msg = p->pkt + p->dns_off;
	j.msg_len = len;
	j.waiters[j.n_waiters++] = p;
	j.res = *res;
	snprintf(j.res.reason, sizeof(j.res.reason), "test");
	reply_path_on_result(&j, rp);
}

/* The same with only the validator's outcome. */
static void judge(struct reply_path *rp, const uint8_t *m, size_t len, enum val_outcome outcome)
{
	struct val_result res = {.outcome = outcome, .ttl = 60};

	finish(rp, m, len, &res);
}

/*
 * A reply path over a fresh verdict map (ld->fd_verdicts), or NULL with
 * *skip set when this kernel gives no BPF maps.
 */
static struct reply_path *open_path(struct loader *ld, struct events *ev, int *skip)
{
	ld->fd_verdicts = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(struct dw_verdict_key),
					 sizeof(struct dw_verdict), 64, NULL);
	*skip = ld->fd_verdicts < 0 ? errno : 0;
	return *skip ? NULL : reply_path_new(&cfg, ld, ev);
}

static void test_dnssd_name_is_judged(void)
{
	static const char *const dnssd[] = {"my printer", "_ipp", "_tcp", "idp", "test"};
	static const char *const star[] = {"*\x80", "idp", "test"};
	static const char *const other[] = {"my printer", "elsewhere", "test"};
	struct loader ld = {.fd_config = -1, .fd_release_proofs = -1, .fd_proven = -1};
	struct events *ev = events_open("/dev/null");
	struct reply_path *rp;
	uint8_t m[512];
	size_t len;
	int skip;

	rp = open_path(&ld, ev, &skip);
	if (skip)
		SKIP("no BPF maps here: %s", strerror(skip));
	CHECK(rp != NULL);
	if (!rp)
		return;
	/* Bogus: stays dropped, with a DENY under its key. */
	len = build_reply(m, 0x1234, dnssd, 5, 1, 1, 300);
	judge(rp, m, len, VAL_BOGUS);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 0);
	CHECK_EQ_INT(stat_of(rp, "verdicts_deny"), 1);
	len = build_reply(m, 0x1235, star, 3, 1, 1, 300);
	judge(rp, m, len, VAL_INSECURE);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 0);
	CHECK_EQ_INT(stat_of(rp, "verdicts_deny"), 2);
	/* Secure: an ALLOW, and the held copy goes out (to nowhere here). */
	len = build_reply(m, 0x1236, dnssd, 5, 1, 1, 300);
	judge(rp, m, len, VAL_SECURE);
	CHECK_EQ_INT(stat_of(rp, "verdicts_allow"), 1);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 1);
	/* A name outside every zone (the policy moved on): it passes as the data plane does. */
	len = build_reply(m, 0x1237, other, 3, 1, 1, 300);
	judge(rp, m, len, VAL_BOGUS);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 2);
	CHECK_EQ_INT(stat_of(rp, "verdicts_deny"), 2);
	reply_path_free(rp);
	events_close(ev);
	close(ld.fd_verdicts);
}

static int verdict_code(int map_fd, const uint8_t *m, size_t len)
{
	struct dw_punt *p = make_punt(m, len, false);
	struct dw_verdict v;
	struct punt_info pi;
	int rc;

	punt_decode(p, &cfg, sipkey, &pi);
	free(p);
	rc = verdict_lookup(map_fd, &pi.key, &v);
	return rc ? rc : v.verdict;
}

/*
 * A copy of an allowed reply with its TTLs raised shares the ALLOW's key (TTLs
 * are outside it) and is judged BOGUS: the copy stays dropped and the ALLOW
 * stays, so the genuine copies after it still hit. Once the ALLOW has expired
 * a DENY for the key is written again.
 */
static void test_deny_keeps_live_allow(void)
{
	static const char *const name[] = {"www", "idp", "test"};
	struct loader ld = {.fd_config = -1, .fd_release_proofs = -1, .fd_proven = -1};
	struct events *ev = events_open("/dev/null");
	struct reply_path *rp;
	struct dw_verdict v;
	struct punt_info pi;
	struct dw_punt *p;
	uint8_t genuine[512], raised[512];
	size_t lg, lr;
	int skip;

	rp = open_path(&ld, ev, &skip);
	if (skip)
		SKIP("no BPF maps here: %s", strerror(skip));
	CHECK(rp != NULL);
	if (!rp)
		return;
	lg = build_reply(genuine, 0x1111, name, 3, 1, 1, 300);
	lr = build_reply(raised, 0x2222, name, 3, 1, 1, 86400);
	judge(rp, genuine, lg, VAL_SECURE);
	CHECK_EQ_INT(verdict_code(ld.fd_verdicts, genuine, lg), DW_VERDICT_ALLOW);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 1);
	judge(rp, raised, lr, VAL_BOGUS);
	CHECK_EQ_INT(verdict_code(ld.fd_verdicts, raised, lr), DW_VERDICT_ALLOW);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 1);
	CHECK_EQ_INT(stat_of(rp, "verdicts_deny"), 0);
	CHECK_EQ_INT(stat_of(rp, "verdicts_deny_kept_allow"), 1);
	/* The same outcome for a closed failure mode's DENY (INDETERMINATE). */
	judge(rp, raised, lr, VAL_INDETERMINATE);
	CHECK_EQ_INT(verdict_code(ld.fd_verdicts, genuine, lg), DW_VERDICT_ALLOW);
	/* An expired ALLOW proves nothing any more: the DENY goes in. */
	p = make_punt(genuine, lg, false);
	punt_decode(p, &cfg, sipkey, &pi);
	free(p);
	CHECK_EQ_INT(verdict_lookup(ld.fd_verdicts, &pi.key, &v), 0);
	v.expires_ns = verdict_now_ns() - 1;
	CHECK_EQ_INT(bpf_map_update_elem(ld.fd_verdicts, &pi.key, &v, BPF_EXIST), 0);
	judge(rp, genuine, lg, VAL_BOGUS);
	CHECK_EQ_INT(verdict_code(ld.fd_verdicts, genuine, lg), DW_VERDICT_DENY);
	CHECK_EQ_INT(stat_of(rp, "verdicts_deny"), 1);
	/* An ALLOW still replaces a DENY. */
	judge(rp, genuine, lg, VAL_SECURE);
	CHECK_EQ_INT(verdict_code(ld.fd_verdicts, genuine, lg), DW_VERDICT_ALLOW);
	reply_path_free(rp);
	events_close(ev);
	close(ld.fd_verdicts);
}

/* A finished job for m whose records were proven but whose TTLs exceed the signed ones. */
static void judge_raised(struct reply_path *rp, const uint8_t *m, size_t len, uint32_t signed_ttl)
{
	struct val_result res = {.outcome = VAL_BOGUS,
				 .ttl = 5,
				 .ttl_raised = true,
				 .proven_ttl = signed_ttl,
				 .max_ttl_proven = true,
				 .max_ttl = signed_ttl};

	finish(rp, m, len, &res);
}

/*
 * A copy with raised TTLs judged before any genuine copy: it is dropped, and
 * what its records proved is cached as an ALLOW whose TTL bound reaches no
 * further than the signed TTL, so the genuine copies after it pass and no
 * DENY drops them. A later raised copy leaves a live ALLOW as it is; a
 * genuine copy's ALLOW replaces it.
 */
static void test_raised_first_leaves_bounded_allow(void)
{
	static const char *const name[] = {"login", "idp", "test"};
	struct loader ld = {.fd_config = -1, .fd_release_proofs = -1, .fd_proven = -1};
	struct events *ev = events_open("/dev/null");
	struct reply_path *rp;
	struct dw_verdict v, again;
	struct punt_info pi;
	struct dw_punt *p;
	uint8_t genuine[512], raised[512];
	uint64_t before, reach;
	size_t lg, lr;
	int skip;

	rp = open_path(&ld, ev, &skip);
	if (skip)
		SKIP("no BPF maps here: %s", strerror(skip));
	CHECK(rp != NULL);
	if (!rp)
		return;
	lg = build_reply(genuine, 0x1111, name, 3, 1, 1, 300);
	lr = build_reply(raised, 0x2222, name, 3, 1, 1, 86400);
	before = verdict_now_ns();
	judge_raised(rp, raised, lr, 300);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 0);
	CHECK_EQ_INT(stat_of(rp, "ttl_raised_dropped"), 1);
	CHECK_EQ_INT(stat_of(rp, "verdicts_deny"), 0);
	CHECK_EQ_INT(stat_of(rp, "verdicts_allow"), 1);
	/* The genuine copies' key holds an ALLOW; hits reach no further than the signed TTL. */
	p = make_punt(genuine, lg, false);
	punt_decode(p, &cfg, sipkey, &pi);
	free(p);
	CHECK_EQ_INT(verdict_lookup(ld.fd_verdicts, &pi.key, &v), 0);
	CHECK_EQ_INT(v.verdict, DW_VERDICT_ALLOW);
	reach = v.expires_ns + DW_TTL_OVER_S(v.ttl_over) * 1000000000ull;
	CHECK(reach <= verdict_now_ns() + 300 * 1000000000ull);
	CHECK(reach + 2000000000ull >= before + 300 * 1000000000ull);
	/* Another raised copy: dropped, the live ALLOW untouched. */
	judge_raised(rp, raised, lr, 300);
	CHECK_EQ_INT(verdict_lookup(ld.fd_verdicts, &pi.key, &again), 0);
	CHECK(!memcmp(&v, &again, sizeof(v)));
	CHECK_EQ_INT(stat_of(rp, "ttl_raised_dropped"), 2);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 0);
	/* The genuine copy judged: its own ALLOW, and it goes out. */
	judge(rp, genuine, lg, VAL_SECURE);
	CHECK_EQ_INT(verdict_code(ld.fd_verdicts, genuine, lg), DW_VERDICT_ALLOW);
	CHECK_EQ_INT(stat_of(rp, "released") + stat_of(rp, "release_failed"), 1);
	reply_path_free(rp);
	events_close(ev);
	close(ld.fd_verdicts);
}

/*
 * A SECURE copy whose largest TTL is on a record the validator did not count
 * (its max_ttl is lower): the ALLOW bounds later copies by the proven TTL.
 */
static void test_allow_bound_by_proven_ttl(void)
{
	static const char *const name[] = {"api", "idp", "test"};
	struct loader ld = {.fd_config = -1, .fd_release_proofs = -1, .fd_proven = -1};
	struct events *ev = events_open("/dev/null");
	struct val_result res = {
	    .outcome = VAL_SECURE, .ttl = 60, .max_ttl_proven = true, .max_ttl = 300};
	struct reply_path *rp;
	struct dw_verdict v;
	struct punt_info pi;
	struct dw_punt *p;
	uint8_t m[512];
	size_t len;
	int skip;

	rp = open_path(&ld, ev, &skip);
	if (skip)
		SKIP("no BPF maps here: %s", strerror(skip));
	CHECK(rp != NULL);
	if (!rp)
		return;
	len = build_reply(m, 0x1111, name, 3, 1, 1, 86400);
	finish(rp, m, len, &res);
	p = make_punt(m, len, false);
	punt_decode(p, &cfg, sipkey, &pi);
	free(p);
	CHECK_EQ_INT(pi.max_ttl, 86400);
	CHECK_EQ_INT(verdict_lookup(ld.fd_verdicts, &pi.key, &v), 0);
	CHECK_EQ_INT(v.verdict, DW_VERDICT_ALLOW);
	CHECK(v.expires_ns + DW_TTL_OVER_S(v.ttl_over) * 1000000000ull <=
	      verdict_now_ns() + 300 * 1000000000ull);
	reply_path_free(rp);
	events_close(ev);
	close(ld.fd_verdicts);
}

int main(void)
{
	if (unshare(CLONE_NEWNET)) {
		printf("SKIP test_reply_path: no private network namespace: %s\n", strerror(errno));
		return 0;
	}
	if (load_config())
		return 1;
	RUN_TEST(test_undigested_replies_never_share_a_job);
	RUN_TEST(test_full_key_joins_only_the_same_bytes);
	RUN_TEST(test_dnssd_name_is_judged);
	RUN_TEST(test_deny_keeps_live_allow);
	RUN_TEST(test_raised_first_leaves_bounded_allow);
	RUN_TEST(test_allow_bound_by_proven_ttl);
	unlink(tmp_file);
	HARNESS_EXIT();
}
