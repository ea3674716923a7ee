/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prom_text.h: the Prometheus text exposition format (version 0.0.4): a
 * family's # HELP and # TYPE lines, samples with escaped label values, and
 * histograms with cumulative buckets. Names are the caller's constants;
 * label values may be anything (zone and interface names) and are escaped.
 */
#ifndef DW_PROM_TEXT_H
#define DW_PROM_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room for the label set of one sample ({k="v",...}), escaped values included. */
#define PROM_LABELS_MAX 768

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };

/* "# HELP name help" and "# TYPE name type": once per family, before its samples. */
void prom_family(FILE *out, const char *name, enum prom_type type, const char *help);

/*
 * Label set text for n key/value pairs (keys then values, alternating) into
 * buf: "" for n == 0, else {k="v",...} with each value escaped. Returns buf;
 * a set that does not fit is cut at the last whole pair.
 */
const char *prom_labels(char *buf, size_t cap, int n, const char *const kv[]);

void prom_sample_u64(FILE *out, const char *name, const char *labels, uint64_t v);
void prom_sample_f64(FILE *out, const char *name, const char *labels, double v);

/*
 * One histogram series: bounds[n_bounds] upper bounds (ascending), counts
 * per bucket (n_bounds + 1 entries, the last one above every bound, not
 * cumulative), and the sum of the observations. labels is a label set from
 * prom_labels (le is appended to it).
 */
void prom_histogram(FILE *out, const char *name, const char *labels, const double *bounds,
		    size_t n_bounds, const uint64_t *counts, double sum);

#endif
