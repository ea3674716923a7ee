/* SPDX-License-Identifier: BSD-2-Clause */
/* counters.h: names of the data plane's per-CPU counters, and reading them summed over CPUs. */
#ifndef DW_COUNTERS_H
#define DW_COUNTERS_H

#include <stdint.h>

#include "dnsward.h"

/* Snake-case name of a counter slot ("punted"), or NULL past DW_CNT_MAX. */
const char *counter_name(unsigned slot);

/* Sum every slot of the per-CPU counters map over all possible CPUs. Returns 0 or -errno. */
int counters_read(int map_fd, uint64_t out[DW_CNT_MAX]);

#endif
