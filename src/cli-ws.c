/* cli-ws.c: workspace commands: deploy, ls, inspect, stop/start/restart/
 * redeploy, rm, logs, stats. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "cli-fmt.h"
#include "err.h"
#include "xmalloc.h"

/* Builds the POST /v1/workspaces body from deploy's flags. */
int
cli_deploy_body(struct cli_args *a, json_t **out)
{
	json_t *b = json_object(), *env = NULL, *ports = NULL, *vols = NULL;
	char *const *m;
	const char *v;
	size_t n;
	int r = ERR_INVAL;

	json_object_set_new(b, "name", json_string(cli_args_pos(a, 0)));
	if ((v = cli_args_get(a, "template")) != NULL)
		json_object_set_new(b, "template", json_string(v));
	if ((v = cli_args_get(a, "image")) != NULL)
		json_object_set_new(b, "image", json_string(v));
	if ((v = cli_args_get(a, "gpu")) != NULL)
		json_object_set_new(b, "gpu", json_string(v));
	if ((v = cli_args_get(a, "cpus")) != NULL) {
		char *end;
		double c = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || !(c > 0) || c > 1024) {
			err_set(ERR_INVAL, "bad --cpus '%s': want a positive "
			    "number", v);
			goto out;
		}
		if (c == (double)(long long)c)
			json_object_set_new(b, "cpus",
			    json_integer((json_int_t)c));
		else
			json_object_set_new(b, "cpus", json_real(c));
	}
	if ((v = cli_args_get(a, "memory")) != NULL)
		json_object_set_new(b, "memory", json_string(v));
	m = cli_args_multi(a, "env", &n);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(m[i], '=');
		char *k;
		if (eq == NULL || eq == m[i]) {
			err_set(ERR_INVAL, "bad --env '%s': want KEY=VALUE",
			    m[i]);
			goto out;
		}
		if (env == NULL)
			env = json_object();
		k = xstrndup(m[i], (size_t)(eq - m[i]));
		json_object_set_new(env, k, json_string(eq + 1));
		free(k);
	}
	m = cli_args_multi(a, "port", &n);
	for (size_t i = 0; i < n; i++) {
		char *end;
		long p = strtol(m[i], &end, 10);
		if (*m[i] == '\0' || *end != '\0' || p < 1 || p > 65535) {
			err_set(ERR_INVAL, "bad --port '%s': want 1-65535",
			    m[i]);
			goto out;
		}
		if (ports == NULL)
			ports = json_array();
		json_array_append_new(ports, json_integer(p));
	}
	m = cli_args_multi(a, "volume", &n);
	for (size_t i = 0; i < n; i++) {
		const char *c = strchr(m[i], ':');
		char *name;
		if (c == NULL || c == m[i] || c[1] != '/') {
			err_set(ERR_INVAL, "bad --volume '%s': want "
			    "NAME:/mount/path", m[i]);
			goto out;
		}
		if (vols == NULL)
			vols = json_array();
		name = xstrndup(m[i], (size_t)(c - m[i]));
		json_array_append_new(vols, json_pack("{s:s,s:s}", "name",
		    name, "mount", c + 1));
		free(name);
	}
	if ((v = cli_args_get(a, "command")) != NULL)
		json_object_set_new(b, "command", json_string(v));
	if ((v = cli_args_get(a, "ttl")) != NULL)
		json_object_set_new(b, "ttl", json_string(v));
	if ((v = cli_args_get(a, "idle-timeout")) != NULL)
		json_object_set_new(b, "idle_timeout", json_string(v));
	if ((v = cli_args_get(a, "ssh")) != NULL) {
		if (strcmp(v, "gateway") != 0 && strcmp(v, "direct") != 0) {
			err_set(ERR_INVAL, "bad --ssh '%s': want gateway or "
			    "direct", v);
			goto out;
		}
		json_object_set_new(b, "ssh", json_string(v));
	}
	if (env != NULL)
		json_object_set(b, "env", env);
	if (ports != NULL)
		json_object_set(b, "ports", ports);
	if (vols != NULL)
		json_object_set(b, "volumes", vols);
	if (cli_args_count(a, "wait"))
		json_object_set_new(b, "wait", json_true());
	*out = b;
	b = NULL;
	r = 0;
out:
	json_decref(env);
	json_decref(ports);
	json_decref(vols);
	json_decref(b);
	return r;
}

static void
ws_spin(void *arg, int64_t dt, int64_t dn, int64_t ut, int64_t un)
{
	cli_spin_tick(arg, "waiting for the workspace to start");
}

static int
ws_collect(const char *p, size_t len, void *arg)
{
	return buf_append(arg, p, len) == 0 ? 0 : -1;
}

/* Prints the lines people need after deploy/start. */
static void
ws_print_access(json_t *w)
{
	json_t *ssh = json_object_get(w, "ssh");

	if (*cli_str(ssh, "command") != '\0')
		printf("  ssh:       %s\n", cli_str(ssh, "command"));
	if (*cli_str(w, "terminal_url") != '\0')
		printf("  terminal:  %s\n", cli_str(w, "terminal_url"));
}

static void	ws_kv(const char *, const char *);

/* Activity: last (source, when), what is open, when idle stops it. */
static void
ws_print_activity(struct cli *cli, json_t *w)
{
	json_t *a = json_object_get(w, "activity"), *idle, *v;
	char b[200], t[80];
	size_t i, n;

	if (!json_is_object(a))
		return;
	if (*cli_str(a, "last_at") != '\0') {
		fmt_reltime(cli_str(a, "last_at"), cli->now, t, sizeof t);
		snprintf(b, sizeof b, "%s (%s)", t, *cli_str(a, "source") ?
		    cli_str(a, "source") : "start");
		ws_kv("Activity:", b);
	}
	n = 0;
	b[0] = '\0';
	json_array_foreach(json_object_get(a, "open"), i, v)
		n += (size_t)snprintf(b + n, n < sizeof b ? sizeof b - n : 0,
		    "%s%s", i ? ", " : "", json_string_value(v));
	if (n > 0 && n < sizeof b)
		ws_kv("Open now:", b);
	idle = json_object_get(w, "idle");
	if (*cli_str(idle, "stops_at") != '\0') {
		fmt_reltime(cli_str(idle, "stops_at"), cli->now, t, sizeof t);
		snprintf(b, sizeof b, "%s, when still quiet", t);
		ws_kv("Idle stops:", b);
	}
}

int
cmd_deploy(struct cli *cli)
{
	struct cli_stream s;
	struct buf *b = NULL;
	json_t *body = NULL, *w = NULL;
	char gpu[64];
	int r;

	if ((r = cli_deploy_body(cli->args, &body)) != 0)
		return cli_usage(cli, "%s", err_msg());
	b = buf_new(0);
	memset(&s, 0, sizeof s);
	s.method = "POST";
	s.path = "/v1/workspaces";
	s.json = body;
	s.writefn = ws_collect;
	s.writearg = b;
	s.long_running = cli_args_count(cli->args, "wait") > 0;
	if (s.long_running) {
		s.tick = ws_spin;
		s.tickarg = cli;
	}
	r = cli_stream(cli, &s);
	cli_spin_done(cli);
	json_decref(body);
	if (r != 0) {
		buf_free(b);
		return EXIT_FAIL;
	}
	w = json_loadb(buf_data(b), buf_len(b), 0, NULL);
	buf_free(b);
	if (!json_is_object(w)) {
		json_decref(w);
		return cli_err(cli, "bad_response", "bad JSON from berthd");
	}
	r = EXIT_OK;
	if (cli->json)
		cli_print_json(w);
	else if (cli->quiet)
		printf("%s\n", cli_str(w, "id"));
	else {
		cli_gpu_label(json_object_get(w, "gpu"), gpu, sizeof gpu);
		printf("Workspace %s (%.8s) is %s, GPU %s\n",
		    cli_str(w, "name"), cli_str(w, "id"), cli_str(w, "state"),
		    gpu);
		ws_print_access(w);
	}
	if (strcmp(cli_str(w, "state"), "failed") == 0) {
		if (!cli->json)
			fprintf(stderr, "berth: workspace %s failed: %s\n",
			    cli_str(w, "name"), cli_str(w, "error"));
		r = EXIT_FAIL;
	}
	json_decref(w);
	return r;
}

/* "2h 15m" until t, "expired", or "-" */
static void
ws_expiry(json_t *w, int64_t now, char *buf, size_t size)
{
	const char *e = cli_str(w, "expires_at");
	int64_t t;

	if (*e == '\0' || fmt_time_parse(e, &t) != 0)
		snprintf(buf, size, "-");
	else if (t <= now)
		snprintf(buf, size, "expired");
	else
		fmt_duration(t - now, buf, size);
}

int
cmd_ls(struct cli *cli)
{
	static const char *const hdr[] = { "NAME", "ID", "STATE", "GPU",
	    "IMAGE", "CREATED", "TTL LEFT", "OWNER" };
	const char *st = cli_args_get(cli->args, "status");
	struct fmt_table *t;
	json_t *list = NULL, *w;
	char *path;
	const char *owner0 = NULL;
	size_t i;
	int owners = 0, r;

	path = st != NULL ? cli_path("/v1/workspaces?state=%s", st) :
	    xstrdup("/v1/workspaces");
	r = cli_call(cli, "GET", path, NULL, &list);
	free(path);
	if (r != 0)
		return EXIT_FAIL;
	if (cli->json) {
		cli_print_json(list);
		json_decref(list);
		return EXIT_OK;
	}
	if (!json_is_array(list)) {
		json_decref(list);
		return cli_err(cli, "bad_response", "berthd sent no list");
	}
	if (cli->quiet) {
		json_array_foreach(list, i, w)
			printf("%s\n", cli_str(w, "name"));
		json_decref(list);
		return EXIT_OK;
	}
	json_array_foreach(list, i, w) {
		if (owner0 == NULL)
			owner0 = cli_str(w, "owner");
		else if (strcmp(owner0, cli_str(w, "owner")) != 0)
			owners = 1;
	}
	t = fmt_table_new(owners ? 8 : 7, hdr);
	json_array_foreach(list, i, w) {
		char id[9], gpu[64], created[32], ttl[32], *state;
		const char *row[8];

		snprintf(id, sizeof id, "%s", cli_str(w, "id"));
		cli_gpu_label(json_object_get(w, "gpu"), gpu, sizeof gpu);
		fmt_reltime(cli_str(w, "created_at"), cli->now, created,
		    sizeof created);
		ws_expiry(w, cli->now, ttl, sizeof ttl);
		state = fmt_color(cli->color, fmt_state_color(cli_str(w,
		    "state")), cli_str(w, "state"));
		row[0] = cli_str(w, "name");
		row[1] = id;
		row[2] = state;
		row[3] = gpu;
		row[4] = cli_str(w, "image");
		row[5] = created;
		row[6] = ttl;
		row[7] = cli_str(w, "owner");
		fmt_table_add(t, row);
		free(state);
	}
	if (fmt_table_rows(t) == 0 && !cli->quiet) {
		fmt_table_free(t);
		fprintf(stderr, "No workspaces%s%s. Create one with 'berth "
		    "deploy NAME'.\n", st ? " in state " : "", st ? st : "");
	} else
		fmt_table_print(t, stdout, cli->color);
	json_decref(list);
	return EXIT_OK;
}

static void
ws_kv(const char *k, const char *v)
{
	printf("%-14s %s\n", k, v != NULL && *v != '\0' ? v : "-");
}

static void
ws_print(struct cli *cli, json_t *w)
{
	char gpu[64], b[160], *state;
	json_t *v, *x;
	size_t i;
	const char *k;

	ws_kv("Name:", cli_str(w, "name"));
	ws_kv("ID:", cli_str(w, "id"));
	ws_kv("Owner:", cli_str(w, "owner"));
	state = fmt_color(cli->color, fmt_state_color(cli_str(w, "state")),
	    cli_str(w, "state"));
	ws_kv("State:", state);
	free(state);
	if (*cli_str(w, "error") != '\0')
		ws_kv("Error:", cli_str(w, "error"));
	ws_kv("Template:", cli_str(w, "template"));
	ws_kv("Image:", cli_str(w, "image"));
	cli_gpu_label(json_object_get(w, "gpu"), gpu, sizeof gpu);
	if ((x = json_object_get(w, "gpu")) != NULL && json_is_object(x) &&
	    *cli_str(x, "uuid") != '\0')
		snprintf(gpu + strlen(gpu), sizeof gpu - strlen(gpu), " (%s)",
		    cli_str(x, "uuid"));
	ws_kv("GPU:", gpu);
	if ((v = json_object_get(w, "cpus")) != NULL && json_is_number(v)) {
		snprintf(b, sizeof b, "%g", json_number_value(v));
		ws_kv("CPUs:", b);
	}
	ws_kv("Memory:", cli_str(w, "memory"));
	json_array_foreach(json_object_get(w, "volumes"), i, v) {
		snprintf(b, sizeof b, "%s -> %s", cli_str(v, "name"),
		    cli_str(v, "mount"));
		ws_kv(i == 0 ? "Volumes:" : "", b);
	}
	json_array_foreach(json_object_get(w, "ports"), i, v) {
		snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
		ws_kv(i == 0 ? "Ports:" : "", b);
	}
	i = 0;
	json_object_foreach(json_object_get(w, "env"), k, v) {
		snprintf(b, sizeof b, "%s=%s", k, json_string_value(v) ?
		    json_string_value(v) : "");
		ws_kv(i++ == 0 ? "Env:" : "", b);
	}
	fmt_reltime(cli_str(w, "created_at"), cli->now, b, sizeof b);
	ws_kv("Created:", b);
	fmt_reltime(cli_str(w, "started_at"), cli->now, b, sizeof b);
	ws_kv("Started:", b);
	if (*cli_str(w, "expires_at") != '\0') {
		fmt_reltime(cli_str(w, "expires_at"), cli->now, b, sizeof b);
		ws_kv("Expires:", b);
	}
	if ((v = json_object_get(w, "idle_timeout")) != NULL &&
	    json_is_integer(v)) {
		if (json_integer_value(v) == 0)
			snprintf(b, sizeof b, "never");
		else
			fmt_duration(json_integer_value(v), b, sizeof b);
		ws_kv("Idle stop:", b);
	}
	ws_print_activity(cli, w);
	ws_kv("SSH:", cli_str(json_object_get(w, "ssh"), "command"));
	ws_kv("Terminal:", cli_str(w, "terminal_url"));
}

int
cmd_inspect(struct cli *cli)
{
	json_t *w = NULL;
	char *path = cli_path("/v1/workspaces/%s", cli_args_pos(cli->args,
	    0));
	int r = cli_call(cli, "GET", path, NULL, &w);

	free(path);
	if (r != 0)
		return EXIT_FAIL;
	if (cli->json)
		cli_print_json(w);
	else
		ws_print(cli, w);
	json_decref(w);
	return EXIT_OK;
}

/* Runs fn for each ID; with --json prints one object, or an array. */
static int
ws_each(struct cli *cli, const char *method, const char *action)
{
	size_t n = cli_args_npos(cli->args);
	json_t *all = json_array();
	int fails = 0;

	for (size_t i = 0; i < n; i++) {
		const char *id = cli_args_pos(cli->args, i);
		json_t *w = NULL;
		char *path = action != NULL ?
		    cli_path("/v1/workspaces/%s/%S", id, action) :
		    cli_path("/v1/workspaces/%s", id);

		if (cli_call(cli, method, path, NULL, &w) != 0) {
			fails++;
			free(path);
			continue;
		}
		free(path);
		if (w == NULL)
			w = json_pack("{s:s,s:b}", "id", id, "deleted", 1);
		if (!cli->json && !cli->quiet) {
			if (action == NULL)
				printf("Deleted %s\n", id);
			else {
				char *st = fmt_color(cli->color,
				    fmt_state_color(cli_str(w, "state")),
				    cli_str(w, "state"));
				printf("%s: %s\n", *cli_str(w, "name") ?
				    cli_str(w, "name") : id, st);
				free(st);
			}
		}
		json_array_append_new(all, w);
	}
	if (cli->json && json_array_size(all) > 0)
		cli_print_json(n == 1 ? json_array_get(all, 0) : all);
	json_decref(all);
	return fails ? EXIT_FAIL : EXIT_OK;
}

int
cmd_lifecycle(struct cli *cli)
{
	return ws_each(cli, "POST", cli->cmd->name);
}

int
cmd_rm(struct cli *cli)
{
	if (cli->tty_in && !cli_args_count(cli->args, "force")) {
		struct buf *b = buf_new(0);
		int yes;

		for (size_t i = 0; i < cli_args_npos(cli->args); i++)
			buf_appendf(b, "%s%s", i ? ", " : "",
			    cli_args_pos(cli->args, i));
		buf_appendf(b, "?");
		{
			char *q = xasprintf("Delete workspace%s %s",
			    cli_args_npos(cli->args) > 1 ? "s" : "",
			    buf_data(b));
			yes = cli_confirm(cli, q);
			free(q);
		}
		buf_free(b);
		if (!yes) {
			fprintf(stderr, "Not deleted.\n");
			return EXIT_FAIL;
		}
	}
	return ws_each(cli, "DELETE", NULL);
}

struct ws_logs {
	struct cli_stream *s;
	struct buf	*json;		/* a JSON reply, rendered at the end */
};

static int
ws_logs_write(const char *p, size_t len, void *arg)
{
	struct ws_logs *l = arg;

	if (strncmp(l->s->ctype, "application/json", 16) == 0)
		return buf_append(l->json, p, len) == 0 ? 0 : -1;
	if (fwrite(p, 1, len, stdout) != len)
		return -1;
	fflush(stdout);
	return 0;
}

/* Renders events (GET .../events) as "TIME ACTION RESULT DETAIL". */
static void
ws_events_print(struct cli *cli, json_t *ev)
{
	static const char *const hdr[] = { "TIME", "ACTION", "RESULT",
	    "ACTOR", "DETAIL" };
	struct fmt_table *t = fmt_table_new(5, hdr);
	json_t *e;
	size_t i;

	json_array_foreach(ev, i, e) {
		const char *row[5];
		char *res = fmt_color(cli->color, strcmp(cli_str(e, "result"),
		    "ok") == 0 ? FMT_NONE : FMT_RED, cli_str(e, "result"));
		json_t *d = json_object_get(e, "detail");
		char *dt = json_is_string(d) ? xstrdup(json_string_value(d)) :
		    d != NULL && !json_is_null(d) ? json_dumps(d, JSON_COMPACT |
		    JSON_ENCODE_ANY) : xstrdup("");

		row[0] = *cli_str(e, "time") ? cli_str(e, "time") :
		    cli_str(e, "ts");
		row[1] = cli_str(e, "action");
		row[2] = res;
		row[3] = cli_str(e, "actor");
		row[4] = dt;
		fmt_table_add(t, row);
		free(res);
		free(dt);
	}
	fmt_table_print(t, stdout, cli->color);
}

int
cmd_logs(struct cli *cli)
{
	struct cli_args *a = cli->args;
	const char *id = cli_args_pos(a, 0), *v;
	struct cli_stream s;
	struct ws_logs l;
	struct buf *q = buf_new(0);
	json_t *j;
	char *path;
	int r;

	if (cli_args_count(a, "deploy")) {
		json_t *ev = NULL;
		path = cli_path("/v1/workspaces/%s/events", id);
		r = cli_call(cli, "GET", path, NULL, &ev);
		free(path);
		buf_free(q);
		if (r != 0)
			return EXIT_FAIL;
		if (cli->json || !json_is_array(ev))
			cli_print_json(ev);
		else
			ws_events_print(cli, ev);
		json_decref(ev);
		return EXIT_OK;
	}
	if ((v = cli_args_get(a, "tail")) != NULL) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0) {
			buf_free(q);
			return cli_usage(cli, "bad --tail '%s': want a number",
			    v);
		}
		buf_appendf(q, "&tail=%ld", n);
	}
	if (cli_args_count(a, "timestamps"))
		buf_appendf(q, "&timestamps=1");
	if (cli_args_count(a, "follow"))
		buf_appendf(q, "&follow=1");
	if ((v = cli_args_get(a, "since")) != NULL) {
		char *e = cli_path("%s", v);
		buf_appendf(q, "&since=%s", e);
		free(e);
	}
	path = cli_path("/v1/workspaces/%s/logs%S%S", id, buf_len(q) ? "?" :
	    "", buf_len(q) ? buf_data(q) + 1 : "");
	buf_free(q);
	memset(&s, 0, sizeof s);
	memset(&l, 0, sizeof l);
	l.s = &s;
	l.json = buf_new(0);
	s.method = "GET";
	s.path = path;
	s.accept = "text/plain, application/json";
	s.writefn = ws_logs_write;
	s.writearg = &l;
	s.long_running = cli_args_count(a, "follow") > 0;
	r = cli_stream(cli, &s);
	free(path);
	if (r == 0 && buf_len(l.json) > 0) {
		j = json_loadb(buf_data(l.json), buf_len(l.json),
		    JSON_DECODE_ANY, NULL);
		if (cli->json)
			cli_print_json(j);
		else if (json_is_array(j)) {
			size_t i;
			json_t *x;
			json_array_foreach(j, i, x)
				printf("%s\n", json_is_string(x) ?
				    json_string_value(x) : cli_str(x, "line"));
		} else if (json_is_string(json_object_get(j, "logs")))
			fputs(cli_str(j, "logs"), stdout);
		else
			cli_print_json(j);
		json_decref(j);
	}
	buf_free(l.json);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

/* The first numeric member among names (NULL-terminated), or -1. */
static double
ws_num(json_t *o, ...)
{
	va_list ap;
	const char *k;
	double v = -1;

	va_start(ap, o);
	while ((k = va_arg(ap, const char *)) != NULL) {
		json_t *x = json_object_get(o, k);
		if (json_is_number(x)) {
			v = json_number_value(x);
			break;
		}
	}
	va_end(ap);
	return v;
}

struct ws_stats {
	double	cpu, ncpu, mem, memlim, pids, rx, tx, rd, wr;
	double	gutil, gmem, gmemtot, gtemp;
	int	has_gpu;
};

static void
ws_stats_get(json_t *o, struct ws_stats *st)
{
	json_t *net = json_object_get(o, "net"), *blk, *g;
	json_t *mem = json_object_get(o, "memory");

	memset(st, 0, sizeof *st);
	st->cpu = ws_num(o, "cpu_percent", "cpu", (char *)NULL);
	st->ncpu = ws_num(o, "online_cpus", (char *)NULL);
	st->mem = ws_num(o, "memory_used", "memory_usage", "mem_used",
	    (char *)NULL);
	st->memlim = ws_num(o, "memory_limit", "mem_limit", (char *)NULL);
	if (json_is_object(mem)) {
		st->mem = ws_num(mem, "used", "usage", (char *)NULL);
		st->memlim = ws_num(mem, "limit", (char *)NULL);
	}
	st->pids = ws_num(o, "pids", (char *)NULL);
	if (!json_is_object(net))
		net = json_object_get(o, "network");
	if (json_is_object(net)) {
		st->rx = ws_num(net, "rx", "rx_bytes", (char *)NULL);
		st->tx = ws_num(net, "tx", "tx_bytes", (char *)NULL);
	} else {
		st->rx = ws_num(o, "net_rx", "net_rx_bytes", (char *)NULL);
		st->tx = ws_num(o, "net_tx", "net_tx_bytes", (char *)NULL);
	}
	if (json_is_object(blk = json_object_get(o, "block")) ||
	    json_is_object(blk = json_object_get(o, "blkio"))) {
		st->rd = ws_num(blk, "read", "read_bytes", (char *)NULL);
		st->wr = ws_num(blk, "write", "write_bytes", (char *)NULL);
	} else {
		st->rd = ws_num(o, "block_read", "blk_read", (char *)NULL);
		st->wr = ws_num(o, "block_write", "blk_write", (char *)NULL);
	}
	g = json_object_get(o, "gpu");
	if (json_is_array(g))
		g = json_array_get(g, 0);
	if (json_is_object(g)) {
		st->has_gpu = 1;
		st->gutil = ws_num(g, "util", "utilization", "util_percent",
		    (char *)NULL);
		st->gmem = ws_num(g, "memory_used_mb", "memory_used",
		    (char *)NULL);
		st->gmemtot = ws_num(g, "memory_total_mb", "memory_total",
		    (char *)NULL);
		st->gtemp = ws_num(g, "temp", "temperature", (char *)NULL);
	}
}

/* Human stats; bars when on a TTY. el is "\x1b[K\n" when refreshing in
 * place. */
static void
ws_stats_print(struct cli *cli, json_t *o, int bars, const char *el)
{
	struct ws_stats st;
	char a[32], b[32], bar[128];

	ws_stats_get(o, &st);
	/* each line: label, percent, [bar,] detail */
	bar[0] = '\0';
	if (bars)
		fmt_bar(st.cpu / (100 * (st.ncpu > 0 ? st.ncpu : 1)), 20, bar,
		    sizeof bar);
	printf("CPU     %6.1f%%%s%s", st.cpu < 0 ? 0 : st.cpu, bars ? "  " :
	    "", bar);
	if (st.ncpu > 0)
		printf("  of %.0f CPU%s", st.ncpu, st.ncpu == 1 ? "" : "s");
	fputs(el, stdout);
	fmt_bytes(st.mem, a, sizeof a);
	fmt_bytes(st.memlim, b, sizeof b);
	bar[0] = '\0';
	if (bars && st.memlim > 0)
		fmt_bar(st.mem / st.memlim, 20, bar, sizeof bar);
	if (st.memlim > 0)
		printf("MEMORY  %6.1f%%%s%s  %s / %s%s", 100 * st.mem /
		    st.memlim, bars ? "  " : "", bar, a, b, el);
	else
		printf("MEMORY  %s%s", a, el);
	if (st.has_gpu) {
		bar[0] = '\0';
		if (bars && st.gutil >= 0)
			fmt_bar(st.gutil / 100, 20, bar, sizeof bar);
		/* -1: NVML has no figure (MIG instances have no util) */
		if (st.gmem >= 0)
			fmt_bytes(st.gmem * 1048576, a, sizeof a);
		else
			snprintf(a, sizeof a, "-");
		fmt_bytes(st.gmemtot * 1048576, b, sizeof b);
		if (st.gutil >= 0)
			printf("GPU     %6.1f%%%s%s", st.gutil,
			    bars ? "  " : "", bar);
		else
			printf("GPU        n/a");
		printf("  %s / %s", a, b);
		if (st.gtemp >= 0)
			printf("  %.0f C", st.gtemp);
		fputs(el, stdout);
	}
	printf("PIDS    %.0f%s", st.pids < 0 ? 0 : st.pids, el);
	fmt_bytes(st.rx, a, sizeof a);
	fmt_bytes(st.tx, b, sizeof b);
	printf("NET     rx %s  tx %s%s", a, b, el);
	fmt_bytes(st.rd, a, sizeof a);
	fmt_bytes(st.wr, b, sizeof b);
	printf("BLOCK   read %s  write %s%s", a, b, el);
}

/* One line per sample for pipes. */
static void
ws_stats_line(struct cli *cli, json_t *o)
{
	struct ws_stats st;
	char t[32];
	time_t now = time(NULL);

	ws_stats_get(o, &st);
	strftime(t, sizeof t, "%H:%M:%S", localtime(&now));
	printf("%s cpu=%.1f%% mem=%.0f mem_limit=%.0f pids=%.0f rx=%.0f "
	    "tx=%.0f read=%.0f write=%.0f", t, st.cpu, st.mem, st.memlim,
	    st.pids, st.rx, st.tx, st.rd, st.wr);
	if (st.has_gpu)
		printf(" gpu=%.0f%% gpu_mem=%.0f gpu_temp=%.0f", st.gutil,
		    st.gmem, st.gtemp);
	printf("\n");
}

static volatile sig_atomic_t ws_stop;

static void
ws_onsig(int sig)
{
	ws_stop = 1;
}

int
cmd_stats(struct cli *cli)
{
	const char *iv = cli_args_get(cli->args, "interval");
	int watch = cli_args_count(cli->args, "watch") > 0, first = 1;
	char *path = cli_path("/v1/workspaces/%s/stats",
	    cli_args_pos(cli->args, 0));
	double interval = 2;
	int r = EXIT_OK;

	if (iv != NULL) {
		char *end;
		interval = strtod(iv, &end);
		if (*iv == '\0' || *end != '\0' || !(interval >= 0.1) ||
		    interval > 3600) {
			free(path);
			return cli_usage(cli, "bad --interval '%s'", iv);
		}
	}
	if (watch && cli->tty_out && !cli->json) {
		signal(SIGINT, ws_onsig);
		signal(SIGTERM, ws_onsig);
		fputs("\x1b[?25l", stdout);	/* hide the cursor */
	}
	do {
		json_t *o = NULL;
		struct timespec ts;

		if (cli_call(cli, "GET", path, NULL, &o) != 0) {
			r = EXIT_FAIL;
			break;
		}
		if (cli->json) {
			if (watch) {
				char *t = json_dumps(o, JSON_COMPACT);
				printf("%s\n", t);
				free(t);
			} else
				cli_print_json(o);
		} else if (watch && cli->tty_out) {
			/* in place: home, redraw, clear to the end */
			fputs(first ? "\x1b[H\x1b[2J" : "\x1b[H", stdout);
			printf("%s%s\x1b[K\n\x1b[K\n", "stats for ",
			    cli_args_pos(cli->args, 0));
			ws_stats_print(cli, o, 1, "\x1b[K\n");
			fputs("\x1b[J", stdout);
		} else if (watch)
			ws_stats_line(cli, o);
		else
			ws_stats_print(cli, o, cli->tty_out, "\n");
		fflush(stdout);
		json_decref(o);
		first = 0;
		if (!watch)
			break;
		ts.tv_sec = (time_t)interval;
		ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	} while (!ws_stop);
	if (watch && cli->tty_out && !cli->json)
		fputs("\x1b[?25h", stdout);
	free(path);
	return r;
}
