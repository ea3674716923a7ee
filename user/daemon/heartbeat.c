// SPDX-License-Identifier: BSD-2-Clause
/* heartbeat.c: the daemon's liveness stamp in the dnsward_heartbeat map. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dnsward.h"
#include "daemon/heartbeat.h"
#include "common/log.h"
#include "daemon/verdict_map.h"

int heartbeat_stamp(int map_fd)
{
	struct dw_heartbeat hb = {.stamp_ns = verdict_now_ns()};
	__u32 zero = 0;

	if (bpf_map_update_elem(map_fd, &zero, &hb, BPF_ANY)) {
		int err = -errno;
		static int warned;

		if (!warned++)
			pr_warn("heartbeat: write %s: %s", DW_MAP_HEARTBEAT, strerror(errno));
		return err;
	}
	return 0;
}

uint64_t heartbeat_read(int map_fd)
{
	struct dw_heartbeat hb = {0};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(map_fd, &zero, &hb))
		return 0;
	return hb.stamp_ns;
}

static void on_tick(struct loop *l, void *ctx)
{
	heartbeat_stamp((int)(intptr_t)ctx);
}

int heartbeat_start(int map_fd, struct loop *l)
{
	if (map_fd < 0) {
		pr_warn("heartbeat: the data plane has no %s map", DW_MAP_HEARTBEAT);
		return -ENOENT;
	}
	heartbeat_stamp(map_fd);
	return loop_add_timer(l, HEARTBEAT_INTERVAL_MS, on_tick, (void *)(intptr_t)map_fd);
}
