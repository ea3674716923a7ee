/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verifier_log.h: reading the kernel verifier's log of one program load: the
 * instruction count it reports, its last lines and its error, for the load
 * test and for the daemon's one-paragraph report when a program does not
 * load, and keeping a whole log in a file that report points to.
 */
#ifndef DW_VERIFIER_LOG_H
#define DW_VERIFIER_LOG_H

#include <stddef.h>

/* The verifier's budget of processed instructions per program (BPF_COMPLEXITY_LIMIT_INSNS). */
#define VERIFIER_BUDGET 1000000L

/* Bytes of log kept per program load: a whole level-1 log of a failed load fits. */
#define VERIFIER_LOG_SIZE (64u << 20)

/* "processed N insns" from the log, or -1 when the log has no such line. */
long verifier_log_insns(const char *log);

/*
 * The last n non-empty lines of the log into out (outlen bytes, always
 * terminated), each prefixed with indent. Returns the number of lines written.
 */
int verifier_log_tail(const char *log, int n, const char *indent, char *out, size_t outlen);

/*
 * The verifier's own words for why a load failed: the last line of the log
 * that is not one of the statistics lines every load ends with, into out
 * (always terminated). Returns 1 when there is one, 0 when the log holds only
 * statistics or nothing (a program that verified, or one refused before the
 * verifier ran).
 */
int verifier_log_reason(const char *log, char *out, size_t outlen);

/* Where a whole log goes when the preferred directory cannot be written. */
#define VERIFIER_LOG_FALLBACK_DIR "/tmp"

/*
 * Keep a program's whole verifier log: the strings of parts (NULL-terminated)
 * one after the other in DIR/verifier-PROG.log (DIR is created, 0755, when
 * missing; the file is 0600), or in /tmp when DIR cannot be written; where a
 * file of that name cannot be replaced, under a unique name next to it. The
 * file's path goes into path ("" on failure). Returns 0 or -errno; a failure
 * is logged.
 */
int verifier_log_save(const char *dir, const char *prog, const char *const *parts, char *path,
		      size_t pathlen);

#endif
