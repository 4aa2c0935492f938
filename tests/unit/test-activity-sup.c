/* test-activity-sup: the supervisor's activity report (activity-sup.h,
 * sup-act.c): what counts and for how long (actsup_verdict), the words
 * of the stop event, and the real berth-sup (BUILD_DIR/berth-sup) run
 * here without Docker: processes attached and kept after their caller
 * died, a terminal session's shell, the last exit, a running task; no
 * supervisor.
 * Background processes are counted from the container's whole /proc, so
 * they are tested in a real workspace (tests/integration/idle-sup.sh). */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activity-sup.h"
#include "check.h"
#include "err.h"
#include "proc-sup.h"
#include "proc.h"
#include "sup-aframe.h"
#include "sup-tframe.h"
#include "task-sup.h"

static char dir[256];
static pid_t sup_pid;

static const char key[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void
sup_up(void)
{
	char path[300], bin[300];
	const char *bd = getenv("BUILD_DIR");
	int fd;

	snprintf(bin, sizeof bin, "%s/berth-sup", bd ? bd : ".");
	snprintf(dir, sizeof dir, "/tmp/test-activity-sup.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s.key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, key, 64) != 64)
		exit(1);
	close(fd);
	if ((sup_pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setenv("BERTH_SUP_SECRET", key, 1);
		execl(bin, "berth-sup", "-d", dir, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof path, "%s/sup.sock", dir);
	for (int i = 0; i < 500; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int sfd = socket(AF_UNIX, SOCK_STREAM, 0), up;

		snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
		up = connect(sfd, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(sfd);
		if (up)
			break;
		usleep(10000);
	}
}

static void
sup_down(void)
{
	char cmd[600];

	kill(sup_pid, SIGTERM);
	waitpid(sup_pid, NULL, 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s %s.key", dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static struct sup_act
report(const char *items, int64_t now)
{
	struct sup_act a;
	char name[32];
	unsigned count;
	long long at;
	const char *p = items;
	int k;

	memset(&a, 0, sizeof a);
	a.now = (uint64_t)now;
	/* "name count at; ..." with at relative to now (0: never). */
	while (sscanf(p, " %31[a-z-] %u %lld;%n", name, &count, &at, &k) ==
	    3) {
		CHECK_EQ_INT(sup_act_add(&a, name, count, at ? (uint64_t)(now +
		    at) : 0), 0);
		p += k;
	}
	return a;
}

static void
test_verdict(void)
{
	int64_t now = 1796190000, at;
	struct sup_act a;

	a = report("process 1 0; tty 0 0; task 0 0; background 3 -5;", now);
	CHECK_EQ_STR(actsup_verdict(&a, now, 60, &at), "process");
	CHECK_EQ_INT(at, now);
	/* A tty counts by its last input, while within the timeout. */
	a = report("process 0 0; tty 2 -10; task 0 0;", now);
	CHECK_EQ_STR(actsup_verdict(&a, now, 60, &at), "tty");
	CHECK_EQ_INT(at, now - 10);
	CHECK(actsup_verdict(&a, now, 10, &at) == NULL);
	CHECK(actsup_verdict(&a, now, 11, &at) != NULL);
	/* A time past now counts as now. */
	a = report("tty 1 3600;", now);
	CHECK_EQ_STR(actsup_verdict(&a, now, 5, &at), "tty");
	CHECK_EQ_INT(at, now);
	/* A process that ended lately: its end is the last use. */
	a = report("process 0 -3; task 0 0;", now);
	CHECK_EQ_STR(actsup_verdict(&a, now, 60, &at), "process");
	CHECK_EQ_INT(at, now - 3);
	CHECK(actsup_verdict(&a, now, 3, &at) == NULL);
	a = report("task 2 0; tty 1 -1;", now);
	CHECK_EQ_STR(actsup_verdict(&a, now, 60, &at), "task");
	/* The latest wins. */
	a = report("process 0 -20; tty 1 -2;", now);
	CHECK_EQ_STR(actsup_verdict(&a, now, 60, &at), "tty");
	CHECK_EQ_INT(at, now - 2);
	/* Neither background processes nor terminal sessions nor a name
	 * berthd does not know count; a tty never typed in does not either. */
	a = report("process 0 0; session 2 0; tty 2 0; task 0 0; "
	    "background 4 0; future 9 0;", now);
	CHECK(actsup_verdict(&a, now, 60, &at) == NULL);
	CHECK_EQ_INT(at, 0);
	a = report("", now);
	CHECK(actsup_verdict(&a, now, 60, &at) == NULL);
}

static void
test_describe(void)
{
	struct sup_act a;
	char b[512];

	a = report("process 0 0; session 1 0; tty 2 -10; task 0 0; "
	    "background 2 -100;", 1796190000);
	actsup_describe(&a, b, sizeof b);
	CHECK_HAS(b, "process 0, session 1, tty 2 (last 2026-");
	CHECK_HAS(b, "), task 0, background 2 (newest 2026-");
	CHECK_HAS(b, ", does not count)");
	a = report("background 1 0;", 1796190000);
	actsup_describe(&a, b, sizeof b);
	CHECK_EQ_STR(b, "background 1 (does not count)");
	/* Cut to the buffer, terminated. */
	actsup_describe(&a, b, 8);
	CHECK_EQ_INT(strlen(b), 7);
}

static const struct sup_act_item *
item(const struct sup_act *a, const char *name)
{
	static const struct sup_act_item none;
	const struct sup_act_item *it = sup_act_find(a, name);

	CHECK(it != NULL);
	return it != NULL ? it : &none;
}

/* A process started through the supervisor by a caller that then dies
 * without a word (berthd's kill -9); session: a terminal session's
 * shell (keep_idle). */
static void
start_orphan(const char *arg, int session)
{
	const char *a[] = { "sleep", arg, NULL };
	struct proc_spec s = { .argv = a, .keep = 1, .timeout_ms = 60000,
	    .tty = 1, .rows = 24, .cols = 80, .keep_idle = session };
	pid_t c;

	s.sup_dir = dir;
	if ((c = fork()) == 0) {
		struct proc *p;
		_exit(proc_start(NULL, "none", &s, &p) == 0 ? 0 : 1);
	}
	waitpid(c, NULL, 0);
}

static struct sup_act
ask(void)
{
	struct sup_act a;

	if (actsup_ask(dir, &a) != 0)
		fprintf(stderr, "ask: %s\n", err_msg());
	return a;
}

/* Waits (up to 5 s) until the report's process count is want. */
static struct sup_act
ask_until(const char *name, uint32_t want)
{
	struct sup_act a;

	for (int i = 0; i < 250; i++) {
		a = ask();
		if (item(&a, name)->count == want)
			break;
		usleep(20000);
	}
	return a;
}

static void
test_real(void)
{
	const char *ta[] = { "sleep", "1237.4", NULL };
	struct task_spec ts = { .argv = ta, .max_out = 1 << 20 };
	const char *aa[] = { "sleep", "1237.3", NULL };
	struct proc_spec as = { .argv = aa, .tty = 1, .rows = 24,
	    .cols = 80 };
	struct sup_tinfo ti;
	struct sup_ps *ps = NULL;
	struct proc *p = NULL;
	struct sup_act a;
	size_t n = 0;
	int64_t t0 = (int64_t)time(NULL);

	/* Nobody there: 1, the caller goes by berthd's own signals. */
	CHECK_EQ_INT(actsup_ask("/nonexistent/berth-act", &a), 1);
	/* The reason goes into an event a user reads: no host path. */
	CHECK_EQ_STR(err_msg(), "no supervisor answers");
	CHECK_EQ_INT(actsup_ask(NULL, &a), 1);
	sup_up();
	a = ask();
	CHECK(a.now >= (uint64_t)t0);
	CHECK_EQ_INT(item(&a, "process")->count, 0);
	CHECK_EQ_INT(item(&a, "process")->last_at, 0);
	CHECK_EQ_INT(item(&a, "session")->count, 0);
	CHECK_EQ_INT(item(&a, "task")->count, 0);
	CHECK(sup_act_find(&a, "tty") != NULL);
	CHECK(sup_act_find(&a, "background") != NULL);
	/* A kept exec whose caller died counts (on a tty too); a terminal
	 * session's shell is a session, which does not by itself. */
	start_orphan("1237.1", 0);
	start_orphan("1237.2", 1);
	a = ask_until("session", 1);
	CHECK_EQ_INT(item(&a, "process")->count, 1);
	CHECK_EQ_INT(item(&a, "session")->count, 1);
	CHECK(item(&a, "process")->last_at >= (uint64_t)t0);
	/* An attached shell-like process on a tty counts as a process. */
	as.sup_dir = dir;
	CHECK_EQ_INT(proc_start(NULL, "none", &as, &p), 0);
	a = ask();
	CHECK_EQ_INT(item(&a, "process")->count, 2);
	CHECK_EQ_INT(item(&a, "session")->count, 1);
	proc_free(p);
	/* All gone: none runs, and the last end is the last use. */
	CHECK_EQ_INT(sup_list(dir, &ps, &n), 0);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(sup_kill(dir, ps[i].id, SIGKILL), 0);
	free(ps);
	a = ask_until("session", 0);
	a = ask_until("process", 0);
	CHECK_EQ_INT(item(&a, "process")->count, 0);
	CHECK(item(&a, "process")->last_at >= (uint64_t)t0);
	CHECK(item(&a, "process")->last_at <= a.now);
	/* A running task. */
	CHECK_EQ_INT(tsup_start(dir, "act1", &ts, &ti), 0);
	a = ask();
	CHECK_EQ_INT(item(&a, "task")->count, 1);
	CHECK_EQ_INT(item(&a, "task")->last_at, a.now);
	CHECK_EQ_INT(tsup_kill(dir, "act1", SIGKILL, &ti), 0);
	a = ask_until("task", 0);
	CHECK_EQ_INT(item(&a, "task")->count, 0);
	sup_down();
}

int
main(void)
{
	test_verdict();
	test_describe();
	test_real();
	CHECK_DONE();
}
