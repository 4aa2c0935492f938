/* json-util.h: strict access to JSON request bodies: unknown fields are
 * rejected and every type error names the field. Any thread. */
#ifndef BERTH_JSON_UTIL_H
#define BERTH_JSON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ERR_INVAL naming the first key of obj not in the NULL-terminated
 * allowed list, or when obj is not an object. */
int	 json_only_fields(const json_t *obj, const char *const *allowed);
/* Optional string field: *out NULL when absent or null; ERR_INVAL when
 * another type. The string belongs to obj. */
int	 json_opt_str(const json_t *obj, const char *key, const char **out);
/* Required non-empty string. */
int	 json_req_str(const json_t *obj, const char *key, const char **out);
/* Optional integer (absent: *out untouched, *present 0). */
int	 json_opt_int(const json_t *obj, const char *key, int64_t *out,
	    int *present);
/* Optional boolean. */
int	 json_opt_bool(const json_t *obj, const char *key, int *out);
/* 1 when the JSON text nests arrays/objects at most max deep. The parser
 * recurses per level, and worker threads have small stacks, so untrusted
 * text is checked before it is parsed. */
int	 json_depth_ok(const char *s, size_t len, int max);
/* Serialises compactly; caller frees. */
char	*json_compact(const json_t *);
/* Parses s (may be NULL/empty → fallback), a new reference; never NULL. */
json_t	*json_parse_or(const char *s, json_t *(*fallback)(void));

#endif
