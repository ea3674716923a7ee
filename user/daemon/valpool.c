// SPDX-License-Identifier: BSD-2-Clause
/*
 * valpool.c: the worker threads. The table of jobs in flight is touched only
 * on the loop thread; the pending and done queues are shared under one mutex;
 * an eventfd wakes the loop when results are ready. A worker reads only the
 * job's msg and writes only its result, so waiters can join a running job.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "daemon/caps.h"
#include "common/log.h"
#include "daemon/valpool.h"
#include "daemon/verdict_map.h"

#define VP_THREADS_MAX 16
/* Finished prefetches remembered (question -> worker), direct-mapped by hash. */
#define VP_RECENT_SLOTS 256
/*
 * How long a finished prefetch steers its question's replies to its worker
 * and deduplicates new prefetches: long enough for any resolver to answer,
 * short against the truth's own TTL (a re-query after it only costs one
 * more validation).
 */
#define VP_RECENT_NS (10ull * 1000000000ull)
/*
 * Memory the workers freed stays in glibc's per-thread arenas until trimmed:
 * when the pool falls idle after at least this many jobs, at most once per
 * VP_TRIM_NS, the loop hands it back to the kernel.
 */
#define VP_TRIM_JOBS 256
#define VP_TRIM_NS   1000000000ull

struct vp_recent {
	struct vp_question q;
	int worker;
	uint64_t at_ns; /* 0: empty */
};

struct vp_worker {
	struct valpool *vp;
	pthread_t thread;
	struct validator *v;
	struct validator *next_v; /* swapped in between jobs */
	bool flush_all;
	char flush_name[CFG_NAME_LEN];
	bool flush_pending;
	struct val_stats stats;	  /* snapshot after each job, read under the mutex */
	struct val_stats retired; /* counters of the validators a reload replaced */
};

struct valpool {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool stop;
	struct vp_job *pending_head, *pending_tail;
	struct vp_job *done;
	int efd;
	struct loop *loop;
	vp_done_cb cb;
	void *ctx;
	vp_prefetch_cb pf_cb;
	void *pf_ctx;
	int queue_max;
	int prefetch_running, prefetch_running_max; /* under mu */
	/* loop thread only */
	struct vp_job **inflight;
	int n_inflight, n_prefetch;
	struct vp_recent recent[VP_RECENT_SLOTS];
	struct vp_stats st;
	unsigned jobs_since_trim;
	uint64_t trimmed_ns;
	int n_workers;
	struct vp_worker w[VP_THREADS_MAX];
};

static void job_free(struct vp_job *j)
{
	free(j->msg);
	free(j);
}

/* Adds src's counters to dst; the cache gauges are left to the caller. */
static void val_counters_add(struct val_stats *dst, const struct val_stats *src)
{
	dst->validations += src->validations;
	dst->upstream_queries += src->upstream_queries;
	dst->upstream_timeouts += src->upstream_timeouts;
	dst->signatures_verified += src->signatures_verified;
	dst->signatures_remembered += src->signatures_remembered;
	dst->cache_hits += src->cache_hits;
	dst->cache_misses += src->cache_misses;
	dst->limit_hits += src->limit_hits;
	dst->upstream_ns += src->upstream_ns;
	dst->sig_verify_ns += src->sig_verify_ns;
	dst->wildcard_synth += src->wildcard_synth;
}

static void worker_housekeeping(struct vp_worker *w)
{
	struct validator *old = NULL;
	bool flush = false, all = false;
	char name[CFG_NAME_LEN];
	struct val_stats now, gone = {0};

	if (w->next_v) {
		old = w->v;
		w->v = w->next_v;
		w->next_v = NULL;
	}
	if (w->flush_pending) {
		flush = true;
		all = w->flush_all;
		memcpy(name, w->flush_name, sizeof(name));
		w->flush_pending = false;
		w->flush_all = false;
	}
	pthread_mutex_unlock(&w->vp->mu);
	if (old)
		validator_get_stats(old, &gone);
	validator_free(old);
	if (flush)
		validator_flush(w->v, all ? NULL : name);
	validator_get_stats(w->v, &now);
	pthread_mutex_lock(&w->vp->mu);
	if (old) {
		/* the counters are totals since the daemon started: a reload keeps them */
		val_counters_add(&w->retired, &gone);
		w->stats = now;
	}
	/* a flush or a new validator empties the cache: its gauges follow at once */
	w->stats.cache_entries = now.cache_entries;
	w->stats.cache_bytes = now.cache_bytes;
}

/*
 * The job's share of the validator's counters (before: taken as the job
 * started, from the same validator), then the snapshot the loop reads.
 */
static void job_account(struct vp_worker *w, struct vp_job *j, const struct val_stats *b)
{
	const struct val_stats *a = &w->stats;

	validator_get_stats(w->v, &w->stats);
	j->upstream_queries = (uint32_t)(a->upstream_queries - b->upstream_queries);
	j->signatures = (uint32_t)(a->signatures_verified - b->signatures_verified);
	j->upstream_ns = a->upstream_ns - b->upstream_ns;
	j->sig_verify_ns = a->sig_verify_ns - b->sig_verify_ns;
}

/* Removes j from the pending list (prev: the job before it, or NULL). */
static void pending_unlink(struct valpool *vp, struct vp_job *prev, struct vp_job *j)
{
	if (prev)
		prev->next = j->next;
	else
		vp->pending_head = j->next;
	if (vp->pending_tail == j)
		vp->pending_tail = prev;
	j->next = NULL;
}

/*
 * The next job worker me may run, under mu: the first held reply (or a
 * prefetch a held reply waits for) not pinned elsewhere; else, while the
 * prefetch share of the workers is not taken, the first prefetch.
 */
static struct vp_job *pending_take(struct valpool *vp, int me)
{
	struct vp_job *j, *prev = NULL, *pf = NULL, *pf_prev = NULL;

	for (j = vp->pending_head; j; prev = j, j = j->next) {
		if (j->pin >= 0 && j->pin != me)
			continue;
		if (!j->prefetch || j->promoted)
			break;
		if (!pf) {
			pf = j;
			pf_prev = prev;
		}
	}
	if (!j && pf && vp->prefetch_running < vp->prefetch_running_max) {
		j = pf;
		prev = pf_prev;
	}
	if (!j)
		return NULL;
	pending_unlink(vp, prev, j);
	j->started = true;
	if (j->prefetch)
		vp->prefetch_running++;
	return j;
}

/* A finished prefetch, under mu: the replies waiting for it run next, here. */
static void prefetch_finished(struct valpool *vp, struct vp_job *j, int me)
{
	struct vp_job *f, *next;

	vp->prefetch_running--;
	for (f = j->followers; f; f = next) {
		next = f->next;
		f->pin = me;
		f->next = vp->pending_head;
		vp->pending_head = f;
		if (!vp->pending_tail)
			vp->pending_tail = f;
	}
	j->followers = NULL;
}

static void job_run(struct vp_worker *w, struct vp_job *j)
{
	uint64_t t0 = verdict_now_ns();

	j->started_ns = t0;
	if (j->prefetch)
		j->rc = validator_check_name(w->v, j->q.name, j->q.qtype, &j->res);
	else
		j->rc = validator_judge_reply(w->v, j->msg, j->msg_len, &j->res);
	j->done_ns = verdict_now_ns();
	j->validate_ns = j->done_ns - t0;
}

static void *worker_main(void *arg)
{
	struct vp_worker *w = arg;
	struct valpool *vp = w->vp;
	int me = (int)(w - vp->w);
	uint64_t one = 1;

	/*
	 * Capabilities belong to each thread: workers start before the daemon
	 * drops its own, so each drops the same ones itself.
	 */
	caps_drop_unneeded();
	pthread_mutex_lock(&vp->mu);
	while (!vp->stop) {
		struct val_stats before;
		struct vp_job *j;

		if (w->next_v || w->flush_pending)
			worker_housekeeping(w);
		j = pending_take(vp, me);
		if (!j) {
			pthread_cond_wait(&vp->cond, &vp->mu);
			continue;
		}
		pthread_mutex_unlock(&vp->mu);

		validator_get_stats(w->v, &before);
		job_run(w, j);

		pthread_mutex_lock(&vp->mu);
		job_account(w, j, &before);
		j->finished = true;
		j->ran_on = me;
		if (j->prefetch) {
			prefetch_finished(vp, j, me);
			pthread_cond_broadcast(&vp->cond); /* a prefetch slot is free again */
		}
		j->next = vp->done;
		vp->done = j;
		if (write(vp->efd, &one, sizeof(one)) < 0)
			pr_warn("valpool: wake the loop: %s", strerror(errno));
	}
	pthread_mutex_unlock(&vp->mu);
	return NULL;
}

static void inflight_remove(struct valpool *vp, struct vp_job *j)
{
	int i;

	for (i = 0; i < vp->n_inflight; i++) {
		if (vp->inflight[i] == j) {
			vp->inflight[i] = vp->inflight[--vp->n_inflight];
			return;
		}
	}
}

static uint32_t question_hash(const struct vp_question *q)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	const char *c;

	for (c = q->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return (h ^ q->qtype) * 16777619u;
}

static bool question_eq(const struct vp_question *a, const struct vp_question *b)
{
	return a->qtype == b->qtype && a->qclass == b->qclass && !strcmp(a->name, b->name);
}

/* The worker that proved q moments ago, or -1. */
static int recent_worker(struct valpool *vp, const struct vp_question *q, uint64_t now)
{
	const struct vp_recent *r = &vp->recent[question_hash(q) % VP_RECENT_SLOTS];

	if (!r->at_ns || now - r->at_ns > VP_RECENT_NS || !question_eq(&r->q, q))
		return -1;
	return r->worker;
}

/* A prefetch's result stays in its worker's cache: remember where. */
static void prefetch_done(struct valpool *vp, struct vp_job *j)
{
	struct vp_recent *r = &vp->recent[question_hash(&j->q) % VP_RECENT_SLOTS];

	vp->n_prefetch--;
	if (j->rc == -ECANCELED || !j->finished)
		return;
	r->q = j->q;
	r->worker = j->ran_on;
	r->at_ns = verdict_now_ns();
	if (vp->pf_cb && !j->rc)
		vp->pf_cb(&j->q, &j->res, vp->pf_ctx);
}

void valpool_set_prefetch_cb(struct valpool *vp, vp_prefetch_cb cb, void *ctx)
{
	vp->pf_cb = cb;
	vp->pf_ctx = ctx;
}

static void deliver(struct valpool *vp, struct vp_job *j)
{
	inflight_remove(vp, j);
	if (j->prefetch)
		prefetch_done(vp, j);
	else
		vp->cb(j, vp->ctx);
	job_free(j);
}

static void trim_when_idle(struct valpool *vp)
{
	uint64_t now = verdict_now_ns();

	if (vp->n_inflight || vp->jobs_since_trim < VP_TRIM_JOBS ||
	    now - vp->trimmed_ns < VP_TRIM_NS)
		return;
	malloc_trim(0);
	vp->jobs_since_trim = 0;
	vp->trimmed_ns = now;
}

static void on_done(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct valpool *vp = ctx;
	struct vp_job *list, *next;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pr_warn("valpool: read eventfd: %s", strerror(errno));
	pthread_mutex_lock(&vp->mu);
	list = vp->done;
	vp->done = NULL;
	pthread_mutex_unlock(&vp->mu);
	for (; list; list = next) {
		next = list->next;
		deliver(vp, list);
		vp->jobs_since_trim++;
	}
	trim_when_idle(vp);
}

/* One worker's part of a limit for the whole pool (0: its default), at least floor. */
static uint32_t cache_share(uint32_t total, uint32_t dflt, uint32_t floor, int n)
{
	uint32_t part = (total ? total : dflt) / (uint32_t)n;

	return part < floor ? floor : part;
}

/*
 * The RRset cache limits bound the pool: each worker's own cache gets an
 * equal share, so the daemon's memory does not grow with its thread count.
 */
static int make_validators(const struct dw_config *cfg, int n, struct validator **out, char *err,
			   size_t err_len)
{
	struct dw_config *share = malloc(sizeof(*share));
	int i;

	if (!share) {
		snprintf(err, err_len, "valpool: out of memory for %d validators", n);
		return -ENOMEM;
	}
	*share = *cfg;
	share->limits.rrset_cache =
	    cache_share(cfg->limits.rrset_cache, CFG_RRSET_CACHE_DEFAULT, CFG_RRSET_CACHE_MIN, n);
	share->limits.rrset_cache_bytes =
	    cache_share(cfg->limits.rrset_cache_bytes, CFG_RRSET_CACHE_BYTES_DEFAULT,
			CFG_RRSET_CACHE_BYTES_MIN, n);
	share->limits.signature_cache = cache_share(
	    cfg->limits.signature_cache, CFG_SIGNATURE_CACHE_DEFAULT, CFG_SIGNATURE_CACHE_MIN, n);
	for (i = 0; i < n; i++) {
		out[i] = validator_new(share, err, err_len);
		if (!out[i]) {
			while (i-- > 0)
				validator_free(out[i]);
			free(share);
			return -EINVAL;
		}
	}
	free(share);
	return 0;
}

struct valpool *valpool_new(const struct dw_config *cfg, int threads, int queue_max, struct loop *l,
			    vp_done_cb cb, void *ctx, char *err, size_t err_len)
{
	struct validator *vs[VP_THREADS_MAX];
	struct valpool *vp;
	int i;

	if (threads < 1 || threads > VP_THREADS_MAX || queue_max < 1) {
		snprintf(err, err_len, "valpool: %d threads, queue %d: out of range", threads,
			 queue_max);
		return NULL;
	}
	if (make_validators(cfg, threads, vs, err, err_len))
		return NULL;
	vp = calloc(1, sizeof(*vp));
	if (vp)
		vp->inflight = calloc(queue_max + VP_PREFETCH_MAX, sizeof(*vp->inflight));
	if (!vp || !vp->inflight)
		goto oom;
	vp->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vp->efd < 0 || loop_add_fd(l, vp->efd, EPOLLIN, on_done, vp))
		goto oom;
	pthread_mutex_init(&vp->mu, NULL);
	pthread_cond_init(&vp->cond, NULL);
	vp->loop = l;
	vp->cb = cb;
	vp->ctx = ctx;
	vp->queue_max = queue_max;
	/* One worker stays free for held replies whenever there are two. */
	vp->prefetch_running_max = threads > 1 ? threads - 1 : 1;
	for (i = 0; i < threads; i++) {
		vp->w[i].vp = vp;
		vp->w[i].v = vs[i];
		vs[i] = NULL;
		if (pthread_create(&vp->w[i].thread, NULL, worker_main, &vp->w[i])) {
			snprintf(err, err_len, "valpool: start worker %d: %s", i, strerror(errno));
			validator_free(vp->w[i].v);
			break;
		}
		vp->n_workers++;
	}
	if (vp->n_workers == threads)
		return vp;
	valpool_free(vp);
	vp = NULL;
oom:
	if (vp) {
		snprintf(err, err_len, "valpool: out of memory or eventfd: %s", strerror(errno));
		if (vp->efd > 0)
			close(vp->efd);
		free(vp->inflight);
		free(vp);
	}
	for (i = 0; i < threads; i++)
		validator_free(vs[i]);
	return NULL;
}

/* Replies still waiting for a prefetch that will not run. */
static void cancel_followers(struct valpool *vp, struct vp_job *j)
{
	struct vp_job *f, *next;

	for (f = j->followers; f; f = next) {
		next = f->next;
		f->rc = -ECANCELED;
		deliver(vp, f);
	}
	j->followers = NULL;
}

void valpool_free(struct valpool *vp)
{
	struct vp_job *j, *next;
	int i;

	if (!vp)
		return;
	pthread_mutex_lock(&vp->mu);
	vp->stop = true;
	pthread_cond_broadcast(&vp->cond);
	pthread_mutex_unlock(&vp->mu);
	for (i = 0; i < vp->n_workers; i++) {
		pthread_join(vp->w[i].thread, NULL);
		validator_free(vp->w[i].v);
		validator_free(vp->w[i].next_v);
	}
	/* Finished results are delivered; unstarted jobs are cancelled (their frames stay dropped). */
	for (j = vp->done; j; j = next) {
		next = j->next;
		deliver(vp, j);
	}
	for (j = vp->pending_head; j; j = next) {
		next = j->next;
		j->rc = -ECANCELED;
		cancel_followers(vp, j);
		deliver(vp, j);
	}
	loop_del_fd(vp->loop, vp->efd);
	close(vp->efd);
	pthread_mutex_destroy(&vp->mu);
	pthread_cond_destroy(&vp->cond);
	free(vp->inflight);
	free(vp);
}

/*
 * The in-flight job msg may join, or NULL. A reply without a full digest is
 * never joined: its key names only qtype, qclass and flags, so an unrelated
 * (or forged) reply claiming too many records to digest would share another
 * reply's verdict. It is validated on its own bytes instead, at the cost of
 * one more job. With a full key the bytes must match too (the ID aside), so
 * each released frame is the message its job judged.
 */
static struct vp_job *inflight_joinable(struct valpool *vp, const struct punt_info *pi,
					const uint8_t *msg, size_t len)
{
	int i;

	if (!pi->key_full || len < 12)
		return NULL;
	for (i = 0; i < vp->n_inflight; i++) {
		const struct vp_job *j = vp->inflight[i];

		if (j->prefetch || !j->info.key_full || j->msg_len != len ||
		    memcmp(&j->info.key, &pi->key, sizeof(pi->key)) ||
		    memcmp(j->msg + 2, msg + 2, len - 2))
			continue;
		return vp->inflight[i];
	}
	return NULL;
}

static struct vp_job *job_new(const uint8_t *msg, size_t len)
{
	struct vp_job *j = calloc(1, sizeof(*j));

	if (!j || !(j->msg = malloc(len ? len : 1))) {
		free(j);
		return NULL;
	}
	if (len)
		memcpy(j->msg, msg, len);
	j->msg_len = len;
	j->pin = -1;
	j->ran_on = -1;
	j->submitted_ns = verdict_now_ns();
	return j;
}

/* The in-flight prefetch of q, or NULL (any in-flight job of q when any is set). */
static struct vp_job *inflight_question(struct valpool *vp, const struct vp_question *q, bool any)
{
	int i;

	for (i = 0; i < vp->n_inflight; i++) {
		struct vp_job *j = vp->inflight[i];

		if (j->has_q && (any || j->prefetch) && question_eq(&j->q, q))
			return j;
	}
	return NULL;
}

/* Under mu: at the tail of the pending list. */
static void pending_append(struct valpool *vp, struct vp_job *j)
{
	if (vp->pending_tail)
		vp->pending_tail->next = j;
	else
		vp->pending_head = j;
	vp->pending_tail = j;
}

/*
 * Queue a held reply's job: behind the prefetch of its question (in flight,
 * or finished on a worker whose cache now holds the truth), else for any
 * worker.
 */
static void enqueue_reply(struct valpool *vp, struct vp_job *j)
{
	struct vp_job *pf = j->has_q ? inflight_question(vp, &j->q, false) : NULL;

	if (!pf && j->has_q && (j->pin = recent_worker(vp, &j->q, j->submitted_ns)) >= 0) {
		j->after = VP_AFTER_PINNED;
		vp->st.prefetch_pinned++;
	}
	pthread_mutex_lock(&vp->mu);
	if (pf && !pf->finished) {
		j->next = pf->followers;
		pf->followers = j;
		pf->promoted = true; /* a held reply waits for it now */
		j->after = VP_AFTER_JOINED;
		vp->st.prefetch_joined++;
	} else {
		if (pf) {
			j->pin = pf->ran_on;
			j->after = VP_AFTER_PINNED;
			vp->st.prefetch_pinned++;
		}
		pending_append(vp, j);
	}
	pthread_cond_broadcast(&vp->cond);
	pthread_mutex_unlock(&vp->mu);
}

int valpool_submit(struct valpool *vp, const struct punt_info *pi, const uint8_t *msg, size_t len,
		   void *waiter)
{
	struct vp_job *j = inflight_joinable(vp, pi, msg, len);

	if (j) {
		if (j->n_waiters == VP_WAITERS_MAX) {
			vp->st.refused_waiters++;
			return -ENOSPC;
		}
		j->waiters[j->n_waiters++] = waiter;
		vp->st.joined++;
		return 1;
	}
	if (vp->n_inflight - vp->n_prefetch >= vp->queue_max) {
		vp->st.refused_full++;
		return -ENOSPC;
	}
	j = job_new(msg, len);
	if (!j)
		return -ENOMEM;
	j->info = *pi;
	j->waiters[j->n_waiters++] = waiter;
	if (pi->q_ok) {
		memcpy(j->q.name, pi->q.name, sizeof(j->q.name));
		j->q.qtype = pi->q.qtype;
		j->q.qclass = pi->q.qclass;
		j->has_q = true;
	}
	vp->inflight[vp->n_inflight++] = j;
	vp->st.jobs++;
	enqueue_reply(vp, j);
	return 0;
}

int valpool_prefetch(struct valpool *vp, const struct vp_question *q)
{
	struct vp_job *j;

	if (inflight_question(vp, q, true) || recent_worker(vp, q, verdict_now_ns()) >= 0) {
		vp->st.prefetch_deduped++;
		return 1;
	}
	if (vp->n_prefetch >= VP_PREFETCH_MAX) {
		vp->st.prefetch_dropped++;
		return -ENOSPC;
	}
	j = job_new(NULL, 0);
	if (!j)
		return -ENOMEM;
	j->q = *q;
	j->has_q = true;
	j->prefetch = true;
	vp->inflight[vp->n_inflight++] = j;
	vp->n_prefetch++;
	vp->st.prefetch_started++;
	pthread_mutex_lock(&vp->mu);
	pending_append(vp, j);
	pthread_cond_broadcast(&vp->cond);
	pthread_mutex_unlock(&vp->mu);
	return 0;
}

int valpool_set_policy(struct valpool *vp, const struct dw_config *cfg, char *err, size_t err_len)
{
	struct validator *vs[VP_THREADS_MAX];
	int i;

	if (make_validators(cfg, vp->n_workers, vs, err, err_len))
		return -EINVAL;
	pthread_mutex_lock(&vp->mu);
	for (i = 0; i < vp->n_workers; i++) {
		struct validator *stale = vp->w[i].next_v;

		vp->w[i].next_v = vs[i];
		vs[i] = stale; /* a swap not yet picked up is replaced; free it below */
	}
	pthread_cond_broadcast(&vp->cond);
	pthread_mutex_unlock(&vp->mu);
	for (i = 0; i < vp->n_workers; i++)
		validator_free(vs[i]);
	return 0;
}

void valpool_flush(struct valpool *vp, const char *name)
{
	int i;

	/* Cached truths go: no reply may be steered to a worker for them any more. */
	memset(vp->recent, 0, sizeof(vp->recent));
	pthread_mutex_lock(&vp->mu);
	for (i = 0; i < vp->n_workers; i++) {
		struct vp_worker *w = &vp->w[i];

		/* Two different names before the worker gets to them: flush everything. */
		if (!name || (w->flush_pending && strcmp(w->flush_name, name)))
			w->flush_all = true;
		else
			snprintf(w->flush_name, sizeof(w->flush_name), "%s", name);
		w->flush_pending = true;
	}
	pthread_cond_broadcast(&vp->cond);
	pthread_mutex_unlock(&vp->mu);
}

void valpool_get_stats(struct valpool *vp, struct vp_stats *out)
{
	int i;

	*out = vp->st;
	out->queued = vp->n_inflight;
	memset(&out->val, 0, sizeof(out->val));
	pthread_mutex_lock(&vp->mu);
	for (i = 0; i < vp->n_workers; i++) {
		const struct val_stats *s = &vp->w[i].stats;

		val_counters_add(&out->val, s);
		val_counters_add(&out->val, &vp->w[i].retired);
		out->val.cache_entries += s->cache_entries;
		out->val.cache_bytes += s->cache_bytes;
	}
	pthread_mutex_unlock(&vp->mu);
}
