/* api.h: small helpers (api.c) shared by the api-*.c route modules.
 * Request threads. */
#ifndef BERTH_API_H
#define BERTH_API_H

#include <jansson.h>

struct db;
struct req;
struct ws;

/* Resolves the {id} of the route to a workspace the caller may see;
 * ERR_NOTFOUND / ERR_CONFLICT with the message set. */
int	 api_workspace(struct req *, struct ws **out);
/* Makes an API key for user from the request body {name}; replies 201. */
int	 api_key_create(struct req *, const char *user);

#endif
