/* http-scope.c: what a scoped API key may do on a route: each route
 * declares one scope in its flags (http.h ROUTE_READ...), checked here
 * against the key's (auth.h); the key's workspaces are checked where a
 * workspace is resolved (ws_resolve, ws_list, ws_create). Worker threads
 * (and berthd's start, for the route tables). */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "err.h"
#include "http.h"
#include "http-server.h"
#include "log.h"

/* 1 when pattern acts on the one workspace its {id} names. */
static int
ws_bound(const char *pattern)
{
	static const char *const pfx[] = { "/v1/workspaces/{id}",
	    "/v1/containers/{id}", "/w/{id}", NULL };

	for (int i = 0; pfx[i] != NULL; i++) {
		size_t n = strlen(pfx[i]);
		if (strncmp(pattern, pfx[i], n) == 0 &&
		    (pattern[n] == '\0' || pattern[n] == '/'))
			return 1;
	}
	return 0;
}

static unsigned
route_auth_scope(int flags)
{
	return ((flags & ROUTE_READ) ? AUTH_READ : 0) |
	    ((flags & ROUTE_EXEC) ? AUTH_EXEC : 0) |
	    ((flags & ROUTE_FILES) ? AUTH_FILES : 0) |
	    ((flags & ROUTE_LIFECYCLE) ? AUTH_LIFECYCLE : 0);
}

int
http_scope_check(const struct principal *who, const struct route *rt)
{
	int sc = rt->flags & ROUTE_SCOPES;
	unsigned need;

	if (!auth_limited(who) || sc == ROUTE_ANYKEY)
		return 0;
	need = route_auth_scope(sc);
	if (need == 0)
		return err_set(ERR_FORBIDDEN, "%s %s needs an API key without "
		    "scopes or workspace limits (this one has scopes %s)",
		    rt->method, rt->pattern, auth_scope_str(who->lim.scopes));
	if (!auth_scope_ok(who, need))
		return err_set(ERR_FORBIDDEN, "this API key's scopes (%s) do "
		    "not include %s, which %s %s needs",
		    auth_scope_str(who->lim.scopes), auth_scope_str(need),
		    rt->method, rt->pattern);
	if (who->lim.nws > 0 && need != AUTH_READ && !ws_bound(rt->pattern) &&
	    !(rt->flags & ROUTE_WSSELF))
		return err_set(ERR_FORBIDDEN, "this API key is limited to some "
		    "workspaces; %s %s acts on none of them", rt->method,
		    rt->pattern);
	return 0;
}

int
http_routes_check(const struct route *const *t)
{
	int bad = 0;

	for (int i = 0; t[i] != NULL; i++)
		for (const struct route *rt = t[i]; rt->method != NULL; rt++) {
			int sc = rt->flags & ROUTE_SCOPES;
			if ((rt->flags & ROUTE_NOAUTH) ||
			    (sc != 0 && (sc & (sc - 1)) == 0))
				continue;
			log_error("route %s %s declares %s scope (flags "
			    "ROUTE_READ, _EXEC, _FILES, _LIFECYCLE, _ANYKEY "
			    "or _FULL: exactly one)", rt->method, rt->pattern,
			    sc ? "more than one" : "no");
			bad++;
		}
	return bad ? err_set(ERR_INTERNAL, "%d routes without a scope", bad) :
	    0;
}
