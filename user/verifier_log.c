// SPDX-License-Identifier: BSD-2-Clause
/* verifier_log.c: the instruction count and the last lines of a verifier log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier_log.h"

long verifier_log_insns(const char *log)
{
	const char *p, *last = NULL;

	/* The count is on the statistics line; a log may hold more than one load's. */
	for (p = log; (p = strstr(p, "processed ")); p++)
		last = p;
	if (!last)
		return -1;
	last += strlen("processed ");
	if (*last < '0' || *last > '9')
		return -1;
	return strtol(last, NULL, 10);
}

/* Start of the line before position end (log <= end), skipping empty lines. */
static const char *line_before(const char *log, const char *end)
{
	while (end > log && end[-1] == '\n')
		end--;
	if (end == log)
		return NULL;
	while (end > log && end[-1] != '\n')
		end--;
	return end;
}

int verifier_log_tail(const char *log, int n, const char *indent, char *out, size_t outlen)
{
	const char *start = log + strlen(log), *p;
	size_t used = 0;
	int k = 0, written = 0;

	if (!outlen)
		return 0;
	out[0] = '\0';
	while (k < n && (p = line_before(log, start))) {
		start = p;
		k++;
	}
	for (p = start; k > 0 && *p; k--) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int w;

		if (len == 0) {
			p++;
			k++;
			continue;
		}
		w = snprintf(out + used, outlen - used, "%s%.*s\n", indent, (int)len, p);
		if (w < 0 || (size_t)w >= outlen - used)
			break;
		used += w;
		written++;
		p += len + (nl ? 1 : 0);
	}
	return written;
}
