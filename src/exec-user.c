/* exec-user.c: the exec user policy (exec-user.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "err.h"
#include "exec-user.h"
#include "http.h"
#include "rt.h"
#include "tmpl.h"
#include "ws.h"
#include "xmalloc.h"

#define DB_FILE_MAX	(1024 * 1024)

/* A decimal id, or -1. */
static long
num_id(const char *s, size_t n)
{
	long v = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The id of name in the container's passwd or group file (third field),
 * or -1 when it has none. */
static long
lookup_id(struct app *app, const struct ws *w, const char *file,
    const char *name, size_t nlen)
{
	struct rt_file f;
	struct rt_stream *s = NULL;
	char *buf = xmalloc(DB_FILE_MAX + 1), *line, *save = NULL;
	size_t len = 0;
	ssize_t n;
	long id = -1;

	if (rt_file_get(app->rt, w->container_id, file, &f, &s) != 0 ||
	    f.is_dir)
		goto out;
	while (len < DB_FILE_MAX && (n = rt_stream_read(s, NULL, buf + len,
	    DB_FILE_MAX - len, 5000)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2, *c3;
		if (c1 == NULL || (size_t)(c1 - line) != nlen ||
		    strncmp(line, name, nlen) != 0)
			continue;
		if ((c2 = strchr(c1 + 1, ':')) == NULL)
			break;
		if ((c3 = strchr(c2 + 1, ':')) == NULL)
			c3 = c2 + 1 + strlen(c2 + 1);
		id = num_id(c2 + 1, (size_t)(c3 - c2 - 1));
		break;
	}
out:
	rt_stream_free(s);
	free(buf);
	return id;
}

/* An id given as a number or a name. */
static long
resolve(struct app *app, const struct ws *w, const char *file,
    const char *s, size_t n)
{
	long id = num_id(s, n);

	return id >= 0 ? id : lookup_id(app, w, file, s, n);
}

static int
listed(const json_t *tmpl, const char *user)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(tmpl, "exec_users"), i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), user)
		    == 0)
			return 1;
	return 0;
}

int
exec_user_check(struct app *app, const struct principal *who,
    const struct ws *w, const char *user)
{
	const char *own = json_string_value(json_object_get(w->spec, "user"));
	const char *oc, *uc;
	json_t *tmpl;
	long ouid, ogid, uid, gid;
	int ok;

	if (user == NULL || who->admin)
		return 0;
	if (own == NULL)
		own = "1000:1000";
	if (strcmp(user, own) == 0)
		return 0;
	if ((tmpl = tmpl_get(app, w->template)) != NULL) {
		ok = listed(tmpl, user);
		json_decref(tmpl);
		if (ok)
			return 0;
	}
	oc = strchr(own, ':');
	uc = strchr(user, ':');
	ouid = resolve(app, w, "/etc/passwd", own, oc ? (size_t)(oc - own) :
	    strlen(own));
	ogid = oc ? resolve(app, w, "/etc/group", oc + 1, strlen(oc + 1)) :
	    -1;
	uid = resolve(app, w, "/etc/passwd", user, uc ? (size_t)(uc - user) :
	    strlen(user));
	gid = uc ? resolve(app, w, "/etc/group", uc + 1, strlen(uc + 1)) : -1;
	/* The same uid, and no group or the workspace's own. */
	if (ouid >= 0 && uid == ouid && (uc == NULL || (ogid >= 0 &&
	    gid == ogid)))
		return 0;
	return err_set(ERR_FORBIDDEN, "exec as user '%.64s' is not allowed: "
	    "commands in this workspace run as its user %s (an admin, or "
	    "the template's exec_users, can allow another)", user, own);
}
