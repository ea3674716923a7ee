// SPDX-License-Identifier: BSD-2-Clause
/* prom_text.c: the Prometheus text exposition format (see prom_text.h). */
#include <string.h>

#include "daemon/prom_text.h"

static const char *const type_names[] = {
    [PROM_COUNTER] = "counter",
    [PROM_GAUGE] = "gauge",
    [PROM_HISTOGRAM] = "histogram",
};

void prom_family(FILE *out, const char *name, enum prom_type type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type_names[type]);
}

/* A label value escaped as the format says: backslash, double quote and newline. */
static size_t escape_value(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src; src++) {
		const char *rep = *src == '\\'	 ? "\\\\"
				  : *src == '"'	 ? "\\\""
				  : *src == '\n' ? "\\n"
						 : NULL;
		size_t w = rep ? 2 : 1;

		if (n + w >= cap)
			break;
		if (rep)
			memcpy(dst + n, rep, 2);
		else
			dst[n] = *src;
		n += w;
	}
	dst[n] = '\0';
	return n;
}

const char *prom_labels(char *buf, size_t cap, int n, const char *const kv[])
{
	char value[PROM_LABELS_MAX];
	size_t used = 0, kept = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		int w;

		escape_value(value, sizeof(value), kv[2 * i + 1]);
		w = snprintf(buf + used, cap - used, "%s%s=\"%s\"", i ? "," : "{", kv[2 * i],
			     value);
		if (w < 0 || (size_t)w + 1 >= cap - used)
			break;
		used += (size_t)w;
		kept = used;
	}
	if (!kept)
		return buf;
	buf[kept] = '}';
	buf[kept + 1] = '\0';
	return buf;
}

void prom_sample_u64(FILE *out, const char *name, const char *labels, uint64_t v)
{
	fprintf(out, "%s%s %llu\n", name, labels, (unsigned long long)v);
}

void prom_sample_f64(FILE *out, const char *name, const char *labels, double v)
{
	fprintf(out, "%s%s %.15g\n", name, labels, v);
}

/* labels with le="bound" added: {le="0.001"} or {k="v",le="0.001"}. */
static void with_le(char *dst, size_t cap, const char *labels, const char *le)
{
	size_t l = strlen(labels);

	if (!l)
		snprintf(dst, cap, "{le=\"%s\"}", le);
	else
		snprintf(dst, cap, "%.*s,le=\"%s\"}", (int)(l - 1), labels, le);
}

void prom_histogram(FILE *out, const char *name, const char *labels, const double *bounds,
		    size_t n_bounds, const uint64_t *counts, double sum)
{
	char series[PROM_LABELS_MAX + 32], le[32];
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= n_bounds; i++) {
		cum += counts[i];
		if (i < n_bounds)
			snprintf(le, sizeof(le), "%g", bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		with_le(series, sizeof(series), labels, le);
		fprintf(out, "%s_bucket%s %llu\n", name, series, (unsigned long long)cum);
	}
	fprintf(out, "%s_sum%s %.15g\n", name, labels, sum);
	fprintf(out, "%s_count%s %llu\n", name, labels, (unsigned long long)cum);
}
