/* term-proc.c: the terminal's pieces that are not the loop: the output
 * ring, ttyd's JSON messages, and the blocking steps that run on job
 * threads (starting the shell as the workspace's user, reaping, killing,
 * recording activity). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "activity.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "proc-sup.h"
#include "proc.h"
#include "sup-frame.h"
#include "sup-host.h"
#include "task.h"
#include "term-int.h"
#include "term.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

/* Output ring. */

void
ring_init(struct ring *r, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->cap = cap;
}

void
ring_free(struct ring *r)
{
	free(r->b);
	r->b = NULL;
}

uint64_t
ring_oldest(const struct ring *r)
{
	return r->seq > r->alloc ? r->seq - r->alloc : 0;
}

void
ring_write(struct ring *r, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t off, c;

	if (n > r->cap) {
		p += n - r->cap;
		r->seq += n - r->cap;
		n = r->cap;
	}
	/* Grow (doubling) while nothing wrapped yet: positions stay put. */
	while (r->alloc < r->cap && r->seq + n > r->alloc) {
		size_t na = r->alloc == 0 ? 4096 : r->alloc * 2;

		if (na > r->cap)
			na = r->cap;
		r->b = xrealloc(r->b, na);
		r->alloc = na;
	}
	while (n > 0) {
		off = (size_t)(r->seq % r->alloc);
		c = r->alloc - off < n ? r->alloc - off : n;
		memcpy(r->b + off, p, c);
		p += c;
		n -= c;
		r->seq += c;
	}
}

size_t
ring_get(const struct ring *r, uint64_t pos, const uint8_t **p, size_t max)
{
	size_t off, n;

	if (pos >= r->seq || pos < ring_oldest(r))
		return 0;
	off = (size_t)(pos % r->alloc);
	n = r->alloc - off;
	if (n > r->seq - pos)
		n = (size_t)(r->seq - pos);
	if (n > max)
		n = max;
	*p = r->b + off;
	return n;
}

/* ttyd's JSON messages. */

static int
dim(json_t *o, const char *key, unsigned *out)
{
	json_t *v = json_object_get(o, key);
	json_int_t i;

	if (v == NULL)
		return 1;
	if (json_is_integer(v))
		i = json_integer_value(v);
	else if (json_is_real(v))
		i = (json_int_t)json_real_value(v);
	else
		return 0;
	if (i < 1 || i > 9999)
		return 0;
	*out = (unsigned)i;
	return 1;
}

int
term_parse_hello(const uint8_t *d, size_t n, char *tok, size_t toksz,
    unsigned *rows, unsigned *cols)
{
	json_t *o, *t;
	json_error_t e;

	*rows = *cols = 0;
	tok[0] = '\0';
	if (n > 4096 || (o = json_loadb((const char *)d, n, 0, &e)) == NULL)
		return ERR_INVAL;
	if (!json_is_object(o)) {
		json_decref(o);
		return ERR_INVAL;
	}
	t = json_object_get(o, "AuthToken");
	if (json_is_string(t))
		snprintf(tok, toksz, "%s", json_string_value(t));
	if (!dim(o, "rows", rows) || !dim(o, "columns", cols))
		*rows = *cols = 0;
	json_decref(o);
	return 0;
}

int
term_parse_size(const uint8_t *d, size_t n, unsigned *rows, unsigned *cols)
{
	json_t *o;
	json_error_t e;
	unsigned r = 0, c = 0;
	int ok;

	if (n > 4096 || (o = json_loadb((const char *)d, n, 0, &e)) == NULL)
		return ERR_INVAL;
	ok = json_is_object(o) && json_object_get(o, "rows") != NULL &&
	    json_object_get(o, "columns") != NULL && dim(o, "rows", &r) &&
	    dim(o, "columns", &c);
	json_decref(o);
	if (!ok)
		return ERR_INVAL;
	*rows = r;
	*cols = c;
	return 0;
}

void
term_resize(struct session *s, unsigned rows, unsigned cols)
{
	if (s->p == NULL || (s->rows == rows && s->cols == cols))
		return;
	s->rows = rows;
	s->cols = cols;
	if (proc_resize(s->p, rows, cols) != 0)
		log_debug("term: resize %ux%u in %s: %s", cols, rows, s->ws_id,
		    err_msg());
}

void
term_started(struct session *s, unsigned rows, unsigned cols)
{
	unsigned r = s->rows, c = s->cols;

	if (r == rows && c == cols)
		return;
	s->rows = rows;
	s->cols = cols;
	if (r > 0 && c > 0)
		term_resize(s, r, c);
}

/* Job threads. */

static const char shell_script[] =
    "for s in /bin/bash /bin/sh; do "
    "[ -x \"$s\" ] && exec \"$s\" -l; done; "
    "echo 'berth: no shell in this workspace' >&2; exit 127";

static const char *
spec_str(const struct ws *w, const char *key)
{
	json_t *v = w->spec != NULL ? json_object_get(w->spec, key) : NULL;

	return json_is_string(v) && *json_string_value(v) != '\0' ?
	    json_string_value(v) : NULL;
}

/* A named session's shell outlives berthd (berth-sup keeps it, its
 * last output too, for terminal_idle with nobody attached): its
 * supervisor id is kept in <state_dir>/term/<ws>.<user>.<name>. */
static char *
keep_path(struct app *app, const struct session *s)
{
	return xasprintf("%s/term/%s.%s.%s", app->cfg.state_dir, s->ws_id,
	    s->user, s->name);
}

static void
keep_write(struct app *app, const struct session *s, uint64_t id)
{
	char *dir = xasprintf("%s/term", app->cfg.state_dir);
	char *path = keep_path(app, s), b[32];
	int fd, n;

	(void)mkdir(dir, 0700);
	n = snprintf(b, sizeof b, "%" PRIu64 "\n", id);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b, (size_t)n) != n)
		log_warn("term: cannot keep session %s: %s", path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	free(path);
}

void
term_let_go(struct session *s)
{
	if (s->name[0] != '\0' && sup_proc_id(s->p) != 0)
		sup_proc_detach(s->p);	/* kept for the next berthd */
	else
		proc_free(s->p);
	s->p = NULL;
}

void
term_keep_forget(struct app *app, const struct session *s)
{
	char *path;

	if (s->name[0] == '\0')
		return;
	path = keep_path(app, s);
	(void)unlink(path);
	free(path);
}

/* The kept shell of s, taken over again: 0 with *pp, else <0. */
static int
keep_take(struct app *app, const struct session *s, const char *supdir,
    unsigned rows, unsigned cols, struct proc **pp)
{
	char *path = keep_path(app, s), b[32], *end;
	uint64_t id;
	ssize_t n;
	int fd, r = ERR_NOTFOUND;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	n = read(fd, b, sizeof b - 1);
	close(fd);
	b[n > 0 ? n : 0] = '\0';
	id = strtoull(b, &end, 10);
	if (n <= 0 || end == b ||
	    (r = sup_take(supdir, SUP_REATTACH, id, pp)) != 0) {
		unlink(path);	/* gone: a new shell */
		r = ERR_NOTFOUND;
		goto out;
	}
	if (rows > 0 && cols > 0)
		(void)proc_resize(*pp, rows, cols);
	log_info("term: session %s of ws=%s user=%s reattached after a "
	    "restart", s->name, s->ws_id, s->user);
out:
	free(path);
	return r;
}

static int
job_start(struct app *app, const struct session *s, unsigned rows,
    unsigned cols, struct proc **pp)
{
	const char *ws_id = s->ws_id;
	struct db *db;
	struct ws *w = NULL;
	struct proc_spec ps;
	char *supdir = NULL;
	const char *shell, *login[3], *dflt[4];
	const char *env[] = { "TERM=xterm-256color", "BERTH_TERMINAL=1",
	    NULL };
	int r;

	if ((db = db_thread()) == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	if ((r = ws_get(db, ws_id, &w)) != 0)
		goto out;
	if (strcmp(w->state, "running") != 0 || *w->container_id == '\0') {
		r = err_set(ERR_CONFLICT, "workspace '%s' is %s; start it "
		    "first", w->name, w->state);
		goto out;
	}
	if (s->task[0] != '\0') {
		/* A viewer of a task (docs/tasks.md), not a shell. */
		if ((r = task_attach(db, ws_id, s->task, rows, cols, pp)) != 0)
			goto out;
		proc_set_nonblock(*pp, 1);
		ws_touch(db, ws_id);
		goto out;
	}
	memset(&ps, 0, sizeof ps);
	if ((shell = spec_str(w, "shell")) != NULL) {
		login[0] = shell;
		login[1] = "-l";
		login[2] = NULL;
		ps.argv = login;
	} else {
		dflt[0] = "/bin/sh";
		dflt[1] = "-c";
		dflt[2] = shell_script;
		dflt[3] = NULL;
		ps.argv = dflt;
	}
	ps.env = env;
	ps.workdir = spec_str(w, "workdir");
	ps.user = spec_str(w, "user");
	ps.tty = 1;
	ps.rows = rows > 0 ? rows : 24;
	ps.cols = cols > 0 ? cols : 80;
	ps.attach_stdin = 1;
	/* Through the workspace's supervisor when it has one; the shell
	 * goes with berthd (sessions live in its memory). */
	ps.sup_dir = supdir = sup_host_dir(ws_id);
	if (s->name[0] != '\0') {	/* outlives berthd */
		ps.keep = ps.keep_idle = 1;
		ps.timeout_ms = app->cfg.terminal_idle > 0 &&
		    app->cfg.terminal_idle < INT32_MAX / 1000 ?
		    (int)app->cfg.terminal_idle * 1000 : 0;
		if (keep_take(app, s, supdir, rows, cols, pp) == 0)
			goto started;
	}
	if ((r = proc_start(app->rt, w->container_id, &ps, pp)) != 0)
		goto out;
	if (s->name[0] != '\0' && sup_proc_id(*pp) != 0)
		keep_write(app, s, sup_proc_id(*pp));
started:
	proc_set_nonblock(*pp, 1);
	ws_activity(ws_id, "terminal");
out:
	free(supdir);
	ws_free(w);
	return r;
}

void
term_job_run(struct app *app, int type, const struct session *s,
    const struct term_grant *g, unsigned rows, unsigned cols,
    struct proc **p, int *rc, int *status, char *msg, size_t msgsz,
    char **ids, int64_t *expires, size_t nids)
{
	struct db *db;
	struct ws *w;
	size_t i;

	(void)g;
	*rc = 0;
	switch (type) {
	case TJ_START:
		*p = NULL;
		if ((*rc = job_start(app, s, rows, cols, p)) != 0)
			snprintf(msg, msgsz, "%s", *err_msg() != '\0' ?
			    err_msg() : "cannot start a shell");
		break;
	case TJ_WAIT:
		*rc = proc_wait(*p, 5000, status);
		break;
	case TJ_FREE:
		proc_free(*p);
		*p = NULL;
		break;
	case TJ_TOUCH:
		if ((db = db_thread()) == NULL)
			break;
		for (i = 0; i < nids; i++) {
			ws_activity(ids[i], "terminal");
			if (ws_get(db, ids[i], &w) == 0) {
				expires[i] = w->expires_at;
				ws_free(w);
			}
		}
		break;
	}
}

void
term_ttl_line(int64_t left, char *buf, size_t size)
{
	snprintf(buf, size, "\r\n\033[1;33m[berth] this workspace expires in "
	    "%lldm%02llds (its TTL); extend the TTL to keep it\033[0m\r\n",
	    (long long)left / 60, (long long)left % 60);
}

int
term_session_name_ok(const char *n)
{
	size_t i, len = strlen(n);

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!(n[i] >= 'a' && n[i] <= 'z') &&
		    !(n[i] >= 'A' && n[i] <= 'Z') &&
		    !(n[i] >= '0' && n[i] <= '9') && n[i] != '.' &&
		    n[i] != '_' && n[i] != '-')
			return 0;
	return 1;
}
