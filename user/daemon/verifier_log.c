// SPDX-License-Identifier: BSD-2-Clause
/*
 * verifier_log.c: the instruction count, the last lines and the error of a
 * verifier log, and the file a whole log is kept in.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/array.h"
#include "common/fs.h"
#include "common/log.h"
#include "daemon/verifier_log.h"

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

/* The lines the verifier ends every load with (log level 4), failed or not. */
static bool is_stats_line(const char *line, size_t len)
{
	static const char *const stats[] = {"processed ", "verification time ", "stack depth "};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stats); i++)
		if (len >= strlen(stats[i]) && !strncmp(line, stats[i], strlen(stats[i])))
			return true;
	return false;
}

int verifier_log_reason(const char *log, char *out, size_t outlen)
{
	const char *end = log + strlen(log), *line;

	if (outlen)
		out[0] = '\0';
	while ((line = line_before(log, end))) {
		size_t len = (size_t)(end - line);

		while (len && line[len - 1] == '\n')
			len--;
		if (!is_stats_line(line, len)) {
			snprintf(out, outlen, "%.*s", (int)len, line);
			return 1;
		}
		end = line;
	}
	return 0;
}

/*
 * Write the parts to a new file in dir, then move it to its name: a link
 * planted at the name is replaced, never followed. When the move is not
 * allowed (another user's file of that name in a sticky /tmp), the new file
 * keeps its unique name.
 */
static int save_in(const char *dir, const char *prog, const char *const *parts, char *path,
		   size_t pathlen)
{
	char tmp[PATH_MAX];
	int fd, err = 0;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s/verifier-%s.XXXXXX", dir, prog) >= (int)sizeof(tmp) ||
	    snprintf(path, pathlen, "%s/verifier-%s.log", dir, prog) >= (int)pathlen)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	for (; *parts; parts++)
		fputs(*parts, f);
	if (fclose(f)) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	if (rename(tmp, path) < 0)
		snprintf(path, pathlen, "%s", tmp);
	return 0;
}

int verifier_log_save(const char *dir, const char *prog, const char *const *parts, char *path,
		      size_t pathlen)
{
	char failed[PATH_MAX];
	int err = mkdir_p(dir, 0755, failed, sizeof(failed));

	if (!err)
		err = save_in(dir, prog, parts, path, pathlen);
	if (err && strcmp(dir, VERIFIER_LOG_FALLBACK_DIR)) {
		pr_warn("verifier log of %s: cannot write it under %s (%s), trying %s", prog, dir,
			strerror(-err), VERIFIER_LOG_FALLBACK_DIR);
		err = save_in(VERIFIER_LOG_FALLBACK_DIR, prog, parts, path, pathlen);
	}
	if (err) {
		pr_err("verifier log of %s: cannot write it under %s: %s", prog,
		       VERIFIER_LOG_FALLBACK_DIR, strerror(-err));
		path[0] = '\0';
	}
	return err;
}
