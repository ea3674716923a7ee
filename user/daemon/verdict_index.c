// SPDX-License-Identifier: BSD-2-Clause
/*
 * verdict_index.c: a chained hash table over verdict keys with a list in
 * write order for eviction, in one array of fixed slots linked by number
 * (0: none), so an entry costs its slot and no allocation of its own. Keys
 * are SipHash digests already, so their first word is a good bucket index.
 * A name that fits a slot lives in it; a longer one has its own allocation.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "daemon/verdict_index.h"

/* Room in a slot for a name (with its NUL): a slot is 72 bytes. */
#define VI_NAME_INLINE 35

struct vi_slot {
	struct dw_verdict_key key;
	uint32_t hnext;		   /* bucket chain; the free list when unused */
	uint32_t older, newer;	   /* write order */
	char name[VI_NAME_INLINE]; /* or, for a long name, where it is */
	uint8_t long_name;
};

_Static_assert(sizeof(struct vi_slot) == 72, "a verdict index slot grew");

struct verdict_index {
	struct vi_slot *slots; /* slot n is slots[n - 1] */
	uint32_t *buckets;
	size_t mask;
	unsigned n, cap, used; /* used: slots ever handed out */
	uint32_t free_list, oldest, newest;
};

#define SLOT(vi, i) (&(vi)->slots[(i)-1])

struct verdict_index *vindex_new(unsigned cap)
{
	struct verdict_index *vi;
	size_t nb = 1;

	if (cap < 1 || cap > DW_VERDICTS_MAX) {
		pr_err("verdict index: capacity %u outside 1..%u", cap, DW_VERDICTS_MAX);
		return NULL;
	}
	while (nb < cap)
		nb <<= 1;
	vi = calloc(1, sizeof(*vi));
	if (vi) {
		/* calloc'd pages stay untouched, and out of the RSS, until used */
		vi->buckets = calloc(nb, sizeof(*vi->buckets));
		vi->slots = calloc(cap, sizeof(*vi->slots));
	}
	if (!vi || !vi->buckets || !vi->slots) {
		pr_err("verdict index: out of memory for %u entries", cap);
		if (vi) {
			free(vi->buckets);
			free(vi->slots);
		}
		free(vi);
		return NULL;
	}
	vi->mask = nb - 1;
	vi->cap = cap;
	return vi;
}

static char *long_name(const struct vi_slot *e)
{
	char *p;

	memcpy(&p, e->name, sizeof(p));
	return p;
}

static const char *slot_name(const struct vi_slot *e)
{
	return e->long_name ? long_name(e) : e->name;
}

static uint32_t *bucket(const struct verdict_index *vi, const struct dw_verdict_key *key)
{
	return &vi->buckets[(key->digest[0] ^ key->qtype) & vi->mask];
}

/* The link that holds key's slot number, or the 0 that ends its chain. */
static uint32_t *find_link(const struct verdict_index *vi, const struct dw_verdict_key *key)
{
	uint32_t *pp = bucket(vi, key);

	while (*pp && memcmp(&SLOT(vi, *pp)->key, key, sizeof(*key)))
		pp = &SLOT(vi, *pp)->hnext;
	return pp;
}

static void list_unlink(struct verdict_index *vi, uint32_t i)
{
	struct vi_slot *e = SLOT(vi, i);

	if (e->older)
		SLOT(vi, e->older)->newer = e->newer;
	else
		vi->oldest = e->newer;
	if (e->newer)
		SLOT(vi, e->newer)->older = e->older;
	else
		vi->newest = e->older;
	e->older = e->newer = 0;
}

static void list_append(struct verdict_index *vi, uint32_t i)
{
	struct vi_slot *e = SLOT(vi, i);

	e->older = vi->newest;
	e->newer = 0;
	if (vi->newest)
		SLOT(vi, vi->newest)->newer = i;
	else
		vi->oldest = i;
	vi->newest = i;
}

static void slot_release(struct verdict_index *vi, uint32_t i)
{
	struct vi_slot *e = SLOT(vi, i);

	if (e->long_name)
		free(long_name(e));
	e->long_name = 0;
	e->hnext = vi->free_list;
	vi->free_list = i;
}

/* Unlink the slot *pp holds from both structures and free it. */
static void remove_at(struct verdict_index *vi, uint32_t *pp)
{
	uint32_t i = *pp;

	*pp = SLOT(vi, i)->hnext;
	list_unlink(vi, i);
	slot_release(vi, i);
	vi->n--;
}

/* A free slot's number holding name (len characters), or 0 when out of memory. */
static uint32_t slot_take(struct verdict_index *vi, const char *name, size_t len)
{
	uint32_t i = vi->free_list;
	struct vi_slot *e;
	char *copy = NULL;

	if (len >= VI_NAME_INLINE) {
		copy = malloc(len + 1);
		if (!copy)
			return 0;
		memcpy(copy, name, len + 1);
	}
	if (i)
		vi->free_list = SLOT(vi, i)->hnext;
	else
		i = ++vi->used; /* n < cap, so a slot never handed out is left */
	e = SLOT(vi, i);
	e->long_name = copy != NULL;
	if (copy)
		memcpy(e->name, &copy, sizeof(copy));
	else
		memcpy(e->name, name, len + 1);
	return i;
}

int vindex_put(struct verdict_index *vi, const struct dw_verdict_key *key, const char *name,
	       struct dw_verdict_key *evicted)
{
	uint32_t *pp = find_link(vi, key), i;
	size_t len = strnlen(name, DW_NAME_MAX * 4 + 1);
	int pushed = 0;

	if (len > DW_NAME_MAX * 4) {
		pr_warn("verdict index: name of %zu+ characters not recorded", len);
		return -EINVAL;
	}
	if (*pp) {
		/* The digest covers the name: a present key already has this name. */
		i = *pp;
		list_unlink(vi, i);
		list_append(vi, i);
		return 0;
	}
	if (vi->n == vi->cap) {
		*evicted = SLOT(vi, vi->oldest)->key;
		remove_at(vi, find_link(vi, evicted));
		pushed = 1;
		pp = find_link(vi, key); /* the chain may have changed */
	}
	i = slot_take(vi, name, len);
	if (!i) {
		pr_err("verdict index: out of memory recording %s", name);
		return -ENOMEM;
	}
	SLOT(vi, i)->key = *key;
	SLOT(vi, i)->hnext = 0;
	*pp = i;
	list_append(vi, i);
	vi->n++;
	return pushed;
}

bool vindex_contains(const struct verdict_index *vi, const struct dw_verdict_key *key)
{
	return *find_link(vi, key) != 0;
}

unsigned vindex_take(struct verdict_index *vi, const char *name, vindex_key_cb cb, void *ctx)
{
	uint32_t i = vi->oldest, next;
	unsigned n = 0;

	for (; i; i = next) {
		struct vi_slot *e = SLOT(vi, i);
		struct dw_verdict_key key = e->key;

		next = e->newer;
		if (!config_name_within(slot_name(e), name))
			continue;
		if (cb)
			cb(&key, ctx);
		remove_at(vi, find_link(vi, &key));
		n++;
	}
	return n;
}

void vindex_clear(struct verdict_index *vi)
{
	uint32_t i;

	for (i = vi->oldest; i; i = SLOT(vi, i)->newer)
		if (SLOT(vi, i)->long_name)
			free(long_name(SLOT(vi, i)));
	memset(vi->buckets, 0, (vi->mask + 1) * sizeof(*vi->buckets));
	memset(vi->slots, 0, (size_t)vi->used * sizeof(*vi->slots));
	vi->oldest = vi->newest = vi->free_list = 0;
	vi->n = vi->used = 0;
}

void vindex_free(struct verdict_index *vi)
{
	if (!vi)
		return;
	vindex_clear(vi);
	free(vi->buckets);
	free(vi->slots);
	free(vi);
}

unsigned vindex_count(const struct verdict_index *vi)
{
	return vi ? vi->n : 0;
}
