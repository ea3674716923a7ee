// SPDX-License-Identifier: BSD-2-Clause
/*
 * load_diag.c: which program did not load, and why, in a few lines. A normal
 * load asks the verifier only for its error and statistics (level 4): the
 * instruction-level log (level 1) of a program that verifies costs time and
 * memory on every start. Only the refused program is loaded once more at
 * level 1, for the file the report points to.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>

#include "dnsward.skel.h"
#include "daemon/load_diag.h"
#include "common/log.h"
#include "daemon/verifier_log.h"

int load_diag_prepare(struct bpf_object *obj, char *logs)
{
	struct bpf_program *p;
	int i = 0;

	bpf_object__for_each_program(p, obj)
	{
		char *log = logs + (size_t)i * LOAD_DIAG_LOG_SIZE;

		if (i == LOAD_DIAG_PROGS_MAX) {
			pr_err("loader: the data-plane object has more than %d programs, %s has "
			       "no verifier log",
			       LOAD_DIAG_PROGS_MAX, bpf_program__name(p));
			return -E2BIG;
		}
		log[0] = '\0';
		bpf_program__set_log_buf(p, log, LOAD_DIAG_LOG_SIZE);
		bpf_program__set_log_level(p, 4);
		i++;
	}
	return 0;
}

/* The first program to load whose log shows an error or is empty; its index in *idx. */
static struct bpf_program *refused_prog(struct bpf_object *obj, const char *logs, int *idx)
{
	struct bpf_program *p;
	char reason[8];
	int i = 0;

	bpf_object__for_each_program(p, obj)
	{
		const char *log = logs + (size_t)i * LOAD_DIAG_LOG_SIZE;

		if (i == LOAD_DIAG_PROGS_MAX)
			break;
		if (bpf_program__autoload(p) && (!log[0] || verifier_log_reason(log, reason, 1))) {
			*idx = i;
			return p;
		}
		i++;
	}
	return NULL;
}

/*
 * Load only `name`, at log level 1 into log (VERIFIER_LOG_SIZE bytes), with
 * fresh unpinned maps so nothing of the install changes. libbpf's messages
 * about this expected failure go to the debug level. Returns what the load
 * returned.
 */
static int reload_verbose(const char *name, char *log)
{
	static const char *const everything[] = {"", NULL};
	struct dnsward *skel = dnsward__open();
	struct bpf_program *p;
	struct bpf_map *m;
	int err;

	if (!skel) {
		err = -errno;
		pr_warn("loader: open the data-plane object again for %s's whole verifier log: %s",
			name, strerror(errno));
		return err ? err : -EINVAL;
	}
	bpf_object__for_each_map(m, skel->obj) bpf_map__set_pin_path(m, NULL);
	bpf_object__for_each_program(p, skel->obj)
	{
		bool me = !strcmp(bpf_program__name(p), name);

		bpf_program__set_autoload(p, me);
		if (me) {
			log[0] = '\0';
			bpf_program__set_log_buf(p, log, VERIFIER_LOG_SIZE);
			bpf_program__set_log_level(p, 1);
		}
	}
	log_libbpf_hold();
	err = dnsward__load(skel);
	log_libbpf_release(everything);
	dnsward__destroy(skel);
	return err;
}

/*
 * The lines the report shows, and the whole log into log_dir. The level-1 log
 * is the better source when it ends with the error of the normal load: a
 * kernel before 6.4 stops writing a full buffer, so its level-1 log of a long
 * walk is the beginning, not the end; then the lines come from the level-4
 * log, which the file gets after the level-1 log.
 */
static void keep_log(struct load_failure *f, const char *full, bool full_ends, const char *log_dir)
{
	const char *brief = f->brief_log;
	static const char note[] =
	    "\n--- the log above, of a second load of the program alone, does "
	    "not end with the error of the load that failed (a kernel before "
	    "6.4 keeps only the beginning of a long log); that load's error "
	    "and statistics: ---\n";
	const char *parts[] = {full, NULL, NULL, NULL};

	if (!full_ends) {
		parts[1] = note;
		parts[2] = brief;
	}
	verifier_log_tail(full_ends ? full : brief, LOAD_DIAG_TAIL_LINES, "  ", f->tail,
			  sizeof(f->tail));
	if (full[0] || brief[0])
		verifier_log_save(log_dir, f->prog, parts, f->log_path, sizeof(f->log_path));
}

int load_diag_find(struct bpf_object *obj, const char *logs, int err, struct load_failure *f)
{
	struct bpf_program *p;
	struct utsname u;
	int idx = 0;

	memset(f, 0, sizeof(*f));
	f->err = err;
	snprintf(f->kernel, sizeof(f->kernel), "%s", uname(&u) ? "unknown" : u.release);
	p = refused_prog(obj, logs, &idx);
	if (!p)
		return 0;
	snprintf(f->prog, sizeof(f->prog), "%s", bpf_program__name(p));
	f->brief_log = logs + (size_t)idx * LOAD_DIAG_LOG_SIZE;
	return 1;
}

void load_diag_explain(struct load_failure *f, const char *log_dir)
{
	char full_reason[sizeof(f->reason)] = "";
	bool brief_says, full_says;
	char *full;
	int full_err;

	brief_says = verifier_log_reason(f->brief_log, f->reason, sizeof(f->reason));
	full = malloc(VERIFIER_LOG_SIZE);
	if (!full) {
		pr_warn("loader: no memory for the %u-byte verifier log of %s; the report has "
			"the error only",
			VERIFIER_LOG_SIZE, f->prog);
		full_err = -ENOMEM;
	} else {
		full_err = reload_verbose(f->prog, full);
	}
	if (!full_err)
		pr_warn("loader: %s loads on its own: the object's load failed elsewhere too",
			f->prog);
	full_says = full && full_err && verifier_log_reason(full, full_reason, sizeof(full_reason));
	if (!brief_says && full_says)
		memcpy(f->reason, full_reason, sizeof(f->reason));
	else if (!brief_says)
		snprintf(f->reason, sizeof(f->reason), "%s (the verifier wrote nothing)",
			 strerror(-f->err));
	if (full) {
		keep_log(f, full, full_says && !strcmp(full_reason, f->reason), log_dir);
		free(full);
	} else {
		verifier_log_tail(f->brief_log, LOAD_DIAG_TAIL_LINES, "  ", f->tail,
				  sizeof(f->tail));
	}
}

void load_diag_summary(const struct load_failure *f, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s did not load on kernel %s: %s%s%s%s", f->prog, f->kernel,
		 f->reason, f->log_path[0] ? " (verifier log " : "", f->log_path,
		 f->log_path[0] ? ")" : "");
}

void load_diag_report(const struct load_failure *f, enum log_level level, const char *consequence)
{
	char *line, *save = NULL, tail[sizeof(f->tail)];
	const char *err_name = strerrorname_np(-f->err);

	/* The errno's name, not its text: the verifier's EACCES is no permission problem. */
	if (f->tail[0])
		log_msg(level,
			"program %s did not load on kernel %s (bpf() returned %s); the "
			"verifier's last lines:",
			f->prog, f->kernel, err_name ? err_name : "an unknown error");
	else
		log_msg(level, "program %s did not load on kernel %s (bpf() returned %s): %s",
			f->prog, f->kernel, err_name ? err_name : "an unknown error", f->reason);
	memcpy(tail, f->tail, sizeof(tail));
	for (line = strtok_r(tail, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_msg(level, "%s", line);
	if (f->log_path[0])
		log_msg(level, "the verifier's whole log of %s: %s", f->prog, f->log_path);
	log_msg(level, "%s", consequence);
}

const char *const *load_diag_quiet(const struct load_failure *f)
{
	static char prog_lines[sizeof(f->prog) + 16];
	static const char *quiet[] = {prog_lines, "failed to load object",
				      "failed to load BPF skeleton", NULL};

	snprintf(prog_lines, sizeof(prog_lines), "prog '%s': ", f->prog);
	return quiet;
}
