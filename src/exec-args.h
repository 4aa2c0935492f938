/* exec-args.h: what an exec or a task runs, read from its JSON body:
 * "argv" (an array of strings) or "command" (a string run by the
 * workspace's shell, `sh -c`), and "env" (an object of strings). The
 * errors are ERR_INVAL with the field at fault. Request threads. */
#ifndef BERTH_EXEC_ARGS_H
#define BERTH_EXEC_ARGS_H

#include <stddef.h>

#include <jansson.h>

struct ws;

/* Exactly one of argv and command (either may be NULL): *out, a
 * NULL-ended malloc'd vector of at most max strings, set as soon as it
 * is allocated (the caller frees it, also on an error). */
int	exec_args_argv(const struct ws *, const json_t *argv,
	    const json_t *command, size_t max, char ***out);
/* env (NULL or null: none): *out, "K=V" strings, NULL-ended, as
 * exec_args_argv. */
int	exec_args_env(const json_t *env, char ***out);

#endif
