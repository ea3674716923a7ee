/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * events.h: JSON-lines events (stdout or an append-only file), and a small
 * bounded JSON object builder whose strings are always escaped.
 */
#ifndef DW_EVENTS_H
#define DW_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct events;

/* "stdout" (or empty) for standard output, else a file opened for appending. */
struct events *events_open(const char *output);
void events_close(struct events *ev);
/* Write one complete JSON object as one line. */
void events_write(struct events *ev, const char *json);
uint64_t events_written(const struct events *ev);

#define JSON_OBJ_MAX 2048

struct json_obj {
	char buf[JSON_OBJ_MAX];
	size_t len;
	bool overflow; /* a field did not fit; the object was closed early */
};

/* Start an object with "ts" (UTC, RFC 3339) and "event". */
void json_begin(struct json_obj *j, const char *event);
void json_str(struct json_obj *j, const char *key, const char *val);
void json_u64(struct json_obj *j, const char *key, uint64_t val);
/* Close the object; returns the NUL-terminated text. */
const char *json_end(struct json_obj *j);

/* Escape src as the inside of a JSON string into dst (always NUL-terminated). */
size_t json_escape(char *dst, size_t cap, const char *src);

#endif
