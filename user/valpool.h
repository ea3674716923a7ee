/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * valpool.h: validation worker threads, each with its own validator. Jobs are
 * keyed by verdict key: while one validation of a key is queued or running,
 * further replies with the same key join it as waiters and share its result.
 * The queue is bounded; a full queue refuses the job (the caller counts it and
 * the data plane's failure mode stands). Results come back on the loop thread.
 */
#ifndef DW_VALPOOL_H
#define DW_VALPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dnsward.h"
#include "loop.h"
#include "validator.h"

#define VP_WAITERS_MAX 32

struct vp_job {
	struct dw_verdict_key key;
	uint8_t *msg;
	size_t msg_len;
	void *waiters[VP_WAITERS_MAX]; /* the caller's, handed back with the result */
	int n_waiters;
	uint64_t submitted_ns;
	/* filled by the worker */
	int rc;
	struct val_result res;
	uint64_t validate_ns;
	uint64_t started_ns, done_ns; /* verdict_now_ns() when the worker took and finished it */
	uint32_t upstream_queries, signatures; /* this job's share of the validator's work */
	uint64_t upstream_ns, sig_verify_ns;
	struct vp_job *next;
};

struct vp_stats {
	uint64_t jobs, joined, refused_full, refused_waiters;
	uint64_t queued;      /* now */
	struct val_stats val; /* summed over workers */
};

/* The result of one job; the callee owns job's waiters, the pool frees the job after. */
typedef void (*vp_done_cb)(struct vp_job *job, void *ctx);

struct valpool;

struct valpool *valpool_new(const struct dw_config *cfg, int threads, int queue_max, struct loop *l,
			    vp_done_cb cb, void *ctx, char *err, size_t err_len);
/* Join the workers; queued jobs are handed to cb with rc = -ECANCELED. */
void valpool_free(struct valpool *vp);

/* 0: a new job; 1: joined a running one; -ENOSPC: queue or waiter list full. */
int valpool_submit(struct valpool *vp, const struct dw_verdict_key *key, const uint8_t *msg,
		   size_t len, void *waiter);

/* New validators for cfg, swapped in by each worker between jobs; all or none. */
int valpool_set_policy(struct valpool *vp, const struct dw_config *cfg, char *err, size_t err_len);
/* Every worker drops cached data for name (NULL: everything) before its next job. */
void valpool_flush(struct valpool *vp, const char *name);
void valpool_get_stats(struct valpool *vp, struct vp_stats *out);

#endif
