/* api-workspaces.c: workspaces: create, list, get, patch, delete and the
 * lifecycle actions. The work is in ws.c; this maps HTTP onto it. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "term.h"
#include "ws.h"
#include "xmalloc.h"

/* Serialised list replies, per caller and filter, valid while the store's
 * generation is unchanged: lists are the hottest read (dashboards and
 * agents poll them) and rebuilding 200 objects per request costs ~1 ms. */
struct list_blob {
	atomic_int	 refs;
	uint64_t	 gen;
	char		 key[96];
	size_t		 len;
	char		 data[];
};

#define LIST_CACHE 32
static struct list_blob *list_cache[LIST_CACHE];
static unsigned list_next;
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;

static void
blob_unref(struct list_blob *b)
{
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static struct list_blob *
list_cache_get(const char *key, uint64_t gen)
{
	struct list_blob *b = NULL;

	pthread_mutex_lock(&list_lock);
	for (int i = 0; i < LIST_CACHE; i++)
		if (list_cache[i] != NULL && list_cache[i]->gen == gen &&
		    strcmp(list_cache[i]->key, key) == 0) {
			b = list_cache[i];
			atomic_fetch_add(&b->refs, 1);
			break;
		}
	pthread_mutex_unlock(&list_lock);
	return b;
}

static void
list_cache_put(struct list_blob *b)
{
	int slot = -1;

	pthread_mutex_lock(&list_lock);
	for (int i = 0; i < LIST_CACHE && slot < 0; i++)
		if (list_cache[i] != NULL && strcmp(list_cache[i]->key, b->key)
		    == 0)
			slot = i;
	if (slot < 0)
		slot = (int)(list_next++ % LIST_CACHE);
	blob_unref(list_cache[slot]);
	atomic_fetch_add(&b->refs, 1);
	list_cache[slot] = b;
	pthread_mutex_unlock(&list_lock);
}

static int
ws_reply(struct req *r, int status, const char *id)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = ws_get(req_db(r), id, &w)) != 0)
		return rc;
	rc = reply_json(r, status, ws_to_json(req_app(r), req_db(r), w));
	ws_free(w);
	return rc;
}

static int
h_list(struct req *r)
{
	const char *state = req_query(r, "state");
	json_t *arr;
	int rc;

	if (state != NULL && *state == '\0')
		state = NULL;
	if (state != NULL && strcmp(state, "creating") != 0 &&
	    strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0 &&
	    strcmp(state, "failed") != 0 && strcmp(state, "deleting") != 0)
		return err_set(ERR_INVAL, "state must be one of creating, "
		    "running, stopped, failed, deleting");
	/* A key limited to some workspaces: its own list, never cached. */
	if (req_who(r)->lim.nws > 0) {
		if ((rc = ws_list(req_app(r), req_db(r), req_who(r), state,
		    &arr)) != 0)
			return rc;
		return reply_json(r, 200, arr);
	}
	{
		const struct principal *who = req_who(r);
		uint64_t gen = db_generation();
		struct list_blob *b;
		char key[96];
		char *s;

		snprintf(key, sizeof key, "%d/%s/%s", who->admin, who->user,
		    state ? state : "");
		if ((b = list_cache_get(key, gen)) == NULL) {
			if ((rc = ws_list(req_app(r), req_db(r), who, state,
			    &arr)) != 0)
				return rc;
			s = json_dumps(arr, JSON_COMPACT);
			json_decref(arr);
			if (s == NULL)
				return err_set(ERR_INTERNAL, "encoding failed");
			b = xmalloc(sizeof *b + strlen(s) + 2);
			atomic_init(&b->refs, 1);
			b->gen = gen;
			snprintf(b->key, sizeof b->key, "%s", key);
			b->len = strlen(s) + 1;
			memcpy(b->data, s, b->len - 1);
			b->data[b->len - 1] = '\n';
			free(s);
			list_cache_put(b);
		}
		reply_start(r, 200, "application/json", (int64_t)b->len, NULL);
		reply_write(r, b->data, b->len);
		blob_unref(b);
		return 0;
	}
}

static int
h_create(struct req *r)
{
	struct app *app = req_app(r);
	struct db *db = req_db(r);
	json_t *body = NULL;
	struct ws *w = NULL;
	int rc;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	rc = ws_create(app, db, req_who(r), body, &w);
	json_decref(body);
	if (rc != 0)
		return rc;
	rc = reply_json(r, 201, ws_to_json(app, db, w));
	ws_free(w);
	return rc;
}

static int
h_get(struct req *r)
{
	struct ws *w = NULL;
	json_t *o;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	o = ws_to_json(req_app(r), req_db(r), w);
	/* Live, so not in the cached list: the terminal sessions open. */
	json_object_set_new(o, "terminal_sessions", term_sessions_json(w->id));
	rc = reply_json(r, 200, o);
	ws_free(w);
	return rc;
}

static int
h_patch(struct req *r)
{
	json_t *body = NULL;
	struct ws *w = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	if ((rc = req_json_body(r, &body)) == 0 &&
	    (rc = ws_patch(req_app(r), req_db(r), w->id, body,
	    req_who(r)->user)) == 0)
		rc = ws_reply(r, 200, w->id);
	json_decref(body);
	ws_free(w);
	return rc;
}

static int
h_delete(struct req *r)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	rc = ws_delete(req_app(r), req_db(r), w->id, req_who(r)->user);
	ws_free(w);
	if (rc != 0)
		return rc;
	return reply_empty(r);
}

static int
h_action(struct req *r, const char *action)
{
	struct ws *w = NULL;
	json_t *body = NULL;
	int rc;

	/* No body fields yet; an unknown one is still an error. */
	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if (json_object_size(body) > 0) {
		json_decref(body);
		return err_set(ERR_INVAL, "unknown field '%s'",
		    json_object_iter_key(json_object_iter(body)));
	}
	json_decref(body);
	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	rc = ws_action(req_app(r), req_db(r), w->id, action, req_who(r)->user,
	    "user");
	if (rc == 0)
		rc = ws_reply(r, 200, w->id);
	ws_free(w);
	return rc;
}

static int h_stop(struct req *r) { return h_action(r, "stop"); }
static int h_start(struct req *r) { return h_action(r, "start"); }
static int h_restart(struct req *r) { return h_action(r, "restart"); }
static int h_redeploy(struct req *r) { return h_action(r, "redeploy"); }

const struct route api_workspaces_routes[] = {
	{ "GET", "/v1/workspaces", h_list, ROUTE_READ, "your workspaces "
	    "(admin: all); ?state=" },
	{ "POST", "/v1/workspaces", h_create, ROUTE_LIFECYCLE | ROUTE_WSSELF,
	    "create a workspace" },
	{ "GET", "/v1/workspaces/{id}", h_get, ROUTE_READ, "one workspace "
	    "by id, prefix or name" },
	{ "PATCH", "/v1/workspaces/{id}", h_patch, ROUTE_LIFECYCLE, "extend "
	    "ttl, set idle_timeout, rename" },
	{ "DELETE", "/v1/workspaces/{id}", h_delete, ROUTE_LIFECYCLE, "delete "
	    "(volumes stay)" },
	{ "POST", "/v1/workspaces/{id}/stop", h_stop, ROUTE_LIFECYCLE, "stop "
	    "(GPU freed)" },
	{ "POST", "/v1/workspaces/{id}/start", h_start, ROUTE_LIFECYCLE,
	    "start" },
	{ "POST", "/v1/workspaces/{id}/restart", h_restart, ROUTE_LIFECYCLE,
	    "restart" },
	{ "POST", "/v1/workspaces/{id}/redeploy", h_redeploy, ROUTE_LIFECYCLE,
	    "recreate the container from its template, keeping volumes" },
	{ NULL, NULL, NULL, 0, NULL }
};
