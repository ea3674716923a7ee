/* SPDX-License-Identifier: BSD-2-Clause */
/* bpffs.h: make sure the pin path lies on a mounted BPF filesystem. */
#ifndef DW_BPFFS_H
#define DW_BPFFS_H

/* Mount bpffs at /sys/fs/bpf when pin_path is under it and nothing is mounted there. */
int bpffs_ensure(const char *pin_path);

#endif
