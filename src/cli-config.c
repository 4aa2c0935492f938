/* cli-config.c: load and atomically save the CLI's JSON config file. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-config.h"
#include "err.h"
#include "xmalloc.h"

char *
config_path(void)
{
	const char *p = getenv("BERTH_CONFIG"), *home;

	if (p != NULL && *p != '\0')
		return xstrdup(p);
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		err_set(ERR_INVAL, "HOME is not set; set BERTH_CONFIG");
		return NULL;
	}
	return xasprintf("%s/.config/berth/config.json", home);
}

int
config_load(const char *path, json_t **out, int *loose)
{
	json_error_t je;
	json_t *o;
	struct stat st;
	FILE *f;

	*loose = 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT) {
			*out = json_object();
			return 0;
		}
		return err_set(ERR_IO, "cannot read %s: %s", path,
		    strerror(errno));
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0)
		*loose = 1;
	o = json_loadf(f, 0, &je);
	fclose(f);
	if (o == NULL)
		return err_set(ERR_INVAL, "%s: line %d: %s", path, je.line,
		    je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return err_set(ERR_INVAL, "%s: not a JSON object", path);
	}
	*out = o;
	return 0;
}

/* mkdir -p for the parents of path; directories it creates are 0700. */
static int
config_mkparents(const char *path)
{
	char *d = xstrdup(path), *p;
	int r = 0;

	for (p = d + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST) {
			r = err_set(ERR_IO, "cannot create %s: %s", d,
			    strerror(errno));
			break;
		}
		*p = '/';
	}
	free(d);
	return r;
}

int
config_save(const char *path, json_t *obj)
{
	char *tmp = NULL, *text = NULL;
	size_t len, off = 0;
	int fd = -1, r;

	if ((r = config_mkparents(path)) != 0)
		return r;
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL) {
		r = err_set(ERR_INTERNAL, "cannot encode config");
		goto out;
	}
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		r = err_set(ERR_IO, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = err_set(ERR_IO, "cannot write %s: %s", tmp,
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fchmod(fd, 0600) != 0 ||
	    fsync(fd) != 0) {
		r = err_set(ERR_IO, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = err_set(ERR_IO, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = err_set(ERR_IO, "cannot replace %s: %s", path,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r != 0)
		unlink(tmp);
	free(tmp);
	free(text);
	return r;
}

int
config_remove(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return err_set(ERR_IO, "cannot remove %s: %s", path,
		    strerror(errno));
	return 0;
}
