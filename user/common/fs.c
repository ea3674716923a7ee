// SPDX-License-Identifier: BSD-2-Clause
/* fs.c: file-system helpers (fs.h). */
#include "common/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/limits.h>

int mkdir_p(const char *dir, mode_t mode, char *failed, size_t failed_len)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(buf)) {
		if (failed_len)
			snprintf(failed, failed_len, "%.*s", (int)(n < 64 ? n : 64), dir);
		return n ? -ENAMETOOLONG : -EINVAL;
	}
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST) {
			int err = -errno;

			if (failed_len)
				snprintf(failed, failed_len, "%s", buf);
			return err;
		}
		buf[i] = dir[i];
	}
	return 0;
}
