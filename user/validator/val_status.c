// SPDX-License-Identifier: BSD-2-Clause
/* val_status.c: outcomes, their names and ranks, and statuses with a reason. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "validator/val_status.h"

const char *val_outcome_name(enum val_outcome outcome)
{
	switch (outcome) {
	case VAL_SECURE:
		return "secure";
	case VAL_INSECURE:
		return "insecure";
	case VAL_BOGUS:
		return "bogus";
	case VAL_INDETERMINATE:
		return "indeterminate";
	}
	return "unknown";
}

int val_outcome_rank(enum val_outcome o)
{
	switch (o) {
	case VAL_SECURE:
		return 0;
	case VAL_INSECURE:
		return 1;
	case VAL_INDETERMINATE:
		return 2;
	case VAL_BOGUS:
		return 3;
	}
	return 3;
}

void status_set(struct val_status *st, enum val_outcome o, const char *fmt, ...)
{
	va_list ap;

	st->outcome = o;
	if (o != VAL_SECURE)
		st->ttl = 0;
	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
}

void status_merge(struct val_status *into, const struct val_status *from)
{
	uint32_t ttl = into->ttl < from->ttl ? into->ttl : from->ttl;

	if (val_outcome_rank(from->outcome) > val_outcome_rank(into->outcome) || !into->reason[0]) {
		into->outcome = val_outcome_rank(from->outcome) > val_outcome_rank(into->outcome)
				    ? from->outcome
				    : into->outcome;
		memcpy(into->reason, from->reason, sizeof(into->reason));
	}
	into->ttl = ttl;
}

void status_min_ttl(struct val_status *st, uint32_t ttl)
{
	if (ttl < st->ttl)
		st->ttl = ttl;
}
