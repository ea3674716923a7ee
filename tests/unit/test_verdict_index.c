// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_verdict_index.c: the verdict key -> name index (bounded, oldest out
 * first, name-and-below removal) and flush NAME against a real kernel LRU
 * hash map shaped like the data plane's verdict map.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "dnsward.h"
#include "daemon/verdict_index.h"
#include "daemon/verdict_map.h"

static struct dw_verdict_key key_of(unsigned i)
{
	struct dw_verdict_key k = {
	    .digest = {0x9e3779b97f4a7c15ull * (i + 1), i}, .qtype = 1, .qclass = 1};

	return k;
}

static void test_take_name_and_below(void)
{
	struct verdict_index *vi = vindex_new(16);
	struct dw_verdict_key k[5], ev;
	const char *names[5] = {"idp.test", "www.idp.test", "a.b.www.idp.test", "xwww.idp.test",
				"other.test"};
	unsigned i;

	CHECK(vi != NULL);
	if (!vi)
		return;
	for (i = 0; i < 5; i++) {
		k[i] = key_of(i);
		CHECK_EQ_INT(vindex_put(vi, &k[i], names[i], &ev), 0);
	}
	CHECK_EQ_INT(vindex_count(vi), 5);
	/* www.idp.test and below, on a label boundary: not xwww, not the parent. */
	CHECK_EQ_INT(vindex_take(vi, "www.idp.test", NULL, NULL), 2);
	CHECK(vindex_contains(vi, &k[0]));
	CHECK(!vindex_contains(vi, &k[1]));
	CHECK(!vindex_contains(vi, &k[2]));
	CHECK(vindex_contains(vi, &k[3]));
	CHECK(vindex_contains(vi, &k[4]));
	CHECK_EQ_INT(vindex_take(vi, "nothing.test", NULL, NULL), 0);
	CHECK_EQ_INT(vindex_take(vi, "idp.test", NULL, NULL), 2);
	CHECK_EQ_INT(vindex_count(vi), 1);
	vindex_clear(vi);
	CHECK_EQ_INT(vindex_count(vi), 0);
	CHECK(!vindex_contains(vi, &k[4]));
	vindex_free(vi);
}

static void test_bounded_oldest_out(void)
{
	struct verdict_index *vi = vindex_new(3);
	struct dw_verdict_key ev, k0 = key_of(0), k1 = key_of(1), k2 = key_of(2), k3 = key_of(3);

	CHECK(vindex_new(0) == NULL);
	CHECK(vindex_new(DW_VERDICTS_MAX + 1) == NULL);
	CHECK(vi != NULL);
	if (!vi)
		return;
	vindex_put(vi, &k0, "a.test", &ev);
	vindex_put(vi, &k1, "b.test", &ev);
	vindex_put(vi, &k2, "c.test", &ev);
	/* Rewriting k0 makes it the newest: k1 is the oldest now. */
	CHECK_EQ_INT(vindex_put(vi, &k0, "a.test", &ev), 0);
	CHECK_EQ_INT(vindex_put(vi, &k3, "d.test", &ev), 1);
	CHECK(!memcmp(&ev, &k1, sizeof(ev)));
	CHECK_EQ_INT(vindex_count(vi), 3);
	CHECK(vindex_contains(vi, &k0) && !vindex_contains(vi, &k1));
	vindex_free(vi);
}

static void test_many_keys_one_bucket_chain(void)
{
	struct verdict_index *vi = vindex_new(1024);
	struct dw_verdict_key ev;
	unsigned i, pushed = 0;

	CHECK(vi != NULL);
	if (!vi)
		return;
	for (i = 0; i < 3000; i++) {
		struct dw_verdict_key k = key_of(i);

		k.digest[0] = i & 7; /* few buckets: long chains */
		pushed += vindex_put(vi, &k, i % 2 ? "odd.test" : "even.test", &ev) == 1;
	}
	CHECK_EQ_INT(pushed, 3000 - 1024);
	CHECK_EQ_INT(vindex_count(vi), 1024);
	CHECK_EQ_INT(vindex_take(vi, "odd.test", NULL, NULL), 512);
	CHECK_EQ_INT(vindex_count(vi), 512);
	vindex_free(vi);
}

/*
 * Names longer than a slot's inline room are kept whole, found by name and
 * below, and freed when taken, pushed out or cleared (the sanitizer build
 * reports a leak); slots freed by a take are used again within the bound.
 */
static void test_long_names_and_slot_reuse(void)
{
	static const char long_a[] = "a-name-much-longer-than-a-slot-holds.login.idp.test";
	static const char long_b[] = "another-name-longer-than-a-slot-holds.idp.test";
	struct verdict_index *vi = vindex_new(8);
	struct dw_verdict_key ev;
	unsigned i, pushed = 0;

	CHECK(vi != NULL);
	if (!vi)
		return;
	for (i = 0; i < 6; i++) {
		struct dw_verdict_key k = key_of(i);

		CHECK_EQ_INT(vindex_put(vi, &k, i % 2 ? long_a : "w.idp.test", &ev), 0);
	}
	CHECK_EQ_INT(vindex_take(vi, "login.idp.test", NULL, NULL), 3);
	CHECK_EQ_INT(vindex_count(vi), 3);
	for (i = 100; i < 140; i++) {
		struct dw_verdict_key k = key_of(i);

		pushed += vindex_put(vi, &k, i % 3 ? long_b : "x.idp.test", &ev) == 1;
	}
	CHECK_EQ_INT(pushed, 40 - 5);
	CHECK_EQ_INT(vindex_count(vi), 8);
	CHECK_EQ_INT(vindex_take(vi, long_b, NULL, NULL), 5);
	CHECK_EQ_INT(vindex_take(vi, "idp.test", NULL, NULL), 3);
	for (i = 200; i < 204; i++) {
		struct dw_verdict_key k = key_of(i);

		CHECK_EQ_INT(vindex_put(vi, &k, long_a, &ev), 0);
	}
	vindex_clear(vi);
	CHECK_EQ_INT(vindex_count(vi), 0);
	CHECK_EQ_INT(vindex_put(vi, &ev, long_b, &ev), 0);
	vindex_free(vi);
}

static int put_verdict(int fd, struct verdict_index *vi, unsigned i, const char *name)
{
	struct dw_verdict_key k = key_of(i), ev;

	if (verdict_write(fd, &k, DW_VERDICT_ALLOW, DW_REASON_SECURE, 0, 60))
		return -1;
	return vi ? vindex_put(vi, &k, name, &ev) : 0;
}

/* flush NAME deletes exactly that name's kernel verdicts (and ones no index knows). */
static void test_flush_name_kernel_map(void)
{
	struct verdict_index *vi = vindex_new(64);
	struct dw_verdict_key k;
	struct dw_verdict v;
	int fd =
	    bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "dw_test_verd", sizeof(struct dw_verdict_key),
			   sizeof(struct dw_verdict), 256, NULL);

	if (fd < 0) {
		vindex_free(vi);
		SKIP("cannot create a BPF map: %s", strerror(errno));
	}
	CHECK_EQ_INT(put_verdict(fd, vi, 1, "idp.test"), 0);
	CHECK_EQ_INT(put_verdict(fd, vi, 2, "www.idp.test"), 0);
	CHECK_EQ_INT(put_verdict(fd, vi, 3, "www.idp.test"), 0);
	CHECK_EQ_INT(put_verdict(fd, vi, 4, "login.www.idp.test"), 0);
	CHECK_EQ_INT(put_verdict(fd, vi, 5, "ldap.idp.test"), 0);
	CHECK_EQ_INT(put_verdict(fd, NULL, 6, "?"), 0); /* written by an earlier run */
	CHECK_EQ_INT(verdict_flush_name(fd, vi, "www.idp.test"), 4);
	k = key_of(1);
	CHECK_EQ_INT(verdict_lookup(fd, &k, &v), 0);
	k = key_of(5);
	CHECK_EQ_INT(verdict_lookup(fd, &k, &v), 0);
	for (unsigned i = 2; i <= 4; i++) {
		k = key_of(i);
		CHECK_EQ_INT(verdict_lookup(fd, &k, &v), -ENOENT);
	}
	k = key_of(6);
	CHECK_EQ_INT(verdict_lookup(fd, &k, &v), -ENOENT);
	/* A key the kernel lost already (its LRU) is no error. */
	CHECK_EQ_INT(put_verdict(fd, vi, 7, "gone.test"), 0);
	k = key_of(7);
	bpf_map_delete_elem(fd, &k);
	CHECK_EQ_INT(verdict_flush_name(fd, vi, "gone.test"), 0);
	CHECK_EQ_INT(vindex_count(vi), 2);
	CHECK_EQ_INT(verdict_flush(fd), 2);
	close(fd);
	vindex_free(vi);
}

/* A replaced verdict is reported, so the daemon can make the data plane forget its memo. */
static void test_replace_and_memo_generation(void)
{
	struct dw_verdict_key k = key_of(9);
	struct dw_datapath_cfg dc = {.dns_port = 53, .enabled = 1};
	struct dw_verdict v;
	__u32 zero = 0;
	int fd =
	    bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "dw_test_verd", sizeof(k), sizeof(v), 16, NULL);
	int cfd =
	    bpf_map_create(BPF_MAP_TYPE_ARRAY, "dw_test_cfg", sizeof(zero), sizeof(dc), 1, NULL);

	if (fd < 0 || cfd < 0) {
		if (fd >= 0)
			close(fd);
		if (cfd >= 0)
			close(cfd);
		SKIP("cannot create a BPF map: %s", strerror(errno));
	}
	CHECK_EQ_INT(verdict_write(fd, &k, DW_VERDICT_ALLOW, DW_REASON_SECURE, 0, 60), 0);
	CHECK_EQ_INT(verdict_write(fd, &k, DW_VERDICT_DENY, DW_REASON_BOGUS, 0, 60), 1);
	CHECK_EQ_INT(verdict_lookup(fd, &k, &v), 0);
	CHECK_EQ_INT(v.verdict, DW_VERDICT_DENY);
	CHECK_EQ_INT(bpf_map_update_elem(cfd, &zero, &dc, BPF_ANY), 0);
	CHECK_EQ_INT(verdict_memo_invalidate(cfd), 0);
	CHECK_EQ_INT(verdict_memo_invalidate(cfd), 0);
	memset(&dc, 0, sizeof(dc));
	CHECK_EQ_INT(bpf_map_lookup_elem(cfd, &zero, &dc), 0);
	CHECK_EQ_INT(dc.memo_gen, 2);
	CHECK_EQ_INT(dc.dns_port, 53); /* the rest of the config is kept */
	CHECK_EQ_INT(dc.enabled, 1);
	close(fd);
	close(cfd);
}

int main(void)
{
	RUN_TEST(test_take_name_and_below);
	RUN_TEST(test_bounded_oldest_out);
	RUN_TEST(test_many_keys_one_bucket_chain);
	RUN_TEST(test_long_names_and_slot_reuse);
	RUN_TEST(test_flush_name_kernel_map);
	RUN_TEST(test_replace_and_memo_generation);
	HARNESS_EXIT();
}
