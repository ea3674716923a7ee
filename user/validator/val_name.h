/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * val_name.h: domain names, types and times as the validator compares them
 * and writes them into reasons. Names are compared case-insensitively.
 */
#ifndef DW_VAL_NAME_H
#define DW_VAL_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <ldns/ldns.h>

/* "idp.test" (no trailing dot, "." for the root). */
const char *name_str(const ldns_rdf *name, char *buf, size_t len);
/* "idp.test." (with the trailing dot, as in traces). */
const char *name_dotted(const ldns_rdf *name, char *buf, size_t len);
const char *type_str(ldns_rr_type t, char *buf, size_t len);
const char *time_str(time_t t, char *buf, size_t len);
bool name_eq(const ldns_rdf *a, const ldns_rdf *b);
bool name_under(const ldns_rdf *sub, const ldns_rdf *zone); /* equal or below */
struct dw_config;
/*
 * The protected zone of the config that holds name, or NULL. Works on the
 * wire labels, so names with bytes a zone name cannot hold (DNS-SD instance
 * names with spaces, 0x80 and above) are found in their zone too.
 */
const struct cfg_zone *name_zone(const struct dw_config *cfg, const ldns_rdf *name);
/* The name one label below zone on the way to target, or NULL. */
ldns_rdf *name_child_toward(const ldns_rdf *zone, const ldns_rdf *target);

#endif
