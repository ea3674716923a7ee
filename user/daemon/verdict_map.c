// SPDX-License-Identifier: BSD-2-Clause
/* verdict_map.c: the verdict cache as user space writes it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "daemon/verdict_map.h"

uint64_t verdict_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int verdict_write(int map_fd, const struct dw_verdict_key *key, uint8_t verdict, uint8_t reason,
		  uint32_t zone_id, uint32_t ttl_s)
{
	return verdict_write_ttl(map_fd, key, verdict, reason, zone_id, ttl_s, 0, 0);
}

/* dw_verdict.ttl_over for TTLs that may reach until_ns, rounded down (never looser). */
uint16_t verdict_ttl_over(uint64_t expires_ns, uint64_t until_ns)
{
	uint64_t s = until_ns > expires_ns ? (until_ns - expires_ns) / 1000000000ull : 0;

	if (s <= 0x7fff)
		return (uint16_t)s;
	s >>= 6;
	return (uint16_t)(0x8000 | (s > 0x7fff ? 0x7fff : s));
}

int verdict_write_ttl(int map_fd, const struct dw_verdict_key *key, uint8_t verdict, uint8_t reason,
		      uint32_t zone_id, uint32_t ttl_s, uint32_t max_ttl, uint64_t seen_ns)
{
	struct dw_verdict v = {.zone_id = zone_id, .verdict = verdict, .reason = reason};
	uint64_t now = verdict_now_ns();

	if (ttl_s == 0)
		ttl_s = 1;
	v.expires_ns = now + (uint64_t)ttl_s * 1000000000ull;
	v.ttl_over = verdict_ttl_over(v.expires_ns, (seen_ns && seen_ns < now ? seen_ns : now) +
							(uint64_t)max_ttl * 1000000000ull);
	if (!bpf_map_update_elem(map_fd, key, &v, BPF_NOEXIST))
		return 0;
	if (errno == EEXIST && !bpf_map_update_elem(map_fd, key, &v, BPF_EXIST))
		return 1;
	if (errno == ENOENT && !bpf_map_update_elem(map_fd, key, &v, BPF_ANY))
		return 0; /* evicted between the two writes */
	pr_err("verdict: write qtype %u: %s", key->qtype, strerror(errno));
	return -errno;
}

int verdict_memo_invalidate(int config_fd)
{
	struct dw_datapath_cfg dc;
	__u32 zero = 0;

	if (config_fd < 0)
		return 0;
	if (bpf_map_lookup_elem(config_fd, &zero, &dc)) {
		int err = -errno;

		pr_err("verdict: read the data-plane config to forget memos: %s", strerror(errno));
		return err;
	}
	dc.memo_gen++;
	if (bpf_map_update_elem(config_fd, &zero, &dc, BPF_EXIST)) {
		int err = -errno;

		pr_err("verdict: write the data-plane config to forget memos: %s", strerror(errno));
		return err;
	}
	return 0;
}

int verdict_lookup(int map_fd, const struct dw_verdict_key *key, struct dw_verdict *out)
{
	return bpf_map_lookup_elem(map_fd, key, out) ? -errno : 0;
}

bool verdict_allow_live(int map_fd, const struct dw_verdict_key *key)
{
	struct dw_verdict v;

	if (bpf_map_lookup_elem(map_fd, key, &v))
		return false;
	return v.verdict == DW_VERDICT_ALLOW && (!v.expires_ns || verdict_now_ns() < v.expires_ns);
}

int verdict_flush(int map_fd)
{
	struct dw_verdict_key k, next;
	int n = 0, i;

	/* Always restart from the first key: deleting the current key breaks a hash walk. */
	for (i = 0; i < DW_VERDICTS_MAX * 2; i++) {
		if (bpf_map_get_next_key(map_fd, NULL, &next))
			break;
		k = next;
		if (bpf_map_delete_elem(map_fd, &k)) {
			int err = -errno;

			pr_err("verdict: flush: %s", strerror(errno));
			return err;
		}
		n++;
	}
	return n;
}

struct flush_ctx {
	int map_fd;
	int deleted;
	int err;
};

static void delete_key(const struct dw_verdict_key *key, void *arg)
{
	struct flush_ctx *c = arg;

	if (!bpf_map_delete_elem(c->map_fd, key))
		c->deleted++;
	else if (errno != ENOENT && !c->err) /* ENOENT: the kernel's LRU evicted it already */
		c->err = -errno;
}

/* Walk the map once without deleting (a stable walk), collect what vi does not know, then delete. */
static int flush_unknown(int map_fd, const struct verdict_index *vi, struct flush_ctx *c)
{
	struct dw_verdict_key *keys, k, next;
	size_t n = 0, i;
	int walked;

	keys = malloc(sizeof(*keys) * DW_VERDICTS_MAX);
	if (!keys) {
		pr_err("verdict: flush: out of memory for %u keys", DW_VERDICTS_MAX);
		return -ENOMEM;
	}
	for (walked = 0; walked < DW_VERDICTS_MAX * 2 && n < DW_VERDICTS_MAX; walked++) {
		if (bpf_map_get_next_key(map_fd, walked ? &k : NULL, &next))
			break;
		k = next;
		if (!vindex_contains(vi, &k))
			keys[n++] = k;
	}
	for (i = 0; i < n; i++)
		delete_key(&keys[i], c);
	free(keys);
	return 0;
}

int verdict_flush_name(int map_fd, struct verdict_index *vi, const char *name)
{
	struct flush_ctx c = {.map_fd = map_fd};
	int err;

	vindex_take(vi, name, delete_key, &c);
	err = flush_unknown(map_fd, vi, &c);
	if (!err)
		err = c.err;
	if (err) {
		pr_err("verdict: flush %s: %s", name, strerror(-err));
		return err;
	}
	return c.deleted;
}
