/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * valpool.h: validation worker threads, each with its own validator. While
 * one validation of a held message is queued or running, a further reply
 * joins it as a waiter and shares its result only when both carry a full
 * verdict key (a digest of every record) and the same message bytes apart
 * from the ID: a released frame is always one whose own bytes were judged.
 * The queue is bounded; a full queue refuses the job (the caller counts it and
 * the data plane's failure mode stands). Results come back on the loop thread.
 *
 * Prefetch: valpool_prefetch proves a question before its reply
 * exists, so the truth lands in one worker's validator cache. A held reply
 * for that question then runs on the same worker: right after the prefetch
 * when it is still queued or running (it waits for it, as a joined reply
 * waits for its job), or pinned to that worker when the prefetch has
 * finished. Prefetches have their own small budget (VP_PREFETCH_MAX in
 * flight, never a held reply's queue slot), yield to held replies when a
 * worker picks its next job, and at most all workers but one run them.
 */
#ifndef DW_VALPOOL_H
#define DW_VALPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/dns_question.h"
#include "dnsward.h"
#include "common/loop.h"
#include "daemon/punt_decode.h"
#include "validator/validator.h"

#define VP_WAITERS_MAX 32
/* Prefetches queued or running at once; beyond it a prefetch is dropped. */
#define VP_PREFETCH_MAX 64

/* The question a job proves; name as dnsq_parse writes it (lower case). */
struct vp_question {
	char name[DNSQ_NAME_LEN];
	uint16_t qtype, qclass;
	/* the question's bytes as the workload sent them (has_wire), for dnsward_proven */
	struct dw_question_wire wire;
	bool has_wire;
};

/* How a held reply's job met a prefetch of its question. */
enum vp_after {
	VP_AFTER_NONE = 0,
	VP_AFTER_JOINED = 1, /* ran right after the prefetch, on its worker */
	VP_AFTER_PINNED = 2, /* the prefetch had finished: sent to its worker */
};

struct vp_job {
	struct punt_info info; /* the first reply's decoded record (key, question) */
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
	uint8_t after; /* enum vp_after */
	/* pool-private */
	struct vp_question q;
	bool has_q, prefetch;
	bool promoted;		  /* a prefetch a held reply waits for: reply priority */
	bool started, finished;	  /* under the pool's mutex */
	int pin;		  /* the only worker that may run it, or -1 */
	int ran_on;		  /* the worker that ran it */
	struct vp_job *followers; /* replies waiting for this prefetch (mutex) */
	struct vp_job *next;
};

struct vp_stats {
	uint64_t jobs, joined, refused_full, refused_waiters;
	/* prefetches started, deduplicated (in flight or proven recently), dropped
	 * (budget full), and held replies that joined or were pinned after one */
	uint64_t prefetch_started, prefetch_deduped, prefetch_dropped;
	uint64_t prefetch_joined, prefetch_pinned;
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

/*
 * Validate the held message msg (pi: its decoded record). 0: a new job;
 * 1: joined a job for the same bytes; -ENOSPC: queue or waiter list full.
 */
int valpool_submit(struct valpool *vp, const struct punt_info *pi, const uint8_t *msg, size_t len,
		   void *waiter);

/*
 * Start proving (name, qtype, qclass) without holding anything. 0: started;
 * 1: deduplicated (the question is in flight or was proven moments ago);
 * -ENOSPC: the prefetch budget is spent; -ENOMEM. Its result stays in the
 * pool (no callback).
 */
int valpool_prefetch(struct valpool *vp, const struct vp_question *q);

/* A prefetch that ran to its end (any outcome), on the loop thread. */
typedef void (*vp_prefetch_cb)(const struct vp_question *q, const struct val_result *res,
			       void *ctx);
void valpool_set_prefetch_cb(struct valpool *vp, vp_prefetch_cb cb, void *ctx);

/* New validators for cfg, swapped in by each worker between jobs; all or none. */
int valpool_set_policy(struct valpool *vp, const struct dw_config *cfg, char *err, size_t err_len);
/* Every worker drops cached data for name (NULL: everything) before its next job. */
void valpool_flush(struct valpool *vp, const char *name);
void valpool_get_stats(struct valpool *vp, struct vp_stats *out);

#endif
