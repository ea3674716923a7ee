/* SPDX-License-Identifier: BSD-2-Clause */
/* log.h: one-line diagnostics to stderr, with libbpf's messages routed through the same logger. */
#ifndef DW_LOG_H
#define DW_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route libbpf's own messages through log_msg (warnings always, debug with -v). */
void log_route_libbpf(void);
/* Hold libbpf's warnings (single-threaded loading only) until log_libbpf_release. */
void log_libbpf_hold(void);
/*
 * Print the held warnings and stop holding. Those containing one of the
 * strings of quiet (NULL-terminated; NULL for none, "" matches every one)
 * restate what the caller reported itself: they go out at debug level.
 */
void log_libbpf_release(const char *const *quiet);

#define pr_err(...)   log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
