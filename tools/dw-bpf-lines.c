// SPDX-License-Identifier: BSD-2-Clause
/*
 * dw-bpf-lines: where the samples of a profile fall in the source of loaded
 * BPF programs, for machines whose perf and bpftool cannot disassemble BPF.
 * Reads kernel addresses, one per line (the first hex field, as printed by
 * `perf script -F ip`), maps each through the programs' JIT line info to
 * file:line, and prints the share of samples per line, most first.
 * usage: perf record -e cpu-clock -a -- sleep 10   (while the programs run)
 *        perf script -F ip | dw-bpf-lines PROG_ID... [--top N]
 * The programs must still be loaded: their addresses are the kernel's now.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#define PROGS_MAX 16
#define LINE_LEN  160

struct line {
	uint64_t addr;	      /* first JIT address of this source line's code */
	char where[LINE_LEN]; /* file:line */
	unsigned long samples;
};

struct range {
	uint64_t lo, hi; /* one function's JIT image */
};

struct table {
	struct line *lines;
	size_t n, cap;
	struct range *ranges;
	size_t nr, rcap;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *q;
	size_t c = *cap ? *cap : 256;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (!q) {
		fprintf(stderr, "dw-bpf-lines: out of memory for %zu entries\n", c);
		return -ENOMEM;
	}
	*p = q;
	*cap = c;
	return 0;
}

/* The program's JIT ranges and line table, appended to t. */
static int load_prog(struct table *t, uint32_t id)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info), i, nl, nk;
	struct bpf_line_info *li = NULL;
	uint64_t *jli = NULL, *ks = NULL;
	uint32_t *fl = NULL;
	struct btf *btf = NULL;
	int fd, err = -EINVAL;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "dw-bpf-lines: program %u: %s\n", id, strerror(errno));
		goto out;
	}
	nl = info.nr_jited_line_info < info.nr_line_info ? info.nr_jited_line_info
							 : info.nr_line_info;
	nk = info.nr_jited_ksyms;
	if (!nl || !nk || !info.btf_id) {
		fprintf(stderr, "dw-bpf-lines: program %u has no JIT line info (BTF)\n", id);
		goto out;
	}
	li = calloc(nl, sizeof(*li));
	jli = calloc(nl, sizeof(*jli));
	ks = calloc(nk, sizeof(*ks));
	fl = calloc(nk, sizeof(*fl));
	if (!li || !jli || !ks || !fl) {
		fprintf(stderr, "dw-bpf-lines: program %u: out of memory\n", id);
		err = -ENOMEM;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	info.nr_line_info = nl;
	info.line_info_rec_size = sizeof(*li);
	info.line_info = (uint64_t)(uintptr_t)li;
	info.nr_jited_line_info = nl;
	info.jited_line_info_rec_size = sizeof(*jli);
	info.jited_line_info = (uint64_t)(uintptr_t)jli;
	info.nr_jited_ksyms = nk;
	info.jited_ksyms = (uint64_t)(uintptr_t)ks;
	info.nr_jited_func_lens = nk;
	info.jited_func_lens = (uint64_t)(uintptr_t)fl;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "dw-bpf-lines: program %u: line info: %s\n", id, strerror(errno));
		goto out;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf) {
		fprintf(stderr, "dw-bpf-lines: program %u: BTF %u: %s\n", id, info.btf_id,
			strerror(errno));
		goto out;
	}
	if (grow((void **)&t->ranges, &t->rcap, t->nr + nk, sizeof(*t->ranges)) ||
	    grow((void **)&t->lines, &t->cap, t->n + nl, sizeof(*t->lines))) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nk; i++)
		t->ranges[t->nr++] = (struct range){ks[i], ks[i] + fl[i]};
	for (i = 0; i < nl; i++) {
		const char *file = btf__name_by_offset(btf, li[i].file_name_off);
		const char *base = file ? strrchr(file, '/') : NULL;
		struct line *l = &t->lines[t->n++];

		l->addr = jli[i];
		l->samples = 0;
		snprintf(l->where, sizeof(l->where), "%s:%u",
			 base	? base + 1
			 : file ? file
				: "?",
			 BPF_LINE_INFO_LINE_NUM(li[i].line_col));
	}
	err = 0;
out:
	btf__free(btf);
	free(li);
	free(jli);
	free(ks);
	free(fl);
	if (fd >= 0)
		close(fd);
	return err;
}

static int by_addr(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int by_samples(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return strcmp(x->where, y->where);
}

static int in_programs(const struct table *t, uint64_t addr)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (addr >= t->ranges[i].lo && addr < t->ranges[i].hi)
			return 1;
	return 0;
}

/* The line whose code holds addr: the last one starting at or below it. */
static struct line *line_of(struct table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->lines[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &t->lines[lo - 1] : NULL;
}

/* Sums the sampled lines that share file:line (a line's code may be in several places). */
static size_t merge(struct table *t)
{
	size_t i, j, n = 0;

	for (i = 0; i < t->n; i++) {
		if (!t->lines[i].samples)
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(t->lines[j].where, t->lines[i].where))
				break;
		if (j < n)
			t->lines[j].samples += t->lines[i].samples;
		else
			t->lines[n++] = t->lines[i];
	}
	return n;
}

static int usage(void)
{
	fprintf(stderr, "usage: perf script -F ip | dw-bpf-lines PROG_ID... [--top N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct table t = {0};
	unsigned long total = 0, unmapped = 0;
	char buf[256];
	size_t i, n, top = 40;
	int a, progs = 0;

	for (a = 1; a < argc; a++) {
		char *end;
		unsigned long v;

		if (!strcmp(argv[a], "--top") && a + 1 < argc) {
			top = strtoul(argv[++a], NULL, 10);
			continue;
		}
		v = strtoul(argv[a], &end, 10);
		if (*end || !v || v > UINT32_MAX || progs == PROGS_MAX)
			return usage();
		if (load_prog(&t, (uint32_t)v))
			return 1;
		progs++;
	}
	if (!progs)
		return usage();
	qsort(t.lines, t.n, sizeof(*t.lines), by_addr);
	while (fgets(buf, sizeof(buf), stdin)) {
		uint64_t addr = strtoull(buf, NULL, 16);
		struct line *l;

		if (!addr)
			continue;
		total++;
		l = in_programs(&t, addr) ? line_of(&t, addr) : NULL;
		if (l)
			l->samples++;
		else
			unmapped++;
	}
	n = merge(&t);
	qsort(t.lines, n, sizeof(*t.lines), by_samples);
	printf("samples %lu, in the programs %lu\n", total, total - unmapped);
	for (i = 0; i < n && i < top && t.lines[i].samples; i++)
		printf("%5.1f%% %8lu  %s\n", 100.0 * t.lines[i].samples / (total - unmapped),
		       t.lines[i].samples, t.lines[i].where);
	free(t.lines);
	free(t.ranges);
	return 0;
}
