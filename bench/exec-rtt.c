/* exec-rtt.c: exec round trip of `true` through proc.h (proc_start, read
 * to EOF, proc_wait, proc_free) vs the `docker exec C true` CLI, median of
 * N each, alternating so both see the same load; plus what each step of
 * Docker's exec path costs. Built and run by bench/exec-rtt.sh.
 * Usage: exec-rtt IMAGE [N] */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "docker-client.h"
#include "docker-rt.h"
#include "err.h"
#include "proc.h"
#include "rt.h"
#include "xmalloc.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
die(const char *what)
{
	fprintf(stderr, "exec-rtt: %s: %s\n", what, err_msg());
	exit(1);
}

/* One proc.h round trip of `true`, with the time of each phase. */
static void
proc_rtt(struct rt *rt, const char *cid, double ph[4])
{
	const char *argv[] = { "true", NULL };
	struct proc_spec s = { .argv = argv };
	struct proc *p = NULL;
	char b[256];
	double t0, t1, t2, t3, t4;
	int st, status = -1;

	t0 = now_ms();
	if (proc_start(rt, cid, &s, &p) != 0)
		die("proc_start");
	t1 = now_ms();
	while (proc_read(p, &st, b, sizeof b) > 0)
		;
	t2 = now_ms();
	if (proc_wait(p, 10000, &status) != 0 || status != 0)
		die("proc_wait");
	t3 = now_ms();
	proc_free(p);
	t4 = now_ms();
	ph[0] = t1 - t0;	/* create + start (to the 101) */
	ph[1] = t2 - t1;	/* until the stream ends */
	ph[2] = t3 - t2;	/* inspect until Running=false */
	ph[3] = t4 - t3;	/* free */
}

static double
cli_rtt(const char *cid)
{
	double t0 = now_ms();
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		execlp("docker", "docker", "exec", cid, "true", (char *)NULL);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &st, 0) != pid || st != 0) {
		fprintf(stderr, "exec-rtt: docker exec failed\n");
		exit(1);
	}
	return now_ms() - t0;
}

/* A bare exec create (POST /containers/ID/exec), for the breakdown. */
static double
create_only(struct rt *rt, const char *cid)
{
	json_t *body = json_pack("{s:[s], s:b, s:b}", "Cmd", "true",
	    "AttachStdout", 1, "AttachStderr", 1);
	char *path = xasprintf("/containers/%s/exec", cid);
	double t0 = now_ms();
	long st = 0;

	if (dc_request(docker_rt_client(rt), "POST", path, body, 0, &st, NULL,
	    NULL) != 0 || st != 201)
		die("exec create");
	t0 = now_ms() - t0;
	free(path);
	json_decref(body);
	return t0;
}

int
main(int argc, char **argv)
{
	const char *image = argc > 1 ? argv[1] : "berthtest/busybox:latest";
	int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 50;
	const char *cmd[] = { "sleep", "1000000", NULL };
	char name[64], *id = NULL;
	struct rt_spec s = { .name = name, .image = image, .cmd = cmd,
	    .pids_limit = 1024 };
	double *api, *cli, *ph[4], *cr, one[4], ma, mc;
	struct rt *rt;

	if (n < 1 || n > 10000)
		n = 50;
	signal(SIGPIPE, SIG_IGN);
	snprintf(name, sizeof name, "berthbench-exec-%ld", (long)getpid());
	if ((rt = rt_new("docker", getenv("BERTH_DOCKER_HOST"))) == NULL)
		die("rt_new");
	if (rt_create(rt, &s, &id) != 0 || rt_start(rt, id) != 0)
		die("container");
	api = xcalloc((size_t)n, sizeof *api);
	cli = xcalloc((size_t)n, sizeof *cli);
	cr = xcalloc((size_t)n, sizeof *cr);
	for (int k = 0; k < 4; k++)
		ph[k] = xcalloc((size_t)n, sizeof *ph[k]);
	/* Warm both paths. */
	proc_rtt(rt, id, one);
	(void)cli_rtt(id);
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		proc_rtt(rt, id, one);
		api[i] = now_ms() - t0;
		for (int k = 0; k < 4; k++)
			ph[k][i] = one[k];
		cli[i] = cli_rtt(id);
		cr[i] = create_only(rt, id);
	}
	ma = median(api, n);
	mc = median(cli, n);
	printf("exec round trip of `true`, median of %d (image %s):\n", n,
	    image);
	printf("  proc.h (Docker exec): %.1f ms\n", ma);
	printf("  docker exec CLI:      %.1f ms\n", mc);
	printf("  ratio:                %.2fx (target <= 0.6x)\n", ma / mc);
	printf("proc.h steps (medians): exec create %.1f ms; create+start to "
	    "101 %.1f ms; stream to EOF %.1f ms; inspect until exited "
	    "%.1f ms; free %.1f ms\n", median(cr, n), median(ph[0], n),
	    median(ph[1], n), median(ph[2], n), median(ph[3], n));
	rt_remove(rt, id, 1);
	free(id);
	rt_free(rt);
	return 0;
}
