/* web-static.c: serves the dashboard's files, compiled into berthd at
 * build time (web-assets.h), at / and below it. Only the paths in the
 * table exist, so no request can name anything else. Request threads. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "web-assets.h"
#include "web.h"

/* The page and its scripts come from berthd only; the terminal and the
 * API are on the same origin; nobody may frame it. */
#define PAGE_HEADERS \
	"Content-Security-Policy: default-src 'self'; " \
	"connect-src 'self' ws: wss:; img-src 'self' data:; " \
	"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; " \
	"base-uri 'none'; form-action 'self'\r\n" \
	"X-Frame-Options: DENY\r\nReferrer-Policy: same-origin\r\n"

static const char unbuilt[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>berth</title></head><body style=\"font:16px system-ui,"
    "sans-serif;max-width:40em;margin:10vh auto\"><h1>berth</h1><p>This "
    "berthd was built without its dashboard's files (web/src, and the "
    "vendor files that <code>npm ci</code> in <code>web/</code> fetches; "
    "<code>scripts/deps.sh</code> runs it). Build again after it, or use "
    "the API and the <code>berth</code> CLI.</p></body></html>\n";

int
web_static(struct req *r)
{
	const char *path = req_target(r);

	if (strncmp(path, "/v1/", 4) == 0 || strncmp(path, "/w/", 3) == 0)
		return ERR_NOTFOUND;
	if (!web_built && strcmp(path, "/") == 0) {
		reply_start(r, 200, "text/html; charset=utf-8",
		    (int64_t)sizeof unbuilt - 1, PAGE_HEADERS);
		reply_write(r, unbuilt, sizeof unbuilt - 1);
		return 0;
	}
	for (const struct web_asset *a = web_assets; a->path != NULL; a++) {
		size_t n = (size_t)(a->end - a->data);
		char type[80];
		if (strcmp(a->path, path) != 0)
			continue;
		snprintf(type, sizeof type, "%s%s", a->type, strncmp(a->type,
		    "text/", 5) == 0 ? "; charset=utf-8" : "");
		reply_start(r, 200, type, (int64_t)n, PAGE_HEADERS);
		reply_write(r, a->data, n);
		return 0;
	}
	return ERR_NOTFOUND;
}
