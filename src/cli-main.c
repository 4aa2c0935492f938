/* cli-main.c: berth's entry point: global flags, the command table (the
 * one source for dispatch, --help, the man page and completion), and
 * dispatch. "berth version" touches neither the network nor libcurl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "xmalloc.h"

const struct cli_opt cli_global_opts[] = {
	{ "json", 0, OPT_FLAG, NULL, "print the API's JSON on stdout; "
	    "errors as JSON on stderr" },
	{ "quiet", 'q', OPT_FLAG, NULL, "print less (ls: names only; "
	    "no spinners)" },
	{ "no-color", 0, OPT_FLAG, NULL, "no colour (also NO_COLOR=1)" },
	{ "api-key", 0, OPT_VALUE, "KEY", "API key (else BERTH_API_KEY, "
	    "else the config file)" },
	{ "api-url", 0, OPT_VALUE, "URL", "berthd URL (else BERTH_API_URL, "
	    "config, " CLI_DEFAULT_URL ")" },
	{ "debug", 0, OPT_FLAG, NULL, "trace HTTP on stderr (key redacted)" },
	{ "timeout", 0, OPT_VALUE, "S", "give up on a request after S "
	    "seconds" },
	{ "help", 'h', OPT_FLAG, NULL, "show help" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_login[] = {
	{ "api-url", 0, OPT_VALUE, "URL", "berthd URL to store" },
	{ "api-key", 0, OPT_VALUE, "KEY", "API key to store (else "
	    "BERTH_API_KEY, else asked for, or read from stdin)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_deploy[] = {
	{ "template", 't', OPT_VALUE, "NAME", "template (default: the "
	    "server's default)" },
	{ "image", 0, OPT_VALUE, "IMAGE", "image (from the admin's allowed "
	    "list)" },
	{ "gpu", 'g', OPT_VALUE, "GPU", "none, a count, a MIG profile "
	    "(1g.10gb), a model (H100) or a device uuid" },
	{ "cpus", 'c', OPT_VALUE, "N", "CPUs (e.g. 4 or 0.5)" },
	{ "memory", 'm', OPT_VALUE, "SIZE", "memory limit (e.g. 16g)" },
	{ "env", 'e', OPT_MULTI, "K=V", "environment variable (repeatable)" },
	{ "port", 'p', OPT_MULTI, "PORT", "port to expose (repeatable)" },
	{ "volume", 'v', OPT_MULTI, "NAME:/PATH", "mount a volume, created "
	    "if missing (repeatable)" },
	{ "command", 0, OPT_VALUE, "CMD", "command to run instead of the "
	    "image's" },
	{ "ttl", 0, OPT_VALUE, "DUR", "stop after DUR (90m, 4h; 0 = never)" },
	{ "idle-timeout", 0, OPT_VALUE, "DUR", "stop after DUR idle "
	    "(0 = never)" },
	{ "ssh", 0, OPT_VALUE, "MODE", "gateway (default) or direct" },
	{ "wait", 'w', OPT_FLAG, NULL, "return when the workspace runs" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_ls[] = {
	{ "status", 's', OPT_VALUE, "STATE", "only workspaces in STATE "
	    "(running, stopped, failed, ...)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_rm[] = {
	{ "force", 'f', OPT_FLAG, NULL, "do not ask" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_logs[] = {
	{ "follow", 'f', OPT_FLAG, NULL, "keep streaming new output" },
	{ "tail", 'n', OPT_VALUE, "N", "only the last N lines" },
	{ "timestamps", 't', OPT_FLAG, NULL, "prefix lines with their time" },
	{ "since", 0, OPT_VALUE, "TIME", "only output since TIME (RFC 3339 "
	    "or a duration like 10m)" },
	{ "deploy", 'd', OPT_FLAG, NULL, "show the deploy/lifecycle events "
	    "instead" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_stats[] = {
	{ "watch", 'w', OPT_FLAG, NULL, "refresh every 2 seconds" },
	{ "interval", 0, OPT_VALUE, "S", "seconds between refreshes "
	    "(--watch)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_exec[] = {
	{ "timeout", 'T', OPT_VALUE, "S", "kill the command after S "
	    "seconds (default 30, max 3600)" },
	{ "interactive", 'i', OPT_FLAG, NULL, "send stdin to the command" },
	{ "workdir", 'w', OPT_VALUE, "DIR", "working directory" },
	{ "env", 'e', OPT_MULTI, "K=V", "environment variable (repeatable)" },
	{ "user", 'u', OPT_VALUE, "USER", "user to run as" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_run[] = {
	{ "detach", 'd', OPT_FLAG, NULL, "print the task id and return" },
	{ "name", 0, OPT_VALUE, "NAME", "a name for the task" },
	{ "tty", 't', OPT_FLAG, NULL, "run it on a terminal (for "
	    "'berth attach')" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_task_output[] = {
	{ "follow", 'f', OPT_FLAG, NULL, "keep streaming until the task "
	    "ends" },
	{ "offset", 0, OPT_VALUE, "N", "from byte N of the output" },
	{ "tail", 'n', OPT_VALUE, "N", "only the last N bytes" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_task_kill[] = {
	{ "signal", 's', OPT_VALUE, "SIG", "send SIG (TERM, INT, ...) to the "
	    "tree instead of killing it" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_ssh[] = {
	{ "print", 0, OPT_FLAG, NULL, "print the OpenSSH command instead of "
	    "opening the terminal" },
	{ "session", 0, OPT_VALUE, "NAME", "attach to (or start) a named "
	    "session that outlives the connection; its last 1 MiB of "
	    "output is replayed" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_vol_create[] = {
	{ "size", 's', OPT_VALUE, "GIB", "size limit in GiB" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_user_create[] = {
	{ "role", 'r', OPT_VALUE, "ROLE", "user (default) or admin" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_key_create[] = {
	{ "name", 'n', OPT_VALUE, "NAME", "a label for the key" },
	{ "scope", 's', OPT_MULTI, "LIST", "only these of read,exec,files,"
	    "lifecycle (comma-separated or repeated; default: all)" },
	{ "workspace", 'w', OPT_MULTI, "WS", "only this workspace (name or "
	    "id; repeat for more; default: all)" },
	{ "expires", 'e', OPT_VALUE, "DURATION", "the key stops working "
	    "after this long (e.g. 8h; default: never)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_sshkey_add[] = {
	{ "key-file", 'f', OPT_VALUE, "FILE", "public key file "
	    "(e.g. ~/.ssh/id_ed25519.pub)" },
	{ "key", 'k', OPT_VALUE, "KEY", "the public key itself" },
	{ "name", 'n', OPT_VALUE, "NAME", "a name for the key" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct cli_opt opts_help[] = {
	{ "man", 0, OPT_FLAG, NULL, "print the man page (roff)" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_cmd cli_cmds[] = {
	{ "auth login", "", "Store and check the API URL and key",
	  "Checks the key with GET /v1/account, then writes it to "
	  "~/.config/berth/config.json (mode 0600; BERTH_CONFIG overrides "
	  "the path). Without --api-key the key comes from BERTH_API_KEY, "
	  "a prompt on a terminal, or the first line of stdin.",
	  "berth auth login --api-url http://gpu01:8080 --api-key berth_...\n"
	  "berth auth login < key.txt",
	  opts_login, 0, 0, -1, 0, cmd_auth_login },
	{ "auth logout", "", "Forget the stored API key", NULL,
	  "berth auth logout", NULL, 0, 0, -1, 0, cmd_auth_logout },
	{ "auth whoami", "", "Show the user the key belongs to", NULL,
	  "berth auth whoami\nberth auth whoami --json | jq -r .role",
	  NULL, 0, 0, -1, 0, cmd_auth_whoami },
	{ "auth status", "", "Show where the URL and key come from and "
	  "whether they work", NULL, "berth auth status", NULL, 0, 0, -1, 0,
	  cmd_auth_status },
	{ "deploy", "NAME", "Create a workspace",
	  "Creates workspace NAME from a template or image. With --wait it "
	  "returns once the workspace runs (a spinner on a terminal). "
	  "Prints the workspace (all of it with --json; its id with -q).",
	  "berth deploy train --gpu 1g.10gb --ttl 4h --wait\n"
	  "berth deploy nb -t default -v data:/workspace -e WANDB_MODE=offline"
	  "\nberth deploy ci --wait --json | jq -r .id",
	  opts_deploy, 1, 1, -1, 0, cmd_deploy },
	{ "ls", "", "List workspaces", NULL,
	  "berth ls\nberth ls --status running\nberth ls -q",
	  opts_ls, 0, 0, -1, 0, cmd_ls },
	{ "inspect", "ID", "Show one workspace",
	  "ID is a name, a UUID or a unique prefix of one (4+ characters).",
	  "berth inspect train\nberth inspect 3f2a --json",
	  NULL, 1, 1, -1, CMD_WS, cmd_inspect },
	{ "stop", "ID...", "Stop workspaces (volumes kept, GPU freed)",
	  NULL, "berth stop train", NULL, 1, -1, -1, CMD_WS, cmd_lifecycle },
	{ "start", "ID...", "Start stopped workspaces", NULL,
	  "berth start train", NULL, 1, -1, -1, CMD_WS, cmd_lifecycle },
	{ "restart", "ID...", "Restart workspaces", NULL,
	  "berth restart train", NULL, 1, -1, -1, CMD_WS, cmd_lifecycle },
	{ "redeploy", "ID...", "Recreate workspaces from their template, "
	  "keeping volumes", NULL, "berth redeploy train", NULL, 1, -1, -1,
	  CMD_WS, cmd_lifecycle },
	{ "rm", "ID...", "Delete workspaces",
	  "Asks first when stdin is a terminal, unless --force. Without a "
	  "terminal it deletes without asking. Volumes are kept.",
	  "berth rm train\nberth rm -f old1 old2",
	  opts_rm, 1, -1, -1, CMD_WS, cmd_rm },
	{ "logs", "ID", "Show a workspace's output",
	  "Prints the container's stdout and stderr; --deploy shows the "
	  "deploy and lifecycle events instead.",
	  "berth logs train --tail 50\nberth logs -f train\n"
	  "berth logs --deploy train",
	  opts_logs, 1, 1, -1, CMD_WS, cmd_logs },
	{ "stats", "ID", "Show CPU, memory, GPU, network and disk use",
	  "With --watch the figures refresh in place on a terminal (bars for "
	  "CPU, memory and GPU); without a terminal one line per sample.",
	  "berth stats train\nberth stats -w train\nberth stats train --json",
	  opts_stats, 1, 1, -1, CMD_WS, cmd_stats },
	{ "exec", "ID [--] CMD...", "Run a command in a workspace",
	  "Streams the command's stdout and stderr to berth's own as they "
	  "come and exits with its exit code (124 when it timed out). "
	  "Flags go before the command or before a '--'.",
	  "berth exec train -- nvidia-smi\n"
	  "berth exec train -- sh -c 'echo $HOME; exit 3'; echo $?\n"
	  "tar c src | berth exec -i train -- tar x -C /workspace",
	  opts_exec, 1, -1, 1, CMD_WS, cmd_exec },
	{ "cp", "SRC DST", "Copy files or directories to or from a "
	  "workspace",
	  "One side is ID:/path. Directories travel as tar streams. Nothing "
	  "is held in memory whole; a progress bar shows on a terminal for "
	  "large files. '-' as the local side is stdin or stdout.",
	  "berth cp model.pt train:/workspace/\n"
	  "berth cp train:/workspace/out ./out\n"
	  "berth cp train:/etc/os-release -",
	  NULL, 2, 2, -1, 0, cmd_cp },
	{ "run", "ID [--] CMD...", "Run a command as a task (detached "
	  "command)",
	  "Starts a task under the workspace's supervisor: it outlives this "
	  "command, the connection and a berthd restart. Follows its output "
	  "(stdout and stderr as one stream) until it ends and exits with its "
	  "exit code; --detach prints the task id and returns.",
	  "berth run train -- python train.py\n"
	  "berth run -d --name train1 train -- ./long-job.sh",
	  opts_run, 1, -1, 1, CMD_WS, cmd_run },
	{ "tasks output", "ID TASK", "Show a task's output",
	  "The output is kept in the workspace (the last 64 MiB) with byte "
	  "offsets: --offset N starts at byte N, --tail N shows the last N "
	  "bytes, --follow streams until the task ends (resuming after a "
	  "dropped connection).",
	  "berth tasks output train 3f2a9c01d4e5b6a7\n"
	  "berth tasks output -f --offset 1048576 train train1",
	  opts_task_output, 2, 2, -1, CMD_WS, cmd_tasks_output },
	{ "tasks kill", "ID TASK", "Kill a task and every process it started",
	  "Waits until no process of the task's tree is left; --signal sends "
	  "another signal instead and returns.",
	  "berth tasks kill train train1\nberth tasks kill -s INT train "
	  "train1", opts_task_kill, 2, 2, -1, CMD_WS, cmd_tasks_kill },
	{ "tasks", "ID", "List a workspace's tasks", NULL,
	  "berth tasks train", NULL, 1, 1, -1, CMD_WS, cmd_tasks },
	{ "attach", "ID TASK", "Attach the terminal to a running task",
	  "Shows the task's recent output, then what it writes; keys go to "
	  "its stdin. Several viewers may attach at once. Detach with "
	  "Ctrl-], which leaves the task running.",
	  "berth attach train train1", NULL, 2, 2, -1, CMD_WS, cmd_attach },
	{ "ssh", "ID", "Open a shell in a workspace",
	  "Opens a terminal through berthd's WebSocket terminal (no SSH key "
	  "needed): raw mode, window resizes follow, and the shell's exit "
	  "status is berth's own. --session NAME reattaches to a session "
	  "after a drop. --print prints the OpenSSH command instead.",
	  "berth ssh train\nberth ssh train --session work\n"
	  "berth ssh train --print",
	  opts_ssh, 1, 1, -1, CMD_WS, cmd_term },
	{ "ssh-config", "", "Write ~/.ssh/berth_config so 'ssh NAME.berth' "
	  "works",
	  "Writes one 'Host NAME.berth' block per workspace into "
	  "~/.ssh/berth_config and adds 'Include berth_config' at the top of "
	  "~/.ssh/config once.",
	  "berth ssh-config && ssh train.berth", NULL, 0, 0, -1, 0,
	  cmd_ssh_config },
	{ "mcp", "", "Serve the Model Context Protocol on stdin/stdout",
	  "An MCP server for AI agents (Claude Desktop, Claude Code, any MCP "
	  "client): newline-delimited JSON-RPC on stdin and stdout. Its tools "
	  "(workspaces, exec, files, tasks, GPUs, logs) call berthd with this "
	  "CLI's API URL and key, so they can do what the key can. "
	  "docs/mcp.md has client configurations.",
	  "claude mcp add berth -- berth mcp\n"
	  "BERTH_API_KEY=berth_... berth mcp", NULL, 0, 0, -1, 0, cmd_mcp },
	{ "templates", "", "List templates", NULL, "berth templates", NULL,
	  0, 0, -1, 0, cmd_templates },
	{ "templates info", "NAME", "Show one template", NULL,
	  "berth templates info default", NULL, 1, 1, -1, 0,
	  cmd_templates_info },
	{ "volumes", "", "List volumes", NULL, "berth volumes", NULL, 0, 0,
	  -1, 0, cmd_volumes },
	{ "volumes ls", "", "List volumes", NULL, "berth volumes ls", NULL,
	  0, 0, -1, CMD_HIDDEN, cmd_volumes },
	{ "volumes create", "NAME", "Create a volume", NULL,
	  "berth volumes create data --size 100", opts_vol_create, 1, 1, -1,
	  0, cmd_volumes_create },
	{ "volumes info", "NAME", "Show one volume", NULL,
	  "berth volumes info data", NULL, 1, 1, -1, 0, cmd_volumes_info },
	{ "volumes resize", "NAME GIB", "Change a volume's size limit", NULL,
	  "berth volumes resize data 200", NULL, 2, 2, -1, 0,
	  cmd_volumes_resize },
	{ "volumes rm", "NAME", "Delete a volume and its data", NULL,
	  "berth volumes rm data", opts_rm, 1, 1, -1, 0, cmd_volumes_rm },
	{ "users", "", "List users (admin)", NULL, "berth users", NULL, 0, 0,
	  -1, 0, cmd_users },
	{ "users ls", "", "List users (admin)", NULL, "berth users ls", NULL,
	  0, 0, -1, CMD_HIDDEN, cmd_users },
	{ "users create", "NAME", "Create a user (admin)", NULL,
	  "berth users create alice\nberth users create bob --role admin",
	  opts_user_create, 1, 1, -1, 0, cmd_users_create },
	{ "users rm", "NAME", "Delete a user (admin)", NULL,
	  "berth users rm alice", opts_rm, 1, 1, -1, 0, cmd_users_rm },
	{ "users key", "NAME", "Make an API key for a user (admin; shown "
	  "once)", NULL, "berth users key alice", opts_key_create, 1, 1, -1,
	  0, cmd_users_key },
	{ "api-keys", "", "List your API keys", NULL, "berth api-keys", NULL,
	  0, 0, -1, 0, cmd_apikeys },
	{ "api-keys ls", "", "List your API keys", NULL, "berth api-keys ls",
	  NULL, 0, 0, -1, CMD_HIDDEN, cmd_apikeys },
	{ "api-keys create", "", "Make a new API key (shown once)", NULL,
	  "berth api-keys create --name agent --scope exec,files --workspace "
	  "train --expires 8h", opts_key_create, 0, 0, -1,
	  0, cmd_apikeys_create },
	{ "api-keys rm", "KEYID", "Revoke an API key", NULL,
	  "berth api-keys rm 3fa9c2", NULL, 1, 1, -1, 0, cmd_apikeys_rm },
	{ "ssh-keys", "", "List your SSH public keys", NULL, "berth ssh-keys",
	  NULL, 0, 0, -1, 0, cmd_sshkeys },
	{ "ssh-keys ls", "", "List your SSH public keys", NULL,
	  "berth ssh-keys ls", NULL, 0, 0, -1, CMD_HIDDEN, cmd_sshkeys },
	{ "ssh-keys add", "", "Register an SSH public key",
	  "Give the key with --key-file or --key; the name defaults to the "
	  "key's comment.",
	  "berth ssh-keys add --key-file ~/.ssh/id_ed25519.pub\n"
	  "berth ssh-keys add --key \"$(cat k.pub)\" --name laptop",
	  opts_sshkey_add, 0, 0, -1, 0, cmd_sshkeys_add },
	{ "ssh-keys rm", "ID", "Remove an SSH key (id or name)", NULL,
	  "berth ssh-keys rm laptop", NULL, 1, 1, -1, 0, cmd_sshkeys_rm },
	{ "gpus", "", "List GPU devices and who has them", NULL,
	  "berth gpus", NULL, 0, 0, -1, 0, cmd_gpus },
	{ "gpus types", "", "GPU models and MIG profiles: total and free",
	  NULL, "berth gpus types", NULL, 0, 0, -1, 0, cmd_gpus },
	{ "gpus available", "", "GPU devices free now", NULL,
	  "berth gpus available", NULL, 0, 0, -1, 0, cmd_gpus },
	{ "version", "", "Print berth's version", NULL, "berth version",
	  NULL, 0, 0, -1, 0, cmd_version },
	{ "completion", "bash|zsh", "Print a shell completion script",
	  "Completes commands, flags and workspace names (from 'berth ls "
	  "-q').",
	  "source <(berth completion bash)\n"
	  "berth completion zsh > ~/.zfunc/_berth",
	  NULL, 1, 1, -1, 0, cmd_completion },
	{ "help", "[COMMAND]", "Show help for a command", NULL,
	  "berth help deploy", opts_help, 0, -1, -1, 0, cmd_help },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL }
};

const struct cli_cmd *
cli_cmd_find(int argc, char **argv, int *used)
{
	const struct cli_cmd *best = NULL;
	int bestw = 0;

	for (const struct cli_cmd *c = cli_cmds; c->name != NULL; c++) {
		const char *p = c->name;
		int w = 0, ok = 1;

		while (*p != '\0') {
			size_t len = strcspn(p, " ");
			if (w >= argc || strlen(argv[w]) != len ||
			    strncmp(argv[w], p, len) != 0) {
				ok = 0;
				break;
			}
			w++;
			p += len;
			if (*p == ' ')
				p++;
		}
		if (ok && w > bestw) {
			best = c;
			bestw = w;
		}
	}
	*used = bestw;
	return best;
}

const struct cli_table cli_table = { cli_cmds, cli_global_opts };

int
cmd_completion(struct cli *cli)
{
	const char *sh = cli_args_pos(cli->args, 0);

	if (cli_completion_script(&cli_table, sh, stdout) != 0)
		return cli_usage(cli, "unknown shell '%s': want bash or zsh",
		    sh);
	return EXIT_OK;
}

int
cmd_help(struct cli *cli)
{
	const struct cli_cmd *c;
	size_t n = cli_args_npos(cli->args);
	char **w;
	int used;

	if (cli_args_count(cli->args, "man")) {
		cli_help_man(&cli_table, stdout);
		return EXIT_OK;
	}
	if (n == 0) {
		cli_help_top(&cli_table, stdout);
		return EXIT_OK;
	}
	w = xcalloc(n, sizeof *w);
	for (size_t i = 0; i < n; i++)
		w[i] = (char *)cli_args_pos(cli->args, i);
	c = cli_cmd_find((int)n, w, &used);
	free(w);
	if (c == NULL)
		return cli_usage(cli, "unknown command '%s'",
		    cli_args_pos(cli->args, 0));
	cli_help_cmd(c, stdout);
	return EXIT_OK;
}

int
cmd_version(struct cli *cli)
{
	if (cli->json)
		printf("{\"version\":\"%s\"}\n", BERTH_VERSION);
	else
		printf("berth %s\n", BERTH_VERSION);
	return EXIT_OK;
}

#ifndef CLI_NO_MAIN
/* Applies the global flags found in a (before or after the command). */
static int
main_globals(struct cli *cli, struct cli_args *a)
{
	const char *v;

	if (cli_args_count(a, "json"))
		cli->json = 1;
	if (cli_args_count(a, "quiet"))
		cli->quiet = 1;
	if (cli_args_count(a, "no-color"))
		cli->color = 0;
	if (cli_args_count(a, "debug"))
		cli->debug = 1;
	if ((v = cli_args_get(a, "api-key")) != NULL)
		cli->flag_key = v;
	if ((v = cli_args_get(a, "api-url")) != NULL)
		cli->flag_url = v;
	if ((v = cli_args_get(a, "timeout")) != NULL &&
	    (cli->cmd == NULL || strcmp(cli->cmd->name, "exec") != 0)) {
		char *end;
		long t = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || t < 0 || t > 86400)
			return cli_usage(cli, "bad --timeout '%s': want "
			    "seconds", v);
		cli->timeout = t;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli cli;
	struct cli_args *g = NULL, *a = NULL;
	const struct cli_cmd *cmd;
	int first, used, r, nwords;
	char **words;
	const char *nc;

	memset(&cli, 0, sizeof cli);
	cli.tty_in = isatty(0);
	cli.tty_out = isatty(1);
	cli.tty_err = isatty(2);
	nc = getenv("NO_COLOR");
	cli.color = cli.tty_out && (nc == NULL || *nc == '\0');
	cli.now = (int64_t)time(NULL);

	/* global flags up to the first word that is not one */
	for (first = 1; first < argc; first++) {
		const char *w = argv[first];
		const struct cli_opt *o;

		if (w[0] != '-' || w[1] == '\0')
			break;
		if (strcmp(w, "--") == 0) {
			first++;
			break;
		}
		/* skip a global's separate value */
		for (o = cli_global_opts; o->lng != NULL; o++) {
			if (o->kind == OPT_FLAG)
				continue;
			if ((w[1] == '-' && strcmp(w + 2, o->lng) == 0) ||
			    (w[1] == o->shrt && w[2] == '\0' && o->shrt)) {
				first++;
				break;
			}
		}
	}
	if ((r = cli_args_parse(NULL, cli_global_opts, first - 1, argv + 1,
	    -1, &g)) != 0)
		return cli_usage(&cli, "%s", err_msg());
	if ((r = main_globals(&cli, g)) != 0)
		goto out;
	if (cli_args_count(g, "help") || first >= argc) {
		cli_help_top(&cli_table, first >= argc &&
		    !cli_args_count(g, "help") ? stderr : stdout);
		r = first >= argc && !cli_args_count(g, "help") ? EXIT_USAGE :
		    EXIT_OK;
		goto out;
	}
	words = argv + first;
	nwords = argc - first;
	if (strcmp(words[0], "--version") == 0) {
		r = cmd_version(&cli);
		goto out;
	}
	if ((cmd = cli_cmd_find(nwords, words, &used)) == NULL) {
		r = cli_usage(&cli, "unknown command '%s'", words[0]);
		goto out;
	}
	cli.cmd = cmd;
	if ((r = cli_args_parse(cmd->opts, cli_global_opts, nwords - used,
	    words + used, cmd->rest_after, &a)) != 0) {
		r = cli_usage(&cli, "%s for 'berth %s'", err_msg(), cmd->name);
		goto out;
	}
	cli.args = a;
	if ((r = main_globals(&cli, a)) != 0)
		goto out;
	if (cli_args_count(a, "help")) {
		cli_help_cmd(cmd, stdout);
		r = EXIT_OK;
		goto out;
	}
	if ((int)cli_args_npos(a) < cmd->min_pos) {
		r = cli_usage(&cli, "'berth %s' needs %s", cmd->name,
		    cmd->usage);
		goto out;
	}
	if (cmd->max_pos >= 0 && (int)cli_args_npos(a) > cmd->max_pos) {
		r = cli_usage(&cli, "too many arguments for 'berth %s'%s%s",
		    cmd->name, *cmd->usage != '\0' ? ": want " : "",
		    cmd->usage);
		goto out;
	}
	fflush(stdout);
	r = cmd->fn(&cli);
out:
	cli_args_free(g);
	cli_args_free(a);
	if (cli.api_key != NULL) {
		explicit_bzero(cli.api_key, strlen(cli.api_key));
		free(cli.api_key);
	}
	free(cli.api_url);
	free(cli.cfg_path);
	cli_http_close(&cli);
	fflush(stdout);
	return r;
}
#endif
