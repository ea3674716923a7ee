// SPDX-License-Identifier: BSD-2-Clause
/*
 * verdict_index.c: a chained hash table over verdict keys with a list in
 * write order for eviction. Keys are SipHash digests already, so their first
 * word is a good bucket index. Entries carry their name inline: a full index
 * of typical names is a few MB.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "daemon/verdict_index.h"

struct vi_entry {
	struct dw_verdict_key key;
	struct vi_entry *hnext;		/* bucket chain */
	struct vi_entry *older, *newer; /* write order */
	char name[];
};

struct verdict_index {
	struct vi_entry **buckets;
	size_t mask;
	unsigned n, cap;
	struct vi_entry *oldest, *newest;
};

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
	if (vi)
		vi->buckets = calloc(nb, sizeof(*vi->buckets));
	if (!vi || !vi->buckets) {
		pr_err("verdict index: out of memory for %u entries", cap);
		free(vi);
		return NULL;
	}
	vi->mask = nb - 1;
	vi->cap = cap;
	return vi;
}

static struct vi_entry **bucket(const struct verdict_index *vi, const struct dw_verdict_key *key)
{
	return &vi->buckets[(key->digest[0] ^ key->qtype) & vi->mask];
}

static struct vi_entry **find_slot(const struct verdict_index *vi, const struct dw_verdict_key *key)
{
	struct vi_entry **pp = bucket(vi, key);

	while (*pp && memcmp(&(*pp)->key, key, sizeof(*key)))
		pp = &(*pp)->hnext;
	return pp;
}

static void list_unlink(struct verdict_index *vi, struct vi_entry *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else
		vi->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		vi->newest = e->older;
	e->older = e->newer = NULL;
}

static void list_append(struct verdict_index *vi, struct vi_entry *e)
{
	e->older = vi->newest;
	e->newer = NULL;
	if (vi->newest)
		vi->newest->newer = e;
	else
		vi->oldest = e;
	vi->newest = e;
}

/* Unlink the entry *pp points at from both structures and free it. */
static void remove_at(struct verdict_index *vi, struct vi_entry **pp)
{
	struct vi_entry *e = *pp;

	*pp = e->hnext;
	list_unlink(vi, e);
	free(e);
	vi->n--;
}

int vindex_put(struct verdict_index *vi, const struct dw_verdict_key *key, const char *name,
	       struct dw_verdict_key *evicted)
{
	struct vi_entry **pp = find_slot(vi, key), *e;
	size_t len = strnlen(name, DW_NAME_MAX * 4 + 1);
	int pushed = 0;

	if (len > DW_NAME_MAX * 4) {
		pr_warn("verdict index: name of %zu+ characters not recorded", len);
		return -EINVAL;
	}
	if (*pp) {
		/* The digest covers the name: a present key already has this name. */
		list_unlink(vi, *pp);
		list_append(vi, *pp);
		return 0;
	}
	if (vi->n == vi->cap) {
		*evicted = vi->oldest->key;
		remove_at(vi, find_slot(vi, &vi->oldest->key));
		pushed = 1;
		pp = find_slot(vi, key); /* the chain may have changed */
	}
	e = malloc(sizeof(*e) + len + 1);
	if (!e) {
		pr_err("verdict index: out of memory recording %s", name);
		return -ENOMEM;
	}
	e->key = *key;
	e->hnext = NULL;
	memcpy(e->name, name, len + 1);
	*pp = e;
	list_append(vi, e);
	vi->n++;
	return pushed;
}

bool vindex_contains(const struct verdict_index *vi, const struct dw_verdict_key *key)
{
	return *find_slot(vi, key) != NULL;
}

unsigned vindex_take(struct verdict_index *vi, const char *name, vindex_key_cb cb, void *ctx)
{
	struct vi_entry *e = vi->oldest, *next;
	unsigned n = 0;

	for (; e; e = next) {
		next = e->newer;
		if (!config_name_within(e->name, name))
			continue;
		if (cb)
			cb(&e->key, ctx);
		remove_at(vi, find_slot(vi, &e->key));
		n++;
	}
	return n;
}

void vindex_clear(struct verdict_index *vi)
{
	struct vi_entry *e, *next;

	for (e = vi->oldest; e; e = next) {
		next = e->newer;
		free(e);
	}
	memset(vi->buckets, 0, (vi->mask + 1) * sizeof(*vi->buckets));
	vi->oldest = vi->newest = NULL;
	vi->n = 0;
}

void vindex_free(struct verdict_index *vi)
{
	if (!vi)
		return;
	vindex_clear(vi);
	free(vi->buckets);
	free(vi);
}

unsigned vindex_count(const struct verdict_index *vi)
{
	return vi ? vi->n : 0;
}
