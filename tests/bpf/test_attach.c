// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_attach.c: both programs attach on this kernel: XDP in native (driver)
 * mode on a veth, and tc on clsact ingress and egress, inside a network
 * namespace the test creates (a veth pair with 192.0.2.1/2) and removes.
 * A protected DNS reply sent over the pair is then held by the attached
 * program (a real packet, not BPF_PROG_RUN), and an unprotected one passes.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>

#include "harness.h"
#include "bpf/dp_packets.h"
#include "bpf/dp_env.h"

static struct dp_env env;
static char ns[64], ns2[64];
static int host_ns = -1;

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
	return system(cmd);
}

static int enter_ns(const char *name)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

/* Sends a DNS reply from 192.0.2.1:53 to 192.0.2.2 over the pair. */
static int send_reply(const char *qname)
{
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons(53)};
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(40000)};
	struct dp_buf m;
	int fd, rc;

	inet_pton(AF_INET, "192.0.2.1", &src.sin_addr);
	inet_pton(AF_INET, "192.0.2.2", &dst.sin_addr);
	dp_reply_a(&m, qname, 1, 300, 0xc0000201);
	if (enter_ns(ns))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	rc = bind(fd, (struct sockaddr *)&src, sizeof(src));
	if (!rc)
		rc = sendto(fd, m.b, m.n, 0, (struct sockaddr *)&dst, sizeof(dst)) == (ssize_t)m.n
			 ? 0
			 : -1;
	close(fd);
	usleep(100000); /* veth delivers in softirq; let it run */
	return rc;
}

static void test_xdp_native_on_veth(void)
{
	int ifb, err;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint64_t held;

	CHECK_EQ_INT(enter_ns(ns2), 0);
	ifb = if_nametoindex("dwb");
	CHECK(ifb > 0);
	err = bpf_xdp_attach(ifb, env.xdp, XDP_FLAGS_DRV_MODE, NULL);
	CHECK_EQ_INT(err, 0);
	if (err)
		return;
	CHECK_EQ_INT(bpf_xdp_query(ifb, XDP_FLAGS_DRV_MODE, &q), 0);
	CHECK_EQ_INT(q.attach_mode, XDP_ATTACHED_DRV);
	CHECK(q.prog_id != 0);
	held = dp_counter(&env, DW_CNT_HELD);
	CHECK_EQ_INT(send_reply("www.idp.test"), 0);
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_HELD), held + 1);
	CHECK_EQ_INT(dp_drain(&env), 1);
	CHECK_EQ_INT(env.last.hook, DW_HOOK_XDP);
	CHECK_EQ_INT(env.last.ifindex, ifb);
	held = dp_counter(&env, DW_CNT_NOT_PROTECTED);
	CHECK_EQ_INT(send_reply("www.example.test"), 0);
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_NOT_PROTECTED), held + 1);
	CHECK_EQ_INT(enter_ns(ns2), 0);
	CHECK_EQ_INT(bpf_xdp_detach(ifb, XDP_FLAGS_DRV_MODE, NULL), 0);
}

static void test_tc_clsact(void)
{
	int ifa = enter_ns(ns) ? 0 : (int)if_nametoindex("dwa"), err;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifa,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, eg, .prog_fd = env.tc);
	LIBBPF_OPTS(bpf_tc_opts, in, .prog_fd = env.tc);
	uint64_t held;

	CHECK(ifa > 0);
	err = bpf_tc_hook_create(&hook);
	CHECK(err == 0 || err == -EEXIST);
	hook.attach_point = BPF_TC_EGRESS;
	CHECK_EQ_INT(bpf_tc_attach(&hook, &eg), 0);
	hook.attach_point = BPF_TC_INGRESS;
	CHECK_EQ_INT(bpf_tc_attach(&hook, &in), 0);
	/* The reply leaves dwa: tc egress holds it. */
	held = dp_counter(&env, DW_CNT_HELD);
	CHECK_EQ_INT(send_reply("www.idp.test"), 0);
	CHECK_EQ_INT(dp_counter(&env, DW_CNT_HELD), held + 1);
	CHECK_EQ_INT(dp_drain(&env), 1);
	CHECK_EQ_INT(env.last.hook, DW_HOOK_TC_EGRESS);
	CHECK_EQ_INT(env.last.ifindex, ifa);
	hook.attach_point = BPF_TC_EGRESS;
	eg.prog_fd = eg.prog_id = eg.flags = 0;
	CHECK_EQ_INT(bpf_tc_detach(&hook, &eg), 0);
	hook.attach_point = BPF_TC_INGRESS;
	in.prog_fd = in.prog_id = in.flags = 0;
	CHECK_EQ_INT(bpf_tc_detach(&hook, &in), 0);
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
}

int main(void)
{
	int err;

	snprintf(ns, sizeof(ns), "dw-attach-%d", (int)getpid());
	snprintf(ns2, sizeof(ns2), "dw-attach-%d-b", (int)getpid());
	if (sh("ip netns add %s && ip netns add %s-b && ip -n %s link add dwa type veth peer "
	       "name dwb netns %s-b",
	       ns) ||
	    sh("ip -n %s addr add 192.0.2.1/24 dev dwa && ip -n %s-b addr add 192.0.2.2/24 dev "
	       "dwb && ip -n %s link set dwa up && ip -n %s-b link set dwb up",
	       ns)) {
		printf("FAIL setup: cannot create namespaces %s and %s\n", ns, ns2);
		sh("ip netns del %s 2>/dev/null; ip netns del %s-b 2>/dev/null", ns);
		return 1;
	}
	host_ns = open("/proc/self/ns/net", O_RDONLY);
	err = dp_env_open(&env);
	if (err || enter_ns(ns)) {
		printf("FAIL setup: load (%d) or enter namespace\n", err);
	} else {
		/* The pair may need a moment to come up (DAD is off for IPv4). */
		usleep(200000);
		RUN_TEST(test_xdp_native_on_veth);
		RUN_TEST(test_tc_clsact);
		if (setns(host_ns, CLONE_NEWNET))
			printf("FAIL return to the host namespace\n");
	}
	dp_env_close(&env);
	close(host_ns);
	sh("ip netns del %s; ip netns del %s-b", ns);
	HARNESS_EXIT();
}
