/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * selfstat.h: what the daemon costs the host, for `dnsward stats` and the
 * metrics: its resident memory, its CPU time (every thread) and the kernel
 * memory its BPF maps hold.
 */
#ifndef DW_SELFSTAT_H
#define DW_SELFSTAT_H

#include <stdint.h>
#include <stdio.h>

/* "name value" lines: process_rss_bytes, process_cpu_user_ns, process_cpu_system_ns. */
void selfstat_write(FILE *out);
/* Bytes of kernel memory the BPF maps the process holds open charge (fdinfo memlock). */
uint64_t selfstat_map_bytes(void);

#endif
