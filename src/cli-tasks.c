/* cli-tasks.c: berth run, berth tasks (list, output, kill): tasks over
 * the REST API (docs/tasks.md). A followed output that breaks (berthd
 * restarted) is asked again from the byte it stopped at. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "cli-fmt.h"
#include "cli.h"
#include "xmalloc.h"

#define RESUME_TRIES	60	/* a broken follow, asked again (1 s apart) */

struct outw {
	long long	got;	/* bytes written */
};

static int
out_write(const char *p, size_t len, void *arg)
{
	struct outw *o = arg;

	if (fwrite(p, 1, len, stdout) != len)
		return -1;
	fflush(stdout);
	o->got += (long long)len;
	return 0;
}

static int
task_state(struct cli *cli, const char *id, const char *tid, json_t **t)
{
	char *path = cli_path("/v1/workspaces/%s/tasks/%s", id, tid);
	int r = cli_call(cli, "GET", path, NULL, t);

	free(path);
	return r;
}

/* Streams output from off (tail >= 0: the last tail bytes instead);
 * with follow, until the task ends, resuming where a broken stream
 * stopped. */
static int
task_output(struct cli *cli, const char *id, const char *tid, int follow,
    long long off, long long tail)
{
	struct cli_stream s;
	struct outw o = { 0 };
	json_t *t = NULL;
	char *path, q[96];
	int r = -1;

	for (int tries = 0; tries <= RESUME_TRIES; tries++) {
		if (tail >= 0 && tries == 0)
			snprintf(q, sizeof q, "?tail=%lld%s", tail, follow ?
			    "&follow=1" : "");
		else
			snprintf(q, sizeof q, "?offset=%lld%s", off + o.got,
			    follow ? "&follow=1" : "");
		if (tail >= 0 && tries > 0) {
			/* A tail read has an unknown start: from the end. */
			json_decref(t);
			t = NULL;
			if (task_state(cli, id, tid, &t) != 0)
				break;
			off = json_integer_value(json_object_get(
			    json_object_get(t, "output"), "end"));
			o.got = 0;
			tail = -1;
			snprintf(q, sizeof q, "?offset=%lld&follow=1", off);
		}
		path = cli_path("/v1/workspaces/%s/tasks/%s/output%S", id, tid,
		    q);
		memset(&s, 0, sizeof s);
		s.method = "GET";
		s.path = path;
		s.accept = "application/octet-stream, */*";
		s.writefn = out_write;
		s.writearg = &o;
		s.long_running = follow;
		r = cli_stream(cli, &s);
		free(path);
		if (!follow || (s.status >= 400 && s.status < 500))
			break;
		if (r == 0) {
			/* Ended: the task did, or berthd stopped. */
			json_decref(t);
			t = NULL;
			if (task_state(cli, id, tid, &t) != 0 ||
			    strcmp(cli_str(t, "state"), "running") != 0)
				break;
		} else
			sleep(1);	/* broken, or berthd not back yet */
	}
	json_decref(t);
	return r;
}

static long long
opt_num(struct cli *cli, const char *name, long long def, int *bad)
{
	const char *v = cli_args_get(cli->args, name);
	char *end;
	long long n;

	if (v == NULL)
		return def;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || end == v || n < 0) {
		*bad = 1;
		return def;
	}
	return n;
}

static void
task_id(json_t *t, char *b, size_t n)
{
	snprintf(b, n, "%s", cli_str(t, "id"));
}

int
cmd_run(struct cli *cli)
{
	const char *id = cli_args_pos(cli->args, 0), *v;
	char *const *rest;
	json_t *body, *argv = json_array(), *t = NULL;
	char *path, tid[128];
	size_t n;
	int r;

	rest = cli_args_rest(cli->args, &n);
	if (n == 0) {
		json_decref(argv);
		return cli_usage(cli, "'berth run' needs a command after the "
		    "workspace");
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(argv, json_string(rest[i]));
	body = json_pack("{s:o}", "argv", argv);
	if ((v = cli_args_get(cli->args, "name")) != NULL)
		json_object_set_new(body, "name", json_string(v));
	if (cli_args_count(cli->args, "tty"))
		json_object_set_new(body, "tty", json_true());
	path = cli_path("/v1/workspaces/%s/tasks", id);
	r = cli_call(cli, "POST", path, body, &t);
	free(path);
	json_decref(body);
	if (r != 0)
		return EXIT_FAIL;
	task_id(t, tid, sizeof tid);
	if (cli_args_count(cli->args, "detach")) {
		if (cli->json)
			cli_print_json(t);
		else
			printf("%s\n", tid);
		json_decref(t);
		return EXIT_OK;
	}
	json_decref(t);
	t = NULL;
	signal(SIGPIPE, SIG_IGN);
	if (task_output(cli, id, tid, 1, 0, -1) != 0)
		return EXIT_FAIL;
	/* The output ends when the task does. */
	if (task_state(cli, id, tid, &t) != 0)
		return EXIT_FAIL;
	if (json_is_integer(json_object_get(t, "exit_code"))) {
		r = (int)json_integer_value(json_object_get(t, "exit_code"));
		if (r < 0 || r > 255)
			r = EXIT_FAIL;
	} else
		r = EXIT_FAIL;
	if (strcmp(cli_str(t, "state"), "exited") != 0 && !cli->quiet)
		fprintf(stderr, "berth: task %s %s\n", tid, cli_str(t,
		    "state"));
	json_decref(t);
	return r;
}

static char *
argv_text(json_t *a)
{
	struct buf *b = buf_new(0);
	json_t *x;
	size_t k;
	char *s;

	json_array_foreach(a, k, x)
		buf_appendf(b, "%s%s", k ? " " : "", json_string_value(x) ?
		    json_string_value(x) : "");
	s = buf_steal(b, NULL);
	buf_free(b);
	return s;
}

int
cmd_tasks(struct cli *cli)
{
	static const char *const hdr[] = { "ID", "NAME", "STATE", "EXIT",
	    "STARTED", "OUTPUT", "COMMAND" };
	json_t *list = NULL, *t;
	struct fmt_table *tb;
	char *path;
	size_t i;
	int r;

	path = cli_path("/v1/workspaces/%s/tasks", cli_args_pos(cli->args,
	    0));
	r = cli_call(cli, "GET", path, NULL, &list);
	free(path);
	if (r != 0)
		return EXIT_FAIL;
	if (cli->json || !json_is_array(list)) {
		cli_print_json(list);
		json_decref(list);
		return EXIT_OK;
	}
	if (cli->quiet) {
		json_array_foreach(list, i, t)
			printf("%s\n", cli_str(t, "id"));
		json_decref(list);
		return EXIT_OK;
	}
	tb = fmt_table_new(7, hdr);
	json_array_foreach(list, i, t) {
		char ex[32], st[32], out[32], *state, *cmd;
		const char *row[7];
		json_t *x = json_object_get(t, "exit_code");

		if (json_is_integer(x))
			snprintf(ex, sizeof ex, "%lld", (long long)
			    json_integer_value(x));
		else
			snprintf(ex, sizeof ex, "-");
		fmt_reltime(cli_str(t, "started_at"), cli->now, st, sizeof st);
		fmt_bytes(json_integer_value(json_object_get(json_object_get(
		    t, "output"), "end")), out, sizeof out);
		cmd = argv_text(json_object_get(t, "argv"));
		state = fmt_color(cli->color, fmt_state_color(cli_str(t,
		    "state")), cli_str(t, "state"));
		row[0] = cli_str(t, "id");
		row[1] = cli_str(t, "name");
		row[2] = state;
		row[3] = ex;
		row[4] = st;
		row[5] = out;
		row[6] = cmd;
		fmt_table_add(tb, row);
		free(state);
		free(cmd);
	}
	fmt_table_print(tb, stdout, cli->color);
	json_decref(list);
	return EXIT_OK;
}

int
cmd_tasks_output(struct cli *cli)
{
	int bad = 0;
	long long off = opt_num(cli, "offset", 0, &bad);
	long long tail = opt_num(cli, "tail", -1, &bad);

	if (bad)
		return cli_usage(cli, "--offset and --tail take a number of "
		    "bytes");
	signal(SIGPIPE, SIG_IGN);
	return task_output(cli, cli_args_pos(cli->args, 0),
	    cli_args_pos(cli->args, 1), cli_args_count(cli->args, "follow") >
	    0, off, tail) == 0 ? EXIT_OK : EXIT_FAIL;
}

int
cmd_tasks_kill(struct cli *cli)
{
	const char *sig = cli_args_get(cli->args, "signal");
	json_t *t = NULL;
	char *path = cli_path("/v1/workspaces/%s/tasks/%s%S%s",
	    cli_args_pos(cli->args, 0), cli_args_pos(cli->args, 1),
	    sig != NULL ? "?signal=" : "", sig != NULL ? sig : "");
	int r = cli_call(cli, "DELETE", path, NULL, &t);

	free(path);
	if (r != 0)
		return EXIT_FAIL;
	if (cli->json && t != NULL)
		cli_print_json(t);
	else if (!cli->quiet && sig == NULL)
		printf("Killed task %s (%s, no process left)\n", cli_str(t,
		    "id"), cli_str(t, "state"));
	else if (!cli->quiet)
		printf("Sent SIG%s to task %s\n", sig, cli_str(t, "id"));
	json_decref(t);
	return EXIT_OK;
}
