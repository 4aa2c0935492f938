/* api-inside.c: what the routes that reach into a workspace (exec, files,
 * logs, stats) share: the running-workspace check, the owner of uploaded
 * files, and noticing a client that left a long stream. Request threads. */
#include <sys/types.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api-inside.h"
#include "api.h"
#include "err.h"
#include "http.h"
#include "ws.h"

int
api_ws_running(struct req *r, struct ws **out)
{
	struct ws *w = NULL;
	int rc;

	*out = NULL;
	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	if (strcmp(w->state, "running") != 0 || w->container_id[0] == '\0') {
		rc = err_set(ERR_CONFLICT, "workspace '%s' is %s, not running; "
		    "start it first (POST /v1/workspaces/%s/start)", w->name,
		    w->state, w->id);
		ws_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void
api_ws_owner(const struct ws *w, int *uid, int *gid)
{
	const char *u = json_string_value(json_object_get(w->spec, "user"));
	char *end;
	long a, b;

	*uid = *gid = 1000;
	if (u == NULL || *u < '0' || *u > '9')
		return;
	a = strtol(u, &end, 10);
	if (a < 0 || a > 2147483647L)
		return;
	if (*end == '\0') {
		*uid = *gid = (int)a;
		return;
	}
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return;
	b = strtol(end + 1, &end, 10);
	if (*end != '\0' || b < 0 || b > 2147483647L)
		return;
	*uid = (int)a;
	*gid = (int)b;
}

int
api_client_fd(struct req *r)
{
	return req_fd(r);
}

int
api_client_gone(int fd)
{
	struct pollfd pfd = { fd, POLLRDHUP, 0 };

	if (fd < 0)
		return 0;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLRDHUP | POLLHUP |
	    POLLERR | POLLNVAL)))
		return 1;
	return 0;
}

void
api_body_continue(struct req *r)
{
	req_continue(r);
}
