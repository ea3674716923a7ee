/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verifier_log.h: reading the kernel verifier's log of one program load: the
 * instruction count it reports and its last lines, for the load test and for
 * the daemon's one-paragraph report when a program does not load.
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

#endif
