// SPDX-License-Identifier: BSD-2-Clause
/*
 * attach.c: programs onto links. Attaching replaces a previous dnsward
 * program in place (XDP without UPDATE_IF_NOEXIST, tc with BPF_TC_F_REPLACE on
 * our handle), so a restart never leaves a link unprotected in between.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dnsward.h"
#include "daemon/attach.h"
#include "common/log.h"

#define ATTACH_MAX 256
/* Our tc filter's identity on a clsact hook; replaced in place on restart. */
#define TC_HANDLE   0xd5a
#define TC_PRIORITY 1
/* The query hook's filter, on the other direction of the same link. */
#define TC_HANDLE_QUERY	  0xd5b
#define TC_PRIORITY_QUERY 2
/* Netlink messages handled per wakeup, so a link storm cannot starve the loop. */
#define NL_BATCH 64

struct att_entry {
	int ifindex;
	char ifname[IF_NAMESIZE];
	enum cfg_hook hook;
	enum cfg_direction dir;
	__u32 xdp_flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE as attached */
	bool pending;	 /* attached by attach_prepare, not yet committed */
	bool query;	 /* the query hook is attached too */
};

struct attach {
	struct cfg_iface ifaces[CFG_IFACES_MAX];
	int n_ifaces;
	int prog_xdp, prog_tc, prog_query;
	int fd_query_links; /* DW_MAP_QUERY_LINKS: links whose queries the query hook sees */
	int nl_fd;
	struct loop *loop;
	struct att_entry e[ATTACH_MAX];
	int n;
};

static bool iface_matches(const struct cfg_iface *ci, const char *ifname)
{
	if (ci->name[0])
		return !strcmp(ci->name, ifname);
	return ci->pattern[0] && fnmatch(ci->pattern, ifname, 0) == 0;
}

static struct att_entry *find_entry(struct attach *a, int ifindex, enum cfg_hook hook,
				    enum cfg_direction dir)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (a->e[i].ifindex == ifindex && a->e[i].hook == hook &&
		    (hook == CFG_HOOK_XDP || a->e[i].dir == dir))
			return &a->e[i];
	return NULL;
}

static int xdp_attach(struct attach *a, int ifindex, const char *ifname, enum cfg_xdp_mode mode,
		      __u32 *flags)
{
	int err = -EINVAL;

	if (mode != CFG_XDP_GENERIC) {
		*flags = XDP_FLAGS_DRV_MODE;
		err = bpf_xdp_attach(ifindex, a->prog_xdp, *flags, NULL);
		if (!err || mode == CFG_XDP_NATIVE)
			goto out;
		pr_info("attach: native XDP on %s failed (%s), using generic", ifname,
			strerror(-err));
	}
	*flags = XDP_FLAGS_SKB_MODE;
	err = bpf_xdp_attach(ifindex, a->prog_xdp, *flags, NULL);
out:
	if (err)
		pr_err("attach: XDP on %s: %s", ifname, strerror(-err));
	return err;
}

static int tc_attach_prog(int prog, __u32 handle, __u32 prio, int ifindex, const char *ifname,
			  enum cfg_direction dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = dir == CFG_DIR_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio, .prog_fd = prog,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_err("attach: clsact on %s: %s", ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_err("attach: tc %s on %s: %s", dir == CFG_DIR_EGRESS ? "egress" : "ingress",
		       ifname, strerror(-err));
	return err;
}

static int tc_attach(struct attach *a, int ifindex, const char *ifname, enum cfg_direction dir)
{
	return tc_attach_prog(a->prog_tc, TC_HANDLE, TC_PRIORITY, ifindex, ifname, dir);
}

/*
 * Where a reply hook's queries flow: out of the uplink whose replies XDP (or
 * tc ingress) sees, into the host from a pod veth whose replies tc egress sees.
 */
static enum cfg_direction query_dir(const struct att_entry *e)
{
	if (e->hook == CFG_HOOK_TC && e->dir == CFG_DIR_EGRESS)
		return CFG_DIR_INGRESS;
	return CFG_DIR_EGRESS;
}

/*
 * A link's replies count as unsolicited when they answer no remembered query
 * only while its query hook runs: the map follows the attachments.
 */
static void query_link_mark(struct attach *a, int ifindex, bool on)
{
	__u32 key = (__u32)ifindex;
	__u8 one = 1;
	int err;

	if (a->fd_query_links < 0)
		return;
	err = on ? bpf_map_update_elem(a->fd_query_links, &key, &one, BPF_ANY)
		 : bpf_map_delete_elem(a->fd_query_links, &key);
	if (err && !(!on && errno == ENOENT))
		pr_warn("attach: %s ifindex %d in %s: %s", on ? "add" : "remove", ifindex,
			DW_MAP_QUERY_LINKS, strerror(errno));
}

/*
 * The query hook next to e's reply hook. Only an optimisation: a failure is
 * logged and the reply hook enforces as before.
 */
static void query_attach(struct attach *a, struct att_entry *e)
{
	enum cfg_direction dir = query_dir(e);

	if (e->query || a->prog_query < 0)
		return;
	if (tc_attach_prog(a->prog_query, TC_HANDLE_QUERY, TC_PRIORITY_QUERY, e->ifindex, e->ifname,
			   dir)) {
		pr_warn("attach: no query hook on %s: no prefetch, and its replies are not checked "
			"against the queries",
			e->ifname);
		return;
	}
	e->query = true;
	query_link_mark(a, e->ifindex, true);
	pr_info("attached the query hook to %s (%s)", e->ifname,
		dir == CFG_DIR_EGRESS ? "egress" : "ingress");
}

/* Another entry of the same link keeps a query hook on the same direction. */
static bool query_shared(const struct attach *a, const struct att_entry *e)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (&a->e[i] != e && a->e[i].query && a->e[i].ifindex == e->ifindex &&
		    query_dir(&a->e[i]) == query_dir(e))
			return true;
	return false;
}

static void query_detach(struct attach *a, struct att_entry *e)
{
	enum cfg_direction dir = query_dir(e);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = e->ifindex,
		    .attach_point = dir == CFG_DIR_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE_QUERY, .priority = TC_PRIORITY_QUERY);
	int err;

	if (!e->query)
		return;
	e->query = false;
	if (query_shared(a, e))
		return;
	query_link_mark(a, e->ifindex, false);
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENODEV && err != -ENOENT)
		pr_warn("attach: detach the query hook from %s: %s", e->ifname, strerror(-err));
}

/* Attach ci's hook to one link unless it is there already. Returns 0 or -errno. */
static int attach_link_one(struct attach *a, int ifindex, const char *ifname,
			   const struct cfg_iface *ci, bool pending)
{
	struct att_entry ne = {
	    .ifindex = ifindex, .hook = ci->hook, .dir = ci->direction, .pending = pending};
	int err;

	if (find_entry(a, ifindex, ci->hook, ci->direction))
		return 0;
	if (a->n == ATTACH_MAX) {
		pr_err("attach: more than %d attachments, %s left unattached", ATTACH_MAX, ifname);
		return -ENOSPC;
	}
	snprintf(ne.ifname, sizeof(ne.ifname), "%s", ifname);
	if (ci->hook == CFG_HOOK_XDP)
		err = xdp_attach(a, ifindex, ifname, ci->xdp_mode, &ne.xdp_flags);
	else
		err = tc_attach(a, ifindex, ifname, ci->direction);
	if (err)
		return err;
	a->e[a->n++] = ne;
	if (a->prog_query >= 0) {
		query_attach(a, &a->e[a->n - 1]);
	} else {
		/*
		 * This run has no query hook: one a previous run left goes, or it
		 * would go on with a program of another run.
		 */
		a->e[a->n - 1].query = true;
		query_detach(a, &a->e[a->n - 1]);
	}
	pr_info("attached %s to %s%s", ci->hook == CFG_HOOK_XDP ? "XDP" : "tc", ifname,
		ci->hook == CFG_HOOK_XDP
		    ? (ne.xdp_flags == XDP_FLAGS_DRV_MODE ? " (native)" : " (generic)")
		    : (ci->direction == CFG_DIR_EGRESS ? " (egress)" : " (ingress)"));
	return 0;
}

static void attach_link(struct attach *a, int ifindex, const char *ifname)
{
	int i;

	for (i = 0; i < a->n_ifaces; i++)
		if (iface_matches(&a->ifaces[i], ifname))
			attach_link_one(a, ifindex, ifname, &a->ifaces[i], false);
}

static void scan_links(struct attach *a)
{
	struct if_nameindex *ifs = if_nameindex(), *p;

	if (!ifs) {
		pr_err("attach: list links: %s", strerror(errno));
		return;
	}
	for (p = ifs; p->if_index; p++)
		attach_link(a, p->if_index, p->if_name);
	if_freenameindex(ifs);
}

static void forget_link(struct attach *a, int ifindex)
{
	int i;

	for (i = 0; i < a->n;) {
		if (a->e[i].ifindex == ifindex) {
			pr_info("link %s went away", a->e[i].ifname);
			a->e[i] = a->e[--a->n];
			continue;
		}
		i++;
	}
}

static void handle_link_msg(struct attach *a, struct nlmsghdr *nh)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct rtattr *rta = IFLA_RTA(ifi);
	char name[IF_NAMESIZE] = "";

	if (len < 0)
		return;
	if (nh->nlmsg_type == RTM_DELLINK) {
		forget_link(a, ifi->ifi_index);
		return;
	}
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type != IFLA_IFNAME || n == 0)
			continue;
		if (n > sizeof(name))
			n = sizeof(name);
		memcpy(name, RTA_DATA(rta), n);
		name[sizeof(name) - 1] = '\0';
	}
	if (name[0])
		attach_link(a, ifi->ifi_index, name);
}

static void on_netlink(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct attach *a = ctx;
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int round;

	for (round = 0; round < NL_BATCH; round++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Lost messages: a rescan finds whatever appeared meanwhile. */
				pr_warn("attach: netlink overflow, rescanning links");
				scan_links(a);
				continue;
			}
			return;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n))
			if (nh->nlmsg_type == RTM_NEWLINK || nh->nlmsg_type == RTM_DELLINK)
				handle_link_msg(a, nh);
	}
}

static int netlink_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		pr_err("attach: netlink socket: %s", strerror(errno));
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		pr_err("attach: bind netlink to link events: %s", strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

static void copy_ifaces(struct attach *a, const struct dw_config *cfg)
{
	a->n_ifaces = cfg->n_ifaces > CFG_IFACES_MAX ? CFG_IFACES_MAX : cfg->n_ifaces;
	memcpy(a->ifaces, cfg->ifaces, sizeof(a->ifaces[0]) * a->n_ifaces);
}

struct attach *attach_start(const struct dw_config *cfg, int prog_xdp, int prog_tc, struct loop *l)
{
	return attach_start_query(cfg, prog_xdp, prog_tc, -1, l);
}

/*
 * The pinned map of links with a query hook, emptied: the hooks this run
 * attaches fill it. -1 when it cannot be opened: no reply is then treated
 * as unsolicited.
 */
static int query_links_open(const struct dw_config *cfg)
{
	char path[PATH_MAX];
	__u32 key, next;
	int fd;

	snprintf(path, sizeof(path), "%s/%s",
		 cfg->pin_path[0] ? cfg->pin_path : DW_DEFAULT_PIN_PATH, DW_MAP_QUERY_LINKS);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		pr_warn("attach: open %s: %s (replies are not checked for a query)", path,
			strerror(errno));
		return -1;
	}
	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
	return fd;
}

struct attach *attach_start_query(const struct dw_config *cfg, int prog_xdp, int prog_tc,
				  int prog_query, struct loop *l)
{
	struct attach *a = calloc(1, sizeof(*a));

	if (!a) {
		pr_err("attach: out of memory");
		return NULL;
	}
	a->prog_xdp = prog_xdp;
	a->prog_tc = prog_tc;
	a->prog_query = prog_query;
	a->fd_query_links = query_links_open(cfg);
	a->loop = l;
	copy_ifaces(a, cfg);
	/* Subscribe first, then scan: a link appearing in between is seen by one or both. */
	a->nl_fd = netlink_open();
	if (a->nl_fd >= 0 && loop_add_fd(l, a->nl_fd, EPOLLIN, on_netlink, a)) {
		close(a->nl_fd);
		a->nl_fd = -1;
	}
	if (a->nl_fd < 0)
		pr_warn("attach: new links will not be followed");
	scan_links(a);
	return a;
}

static void detach_one(struct attach *a, struct att_entry *e)
{
	int err;

	query_detach(a, e);
	if (e->hook == CFG_HOOK_XDP) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = a->prog_xdp);

		err = bpf_xdp_attach(e->ifindex, -1, e->xdp_flags | XDP_FLAGS_REPLACE, &o);
	} else {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = e->ifindex,
			    .attach_point =
				e->dir == CFG_DIR_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);

		err = bpf_tc_detach(&hook, &opts);
	}
	if (err && err != -ENODEV && err != -ENOENT)
		pr_warn("attach: detach from %s: %s", e->ifname, strerror(-err));
	else
		pr_info("detached from %s", e->ifname);
}

/* Detach and forget every entry keep() refuses. */
static void detach_unless(struct attach *a,
			  bool (*keep)(const struct attach *, const struct att_entry *))
{
	int i;

	for (i = 0; i < a->n;) {
		if (keep(a, &a->e[i])) {
			i++;
			continue;
		}
		detach_one(a, &a->e[i]);
		a->e[i] = a->e[--a->n];
	}
}

static bool entry_configured(const struct attach *a, const struct att_entry *e)
{
	int i;

	for (i = 0; i < a->n_ifaces; i++) {
		const struct cfg_iface *ci = &a->ifaces[i];

		if (iface_matches(ci, e->ifname) && ci->hook == e->hook &&
		    (e->hook == CFG_HOOK_XDP || ci->direction == e->dir))
			return true;
	}
	return false;
}

static bool entry_committed(const struct attach *a, const struct att_entry *e)
{
	return !e->pending;
}

int attach_prepare(struct attach *a, const struct dw_config *next)
{
	struct if_nameindex *ifs = if_nameindex(), *p;
	int i, n = next->n_ifaces > CFG_IFACES_MAX ? CFG_IFACES_MAX : next->n_ifaces, err = 0;

	if (!ifs) {
		err = -errno;
		pr_err("attach: list links: %s", strerror(errno));
		return err;
	}
	for (p = ifs; p->if_index && !err; p++)
		for (i = 0; i < n && !err; i++)
			if (iface_matches(&next->ifaces[i], p->if_name))
				err = attach_link_one(a, p->if_index, p->if_name, &next->ifaces[i],
						      true);
	if_freenameindex(ifs);
	if (err)
		attach_abort(a);
	return err;
}

void attach_commit(struct attach *a, const struct dw_config *next)
{
	int i;

	copy_ifaces(a, next);
	for (i = 0; i < a->n; i++)
		a->e[i].pending = false;
	detach_unless(a, entry_configured);
}

void attach_abort(struct attach *a)
{
	detach_unless(a, entry_committed);
}

void attach_stop(struct attach *a, bool detach)
{
	int i;

	if (!a)
		return;
	if (a->nl_fd >= 0) {
		loop_del_fd(a->loop, a->nl_fd);
		close(a->nl_fd);
	}
	for (i = 0; detach && i < a->n; i++)
		detach_one(a, &a->e[i]);
	if (a->fd_query_links >= 0)
		close(a->fd_query_links);
	free(a);
}

void attach_write_status(const struct attach *a, FILE *out)
{
	int i;

	for (i = 0; i < a->n; i++) {
		const struct att_entry *e = &a->e[i];

		fprintf(out, "attached %s %s %s\n", e->ifname,
			e->hook == CFG_HOOK_XDP ? "xdp" : "tc",
			e->hook == CFG_HOOK_XDP
			    ? (e->xdp_flags == XDP_FLAGS_DRV_MODE ? "native" : "generic")
			    : (e->dir == CFG_DIR_EGRESS ? "egress" : "ingress"));
		if (e->query)
			fprintf(out, "query_hook %s tc %s\n", e->ifname,
				query_dir(e) == CFG_DIR_EGRESS ? "egress" : "ingress");
	}
}

int attach_count(const struct attach *a)
{
	return a ? a->n : 0;
}
