/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * caps.h: once attached, the daemon keeps only the capabilities that map
 * updates, BPF_PROG_RUN, link attachment and packet release need (CAP_BPF,
 * CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW) and drops the rest, from the
 * bounding set too.
 */
#ifndef DW_CAPS_H
#define DW_CAPS_H

/* Returns 0 or -errno. */
int caps_drop_unneeded(void);

#endif
