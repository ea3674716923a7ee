// SPDX-License-Identifier: BSD-2-Clause
/* config.c: placeholder until the YAML parser lands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

void config_defaults(struct dw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

int config_load(const char *path, struct dw_config *cfg, char *err, size_t err_len)
{
	config_defaults(cfg);
	snprintf(err, err_len, "%s: configuration parsing not built yet", path);
	return -ENOSYS;
}

const struct cfg_zone *config_find_zone(const struct dw_config *cfg, const char *name)
{
	return NULL;
}
