// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpffs.c: pins only survive the daemon on a real bpffs. Under `ip netns exec`
 * /sys is remounted privately and /sys/fs/bpf is empty; mounting a fresh
 * bpffs there would make pins that vanish with the daemon, so we say so.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "daemon/bpffs.h"
#include "common/log.h"

#define BPFFS_ROOT "/sys/fs/bpf"

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int bpffs_ensure(const char *pin_path)
{
	if (on_bpffs(BPFFS_ROOT) || strncmp(pin_path, BPFFS_ROOT "/", strlen(BPFFS_ROOT) + 1))
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700") < 0) {
		int err = -errno;

		pr_err("bpffs: mount at %s for pins under %s: %s", BPFFS_ROOT, pin_path,
		       strerror(errno));
		return err;
	}
	pr_warn("bpffs: mounted a new bpffs at %s; in a private mount namespace (ip netns "
		"exec) pins there do not outlive the daemon",
		BPFFS_ROOT);
	return 0;
}
