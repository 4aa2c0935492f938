/* json-util.c: strict JSON field access. */
#include <string.h>

#include "err.h"
#include "json-util.h"
#include "xmalloc.h"

int
json_only_fields(const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return err_set(ERR_INVAL, "request body must be a JSON object");
	json_object_foreach((json_t *)obj, key, v) {
		size_t i;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return err_set(ERR_INVAL, "unknown field '%.64s'", key);
	}
	return 0;
}

int
json_opt_str(const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(ERR_INVAL, "field '%s' must be a string", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return err_set(ERR_INVAL, "field '%s' contains a NUL byte",
		    key);
	*out = json_string_value(v);
	return 0;
}

int
json_req_str(const json_t *obj, const char *key, const char **out)
{
	int r;

	if ((r = json_opt_str(obj, key, out)) != 0)
		return r;
	if (*out == NULL || **out == '\0')
		return err_set(ERR_INVAL, "field '%s' is required", key);
	return 0;
}

int
json_opt_int(const json_t *obj, const char *key, int64_t *out, int *present)
{
	json_t *v = json_object_get(obj, key);

	if (present != NULL)
		*present = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return err_set(ERR_INVAL, "field '%s' must be an integer", key);
	*out = json_integer_value(v);
	if (present != NULL)
		*present = 1;
	return 0;
}

int
json_opt_bool(const json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return err_set(ERR_INVAL, "field '%s' must be true or false",
		    key);
	*out = json_is_true(v);
	return 0;
}

int
json_depth_ok(const char *s, size_t len, int max)
{
	int depth = 0, instr = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = 0;
			continue;
		}
		if (c == '"')
			instr = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				return 0;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return 1;
}

char *
json_compact(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL)
		return xstrdup("null");
	return s;
}

json_t *
json_parse_or(const char *s, json_t *(*fallback)(void))
{
	json_t *v = NULL;

	if (s != NULL && *s != '\0')
		v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v != NULL ? v : fallback();
}
