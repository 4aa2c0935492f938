/* exec-args.c: argv, command and env of an exec or a task (exec-args.h). */
#include <string.h>

#include "err.h"
#include "exec-args.h"
#include "valid.h"
#include "ws.h"
#include "xmalloc.h"

#define ENV_MAX	4096

/* A string without NUL (a C string can't carry one). */
static int
plain_string(const json_t *v)
{
	return json_is_string(v) && strlen(json_string_value(v)) ==
	    json_string_length(v);
}

int
exec_args_argv(const struct ws *w, const json_t *argv, const json_t *cmd,
    size_t max, char ***out)
{
	const char *shell;
	char **a;
	size_t i;
	json_t *v;

	if ((argv != NULL) == (cmd != NULL))
		return err_set(ERR_INVAL, "give exactly one of argv (an array "
		    "of strings) and command (a string run by the shell)");
	if (argv != NULL) {
		if (!json_is_array(argv) || json_array_size(argv) == 0 ||
		    json_array_size(argv) > max)
			return err_set(ERR_INVAL, "argv must be a non-empty "
			    "array of strings");
		*out = a = xcalloc(json_array_size(argv) + 1, sizeof *a);
		json_array_foreach((json_t *)argv, i, v) {
			if (!plain_string(v))
				return err_set(ERR_INVAL, "argv[%zu] must be a "
				    "string without NUL", i);
			a[i] = xstrdup(json_string_value(v));
		}
		if (*a[0] == '\0')
			return err_set(ERR_INVAL, "argv[0] is empty");
		return 0;
	}
	if (!plain_string(cmd) || json_string_length(cmd) == 0)
		return err_set(ERR_INVAL, "command must be a non-empty string "
		    "without NUL");
	shell = json_string_value(json_object_get(w->spec, "shell"));
	if (shell == NULL || *shell != '/')
		shell = "/bin/sh";
	*out = a = xcalloc(4, sizeof *a);
	a[0] = xstrdup(shell);
	a[1] = xstrdup("-c");
	a[2] = xstrdup(json_string_value(cmd));
	return 0;
}

int
exec_args_env(const json_t *env, char ***out)
{
	const char *k;
	json_t *v;
	size_t i = 0;
	int rc;

	if (env == NULL || json_is_null(env))
		return 0;
	if (!json_is_object(env) || json_object_size(env) > ENV_MAX)
		return err_set(ERR_INVAL, "env must be an object of strings");
	*out = xcalloc(json_object_size(env) + 1, sizeof **out);
	json_object_foreach((json_t *)env, k, v) {
		if ((rc = valid_env_key("env", k)) != 0)
			return rc;
		if (!plain_string(v))
			return err_set(ERR_INVAL, "env '%s' must be a string "
			    "without NUL", k);
		(*out)[i++] = xasprintf("%s=%s", k, json_string_value(v));
	}
	return 0;
}
