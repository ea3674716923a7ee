/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * attach.h: attach the data-plane programs to the configured interfaces (XDP
 * native or generic, tc clsact ingress or egress), by exact name or fnmatch
 * pattern, and follow links that appear later through rtnetlink.
 */
#ifndef DW_ATTACH_H
#define DW_ATTACH_H

#include <stdbool.h>
#include <stdio.h>

#include "common/config.h"
#include "common/loop.h"

struct attach;

/* Attach to every existing matching link and watch for new ones on l. NULL on failure. */
struct attach *attach_start(const struct dw_config *cfg, int prog_xdp, int prog_tc, struct loop *l);
/*
 * The same, with the query hook (prefetch): when cfg->prefetch is set, every
 * reply hook gets prog_query on the other tc direction of its link (tc egress
 * of an XDP or tc-ingress link, tc ingress of a tc-egress link). A query hook
 * that fails to attach is logged only. prog_query -1: the query hook is not
 * loaded; a query hook an earlier run left on a link is removed.
 */
struct attach *attach_start_query(const struct dw_config *cfg, int prog_xdp, int prog_tc,
				  int prog_query, struct loop *l);
/* Stop following links; with detach, remove our programs from every link first. */
void attach_stop(struct attach *a, bool detach);
/*
 * A new interface list, in two steps around the policy switch. attach_prepare
 * attaches to every existing link next matches that has no such attachment
 * yet (links the running list covers keep enforcing meanwhile); on a failure
 * it undoes its own attachments and returns -errno. attach_commit then takes
 * next's list (followed for new links from now on) and detaches every
 * attachment it no longer matches; attach_abort undoes attach_prepare.
 */
int attach_prepare(struct attach *a, const struct dw_config *next);
void attach_commit(struct attach *a, const struct dw_config *next);
void attach_abort(struct attach *a);
/* One line per attachment: "ifname hook mode". */
void attach_write_status(const struct attach *a, FILE *out);
int attach_count(const struct attach *a);

#endif
