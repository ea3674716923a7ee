/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * harness.h: the unit-test harness. A test is a function; CHECK records a
 * failure with its location and goes on; RUN_TEST prints one line per test,
 * "PASS name", "FAIL name" or "SKIP name: why", which tests/run counts.
 */
#ifndef DW_HARNESS_H
#define DW_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_failed;   /* the current test failed */
static int harness_skipped;  /* the current test skipped itself */
static int harness_failures; /* tests that failed in this program */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			harness_failed = 1;                                                        \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b) {                                                                    \
			fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__,      \
				__LINE__, #a, #b, _a, _b);                                         \
			harness_failed = 1;                                                        \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b)) {                                                \
			fprintf(stderr, "  %s:%d: %s == %s failed: '%s' != '%s'\n", __FILE__,      \
				__LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");         \
			harness_failed = 1;                                                        \
		}                                                                                  \
	} while (0)

/* Skip the current test with a reason (a kernel feature that is missing, say). */
#define SKIP(...)                                                                                  \
	do {                                                                                       \
		printf("SKIP %s: ", harness_current);                                              \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		harness_skipped = 1;                                                               \
		return;                                                                            \
	} while (0)

static const char *harness_current = "";

#define RUN_TEST(fn)                                                                               \
	do {                                                                                       \
		harness_failed = 0;                                                                \
		harness_skipped = 0;                                                               \
		harness_current = #fn;                                                             \
		fn();                                                                              \
		if (harness_skipped)                                                               \
			break;                                                                     \
		printf("%s %s\n", harness_failed ? "FAIL" : "PASS", #fn);                          \
		fflush(stdout);                                                                    \
		harness_failures += harness_failed;                                                \
	} while (0)

#define HARNESS_EXIT() return harness_failures ? 1 : 0

#endif
