// SPDX-License-Identifier: BSD-2-Clause
/* caps.c: capability dropping through prctl and capset directly (no libcap). */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "common/array.h"
#include "daemon/caps.h"
#include "common/log.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const int kept[] = {CAP_BPF, CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW};

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n < 63 ? n : 63;
}

static bool is_kept(int cap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kept); i++)
		if (kept[i] == cap)
			return true;
	return false;
}

static bool has_effective(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/*
 * Only capabilities still in the bounding set are dropped from it. Without
 * CAP_SETPCAP none can be: the service manager that withheld it bounds the
 * set (the unit's CapabilityBoundingSet=). One line says so, once per
 * process, however many threads call this.
 */
static void drop_from_bounding_set(int top)
{
	static atomic_bool told;
	bool can_drop = has_effective(CAP_SETPCAP);
	int cap, left = 0;

	for (cap = 0; cap <= top; cap++) {
		if (is_kept(cap) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (!can_drop)
			left++;
		else if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			pr_warn("caps: drop capability %d from the bounding set: %s", cap,
				strerror(errno));
	}
	if (can_drop || atomic_exchange(&told, true))
		return;
	if (left)
		pr_warn("caps: no CAP_SETPCAP: the bounding set is left to the service manager "
			"and still holds %d capabilities beyond the four kept",
			left);
	else
		pr_info("caps: no CAP_SETPCAP: the bounding set is left to the service manager "
			"(it holds only the four kept)");
}

int caps_drop_unneeded(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	int cap, top = last_cap();

	drop_from_bounding_set(top);
	memset(data, 0, sizeof(data));
	for (cap = 0; cap <= top; cap++) {
		if (is_kept(cap)) {
			data[cap / 32].effective |= 1u << (cap % 32);
			data[cap / 32].permitted |= 1u << (cap % 32);
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		int err = -errno;

		pr_err("caps: capset to CAP_BPF, CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW: %s",
		       strerror(errno));
		return err;
	}
	return 0;
}
