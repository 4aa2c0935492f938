/* api-openapi.h: the OpenAPI document of the API, built from the route
 * tables and the declarations in api-openapi.c. Request threads. */
#ifndef BERTH_API_OPENAPI_H
#define BERTH_API_OPENAPI_H

#include <jansson.h>

struct route;

/* The OpenAPI 3.0.3 document for the NULL-terminated route tables (a new
 * reference). */
json_t	*api_openapi_doc(const struct route *const *tables,
	    const char *version);

#endif
