/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load_diag.h: why a data-plane program did not load, told in a few lines:
 * which program, the kernel release, the verifier's last lines, and the file
 * that keeps the verifier's whole log (libbpf's own dump of it would bury the
 * error under hundreds of lines).
 */
#ifndef DW_LOAD_DIAG_H
#define DW_LOAD_DIAG_H

#include <limits.h>
#include <stddef.h>

#include "common/log.h"

struct bpf_object;

/* Programs of the object the per-program logs cover; dnsward has three. */
#define LOAD_DIAG_PROGS_MAX 8
/* Each program's log of a normal load: its error and statistics (level 4) fit. */
#define LOAD_DIAG_LOG_SIZE (64u << 10)

/* Lines of the verifier's log the report shows. */
#define LOAD_DIAG_TAIL_LINES 6

struct load_failure {
	char prog[64];		 /* the program the kernel refused; "" when none was found */
	int err;		 /* what the load returned, -errno */
	char kernel[65];	 /* uname -r */
	char reason[256];	 /* the verifier's error line, or the error's text */
	char tail[2048];	 /* the verifier's last lines, indented, one per line */
	char log_path[PATH_MAX]; /* the file with the whole log; "" when none was written */
	const char *brief_log;	 /* the program's log of the failed load (level 4) */
};

/*
 * Give every program of obj (opened, not loaded) its own log in logs
 * (LOAD_DIAG_PROGS_MAX * LOAD_DIAG_LOG_SIZE bytes) at level 4, the error and
 * statistics: cheap on every start, and a buffer of ours keeps libbpf from
 * dumping a failed program's log itself. Returns 0, or -E2BIG when obj has
 * more programs than logs (logged).
 */
int load_diag_prepare(struct bpf_object *obj, char *logs);

/*
 * After the load of obj failed with err: find the program the kernel refused.
 * libbpf loads programs in object order and stops at the first one refused,
 * so it is the first one to load whose log shows an error or is empty
 * (refused before the verifier ran). Fills f's program, error and kernel and
 * returns 1, or returns 0 when the failure was not a program's (f->prog "").
 */
int load_diag_find(struct bpf_object *obj, const char *logs, int err, struct load_failure *f);

/*
 * Explain f (found by load_diag_find; its logs still allocated): the reason
 * and last lines, with the whole log kept in log_dir (see verifier_log_save).
 * The program is loaded once more on its own, with fresh unpinned maps, at
 * log level 1 (every instruction the verifier walked) into a
 * VERIFIER_LOG_SIZE buffer.
 */
void load_diag_explain(struct load_failure *f, const char *log_dir);

/* One line for a status output: "PROGRAM did not load on kernel K: REASON (verifier log PATH)". */
void load_diag_summary(const struct load_failure *f, char *out, size_t outlen);

/*
 * Log f at level, in a few lines: the program, kernel and error, the
 * verifier's last lines, the file with its whole log, then consequence (what
 * the daemon does about it).
 */
void load_diag_report(const struct load_failure *f, enum log_level level, const char *consequence);

/*
 * libbpf's held warnings (log_libbpf_hold) that restate f's failure and go
 * out at debug level only: NULL-terminated, for log_libbpf_release.
 */
const char *const *load_diag_quiet(const struct load_failure *f);

#endif
