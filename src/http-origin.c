/* http-origin.c: whether a browser's request may come from where it says
 * it does (req_origin_ok, http.h): one check for the terminal's
 * WebSocket, MCP and dashboard logins. */
#include <string.h>
#include <strings.h>

#include "app.h"
#include "http.h"

int
req_origin_ok(struct req *r, int any)
{
	const char *o = req_header(r, "Origin"), *host = req_header(r,
	    "Host"), *p, *list = req_app(r)->cfg.cors_origins;
	size_t n;

	if (o == NULL)
		return 1;	/* not a browser */
	if ((p = strstr(o, "://")) != NULL && host != NULL &&
	    strcasecmp(p + 3, host) == 0)
		return 1;	/* berthd's own pages */
	n = strlen(o);
	for (p = list; p != NULL && *p != '\0'; p = strchr(p, ',')) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (any && p[0] == '*' && (p[1] == '\0' || p[1] == ',' ||
		    p[1] == ' '))
			return 1;
		if (strncasecmp(p, o, n) == 0 && (p[n] == '\0' ||
		    p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return 1;
	}
	return 0;
}
