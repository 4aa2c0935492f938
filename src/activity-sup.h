/* activity-sup.h: berthd's side of the supervisor's activity report
 * (frames ACT_ASK/ACT, sup-aframe.h; berth-sup's side sup-act.c): asked
 * by the lifecycle loop before an idle stop, so that what berth-sup sees
 * (processes it runs, a task, input on a tty) counts even when berthd
 * holds nothing of it, after a restart (docs/access.md). Any thread. */
#ifndef BERTH_ACTIVITY_SUP_H
#define BERTH_ACTIVITY_SUP_H

#include <stddef.h>
#include <stdint.h>

struct sup_act;

/* Asks the supervisor in dir: 0 with *a; 1 when none answers there or it
 * predates the report (err_msg() says which); <0 on an error (a bad
 * report, no answer in time). */
int		 actsup_ask(const char *dir, struct sup_act *a);
/* What in report a, at now, keeps a workspace with idle timeout secs
 * from being idle: the activity source ("process", "task", "tty") and
 * its moment *at (the latest one that is within the timeout), or NULL
 * when nothing does. Times past now count as now. */
const char	*actsup_verdict(const struct sup_act *a, int64_t now,
		    int64_t timeout, int64_t *at);
/* The report for people, into buf: "process 0, session 0, tty 2 (last
 * 2026-...), task 0, background 1 (since ..., does not count)". */
void		 actsup_describe(const struct sup_act *a, char *buf,
		    size_t size);

#endif
