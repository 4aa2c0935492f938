/* cli-exec.c: commands that reach into a workspace: exec (streamed
 * NDJSON), cp (files and tar streams, never whole in memory). Tasks
 * are cli-tasks.c. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "cli.h"
#include "cli-fmt.h"
#include "err.h"
#include "xmalloc.h"

/* The exec route takes bodies up to 24 MiB; stdin goes as base64. */
#define EXEC_STDIN_MAX		(16 * 1024 * 1024)
#define EXEC_EXIT_TIMEOUT	124

/* Writes all of p to fd. */
static int
exec_writeall(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct exec_state {
	struct cli	*cli;
	struct cli_stream *s;
	struct buf	*line;		/* partial NDJSON line, or JSON body */
	int		 done;
	long long	 exit_code;
	int		 timed_out;
	int		 broken;	/* bad line seen */
	char		*error;		/* an {"error":...} line */
};

/* Handles one NDJSON record. */
static int
exec_record(struct exec_state *x, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL), *e;
	const char *stream, *data;
	int r = 0;

	if (!json_is_object(o)) {
		json_decref(o);
		x->broken = 1;
		return 0;
	}
	if ((stream = json_string_value(json_object_get(o, "stream"))) !=
	    NULL) {
		int fd = strcmp(stream, "stderr") == 0 ? 2 : 1;
		json_t *d = json_object_get(o, "data");

		data = json_string_value(d);
		if (data != NULL && strcmp(cli_str(o, "encoding"), "base64") ==
		    0) {
			unsigned char *raw;
			size_t n;
			if (cli_b64_decode(data, &raw, &n) == 0) {
				r = exec_writeall(fd, (char *)raw, n);
				free(raw);
			}
		} else if (data != NULL)
			r = exec_writeall(fd, data, json_string_length(d));
	} else if (json_is_object(e = json_object_get(o, "error"))) {
		free(x->error);
		x->error = xstrdup(cli_str(e, "message"));
	} else if (json_is_integer(json_object_get(o, "exit_code"))) {
		x->done = 1;
		x->exit_code = json_integer_value(json_object_get(o,
		    "exit_code"));
		x->timed_out = json_is_true(json_object_get(o, "timed_out"));
	}
	json_decref(o);
	return r;
}

static int
exec_write(const char *p, size_t len, void *arg)
{
	struct exec_state *x = arg;
	const char *nl;

	if (strncmp(x->s->ctype, "application/json", 16) == 0)
		return buf_append(x->line, p, len) == 0 ? 0 : -1;
	if (buf_append(x->line, p, len) != 0)
		return -1;
	while ((nl = memchr(buf_data(x->line), '\n', buf_len(x->line))) !=
	    NULL) {
		size_t n = (size_t)(nl - buf_data(x->line));
		if (n > 0 && exec_record(x, buf_data(x->line), n) != 0)
			return -1;
		buf_consume(x->line, n + 1);
	}
	return 0;
}

/* Reads all of stdin for -i (the API takes it in the request). */
static int
exec_read_stdin(struct cli *cli, char **out)
{
	struct buf *b = buf_new(EXEC_STDIN_MAX);
	char chunk[65536];
	ssize_t n;
	size_t len;
	char *raw;

	while ((n = read(0, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_free(b);
			return cli_err(cli, "io", "cannot read stdin: %s",
			    strerror(errno));
		}
		if (buf_append(b, chunk, (size_t)n) != 0) {
			buf_free(b);
			return cli_err(cli, "too_large", "stdin is larger than "
			    "%d MiB; use 'berth cp' for big inputs",
			    EXEC_STDIN_MAX / 1048576);
		}
	}
	len = buf_len(b);
	raw = buf_steal(b, NULL);
	buf_free(b);
	*out = cli_b64_encode((unsigned char *)raw, len);
	free(raw);
	return 0;
}

/* The exec body from the flags and the trailing command. */
static int
exec_body(struct cli *cli, json_t **out)
{
	struct cli_args *a = cli->args;
	char *const *rest, *const *m;
	size_t n, ne;
	json_t *b = json_object(), *argv = json_array(), *env = NULL;
	const char *v;
	char *in;

	rest = cli_args_rest(a, &n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(argv, json_string(rest[i]));
	json_object_set_new(b, "argv", argv);
	if ((v = cli_args_get(a, "timeout")) != NULL) {
		char *end;
		long t = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || t < 1 || t > 3600) {
			json_decref(b);
			return cli_usage(cli, "bad --timeout '%s': want 1-3600 "
			    "seconds", v);
		}
		json_object_set_new(b, "timeout", json_integer(t));
	}
	if ((v = cli_args_get(a, "workdir")) != NULL)
		json_object_set_new(b, "workdir", json_string(v));
	if ((v = cli_args_get(a, "user")) != NULL)
		json_object_set_new(b, "user", json_string(v));
	m = cli_args_multi(a, "env", &ne);
	for (size_t i = 0; i < ne; i++) {
		const char *eq = strchr(m[i], '=');
		char *k;
		if (eq == NULL || eq == m[i]) {
			json_decref(b);
			json_decref(env);
			return cli_usage(cli, "bad --env '%s': want KEY=VALUE",
			    m[i]);
		}
		if (env == NULL)
			env = json_object();
		k = xstrndup(m[i], (size_t)(eq - m[i]));
		json_object_set_new(env, k, json_string(eq + 1));
		free(k);
	}
	if (env != NULL)
		json_object_set_new(b, "env", env);
	if (cli_args_count(a, "interactive")) {
		int r;
		if ((r = exec_read_stdin(cli, &in)) != 0) {
			json_decref(b);
			return r;
		}
		json_object_set_new(b, "stdin", json_string(in));
		json_object_set_new(b, "stdin_encoding", json_string("base64"));
		free(in);
	}
	*out = b;
	return 0;
}

int
cmd_exec(struct cli *cli)
{
	struct exec_state x;
	struct cli_stream s;
	json_t *body = NULL;
	size_t n;
	int r;

	cli_args_rest(cli->args, &n);
	if (n == 0)
		return cli_usage(cli, "'berth exec' needs a command after the "
		    "workspace");
	if ((r = exec_body(cli, &body)) != 0)
		return r;
	memset(&x, 0, sizeof x);
	memset(&s, 0, sizeof s);
	x.cli = cli;
	x.s = &s;
	x.line = buf_new(0);
	s.method = "POST";
	s.path = cli_path("/v1/workspaces/%s/exec", cli_args_pos(cli->args,
	    0));
	s.accept = cli->json ? "application/json" : "application/x-ndjson";
	s.json = body;
	s.writefn = exec_write;
	s.writearg = &x;
	s.long_running = 1;
	fflush(stdout);
	r = cli_stream(cli, &s);
	free((char *)s.path);
	json_decref(body);
	if (r != 0) {
		buf_free(x.line);
		free(x.error);
		return EXIT_FAIL;
	}
	if (strncmp(s.ctype, "application/json", 16) == 0) {
		/* the buffered form: {"stdout","stderr","exit_code",...} */
		json_t *o = json_loadb(buf_data(x.line), buf_len(x.line), 0,
		    NULL);
		if (!json_is_object(o)) {
			json_decref(o);
			buf_free(x.line);
			return cli_err(cli, "bad_response", "bad JSON from "
			    "berthd");
		}
		if (cli->json)
			cli_print_json(o);
		else {
			json_t *so = json_object_get(o, "stdout");
			json_t *se = json_object_get(o, "stderr");
			fflush(stdout);
			exec_writeall(1, cli_str(o, "stdout"),
			    json_string_length(so));
			exec_writeall(2, cli_str(o, "stderr"),
			    json_string_length(se));
		}
		x.done = json_is_integer(json_object_get(o, "exit_code"));
		x.exit_code = json_integer_value(json_object_get(o,
		    "exit_code"));
		x.timed_out = json_is_true(json_object_get(o, "timed_out"));
		json_decref(o);
	} else if (buf_len(x.line) > 0)
		exec_record(&x, buf_data(x.line), buf_len(x.line));
	buf_free(x.line);
	if (x.error != NULL) {
		r = cli_err(cli, "exec_failed", "%s", x.error);
		free(x.error);
		return r;
	}
	if (!x.done)
		return cli_err(cli, "bad_response", "the exec stream ended "
		    "without an exit status");
	if (x.timed_out) {
		if (!cli->json)
			fprintf(stderr, "berth: the command timed out and was "
			    "killed\n");
		return EXEC_EXIT_TIMEOUT;
	}
	if (x.exit_code < 0 || x.exit_code > 255)
		return EXIT_FAIL;
	return (int)x.exit_code;
}

/* ---- cp ---- */

/* "ID:/path" splits into id and path; a colon after a slash is local. */
static int
cp_remote(const char *arg, char **id, const char **path)
{
	const char *c = strchr(arg, ':');

	if (c == NULL || c == arg || memchr(arg, '/', (size_t)(c - arg)) !=
	    NULL)
		return 0;
	*id = xstrndup(arg, (size_t)(c - arg));
	*path = c + 1;
	return 1;
}

struct cp_prog {
	struct cli	*cli;
	int64_t		 last_ms;
	int64_t		 start_ms;
	int		 shown;
	int64_t		 total;		/* known size of an upload */
};

static int64_t
cp_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define CP_PROGRESS_MIN	(1024 * 1024)

static void
cp_tick(void *arg, int64_t dt, int64_t dn, int64_t ut, int64_t un)
{
	struct cp_prog *p = arg;
	int64_t now = cp_ms(), tot = ut > 0 ? ut : dt, done = ut > 0 ? un :
	    dn;
	char bar[128], a[32], b[32], rate[32];
	double secs;

	if (p->total > 0 && ut <= 0) {
		tot = p->total;
		done = un;
	}
	if (!p->cli->tty_err || p->cli->quiet || (tot < CP_PROGRESS_MIN &&
	    done < CP_PROGRESS_MIN) || now - p->last_ms < 100)
		return;
	p->last_ms = now;
	secs = (double)(now - p->start_ms) / 1000;
	fmt_bytes(done, a, sizeof a);
	fmt_bytes(secs > 0 ? (double)done / secs : 0, rate, sizeof rate);
	if (tot > 0) {
		fmt_bar((double)done / (double)tot, 30, bar, sizeof bar);
		fmt_bytes(tot, b, sizeof b);
		fprintf(stderr, "\r\x1b[K%s %3.0f%%  %s / %s  %s/s", bar,
		    100.0 * (double)done / (double)tot, a, b, rate);
	} else
		fprintf(stderr, "\r\x1b[K%s  %s/s", a, rate);
	p->shown = 1;
}

static void
cp_tick_done(struct cp_prog *p)
{
	if (p->shown)
		fputs("\r\x1b[K", stderr);
}

static size_t
cp_fd_read(char *p, size_t sz, size_t n, void *arg)
{
	ssize_t r;

	do
		r = read(*(int *)arg, p, sz * n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

/* Starts argv with its stdin (dir 0) or stdout (dir 1) on a pipe whose
 * other end goes to *fd. */
static pid_t
cp_spawn(char *const *argv, int dir, int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(dir == 0 ? p[0] : p[1], dir == 0 ? 0 : 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(dir == 0 ? p[0] : p[1]);
	*fd = dir == 0 ? p[1] : p[0];
	return pid;
}

static int
cp_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct cp_dl {
	struct cli_stream *s;
	const char	*dst;		/* local target */
	int		 fd;
	char		*tmp;		/* file being written */
	pid_t		 tar;
	int		 is_dir;
	int		 started;
	int		 failed;
	int		 saved_errno;
};

/* Opens the local side on the first bytes, once the type is known. */
static int
cp_dl_write(const char *p, size_t len, void *arg)
{
	struct cp_dl *d = arg;

	if (!d->started) {
		d->started = 1;
		if (strcmp(d->dst, "-") == 0)
			d->fd = 1;
		else if (strncmp(d->s->ctype, "application/x-tar", 17) == 0) {
			char *argv[] = { "tar", "-x", "-f", "-", "-C",
			    (char *)d->dst, NULL };
			d->is_dir = 1;
			if (mkdir(d->dst, 0777) != 0 && errno != EEXIST) {
				d->saved_errno = errno;
				d->failed = 1;
				return -1;
			}
			if ((d->tar = cp_spawn(argv, 0, &d->fd)) < 0) {
				d->saved_errno = errno;
				d->failed = 1;
				return -1;
			}
		} else {
			d->tmp = xasprintf("%s.berth-part.%ld", d->dst,
			    (long)getpid());
			if ((d->fd = open(d->tmp, O_WRONLY | O_CREAT |
			    O_TRUNC | O_CLOEXEC, 0666)) < 0) {
				d->saved_errno = errno;
				d->failed = 1;
				return -1;
			}
		}
	}
	if (exec_writeall(d->fd, p, len) != 0) {
		d->saved_errno = errno;
		d->failed = 1;
		return -1;
	}
	return 0;
}

static int
cp_download(struct cli *cli, const char *id, const char *rpath,
    const char *local)
{
	struct cli_stream s;
	struct cp_dl d;
	struct cp_prog prog;
	struct stat st;
	char *dst = NULL, *rp, *bn;
	int r;

	/* into an existing directory: keep the remote name */
	rp = xstrdup(rpath);
	bn = basename(rp);
	if (strcmp(local, "-") != 0 && stat(local, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		dst = xasprintf("%s/%s", local, bn);
	else
		dst = xstrdup(local);
	free(rp);
	memset(&s, 0, sizeof s);
	memset(&d, 0, sizeof d);
	memset(&prog, 0, sizeof prog);
	prog.cli = cli;
	prog.start_ms = cp_ms();
	d.s = &s;
	d.dst = dst;
	d.fd = -1;
	d.tar = -1;
	s.method = "GET";
	s.path = cli_path("/v1/workspaces/%s/files?path=%s", id, rpath);
	s.accept = "*/*";
	s.writefn = cp_dl_write;
	s.writearg = &d;
	s.long_running = 1;
	s.tick = cp_tick;
	s.tickarg = &prog;
	r = cli_stream(cli, &s);
	cp_tick_done(&prog);
	free((char *)s.path);
	if (r == 0 && !d.started && strcmp(dst, "-") != 0) {
		/* an empty file */
		const char *e = "";
		d.s = &s;
		if (cp_dl_write(e, 0, &d) != 0)
			r = -1;
	}
	if (d.fd > 1)
		close(d.fd);
	if (d.tar > 0 && cp_wait(d.tar) != 0 && r == 0) {
		r = -1;
		cli_err(cli, "io", "tar could not unpack into %s", dst);
	}
	if (d.failed)
		cli_err(cli, "io", "cannot write %s: %s", dst,
		    strerror(d.saved_errno));
	if (d.tmp != NULL) {
		/* the remote file's permission bits, as cp -p would */
		if (r == 0 && s.mode >= 0)
			(void)chmod(d.tmp, (mode_t)s.mode & 0777);
		if (r == 0 && rename(d.tmp, dst) != 0) {
			cli_err(cli, "io", "cannot write %s: %s", dst,
			    strerror(errno));
			r = -1;
		}
		if (r != 0)
			unlink(d.tmp);
		free(d.tmp);
	}
	if (r == 0 && !cli->quiet && !cli->json && strcmp(dst, "-") != 0)
		fprintf(stderr, "Copied %s:%s to %s\n", id, rpath, dst);
	else if (r == 0 && cli->json && strcmp(dst, "-") != 0) {
		json_t *o = json_pack("{s:s,s:s,s:b}", "source", rpath,
		    "destination", dst, "directory", d.is_dir);
		cli_print_json(o);
		json_decref(o);
	}
	free(dst);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

static int
cp_upload(struct cli *cli, const char *local, const char *id,
    const char *rpath)
{
	struct cli_stream s;
	struct cp_prog prog;
	struct stat st;
	char *rp = NULL;
	int fd = -1, is_dir = 0, r;
	pid_t tar = -1;

	memset(&s, 0, sizeof s);
	memset(&prog, 0, sizeof prog);
	prog.cli = cli;
	prog.start_ms = cp_ms();
	s.upload_len = -1;
	if (strcmp(local, "-") == 0)
		fd = 0;
	else if (stat(local, &st) != 0)
		return cli_err(cli, "not_found", "cannot read %s: %s", local,
		    strerror(errno));
	else if (S_ISDIR(st.st_mode)) {
		char *argv[] = { "tar", "-c", "-f", "-", "-C", (char *)local,
		    ".", NULL };
		is_dir = 1;
		if ((tar = cp_spawn(argv, 1, &fd)) < 0)
			return cli_err(cli, "io", "cannot run tar: %s",
			    strerror(errno));
		s.content_type = "application/x-tar";
	} else {
		if ((fd = open(local, O_RDONLY | O_CLOEXEC)) < 0)
			return cli_err(cli, "io", "cannot read %s: %s", local,
			    strerror(errno));
		if (S_ISREG(st.st_mode)) {
			s.upload_len = st.st_size;
			prog.total = st.st_size;
		}
	}
	/* "ID:/dir/" keeps the local name */
	if (!is_dir && *rpath != '\0' && rpath[strlen(rpath) - 1] == '/' &&
	    strcmp(local, "-") != 0) {
		char *lc = xstrdup(local);
		rp = xasprintf("%s%s", rpath, basename(lc));
		free(lc);
	} else
		rp = xstrdup(rpath);
	s.method = "PUT";
	if (!is_dir && strcmp(local, "-") != 0 && S_ISREG(st.st_mode)) {
		/* keep the permission bits (an executable stays one) */
		char mode[8];
		snprintf(mode, sizeof mode, "%04o", (unsigned)(st.st_mode &
		    07777));
		s.path = cli_path("/v1/workspaces/%s/files?path=%s&mode=%s",
		    id, rp, mode);
	} else
		s.path = cli_path("/v1/workspaces/%s/files?path=%s", id, rp);
	s.readfn = cp_fd_read;
	s.readarg = &fd;
	s.long_running = 1;
	s.tick = cp_tick;
	s.tickarg = &prog;
	r = cli_stream(cli, &s);
	cp_tick_done(&prog);
	free((char *)s.path);
	if (fd > 0)
		close(fd);
	if (tar > 0 && cp_wait(tar) != 0 && r == 0) {
		r = -1;
		cli_err(cli, "io", "tar could not pack %s", local);
	}
	if (r == 0 && cli->json) {
		json_t *o = json_pack("{s:s,s:s,s:b}", "source", local,
		    "destination", rp, "directory", is_dir);
		cli_print_json(o);
		json_decref(o);
	} else if (r == 0 && !cli->quiet)
		fprintf(stderr, "Copied %s to %s:%s\n", local, id, rp);
	free(rp);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

int
cmd_cp(struct cli *cli)
{
	const char *src = cli_args_pos(cli->args, 0);
	const char *dst = cli_args_pos(cli->args, 1), *sp, *dp;
	char *sid = NULL, *did = NULL;
	int rs, rd, r;

	rs = cp_remote(src, &sid, &sp);
	rd = cp_remote(dst, &did, &dp);
	if (rs == rd) {
		free(sid);
		free(did);
		return cli_usage(cli, "one of SRC and DST must be ID:/path "
		    "and the other local");
	}
	signal(SIGPIPE, SIG_IGN);
	if (rs)
		r = cp_download(cli, sid, *sp != '\0' ? sp : ".", dst);
	else
		r = cp_upload(cli, src, did, *dp != '\0' ? dp : ".");
	free(sid);
	free(did);
	return r;
}
