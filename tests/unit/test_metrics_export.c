// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_metrics_export.c: the Prometheus exposition. Label values are
 * escaped, histogram buckets are cumulative up to +Inf, statistics map into
 * their labelled families (the stage windows become histograms, a statistic
 * without a family is still exported), every data-plane counter has a
 * family, and the whole output passes `promtool check metrics`.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "daemon/counters.h"
#include "daemon/metrics_export.h"
#include "daemon/prom_text.h"
#include "daemon/stage_lat.h"

static char *render(void (*fn)(FILE *out, void *arg), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fn(f, arg);
	fclose(f);
	return text;
}

static void write_labels(FILE *out, void *arg)
{
	const char *kv[] = {"zone", "a\"b\\c\nd", "state", "secure"};
	char labels[PROM_LABELS_MAX];

	prom_family(out, "x_state", PROM_GAUGE, "help");
	prom_sample_u64(out, "x_state", prom_labels(labels, sizeof(labels), 2, kv), 1);
}

static void test_label_values_escaped(void)
{
	char *t = render(write_labels, NULL);

	CHECK_EQ_STR(t, "# HELP x_state help\n# TYPE x_state gauge\n"
			"x_state{zone=\"a\\\"b\\\\c\\nd\",state=\"secure\"} 1\n");
	free(t);
}

static void write_hist(FILE *out, void *arg)
{
	const double bounds[] = {0.001, 0.01};
	const uint64_t counts[] = {2, 0, 3};
	const char *kv[] = {"stage", "ring"};
	char labels[PROM_LABELS_MAX];

	prom_histogram(out, "h_seconds", prom_labels(labels, sizeof(labels), 1, kv), bounds, 2,
		       counts, 4.5);
}

static void test_histogram_cumulative(void)
{
	char *t = render(write_hist, NULL);

	CHECK_EQ_STR(t, "h_seconds_bucket{stage=\"ring\",le=\"0.001\"} 2\n"
			"h_seconds_bucket{stage=\"ring\",le=\"0.01\"} 2\n"
			"h_seconds_bucket{stage=\"ring\",le=\"+Inf\"} 5\n"
			"h_seconds_sum{stage=\"ring\"} 4.5\n"
			"h_seconds_count{stage=\"ring\"} 5\n");
	free(t);
}

static int fake_stats(void *ctx, FILE *out)
{
	fprintf(out, "datapath_allowed 5\ndatapath_denied 1\noutcome_bogus 2\n"
		     "release_syscall_ns_total 1500000000\nbrand_new_counter 7\n"
		     "stage_hold_ns_p50 3\nhold_ns_max 9\npunt_limited_dest 203.0.113.5 4\n");
	return 0;
}

static void write_export(FILE *out, void *arg)
{
	metrics_export_write(arg, out);
}

static void test_families_from_stats(void)
{
	static struct dw_config cfg;
	static struct stage_lat lat;
	struct metrics_view v = {.cfg = &cfg, .latency = &lat, .stats = fake_stats};
	char *t, path[] = "/tmp/dnsward-metrics-XXXXXX", cmd[128];
	int fd;

	cfg.n_zones = 1;
	snprintf(cfg.zones[0].name, sizeof(cfg.zones[0].name), "idp.test");
	cfg.limits.heartbeat_timeout_ms = 3000;
	stage_lat_add(&lat, STAGE_HOLD, 80000);	  /* 80 us */
	stage_lat_add(&lat, STAGE_HOLD, 3000000); /* 3 ms */
	t = render(write_export, &v);
	CHECK(strstr(t, "\ndnsward_datapath_verdict_hits_total{verdict=\"allow\"} 5\n"));
	CHECK(strstr(t, "\ndnsward_datapath_verdict_hits_total{verdict=\"deny\"} 1\n"));
	CHECK(strstr(t, "\ndnsward_validation_outcomes_total{outcome=\"bogus\"} 2\n"));
	CHECK(strstr(t, "\ndnsward_release_syscall_seconds_total 1.5\n"));
	CHECK(strstr(t, "\ndnsward_unmapped_stat{stat=\"brand_new_counter\"} 7\n"));
	CHECK(!strstr(t, "stage_hold") && !strstr(t, "hold_ns_max"));
	CHECK(!strstr(t, "punt_limited_dest")); /* not a "name value" line */
	CHECK(strstr(t, "\ndnsward_held_reply_duration_seconds_bucket{le=\"5e-05\"} 0\n"));
	CHECK(strstr(t, "\ndnsward_held_reply_duration_seconds_bucket{le=\"0.0001\"} 1\n"));
	CHECK(strstr(t, "\ndnsward_held_reply_duration_seconds_bucket{le=\"0.005\"} 2\n"));
	CHECK(strstr(t, "\ndnsward_held_reply_duration_seconds_count 2\n"));
	CHECK(strstr(t, "\ndnsward_zone_info{zone=\"idp.test\",mode=\"enforce\",require=\"secure\","
			"failure=\"closed\"} 1\n"));
	CHECK(strstr(t, "# TYPE dnsward_build_info gauge\ndnsward_build_info{version=\""));
	fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, t, strlen(t)) == (ssize_t)strlen(t));
	close(fd);
	if (!system("command -v promtool >/dev/null")) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
		CHECK_EQ_INT(system(cmd), 0);
	}
	unlink(path);
	free(t);
}

static void test_every_datapath_counter_has_a_family(void)
{
	char stat[96];
	unsigned i;

	for (i = 0; i < DW_CNT_MAX; i++) {
		snprintf(stat, sizeof(stat), "datapath_%s", counter_name(i));
		if (!metrics_export_family_of(stat)) {
			printf("  %s has no family in user/daemon/metrics_export.c\n", stat);
			CHECK(0);
		}
	}
}

int main(void)
{
	RUN_TEST(test_label_values_escaped);
	RUN_TEST(test_histogram_cumulative);
	RUN_TEST(test_families_from_stats);
	RUN_TEST(test_every_datapath_counter_has_a_family);
	HARNESS_EXIT();
}
