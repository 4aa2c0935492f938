/* metrics.c: counters, gauges and histograms; series registered on first
 * use, lock-free afterwards. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "xmalloc.h"

#define NBUCKETS	10
static const double bounds[NBUCKETS] = { 0.001, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 1, 5, 30 };

enum mkind { M_COUNTER, M_GAUGE, M_HIST };

struct metric {
	char		 name[64];
	char		 labels[160];
	const char	*help;
	enum mkind	 kind;
	atomic_long	 value;
	atomic_long	 buckets[NBUCKETS + 1];
	_Atomic double	 sum;
};

/* Series are kept in chunks that are never moved, so readers need no
 * lock. The label sets are finite by construction (route templates, the
 * statuses berthd sends, a fixed set of methods), far below the ceiling;
 * reaching it anyway is counted in berth_metrics_dropped_total, never
 * silent. */
#define CHUNK		256
#define MAXCHUNKS	64
static struct metric *chunks[MAXCHUNKS];
static atomic_int nmetrics;
static atomic_long ndropped;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static struct metric *
metric_at(int i)
{
	return &chunks[i / CHUNK][i % CHUNK];
}

static struct metric *
metric_get(const char *name, const char *labels, const char *help,
    enum mkind kind)
{
	int n = atomic_load(&nmetrics);
	struct metric *m = NULL;

	for (int i = 0; i < n; i++)
		if (strcmp(metric_at(i)->name, name) == 0 &&
		    strcmp(metric_at(i)->labels, labels) == 0)
			return metric_at(i);
	pthread_mutex_lock(&reg_lock);
	n = atomic_load(&nmetrics);
	for (int i = 0; i < n; i++)
		if (strcmp(metric_at(i)->name, name) == 0 &&
		    strcmp(metric_at(i)->labels, labels) == 0) {
			m = metric_at(i);
			break;
		}
	if (m == NULL && n < CHUNK * MAXCHUNKS) {
		if (chunks[n / CHUNK] == NULL)
			chunks[n / CHUNK] = xcalloc(CHUNK, sizeof **chunks);
		m = metric_at(n);
		snprintf(m->name, sizeof m->name, "%s", name);
		snprintf(m->labels, sizeof m->labels, "%s", labels);
		m->help = help;
		m->kind = kind;
		atomic_store(&nmetrics, n + 1);
	} else if (m == NULL)
		atomic_fetch_add(&ndropped, 1);
	pthread_mutex_unlock(&reg_lock);
	return m;
}

static void
observe(struct metric *m, double secs)
{
	int b;

	if (m == NULL)
		return;
	for (b = 0; b < NBUCKETS && secs > bounds[b]; b++)
		;
	atomic_fetch_add(&m->buckets[b], 1);
	atomic_fetch_add(&m->value, 1);
	{
		double old = atomic_load(&m->sum);
		while (!atomic_compare_exchange_weak(&m->sum, &old, old + secs))
			;
	}
}

void
metrics_http(const char *method, const char *pattern, int status,
    double secs)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT",
	    "PATCH", "DELETE", "OPTIONS", NULL };
	const char *mlabel = "other";
	char labels[160];
	struct metric *m;

	/* A client can send any method token: only known ones are labels. */
	for (int i = 0; known[i] != NULL; i++)
		if (strcmp(method, known[i]) == 0)
			mlabel = known[i];
	if (status < 100 || status > 599)
		status = 0;
	snprintf(labels, sizeof labels, "method=\"%s\",route=\"%s\","
	    "code=\"%d\"", mlabel, pattern, status);
	if ((m = metric_get("berth_api_requests_total", labels,
	    "API requests by route and status", M_COUNTER)) != NULL)
		atomic_fetch_add(&m->value, 1);
	snprintf(labels, sizeof labels, "route=\"%s\"", pattern);
	observe(metric_get("berth_api_request_seconds", labels,
	    "API request latency", M_HIST), secs);
}

void
metrics_inc(const char *name, const char *help)
{
	struct metric *m = metric_get(name, "", help, M_COUNTER);

	if (m != NULL)
		atomic_fetch_add(&m->value, 1);
}

void
metrics_gauge_add(const char *name, const char *help, long delta)
{
	struct metric *m = metric_get(name, "", help, M_GAUGE);

	if (m != NULL)
		atomic_fetch_add(&m->value, delta);
}

void
metrics_observe(const char *name, const char *help, double secs)
{
	observe(metric_get(name, "", help, M_HIST), secs);
}

static void
metric_write_one(struct buf *b, struct metric *m)
{
	const char *sep = m->labels[0] ? "," : "";
	const char *lo = m->labels[0] ? "{" : "", *lc = m->labels[0] ? "}" : "";
	long cum = 0;

	if (m->kind != M_HIST) {
		buf_appendf(b, "%s%s%s%s %ld\n", m->name, lo, m->labels, lc,
		    atomic_load(&m->value));
		return;
	}
	for (int k = 0; k <= NBUCKETS; k++) {
		cum += atomic_load(&m->buckets[k]);
		if (k < NBUCKETS)
			buf_appendf(b, "%s_bucket{%s%sle=\"%g\"} %ld\n",
			    m->name, m->labels, sep, bounds[k], cum);
		else
			buf_appendf(b, "%s_bucket{%s%sle=\"+Inf\"} %ld\n",
			    m->name, m->labels, sep, cum);
	}
	buf_appendf(b, "%s_sum%s%s%s %.6f\n", m->name, lo, m->labels, lc,
	    atomic_load(&m->sum));
	buf_appendf(b, "%s_count%s%s%s %ld\n", m->name, lo, m->labels, lc,
	    atomic_load(&m->value));
}

void
metrics_write(struct buf *b)
{
	int n = atomic_load(&nmetrics);

	buf_appendf(b, "# HELP berth_metrics_dropped_total Series not "
	    "recorded because the registry was full\n# TYPE "
	    "berth_metrics_dropped_total counter\n"
	    "berth_metrics_dropped_total %ld\n", atomic_load(&ndropped));
	/* Prometheus wants all samples of one name together. */
	for (int i = 0; i < n; i++) {
		struct metric *m = metric_at(i);
		int seen = 0;

		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(metric_at(j)->name, m->name) == 0;
		if (seen)
			continue;
		buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help,
		    m->name, m->kind == M_COUNTER ? "counter" :
		    m->kind == M_GAUGE ? "gauge" : "histogram");
		for (int k = i; k < n; k++)
			if (strcmp(metric_at(k)->name, m->name) == 0)
				metric_write_one(b, metric_at(k));
	}
}
