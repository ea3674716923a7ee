// SPDX-License-Identifier: BSD-2-Clause
/*
 * loader.c: the data-plane object's life. Maps are pinned by name under
 * cfg.pin_path and reused when present, so a restart keeps cached verdicts and
 * the digest key (a new key would make every cached verdict miss).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/array.h"
#include "common/fs.h"
#include "dnsward.h"
#include "dnsward.skel.h"
#include "daemon/load_diag.h"
#include "daemon/loader.h"
#include "daemon/port_maps.h"
#include "common/log.h"
#include "common/pkt_digest.h"
#include "daemon/test_reject_prog.h"

#define PROG_PIN_XDP   "dnsward_prog_xdp"
#define PROG_PIN_TC    "dnsward_prog_tc"
#define PROG_PIN_QUERY "dnsward_prog_tc_query"

/* The query hook: only prefetch needs it, so the data plane runs without it. */
#define PROG_QUERY "dnsward_tc_query"

static int map_fd(struct loader *ld, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(ld->skel->obj, name);

	if (!m) {
		pr_warn("loader: the data-plane object has no map %s", name);
		return -1;
	}
	return bpf_map__fd(m);
}

static int prog_fd(struct loader *ld, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(ld->skel->obj, name);

	return p ? bpf_program__fd(p) : -1;
}

/* Replace an existing program pin: the attached program keeps running either way. */
static int pin_prog(struct loader *ld, const char *prog_name, const char *pin_name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(ld->skel->obj, prog_name);
	char path[PATH_MAX];
	int err;

	if (!p)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", ld->pin_path, pin_name);
	unlink(path);
	err = bpf_program__pin(p, path);
	if (err)
		pr_err("loader: pin %s at %s: %s", prog_name, path, strerror(-err));
	return err;
}

static bool verdicts_pinned(const char *pin_path)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_path, DW_MAP_VERDICTS);
	return access(path, F_OK) == 0;
}

/* Keep the install's digest key; only a config slot with no key gets a fresh one. */
static int ensure_digest_key(struct loader *ld)
{
	struct dw_datapath_cfg dc = {0};
	__u32 zero = 0;

	if (ld->fd_config < 0)
		return 0;
	if (bpf_map_lookup_elem(ld->fd_config, &zero, &dc)) {
		pr_err("loader: read %s: %s", DW_MAP_CONFIG, strerror(errno));
		return -errno;
	}
	if (!dc.digest_key[0] && !dc.digest_key[1]) {
		if (getrandom(dc.digest_key, sizeof(dc.digest_key), 0) != sizeof(dc.digest_key)) {
			pr_err("loader: getrandom for the digest key: %s", strerror(errno));
			return -EIO;
		}
		if (bpf_map_update_elem(ld->fd_config, &zero, &dc, BPF_ANY)) {
			pr_err("loader: write %s: %s", DW_MAP_CONFIG, strerror(errno));
			return -errno;
		}
		pr_info("generated a new verdict digest key");
	}
	memcpy(ld->digest_key, dc.digest_key, sizeof(ld->digest_key));
	return 0;
}

static void collect_fds(struct loader *ld)
{
	ld->fd_verdicts = map_fd(ld, DW_MAP_VERDICTS);
	ld->fd_zones = map_fd(ld, DW_MAP_ZONES);
	ld->fd_config = map_fd(ld, DW_MAP_CONFIG);
	ld->fd_heartbeat = map_fd(ld, DW_MAP_HEARTBEAT);
	ld->fd_counters = map_fd(ld, DW_MAP_COUNTERS);
	ld->fd_punts = map_fd(ld, DW_MAP_PUNTS);
	ld->fd_resolvers = map_fd(ld, DW_MAP_RESOLVERS);
	ld->fd_release_proofs = map_fd(ld, DW_MAP_RELEASE_PROOFS);
	ld->fd_ports = map_fd(ld, DW_MAP_PORTS);
	ld->fd_encdns_addrs = map_fd(ld, DW_MAP_ENCDNS_ADDRS);
	ld->fd_proven = map_fd(ld, DW_MAP_PROVEN);
	ld->fd_punt_budget = map_fd(ld, DW_MAP_PUNT_BUDGET);
	ld->fd_punt_dests = map_fd(ld, DW_MAP_PUNT_DESTS);
	ld->fd_tcp_flows = map_fd(ld, DW_MAP_TCP_FLOWS);
	ld->fd_tcp_pflows = map_fd(ld, DW_MAP_TCP_PFLOWS);
	ld->prog_xdp = prog_fd(ld, "dnsward_xdp");
	ld->prog_tc = prog_fd(ld, "dnsward_tc");
	ld->prog_query = prog_fd(ld, PROG_QUERY);
}

/*
 * Where the whole verifier log of a program that did not load goes: the
 * daemon's run-time directory, the control socket's (/run/dnsward by default).
 */
static void verifier_log_dir(const struct dw_config *cfg, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", cfg->control_socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	else
		snprintf(dir, len, "/run/dnsward");
}

/*
 * Open and load the object, with or without the query hook. When a program
 * is refused, f names it (f->prog "" otherwise) and libbpf's lines restating
 * that are left to the debug level: the caller reports it. Returns 0 or -errno.
 */
static int load_object(struct loader *ld, bool with_query_hook, char *logs, struct load_failure *f)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = ld->pin_path);
	struct bpf_program *query;
	int err;

	f->prog[0] = '\0';
	ld->skel = dnsward__open_opts(&opts);
	if (!ld->skel) {
		err = -errno;
		pr_err("loader: open the data-plane object: %s", strerror(errno));
		return err ? err : -EINVAL;
	}
	err = load_diag_prepare(ld->skel->obj, logs);
	query = bpf_object__find_program_by_name(ld->skel->obj, PROG_QUERY);
	if (!err && !with_query_hook && query) {
		err = bpf_program__set_autoload(query, false);
		if (err)
			pr_err("loader: leave %s out of the load: %s", PROG_QUERY, strerror(-err));
	}
	if (!err) {
		log_libbpf_hold();
		err = dnsward__load(ld->skel);
		if (err && load_diag_find(ld->skel->obj, logs, err, f))
			log_libbpf_release(load_diag_quiet(f));
		else
			log_libbpf_release(NULL);
		if (err && !f->prog[0])
			pr_err("loader: load the data-plane object (pins under %s): %s",
			       ld->pin_path, strerror(-err));
	}
	if (err) {
		dnsward__destroy(ld->skel);
		ld->skel = NULL;
	}
	return err;
}

/*
 * Load the data plane. A refused dnsward_xdp or dnsward_tc stops the start
 * with the report; a refused query hook only turns prefetch off: the object
 * is opened again without it (a libbpf object loads once) and loaded.
 */
static int load_data_plane(struct loader *ld, const struct dw_config *cfg)
{
	char *logs = malloc((size_t)LOAD_DIAG_PROGS_MAX * LOAD_DIAG_LOG_SIZE), dir[CFG_PATH_LEN];
	struct load_failure f;
	int err;

	if (!logs) {
		pr_err("loader: no memory for the programs' verifier logs");
		return -ENOMEM;
	}
	verifier_log_dir(cfg, dir, sizeof(dir));
	err = load_object(ld, true, logs, &f);
	if (err && !strcmp(f.prog, PROG_QUERY)) {
		load_diag_explain(&f, dir);
		load_diag_report(&f, LOG_WARN,
				 "running without the query hook " PROG_QUERY ": prefetch is off; "
				 "replies are validated and enforced as before");
		load_diag_summary(&f, ld->query_hook_off, sizeof(ld->query_hook_off));
		err = load_object(ld, false, logs, &f);
	}
	if (err && f.prog[0]) {
		load_diag_explain(&f, dir);
		load_diag_report(&f, LOG_ERROR,
				 "the data plane cannot enforce without it: stopping");
	}
	free(logs);
	return err;
}

int loader_open(struct loader *ld, const struct dw_config *cfg)
{
	char query_pin[PATH_MAX], failed[PATH_MAX];
	int err;

	memset(ld, 0, sizeof(*ld));
	snprintf(ld->pin_path, sizeof(ld->pin_path), "%s",
		 cfg->pin_path[0] ? cfg->pin_path : DW_DEFAULT_PIN_PATH);
	err = mkdir_p(ld->pin_path, 0700, failed, sizeof(failed));
	if (err) {
		pr_err("loader: cannot create %s for %s: %s", failed, ld->pin_path, strerror(-err));
		return err;
	}
	ld->reused_maps = verdicts_pinned(ld->pin_path);
	err = test_reject_prog_arm();
	if (!err)
		err = load_data_plane(ld, cfg);
	if (err) {
		/* The pin directory this start made goes (only an empty one can). */
		if (!ld->reused_maps)
			rmdir(ld->pin_path);
		return err;
	}
	collect_fds(ld);
	if (ld->prog_query < 0 && !ld->query_hook_off[0])
		snprintf(ld->query_hook_off, sizeof(ld->query_hook_off),
			 "the data-plane object has no %s", PROG_QUERY);
	err = ensure_digest_key(ld);
	if (err)
		goto out;
	err = pin_prog(ld, "dnsward_xdp", PROG_PIN_XDP);
	if (!err)
		err = pin_prog(ld, "dnsward_tc", PROG_PIN_TC);
	if (!err && ld->prog_query >= 0) {
		err = pin_prog(ld, PROG_QUERY, PROG_PIN_QUERY);
	} else if (!err) {
		/* An earlier run's query hook is not this data plane's. */
		snprintf(query_pin, sizeof(query_pin), "%s/%s", ld->pin_path, PROG_PIN_QUERY);
		if (unlink(query_pin) < 0 && errno != ENOENT)
			pr_warn("loader: unpin %s: %s", query_pin, strerror(errno));
	}
	if (err)
		goto out;
	pr_info("data plane loaded, pins under %s (%s)", ld->pin_path,
		ld->reused_maps ? "maps reused" : "new maps");
	return 0;
out:
	dnsward__destroy(ld->skel);
	ld->skel = NULL;
	return err;
}

static void unpin_all(struct loader *ld)
{
	static const char *const pins[] = {
	    PROG_PIN_XDP,	   PROG_PIN_TC,		  PROG_PIN_QUERY,     DW_MAP_VERDICTS,
	    DW_MAP_ZONES,	   DW_MAP_CONFIG,	  DW_MAP_HEARTBEAT,   DW_MAP_COUNTERS,
	    DW_MAP_PUNTS,	   DW_MAP_RESOLVERS,	  DW_MAP_PUNT_RATE,   DW_MAP_TCP_FLOWS,
	    DW_MAP_RELEASE_PROOFS, DW_MAP_QUERIES,	  DW_MAP_QUERY_LINKS, DW_MAP_PORTS,
	    DW_MAP_ENCDNS_ADDRS,   DW_MAP_ENCDNS_CLIENTS, DW_MAP_TCP_PFLOWS,  DW_MAP_PROVEN,
	    DW_MAP_PUNT_BUDGET,	   DW_MAP_PUNT_DESTS,	  DW_MAP_TCP_SYNS};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pins); i++) {
		snprintf(path, sizeof(path), "%s/%s", ld->pin_path, pins[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			pr_warn("loader: unpin %s: %s", path, strerror(errno));
	}
	if (rmdir(ld->pin_path) < 0 && errno != ENOENT)
		pr_warn("loader: remove %s: %s", ld->pin_path, strerror(errno));
}

void loader_close(struct loader *ld, bool unpin)
{
	if (!ld->skel)
		return;
	if (unpin)
		unpin_all(ld);
	dnsward__destroy(ld->skel);
	ld->skel = NULL;
}

static int write_zones(struct loader *ld, const struct dw_config *cfg)
{
	struct dw_zone_key zk, next;
	int i, err;

	for (i = 0; i < cfg->n_zones; i++) {
		const struct cfg_zone *z = &cfg->zones[i];
		struct dw_zone v = {
		    .zone_id = i,
		    .mode = z->mode == CFG_MODE_MONITOR ? DW_MODE_MONITOR : DW_MODE_ENFORCE,
		    .failure = z->failure == CFG_FAIL_OPEN ? DW_FAIL_OPEN : DW_FAIL_CLOSED,
		    .require = z->require == CFG_REQUIRE_NOT_BOGUS ? DW_REQUIRE_NOT_BOGUS
								   : DW_REQUIRE_SECURE};

		if (pkt_zone_key(z->name, &zk)) {
			pr_err("loader: zone name %s cannot be a map key", z->name);
			return -EINVAL;
		}
		if (bpf_map_update_elem(ld->fd_zones, &zk, &v, BPF_ANY)) {
			err = -errno;
			pr_err("loader: write zone %s: %s", z->name, strerror(errno));
			return err;
		}
	}
	/* Then remove zones the new policy no longer has (bounded by the map's size). */
	for (i = 0; i < DW_ZONES_MAX * 2; i++) {
		struct dw_zone_key cand;
		bool keep = false;
		int k;

		if (bpf_map_get_next_key(ld->fd_zones, i ? &zk : NULL, &next))
			break;
		zk = next;
		for (k = 0; k < cfg->n_zones && !keep; k++)
			keep = !pkt_zone_key(cfg->zones[k].name, &cand) &&
			       cand.prefixlen == next.prefixlen &&
			       !memcmp(cand.name, next.name, sizeof(cand.name));
		if (!keep && !bpf_map_delete_elem(ld->fd_zones, &next))
			i = -1; /* deleting restarts the walk: LPM tries have no stable order */
	}
	return 0;
}

static int addr_key(const struct sockaddr_storage *ss, struct dw_addr_key *k)
{
	memset(k, 0, sizeof(*k));
	if (ss->ss_family == AF_INET) {
		k->family = AF_INET;
		memcpy(k->addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		k->family = AF_INET6;
		memcpy(k->addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/*
 * The allowlist as the data plane sees it: the configured resolvers plus the
 * validator's own upstreams, whose replies must reach the daemon (it believes
 * nothing they say before DNSSEC proves it).
 */
static int allowed_addrs(const struct dw_config *cfg, struct dw_addr_key *out, int max)
{
	int i, n = 0;

	for (i = 0; i < cfg->n_resolvers && n < max; i++)
		if (!addr_key(&cfg->resolvers[i], &out[n]))
			n++;
	for (i = 0; i < cfg->n_upstreams && n < max && cfg->n_resolvers; i++)
		if (!addr_key(&cfg->upstreams[i].addr, &out[n]))
			n++;
	return n;
}

static int write_resolvers(struct loader *ld, const struct dw_config *cfg)
{
	struct dw_addr_key want[DW_RESOLVERS_MAX], k, next;
	int n = allowed_addrs(cfg, want, DW_RESOLVERS_MAX), i, err;
	__u8 one = 1;

	if (ld->fd_resolvers < 0)
		return n ? -EOPNOTSUPP : 0;
	for (i = 0; i < n; i++) {
		if (bpf_map_update_elem(ld->fd_resolvers, &want[i], &one, BPF_ANY)) {
			err = -errno;
			pr_err("loader: write resolver %d of the allowlist: %s", i,
			       strerror(errno));
			return err;
		}
	}
	for (i = 0; i < DW_RESOLVERS_MAX * 2; i++) {
		bool keep = false;
		int j;

		if (bpf_map_get_next_key(ld->fd_resolvers, i ? &k : NULL, &next))
			break;
		k = next;
		for (j = 0; j < n && !keep; j++)
			keep = !memcmp(&want[j], &next, sizeof(next));
		if (!keep && !bpf_map_delete_elem(ld->fd_resolvers, &next))
			i = -1;
	}
	return 0;
}

static int write_datapath_cfg(struct loader *ld, const struct dw_config *cfg, bool enabled)
{
	struct dw_datapath_cfg dc = {0}, old = {0};
	__u32 zero = 0;

	if (ld->fd_config < 0)
		return 0;
	/* A new policy (zones, modes) makes every remembered message suspect. */
	if (bpf_map_lookup_elem(ld->fd_config, &zero, &old)) {
		int err = -errno;

		pr_err("loader: read %s: %s", DW_MAP_CONFIG, strerror(errno));
		return err;
	}
	dc.memo_gen = old.memo_gen + 1;
	memcpy(dc.digest_key, ld->digest_key, sizeof(dc.digest_key));
	dc.heartbeat_timeout_ns = (uint64_t)cfg->limits.heartbeat_timeout_ms * 1000000ull;
	dc.punt_rate = cfg->limits.punt_rate == CFG_PUNT_RATE_AUTO ? 0 : cfg->limits.punt_rate;
	dc.punt_burst = cfg->limits.punt_burst;
	dc.dns_port = cfg->dns_port ? cfg->dns_port : 53;
	dc.resolver_allowlist = cfg->n_resolvers > 0;
	dc.enabled = enabled ? DW_CFG_ENABLED | (cfg->prefetch ? 0 : DW_CFG_NO_PREFETCH) : 0;
	if (enabled && cfg->encrypted_dns.on)
		dc.enabled |=
		    DW_CFG_ENCDNS |
		    (cfg->encrypted_dns.action == CFG_ENCDNS_DROP ? DW_CFG_ENCDNS_DROP : 0);
	if (bpf_map_update_elem(ld->fd_config, &zero, &dc, BPF_ANY)) {
		int err = -errno;

		pr_err("loader: write %s: %s", DW_MAP_CONFIG, strerror(errno));
		return err;
	}
	return 0;
}

int loader_apply_policy(struct loader *ld, const struct dw_config *cfg)
{
	int err;

	if (ld->fd_zones < 0) {
		pr_err("loader: the data plane has no zones map; cannot protect anything");
		return -EOPNOTSUPP;
	}
	err = write_zones(ld, cfg);
	if (!err)
		err = write_resolvers(ld, cfg);
	if (!err)
		err = port_map_write(ld->fd_ports, cfg);
	if (!err)
		err = encdns_map_write(ld->fd_encdns_addrs, cfg);
	if (!err)
		err = write_datapath_cfg(ld, cfg, true);
	return err;
}

int loader_disable(struct loader *ld)
{
	struct dw_datapath_cfg dc = {0};
	__u32 zero = 0;

	if (ld->fd_config < 0 || bpf_map_lookup_elem(ld->fd_config, &zero, &dc))
		return -ENOENT;
	dc.enabled = 0;
	return bpf_map_update_elem(ld->fd_config, &zero, &dc, BPF_ANY) ? -errno : 0;
}
