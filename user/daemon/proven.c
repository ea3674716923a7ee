// SPDX-License-Identifier: BSD-2-Clause
/* proven.c: the dnsward_proven map, written by the daemon, read by the query hook. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "daemon/proven.h"
#include "daemon/verdict_map.h"

#define DNS_HDR_LEN 12

int proven_question(const uint8_t *msg, size_t len, struct dw_question_wire *q)
{
	size_t off = DNS_HDR_LEN, n;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HDR_LEN + 5 || msg[4] != 0 || msg[5] != 1)
		return -EINVAL; /* one question */
	while (off < len && msg[off]) {
		if (msg[off] > 63)
			return -EINVAL; /* a pointer: not the bytes the query carried */
		off += (size_t)msg[off] + 1;
	}
	n = off + 1 - DNS_HDR_LEN;
	if (off >= len || n > DW_QNAME_BYTES - 1 || off + 5 > len)
		return -EINVAL;
	memcpy(q->name, msg + DNS_HDR_LEN, n);
	q->name_len = (uint16_t)n;
	memcpy(q->tail, msg + off + 1, sizeof(q->tail));
	return 0;
}

int proven_put(int map_fd, const struct dw_question_wire *q, uint32_t ttl_s)
{
	uint64_t expires;

	if (map_fd < 0 || !ttl_s)
		return 0;
	expires = verdict_now_ns() + (uint64_t)ttl_s * 1000000000ull;
	if (bpf_map_update_elem(map_fd, q, &expires, BPF_ANY)) {
		pr_debug("proven: write %s: %s", DW_MAP_PROVEN, strerror(errno));
		return -errno;
	}
	return 0;
}

int proven_flush(int map_fd)
{
	struct dw_question_wire k, next;
	int n = 0, guard;

	if (map_fd < 0)
		return 0;
	/* Always delete the first key: deleting while walking may restart the walk. */
	for (guard = 0; guard < 2 * DW_PROVEN_MAX; guard++) {
		if (bpf_map_get_next_key(map_fd, NULL, &next))
			return n;
		k = next;
		if (bpf_map_delete_elem(map_fd, &k) && errno != ENOENT) {
			pr_warn("proven: flush %s: %s", DW_MAP_PROVEN, strerror(errno));
			return -errno;
		}
		n++;
	}
	return n;
}
