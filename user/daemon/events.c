// SPDX-License-Identifier: BSD-2-Clause
/* events.c: where events go, and the JSON they are written in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/events.h"
#include "common/log.h"

struct events {
	FILE *out;
	bool own;
	uint64_t written;
};

struct events *events_open(const char *output)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	if (!output || !*output || !strcmp(output, "stdout")) {
		ev->out = stdout;
		return ev;
	}
	ev->out = fopen(output, "ae");
	if (!ev->out) {
		pr_err("events: open %s: %s", output, strerror(errno));
		free(ev);
		return NULL;
	}
	ev->own = true;
	return ev;
}

void events_close(struct events *ev)
{
	if (!ev)
		return;
	if (ev->own)
		fclose(ev->out);
	else
		fflush(ev->out);
	free(ev);
}

void events_write(struct events *ev, const char *json)
{
	if (!ev)
		return;
	/* One write per line so concurrent readers never see half an event. */
	fprintf(ev->out, "%s\n", json);
	fflush(ev->out);
	ev->written++;
}

uint64_t events_written(const struct events *ev)
{
	return ev ? ev->written : 0;
}

size_t json_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!cap)
		return 0;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char esc[7];
		size_t el;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			el = 2;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			el = 6;
		} else {
			esc[0] = (char)c;
			el = 1;
		}
		if (n + el >= cap)
			break;
		memcpy(dst + n, esc, el);
		n += el;
	}
	dst[n] = '\0';
	return n;
}

/* Append one whole field or nothing, so the object stays valid JSON when space runs out. */
static void json_field(struct json_obj *j, const char *key, const char *val, bool quote)
{
	char ekey[128], eval[JSON_OBJ_MAX];
	int n;

	json_escape(ekey, sizeof(ekey), key);
	if (quote)
		json_escape(eval, sizeof(eval), val ? val : "");
	else
		snprintf(eval, sizeof(eval), "%s", val);
	n = snprintf(j->buf + j->len, sizeof(j->buf) - j->len, "%s\"%s\":%s%s%s",
		     j->len > 1 ? "," : "", ekey, quote ? "\"" : "", eval, quote ? "\"" : "");
	/* Keep room for the closing brace. */
	if (n < 0 || j->len + (size_t)n + 2 > sizeof(j->buf)) {
		j->buf[j->len] = '\0';
		j->overflow = true;
		return;
	}
	j->len += (size_t)n;
}

void json_str(struct json_obj *j, const char *key, const char *val)
{
	json_field(j, key, val, true);
}

void json_u64(struct json_obj *j, const char *key, uint64_t val)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)val);
	json_field(j, key, num, false);
}

void json_begin(struct json_obj *j, const char *event)
{
	struct timespec ts;
	struct tm tm;
	char when[40];

	j->buf[0] = '{';
	j->buf[1] = '\0';
	j->len = 1;
	j->overflow = false;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when) - 8, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), 8, ".%03uZ", (unsigned)(ts.tv_nsec / 1000000) % 1000u);
	json_str(j, "ts", when);
	json_str(j, "event", event);
}

const char *json_end(struct json_obj *j)
{
	j->buf[j->len++] = '}';
	j->buf[j->len] = '\0';
	return j->buf;
}
