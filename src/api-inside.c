/* api-inside.c: what the routes that reach into a workspace (exec, files,
 * logs, stats) share: the running-workspace check, the owner of uploaded
 * files, and noticing a client that left a long stream. Request threads. */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <civetweb.h>
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

/* 1 when sa is the address addr:port. */
static int
sa_is(const struct sockaddr_storage *sa, const char *addr, int port)
{
	char s[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		if (ntohs(in->sin_port) != port)
			return 0;
		inet_ntop(AF_INET, &in->sin_addr, s, sizeof s);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		if (ntohs(in6->sin6_port) != port)
			return 0;
		inet_ntop(AF_INET6, &in6->sin6_addr, s, sizeof s);
	} else
		return 0;
	return addr == NULL || strcmp(s, addr) == 0;
}

int
api_client_fd(struct req *r)
{
	const struct mg_request_info *ri = mg_get_request_info(req_conn(r));
	struct sockaddr_storage peer, self;
	socklen_t sl;
	struct dirent *de;
	DIR *d;
	int fd, found = -1;

	/* civetweb does not hand out the socket; the connection's two
	 * addresses name it uniquely among this process's fds. */
	if (ri == NULL || (d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && found == -1) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		if (*end != '\0' || v < 0 || v > 1 << 24 || v == dirfd(d))
			continue;
		fd = (int)v;
		sl = sizeof peer;
		if (getpeername(fd, (struct sockaddr *)&peer, &sl) != 0 ||
		    !sa_is(&peer, ri->remote_addr, ri->remote_port))
			continue;
		sl = sizeof self;
		if (getsockname(fd, (struct sockaddr *)&self, &sl) != 0 ||
		    !sa_is(&self, NULL, ri->server_port))
			continue;
		found = fd;
	}
	closedir(d);
	return found;
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
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const char *e = req_header(r, "Expect");
	int fd;

	/* Straight to the socket: through civetweb the bytes would count as
	 * the reply's body and its real head would never go out. */
	if (e != NULL && strcasecmp(e, "100-continue") == 0 &&
	    (fd = api_client_fd(r)) != -1)
		(void)send(fd, cont, sizeof cont - 1, MSG_NOSIGNAL);
}
