/* mcp.h: the Model Context Protocol server shared by berthd's /mcp
 * (streamable HTTP, mcp-http.c) and `berth mcp` (stdio, cli-mcp.c):
 * JSON-RPC 2.0 messages (mcp-rpc.c) and the tools (mcp-tools.c). A tool
 * is one REST request of berth's own API, made through the transport's
 * executor: berthd runs the route in-process as the caller, the CLI sends
 * it to berthd; so scopes and ownership are the API's. Pure: no store, no
 * engine. One struct mcp per session, used by one thread at a time. */
#ifndef BERTH_MCP_H
#define BERTH_MCP_H

#include <stddef.h>

#include <jansson.h>

#define MCP_MSG_MAX		(24 * 1024 * 1024)	/* one message */
#define MCP_PROTO_LATEST	"2025-11-25"

/* JSON-RPC error codes. */
enum {
	MCP_PARSE_ERROR = -32700,
	MCP_INVALID_REQUEST = -32600,
	MCP_METHOD_NOT_FOUND = -32601,
	MCP_INVALID_PARAMS = -32602,
	MCP_INTERNAL_ERROR = -32603,
};

/* One REST request a tool makes. */
struct mcp_http {
	const char	*method;
	char		*path;		/* "/v1/...?query", escaped */
	const char	*ctype;		/* of body; NULL: none */
	char		*body;		/* NULL: none */
	size_t		 bodylen;
	char		 range[64];	/* a Range header value, or "" */
	size_t		 limit;		/* reply bytes kept at most */
};

/* Its reply. */
struct mcp_reply {
	int		 status;	/* 0: none came */
	char		*body;		/* NUL-terminated; the executor's
					 * malloc, freed by the tool */
	size_t		 len;
	char		 ctype[128];
	int		 cut;		/* over limit: body is cut short */
	long long	 size;		/* from Content-Range ".../size"; -1 */
};

/* Runs rq; fills *rp. Returns 0 when a reply came (whatever its status),
 * <0 with err_msg() set when berthd could not be asked. */
typedef int (*mcp_exec_fn)(void *arg, const struct mcp_http *rq,
    struct mcp_reply *rp);

struct mcp {
	mcp_exec_fn	 exec;
	void		*arg;
	char		 version[16];	/* negotiated; "" before initialize */
	int		 initialized;	/* notifications/initialized seen */
	const char	*transport;	/* "stdio", "http" (for instructions) */
};

/* Parses one message (a JSON object, no batch). 0 with *msg (the
 * caller's); otherwise *resp is the JSON-RPC error to answer (id null)
 * and the result is MCP_PARSE_ERROR or MCP_INVALID_REQUEST. */
int	 mcp_parse(const char *buf, size_t len, json_t **msg, json_t **resp);
/* 1 when msg is a request (has an id and a method). */
int	 mcp_is_request(const json_t *msg);
/* 1 when msg is the initialize request. */
int	 mcp_is_initialize(const json_t *msg);
/* Handles one parsed message: the response to send (new reference), or
 * NULL for a notification or a response. */
json_t	*mcp_handle(struct mcp *, const json_t *msg);
/* 1 when v is a protocol version this server speaks. */
int	 mcp_version_ok(const char *v);

/* Tools (mcp-tools.c). The tool list (new reference). */
json_t	*mcp_tools_list(void);
/* Calls tool name with args: 0 with *result (a CallToolResult, isError
 * for a failed call); ERR_NOTFOUND for an unknown tool. */
int	 mcp_tool_call(struct mcp *, const char *name, const json_t *args,
	    json_t **result);

/* Base64 (standard alphabet, padded); caller frees. Decode: ERR_INVAL
 * for bad input. */
char	*mcp_b64_encode(const unsigned char *, size_t);
int	 mcp_b64_decode(const char *, size_t, unsigned char **out,
	    size_t *outlen);

#endif
