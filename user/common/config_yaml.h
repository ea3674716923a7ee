/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_yaml.h: the schema machinery behind config.c, private to the
 * configuration parser. A section of the file is a table of struct field rows
 * (key, type, where the value goes, its range or names, its default); one
 * walker checks a mapping against its table and one parser per type stores
 * each value, so every key of every section reports errors the same way:
 * "file:line:column: key.path: what is wrong".
 */
#ifndef DW_CONFIG_YAML_H
#define DW_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "common/array.h"
#include "common/config.h"

#define CFG_KEYPATH_LEN 128

struct parser {
	const char *file;
	yaml_document_t *doc;
	struct dw_config *cfg;
	char *err;
	size_t err_len;
};

enum field_type {
	FT_BOOL,     /* true or false */
	FT_UINT,     /* decimal integer from min to max */
	FT_DURATION, /* duration from min to max milliseconds, stored in units of unit_ms */
	FT_ENUM,     /* one of names, stored as its index */
	FT_STRING,   /* non-empty text of fewer than size bytes */
	FT_PATH,     /* FT_STRING that must be an absolute path */
	FT_NAME,     /* domain name, stored normalised */
	FT_TIME,     /* RFC 3339 time, stored as time_t */
	FT_ADDRESS,  /* IPv4 or IPv6 address, stored as struct sockaddr_storage, port 0 */
	FT_LIST,     /* list of min to max entries, each handed to item */
	FT_MAP,	     /* nested mapping with its own table sub, stored at off */
	FT_CUSTOM,   /* a key with a syntax of its own: fn parses it */
};

struct field;

/* A key's own parser (FT_CUSTOM); obj is the section's struct. */
typedef int (*field_fn)(struct parser *p, yaml_node_t *val, const char *path, void *obj);
/* One list entry (FT_LIST); obj is the struct that holds the list's key. */
typedef int (*item_fn)(struct parser *p, yaml_node_t *item, const char *path, int index, void *obj);
/* A rule on one stored value that its type cannot express; dst is where it was stored. */
typedef int (*check_fn)(struct parser *p, yaml_node_t *val, const char *path, void *dst);

struct field {
	const char *key;
	enum field_type type;
	size_t off;  /* of the value in the section's struct */
	size_t size; /* of the value; for text, the bytes it may use with its NUL */
	uint64_t min, max;
	uint64_t def;		  /* default of a numeric value (also FT_CUSTOM with a size) */
	const char *def_str;	  /* default of a text value */
	const char *const *names; /* FT_ENUM, NULL-terminated */
	uint32_t unit_ms;	  /* FT_DURATION */
	const struct field *sub;  /* FT_MAP */
	size_t n_sub;
	item_fn item;	/* FT_LIST */
	field_fn fn;	/* FT_CUSTOM */
	check_fn check; /* after the value is stored */
	bool required;
};

/* The offset and size of member m of struct type T, for a row. */
#define CFG_AT(T, m) .off = offsetof(T, m), .size = sizeof(((T *)0)->m)
/* A nested table, for an FT_MAP row. */
#define CFG_SUB(table) .sub = (table), .n_sub = ARRAY_SIZE(table)

int cfg_fail_at(struct parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fail at the value of key in map (or at map when the key is absent), naming path.key. */
int cfg_fail_at_key(struct parser *p, yaml_node_t *map, const char *path, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

const char *cfg_scalar(const yaml_node_t *n);
const char *cfg_node_kind(const yaml_node_t *n);
yaml_node_t *cfg_map_get(struct parser *p, yaml_node_t *map, const char *key);
int cfg_parse_address(struct parser *p, yaml_node_t *n, const char *path,
		      struct sockaddr_storage *ss, socklen_t *len);
/* A decimal integer from min to max. */
int cfg_parse_uint(struct parser *p, yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
		   uint64_t *out);
/* "HOST:PORT" with an IPv4 address or a bracketed IPv6 address. */
int cfg_check_listen(const char *s);

/* Write every row's default into obj, nested tables included. */
void cfg_fields_defaults(const struct field *fields, size_t n, void *obj);
/* Walk a mapping against its table: unknown, repeated and missing keys are errors. */
int cfg_parse_map(struct parser *p, yaml_node_t *n, const char *path, const struct field *fields,
		  size_t n_fields, void *obj);

#endif
