/* api-openapi.c: the OpenAPI 3.0 document of GET /v1/openapi.json, built
 * from the route tables (paths, methods, summaries, auth) and the
 * declarations below (query parameters, request bodies, responses and
 * their schemas). A route without a declaration is marked
 * x-undocumented, which tests/integration/openapi.sh rejects, so the two
 * can't drift. Request threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api-openapi.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

/* How one route is documented. query: "name:type[:req]" comma-separated;
 * body: a component schema name (application/json), "@type" for a raw
 * body of that media type, or NULL; ok: the success status; out: a
 * component name, "[]Name" for an array, "@type" for a raw body, or NULL
 * for none; errs: the statuses besides those implied (400 for input, 401,
 * 403 for admin routes, 404 for path parameters), each an Error unless
 * written "503=Schema". */
struct opdoc {
	const char	*method;
	const char	*pattern;
	const char	*query;
	const char	*body;
	int		 ok;
	const char	*out;
	const char	*errs;
};

static const struct opdoc docs[] = {
	{ "GET", "/healthz", NULL, NULL, 200, "Health", "503=Health" },
	{ "GET", "/metrics", NULL, NULL, 200, "@text/plain", "401,403" },
	{ "GET", "/v1/openapi.json", NULL, NULL, 200, "Object", NULL },
	{ "GET", "/v1/account", NULL, NULL, 200, "Account", NULL },
	{ "GET", "/v1/events", "since:string,limit:integer,workspace:string",
	    NULL, 200, "[]Event", NULL },
	{ "GET", "/v1/workspaces/{id}/events", "since:string,limit:integer",
	    NULL, 200, "[]Event", NULL },
	{ "GET", "/v1/workspaces", "state:string", NULL, 200, "[]Workspace",
	    NULL },
	{ "POST", "/v1/workspaces", NULL, "WorkspaceCreate", 201, "Workspace",
	    "409,413,415,422,429,503" },
	{ "GET", "/v1/workspaces/{id}", NULL, NULL, 200, "Workspace", NULL },
	{ "PATCH", "/v1/workspaces/{id}", NULL, "WorkspacePatch", 200,
	    "Workspace", "409,413,415" },
	{ "DELETE", "/v1/workspaces/{id}", NULL, NULL, 204, NULL, "409,503" },
	{ "POST", "/v1/workspaces/{id}/stop", NULL, NULL, 200, "Workspace",
	    "409,503" },
	{ "POST", "/v1/workspaces/{id}/start", NULL, NULL, 200, "Workspace",
	    "409,422,429,503" },
	{ "POST", "/v1/workspaces/{id}/restart", NULL, NULL, 200, "Workspace",
	    "409,503" },
	{ "POST", "/v1/workspaces/{id}/keepalive", NULL, NULL, 200,
	    "Workspace", "409,413,415" },
	{ "POST", "/v1/workspaces/{id}/redeploy", NULL, NULL, 200,
	    "Workspace", "409,422,503" },
	{ "POST", "/v1/workspaces/{id}/exec", "stream:boolean", "ExecRequest",
	    200, "ExecResult", "409,413,415,504" },
	{ "GET", "/v1/workspaces/{id}/files", "path:string:req", NULL, 200,
	    "@application/octet-stream", "206,409,416" },
	{ "PUT", "/v1/workspaces/{id}/files", "path:string:req,mode:string,"
	    "mtime:string", "@application/octet-stream", 200, "FileWritten",
	    "409,413" },
	{ "GET", "/v1/workspaces/{id}/logs", "follow:boolean,tail:integer,"
	    "since:string,timestamps:boolean,stream:string", NULL, 200,
	    "@text/plain", "409" },
	{ "GET", "/v1/workspaces/{id}/stats", NULL, NULL, 200, "Stats",
	    "409" },
	/* Tasks (api-tasks.c, docs/tasks.md). */
	{ "GET", "/v1/workspaces/{id}/tasks", NULL, NULL, 200, "[]Task",
	    NULL },
	{ "POST", "/v1/workspaces/{id}/tasks", NULL, "TaskCreate", 201,
	    "Task", "409,413,415,429,503" },
	{ "GET", "/v1/workspaces/{id}/tasks/{tid}", NULL, NULL, 200, "Task",
	    NULL },
	{ "DELETE", "/v1/workspaces/{id}/tasks/{tid}", "signal:string", NULL,
	    200, "Task", "409,503,504" },
	{ "GET", "/v1/workspaces/{id}/tasks/{tid}/output", "offset:integer,"
	    "tail:integer,follow:boolean,format:string,limit:integer", NULL,
	    200, "@application/octet-stream", "409,503" },
	{ "POST", "/v1/workspaces/{id}/tasks/{tid}/input", NULL, "TaskInput",
	    200, "Task", "409,413,415,503" },
	/* The terminal (api-terminal.c, docs/terminal.md). */
	{ "POST", "/v1/workspaces/{id}/terminal", NULL, NULL, 201, "Object",
	    "409" },
	{ "GET", "/v1/workspaces/{id}/terminal/ws", "token:string,"
	    "session:string,task:string", NULL, 101, NULL, "403" },
	/* The dashboard's session (web-session.c, docs/dashboard.md). */
	{ "POST", "/v1/session", NULL, "SessionLogin", 201, "Session",
	    "403,415" },
	{ "GET", "/v1/session", NULL, NULL, 200, "Session", NULL },
	{ "DELETE", "/v1/session", NULL, NULL, 204, NULL, NULL },
	/* MCP (mcp-http.c, docs/mcp.md): JSON-RPC in and out. */
	{ "POST", "/mcp", NULL, "Object", 200, "Object", "403=Object,"
	    "404=Object,406=Object,413=Object,415=Object" },
	{ "DELETE", "/mcp", NULL, NULL, 204, NULL, "404=Object" },
	{ "GET", "/v1/gpus", NULL, NULL, 200, "[]Gpu", NULL },
	{ "GET", "/v1/gpus/types", NULL, NULL, 200, "[]GpuType", NULL },
	{ "GET", "/v1/gpus/available", NULL, NULL, 200, "[]Gpu", NULL },
	{ "GET", "/v1/gpus/status", NULL, NULL, 200, "Object", NULL },
	{ "POST", "/v1/gpus/rescan", NULL, NULL, 200, "Object", "503" },
	{ "GET", "/gpus", NULL, NULL, 200, "Object", NULL },
	{ "GET", "/gpus/profiles", NULL, NULL, 200, "Object", NULL },
	{ "GET", "/gpus/available", NULL, NULL, 200, "Object", NULL },
	{ "GET", "/v1/api-keys", NULL, NULL, 200, "[]ApiKey", NULL },
	{ "POST", "/v1/api-keys", NULL, "ApiKeyCreate", 201, "ApiKeyCreated",
	    "409,413,415" },
	{ "DELETE", "/v1/api-keys/{keyid}", NULL, NULL, 204, NULL, NULL },
	{ "GET", "/v1/ssh-keys", "user:string", NULL, 200, "[]SshKey", NULL },
	{ "POST", "/v1/ssh-keys", NULL, "SshKeyCreate", 201, "SshKey",
	    "409,413,415" },
	{ "DELETE", "/v1/ssh-keys/{id}", NULL, NULL, 204, NULL, NULL },
	{ "GET", "/v1/templates", NULL, NULL, 200, "[]Template", NULL },
	{ "GET", "/v1/templates/{name}", NULL, NULL, 200, "Template", NULL },
	{ "POST", "/v1/templates", NULL, "Template", 201, "Template",
	    "409,413,415" },
	{ "DELETE", "/v1/templates/{name}", NULL, NULL, 204, NULL, "409" },
	{ "GET", "/v1/users", NULL, NULL, 200, "[]User", NULL },
	{ "POST", "/v1/users", NULL, "UserCreate", 201, "User",
	    "409,413,415" },
	{ "GET", "/v1/users/{name}", NULL, NULL, 200, "User", NULL },
	{ "DELETE", "/v1/users/{name}", NULL, NULL, 204, NULL, "409" },
	{ "POST", "/v1/users/{name}/api-keys", NULL, "ApiKeyCreate", 201,
	    "ApiKeyCreated", "409,413,415" },
	{ "GET", "/v1/volumes", NULL, NULL, 200, "[]Volume", NULL },
	{ "POST", "/v1/volumes", NULL, "VolumeCreate", 201, "Volume",
	    "409,413,415,422,429" },
	{ "GET", "/v1/volumes/{id}", NULL, NULL, 200, "Volume", NULL },
	{ "PATCH", "/v1/volumes/{id}", NULL, "VolumePatch", 200, "Volume",
	    "409,413,415,422,429" },
	{ "DELETE", "/v1/volumes/{id}", NULL, NULL, 204, NULL, "409" },
	{ "POST", "/sessions", NULL, "SessionCreate", 201, "Session",
	    "409,413,415,422,429,503" },
	{ "GET", "/sessions", NULL, NULL, 200, "[]Session", NULL },
	{ "GET", "/sessions/{id}", NULL, NULL, 200, "Session", NULL },
	{ "DELETE", "/sessions/{id}", NULL, NULL, 200, "Message", "409" },
	{ "DELETE", "/sessions", NULL, NULL, 200, "Message", NULL },
	/* GPULab's CLI (compat-gpulab-api.c): its own shapes. */
	{ "GET", "/v1/containers", NULL, NULL, 200, "[]Object", NULL },
	{ "POST", "/v1/containers", NULL, "Object", 201, "Object",
	    "409,413,415,422,429,503" },
	{ "GET", "/v1/containers/{id}", NULL, NULL, 200, "Object", NULL },
	{ "DELETE", "/v1/containers/{id}", NULL, NULL, 204, NULL, "409,503" },
	{ "POST", "/v1/containers/{id}/stop", NULL, NULL, 200, "Workspace",
	    "409,503" },
	{ "POST", "/v1/containers/{id}/start", NULL, NULL, 200, "Workspace",
	    "409,422,429,503" },
	{ "POST", "/v1/containers/{id}/restart", NULL, NULL, 200, "Workspace",
	    "409,503" },
	{ "POST", "/v1/containers/{id}/redeploy", NULL, NULL, 200,
	    "Workspace", "409,422,503" },
	{ "POST", "/v1/containers/{id}/exec", NULL, "ExecRequest", 200,
	    "Object", "409,413,415,504" },
	{ "GET", "/v1/containers/{id}/logs", "tail:integer,since:string,"
	    "timestamps:boolean", NULL, 200, "Object", "409" },
	{ "GET", "/v1/containers/{id}/logs/deploy", NULL, NULL, 200, "Object",
	    NULL },
	{ "GET", "/v1/containers/{id}/stats", NULL, NULL, 200, "Object",
	    "409" },
	{ "POST", "/v1/containers/{id}/terminal", NULL, NULL, 200, "Object",
	    "409" },
	{ "GET", "/v1/containers/{id}/terminal/{token}/ws", NULL, NULL, 101,
	    NULL, "403" },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL }
};

/* Component schemas: the fields clients rely on; objects stay open
 * (additionalProperties) so that a new field is not a breaking change. */
static const char components[] =
"{"
"\"Error\":{\"type\":\"object\",\"required\":[\"error\"],\"properties\":"
" {\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],"
" \"properties\":{\"code\":{\"type\":\"string\",\"example\":\"not_found\"},"
" \"message\":{\"type\":\"string\"}}}}},"
"\"Object\":{\"type\":\"object\",\"additionalProperties\":true},"
"\"Message\":{\"type\":\"object\",\"properties\":{\"message\":"
" {\"type\":\"string\"}}},"
"\"Named\":{\"type\":\"object\",\"properties\":{\"name\":"
" {\"type\":\"string\",\"example\":\"laptop\"}}},"
"\"Health\":{\"type\":\"object\",\"required\":[\"status\"],\"properties\":"
" {\"status\":{\"type\":\"string\",\"enum\":[\"healthy\",\"unhealthy\"]},"
" \"service\":{\"type\":\"string\"},\"version\":{\"type\":\"string\"},"
" \"checks\":{\"type\":\"object\",\"additionalProperties\":"
" {\"type\":\"string\"}}}},"
"\"SessionLogin\":{\"type\":\"object\",\"required\":[\"key\"],"
" \"properties\":{\"key\":{\"type\":\"string\"}}},"
"\"Session\":{\"type\":\"object\",\"properties\":{\"user\":"
" {\"type\":\"string\"},\"admin\":{\"type\":\"boolean\"},\"csrf\":"
" {\"type\":\"string\",\"nullable\":true},\"expires_at\":"
" {\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}}},"
"\"Account\":{\"type\":\"object\",\"properties\":{\"user\":"
" {\"type\":\"string\"},\"role\":{\"type\":\"string\"}},"
" \"additionalProperties\":true},"
"\"Event\":{\"type\":\"object\",\"additionalProperties\":true},"
"\"Workspace\":{\"type\":\"object\",\"required\":[\"id\",\"name\","
" \"state\"],\"properties\":{\"id\":{\"type\":\"string\"},\"name\":"
" {\"type\":\"string\",\"example\":\"train\"},\"owner\":{\"type\":"
" \"string\"},\"template\":{\"type\":\"string\"},\"image\":{\"type\":"
" \"string\"},\"state\":{\"type\":\"string\",\"enum\":[\"creating\","
" \"running\",\"stopped\",\"failed\",\"deleting\"]},\"error\":{\"type\":"
" \"string\",\"nullable\":true},\"container_id\":{\"type\":\"string\"},"
" \"expires_at\":{\"type\":\"string\",\"nullable\":true},"
" \"activity\":{\"type\":\"object\",\"properties\":{\"last_at\":"
" {\"type\":\"string\",\"nullable\":true},\"source\":{\"type\":"
" \"string\",\"nullable\":true,\"enum\":[\"ssh\",\"terminal\","
" \"exec\",\"files\",\"task\",\"gpu\",\"port-proxy\",\"keepalive\","
" \"process\",\"tty\",null]},\"open\":{\"type\":\"array\","
" \"items\":{\"type\":\"string\"},\"description\":\"sources open"
" now (an SSH connection, a terminal, a running exec or task)\"}}},"
" \"idle\":{\"type\":\"object\",\"properties\":{\"timeout\":"
" {\"type\":\"integer\",\"description\":\"seconds; 0 = never\"},"
" \"quiet_since\":{\"type\":\"string\",\"nullable\":true,"
" \"description\":\"null while something is open or when not "
" running\"},\"stops_at\":{\"type\":\"string\",\"nullable\":true}}}},"
" \"additionalProperties\":true},"
"\"WorkspaceCreate\":{\"type\":\"object\",\"required\":[\"name\"],"
" \"properties\":{\"name\":{\"type\":\"string\",\"example\":\"train\"},"
" \"template\":{\"type\":\"string\"},\"image\":{\"type\":\"string\"},"
" \"gpu\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}],"
" \"example\":\"1g.10gb\"},\"cpus\":{\"type\":\"number\"},\"memory\":"
" {\"type\":\"string\",\"example\":\"16g\"},\"ttl\":{\"type\":\"string\","
" \"example\":\"8h\"},\"idle_timeout\":{\"type\":\"string\"},\"wait\":"
" {\"type\":\"boolean\"},\"env\":{\"type\":\"object\","
" \"additionalProperties\":{\"type\":\"string\"}},\"volumes\":{\"type\":"
" \"array\",\"items\":{\"type\":\"object\",\"properties\":{\"name\":"
" {\"type\":\"string\"},\"mount\":{\"type\":\"string\"}}}}},"
" \"additionalProperties\":true},"
"\"WorkspacePatch\":{\"type\":\"object\",\"properties\":{\"ttl\":"
" {\"type\":\"string\"},\"idle_timeout\":{\"type\":\"string\"},\"name\":"
" {\"type\":\"string\"}},\"additionalProperties\":true},"
"\"ExecRequest\":{\"type\":\"object\",\"properties\":{\"command\":"
" {\"type\":\"string\",\"example\":\"nvidia-smi\"},\"argv\":{\"type\":"
" \"array\",\"items\":{\"type\":\"string\"}},\"stdin\":{\"type\":"
" \"string\"},\"env\":{\"type\":\"object\",\"additionalProperties\":"
" {\"type\":\"string\"}},\"timeout\":{\"type\":\"number\"},\"user\":"
" {\"type\":\"string\"},\"workdir\":{\"type\":\"string\"}},"
" \"additionalProperties\":true},"
"\"ExecResult\":{\"type\":\"object\",\"properties\":{\"exit_code\":"
" {\"type\":\"integer\"},\"stdout\":{\"type\":\"string\"},\"stderr\":"
" {\"type\":\"string\"},\"timed_out\":{\"type\":\"boolean\"}},"
" \"additionalProperties\":true,\"description\":\"With ?stream=1 (or "
" Accept: application/x-ndjson) the answer is NDJSON, one object a "
" line.\"},"
"\"Task\":{\"type\":\"object\",\"required\":[\"id\",\"state\"],"
" \"properties\":{\"id\":{\"type\":\"string\"},\"name\":{\"type\":"
" \"string\"},\"argv\":{\"type\":\"array\",\"items\":{\"type\":"
" \"string\"}},\"state\":{\"type\":\"string\",\"enum\":[\"running\","
" \"exited\",\"killed\",\"lost\"]},\"exit_code\":{\"type\":"
" \"integer\",\"nullable\":true},\"signal\":{\"type\":\"integer\","
" \"nullable\":true},\"started_at\":{\"type\":\"string\"},"
" \"ended_at\":{\"type\":\"string\",\"nullable\":true},\"output\":"
" {\"type\":\"object\",\"properties\":{\"start\":{\"type\":"
" \"integer\"},\"end\":{\"type\":\"integer\"}}}},"
" \"additionalProperties\":true},"
"\"TaskCreate\":{\"type\":\"object\",\"properties\":{\"command\":"
" {\"type\":\"string\",\"example\":\"python train.py\"},\"argv\":"
" {\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"name\":"
" {\"type\":\"string\"},\"env\":{\"type\":\"object\","
" \"additionalProperties\":{\"type\":\"string\"}},\"workdir\":"
" {\"type\":\"string\"},\"tty\":{\"type\":\"boolean\"},\"rows\":"
" {\"type\":\"integer\"},\"cols\":{\"type\":\"integer\"},"
" \"output_max\":{\"type\":\"integer\"}}},"
"\"TaskInput\":{\"type\":\"object\",\"properties\":{\"data\":"
" {\"type\":\"string\"},\"encoding\":{\"type\":\"string\","
" \"enum\":[\"utf-8\",\"base64\"]},\"eof\":{\"type\":"
" \"boolean\"}}},"
"\"FileWritten\":{\"type\":\"object\",\"properties\":{\"path\":"
" {\"type\":\"string\"},\"bytes\":{\"type\":\"integer\"}},"
" \"additionalProperties\":true},"
"\"Stats\":{\"type\":\"object\",\"additionalProperties\":true},"
"\"Gpu\":{\"type\":\"object\",\"properties\":{\"uuid\":{\"type\":"
" \"string\"},\"kind\":{\"type\":\"string\"},\"model\":{\"type\":"
" \"string\"},\"memory_mb\":{\"type\":\"integer\"},\"index\":{\"type\":"
" \"integer\"}},\"additionalProperties\":true},"
"\"GpuType\":{\"type\":\"object\",\"additionalProperties\":true},"
"\"Scopes\":{\"type\":\"array\",\"items\":{\"type\":\"string\","
" \"enum\":[\"read\",\"exec\",\"files\",\"lifecycle\"]},"
" \"description\":\"what the key may do; empty: everything the user "
" may\"},"
"\"ApiKeyCreate\":{\"type\":\"object\",\"properties\":{\"name\":"
" {\"type\":\"string\",\"example\":\"agent\"},\"scopes\":{\"$ref\":"
" \"#/components/schemas/Scopes\"},\"workspaces\":{\"type\":"
" \"array\",\"items\":{\"type\":\"string\"},\"description\":"
" \"names or ids; empty: all\"},\"expires_in\":{\"oneOf\":"
" [{\"type\":\"string\"},{\"type\":\"integer\"}],\"example\":"
" \"8h\"}},\"additionalProperties\":false},"
"\"ApiKey\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":"
" \"string\"},\"name\":{\"type\":\"string\"},\"scopes\":{\"$ref\":"
" \"#/components/schemas/Scopes\"},\"workspaces\":{\"type\":"
" \"array\",\"items\":{\"type\":\"string\"}},\"expires_at\":"
" {\"type\":\"string\",\"nullable\":true}},"
" \"additionalProperties\":true},"
"\"ApiKeyCreated\":{\"type\":\"object\",\"required\":[\"key\"],"
" \"properties\":{\"id\":{\"type\":\"string\"},\"key\":{\"type\":"
" \"string\",\"description\":\"shown once\"},\"scopes\":{\"$ref\":"
" \"#/components/schemas/Scopes\"},\"workspaces\":{\"type\":"
" \"array\",\"items\":{\"type\":\"string\"}},\"expires_at\":"
" {\"type\":\"string\",\"nullable\":true}},"
" \"additionalProperties\":true},"
"\"SshKey\":{\"type\":\"object\",\"additionalProperties\":true},"
"\"SshKeyCreate\":{\"type\":\"object\",\"properties\":{\"name\":"
" {\"type\":\"string\"},\"public_key\":{\"type\":\"string\"}},"
" \"additionalProperties\":true},"
"\"Template\":{\"type\":\"object\",\"required\":[\"name\"],"
" \"properties\":{\"name\":{\"type\":\"string\"},\"image\":{\"type\":"
" \"string\"}},\"additionalProperties\":true},"
"\"User\":{\"type\":\"object\",\"required\":[\"name\"],\"properties\":"
" {\"name\":{\"type\":\"string\"},\"role\":{\"type\":\"string\","
" \"enum\":[\"user\",\"admin\"]}},\"additionalProperties\":true},"
"\"UserCreate\":{\"type\":\"object\",\"required\":[\"name\"],"
" \"properties\":{\"name\":{\"type\":\"string\",\"example\":\"alice\"},"
" \"role\":{\"type\":\"string\",\"enum\":[\"user\",\"admin\"]}},"
" \"additionalProperties\":true},"
"\"Volume\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":"
" \"string\"},\"name\":{\"type\":\"string\"}},"
" \"additionalProperties\":true},"
"\"VolumeCreate\":{\"type\":\"object\",\"required\":[\"name\"],"
" \"properties\":{\"name\":{\"type\":\"string\"},\"size\":{\"type\":"
" \"string\",\"example\":\"10g\"}},\"additionalProperties\":true},"
"\"VolumePatch\":{\"type\":\"object\",\"properties\":{\"size\":"
" {\"type\":\"string\"}},\"additionalProperties\":true},"
"\"Session\":{\"type\":\"object\",\"additionalProperties\":true},"
"\"SessionCreate\":{\"type\":\"object\",\"properties\":{\"user_id\":"
" {\"type\":\"string\",\"example\":\"test_user_1\"}},"
" \"additionalProperties\":true}"
"}";

static const struct opdoc *
doc_find(const struct route *rt)
{
	for (const struct opdoc *d = docs; d->method != NULL; d++)
		if (strcmp(d->method, rt->method) == 0 &&
		    strcmp(d->pattern, rt->pattern) == 0)
			return d;
	return NULL;
}

static json_t *
ref(const char *name)
{
	char buf[128];

	snprintf(buf, sizeof buf, "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", buf);
}

/* A content object for out (see struct opdoc). */
static json_t *
content(const char *out)
{
	if (out[0] == '@')
		return json_pack("{s:{s:{s:s,s:s}}}", out + 1, "schema", "type",
		    "string", "format", strncmp(out + 1, "text/", 5) == 0 ?
		    "text" : "binary");
	if (strncmp(out, "[]", 2) == 0)
		return json_pack("{s:{s:{s:s,s:o}}}", "application/json",
		    "schema", "type", "array", "items", ref(out + 2));
	return json_pack("{s:{s:o}}", "application/json", "schema", ref(out));
}

static void
add_error(json_t *resp, int status, const char *what)
{
	char code[8];

	snprintf(code, sizeof code, "%d", status);
	if (json_object_get(resp, code) != NULL)
		return;
	json_object_set_new(resp, code, json_pack("{s:s,s:o}", "description",
	    what, "content", content("Error")));
}

static const char *
status_text(int s)
{
	switch (s) {
	case 206: return "part of the file (Range)";
	case 400: return "bad input";
	case 401: return "missing or invalid API key";
	case 403: return "not allowed (admin only, or not yours)";
	case 404: return "no such resource (or not yours)";
	case 409: return "conflict: exists, or the wrong state";
	case 413: return "request body too large";
	case 415: return "the body is not application/json";
	case 416: return "the range starts past the end";
	case 422: return "unsatisfiable (e.g. no free GPU)";
	case 429: return "quota or rate limit";
	case 503: return "engine or store unavailable";
	case 504: return "timed out";
	}
	return "error";
}

static void
query_params(json_t *params, const char *q)
{
	char *s = xstrdup(q), *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		char *type = strchr(tok, ':'), *req;
		if (type == NULL)
			continue;
		*type++ = '\0';
		if ((req = strchr(type, ':')) != NULL)
			*req++ = '\0';
		json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:{s:s}}",
		    "name", tok, "in", "query", "required", req != NULL,
		    "schema", "type", type));
	}
	free(s);
}

/* "get" + "/v1/workspaces/{id}/stop" -> "getV1WorkspacesIdStop". */
static void
operation_id(const char *method, const char *pattern, char *out, size_t sz)
{
	size_t o = 0;
	int up = 0;

	for (const char *m = method; *m != '\0' && o + 1 < sz; m++)
		out[o++] = (char)(*m | 0x20);
	for (const char *p = pattern; *p != '\0' && o + 1 < sz; p++) {
		if (*p == '/' || *p == '{' || *p == '}' || *p == '-' ||
		    *p == '.' || *p == '_') {
			up = 1;
			continue;
		}
		out[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
		up = 0;
	}
	out[o] = '\0';
}

/* The scope a key needs for a route (http.h ROUTE_READ...). */
static const char *
scope_name(int flags)
{
	switch (flags & ROUTE_SCOPES) {
	case ROUTE_READ: return "read";
	case ROUTE_EXEC: return "exec";
	case ROUTE_FILES: return "files";
	case ROUTE_LIFECYCLE: return "lifecycle";
	case ROUTE_ANYKEY: return "any";
	}
	return "unscoped-key-only";
}

static json_t *
operation(const struct route *rt)
{
	const struct opdoc *d = doc_find(rt);
	json_t *params = json_array(), *resp = json_object(), *op;
	const char *p = rt->pattern;
	char id[128], ok[8];
	int haspath = 0;

	while ((p = strchr(p, '{')) != NULL) {
		const char *e = strchr(p, '}');
		char *name = xstrndup(p + 1, (size_t)(e - p - 1));
		json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:{s:s}}",
		    "name", name, "in", "path", "required", 1, "schema", "type",
		    "string"));
		free(name);
		haspath = 1;
		p = e;
	}
	operation_id(rt->method, rt->pattern, id, sizeof id);
	op = json_pack("{s:s,s:s,s:[s]}", "summary", rt->summary ?
	    rt->summary : rt->pattern, "operationId", id, "tags",
	    rt->pattern[1] != 'v' || strncmp(rt->pattern, "/v1/containers",
	    14) == 0 ? "compat" : "berth");
	if (d == NULL) {
		json_object_set_new(op, "x-undocumented", json_true());
		json_object_set_new(resp, "200", json_pack("{s:s}",
		    "description", "success"));
	} else {
		if (d->query != NULL)
			query_params(params, d->query);
		snprintf(ok, sizeof ok, "%d", d->ok);
		if (d->out != NULL)
			json_object_set_new(resp, ok, json_pack("{s:s,s:o}",
			    "description", "success", "content",
			    content(d->out)));
		else
			json_object_set_new(resp, ok, json_pack("{s:s}",
			    "description", "done, no content"));
		if (d->body != NULL)
			json_object_set_new(op, "requestBody", json_pack(
			    "{s:b,s:o}", "required",
			    strcmp(d->body, "Named") != 0 &&
			    strcmp(d->body, "ApiKeyCreate") != 0,
			    "content", content(d->body)));
		for (const char *e = d->errs; e != NULL && *e != '\0';) {
			char *end;
			int s = (int)strtol(e, &end, 10);
			if (*end == '=') {
				char code[8], name[64];
				snprintf(code, sizeof code, "%d", s);
				snprintf(name, sizeof name, "%.*s",
				    (int)strcspn(end + 1, ","), end + 1);
				json_object_set_new(resp, code, json_pack(
				    "{s:s,s:o}", "description", status_text(s),
				    "content", content(name)));
			} else if (s == 206)
				json_object_set_new(resp, "206", json_pack(
				    "{s:s,s:o}", "description", status_text(s),
				    "content", content(d->out)));
			else if (s >= 400)
				add_error(resp, s, status_text(s));
			e = strchr(e, ',');
			e = e ? e + 1 : NULL;
		}
		if (d->body != NULL || d->query != NULL || haspath)
			add_error(resp, 400, status_text(400));
	}
	if (!(rt->flags & ROUTE_NOAUTH))
		add_error(resp, 401, status_text(401));
	/* Admin routes, and any route for a key whose scopes or
	 * workspaces do not cover it (x-berth-scope). */
	if (!(rt->flags & ROUTE_NOAUTH))
		add_error(resp, 403, status_text(403));
	if (haspath)
		add_error(resp, 404, status_text(404));
	json_object_set_new(resp, "default", json_pack("{s:s,s:o}",
	    "description", "error", "content", content("Error")));
	if (json_array_size(params) > 0)
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	json_object_set_new(op, "responses", resp);
	if (rt->flags & ROUTE_NOAUTH)
		json_object_set_new(op, "security", json_array());
	else
		json_object_set_new(op, "x-berth-scope", json_string(
		    scope_name(rt->flags)));
	return op;
}

json_t *
api_openapi_doc(const struct route *const *tables, const char *version)
{
	json_t *paths = json_object(), *schemas, *doc;
	json_error_t je;

	for (int t = 0; tables[t] != NULL; t++)
		for (const struct route *rt = tables[t]; rt->method != NULL;
		    rt++) {
			json_t *item = json_object_get(paths, rt->pattern);
			char method[16];
			size_t i;

			if (rt->flags & ROUTE_NOTAPI)
				continue;
			if (item == NULL) {
				item = json_object();
				json_object_set_new(paths, rt->pattern, item);
			}
			for (i = 0; rt->method[i] && i < sizeof method - 1; i++)
				method[i] = (char)(rt->method[i] | 0x20);
			method[i] = '\0';
			json_object_set_new(item, method, operation(rt));
		}
	if ((schemas = json_loads(components, 0, &je)) == NULL) {
		log_error("openapi components: %s at %d", je.text, je.column);
		schemas = json_object();
	}
	doc = json_pack("{s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}},s:[{s:s}],"
	    "s:[{s:[]},{s:[]}],s:[{s:s,s:s},{s:s,s:s}],s:o,"
	    "s:{s:o,s:{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s}}}}",
	    "openapi", "3.0.3",
	    "info", "title", "berth", "version", version,
	    "description", "GPU development workspaces. Errors are "
	    "{\"error\":{\"code\",\"message\"}}. Binary exec output: a "
	    "stdout/stderr field that is not valid UTF-8 is base64, with "
	    "stdout_encoding/stderr_encoding set to \"base64\". An API key "
	    "may be limited to scopes (read, exec, files, lifecycle), to "
	    "workspaces and in time; each operation's x-berth-scope says "
	    "which scope it needs (403 otherwise).",
	    "license", "name", "MIT", "url",
	    "https://opensource.org/licenses/MIT",
	    "servers", "url", "http://127.0.0.1:8080",
	    "security", "bearer", "apiKey",
	    "tags", "name", "berth", "description", "the berth API",
	    "name", "compat", "description", "Sandman- and GPULab-compatible "
	    "routes",
	    "paths", paths,
	    "components", "schemas", schemas, "securitySchemes",
	    "bearer", "type", "http", "scheme", "bearer", "description",
	    "Authorization: Bearer KEY",
	    "apiKey", "type", "apiKey", "in", "header", "name", "api-key",
	    "description", "api-key: KEY");
	return doc;
}
