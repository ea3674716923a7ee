/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loader.h: open the data-plane object with its maps pinned by name under the
 * configured pin path (reused across restarts), load and pin the programs, keep
 * the per-install digest key, and write the policy into the zones, resolvers
 * and config maps.
 */
#ifndef DW_LOADER_H
#define DW_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"

struct dnsward;

struct loader {
	struct dnsward *skel;
	char pin_path[CFG_PATH_LEN];
	bool reused_maps; /* the verdicts map existed before this start */
	uint64_t digest_key[2];
	/* -1 when the object lacks the map (a data plane without that feature) */
	int fd_verdicts, fd_zones, fd_config, fd_heartbeat, fd_counters, fd_punts, fd_resolvers;
	int fd_release_proofs;
	int fd_ports, fd_encdns_addrs;
	int fd_proven; /* questions the query hook sends no prefetch for */
	int fd_punt_budget, fd_punt_dests;
	int fd_tcp_flows, fd_tcp_pflows; /* moved past a released TCP message (tcp_reasm.h) */
	int prog_xdp, prog_tc;
	int prog_query; /* the query hook (prefetch); -1 when it is not loaded */
	char query_hook_off[PATH_MAX + 512]; /* why it is not loaded; "" when it is */
};

/*
 * Open, load (reusing pinned maps), pin programs, make sure a digest key
 * exists. A program the kernel refuses is reported in a few lines (program,
 * kernel, the verifier's last lines, the file with its whole log); without
 * the query hook the data plane still loads, and query_hook_off says why.
 */
int loader_open(struct loader *ld, const struct dw_config *cfg);
/* Free the object; with unpin, remove every pin this loader made or reused. */
void loader_close(struct loader *ld, bool unpin);

/*
 * Write cfg's zones, resolver allowlist and data-plane settings. Zones not in
 * cfg are removed after the new ones are in, so a zone kept by both policies
 * is never unprotected in between. Returns 0 or -errno.
 */
int loader_apply_policy(struct loader *ld, const struct dw_config *cfg);

/* Mark the data plane disabled (pass everything); used on a clean detach. */
int loader_disable(struct loader *ld);

#endif
