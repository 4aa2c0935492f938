/* cli-util.c: the CLI's error reporting, prompts, spinner, JSON and
 * base64 helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-fmt.h"
#include "err.h"
#include "xmalloc.h"

static int
util_report(struct cli *cli, const char *code, const char *msg)
{
	snprintf(cli->last_code, sizeof cli->last_code, "%s", code);
	snprintf(cli->last_err, sizeof cli->last_err, "%s", msg);
	if (cli->json) {
		json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", code,
		    "message", msg);
		char *t = json_dumps(e, JSON_COMPACT);

		fprintf(stderr, "%s\n", t);
		free(t);
		json_decref(e);
	} else
		fprintf(stderr, "berth: %s\n", msg);
	return EXIT_FAIL;
}

int
cli_err(struct cli *cli, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	r = util_report(cli, code, msg);
	free(msg);
	return r;
}

int
cli_usage(struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	util_report(cli, "usage", msg);
	if (!cli->json)
		fprintf(stderr, "Run 'berth %s%s--help' for usage.\n",
		    cli->cmd != NULL ? cli->cmd->name : "",
		    cli->cmd != NULL ? " " : "");
	free(msg);
	return EXIT_USAGE;
}

int
cli_err_last(struct cli *cli, int r)
{
	return cli_err(cli, err_str(r), "%s", *err_msg() != '\0' ?
	    err_msg() : err_str(r));
}

void
cli_print_json(json_t *v)
{
	char *t = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (t != NULL) {
		fputs(t, stdout);
		fputc('\n', stdout);
		free(t);
	}
}

const char *
cli_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

int
cli_confirm(struct cli *cli, const char *prompt)
{
	char line[64];

	fprintf(stderr, "%s [y/N] ", prompt);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static int64_t util_spin_last;
static int util_spin_i;
static int util_spin_shown;

void
cli_spin_tick(struct cli *cli, const char *msg)
{
	static const char *const frames[] = {
	    "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"
	};
	struct timespec ts;
	int64_t ms;

	if (!cli->tty_err || cli->quiet || cli->json)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (util_spin_shown && ms - util_spin_last < 100)
		return;
	util_spin_last = ms;
	fprintf(stderr, "\r\x1b[K%s %s", frames[util_spin_i++ % 10], msg);
	fflush(stderr);
	util_spin_shown = 1;
}

void
cli_spin_done(struct cli *cli)
{
	if (util_spin_shown) {
		fputs("\r\x1b[K", stderr);
		fflush(stderr);
		util_spin_shown = 0;
	}
}

void
cli_gpu_label(json_t *gpu, char *buf, size_t size)
{
	const char *p;

	if (gpu == NULL || json_is_null(gpu)) {
		snprintf(buf, size, "-");
		return;
	}
	if (json_is_string(gpu)) {
		snprintf(buf, size, "%s", json_string_value(gpu));
		return;
	}
	if (*(p = cli_str(gpu, "profile")) == '\0' &&
	    *(p = cli_str(gpu, "model")) == '\0' &&
	    *(p = cli_str(gpu, "uuid")) == '\0')
		p = "gpu";
	snprintf(buf, size, "%s", p);
}

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
cli_b64_encode(const unsigned char *in, size_t len)
{
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
		    in[i + 2];
		*o++ = b64_alpha[v >> 18];
		*o++ = b64_alpha[(v >> 12) & 63];
		*o++ = b64_alpha[(v >> 6) & 63];
		*o++ = b64_alpha[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		*o++ = b64_alpha[v >> 18];
		*o++ = b64_alpha[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alpha[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

int
cli_b64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t len = strlen(s), n = 0;
	unsigned char *o = xmalloc(len / 4 * 3 + 3);
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		const char *p;
		if (s[i] == '=')
			break;
		if (s[i] == '\n' || s[i] == '\r')
			continue;
		if ((p = strchr(b64_alpha, s[i])) == NULL || s[i] == '\0') {
			free(o);
			return err_set(ERR_INVAL, "bad base64");
		}
		v = (v << 6) | (unsigned)(p - b64_alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	*out = o;
	*outlen = n;
	return 0;
}
