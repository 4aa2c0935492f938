/* test-mcp.c: the MCP server's pure parts (mcp-rpc.c, mcp-tools.c,
 * mcp-files.c, mcp-util.c) with a scripted executor: JSON-RPC faults,
 * the lifecycle, the requests tools make and how replies are shaped
 * (API errors as tool errors with the API's code), the find listing and
 * base64. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "mcp-int.h"
#include "mcp.h"
#include "xmalloc.h"

struct script {
	int		 status;
	const char	*body;
	size_t		 len;		/* 0: strlen(body) */
	const char	*ctype;
	long long	 size;
	/* what the tool asked */
	char		 method[16];
	char		 path[512];
	char		 range[64];
	char		 reqbody[512];
};

static int
scripted(void *arg, const struct mcp_http *rq, struct mcp_reply *rp)
{
	struct script *s = arg;
	size_t n = s->len ? s->len : strlen(s->body);

	snprintf(s->method, sizeof s->method, "%s", rq->method);
	snprintf(s->path, sizeof s->path, "%s", rq->path);
	snprintf(s->range, sizeof s->range, "%s", rq->range);
	snprintf(s->reqbody, sizeof s->reqbody, "%.*s", (int)rq->bodylen,
	    rq->body != NULL ? rq->body : "");
	if (s->status == 0)
		return -1;
	rp->status = s->status;
	rp->body = xmalloc(n + 1);
	memcpy(rp->body, s->body, n);
	rp->body[n] = '\0';
	rp->len = n;
	rp->size = s->size;
	snprintf(rp->ctype, sizeof rp->ctype, "%s", s->ctype ? s->ctype :
	    "application/json");
	return 0;
}

/* One message through parse and handle; the response (or NULL). */
static json_t *
rpc(struct mcp *m, const char *text)
{
	json_t *msg = NULL, *resp = NULL;

	if (mcp_parse(text, strlen(text), &msg, &resp) != 0)
		return resp;
	resp = mcp_handle(m, msg);
	json_decref(msg);
	return resp;
}

static int
err_code(json_t *r)
{
	return (int)json_integer_value(json_object_get(json_object_get(r,
	    "error"), "code"));
}

static json_t *
tool(struct mcp *m, const char *name, const char *args)
{
	char *t = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"%s\",\"arguments\":%s}}",
	    name, args);
	json_t *r = rpc(m, t);

	free(t);
	return r;
}

static const char *
sc(json_t *r, const char *k)
{
	return json_string_value(json_object_get(json_object_get(
	    json_object_get(r, "result"), "structuredContent"), k));
}

static json_t *
sc_obj(json_t *r)
{
	return json_object_get(json_object_get(r, "result"),
	    "structuredContent");
}

static int
is_error(json_t *r)
{
	return json_is_true(json_object_get(json_object_get(r, "result"),
	    "isError"));
}

int
main(void)
{
	struct script s;
	struct mcp m;
	json_t *r, *e;
	unsigned char *dec;
	size_t n;
	char *enc;

	memset(&s, 0, sizeof s);
	memset(&m, 0, sizeof m);
	m.exec = scripted;
	m.arg = &s;

	/* Protocol faults. */
	r = rpc(&m, "{");
	CHECK_EQ_INT(err_code(r), MCP_PARSE_ERROR);
	CHECK(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	r = rpc(&m, "[]");
	CHECK_EQ_INT(err_code(r), MCP_INVALID_REQUEST);
	json_decref(r);
	r = rpc(&m, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}");
	CHECK_EQ_INT(err_code(r), MCP_INVALID_REQUEST);
	CHECK_EQ_INT(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}");
	CHECK_EQ_INT(err_code(r), MCP_INVALID_REQUEST);
	json_decref(r);
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\","
	    "\"id\":2}");
	CHECK_EQ_INT(err_code(r), MCP_PARSE_ERROR);	/* duplicate key */
	json_decref(r);

	/* Before initialize: ping only. */
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}");
	CHECK(json_is_object(json_object_get(r, "result")));
	CHECK_EQ_STR(json_string_value(json_object_get(r, "id")), "a");
	json_decref(r);
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/list\"}");
	CHECK_EQ_INT(err_code(r), MCP_INVALID_REQUEST);
	json_decref(r);

	/* initialize: a known version is kept, another gets the latest. */
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2024-11-05\"}}");
	CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(r,
	    "result"), "protocolVersion")), "2024-11-05");
	CHECK_EQ_STR(m.version, "2024-11-05");
	json_decref(r);
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"3000-01-01\"}}");
	CHECK_EQ_STR(m.version, MCP_PROTO_LATEST);
	json_decref(r);
	CHECK(rpc(&m, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}") == NULL);
	CHECK(m.initialized);
	CHECK(rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}") ==
	    NULL);

	/* tools/list: every tool has a name, a description, an object
	 * schema. */
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/list\"}");
	{
		json_t *tools = json_object_get(json_object_get(r, "result"),
		    "tools"), *t;
		size_t i;
		CHECK(json_array_size(tools) >= 11);
		json_array_foreach(tools, i, t) {
			CHECK(json_is_string(json_object_get(t, "name")));
			CHECK(json_is_string(json_object_get(t,
			    "description")));
			CHECK_EQ_STR(json_string_value(json_object_get(
			    json_object_get(t, "inputSchema"), "type")),
			    "object");
		}
	}
	json_decref(r);

	/* Unknown tool: -32602. Unknown method: -32601. */
	r = tool(&m, "nope", "{}");
	CHECK_EQ_INT(err_code(r), MCP_INVALID_PARAMS);
	json_decref(r);
	r = rpc(&m, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"x/y\"}");
	CHECK_EQ_INT(err_code(r), MCP_METHOD_NOT_FOUND);
	json_decref(r);

	/* exec: the request, and the full result with the signal. */
	s.status = 200;
	s.body = "{\"exit_code\":143,\"timed_out\":false,\"duration_ms\":4,"
	    "\"stdout_truncated\":false,\"stderr_truncated\":true,"
	    "\"stdout\":\"o\",\"stderr\":\"e\"}";
	r = tool(&m, "exec", "{\"workspace\":\"my ws\",\"command\":\"x\"}");
	CHECK_EQ_STR(s.method, "POST");
	CHECK_EQ_STR(s.path, "/v1/workspaces/my%20ws/exec");
	CHECK_EQ_STR(s.reqbody, "{\"command\":\"x\"}");
	CHECK(!is_error(r));
	CHECK_EQ_STR(sc(r, "signal"), "SIGTERM");
	CHECK(json_is_true(json_object_get(sc_obj(r), "truncated")));
	CHECK_EQ_STR(sc(r, "stdout"), "o");
	json_decref(r);
	r = tool(&m, "exec", "{\"workspace\":\"w\"}");
	CHECK(is_error(r));
	CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(
	    sc_obj(r), "error"), "code")), "invalid_argument");
	json_decref(r);
	r = tool(&m, "exec", "{\"workspace\":\"w\",\"command\":\"x\","
	    "\"bogus\":1}");
	CHECK(is_error(r));
	json_decref(r);

	/* An API error is a tool error with its code, message, status. */
	s.status = 409;
	s.body = "{\"error\":{\"code\":\"conflict\",\"message\":\"workspace "
	    "'w' is stopped\"}}";
	r = tool(&m, "exec", "{\"workspace\":\"w\",\"argv\":[\"true\"]}");
	CHECK(is_error(r));
	e = json_object_get(sc_obj(r), "error");
	CHECK_EQ_STR(json_string_value(json_object_get(e, "code")),
	    "conflict");
	CHECK_HAS(json_string_value(json_object_get(e, "message")),
	    "stopped");
	CHECK_EQ_INT(json_integer_value(json_object_get(e, "status")), 409);
	CHECK_HAS(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(r, "result"), "content"), 0),
	    "text")), "error conflict: ");
	json_decref(r);
	s.status = 0;		/* berthd unreachable */
	r = tool(&m, "list_workspaces", "{}");
	CHECK(is_error(r));
	json_decref(r);

	/* read_file: a Range; text or base64; the size from Content-Range. */
	s.status = 206;
	s.body = "wor";
	s.size = 12;
	s.ctype = "application/octet-stream";
	r = tool(&m, "read_file", "{\"workspace\":\"w\",\"path\":\"/a b\","
	    "\"offset\":6,\"length\":3}");
	CHECK_EQ_STR(s.method, "GET");
	CHECK_EQ_STR(s.path, "/v1/workspaces/w/files?path=%2Fa%20b");
	CHECK_EQ_STR(s.range, "bytes=6-8");
	CHECK_EQ_STR(sc(r, "content"), "wor");
	CHECK_EQ_STR(sc(r, "encoding"), "utf-8");
	CHECK(json_is_false(json_object_get(sc_obj(r), "eof")));
	json_decref(r);
	s.body = "\xff\x00\x01";
	s.len = 3;
	r = tool(&m, "read_file", "{\"workspace\":\"w\",\"path\":\"/b\","
	    "\"offset\":9}");
	CHECK_EQ_STR(sc(r, "encoding"), "base64");
	CHECK_EQ_STR(sc(r, "content"), "/wAB");
	CHECK(json_is_true(json_object_get(sc_obj(r), "eof")));
	json_decref(r);
	s.len = 0;
	s.status = 200;
	s.ctype = "application/x-tar";
	r = tool(&m, "read_file", "{\"workspace\":\"w\",\"path\":\"/d\"}");
	CHECK(is_error(r));
	json_decref(r);
	r = tool(&m, "read_file", "{\"workspace\":\"w\",\"path\":\"rel\"}");
	CHECK(is_error(r));
	json_decref(r);
	s.ctype = NULL;
	s.size = -1;

	/* write_file: base64 decoded into the body. */
	s.status = 200;
	s.body = "{\"path\":\"/x\",\"type\":\"file\",\"bytes\":2}";
	r = tool(&m, "write_file", "{\"workspace\":\"w\",\"path\":\"/x\","
	    "\"content\":\"aGk=\",\"encoding\":\"base64\",\"mode\":\"0600\"}");
	CHECK_EQ_STR(s.method, "PUT");
	CHECK_EQ_STR(s.path, "/v1/workspaces/w/files?path=%2Fx&mode=0600");
	CHECK_EQ_STR(s.reqbody, "hi");
	CHECK(!is_error(r));
	json_decref(r);
	r = tool(&m, "write_file", "{\"workspace\":\"w\",\"path\":\"/x\","
	    "\"content\":\"a\",\"encoding\":\"base64\"}");
	CHECK(is_error(r));
	json_decref(r);

	/* The find listing: sorted, the directory itself left out, a file
	 * listed as itself, a cut last record dropped. */
	{
		static const char l[] = "0\0d\0" "4096\0" "755\0"
		    "1700000000.5\0/d\0" "1\0f\0" "12\0" "644\0"
		    "1700000000.2\0zz\0" "1\0l\0" "3\0" "777\0"
		    "1700000001.0\0aa\0" "1\0f\0" "1";
		json_t *o = mcp_listing("/d", (const unsigned char *)l,
		    sizeof l - 1), *a = json_object_get(o, "entries");
		CHECK_EQ_INT(json_array_size(a), 2);
		CHECK_EQ_STR(json_string_value(json_object_get(
		    json_array_get(a, 0), "name")), "aa");
		CHECK_EQ_STR(json_string_value(json_object_get(
		    json_array_get(a, 0), "type")), "symlink");
		CHECK_EQ_STR(json_string_value(json_object_get(
		    json_array_get(a, 1), "mode")), "0644");
		CHECK_EQ_STR(json_string_value(json_object_get(
		    json_array_get(a, 1), "mtime")), "2023-11-14T22:13:20Z");
		CHECK_EQ_STR(json_string_value(json_object_get(o, "type")),
		    "directory");
		json_decref(o);
		static const char f[] = "0\0f\0" "5\0" "600\0" "1\0f\0";
		o = mcp_listing("/f", (const unsigned char *)f, sizeof f - 1);
		CHECK_EQ_INT(json_array_size(json_object_get(o, "entries")),
		    1);
		json_decref(o);
	}

	/* base64 both ways. */
	enc = mcp_b64_encode((const unsigned char *)"hello!?", 7);
	CHECK_EQ_STR(enc, "aGVsbG8hPw==");
	CHECK(mcp_b64_decode(enc, strlen(enc), &dec, &n) == 0);
	CHECK(n == 7 && memcmp(dec, "hello!?", 7) == 0);
	free(dec);
	free(enc);
	CHECK(mcp_b64_decode("a=b=", 4, &dec, &n) != 0);
	CHECK(mcp_b64_decode("abc", 3, &dec, &n) == 0 && n == 2);
	free(dec);

	CHECK_DONE();
}
