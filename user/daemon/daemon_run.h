/* SPDX-License-Identifier: BSD-2-Clause */
/* daemon_run.h: start the daemon with a parsed configuration and run it until a signal stops it. */
#ifndef DW_DAEMON_RUN_H
#define DW_DAEMON_RUN_H

#include <stdbool.h>

#include "common/config.h"

struct daemon_opts {
	bool keep_pinned; /* on SIGTERM leave programs attached and pins in place */
	int threads;	  /* validation workers; 0 = by CPU count (2..4) */
};

/* Returns the process exit code: 0 after a clean stop, 1 when starting failed. */
int daemon_main(const struct dw_config *cfg, const struct daemon_opts *opts);

#endif
