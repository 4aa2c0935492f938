/* mcp-int.h: what the MCP tool modules (mcp-tools.c, mcp-files.c) share:
 * the tool table's entry and the result helpers. One thread per call. */
#ifndef BERTH_MCP_INT_H
#define BERTH_MCP_INT_H

#include <jansson.h>

#include "mcp.h"

enum {
	MCP_RO = 0x1,		/* reads only */
	MCP_IDEM = 0x2,		/* the same call twice does no more */
	MCP_DESTRUCTIVE = 0x4,	/* removes something */
	MCP_OPEN = 0x8,		/* runs arbitrary commands */
};

struct mcp_tool {
	const char	*name;
	const char	*title;
	const char	*desc;
	const char	*schema;	/* JSON; %W: the workspace property */
	int		 hints;		/* MCP_* */
	/* Builds the request from the arguments; ERR_INVAL with the
	 * message for bad arguments. */
	int		(*build)(const json_t *args, struct mcp_http *);
	/* Shapes a 2xx reply (j: its JSON, NULL for a raw tool). */
	json_t		*(*shape)(const json_t *args, const struct mcp_reply *,
			    json_t *j);
	int		 raw;		/* reply not JSON; 416 is shaped */
};

/* A path with each %s argument URL-escaped and each %S inserted raw. */
char	*mcp_path(const char *fmt, ...);
/* A successful result of structured (stolen): it, and its JSON as text. */
json_t	*mcp_ok(json_t *structured);
/* A tool error result with the API's code and message. */
json_t	*mcp_fail(const char *code, const char *msg, int status);
/* The tool error for an API error reply ({"error":{code,message}}). */
json_t	*mcp_fail_reply(const struct mcp_reply *);
/* ERR_INVAL naming an argument not in allowed. */
int	 mcp_args_only(const json_t *args, const char *const *allowed);
/* The required "workspace" argument. */
int	 mcp_arg_ws(const json_t *args, const char **ws);

/* mcp-tasks.c: start_task, list_tasks, task_output, task_input,
 * kill_task. */
extern const struct mcp_tool mcp_task_tools[];

/* mcp-files.c */
int	 mcp_b_read(const json_t *, struct mcp_http *);
json_t	*mcp_s_read(const json_t *, const struct mcp_reply *, json_t *);
int	 mcp_b_write(const json_t *, struct mcp_http *);
int	 mcp_b_list(const json_t *, struct mcp_http *);
json_t	*mcp_s_list(const json_t *, const struct mcp_reply *, json_t *);
/* Parses find's NUL-separated listing (depth, type, size, mode, mtime,
 * name per entry) into the list_files result. For the fuzzer. */
json_t	*mcp_listing(const char *path, const unsigned char *, size_t);

#endif
