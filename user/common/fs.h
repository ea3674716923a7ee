/* SPDX-License-Identifier: BSD-2-Clause */
/* fs.h: file-system helpers shared by the loader, the control socket and the logs. */
#ifndef DW_FS_H
#define DW_FS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * mkdir -p: creates dir and its missing parents with mode. Returns 0 or
 * -errno; on failure the component that could not be made is written to
 * failed (failed_len bytes, may be 0) so the caller can name it.
 */
int mkdir_p(const char *dir, mode_t mode, char *failed, size_t failed_len);

#endif
