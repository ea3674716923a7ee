// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_punt_budget.c: the queue depths at which the published punt budget
 * turns busy and full follow the validator's measured capacity (100 ms and
 * 1 s of its work), within half and 7/8 of the queue, and never so low that
 * the workers run dry before the next tick.
 */
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

int main(void)
{
	RUN_TEST(test_marks_follow_capacity);
	RUN_TEST(test_levels);
	HARNESS_EXIT();
}
