// SPDX-License-Identifier: BSD-2-Clause
/*
 * val_cache.c: validated truths, DNSKEY sets and DS results, keyed by
 * (kind, name, type), each with its own expiry (min(TTL, RRSIG expiration),
 * or the short negative lifetime for failures). A hash table over a bounded
 * number of entries; when full, the least recently used entry goes.
 */
#include <stdlib.h>
#include <string.h>

#include "validator/val_internal.h"

struct centry {
	struct centry *hnext;	    /* hash chain */
	struct centry *prev, *next; /* LRU list, most recent at head */
	uint8_t kind;
	uint16_t type;
	ldns_rdf *name;
	time_t expires;
	uint32_t hash;
	struct val_truth t;
};

struct val_cache {
	struct centry **buckets;
	uint32_t n_buckets;
	uint32_t count, max;
	struct centry *head, *tail;
};

static uint32_t key_hash(uint8_t kind, const ldns_rdf *name, uint16_t type)
{
	const uint8_t *d = ldns_rdf_data(name);
	uint32_t h = 2166136261u ^ kind ^ ((uint32_t)type << 8);
	size_t i;

	for (i = 0; i < ldns_rdf_size(name); i++) /* FNV-1a over the lower-cased name */
		h = (h ^ (uint8_t)(d[i] | ((d[i] >= 'A' && d[i] <= 'Z') ? 0x20 : 0))) * 16777619u;
	return h;
}

struct val_cache *cache_new(uint32_t max_entries)
{
	struct val_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max = max_entries ? max_entries : 1;
	c->n_buckets = 64;
	while (c->n_buckets < c->max && c->n_buckets < (1u << 20))
		c->n_buckets <<= 1;
	c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	return c;
}

static void lru_unlink(struct val_cache *c, struct centry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct val_cache *c, struct centry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void entry_drop(struct val_cache *c, struct centry *e)
{
	struct centry **pp = &c->buckets[e->hash & (c->n_buckets - 1)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(c, e);
	ldns_rdf_deep_free(e->name);
	truth_clear(&e->t);
	free(e);
	c->count--;
}

void cache_free(struct val_cache *c)
{
	if (!c)
		return;
	while (c->head)
		entry_drop(c, c->head);
	free(c->buckets);
	free(c);
}

static struct centry *find(struct val_cache *c, uint8_t kind, const ldns_rdf *name, uint16_t type)
{
	uint32_t h = key_hash(kind, name, type);
	struct centry *e;

	for (e = c->buckets[h & (c->n_buckets - 1)]; e; e = e->hnext)
		if (e->hash == h && e->kind == kind && e->type == type && name_eq(e->name, name))
			return e;
	return NULL;
}

static void truth_copy(struct val_truth *dst, const struct val_truth *src)
{
	dst->st = src->st;
	dst->rcode = src->rcode;
	dst->rrs = src->rrs ? ldns_rr_list_clone(src->rrs) : NULL;
	dst->zone = src->zone ? ldns_rdf_clone(src->zone) : NULL;
}

bool cache_get(struct val_cache *c, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
	       time_t now, struct val_truth *out)
{
	struct centry *e = find(c, kind, name, type);

	if (!e)
		return false;
	if (e->expires <= now) {
		entry_drop(c, e);
		return false;
	}
	lru_unlink(c, e);
	lru_push(c, e);
	truth_copy(out, &e->t);
	out->st.ttl = (uint32_t)(e->expires - now);
	return true;
}

void cache_put(struct val_cache *c, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
	       time_t now, const struct val_truth *t)
{
	struct centry *e = find(c, kind, name, type);

	if (e)
		entry_drop(c, e);
	if (!t->st.ttl)
		return;
	while (c->count >= c->max && c->tail)
		entry_drop(c, c->tail);
	e = calloc(1, sizeof(*e));
	if (!e)
		return; /* a cache miss later costs time, never correctness */
	e->kind = kind;
	e->type = type;
	e->name = ldns_rdf_clone(name);
	ldns_dname2canonical(e->name);
	e->hash = key_hash(kind, name, type);
	e->expires = now + t->st.ttl;
	truth_copy(&e->t, t);
	e->hnext = c->buckets[e->hash & (c->n_buckets - 1)];
	c->buckets[e->hash & (c->n_buckets - 1)] = e;
	lru_push(c, e);
	c->count++;
}

void cache_flush(struct val_cache *c, const ldns_rdf *below)
{
	struct centry *e = c->head, *next;

	for (; e; e = next) {
		next = e->next;
		if (!below || name_under(e->name, below))
			entry_drop(c, e);
	}
}

uint32_t cache_count(const struct val_cache *c)
{
	return c->count;
}

bool cache_lookup(struct val_work *w, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
		  struct val_truth *t)
{
	if (cache_get(w->v->cache, kind, name, type, w->now, t)) {
		w->v->stats.cache_hits++;
		return true;
	}
	w->v->stats.cache_misses++;
	return false;
}

void cache_keep(struct val_work *w, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
		struct val_truth *t)
{
	if (t->st.outcome == VAL_BOGUS || t->st.outcome == VAL_INDETERMINATE)
		status_min_ttl(&t->st, w->v->cfg.limits.negative_cache_ttl);
	cache_put(w->v->cache, kind, name, type, w->now, t);
}
