/* cli-account.c: account and resource commands: auth, templates,
 * volumes, users, api-keys, ssh-keys, gpus, ssh and ssh-config. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "cli-config.h"
#include "cli-fmt.h"
#include "err.h"
#include "xmalloc.h"

/* A member by name; "a.b" looks inside objects. */
static json_t *
acct_get(json_t *o, const char *path)
{
	char *p = xstrdup(path), *save = NULL, *k;
	json_t *v = o;

	for (k = strtok_r(p, ".", &save); k != NULL && v != NULL;
	    k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	free(p);
	return v;
}

/* A value as a table cell: times relative, sizes plain, null "-". */
static char *
acct_cell(struct cli *cli, const char *key, json_t *v)
{
	char b[64];

	if (v == NULL || json_is_null(v))
		return xstrdup("-");
	if (json_is_string(v)) {
		size_t kl = strlen(key);
		if (*json_string_value(v) == '\0')
			return xstrdup("-");
		if (kl > 3 && strcmp(key + kl - 3, "_at") == 0) {
			fmt_reltime(json_string_value(v), cli->now, b,
			    sizeof b);
			return xstrdup(b);
		}
		return xstrdup(json_string_value(v));
	}
	if (json_is_integer(v) && strcmp(key, "memory") == 0) {
		fmt_bytes((double)json_integer_value(v), b, sizeof b);
		return xstrdup(b);
	}
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "yes" : "no");
	if (json_is_array(v)) {
		/* names joined: ["a","b"] or [{"workspace":"a"},...] */
		struct buf *jb = buf_new(0);
		json_t *x;
		size_t i;
		char *out;

		json_array_foreach(v, i, x) {
			const char *s = json_string_value(x);
			if (s == NULL && *(s = cli_str(x, "workspace")) == '\0')
				s = cli_str(x, "name");
			buf_appendf(jb, "%s%s", i ? "," : "", s);
		}
		out = buf_steal(jb, NULL);
		buf_free(jb);
		if (*out == '\0') {
			free(out);
			out = xstrdup("-");
		}
		return out;
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Prints list as a table; cols holds "HEADER", "key|altkey" pairs. */
static int
acct_table(struct cli *cli, json_t *list, const char *const *cols,
    size_t ncols)
{
	const char **hdr = xcalloc(ncols, sizeof *hdr);
	const char **row = xcalloc(ncols, sizeof *row);
	char **cells = xcalloc(ncols, sizeof *cells);
	struct fmt_table *t;
	json_t *o;
	size_t i;

	for (size_t c = 0; c < ncols; c++)
		hdr[c] = cols[2 * c];
	t = fmt_table_new(ncols, hdr);
	json_array_foreach(list, i, o) {
		for (size_t c = 0; c < ncols; c++) {
			char *keys = xstrdup(cols[2 * c + 1]), *save = NULL;
			json_t *v = NULL;
			const char *k, *used = keys;

			for (k = strtok_r(keys, "|", &save); k != NULL;
			    k = strtok_r(NULL, "|", &save))
				if ((v = acct_get(o, k)) != NULL) {
					used = k;
					break;
				}
			cells[c] = acct_cell(cli, used, v);
			if (strcmp(hdr[c], "STATE") == 0) {
				char *s = fmt_color(cli->color,
				    fmt_state_color(cells[c]), cells[c]);
				free(cells[c]);
				cells[c] = s;
			}
			row[c] = cells[c];
			free(keys);
		}
		fmt_table_add(t, row);
		for (size_t c = 0; c < ncols; c++)
			free(cells[c]);
	}
	fmt_table_print(t, stdout, cli->color);
	free(hdr);
	free(row);
	free(cells);
	return EXIT_OK;
}

/* Key: value lines for an object. */
static void
acct_kv(struct cli *cli, json_t *o)
{
	const char *k;
	json_t *v;
	size_t w = 0;

	json_object_foreach(o, k, v)
		if (strlen(k) > w)
			w = strlen(k);
	json_object_foreach(o, k, v) {
		char *c = acct_cell(cli, k, v);
		printf("%s:%*s %s\n", k, (int)(w - strlen(k)), "", c);
		free(c);
	}
}

/* GET path; --json prints it unchanged, else a table or key/values. */
static int
acct_show(struct cli *cli, const char *path, const char *const *cols,
    size_t ncols)
{
	json_t *j = NULL;

	if (cli_call(cli, "GET", path, NULL, &j) != 0)
		return EXIT_FAIL;
	if (cli->json)
		cli_print_json(j);
	else if (json_is_array(j) && cli->quiet) {
		size_t i;
		json_t *o;
		json_array_foreach(j, i, o) {
			char *c = acct_cell(cli, "", acct_get(o,
			    json_object_get(o, "name") ? "name" : "id"));
			printf("%s\n", c);
			free(c);
		}
	} else if (json_is_array(j) && cols != NULL)
		acct_table(cli, j, cols, ncols);
	else if (json_is_object(j))
		acct_kv(cli, j);
	else
		cli_print_json(j);
	json_decref(j);
	return EXIT_OK;
}

/* Sends a request and prints the reply (JSON) or msg. */
static int
acct_do(struct cli *cli, const char *method, const char *path, json_t *body,
    const char *msg)
{
	json_t *j = NULL;

	if (cli_call(cli, method, path, body, &j) != 0)
		return EXIT_FAIL;
	if (cli->json)
		cli_print_json(j != NULL ? j : json_object());
	else if (!cli->quiet && msg != NULL)
		printf("%s\n", msg);
	json_decref(j);
	return EXIT_OK;
}

/* Asks before deleting on a terminal, unless --force. */
static int
acct_confirm(struct cli *cli, const char *what)
{
	char *q;
	int yes;

	if (!cli->tty_in || cli_args_count(cli->args, "force"))
		return 1;
	q = xasprintf("Delete %s?", what);
	yes = cli_confirm(cli, q);
	free(q);
	if (!yes)
		fprintf(stderr, "Not deleted.\n");
	return yes;
}

/* Prints a new API key from a reply: the key on stdout. */
static int
acct_print_key(struct cli *cli, json_t *j)
{
	if (cli->json)
		cli_print_json(j);
	else {
		printf("%s\n", cli_str(j, "key"));
		if (!cli->quiet && cli->tty_out)
			fprintf(stderr, "This key is shown once; store it "
			    "now.\n");
	}
	return EXIT_OK;
}

/* ---- auth ---- */

static char *
acct_read_key(struct cli *cli)
{
	char line[1024];
	struct termios t, old;
	int echo_off = 0;
	size_t n;

	if (cli->tty_in) {
		fprintf(stderr, "API key: ");
		fflush(stderr);
		if (tcgetattr(0, &old) == 0) {
			t = old;
			t.c_lflag &= ~(tcflag_t)ECHO;
			echo_off = tcsetattr(0, TCSANOW, &t) == 0;
		}
	}
	if (fgets(line, sizeof line, stdin) == NULL)
		line[0] = '\0';
	if (echo_off) {
		tcsetattr(0, TCSANOW, &old);
		fputc('\n', stderr);
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	return n > 0 ? xstrdup(line) : NULL;
}

static const char *
acct_user_name(json_t *acct)
{
	json_t *u = json_object_get(acct, "user");

	if (json_is_string(u))
		return json_string_value(u);
	if (json_is_object(u))
		return cli_str(u, "name");
	return cli_str(acct, "name");
}

static const char *
acct_role(json_t *acct)
{
	json_t *u = json_object_get(acct, "user");

	if (*cli_str(acct, "role") != '\0')
		return cli_str(acct, "role");
	return cli_str(u, "role");
}

int
cmd_auth_login(struct cli *cli)
{
	json_t *cfg = NULL, *acct = NULL;
	char *key = NULL;
	int loose, r;

	if ((r = cli_auth_load(cli)) != 0)
		return cli_err_last(cli, r);
	if (cli->key_source == NULL || strcmp(cli->key_source, "config") ==
	    0) {
		if ((key = acct_read_key(cli)) == NULL)
			return cli_usage(cli, "no API key given (--api-key, "
			    "BERTH_API_KEY or stdin)");
		free(cli->api_key);
		cli->api_key = key;
		cli->key_source = "stdin";
	}
	if (cli_call(cli, "GET", "/v1/account", NULL, &acct) != 0)
		return EXIT_FAIL;
	if (cli->cfg_path == NULL) {
		json_decref(acct);
		return cli_err_last(cli, ERR_INVAL);
	}
	if ((r = config_load(cli->cfg_path, &cfg, &loose)) != 0) {
		json_decref(acct);
		return cli_err_last(cli, r);
	}
	json_object_set_new(cfg, "api_url", json_string(cli->api_url));
	json_object_set_new(cfg, "api_key", json_string(cli->api_key));
	r = config_save(cli->cfg_path, cfg);
	json_decref(cfg);
	if (r != 0) {
		json_decref(acct);
		return cli_err_last(cli, r);
	}
	if (cli->json)
		cli_print_json(acct);
	else if (!cli->quiet)
		printf("Logged in to %s as %s (%s); key stored in %s\n",
		    cli->api_url, acct_user_name(acct), acct_role(acct),
		    cli->cfg_path);
	json_decref(acct);
	return EXIT_OK;
}

int
cmd_auth_logout(struct cli *cli)
{
	json_t *cfg = NULL;
	char *path = config_path();
	int loose, r, had;

	if (path == NULL)
		return cli_err_last(cli, ERR_INVAL);
	if ((r = config_load(path, &cfg, &loose)) != 0) {
		free(path);
		return cli_err_last(cli, r);
	}
	had = json_object_get(cfg, "api_key") != NULL;
	json_object_del(cfg, "api_key");
	if (json_object_size(cfg) == 0)
		r = config_remove(path);
	else
		r = config_save(path, cfg);
	json_decref(cfg);
	if (r != 0) {
		free(path);
		return cli_err_last(cli, r);
	}
	if (cli->json)
		printf("{\"logged_out\":%s}\n", had ? "true" : "false");
	else if (!cli->quiet)
		printf(had ? "Logged out: removed the key from %s\n" :
		    "No stored key in %s\n", path);
	free(path);
	return EXIT_OK;
}

int
cmd_auth_whoami(struct cli *cli)
{
	json_t *acct = NULL;

	if (cli_call(cli, "GET", "/v1/account", NULL, &acct) != 0)
		return EXIT_FAIL;
	if (cli->json)
		cli_print_json(acct);
	else if (cli->quiet)
		printf("%s\n", acct_user_name(acct));
	else
		printf("%s (%s)\n", acct_user_name(acct), acct_role(acct));
	json_decref(acct);
	return EXIT_OK;
}

int
cmd_auth_status(struct cli *cli)
{
	json_t *acct = NULL, *o;
	char *red;
	int r, ok;

	if ((r = cli_auth_load(cli)) != 0)
		return cli_err_last(cli, r);
	red = fmt_redact_key(cli->api_key);
	ok = cli->api_key != NULL && cli_call(cli, "GET", "/v1/account",
	    NULL, &acct) == 0;
	if (cli->json) {
		o = json_pack("{s:s,s:s,s:s?,s:s?,s:b}", "api_url",
		    cli->api_url, "url_source", cli->url_source, "key_source",
		    cli->key_source, "config", cli->cfg_path, "ok", ok);
		if (acct != NULL)
			json_object_set(o, "account", acct);
		cli_print_json(o);
		json_decref(o);
	} else {
		printf("API URL:  %s (from %s)\n", cli->api_url,
		    cli->url_source);
		printf("API key:  %s%s%s%s\n", red, cli->key_source ?
		    " (from " : "", cli->key_source ? cli->key_source : "",
		    cli->key_source ? ")" : "");
		printf("Config:   %s\n", cli->cfg_path ? cli->cfg_path : "-");
		if (ok)
			printf("User:     %s (%s)\n", acct_user_name(acct),
			    acct_role(acct));
		else if (cli->api_key == NULL)
			printf("Not logged in: run 'berth auth login'.\n");
	}
	free(red);
	json_decref(acct);
	return ok ? EXIT_OK : EXIT_FAIL;
}

/* ---- templates ---- */

int
cmd_templates(struct cli *cli)
{
	static const char *const cols[] = { "NAME", "name", "IMAGE", "image",
	    "GPU", "gpu", "CPUS", "cpus", "MEMORY", "memory", "DESCRIPTION",
	    "description" };

	return acct_show(cli, "/v1/templates", cols, 6);
}

int
cmd_templates_info(struct cli *cli)
{
	char *p = cli_path("/v1/templates/%s", cli_args_pos(cli->args, 0));
	int r = acct_show(cli, p, NULL, 0);

	free(p);
	return r;
}

/* ---- volumes ---- */

static const char *const vol_cols[] = { "NAME", "name", "SIZE GIB",
    "size_gib", "USED BY", "used_by", "OWNER", "owner", "CREATED",
    "created_at" };

int
cmd_volumes(struct cli *cli)
{
	return acct_show(cli, "/v1/volumes", vol_cols, 5);
}

/* A size in GiB: a positive integer. */
static int
acct_gib(struct cli *cli, const char *v, long *out)
{
	char *end;
	long n;

	n = strtol(v, &end, 10);
	if ((*end == 'g' || *end == 'G') && end[1] == '\0')
		end++;
	if (*v == '\0' || *end != '\0' || n < 1 || n > 1000000)
		return cli_usage(cli, "bad size '%s': want GiB, e.g. 100", v);
	*out = n;
	return 0;
}

int
cmd_volumes_create(struct cli *cli)
{
	const char *name = cli_args_pos(cli->args, 0);
	const char *sz = cli_args_get(cli->args, "size");
	json_t *b = json_pack("{s:s}", "name", name);
	char *msg;
	long g = 0;
	int r;

	if (sz != NULL) {
		if ((r = acct_gib(cli, sz, &g)) != 0) {
			json_decref(b);
			return r;
		}
		json_object_set_new(b, "size_gib", json_integer(g));
	}
	msg = xasprintf("Created volume %s", name);
	r = acct_do(cli, "POST", "/v1/volumes", b, msg);
	free(msg);
	json_decref(b);
	return r;
}

int
cmd_volumes_info(struct cli *cli)
{
	char *p = cli_path("/v1/volumes/%s", cli_args_pos(cli->args, 0));
	int r = acct_show(cli, p, NULL, 0);

	free(p);
	return r;
}

int
cmd_volumes_resize(struct cli *cli)
{
	const char *name = cli_args_pos(cli->args, 0);
	json_t *b;
	char *p, *msg;
	long g = 0;
	int r;

	if ((r = acct_gib(cli, cli_args_pos(cli->args, 1), &g)) != 0)
		return r;
	b = json_pack("{s:I}", "size_gib", (json_int_t)g);
	p = cli_path("/v1/volumes/%s", name);
	msg = xasprintf("Volume %s is now %ld GiB", name, g);
	r = acct_do(cli, "PATCH", p, b, msg);
	free(msg);
	free(p);
	json_decref(b);
	return r;
}

int
cmd_volumes_rm(struct cli *cli)
{
	const char *name = cli_args_pos(cli->args, 0);
	char *p, *msg, *what = xasprintf("volume %s and all its data", name);
	int r;

	if (!acct_confirm(cli, what)) {
		free(what);
		return EXIT_FAIL;
	}
	free(what);
	p = cli_path("/v1/volumes/%s", name);
	msg = xasprintf("Deleted volume %s", name);
	r = acct_do(cli, "DELETE", p, NULL, msg);
	free(msg);
	free(p);
	return r;
}

/* ---- users ---- */

int
cmd_users(struct cli *cli)
{
	static const char *const cols[] = { "NAME", "name", "ROLE", "role",
	    "WORKSPACES", "usage.workspaces|workspaces", "CREATED",
	    "created_at" };

	return acct_show(cli, "/v1/users", cols, 4);
}

int
cmd_users_create(struct cli *cli)
{
	const char *name = cli_args_pos(cli->args, 0);
	const char *role = cli_args_get(cli->args, "role");
	json_t *b, *j = NULL;

	if (role == NULL)
		role = "user";
	if (strcmp(role, "user") != 0 && strcmp(role, "admin") != 0)
		return cli_usage(cli, "bad --role '%s': want user or admin",
		    role);
	b = json_pack("{s:s,s:s}", "name", name, "role", role);
	if (cli_call(cli, "POST", "/v1/users", b, &j) != 0) {
		json_decref(b);
		return EXIT_FAIL;
	}
	json_decref(b);
	if (cli->json)
		cli_print_json(j);
	else if (!cli->quiet) {
		printf("Created user %s (%s)\n", name, role);
		if (*cli_str(j, "key") != '\0')
			printf("API key (shown once): %s\n", cli_str(j, "key"));
	} else if (*cli_str(j, "key") != '\0')
		printf("%s\n", cli_str(j, "key"));
	json_decref(j);
	return EXIT_OK;
}

int
cmd_users_rm(struct cli *cli)
{
	const char *name = cli_args_pos(cli->args, 0);
	char *p, *msg, *what = xasprintf("user %s", name);
	int r;

	if (!acct_confirm(cli, what)) {
		free(what);
		return EXIT_FAIL;
	}
	free(what);
	p = cli_path("/v1/users/%s", name);
	msg = xasprintf("Deleted user %s", name);
	r = acct_do(cli, "DELETE", p, NULL, msg);
	free(msg);
	free(p);
	return r;
}

static int
acct_new_key(struct cli *cli, const char *path)
{
	const char *name = cli_args_get(cli->args, "name");
	const char *exp = cli_args_get(cli->args, "expires");
	char *const *v;
	json_t *b = json_object(), *j = NULL;
	size_t n = 0;
	int r;

	if (name != NULL)
		json_object_set_new(b, "name", json_string(name));
	/* --scope exec,files or --scope exec --scope files. */
	if ((v = cli_args_multi(cli->args, "scope", &n)) != NULL && n > 0) {
		json_t *sc = json_array();
		for (size_t i = 0; i < n; i++) {
			char *t = xstrdup(v[i]), *p, *save = NULL;
			for (p = strtok_r(t, ",", &save); p != NULL;
			    p = strtok_r(NULL, ",", &save))
				json_array_append_new(sc, json_string(p));
			free(t);
		}
		json_object_set_new(b, "scopes", sc);
	}
	if ((v = cli_args_multi(cli->args, "workspace", &n)) != NULL &&
	    n > 0) {
		json_t *ws = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(ws, json_string(v[i]));
		json_object_set_new(b, "workspaces", ws);
	}
	if (exp != NULL)
		json_object_set_new(b, "expires_in", json_string(exp));
	r = cli_call(cli, "POST", path, b, &j);
	json_decref(b);
	if (r != 0)
		return EXIT_FAIL;
	r = acct_print_key(cli, j);
	json_decref(j);
	return r;
}

int
cmd_users_key(struct cli *cli)
{
	char *p = cli_path("/v1/users/%s/api-keys", cli_args_pos(cli->args,
	    0));
	int r = acct_new_key(cli, p);

	free(p);
	return r;
}

/* ---- api keys ---- */

int
cmd_apikeys(struct cli *cli)
{
	static const char *const cols[] = { "ID", "id", "NAME", "name",
	    "SCOPES", "scopes", "WORKSPACES", "workspaces", "EXPIRES",
	    "expires_at", "CREATED", "created_at", "CURRENT", "current" };

	return acct_show(cli, "/v1/api-keys", cols, 7);
}

int
cmd_apikeys_create(struct cli *cli)
{
	return acct_new_key(cli, "/v1/api-keys");
}

int
cmd_apikeys_rm(struct cli *cli)
{
	const char *id = cli_args_pos(cli->args, 0);
	char *p = cli_path("/v1/api-keys/%s", id);
	char *msg = xasprintf("Revoked key %s", id);
	int r = acct_do(cli, "DELETE", p, NULL, msg);

	free(p);
	free(msg);
	return r;
}

/* ---- ssh keys ---- */

int
cmd_sshkeys(struct cli *cli)
{
	static const char *const cols[] = { "ID", "id", "NAME", "name",
	    "TYPE", "type", "FINGERPRINT", "fingerprint", "CREATED",
	    "created_at" };

	return acct_show(cli, "/v1/ssh-keys", cols, 5);
}

int
cmd_sshkeys_add(struct cli *cli)
{
	const char *file = cli_args_get(cli->args, "key-file");
	const char *key = cli_args_get(cli->args, "key");
	const char *name = cli_args_get(cli->args, "name");
	char *text = NULL, *nm = NULL, *msg;
	json_t *b;
	size_t n;
	int r;

	if ((file == NULL) == (key == NULL))
		return cli_usage(cli, "give one of --key-file FILE or --key "
		    "KEY");
	if (file != NULL) {
		FILE *f = fopen(file, "r");
		char line[16384];

		if (f == NULL)
			return cli_err(cli, "io", "cannot read %s: %s", file,
			    strerror(errno));
		if (fgets(line, sizeof line, f) == NULL)
			line[0] = '\0';
		fclose(f);
		text = xstrdup(line);
	} else
		text = xstrdup(key);
	n = strcspn(text, "\r\n");
	text[n] = '\0';
	if (*text == '\0') {
		free(text);
		return cli_usage(cli, "the public key is empty");
	}
	if (name == NULL) {
		/* the key's comment: "type base64 comment" */
		const char *sp = strchr(text, ' ');
		if (sp != NULL && (sp = strchr(sp + 1, ' ')) != NULL &&
		    sp[1] != '\0') {
			nm = xstrdup(sp + 1);
			for (char *c = nm; *c != '\0'; c++)
				if (*c == ' ' || *c == '@')
					*c = '-';
		}
	} else
		nm = xstrdup(name);
	b = json_pack("{s:s}", "public_key", text);
	if (nm != NULL)
		json_object_set_new(b, "name", json_string(nm));
	msg = xasprintf("Added SSH key%s%s", nm ? " " : "", nm ? nm : "");
	r = acct_do(cli, "POST", "/v1/ssh-keys", b, msg);
	free(msg);
	free(nm);
	free(text);
	json_decref(b);
	return r;
}

int
cmd_sshkeys_rm(struct cli *cli)
{
	const char *id = cli_args_pos(cli->args, 0);
	char *p = cli_path("/v1/ssh-keys/%s", id);
	char *msg = xasprintf("Removed SSH key %s", id);
	int r = acct_do(cli, "DELETE", p, NULL, msg);

	free(p);
	free(msg);
	return r;
}

/* ---- gpus ---- */

int
cmd_gpus(struct cli *cli)
{
	static const char *const dev_cols[] = { "INDEX", "index", "UUID",
	    "uuid", "KIND", "kind", "MODEL", "model", "PROFILE", "profile",
	    "MEMORY MB", "memory_mb", "ALLOCATED TO", "allocated_to.workspace",
	    "UTIL %", "utilization", "TEMP C", "temperature" };
	static const char *const type_cols[] = { "KIND", "kind", "MODEL",
	    "model", "PROFILE", "profile", "MEMORY MB", "memory_mb", "TOTAL",
	    "total", "FREE", "free" };
	const char *name = cli->cmd->name;

	if (strcmp(name, "gpus types") == 0)
		return acct_show(cli, "/v1/gpus/types", type_cols, 6);
	if (strcmp(name, "gpus available") == 0)
		return acct_show(cli, "/v1/gpus/available", dev_cols, 6);
	return acct_show(cli, "/v1/gpus", dev_cols, 9);
}

/* ---- ssh ---- */

int
cmd_ssh(struct cli *cli)
{
	json_t *w = NULL;
	char *p = cli_path("/v1/workspaces/%s", cli_args_pos(cli->args, 0));
	char *cmd, *argv[64], *save = NULL, *t;
	int r = cli_call(cli, "GET", p, NULL, &w), n = 0;

	free(p);
	if (r != 0)
		return EXIT_FAIL;
	cmd = xstrdup(cli_str(json_object_get(w, "ssh"), "command"));
	if (*cmd == '\0') {
		r = cli_err(cli, "not_found", "workspace %s has no SSH access",
		    cli_args_pos(cli->args, 0));
		goto out;
	}
	if (cli_args_count(cli->args, "print")) {
		if (cli->json)
			cli_print_json(json_object_get(w, "ssh"));
		else
			printf("%s\n", cmd);
		r = EXIT_OK;
		goto out;
	}
	for (t = strtok_r(cmd, " ", &save); t != NULL && n < 63;
	    t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	fflush(stdout);
	execvp(argv[0], argv);
	r = cli_err(cli, "io", "cannot run %s: %s", argv[0], strerror(errno));
out:
	free(cmd);
	json_decref(w);
	return r;
}

/* Writes text to path (mode 0600) through a temporary file. */
static int
acct_write_file(const char *path, const char *text)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	size_t len = strlen(text);
	int fd, r = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) != 0) {
		r = err_set(ERR_IO, "cannot write %s: %s", tmp,
		    strerror(errno));
	}
	if (fd >= 0 && close(fd) != 0 && r == 0)
		r = err_set(ERR_IO, "cannot write %s: %s", tmp,
		    strerror(errno));
	if (r == 0 && rename(tmp, path) != 0)
		r = err_set(ERR_IO, "cannot replace %s: %s", path,
		    strerror(errno));
	if (r != 0)
		unlink(tmp);
	free(tmp);
	return r;
}

/* Makes ~/.ssh/config start with "Include berth_config", once. */
static int
acct_ssh_include(const char *cfgpath, int *added)
{
	struct buf *b = buf_new(16 * 1024 * 1024);
	FILE *f = fopen(cfgpath, "r");
	char line[4096];
	struct stat st;
	int r = 0;

	*added = 0;
	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			char *s = line;
			size_t n;
			while (*s == ' ' || *s == '\t')
				s++;
			n = strcspn(s, "\r\n");
			while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			if (n == 20 && strncasecmp(s, "Include berth_config",
			    20) == 0) {
				fclose(f);
				buf_free(b);
				return 0;
			}
		}
		rewind(f);
	}
	buf_appendf(b, "Include berth_config\n");
	if (f != NULL) {
		size_t n;
		while ((n = fread(line, 1, sizeof line, f)) > 0)
			if (buf_append(b, line, n) != 0) {
				fclose(f);
				buf_free(b);
				return err_set(ERR_TOOBIG, "%s is too big",
				    cfgpath);
			}
		fclose(f);
	}
	r = acct_write_file(cfgpath, buf_data(b));
	if (r == 0 && stat(cfgpath, &st) == 0)
		*added = 1;
	buf_free(b);
	return r;
}

int
cmd_ssh_config(struct cli *cli)
{
	const char *home = getenv("HOME");
	json_t *list = NULL, *w;
	struct buf *b;
	char *dir, *path, *cfg;
	size_t i;
	int r, n = 0, added = 0;

	if (home == NULL || *home == '\0')
		return cli_err(cli, "io", "HOME is not set");
	if (cli_call(cli, "GET", "/v1/workspaces", NULL, &list) != 0)
		return EXIT_FAIL;
	b = buf_new(0);
	buf_appendf(b, "# Written by 'berth ssh-config' from %s; it is "
	    "rewritten each time.\n", cli->api_url);
	json_array_foreach(list, i, w) {
		json_t *ssh = json_object_get(w, "ssh");
		json_t *port = json_object_get(ssh, "port");

		if (*cli_str(ssh, "host") == '\0' || !json_is_integer(port) ||
		    json_integer_value(port) == 0)
			continue;
		buf_appendf(b, "\nHost %s.berth\n\tHostName %s\n\tPort %lld\n"
		    "\tUser %s\n", cli_str(w, "name"), cli_str(ssh, "host"),
		    (long long)json_integer_value(port), cli_str(ssh, "user"));
		n++;
	}
	json_decref(list);
	dir = xasprintf("%s/.ssh", home);
	path = xasprintf("%s/berth_config", dir);
	cfg = xasprintf("%s/config", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		r = err_set(ERR_IO, "cannot create %s: %s", dir,
		    strerror(errno));
	else if ((r = acct_write_file(path, buf_data(b))) == 0)
		r = acct_ssh_include(cfg, &added);
	buf_free(b);
	if (r != 0)
		r = cli_err_last(cli, r);
	else if (cli->json) {
		json_t *o = json_pack("{s:s,s:i,s:b}", "path", path, "hosts", n,
		    "include_added", added);
		cli_print_json(o);
		json_decref(o);
	}
	else if (!cli->quiet)
		printf("Wrote %d host%s to %s%s\n", n, n == 1 ? "" : "s", path,
		    added ? " (and included it from ~/.ssh/config)" : "");
	free(dir);
	free(path);
	free(cfg);
	return r;
}
