// SPDX-License-Identifier: BSD-2-Clause
/* selfstat.c: the daemon's own RSS, CPU time and BPF map memory, from /proc and getrusage. */
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/resource.h>

#include "daemon/selfstat.h"

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

void selfstat_write(FILE *out)
{
	struct rusage ru = {0};

	getrusage(RUSAGE_SELF, &ru);
	fprintf(out, "process_rss_bytes %llu\n", (unsigned long long)rss_bytes());
	fprintf(out, "process_cpu_user_ns %llu\n", (unsigned long long)tv_ns(ru.ru_utime));
	fprintf(out, "process_cpu_system_ns %llu\n", (unsigned long long)tv_ns(ru.ru_stime));
}

/* The memlock figure of fd when it is a BPF map, else 0. */
static uint64_t map_memlock(const char *fd)
{
	unsigned long long v = 0, mem = 0;
	char path[300], line[128];
	int is_map = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "map_type: %llu", &v) == 1)
			is_map = 1;
		else if (sscanf(line, "memlock: %llu", &v) == 1)
			mem = v;
	}
	fclose(f);
	return is_map ? mem : 0;
}

uint64_t selfstat_map_bytes(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			sum += map_memlock(e->d_name);
	closedir(d);
	return sum;
}
