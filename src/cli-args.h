/* cli-args.h: the CLI's flag parser: GNU-style long and short flags
 * (--tail=5, --tail 5, -n5, -fq), flags anywhere among the positional
 * arguments, "--" ending flags, and an optional trailing command (exec,
 * run). Single-threaded, like the whole CLI. */
#ifndef BERTH_CLI_ARGS_H
#define BERTH_CLI_ARGS_H

#include <stddef.h>

enum cli_opt_kind {
	OPT_FLAG,		/* no value; may repeat (counted) */
	OPT_VALUE,		/* one value; the last one wins */
	OPT_MULTI,		/* a value, repeatable; all kept in order */
};

struct cli_opt {
	const char	*lng;		/* "tail" (without dashes) */
	int		 shrt;		/* 'n', or 0 */
	enum cli_opt_kind kind;
	const char	*meta;		/* "N" for "--tail N"; NULL for flags */
	const char	*help;		/* one line */
};

struct cli_args;

/*
 * Parses argv[0..argc) against the NULL-terminated option tables (the
 * command's, then the global ones; either may be NULL). When rest_after
 * >= 0, the arguments after that many positionals are the trailing command
 * (kept verbatim, a leading "--" dropped): with a "--" present, flags are
 * parsed up to it; without one, parsing stops at the positional that
 * starts the command, as docker exec does. Returns ERR_INVAL with err_msg()
 * naming the bad flag; *out is the caller's to cli_args_free() on success.
 */
int	 cli_args_parse(const struct cli_opt *cmd, const struct cli_opt *glob,
	    int argc, char **argv, int rest_after, struct cli_args **out);
void	 cli_args_free(struct cli_args *);

/* How often the flag named lng was given (0 when not). */
int	 cli_args_count(const struct cli_args *, const char *lng);
/* The last value of lng, or NULL. */
const char *cli_args_get(const struct cli_args *, const char *lng);
/* All values of lng in order; *n set to their number. */
char	*const *cli_args_multi(const struct cli_args *, const char *lng,
	    size_t *n);
/* Positional arguments (the trailing command excluded). */
size_t	 cli_args_npos(const struct cli_args *);
const char *cli_args_pos(const struct cli_args *, size_t i);
/* The trailing command; NULL with *n == 0 when none. */
char	*const *cli_args_rest(const struct cli_args *, size_t *n);

#endif
