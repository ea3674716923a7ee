// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_verifier_log.c: what the report of a refused program is made of: the
 * verifier's error line found under its statistics, the last lines, and the
 * file the whole log is kept in (created where asked, /tmp when that cannot
 * be written, a link planted at its name replaced rather than followed). Then
 * libbpf's warnings while a load runs: held, and on release either printed or,
 * when they restate a reported failure, left to the debug level, with libbpf
 * itself producing them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "common/log.h"
#include "daemon/verifier_log.h"

/* A level-1 log of a refused program, as this kernel writes it. */
static const char refused_log[] =
    "func#0 @0\n"
    "0: R1=ctx() R10=fp0\n"
    "0: (b7) r0 = 0                        ; R0=0\n"
    "1: (79) r0 = *(u64 *)(r0 +0)\n"
    "R0 invalid mem access 'scalar'\n"
    "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0\n";

/* A level-4 log of a program too complex: the error, then every statistics line. */
static const char too_large_log[] =
    "BPF program is too large. Processed 1000001 insn\n"
    "verification time 979162 usec\n"
    "stack depth 216+0+0\n"
    "processed 1000001 insns (limit 1000000) max_states_per_insn 28\n\n";

static char tmpdir[] = "/tmp/dw-test-verifier-log.XXXXXX";

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_reason_is_the_error_line_above_the_statistics(void)
{
	char reason[128];

	CHECK_EQ_INT(verifier_log_reason(refused_log, reason, sizeof(reason)), 1);
	CHECK_EQ_STR(reason, "R0 invalid mem access 'scalar'");
	CHECK_EQ_INT(verifier_log_reason(too_large_log, reason, sizeof(reason)), 1);
	CHECK_EQ_STR(reason, "BPF program is too large. Processed 1000001 insn");
}

static void test_no_reason_in_a_log_of_statistics_only(void)
{
	char reason[128] = "x";

	CHECK_EQ_INT(verifier_log_reason("verification time 12 usec\nstack depth 8\n"
					 "processed 10 insns (limit 1000000)\n",
					 reason, sizeof(reason)),
		     0);
	CHECK_EQ_STR(reason, "");
	CHECK_EQ_INT(verifier_log_reason("", reason, sizeof(reason)), 0);
}

static void test_reason_truncated_to_its_buffer(void)
{
	char reason[8];

	CHECK_EQ_INT(verifier_log_reason(refused_log, reason, sizeof(reason)), 1);
	CHECK_EQ_STR(reason, "R0 inva");
}

static void test_tail_ends_with_error_and_statistics(void)
{
	char tail[512];

	CHECK_EQ_INT(verifier_log_tail(refused_log, 2, "  ", tail, sizeof(tail)), 2);
	CHECK_EQ_STR(tail, "  R0 invalid mem access 'scalar'\n"
			   "  processed 2 insns (limit 1000000) max_states_per_insn 0 "
			   "total_states 0\n");
}

static void test_save_creates_dir_and_joins_parts(void)
{
	const char *parts[] = {refused_log, "--- note ---\n", too_large_log, NULL};
	char dir[128], path[256], want[256];
	struct stat st;
	char *got;

	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	snprintf(want, sizeof(want), "%s/verifier-dnsward_tc.log", dir);
	CHECK_EQ_INT(verifier_log_save(dir, "dnsward_tc", parts, path, sizeof(path)), 0);
	CHECK_EQ_STR(path, want);
	got = slurp(path);
	CHECK(got && !strncmp(got, refused_log, strlen(refused_log)));
	CHECK(got && strstr(got, "--- note ---\nBPF program is too large"));
	CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600);
}

static void test_save_replaces_a_planted_link(void)
{
	const char *parts[] = {"new log\n", NULL};
	char dir[128], path[256], target[256], link_path[256];
	struct stat st;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/planted", tmpdir);
	snprintf(target, sizeof(target), "%s/victim", tmpdir);
	snprintf(link_path, sizeof(link_path), "%s/verifier-dnsward_xdp.log", dir);
	mkdir(dir, 0755);
	f = fopen(target, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("untouched\n", f);
	fclose(f);
	CHECK_EQ_INT(symlink(target, link_path), 0);
	CHECK_EQ_INT(verifier_log_save(dir, "dnsward_xdp", parts, path, sizeof(path)), 0);
	CHECK_EQ_STR(path, link_path);
	CHECK(!lstat(path, &st) && S_ISREG(st.st_mode));
	CHECK_EQ_STR(slurp(path), "new log\n");
	CHECK_EQ_STR(slurp(target), "untouched\n");
}

static void test_save_falls_back_to_tmp(void)
{
	const char *parts[] = {refused_log, NULL};
	char file[128], dir[256], path[256], prog[64];

	/* A directory under a regular file can never be made. */
	snprintf(file, sizeof(file), "%s/plain-file", tmpdir);
	fclose(fopen(file, "w"));
	snprintf(dir, sizeof(dir), "%s/run", file);
	snprintf(prog, sizeof(prog), "test_%d", (int)getpid());
	CHECK_EQ_INT(verifier_log_save(dir, prog, parts, path, sizeof(path)), 0);
	CHECK(!strncmp(path, VERIFIER_LOG_FALLBACK_DIR "/verifier-test_", 19));
	CHECK_EQ_STR(slurp(path), refused_log);
	unlink(path);
}

/* libbpf's warnings, to a file instead of stderr, for the hold tests. */
static char *stderr_of(void (*fn)(void))
{
	static char out[4096];
	char path[256];
	int fd, saved = dup(2);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(path, "r");
	n = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	return out;
}

/* libbpf warns about a file it cannot open: a real libbpf warning. */
static void libbpf_warns(void)
{
	struct bpf_object *obj = bpf_object__open_file("/nonexistent/dnsward-test.bpf.o", NULL);

	if (obj)
		bpf_object__close(obj);
}

static void hold_then_release_unfiltered(void)
{
	log_libbpf_hold();
	libbpf_warns();
	log_libbpf_release(NULL);
}

static void hold_then_release_quiet(void)
{
	static const char *const quiet[] = {"dnsward-test.bpf.o", NULL};

	log_libbpf_hold();
	libbpf_warns();
	log_libbpf_release(quiet);
}

static void hold_only(void)
{
	log_libbpf_hold();
	libbpf_warns();
}

static void test_libbpf_warnings_held_then_printed(void)
{
	const char *out = stderr_of(hold_only);

	CHECK_EQ_STR(out, "");
	out = stderr_of(hold_then_release_unfiltered);
	/* Both the one held above and this one, each on a line of its own. */
	CHECK(strstr(out, "dnsward: warning: libbpf: ") != NULL);
	CHECK(strstr(out, "dnsward-test.bpf.o") != NULL);
	CHECK(strchr(out, '\n') && strchr(out, '\n') != strrchr(out, '\n'));
}

static void test_libbpf_warnings_restating_a_report_stay_quiet(void)
{
	const char *out = stderr_of(hold_then_release_quiet);

	CHECK(strstr(out, "dnsward-test.bpf.o") == NULL);
	out = stderr_of(libbpf_warns);
	CHECK(strstr(out, "dnsward: warning: libbpf: ") != NULL); /* not held: printed at once */
}

int main(void)
{
	char cmd[512];

	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "test_verifier_log: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	log_route_libbpf();
	RUN_TEST(test_reason_is_the_error_line_above_the_statistics);
	RUN_TEST(test_no_reason_in_a_log_of_statistics_only);
	RUN_TEST(test_reason_truncated_to_its_buffer);
	RUN_TEST(test_tail_ends_with_error_and_statistics);
	RUN_TEST(test_save_creates_dir_and_joins_parts);
	RUN_TEST(test_save_replaces_a_planted_link);
	RUN_TEST(test_save_falls_back_to_tmp);
	RUN_TEST(test_libbpf_warnings_held_then_printed);
	RUN_TEST(test_libbpf_warnings_restating_a_report_stay_quiet);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "test_verifier_log: could not remove %s\n", tmpdir);
	HARNESS_EXIT();
}
