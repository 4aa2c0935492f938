/* cli-args.c: GNU-style flag parsing over option tables. Values point
 * into argv, which outlives the parse. */
#include <stdlib.h>
#include <string.h>

#include "cli-args.h"
#include "err.h"
#include "xmalloc.h"

struct args_slot {
	const struct cli_opt *opt;
	int		 count;
	char		**vals;
	size_t		 nvals;
};

struct cli_args {
	struct args_slot *slots;
	size_t		 nslots;
	char		**pos;
	size_t		 npos;
	char		**rest;
	size_t		 nrest;
};

static size_t
args_table_len(const struct cli_opt *t)
{
	size_t n = 0;

	if (t != NULL)
		while (t[n].lng != NULL)
			n++;
	return n;
}

static struct args_slot *
args_find_long(struct cli_args *a, const char *name, size_t len)
{
	for (size_t i = 0; i < a->nslots; i++) {
		const char *l = a->slots[i].opt->lng;
		if (strlen(l) == len && strncmp(l, name, len) == 0)
			return &a->slots[i];
	}
	return NULL;
}

static struct args_slot *
args_find_short(struct cli_args *a, int c)
{
	for (size_t i = 0; i < a->nslots; i++)
		if (a->slots[i].opt->shrt == c)
			return &a->slots[i];
	return NULL;
}

static void
args_add_val(struct args_slot *s, char *v)
{
	s->count++;
	s->vals = xreallocarray(s->vals, s->nvals + 1, sizeof *s->vals);
	s->vals[s->nvals++] = v;
}

static void
args_add_pos(struct cli_args *a, char *v)
{
	a->pos = xreallocarray(a->pos, a->npos + 1, sizeof *a->pos);
	a->pos[a->npos++] = v;
}

/* Parses one "-..." word at argv[*i]; advances *i past a consumed value. */
static int
args_one(struct cli_args *a, int argc, char **argv, int *i)
{
	char *w = argv[*i];
	struct args_slot *s;

	if (w[1] == '-') {
		char *name = w + 2, *eq = strchr(name, '=');
		size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);

		if ((s = args_find_long(a, name, len)) == NULL)
			return err_set(ERR_INVAL, "unknown flag '--%.*s'",
			    (int)len, name);
		if (s->opt->kind == OPT_FLAG) {
			if (eq != NULL)
				return err_set(ERR_INVAL,
				    "flag '--%s' takes no value", s->opt->lng);
			s->count++;
			return 0;
		}
		if (eq != NULL) {
			args_add_val(s, eq + 1);
			return 0;
		}
		if (*i + 1 >= argc)
			return err_set(ERR_INVAL, "flag '--%s' needs a value",
			    s->opt->lng);
		args_add_val(s, argv[++*i]);
		return 0;
	}
	for (char *p = w + 1; *p != '\0'; p++) {
		if ((s = args_find_short(a, (unsigned char)*p)) == NULL)
			return err_set(ERR_INVAL, "unknown flag '-%c'", *p);
		if (s->opt->kind == OPT_FLAG) {
			s->count++;
			continue;
		}
		if (p[1] != '\0') {
			args_add_val(s, p + 1);
			return 0;
		}
		if (*i + 1 >= argc)
			return err_set(ERR_INVAL, "flag '-%c' needs a value",
			    *p);
		args_add_val(s, argv[++*i]);
		return 0;
	}
	return 0;
}

int
cli_args_parse(const struct cli_opt *cmd, const struct cli_opt *glob,
    int argc, char **argv, int rest_after, struct cli_args **out)
{
	struct cli_args *a = xcalloc(1, sizeof *a);
	size_t nc = args_table_len(cmd), ng = args_table_len(glob);
	int i, dashdash = -1, r;

	a->nslots = nc + ng;
	a->slots = xcalloc(a->nslots + 1, sizeof *a->slots);
	for (size_t k = 0; k < nc; k++)
		a->slots[k].opt = &cmd[k];
	for (size_t k = 0; k < ng; k++)
		a->slots[nc + k].opt = &glob[k];

	if (rest_after >= 0) {
		for (i = 0; i < argc; i++)
			if (strcmp(argv[i], "--") == 0) {
				dashdash = i;
				break;
			}
	}
	for (i = 0; i < argc; i++) {
		char *w = argv[i];

		if (rest_after >= 0 && dashdash < 0 &&
		    a->npos == (size_t)rest_after && w[0] != '-') {
			/* docker-style: the command starts here */
			break;
		}
		if (strcmp(w, "--") == 0) {
			i++;
			if (rest_after < 0) {
				/* plain commands: the rest is positional */
				for (; i < argc; i++)
					args_add_pos(a, argv[i]);
			}
			break;
		}
		if (w[0] == '-' && w[1] != '\0') {
			if ((r = args_one(a, argc, argv, &i)) != 0) {
				cli_args_free(a);
				return r;
			}
			continue;
		}
		args_add_pos(a, w);
	}
	if (rest_after >= 0 && i < argc) {
		a->nrest = (size_t)(argc - i);
		a->rest = xcalloc(a->nrest + 1, sizeof *a->rest);
		for (size_t k = 0; k < a->nrest; k++)
			a->rest[k] = argv[i + (int)k];
	}
	*out = a;
	return 0;
}

void
cli_args_free(struct cli_args *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nslots; i++)
		free(a->slots[i].vals);
	free(a->slots);
	free(a->pos);
	free(a->rest);
	free(a);
}

static const struct args_slot *
args_slot(const struct cli_args *a, const char *lng)
{
	const struct args_slot *found = NULL;

	/* A name in both tables: the command's wins, but count both. */
	for (size_t i = 0; i < a->nslots; i++)
		if (strcmp(a->slots[i].opt->lng, lng) == 0) {
			if (found == NULL || a->slots[i].count > 0)
				if (found == NULL || found->count == 0)
					found = &a->slots[i];
		}
	return found;
}

int
cli_args_count(const struct cli_args *a, const char *lng)
{
	const struct args_slot *s = args_slot(a, lng);

	return s != NULL ? s->count : 0;
}

const char *
cli_args_get(const struct cli_args *a, const char *lng)
{
	const struct args_slot *s = args_slot(a, lng);

	if (s == NULL || s->nvals == 0)
		return NULL;
	return s->vals[s->nvals - 1];
}

char *const *
cli_args_multi(const struct cli_args *a, const char *lng, size_t *n)
{
	const struct args_slot *s = args_slot(a, lng);

	if (s == NULL || s->nvals == 0) {
		*n = 0;
		return NULL;
	}
	*n = s->nvals;
	return s->vals;
}

size_t
cli_args_npos(const struct cli_args *a)
{
	return a->npos;
}

const char *
cli_args_pos(const struct cli_args *a, size_t i)
{
	return i < a->npos ? a->pos[i] : NULL;
}

char *const *
cli_args_rest(const struct cli_args *a, size_t *n)
{
	*n = a->nrest;
	return a->rest;
}
