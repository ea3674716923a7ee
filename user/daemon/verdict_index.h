/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verdict_index.h: which question name each verdict-map key was written for.
 * A verdict key is a digest and does not say its name, so the daemon records
 * the name of every verdict it writes here, bounded like the kernel map
 * (DW_VERDICTS_MAX): when the index is full, its oldest entry is pushed out
 * and the caller deletes that key from the kernel too, so every verdict the
 * kernel holds from this run stays findable by name. Loop thread only.
 */
#ifndef DW_VERDICT_INDEX_H
#define DW_VERDICT_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "dnsward.h"

struct verdict_index;

/* An index of at most cap entries (1..DW_VERDICTS_MAX); NULL when out of memory. */
struct verdict_index *vindex_new(unsigned cap);
void vindex_free(struct verdict_index *vi);

/*
 * Record key -> name (lower case, no trailing dot, as dns_question.h gives
 * it); a key already present becomes the newest. Returns 0, 1 when the oldest
 * entry was pushed out to make room (its key in *evicted), or -errno.
 */
int vindex_put(struct verdict_index *vi, const struct dw_verdict_key *key, const char *name,
	       struct dw_verdict_key *evicted);
bool vindex_contains(const struct verdict_index *vi, const struct dw_verdict_key *key);

typedef void (*vindex_key_cb)(const struct dw_verdict_key *key, void *ctx);
/* Remove every entry for name and the names below it, calling cb on each key; returns how many. */
unsigned vindex_take(struct verdict_index *vi, const char *name, vindex_key_cb cb, void *ctx);
void vindex_clear(struct verdict_index *vi);
unsigned vindex_count(const struct verdict_index *vi);

#endif
