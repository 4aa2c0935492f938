/* cli-mcp.c: `berth mcp`, the Model Context Protocol over stdio
 * (docs/mcp.md): newline-delimited JSON-RPC messages on stdin, answers
 * on stdout (nothing else goes there), errors on stderr. The tools are
 * berthd's (mcp-tools.c); each one is a REST request to berthd with the
 * user's configured key, so it can do what the key can. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "mcp.h"
#include "xmalloc.h"

struct mcp_body_in {
	const char	*p;
	size_t		 left;
};

static size_t
mcp_body_read(char *dst, size_t sz, size_t n, void *arg)
{
	struct mcp_body_in *b = arg;
	size_t k = sz * n < b->left ? sz * n : b->left;

	memcpy(dst, b->p, k);
	b->p += k;
	b->left -= k;
	return k;
}

struct mcp_body_out {
	struct buf	*b;
	size_t		 limit;
	int		 cut;
};

static int
mcp_body_write(const char *p, size_t n, void *arg)
{
	struct mcp_body_out *o = arg;
	size_t room = o->limit > buf_len(o->b) ? o->limit - buf_len(o->b) : 0;

	buf_append(o->b, p, n < room ? n : room);
	if (n > room) {
		o->cut = 1;
		return -1;
	}
	return 0;
}

/* The tools' executor: the request, sent to berthd. */
static int
mcp_exec_http(void *arg, const struct mcp_http *rq, struct mcp_reply *rp)
{
	struct cli *cli = arg;
	struct cli_stream s;
	struct mcp_body_in in;
	struct mcp_body_out out;
	struct buf *eb = buf_new(0);
	int r;

	memset(&s, 0, sizeof s);
	out.b = buf_new(0);
	out.limit = rq->limit;
	out.cut = 0;
	s.method = rq->method;
	s.path = rq->path;
	s.accept = "application/json, */*";
	s.long_running = 1;
	s.range = rq->range[0] != '\0' ? rq->range : NULL;
	s.errbody = eb;
	s.writefn = mcp_body_write;
	s.writearg = &out;
	if (rq->body != NULL) {
		in.p = rq->body;
		in.left = rq->bodylen;
		s.content_type = rq->ctype;
		s.readfn = mcp_body_read;
		s.readarg = &in;
		s.upload_len = (int64_t)rq->bodylen;
	}
	cli->last_err[0] = '\0';
	r = cli_stream(cli, &s);
	if (r != 0 && s.status == 0) {
		buf_free(out.b);
		buf_free(eb);
		return err_set(strcmp(cli->last_code, "timeout") == 0 ?
		    ERR_TIMEOUT : ERR_IO, "%s", cli->last_err[0] ?
		    cli->last_err : "berthd could not be reached");
	}
	rp->status = (int)s.status;
	rp->cut = out.cut;
	rp->size = s.range_size;
	snprintf(rp->ctype, sizeof rp->ctype, "%s", s.ctype);
	rp->body = buf_steal(s.status >= 300 ? eb : out.b, &rp->len);
	buf_free(out.b);
	buf_free(eb);
	return 0;
}

static void
mcp_send(json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT);

	/* One message a line: JSON text has no raw newline. */
	if (t != NULL) {
		fputs(t, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(t);
	json_decref(v);
}

int
cmd_mcp(struct cli *cli)
{
	struct mcp m;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *msg, *resp;
	int rc;

	if ((rc = cli_auth_load(cli)) != 0)
		return cli_err_last(cli, rc);
	if (cli->api_key == NULL)
		return cli_err(cli, "unauthorized", "no API key: run 'berth "
		    "auth login', or set BERTH_API_KEY, or pass --api-key");
	memset(&m, 0, sizeof m);
	m.exec = mcp_exec_http;
	m.arg = cli;
	m.transport = "stdio";
	while ((n = getline(&line, &cap, stdin)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (mcp_parse(line, (size_t)n, &msg, &resp) != 0) {
			mcp_send(resp);
			continue;
		}
		if ((resp = mcp_handle(&m, msg)) != NULL)
			mcp_send(resp);
		json_decref(msg);
	}
	free(line);
	cli_http_close(cli);
	return EXIT_OK;
}
