/* ssh-work.c: the workspace behind a gateway connection: its settings
 * (user, workdir, shell, the login alias), starting it on connect,
 * activity, notes on a channel's stderr and the welcome banner. Called on
 * the connection's own thread by ssh-conn.c and ssh-chan.c; calls neither. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activity.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "ssh-conn.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

void
conn_note(ssh_channel ch, int is_stderr, const char *msg)
{
	size_t len = strlen(msg);
	uint32_t win;

	if (ch == NULL)
		return;		/* no channel yet (a forward being opened) */
	win = ssh_channel_window_size(ch);

	/* Short messages only; never more than the window (no waiting). */
	if (len > win)
		len = win;
	if (len == 0)
		return;
	if (is_stderr)
		ssh_channel_write_stderr(ch, msg, (uint32_t)len);
	else
		ssh_channel_write(ch, msg, (uint32_t)len);
}

void
conn_touch(struct conn *c)
{
	if (c->env->app == NULL)
		return;
	ws_activity(c->ws_id, "ssh");
	c->last_touch_ms = mono_ms();
}

static const char *
spec_str(const struct ws *w, const char *key)
{
	json_t *v = w->spec != NULL ? json_object_get(w->spec, key) : NULL;

	return json_is_string(v) && *json_string_value(v) != '\0' ?
	    json_string_value(v) : NULL;
}

/* Takes the workspace's user, workdir, shell and container from w. */
static void
conn_take_ws(struct conn *c, const struct ws *w)
{
	const char *v;

	free(c->ws_user);
	free(c->ws_workdir);
	free(c->ws_shell);
	free(c->container);
	c->ws_user = (v = spec_str(w, "user")) != NULL ? xstrdup(v) : NULL;
	c->ws_workdir = (v = spec_str(w, "workdir")) != NULL ? xstrdup(v) :
	    NULL;
	c->ws_shell = (v = spec_str(w, "shell")) != NULL ? xstrdup(v) : NULL;
	c->container = xstrdup(w->container_id != NULL ? w->container_id :
	    "");
	snprintf(c->ws_name, sizeof c->ws_name, "%s", w->name);
}

/* Makes the login name (the workspace's name) a Unix name for the
 * workspace user inside the container, so that "~LOGIN" expands to its
 * home as it does with sshd, where the login is a user (Ansible's remote
 * tmp is "~LOGIN/.ansible/tmp"): a passwd line with the login as name and
 * the user's uid, gid, home and shell, added as root once per container,
 * unless that name exists. The user is the workspace's, or the one the
 * container runs as (its pid 1). Best effort: nothing fails without it. */
static const char alias_script[] =
    "n=$1; u=${2%%:*}; command -v awk >/dev/null 2>&1 || exit 0; "
    "grep -q \"^$n:\" /etc/passwd 2>/dev/null && exit 0; "
    "case $u in '') uid=$(awk '/^Uid:/ { print $2; exit }' /proc/1/status);; "
    "*[!0-9]*) uid=$(id -u \"$u\" 2>/dev/null);; *) uid=$u;; esac; "
    "[ -n \"$uid\" ] || exit 0; "
    "awk -F: -v u=\"$uid\" -v n=\"$n\" 'BEGIN { OFS = \":\" } "
    "$3 == u { $1 = n; $5 = \"berth login alias\"; print; exit }' "
    "/etc/passwd >/tmp/.berth-alias.$$ && "
    "cat /tmp/.berth-alias.$$ >>/etc/passwd; rm -f /tmp/.berth-alias.$$";

#define ALIAS_SEEN	64
static pthread_mutex_t alias_mu = PTHREAD_MUTEX_INITIALIZER;
static char alias_seen[ALIAS_SEEN][72];	/* "container/login", recent */
static unsigned alias_next;

static int
login_name_ok(const char *s)
{
	size_t i;

	if (*s == '\0' || *s == '-' || strlen(s) > 32)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

static void
conn_login_alias(struct conn *c)
{
	const char *av[] = { "/bin/sh", "-c", alias_script, "berth-alias",
	    c->login, c->ws_user != NULL ? c->ws_user : "", NULL };
	struct proc_spec ps = { .argv = av, .user = "root" };
	struct proc *p = NULL;
	char key[72], b[256];
	int i, st, seen = 0;

	c->aliased = 1;
	if (!login_name_ok(c->login))
		return;
	snprintf(key, sizeof key, "%.36s/%s", c->container, c->login);
	pthread_mutex_lock(&alias_mu);
	for (i = 0; i < ALIAS_SEEN && !seen; i++)
		seen = strcmp(alias_seen[i], key) == 0;
	pthread_mutex_unlock(&alias_mu);
	if (seen)
		return;
	if (proc_start(c->env->app->rt, c->container, &ps, &p) != 0) {
		log_debug("ssh login alias in %s: %s", c->ws_id, err_msg());
		return;
	}
	while (proc_read(p, &st, b, sizeof b) > 0)
		;
	if (proc_wait(p, 5000, &st) == 0 && st == 0) {
		pthread_mutex_lock(&alias_mu);
		snprintf(alias_seen[alias_next++ % ALIAS_SEEN], sizeof key,
		    "%s", key);
		pthread_mutex_unlock(&alias_mu);
	}
	proc_free(p);
}

int
conn_prepare(struct conn *c, ssh_channel ch)
{
	struct db *db;
	struct ws *w = NULL;
	char *msg;
	int r, started = 0;

	if (c->env->app == NULL)
		return err_set(ERR_BACKEND, "no workspaces here");
	if ((db = db_thread()) == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	if ((r = ws_get(db, c->ws_id, &w)) != 0)
		goto out;
	if (strcmp(w->state, "running") != 0) {
		msg = xasprintf("berth: workspace '%s' is %s; "
		    "starting it...\r\n", w->name, w->state);
		conn_note(ch, 1, msg);
		free(msg);
		r = ws_ensure_running(c->env->app, db, c->ws_id, c->user,
		    &started);
		if (r != 0)
			goto out;
		ws_free(w);
		w = NULL;
		if ((r = ws_get(db, c->ws_id, &w)) != 0)
			goto out;
		if (started)
			log_info("ssh started workspace %s for user=%s",
			    c->ws_id, c->user);
	}
	conn_take_ws(c, w);
	if (*c->container == '\0') {
		r = err_set(ERR_BACKEND, "workspace '%s' has no container",
		    w->name);
		goto out;
	}
	c->ready = 1;
	if (!c->aliased)
		conn_login_alias(c);
out:
	ws_free(w);
	return r;
}

/* "3h12m" for a number of seconds. */
static void
fmt_left(int64_t s, char *buf, size_t size)
{
	if (s <= 0)
		snprintf(buf, size, "expired");
	else if (s >= 86400)
		snprintf(buf, size, "%lldd%lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%lldm", (long long)((s + 59) / 60));
}

char *
conn_banner(struct conn *c)
{
	struct db *db;
	struct ws *w = NULL;
	json_t *j = NULL, *gpu, *vols, *v;
	char left[32], *gpus = NULL, *volstr = xstrdup(""), *tmp, *out = NULL;
	const char *exp;
	int64_t t;
	size_t i;

	if (c->env->app == NULL || (db = db_thread()) == NULL ||
	    ws_get(db, c->ws_id, &w) != 0)
		goto done;
	j = ws_to_json(c->env->app, db, w);
	gpu = json_object_get(j, "gpu");
	if (json_is_object(gpu)) {
		const char *model = json_string_value(json_object_get(gpu,
		    "model"));
		const char *prof = json_string_value(json_object_get(gpu,
		    "profile"));

		gpus = xasprintf("%s%s%s", model != NULL ? model : "GPU",
		    prof != NULL && *prof != '\0' ? " " : "",
		    prof != NULL ? prof : "");
	} else
		gpus = xstrdup("none");
	exp = json_string_value(json_object_get(j, "expires_at"));
	if (exp != NULL && *exp != '\0' && rfc3339_parse(exp, &t) == 0)
		fmt_left(t - now_s(), left, sizeof left);
	else
		snprintf(left, sizeof left, "no limit");
	vols = json_object_get(j, "volumes");
	json_array_foreach(vols, i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));
		const char *m = json_string_value(json_object_get(v, "mount"));

		if (n == NULL)
			continue;
		tmp = xasprintf("%s%s%s -> %s", volstr, *volstr ? ", " : "",
		    n, m != NULL ? m : "?");
		free(volstr);
		volstr = tmp;
	}
	out = xasprintf("\r\n  berth workspace '%s' (%s)\r\n"
	    "  GPU: %s   TTL left: %s\r\n"
	    "  Volumes: %s\r\n"
	    "  Help: berth --help  (berth inspect %s, berth ls)\r\n\r\n",
	    w->name, w->image, gpus, left, *volstr ? volstr : "none",
	    w->name);
done:
	json_decref(j);
	ws_free(w);
	free(gpus);
	free(volstr);
	return out;
}

/* Loads the authenticated user's workspace settings (shell etc.). */
void
conn_load(struct conn *c)
{
	struct db *db;
	struct ws *w = NULL;

	if (c->env->app == NULL || (db = db_thread()) == NULL)
		return;
	if (ws_get(db, c->ws_id, &w) == 0)
		conn_take_ws(c, w);
	ws_free(w);
}


#define TTL_WARN_S	300	/* SPEC section 7: 5 minutes before */
#define TTL_CHECK_MS	15000

void
conn_ttl_check(struct conn *c)
{
	struct db *db;
	struct ws *w = NULL;
	struct chan *k;
	char line[256];
	int64_t left;
	int ttys = 0;

	c->ttl_check_ms = mono_ms() + TTL_CHECK_MS;
	for (k = c->chans; k != NULL; k = k->next)
		ttys += k->kind == CHAN_SESSION && k->tty && k->started &&
		    !k->finished;
	if (ttys == 0) {
		c->ttl_check_ms = 0;	/* until a pty session starts */
		return;
	}
	if (c->env->app == NULL || (db = db_thread()) == NULL ||
	    ws_get(db, c->ws_id, &w) != 0)
		return;
	left = w->expires_at - now_s();
	if (w->expires_at > 0 && left > 0 && left <= TTL_WARN_S &&
	    c->ttl_warned != w->expires_at) {
		c->ttl_warned = w->expires_at;
		/* The words of the terminal's warning (term-proc.c). */
		snprintf(line, sizeof line, "\r\n\033[1;33m[berth] this "
		    "workspace expires in %lldm%02llds (its TTL); extend the "
		    "TTL to keep it\033[0m\r\n", (long long)left / 60,
		    (long long)left % 60);
		log_info("ssh ttl warning user=%s ws=%s left=%llds", c->user,
		    c->ws_id, (long long)left);
		for (k = c->chans; k != NULL; k = k->next)
			if (k->kind == CHAN_SESSION && k->tty &&
			    k->started && !k->finished && !k->remote_closed)
				conn_note(k->ch, 0, line);
	}
	ws_free(w);
}
