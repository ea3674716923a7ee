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

/*
 * One entry, in one allocation: the key name, the zone, the reason and the
 * records in uncompressed wire form, so an entry costs its bytes and not the
 * dozen small ldns allocations per record a cloned list would (the cache is
 * most of the daemon's memory after many distinct names).
 */
struct centry {
	struct centry *hnext;	    /* hash chain */
	struct centry *prev, *next; /* LRU list, most recent at head */
	time_t expires;
	uint32_t hash;
	uint32_t size; /* bytes charged to the cache */
	uint32_t rrs_len;
	uint16_t type;
	uint16_t n_rrs;
	uint16_t reason_len;
	uint8_t kind;
	uint8_t outcome;
	uint8_t rcode;
	uint8_t name_len;
	uint8_t zone_len; /* 0: no zone */
	uint8_t data[];	  /* name | zone | reason | records */
};

struct val_cache {
	struct centry **buckets;
	uint32_t n_buckets;
	uint32_t count, max;
	size_t bytes, max_bytes;
	struct centry *head, *tail;
};

static uint8_t fold(uint8_t c)
{
	return (uint8_t)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
}

static uint32_t key_hash(uint8_t kind, const ldns_rdf *name, uint16_t type)
{
	const uint8_t *d = ldns_rdf_data(name);
	uint32_t h = 2166136261u ^ kind ^ ((uint32_t)type << 8);
	size_t i;

	for (i = 0; i < ldns_rdf_size(name); i++) /* FNV-1a over the lower-cased name */
		h = (h ^ fold(d[i])) * 16777619u;
	return h;
}

/* Wire names compare without case: a length byte (at most 63) is never a letter. */
static bool wire_name_eq(const uint8_t *a, size_t a_len, const ldns_rdf *b)
{
	const uint8_t *d = ldns_rdf_data(b);
	size_t i;

	if (a_len != ldns_rdf_size(b))
		return false;
	for (i = 0; i < a_len; i++)
		if (fold(a[i]) != fold(d[i]))
			return false;
	return true;
}

struct val_cache *cache_new(uint32_t max_entries, size_t max_bytes)
{
	struct val_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max = max_entries ? max_entries : 1;
	c->max_bytes = max_bytes;
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
	c->bytes -= e->size;
	c->count--;
	free(e);
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
		if (e->hash == h && e->kind == kind && e->type == type &&
		    wire_name_eq(e->data, e->name_len, name))
			return e;
	return NULL;
}

/* The records of e as a new list, or NULL when they do not read back. */
static ldns_rr_list *entry_rrs(const struct centry *e)
{
	const uint8_t *w = e->data + e->name_len + e->zone_len + e->reason_len;
	ldns_rr_list *l = ldns_rr_list_new();
	size_t pos = 0;
	unsigned i;

	for (i = 0; l && i < e->n_rrs; i++) {
		ldns_rr *rr = NULL;

		if (ldns_wire2rr(&rr, w, e->rrs_len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK ||
		    !ldns_rr_list_push_rr(l, rr)) {
			ldns_rr_free(rr);
			ldns_rr_list_deep_free(l);
			return NULL;
		}
	}
	return l;
}

/* t from entry e; false (t untouched) when the entry does not read back. */
static bool entry_truth(const struct centry *e, struct val_truth *t)
{
	const uint8_t *zone = e->data + e->name_len;
	ldns_rr_list *rrs = entry_rrs(e);
	ldns_rdf *z = NULL;

	if (!rrs)
		return false;
	if (e->zone_len) {
		z = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, e->zone_len, zone);
		if (!z) {
			ldns_rr_list_deep_free(rrs);
			return false;
		}
	}
	memset(&t->st, 0, sizeof(t->st));
	t->st.outcome = (enum val_outcome)e->outcome;
	memcpy(t->st.reason, zone + e->zone_len, e->reason_len);
	t->rcode = e->rcode;
	t->rrs = rrs;
	t->zone = z;
	return true;
}

bool cache_get(struct val_cache *c, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
	       time_t now, struct val_truth *out)
{
	struct centry *e = find(c, kind, name, type);

	if (!e)
		return false;
	if (e->expires <= now || !entry_truth(e, out)) {
		entry_drop(c, e);
		return false;
	}
	lru_unlink(c, e);
	lru_push(c, e);
	out->st.ttl = (uint32_t)(e->expires - now);
	return true;
}

/* t's records in wire form into b; false when one cannot be written. */
static bool rrs_to_wire(ldns_buffer *b, const ldns_rr_list *rrs)
{
	size_t i, n = rrs ? ldns_rr_list_rr_count(rrs) : 0;

	if (n > UINT16_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (ldns_rr2buffer_wire(b, ldns_rr_list_rr(rrs, i), LDNS_SECTION_ANSWER) !=
		    LDNS_STATUS_OK)
			return false;
	return ldns_buffer_status_ok(b);
}

static struct centry *entry_new(const ldns_rdf *name, const struct val_truth *t, ldns_buffer *b)
{
	size_t name_len = ldns_rdf_size(name), zone_len = t->zone ? ldns_rdf_size(t->zone) : 0;
	size_t reason_len = strnlen(t->st.reason, sizeof(t->st.reason) - 1);
	size_t rrs_len = ldns_buffer_position(b);
	size_t size = sizeof(struct centry) + name_len + zone_len + reason_len + rrs_len;
	struct centry *e;

	if (name_len > 255 || zone_len > 255 || rrs_len > UINT32_MAX / 2)
		return NULL;
	e = calloc(1, size);
	if (!e)
		return NULL;
	e->size = (uint32_t)size;
	e->name_len = (uint8_t)name_len;
	e->zone_len = (uint8_t)zone_len;
	e->reason_len = (uint16_t)reason_len;
	e->rrs_len = (uint32_t)rrs_len;
	e->n_rrs = (uint16_t)(t->rrs ? ldns_rr_list_rr_count(t->rrs) : 0);
	e->outcome = (uint8_t)t->st.outcome;
	e->rcode = (uint8_t)t->rcode;
	memcpy(e->data, ldns_rdf_data(name), name_len);
	if (zone_len)
		memcpy(e->data + name_len, ldns_rdf_data(t->zone), zone_len);
	memcpy(e->data + name_len + zone_len, t->st.reason, reason_len);
	memcpy(e->data + name_len + zone_len + reason_len, ldns_buffer_begin(b), rrs_len);
	return e;
}

void cache_put(struct val_cache *c, enum cache_kind kind, const ldns_rdf *name, uint16_t type,
	       time_t now, const struct val_truth *t)
{
	struct centry *e = find(c, kind, name, type);
	ldns_buffer *b;

	if (e)
		entry_drop(c, e);
	if (!t->st.ttl)
		return;
	b = ldns_buffer_new(512);
	e = b && rrs_to_wire(b, t->rrs) ? entry_new(name, t, b) : NULL;
	ldns_buffer_free(b);
	if (!e || e->size > c->max_bytes) {
		free(e); /* a cache miss later costs time, never correctness */
		return;
	}
	while ((c->count >= c->max || c->bytes + e->size > c->max_bytes) && c->tail)
		entry_drop(c, c->tail);
	e->kind = kind;
	e->type = type;
	e->hash = key_hash(kind, name, type);
	e->expires = now + t->st.ttl;
	e->hnext = c->buckets[e->hash & (c->n_buckets - 1)];
	c->buckets[e->hash & (c->n_buckets - 1)] = e;
	lru_push(c, e);
	c->count++;
	c->bytes += e->size;
}

void cache_flush(struct val_cache *c, const ldns_rdf *below)
{
	struct centry *e = c->head, *next;
	ldns_rdf name;

	for (; e; e = next) {
		next = e->next;
		ldns_rdf_set_type(&name, LDNS_RDF_TYPE_DNAME);
		ldns_rdf_set_size(&name, e->name_len);
		ldns_rdf_set_data(&name, e->data);
		if (!below || name_under(&name, below))
			entry_drop(c, e);
	}
}

size_t cache_bytes(const struct val_cache *c)
{
	return c->bytes;
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
