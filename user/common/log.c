// SPDX-License-Identifier: BSD-2-Clause
/* log.c: the process-wide logger. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "common/log.h"

static enum log_level current_level = LOG_INFO;
static const char *const level_tag[] = {"error", "warning", "info", "debug"};

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	if (level > current_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	/* One line per message, whatever the caller passed. */
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	fprintf(stderr, "dnsward: %s: %s\n", level_tag[level], line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/*
 * libbpf's warnings while a load runs, held until the loader knows whether it
 * reports the failure itself: libbpf restates a rejected program in several
 * lines that would only repeat the loader's report.
 */
#define HELD_MAX 32
static char held[HELD_MAX][512];
static int n_held;
static bool holding;

static void print_held(const char *const *quiet)
{
	int i;

	for (i = 0; i < n_held; i++) {
		enum log_level level = LOG_WARN;
		const char *const *q;

		for (q = quiet; q && *q; q++)
			if (strstr(held[i], *q))
				level = LOG_DEBUG;
		log_msg(level, "%s", held[i]);
	}
	n_held = 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level ours = level == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG;

	if (holding && ours == LOG_WARN) {
		/* Full: what is held goes out unfiltered rather than be lost. */
		if (n_held == HELD_MAX)
			print_held(NULL);
		vsnprintf(held[n_held++], sizeof(held[0]), fmt, ap);
		return 0;
	}
	log_vmsg(ours, fmt, ap);
	return 0;
}

void log_libbpf_hold(void)
{
	holding = true;
}

void log_libbpf_release(const char *const *quiet)
{
	holding = false;
	print_held(quiet);
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
