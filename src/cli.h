/* cli.h: the berth CLI's shared state, command table and REST client.
 * The CLI is single-threaded; one struct cli lives for one invocation.
 * Commands live in cli-<family>.c and are listed in cli-main.c. */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "cli-args.h"

struct buf;

#define CLI_DEFAULT_URL	"http://127.0.0.1:8080"

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli;

enum {
	CMD_HIDDEN = 0x1,	/* not in help, man page or completion */
	CMD_WS = 0x2,		/* first positional is a workspace */
};

struct cli_cmd {
	const char	*name;		/* "volumes create" */
	const char	*usage;		/* positional part: "NAME" */
	const char	*summary;	/* one line */
	const char	*desc;		/* a paragraph, or NULL */
	const char	*examples;	/* lines, "\n"-separated, or NULL */
	const struct cli_opt *opts;	/* NULL-terminated, or NULL */
	int		 min_pos;
	int		 max_pos;	/* -1: no limit */
	int		 rest_after;	/* -1, or positionals before CMD */
	int		 flags;
	int		(*fn)(struct cli *);
};

struct cli {
	int		 json;
	int		 quiet;
	int		 color;		/* stdout colour */
	int		 debug;
	long		 timeout;	/* --timeout seconds; 0: defaults */
	int		 tty_in, tty_out, tty_err;
	const char	*flag_key, *flag_url;
	char		*api_url, *api_key;
	const char	*key_source;	/* "flag", "env", "config" */
	const char	*url_source;
	char		*cfg_path;
	int		 auth_loaded;
	void		*curl;
	struct cli_args	*args;
	const struct cli_cmd *cmd;
	int64_t		 now;
	char		 last_code[32];	/* the last error reported */
	char		 last_err[512];
};

/* The command table (cli-main.c) and the global flags. */
extern const struct cli_cmd cli_cmds[];
extern const struct cli_opt cli_global_opts[];

/* Errors. Each prints "berth: msg" on stderr (or {"error":{...}} with
 * --json) and returns the exit status to use. */
int	 cli_err(struct cli *, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	 cli_usage(struct cli *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* An error from err_msg() with the code named by err_str(r). */
int	 cli_err_last(struct cli *, int r);

/* Loads the API URL and key (flag > env > config file). */
int	 cli_auth_load(struct cli *);

/* Frees the libcurl handle, if one was made. */
void	 cli_http_close(struct cli *);

/* A path with each %s argument URL-escaped and each %S inserted raw
 * (for a query string). Caller frees. */
char	*cli_path(const char *fmt, ...);

/* A JSON request. body (not stolen) may be NULL. On 2xx, *out (when not
 * NULL) gets the parsed body (NULL for an empty one) and 0 is returned;
 * otherwise the error is printed and -1 returned. */
int	 cli_call(struct cli *, const char *method, const char *path,
	    json_t *body, json_t **out);

/* A streamed request, for logs, exec, files. */
struct cli_stream {
	const char	*method;
	const char	*path;
	const char	*accept;	/* NULL: application/json */
	const char	*content_type;	/* of the body */
	json_t		*json;		/* body as JSON, or ... */
	size_t		(*readfn)(char *, size_t, size_t, void *);
	void		*readarg;
	int64_t		 upload_len;	/* -1: chunked */
	/* Gets the body of a 2xx reply; returns 0, or -1 to abort. */
	int		(*writefn)(const char *, size_t, void *);
	void		*writearg;
	/* Called often during the transfer (spinners, progress). */
	void		(*tick)(void *, int64_t dltotal, int64_t dlnow,
			    int64_t ultotal, int64_t ulnow);
	void		*tickarg;
	int		 long_running;	/* no total timeout unless --timeout */
	const char	*range;		/* a Range header value, or NULL */
	/* When set, an error reply's body goes here instead of being
	 * printed (cli_stream still returns -1 with status set). */
	struct buf	*errbody;
	/* Set by cli_stream. */
	long		 status;
	char		 ctype[128];
	int		 mode;		/* X-Berth-Mode of a file, or -1 */
	long long	 range_size;	/* from Content-Range ".../N", or -1 */
};
/* Runs it; 0 on 2xx (body given to writefn), else prints the error and
 * returns -1 (also when writefn aborted: its caller reports why). */
int	 cli_stream(struct cli *, struct cli_stream *);

/* Helpers for commands. */
/* Prints v as indented JSON on stdout. */
void	 cli_print_json(json_t *v);
/* A string member or "" (never NULL). */
const char *cli_str(json_t *o, const char *key);
/* Asks "prompt [y/N] " on the terminal; 1 for yes. */
int	 cli_confirm(struct cli *, const char *prompt);
/* Spinner on stderr (TTY only): cli_spin_tick() redraws at most every
 * 100 ms, cli_spin_done() clears the line. */
void	 cli_spin_tick(struct cli *, const char *msg);
void	 cli_spin_done(struct cli *);
/* Workspace GPU as one short word: "-", "1g.10gb", "A100". */
void	 cli_gpu_label(json_t *gpu, char *buf, size_t size);

/* Base64 (standard alphabet, padded). Callers free. */
char	*cli_b64_encode(const unsigned char *, size_t);
int	 cli_b64_decode(const char *, unsigned char **out, size_t *outlen);

/* deploy's flags as the POST /v1/workspaces body; ERR_INVAL with
 * err_msg() for a bad flag value. */
int	 cli_deploy_body(struct cli_args *, json_t **out);

/* Commands (cli-ws.c, cli-exec.c, cli-account.c, cli-main.c). */
int	cmd_deploy(struct cli *);
int	cmd_ls(struct cli *);
int	cmd_inspect(struct cli *);
int	cmd_lifecycle(struct cli *);
int	cmd_rm(struct cli *);
int	cmd_logs(struct cli *);
int	cmd_stats(struct cli *);
int	cmd_exec(struct cli *);
int	cmd_cp(struct cli *);
int	cmd_run(struct cli *);
int	cmd_tasks(struct cli *);
int	cmd_tasks_output(struct cli *);
int	cmd_tasks_kill(struct cli *);
int	cmd_ssh(struct cli *);
int	cmd_term(struct cli *);
int	cmd_attach(struct cli *);
int	cmd_ssh_config(struct cli *);
int	cmd_auth_login(struct cli *);
int	cmd_auth_logout(struct cli *);
int	cmd_auth_whoami(struct cli *);
int	cmd_auth_status(struct cli *);
int	cmd_templates(struct cli *);
int	cmd_templates_info(struct cli *);
int	cmd_volumes(struct cli *);
int	cmd_volumes_create(struct cli *);
int	cmd_volumes_info(struct cli *);
int	cmd_volumes_resize(struct cli *);
int	cmd_volumes_rm(struct cli *);
int	cmd_users(struct cli *);
int	cmd_users_create(struct cli *);
int	cmd_users_rm(struct cli *);
int	cmd_users_key(struct cli *);
int	cmd_apikeys(struct cli *);
int	cmd_apikeys_create(struct cli *);
int	cmd_apikeys_rm(struct cli *);
int	cmd_sshkeys(struct cli *);
int	cmd_sshkeys_add(struct cli *);
int	cmd_sshkeys_rm(struct cli *);
int	cmd_gpus(struct cli *);
int	cmd_mcp(struct cli *);
int	cmd_version(struct cli *);
int	cmd_help(struct cli *);
int	cmd_completion(struct cli *);

/* Help text (cli-help.c), from the command table it is given. */
struct cli_table {
	const struct cli_cmd	*cmds;
	const struct cli_opt	*global;
};
extern const struct cli_table cli_table;	/* cli-main.c's */
void	 cli_help_top(const struct cli_table *, FILE *);
void	 cli_help_cmd(const struct cli_cmd *, FILE *);
void	 cli_help_man(const struct cli_table *, FILE *);
int	 cli_completion_script(const struct cli_table *, const char *shell,
	    FILE *);
const struct cli_cmd *cli_cmd_find(int argc, char **argv, int *used);

#endif
