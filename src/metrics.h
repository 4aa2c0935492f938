/* metrics.h: process-wide counters, gauges and latency histograms for
 * GET /metrics (Prometheus text format). Any thread; lock-free counters
 * for the hot path, one lock for registration. */
#ifndef BERTH_METRICS_H
#define BERTH_METRICS_H

struct buf;

/* Adds one API request: route pattern, method, status, seconds. */
void	metrics_http(const char *method, const char *pattern, int status,
	    double secs);
/* A named counter ("berth_exec_total") += 1; registered on first use. */
void	metrics_inc(const char *name, const char *help);
/* A named gauge += delta (sessions open). */
void	metrics_gauge_add(const char *name, const char *help, long delta);
/* A named histogram observation in seconds ("berth_exec_seconds"). */
void	metrics_observe(const char *name, const char *help, double secs);
/* Writes everything in Prometheus text format. */
void	metrics_write(struct buf *);

#endif
