/* compat-gpulab-api.c: the GPULab CLI's routes (docs/gpulab.md):
 * /v1/containers... over workspaces, and GPULab's shapes of the paths it
 * shares with berth (templates, volumes, gpus, account) for requests that
 * authenticate GPULab's way (the api-key header, no Authorization). Each
 * handler calls berth's own route or module and reshapes what it answers;
 * the shapes are in compat-gpulab.c. Request threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "compat-gpulab.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "timeutil.h"
#include "tmpl.h"
#include "ws.h"
#include "xmalloc.h"

#define CAPTURE_MAX	(16 * 1024 * 1024)	/* logs, lists */
#define PER_PAGE	15			/* Laravel's default */

/* GPULab's client sends the key as "api-key" and never Authorization. */
static int
gpulab_client(struct req *r)
{
	return req_header(r, "api-key") != NULL &&
	    req_header(r, "Authorization") == NULL;
}

/* berth's own handler for method and pattern. */
static route_fn
native(const struct route *tbl, const char *method, const char *pattern)
{
	for (; tbl->method != NULL; tbl++)
		if (strcmp(tbl->method, method) == 0 &&
		    strcmp(tbl->pattern, pattern) == 0)
			return tbl->fn;
	return NULL;
}

static int
run_native(struct req *r, const struct route *tbl, const char *method,
    const char *pattern)
{
	route_fn fn = native(tbl, method, pattern);

	if (fn == NULL)
		return err_set(ERR_INTERNAL, "no route %s %s", method, pattern);
	return fn(r);
}

/* Sends a kept reply on as it was. */
static int
relay(struct req *r, int status, const char *text, size_t len)
{
	reply_start(r, status, len > 0 ? "application/json" : NULL,
	    (int64_t)len, NULL);
	if (len > 0)
		reply_write(r, text, len);
	return 0;
}

/* Runs berth's route for method and pattern on r (reading body instead of
 * the request's when given) and keeps its reply: 0 with *text (and *json,
 * when asked, parsed); an error reply goes on to the client with a top-
 * level "message" added and 1 is returned; <0: an error not yet sent. */
static int
call_native(struct req *r, const struct route *tbl, const char *method,
    const char *pattern, const char *body, json_t **json, char **text,
    size_t *len)
{
	route_fn fn = native(tbl, method, pattern);
	char *out = NULL;
	size_t n = 0;
	int rc, status;

	if (json != NULL)
		*json = NULL;
	*text = NULL;
	if (fn == NULL)
		return err_set(ERR_INTERNAL, "no route %s %s", method, pattern);
	if ((rc = req_capture(r, fn, body, CAPTURE_MAX, &status, &out, &n))
	    != 0) {
		free(out);
		return rc;
	}
	if (status == 413) {
		free(out);
		return err_set(ERR_TOOBIG, "the reply is over %d MiB (ask for "
		    "less, e.g. --tail)", CAPTURE_MAX >> 20);
	}
	if (status >= 400) {
		json_t *e = json_loads(out != NULL ? out : "", 0, NULL);
		json_t *eo = json_object_get(e, "error");
		const char *m = json_string_value(json_object_get(eo,
		    "message"));
		free(out);
		if (m == NULL) {
			json_decref(e);
			return err_set(ERR_INTERNAL, "%s %s answered %d",
			    method, pattern, status);
		}
		json_object_set_new(e, "message", json_string(m));
		reply_json(r, status, e);
		return 1;
	}
	if (json != NULL && (*json = json_loadb(out != NULL ? out : "", n,
	    JSON_DECODE_ANY, NULL)) == NULL) {
		free(out);
		return err_set(ERR_INTERNAL, "%s %s: not JSON", method,
		    pattern);
	}
	*text = out;
	if (len != NULL)
		*len = n;
	return 0;
}

/* call_native's result as a handler's: 1 (replied) becomes 0. */
static int
handled(int rc)
{
	return rc > 0 ? 0 : rc;
}

/* A page query parameter: 1..max, def when absent. */
static int
page_param(struct req *r, const char *name, long def, long max, long *out)
{
	const char *v = req_query(r, name);
	char *end;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	*out = strtol(v, &end, 10);
	if (*end != '\0' || *out < 1 || *out > max)
		return err_set(ERR_INVAL, "%s must be a number from 1 to %ld",
		    name, max);
	return 0;
}

/* Laravel's paginated envelope of all[] (each made by conv). */
static int
reply_page(struct req *r, const char *path, const json_t *all,
    json_t *(*conv)(const json_t *))
{
	long page, per, total = (long)json_array_size(all), last, i;
	json_t *data = json_array();
	char first[128], lastl[128], prev[128], next[128];

	if (page_param(r, "page", 1, 1000000, &page) != 0 ||
	    page_param(r, "per_page", PER_PAGE, 100, &per) != 0) {
		json_decref(data);
		return ERR_INVAL;
	}
	last = total > 0 ? (total + per - 1) / per : 1;
	for (i = (page - 1) * per; i < total && i < page * per; i++)
		json_array_append_new(data, conv(json_array_get(all,
		    (size_t)i)));
	snprintf(first, sizeof first, "%s?page=1", path);
	snprintf(lastl, sizeof lastl, "%s?page=%ld", path, last);
	snprintf(prev, sizeof prev, "%s?page=%ld", path, page - 1);
	snprintf(next, sizeof next, "%s?page=%ld", path, page + 1);
	return reply_json(r, 200, json_pack("{s:o,s:{s:s,s:s,s:s?,s:s?},"
	    "s:{s:I,s:I,s:I,s:I,s:o,s:o,s:s}}", "data", data,
	    "links", "first", first, "last", lastl,
	    "prev", page > 1 ? prev : NULL, "next", page < last ? next : NULL,
	    "meta", "current_page", (json_int_t)page, "last_page",
	    (json_int_t)last, "per_page", (json_int_t)per,
	    "total", (json_int_t)total,
	    "from", json_array_size(data) ? json_integer((page - 1) * per + 1)
	    : json_null(), "to", json_array_size(data) ? json_integer(
	    (page - 1) * per + (long)json_array_size(data)) : json_null(),
	    "path", path));
}

static int
h_list(struct req *r)
{
	json_t *arr = NULL, *out, *w;
	int64_t now = now_s();
	size_t i;
	int rc;

	if ((rc = ws_list(req_app(r), req_db(r), req_who(r), NULL, &arr)) != 0)
		return rc;
	out = json_array();
	json_array_foreach(arr, i, w)
		json_array_append_new(out, gpulab_container(w, 0, now));
	json_decref(arr);
	return reply_json(r, 200, out);
}

static int
h_get(struct req *r)
{
	struct ws *w = NULL;
	json_t *j;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	j = ws_to_json(req_app(r), req_db(r), w);
	ws_free(w);
	rc = reply_json(r, 200, gpulab_container(j, 1, now_s()));
	json_decref(j);
	return rc;
}

/* The name of the caller's volume ref (id, id prefix or name) names. */
static int
volume_name(struct req *r, const char *ref, char **name)
{
	json_t *arr = NULL, *v, *hit = NULL;
	char *text = NULL;
	size_t i, n = strlen(ref);
	int rc, hits = 0;

	*name = NULL;
	if ((rc = call_native(r, api_volumes_routes, "GET", "/v1/volumes",
	    NULL, &arr, &text, NULL)) != 0)
		return rc;
	json_array_foreach(arr, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *nm = json_string_value(json_object_get(v, "name"));
		const char *own = json_string_value(json_object_get(v,
		    "owner"));
		if (own == NULL || strcmp(own, req_who(r)->user) != 0)
			continue;
		if ((id != NULL && strcmp(id, ref) == 0) || (nm != NULL &&
		    strcmp(nm, ref) == 0)) {
			hit = v;
			hits = 1;
			break;
		}
		if (id != NULL && n >= 4 && strncmp(id, ref, n) == 0) {
			hit = v;
			hits++;
		}
	}
	if (hits == 1)
		*name = xstrdup(json_string_value(json_object_get(hit,
		    "name")));
	json_decref(arr);
	free(text);
	if (hits > 1)
		return err_set(ERR_CONFLICT, "volume reference '%.64s' is "
		    "ambiguous", ref);
	if (hits == 0)
		return err_set(ERR_NOTFOUND, "no volume '%.64s'", ref);
	return 0;
}

static int
h_create(struct req *r)
{
	json_t *in = NULL, *body = NULL;
	const char *volref;
	struct ws *w = NULL;
	char *vname = NULL;
	int rc;

	if ((rc = req_json_body(r, &in)) != 0 ||
	    (rc = gpulab_deploy_body(in, &body, &volref)) != 0)
		goto out;
	if (volref != NULL) {
		if ((rc = volume_name(r, volref, &vname)) != 0)
			goto out;
		json_object_set_new(json_array_get(json_object_get(body,
		    "volumes"), 0), "name", json_string(vname));
	}
	if ((rc = ws_create(req_app(r), req_db(r), req_who(r), body, &w)) != 0)
		goto out;
	rc = reply_json(r, 201, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}",
	    "status", "success", "message", "Container is being deployed",
	    "container_id", w->id, "server_name", w->name, "server_type",
	    w->gpu_request[0] != '\0' && strcmp(w->gpu_request, "none") != 0 ?
	    "GPU" : "CPU", "server_status", w->state));
out:
	ws_free(w);
	free(vname);
	json_decref(in);
	json_decref(body);
	return handled(rc);
}

static int
h_delete(struct req *r)
{
	return run_native(r, api_workspaces_routes, "DELETE",
	    "/v1/workspaces/{id}");
}

static int
h_stop(struct req *r)
{
	return run_native(r, api_workspaces_routes, "POST",
	    "/v1/workspaces/{id}/stop");
}

static int
h_start(struct req *r)
{
	return run_native(r, api_workspaces_routes, "POST",
	    "/v1/workspaces/{id}/start");
}

static int
h_restart(struct req *r)
{
	return run_native(r, api_workspaces_routes, "POST",
	    "/v1/workspaces/{id}/restart");
}

static int
h_redeploy(struct req *r)
{
	return run_native(r, api_workspaces_routes, "POST",
	    "/v1/workspaces/{id}/redeploy");
}

/* berth's exec takes GPULab's {command, timeout} and answers a superset
 * of its {stdout, stderr, exit_code}. */
static int
h_exec(struct req *r)
{
	return run_native(r, api_exec_routes, "POST",
	    "/v1/workspaces/{id}/exec");
}

/* ?tail=&since=&timestamps=true, as berth's logs read them. */
static int
h_logs(struct req *r)
{
	char *text = NULL;
	int rc;

	if ((rc = call_native(r, api_logs_routes, "GET",
	    "/v1/workspaces/{id}/logs", NULL, NULL, &text, NULL)) != 0)
		return handled(rc);
	rc = reply_json(r, 200, json_pack("{s:s,s:I}", "logs", text ? text :
	    "", "timestamp", (json_int_t)now_s()));
	free(text);
	return rc;
}

/* A string member, "" when absent. */
static const char *
field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* The deployment log: the workspace's lifecycle events, one a line. */
static int
h_deploy_logs(struct req *r)
{
	json_t *arr = NULL, *e;
	char *text = NULL, *logs = xstrdup(""), *t;
	size_t i;
	int rc;

	if ((rc = call_native(r, api_events_routes, "GET",
	    "/v1/workspaces/{id}/events", NULL, &arr, &text, NULL)) != 0) {
		free(logs);
		return handled(rc);
	}
	json_array_foreach(arr, i, e) {
		const char *d = field(e, "detail");
		t = xasprintf("%s%s %s %s%s%s\n", logs, field(e, "time"),
		    field(e, "action"), field(e, "result"), *d ? ": " : "", d);
		free(logs);
		logs = t;
	}
	json_decref(arr);
	free(text);
	rc = reply_json(r, 200, json_pack("{s:s}", "logs", logs));
	free(logs);
	return rc;
}

static json_int_t
num_at(const json_t *o, const char *obj, const char *key)
{
	const json_t *v = obj != NULL ? json_object_get(json_object_get(o,
	    obj), key) : json_object_get(o, key);

	return json_is_number(v) ? (json_int_t)json_number_value(v) : 0;
}

static int
h_stats(struct req *r)
{
	json_t *s = NULL;
	char *text = NULL;
	int rc;

	if ((rc = call_native(r, api_stats_routes, "GET",
	    "/v1/workspaces/{id}/stats", NULL, &s, &text, NULL)) != 0)
		return handled(rc);
	rc = reply_json(r, 200, json_pack("{s:b,s:s,s:{s:f,s:I,s:I,s:f,s:I,"
	    "s:I,s:I,s:I,s:I,s:I,s:s}}", "success", 1, "message", "",
	    "stats", "cpu_percentage", json_number_value(json_object_get(s,
	    "cpu_percent")), "memory_usage", num_at(s, "memory", "used"),
	    "memory_limit", num_at(s, "memory", "limit"), "memory_percentage",
	    json_number_value(json_object_get(json_object_get(s, "memory"),
	    "percent")), "memory_cache", (json_int_t)0,
	    "network_rx", num_at(s, "net", "rx"), "network_tx", num_at(s,
	    "net", "tx"), "block_read", num_at(s, "block", "read"),
	    "block_write", num_at(s, "block", "write"), "pids", num_at(s, NULL,
	    "pids"), "timestamp", field(s, "time")));
	json_decref(s);
	free(text);
	return rc;
}

/* POST /v1/containers/{id}/terminal (gpulab ssh): berth's terminal token
 * as GPULab's {status, terminal: {terminal_url, terminal_port,
 * container_uuid}}. The client opens terminal_url + "/ws" as a
 * WebSocket with no first message and sends resizes as text frames, so
 * the single-use token goes into the URL's path (docs/gpulab.md). */
static int
h_terminal(struct req *r)
{
	json_t *t = NULL;
	const char *url, *id, *end, *tok, *host, *colon;
	char *text = NULL, *turl = NULL;
	int rc, port;

	if ((rc = call_native(r, api_terminal_routes, "POST",
	    "/v1/workspaces/{id}/terminal", NULL, &t, &text, NULL)) != 0)
		return handled(rc);
	url = json_string_value(json_object_get(t, "url"));
	tok = json_string_value(json_object_get(t, "token"));
	if (url == NULL || tok == NULL ||
	    (id = strstr(url, "/v1/workspaces/")) == NULL ||
	    (end = strstr(id + 15, "/terminal")) == NULL) {
		rc = err_set(ERR_INTERNAL, "unexpected terminal token reply");
		goto out;
	}
	id += 15;
	if ((host = req_header(r, "Host")) == NULL)
		host = req_app(r)->cfg.listen;
	colon = strrchr(host, ':');
	port = colon != NULL && strchr(colon, ']') == NULL ?
	    (int)strtol(colon + 1, NULL, 10) : 80;
	turl = xasprintf("http://%s/v1/containers/%.*s/terminal/%s", host,
	    (int)(end - id), id, tok);
	rc = reply_json(r, 200, json_pack("{s:s,s:{s:s,s:i,s:s%}}", "status",
	    "success", "terminal", "terminal_url", turl, "terminal_port",
	    port, "container_uuid", id, (size_t)(end - id)));
out:
	free(turl);
	free(text);
	json_decref(t);
	return rc;
}

/* GET /v1/containers/{id}/terminal/{token}/ws: berth's terminal socket,
 * the token from the path. */
static int
h_terminal_ws(struct req *r)
{
	return run_native(r, api_terminal_routes, "GET",
	    "/v1/workspaces/{id}/terminal/ws");
}

/* GET /v1/account: berth's, plus GPULab's email, team and
 * container_count. */
static int
h_account(struct req *r)
{
	json_t *a = NULL;
	char *text = NULL;
	int rc;

	if (!gpulab_client(r))
		return run_native(r, api_meta_routes, "GET", "/v1/account");
	req_msg_errors(r);
	if ((rc = call_native(r, api_meta_routes, "GET", "/v1/account", NULL,
	    &a, &text, NULL)) != 0)
		return handled(rc);
	free(text);
	json_object_set_new(a, "email", json_string(""));
	json_object_set_new(a, "team", json_null());
	json_object_set_new(a, "container_count", json_integer(num_at(a,
	    "usage", "workspaces")));
	return reply_json(r, 200, a);
}

static int
h_templates(struct req *r)
{
	json_t *all;
	int rc;

	if (!gpulab_client(r))
		return run_native(r, api_templates_routes, "GET",
		    "/v1/templates");
	req_msg_errors(r);
	all = tmpl_list(req_app(r));
	rc = reply_page(r, "/v1/templates", all, gpulab_template);
	json_decref(all);
	return rc;
}

static int
h_template(struct req *r)
{
	json_t *t;
	int rc;

	if (!gpulab_client(r))
		return run_native(r, api_templates_routes, "GET",
		    "/v1/templates/{name}");
	req_msg_errors(r);
	if ((t = tmpl_get(req_app(r), req_param(r, "name"))) == NULL)
		return err_set(ERR_NOTFOUND, "no template '%.64s'",
		    req_param(r, "name"));
	rc = reply_json(r, 200, json_pack("{s:o}", "data",
	    gpulab_template(t)));
	json_decref(t);
	return rc;
}

static int
h_volumes(struct req *r)
{
	json_t *all = NULL;
	char *text = NULL;
	int rc;

	if (!gpulab_client(r))
		return run_native(r, api_volumes_routes, "GET", "/v1/volumes");
	req_msg_errors(r);
	if ((rc = call_native(r, api_volumes_routes, "GET", "/v1/volumes",
	    NULL, &all, &text, NULL)) != 0)
		return handled(rc);
	rc = reply_page(r, "/v1/volumes", all, gpulab_volume);
	json_decref(all);
	free(text);
	return rc;
}

/* One volume as {"data": …}, from a kept native reply. */
static int
reply_volume(struct req *r, int status, json_t *v)
{
	int rc = reply_json(r, status, json_pack("{s:o}", "data",
	    gpulab_volume(v)));

	json_decref(v);
	return rc;
}

static int
h_volume(struct req *r)
{
	json_t *v = NULL;
	char *text = NULL;
	int rc;

	if (!gpulab_client(r))
		return run_native(r, api_volumes_routes, "GET",
		    "/v1/volumes/{id}");
	req_msg_errors(r);
	if ((rc = call_native(r, api_volumes_routes, "GET", "/v1/volumes/{id}",
	    NULL, &v, &text, NULL)) != 0)
		return handled(rc);
	free(text);
	return reply_volume(r, 200, v);
}

/* POST /v1/volumes: GPULab's body has volume_name and volume_space (GB);
 * berth's has name and size. The body says which. */
static int
h_volume_create(struct req *r)
{
	static const char *const known[] = { "volume_name", "volume_space",
	    "region_id", "volume_type", "description", "notes", NULL };
	json_t *in = NULL, *v = NULL, *x;
	char *body = NULL, *text = NULL;
	const char *key;
	size_t len = 0;
	int rc;

	if ((rc = req_json_body(r, &in)) != 0)
		return rc;
	if (json_object_get(in, "volume_name") == NULL) {
		/* berth's own body: its route reads it again. */
		route_fn fn = native(api_volumes_routes, "POST", "/v1/volumes");
		int status = 0;

		body = json_dumps(in, JSON_COMPACT);
		if (fn == NULL)
			rc = err_set(ERR_INTERNAL, "no route POST /v1/volumes");
		else if ((rc = req_capture(r, fn, body, CAPTURE_MAX, &status,
		    &text, &len)) == 0 && status > 0)
			rc = relay(r, status, text, len);
		goto out;
	}
	req_msg_errors(r);
	json_object_foreach(in, key, x) {
		int ok = 0;
		for (int i = 0; known[i] != NULL && !ok; i++)
			ok = strcmp(key, known[i]) == 0;
		if (!ok) {
			rc = err_set(ERR_INVAL, "unknown field '%.64s'", key);
			goto out;
		}
	}
	if (!json_is_string(json_object_get(in, "volume_name")) ||
	    !json_is_integer(json_object_get(in, "volume_space"))) {
		rc = err_set(ERR_INVAL, "volume_name (a string) and "
		    "volume_space (whole GB) are required");
		goto out;
	}
	x = json_pack("{s:O,s:O}", "name", json_object_get(in, "volume_name"),
	    "size_gib", json_object_get(in, "volume_space"));
	body = json_dumps(x, JSON_COMPACT);
	json_decref(x);
	if ((rc = call_native(r, api_volumes_routes, "POST", "/v1/volumes",
	    body, &v, &text, NULL)) != 0)
		goto out;
	rc = reply_volume(r, 201, v);
	v = NULL;
out:
	json_decref(in);
	json_decref(v);
	free(body);
	free(text);
	return handled(rc);
}

static int
h_volume_delete(struct req *r)
{
	if (gpulab_client(r))
		req_msg_errors(r);
	return run_native(r, api_volumes_routes, "DELETE", "/v1/volumes/{id}");
}

static int
h_gpu_types(struct req *r)
{
	json_t *t;
	int rc;

	if (!gpulab_client(r))
		return run_native(r, api_gpus_routes, "GET", "/v1/gpus/types");
	t = db_gpu_view_types(req_db(r));
	rc = reply_json(r, 200, gpulab_gpu_types(t));
	json_decref(t);
	return rc;
}

static int
h_gpu_available(struct req *r)
{
	json_t *d;
	int rc;

	if (!gpulab_client(r))
		return run_native(r, api_gpus_routes, "GET",
		    "/v1/gpus/available");
	d = db_gpu_view_available(req_db(r));
	rc = reply_json(r, 200, gpulab_gpu_available(d));
	json_decref(d);
	return rc;
}

/* Ahead of the tables whose paths it shares (http-routes.c). */
const struct route compat_gpulab_routes[] = {
	{ "GET", "/v1/containers", h_list, ROUTE_MSGERR | ROUTE_READ, "GPULab: "
	    "your containers (workspaces), its shape" },
	{ "POST", "/v1/containers", h_create,
	    ROUTE_MSGERR | ROUTE_LIFECYCLE | ROUTE_WSSELF, "GPULab: deploy "
	    "{server_name, gpu_type, template_uuid, ...}" },
	{ "GET", "/v1/containers/{id}", h_get, ROUTE_MSGERR | ROUTE_READ,
	    "GPULab: one container (inspect)" },
	{ "DELETE", "/v1/containers/{id}", h_delete,
	    ROUTE_MSGERR | ROUTE_LIFECYCLE, "GPULab: delete" },
	{ "POST", "/v1/containers/{id}/stop", h_stop,
	    ROUTE_MSGERR | ROUTE_LIFECYCLE, "GPULab: stop" },
	{ "POST", "/v1/containers/{id}/start", h_start,
	    ROUTE_MSGERR | ROUTE_LIFECYCLE, "GPULab: start" },
	{ "POST", "/v1/containers/{id}/restart", h_restart,
	    ROUTE_MSGERR | ROUTE_LIFECYCLE, "GPULab: restart" },
	{ "POST", "/v1/containers/{id}/redeploy", h_redeploy,
	    ROUTE_MSGERR | ROUTE_LIFECYCLE, "GPULab: redeploy" },
	{ "POST", "/v1/containers/{id}/exec", h_exec, ROUTE_MSGERR | ROUTE_EXEC,
	    "GPULab: run {command, timeout}" },
	{ "GET", "/v1/containers/{id}/logs", h_logs, ROUTE_MSGERR | ROUTE_READ,
	    "GPULab: {logs, timestamp}; ?tail=&since=&timestamps=true" },
	{ "GET", "/v1/containers/{id}/logs/deploy", h_deploy_logs,
	    ROUTE_MSGERR | ROUTE_READ, "GPULab: the lifecycle events as "
	    "{logs}" },
	{ "GET", "/v1/containers/{id}/stats", h_stats,
	    ROUTE_MSGERR | ROUTE_READ, "GPULab: {success, stats}" },
	{ "POST", "/v1/containers/{id}/terminal", h_terminal,
	    ROUTE_MSGERR | ROUTE_EXEC, "GPULab: a terminal (gpulab ssh): "
	    "{status, terminal: {terminal_url, terminal_port, "
	    "container_uuid}}; the single-use token is in terminal_url, valid "
	    "60 s" },
	{ "GET", "/v1/containers/{id}/terminal/{token}/ws", h_terminal_ws,
	    ROUTE_NOAUTH | ROUTE_UPGRADE | ROUTE_EXEC, "GPULab: the terminal "
	    "over WebSocket as gpulab ssh opens it (terminal_url + /ws): "
	    "ttyd's frames, no first message, resize as a text frame" },
	{ "GET", "/v1/account", h_account, ROUTE_ANYKEY, NULL },
	{ "GET", "/v1/templates", h_templates, ROUTE_READ, NULL },
	{ "GET", "/v1/templates/{name}", h_template, ROUTE_READ, NULL },
	{ "GET", "/v1/volumes", h_volumes, ROUTE_READ, NULL },
	{ "POST", "/v1/volumes", h_volume_create, ROUTE_LIFECYCLE, NULL },
	{ "GET", "/v1/volumes/{id}", h_volume, ROUTE_READ, NULL },
	{ "DELETE", "/v1/volumes/{id}", h_volume_delete, ROUTE_LIFECYCLE,
	    NULL },
	{ "GET", "/v1/gpus/types", h_gpu_types, ROUTE_READ, NULL },
	{ "GET", "/v1/gpus/available", h_gpu_available, ROUTE_READ, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};
