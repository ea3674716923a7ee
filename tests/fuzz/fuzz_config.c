// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_config.c: arbitrary bytes as a configuration file. The parser must
 * either fill a policy or return one located message, never crash, leak or
 * read out of bounds; a rejected file leaves no zone behind.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static struct dw_config cfg;
	char err[1024];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/dev/shm/dw-fuzz-config-%d.yaml", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	err[0] = '\0';
	if (config_load(path, &cfg, err, sizeof(err))) {
		if (strncmp(err, path, strlen(path)) || cfg.n_zones)
			abort();
	} else if (cfg.n_zones > CFG_ZONES_MAX || cfg.n_ntas > CFG_NTAS_MAX) {
		abort();
	} else if (cfg.n_zones) {
		config_find_zone(&cfg, cfg.zones[cfg.n_zones - 1].name);
	}
	return 0;
}
