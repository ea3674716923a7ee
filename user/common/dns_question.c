// SPDX-License-Identifier: BSD-2-Clause
/*
 * dns_question.c: the question name, checked byte by byte. Compression cannot
 * occur in the first question (nothing precedes it), so a pointer is an error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/dns_question.h"

static int append(struct dns_question *q, size_t *pos, const char *s, size_t n)
{
	if (*pos + n + 1 > sizeof(q->name))
		return -EINVAL;
	memcpy(q->name + *pos, s, n);
	*pos += n;
	q->name[*pos] = '\0';
	return 0;
}

static int append_label(struct dns_question *q, size_t *pos, const uint8_t *lab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = lab[i];
		char buf[5];
		size_t bl = 1;

		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if (c == '.' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			bl = 2;
		} else if (c <= 0x20 || c >= 0x7f) {
			snprintf(buf, sizeof(buf), "\\%03u", c);
			bl = 4;
		} else {
			buf[0] = (char)c;
		}
		if (append(q, pos, buf, bl))
			return -EINVAL;
	}
	return 0;
}

/* Every byte of the label is one a policy zone name may hold. */
static bool zone_label(const uint8_t *lab, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = lab[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

int dname_zone_suffix(const uint8_t *wire, size_t len, char *out, size_t out_len)
{
	size_t off = 0, from = 0, pos = 0;

	/* the last label a zone name cannot spell ends the candidate suffix's prefix */
	while (off < len && wire[off]) {
		size_t n = wire[off];

		if (n > 63 || off + 1 + n >= len)
			return -EINVAL;
		if (!zone_label(wire + off + 1, n))
			from = off + 1 + n;
		off += 1 + n;
	}
	if (off >= len || off > 254)
		return -EINVAL;
	for (off = from; wire[off]; off += 1 + wire[off]) {
		size_t n = wire[off], i;

		if (pos + n + 2 > out_len)
			return -EINVAL;
		if (pos)
			out[pos++] = '.';
		for (i = 0; i < n; i++) {
			uint8_t c = wire[off + 1 + i];

			out[pos++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
	}
	if (out_len < 2)
		return -EINVAL;
	if (!pos)
		out[pos++] = '.';
	out[pos] = '\0';
	return 0;
}

int dnsq_parse(const uint8_t *msg, size_t len, struct dns_question *q)
{
	size_t off = 12, pos = 0, wire = 0;

	memset(q, 0, sizeof(*q));
	if (len < 12 || ((msg[4] << 8) | msg[5]) == 0)
		return -EINVAL;
	q->id = (uint16_t)((msg[0] << 8) | msg[1]);
	q->flags = (uint16_t)((msg[2] << 8) | msg[3]);
	for (;;) {
		uint8_t n;

		if (off >= len)
			return -EINVAL;
		n = msg[off++];
		wire += 1 + n;
		if (n == 0)
			break;
		if (n > 63 || wire > 255 || off + n > len)
			return -EINVAL; /* pointer, bad label type, or truncated */
		if (pos && append(q, &pos, ".", 1))
			return -EINVAL;
		if (append_label(q, &pos, msg + off, n))
			return -EINVAL;
		if (!zone_label(msg + off, n))
			q->zone_from = (uint16_t)(pos + 1); /* past this label and its dot */
		off += n;
	}
	if (!pos)
		strcpy(q->name, ".");
	if (q->zone_from > pos)
		q->zone_from = (uint16_t)pos;
	if (off + 4 > len)
		return -EINVAL;
	q->qtype = (uint16_t)((msg[off] << 8) | msg[off + 1]);
	q->qclass = (uint16_t)((msg[off + 2] << 8) | msg[off + 3]);
	return 0;
}

const char *dnsq_zone_suffix(const struct dns_question *q)
{
	const char *s = q->name + q->zone_from;

	return *s ? s : ".";
}
