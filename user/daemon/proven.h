/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * proven.h: the questions with a live proven answer, written into the data
 * plane's dnsward_proven map so the query hook sends them no prefetch
 * (bpf/lib/query.bpf.h). The map is a hint for prefetch only: a wrong or
 * missing entry costs a prefetch, never a judgement.
 */
#ifndef DW_PROVEN_H
#define DW_PROVEN_H

#include <stddef.h>
#include <stdint.h>

#include "dnsward.h"

/*
 * The question of msg (a DNS message, its question as the workload sent it:
 * a held reply echoes its query's) in the map's key form. Returns 0, or
 * -EINVAL when the question is missing, compressed or longer than a name.
 */
int proven_question(const uint8_t *msg, size_t len, struct dw_question_wire *q);
/* Record q as proven for ttl_s seconds (0 writes nothing). Returns 0 or -errno. */
int proven_put(int map_fd, const struct dw_question_wire *q, uint32_t ttl_s);
/* Forget every proven question; returns how many went, or -errno. */
int proven_flush(int map_fd);

#endif
