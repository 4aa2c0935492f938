/* test-cli-args.c: the CLI's flag parser, command lookup and the deploy
 * body built from flags (the real command table, no server). */
#define CLI_NO_MAIN
#include "cli-args.c"
#include "cli-main.c"
#include "cli-util.c"
#include "cli-fmt.c"
#include "cli-http.c"
#include "cli-config.c"
#include "cli-help.c"
#include "cli-ws.c"
#include "cli-exec.c"
#include "cli-account.c"
#include "cli-term.c"
#include "cli-tasks.c"
#include "cli-net.c"
#include "cli-mcp.c"

#include "test-cli-util.h"

static const struct cli_opt t_opts[] = {
	{ "force", 'f', OPT_FLAG, NULL, "" },
	{ "tail", 'n', OPT_VALUE, "N", "" },
	{ "env", 'e', OPT_MULTI, "K=V", "" },
	{ "quiet2", 'q', OPT_FLAG, NULL, "" },
	{ NULL, 0, 0, NULL, NULL }
};

static struct cli_args *
t_parse(int rest_after, int want, ...)
{
	char *argv[32];
	int argc = 0, r;
	va_list ap;
	struct cli_args *a = NULL;

	va_start(ap, want);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	r = cli_args_parse(t_opts, cli_global_opts, argc, argv, rest_after,
	    &a);
	CHECK(r == want);
	return a;
}

static void
test_flags(void)
{
	struct cli_args *a;
	char *const *m;
	size_t n;

	a = t_parse(-1, 0, "x", "--tail=5", "-f", "y", "--env", "A=1", "-eB=2",
	    "--json", (char *)NULL);
	CHECK(cli_args_npos(a) == 2);
	CHECK_STR(cli_args_pos(a, 0), "x");
	CHECK_STR(cli_args_pos(a, 1), "y");
	CHECK_STR(cli_args_get(a, "tail"), "5");
	CHECK(cli_args_count(a, "force") == 1);
	CHECK(cli_args_count(a, "json") == 1);
	CHECK(cli_args_count(a, "debug") == 0);
	m = cli_args_multi(a, "env", &n);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(m[0], "A=1");
		CHECK_STR(m[1], "B=2");
	}
	cli_args_free(a);

	/* clustered short flags, attached and separate values */
	a = t_parse(-1, 0, "-fqn", "7", (char *)NULL);
	CHECK(cli_args_count(a, "force") == 1);
	CHECK(cli_args_count(a, "quiet2") == 1);
	CHECK_STR(cli_args_get(a, "tail"), "7");
	cli_args_free(a);
	a = t_parse(-1, 0, "-n12", "--tail", "3", (char *)NULL);
	CHECK_STR(cli_args_get(a, "tail"), "3");
	cli_args_free(a);

	/* "--" makes the rest positional; "-" is positional */
	a = t_parse(-1, 0, "--", "-f", "-", (char *)NULL);
	CHECK(cli_args_npos(a) == 2);
	CHECK(cli_args_count(a, "force") == 0);
	CHECK_STR(cli_args_pos(a, 0), "-f");
	cli_args_free(a);
	a = t_parse(-1, 0, "-", (char *)NULL);
	CHECK(cli_args_npos(a) == 1);
	cli_args_free(a);
}

static void
test_errors(void)
{
	CHECK(t_parse(-1, ERR_INVAL, "--nope", (char *)NULL) == NULL);
	CHECK(strstr(err_msg(), "--nope") != NULL);
	CHECK(t_parse(-1, ERR_INVAL, "-z", (char *)NULL) == NULL);
	CHECK(strstr(err_msg(), "-z") != NULL);
	CHECK(t_parse(-1, ERR_INVAL, "--tail", (char *)NULL) == NULL);
	CHECK(strstr(err_msg(), "needs a value") != NULL);
	CHECK(t_parse(-1, ERR_INVAL, "--force=1", (char *)NULL) == NULL);
	CHECK(t_parse(-1, ERR_INVAL, "-n", (char *)NULL) == NULL);
}

static void
test_rest(void)
{
	struct cli_args *a;
	char *const *r;
	size_t n;

	/* docker-style: the command starts at the 2nd positional */
	a = t_parse(1, 0, "-f", "ws", "ls", "-la", "--tail", (char *)NULL);
	CHECK(cli_args_npos(a) == 1);
	CHECK_STR(cli_args_pos(a, 0), "ws");
	CHECK(cli_args_count(a, "force") == 1);
	r = cli_args_rest(a, &n);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(r[0], "ls");
		CHECK_STR(r[2], "--tail");
	}
	cli_args_free(a);

	/* with "--": flags after the workspace still count */
	a = t_parse(1, 0, "ws", "-n", "9", "--", "sh", "-c", "exit 3",
	    (char *)NULL);
	CHECK_STR(cli_args_get(a, "tail"), "9");
	r = cli_args_rest(a, &n);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(r[0], "sh");
		CHECK_STR(r[2], "exit 3");
	}
	cli_args_free(a);

	/* a "--" inside the command stays part of it */
	a = t_parse(1, 0, "ws", "--", "echo", "--", "x", (char *)NULL);
	r = cli_args_rest(a, &n);
	CHECK(n == 3);
	if (n == 3)
		CHECK_STR(r[1], "--");
	cli_args_free(a);

	/* no command at all */
	a = t_parse(1, 0, "ws", (char *)NULL);
	r = cli_args_rest(a, &n);
	CHECK(n == 0 && r == NULL);
	cli_args_free(a);
}

static void
test_find(void)
{
	char *w1[] = { "tasks", "output", "ws", "3" };
	char *w2[] = { "tasks", "ws" };
	char *w3[] = { "volumes" };
	char *w4[] = { "nope" };
	char *w5[] = { "auth" };
	const struct cli_cmd *c;
	int used;

	c = cli_cmd_find(4, w1, &used);
	CHECK(c != NULL && strcmp(c->name, "tasks output") == 0 && used == 2);
	c = cli_cmd_find(2, w2, &used);
	CHECK(c != NULL && strcmp(c->name, "tasks") == 0 && used == 1);
	c = cli_cmd_find(1, w3, &used);
	CHECK(c != NULL && strcmp(c->name, "volumes") == 0);
	CHECK(cli_cmd_find(1, w4, &used) == NULL);
	CHECK(cli_cmd_find(1, w5, &used) == NULL);
	/* every command has a summary, examples, and a handler */
	for (c = cli_cmds; c->name != NULL; c++) {
		CHECK(c->summary != NULL && c->fn != NULL);
		CHECK(c->examples != NULL);
	}
}

static void
test_deploy_body(void)
{
	struct cli_args *a = NULL;
	json_t *b = NULL, *want;
	char *argv[] = { "train", "--gpu", "1g.10gb", "-c", "4", "-m", "16g",
	    "-e", "A=1", "--env", "B=x=y", "-p", "8888", "-v", "data:/workspace",
	    "--ttl", "4h", "--idle-timeout", "30m", "--ssh", "direct", "--wait",
	    "--command", "sleep infinity", "-t", "default", "--image", "img" };
	char *bad1[] = { "x", "--env", "NOEQ" };
	char *bad2[] = { "x", "--volume", "data" };
	char *bad3[] = { "x", "--port", "70000" };
	char *bad4[] = { "x", "--ssh", "telnet" };
	char *bad5[] = { "x", "--cpus", "-1" };
	char *half[] = { "x", "--cpus", "0.5" };
	char **bads[] = { bad1, bad2, bad3, bad4, bad5 };

	CHECK(cli_args_parse(cli_cmds[4].opts, cli_global_opts, 28, argv, -1,
	    &a) == 0);
	CHECK(strcmp(cli_cmds[4].name, "deploy") == 0);
	CHECK(cli_deploy_body(a, &b) == 0);
	want = json_loads("{\"name\":\"train\",\"gpu\":\"1g.10gb\",\"cpus\":4,"
	    "\"memory\":\"16g\",\"env\":{\"A\":\"1\",\"B\":\"x=y\"},"
	    "\"ports\":[8888],\"volumes\":[{\"name\":\"data\",\"mount\":"
	    "\"/workspace\"}],\"ttl\":\"4h\",\"idle_timeout\":\"30m\","
	    "\"ssh\":\"direct\",\"wait\":true,\"command\":\"sleep infinity\","
	    "\"template\":\"default\",\"image\":\"img\"}", 0, NULL);
	CHECK(want != NULL && json_equal(b, want));
	json_decref(want);
	json_decref(b);
	cli_args_free(a);

	for (size_t i = 0; i < 5; i++) {
		a = NULL;
		b = NULL;
		CHECK(cli_args_parse(cli_cmds[4].opts, cli_global_opts, 3,
		    bads[i], -1, &a) == 0);
		CHECK(cli_deploy_body(a, &b) == ERR_INVAL);
		CHECK(b == NULL);
		cli_args_free(a);
	}
	a = NULL;
	b = NULL;
	CHECK(cli_args_parse(cli_cmds[4].opts, cli_global_opts, 3, half, -1,
	    &a) == 0);
	CHECK(cli_deploy_body(a, &b) == 0);
	CHECK(json_is_real(json_object_get(b, "cpus")) &&
	    json_real_value(json_object_get(b, "cpus")) == 0.5);
	json_decref(b);
	cli_args_free(a);
}

static void
test_path_b64(void)
{
	char *p = cli_path("/v1/workspaces/%s/files?path=%s%S", "a b/c",
	    "/x y&z", "&tail=1");
	unsigned char raw[256], *dec;
	size_t n;
	char *e;

	CHECK_STR(p, "/v1/workspaces/a%20b%2Fc/files?path=%2Fx%20y%26z&tail=1");
	free(p);
	for (int i = 0; i < 256; i++)
		raw[i] = (unsigned char)i;
	for (size_t len = 0; len < 7; len++) {
		e = cli_b64_encode(raw + 250, len);
		CHECK(strlen(e) == (len + 2) / 3 * 4);
		CHECK(cli_b64_decode(e, &dec, &n) == 0);
		CHECK(n == len && memcmp(dec, raw + 250, len) == 0);
		free(dec);
		free(e);
	}
	e = cli_b64_encode((const unsigned char *)"hello", 5);
	CHECK_STR(e, "aGVsbG8=");
	free(e);
	CHECK(cli_b64_decode("a*b", &dec, &n) == ERR_INVAL);
}

static void
test_man_completion(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cli_help_man(&cli_table, f);
	fclose(f);
	CHECK(strstr(text, ".TH BERTH 1") != NULL);
	for (const struct cli_cmd *c = cli_cmds; c->name != NULL; c++) {
		char *want;
		if (c->flags & CMD_HIDDEN)
			continue;
		want = xasprintf(".SS \"berth %s", c->name);
		for (char *q = want; *q; q++)
			if (*q == '-' && q > want + 4) {
				/* man escapes dashes; skip those names */
				free(want);
				want = NULL;
				break;
			}
		if (want != NULL)
			CHECK(strstr(text, want) != NULL);
		free(want);
	}
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	CHECK(cli_completion_script(&cli_table, "bash", f) == 0);
	fclose(f);
	CHECK(strstr(text, "complete -o default -F _berth berth") != NULL);
	CHECK(strstr(text, "berth ls -q") != NULL);
	CHECK(strstr(text, "--idle-timeout") != NULL);
	free(text);
	CHECK(cli_completion_script(&cli_table, "fish", stdout) == -1);
}

int
main(void)
{
	test_flags();
	test_errors();
	test_rest();
	test_find();
	test_deploy_body();
	test_path_b64();
	test_man_completion();
	TEST_DONE();
}
