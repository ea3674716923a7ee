// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_punt_budget.c: the queue depths at which the published punt budget
 * turns busy and full follow the validator's measured capacity (100 ms and
 * 1 s of its work), within half and 7/8 of the queue, and never so low that
 * the workers run dry before the next tick. A daemon that has just started,
 * with nothing queued, publishes room: its first replies are validated, not
 * refused as if the validator were full.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "daemon/punt_budget.h"

static void test_marks_follow_capacity(void)
{
	struct punt_budget_marks m;

	punt_budget_marks(200, 1024, &m); /* a slow validator: 100 ms is 20 jobs */
	CHECK_EQ_INT(m.busy, 20);
	CHECK_EQ_INT(m.full, 200);
	punt_budget_marks(2000, 1024, &m);
	CHECK_EQ_INT(m.busy, 200);
	CHECK_EQ_INT(m.full, 896); /* 7/8 of the queue, not 2000 */
	punt_budget_marks(100000, 1024, &m);
	CHECK_EQ_INT(m.busy, 512);
	CHECK_EQ_INT(m.full, 896);
	punt_budget_marks(1, 1024, &m); /* enough queued to keep the workers fed */
	CHECK_EQ_INT(m.busy, 16);
	CHECK_EQ_INT(m.full, 32);
}

static void test_levels(void)
{
	struct punt_budget_marks m = {.busy = 20, .full = 200};

	CHECK_EQ_INT(punt_budget_level(0, &m), DW_BUDGET_ROOM);
	CHECK_EQ_INT(punt_budget_level(19, &m), DW_BUDGET_ROOM);
	CHECK_EQ_INT(punt_budget_level(20, &m), DW_BUDGET_BUSY);
	CHECK_EQ_INT(punt_budget_level(199, &m), DW_BUDGET_BUSY);
	CHECK_EQ_INT(punt_budget_level(200, &m), DW_BUDGET_FULL);
}

static char tmp_file[] = "/tmp/test_punt_budget.XXXXXX";

/* The budget published at start, before any tick has measured the validator. */
static void test_fresh_daemon_publishes_room(void)
{
	static const char yaml[] = "zones:\n  - {name: idp.test}\n"
				   "upstreams: [{address: 192.0.2.53}]\n";
	static struct dw_config cfg;
	struct dw_punt_budget b;
	struct punt_budget *pb;
	struct valpool *vp;
	struct loop *l;
	char err[512];
	__u32 zero = 0;
	int fd, map_fd;

	fd = mkstemp(tmp_file);
	CHECK(fd >= 0 && write(fd, yaml, sizeof(yaml) - 1) == (ssize_t)(sizeof(yaml) - 1));
	close(fd);
	CHECK_EQ_INT(config_load(tmp_file, &cfg, err, sizeof(err)), 0);
	unlink(tmp_file);
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, sizeof(__u32), sizeof(b), 1, NULL);
	CHECK(map_fd >= 0);
	l = loop_new();
	vp = l ? valpool_new(&cfg, 1, 1024, l, NULL, NULL, err, sizeof(err)) : NULL;
	CHECK(vp != NULL);
	if (map_fd < 0 || !vp)
		return;
	pb = punt_budget_start(map_fd, -1, &cfg, vp, 1024, l);
	CHECK(pb != NULL);
	memset(&b, 0xff, sizeof(b));
	CHECK_EQ_INT(bpf_map_lookup_elem(map_fd, &zero, &b), 0);
	CHECK_EQ_INT(b.level, DW_BUDGET_ROOM);
	CHECK(b.dest_rate > 0);
	punt_budget_stop(pb);
	valpool_free(vp);
	loop_free(l);
	close(map_fd);
}

int main(void)
{
	RUN_TEST(test_marks_follow_capacity);
	RUN_TEST(test_levels);
	RUN_TEST(test_fresh_daemon_publishes_room);
	HARNESS_EXIT();
}
