/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reply_path.h: a punted reply from the ring to its verdict, release and
 * event (reply_path.c). Everything here runs on the loop's thread.
 */
#ifndef DW_REPLY_PATH_H
#define DW_REPLY_PATH_H

#include <stdio.h>

#include "common/config.h"
#include "daemon/events.h"
#include "daemon/loader.h"
#include "daemon/punt.h"
#include "daemon/valpool.h"

struct reply_path;
struct stage_lat;

/*
 * cfg is the policy in force: the daemon replaces its contents in place on a
 * reload, so the pointer stays valid. ld and ev outlive the reply path.
 */
struct reply_path *reply_path_new(const struct dw_config *cfg, const struct loader *ld,
				  struct events *ev);
/* The pool that validates punts; made after the reply path (it calls back into it). */
void reply_path_set_pool(struct reply_path *rp, struct valpool *pool);
void reply_path_free(struct reply_path *rp);

/* punt_start's callback: one record from the ring (ctx: the reply path). */
void reply_path_on_punt(const struct dw_punt *p, void *ctx);
/* valpool_new's callback: one finished validation job (ctx: the reply path). */
void reply_path_on_result(struct vp_job *j, void *ctx);

/*
 * Delete the kernel's verdicts for name and below (all for NULL or ".") and
 * make the data plane forget its memo. Returns how many went, or -errno.
 */
int reply_path_flush(struct reply_path *rp, const char *name);
/* Its counters, one "name value" per line. */
void reply_path_write_stats(const struct reply_path *rp, FILE *out);
/* Where held replies' time went (stage_lat.h), or NULL when it is not measured. */
const struct stage_lat *reply_path_latency(const struct reply_path *rp);

#endif
