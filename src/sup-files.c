/* sup-files.c: uploads written by berth-sup --put as the workspace's user
 * (sup-files.h), through proc.h's supervisor runner. */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proc-sup.h"
#include "proc.h"
#include "sup-files.h"
#include "sup-host.h"
#include "xmalloc.h"

#define PUT_WAIT_MS	60000	/* the end of a written file */

struct sup_put {
	struct proc	*p;
	char		*path;
	int		 closed, rc;
	char		 errbuf[512];
	size_t		 nerr;
};

int
sup_put_open(const char *supdir, const char *path, unsigned mode,
    int64_t mtime, int uid, int gid, struct sup_put **pp)
{
	struct proc_spec s;
	struct sup_put *u;
	struct proc *p = NULL;
	char m[16], t[32], user[32];
	const char *argv[] = { SUP_MOUNT_BIN, "--put", path, m, t, NULL };
	int r;

	*pp = NULL;
	snprintf(m, sizeof m, "%o", mode & 07777);
	snprintf(t, sizeof t, "%lld", (long long)(mtime > 0 ? mtime : 0));
	snprintf(user, sizeof user, "%d:%d", uid, gid);
	memset(&s, 0, sizeof s);
	s.argv = argv;
	s.user = user;
	s.attach_stdin = 1;
	s.sup_dir = supdir;
	if ((r = sup_proc_start(&s, &p)) != 0)
		return r;
	u = xcalloc(1, sizeof *u);
	u->p = p;
	u->path = xstrdup(path);
	*pp = u;
	return 0;
}

/* Keeps what the writer says on stderr (its cause), drops the rest. */
static void
drain(struct sup_put *u)
{
	char b[4096];
	ssize_t n;
	int st;

	while ((n = proc_read(u->p, &st, b, sizeof b)) > 0) {
		size_t k = (size_t)n;
		if (k > sizeof u->errbuf - 1 - u->nerr)
			k = sizeof u->errbuf - 1 - u->nerr;
		memcpy(u->errbuf + u->nerr, b, k);
		u->nerr += k;
	}
}

int
sup_put_write(struct sup_put *u, const void *b, size_t n)
{
	const char *c = b;
	ssize_t w;

	while (n > 0) {
		/* A writer that stopped early says why at its exit. */
		if ((w = proc_write(u->p, c, n)) == ERR_EOF)
			return sup_put_close(u);
		if (w < 0)
			return (int)w;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
sup_put_close(struct sup_put *u)
{
	int r, status = -1;

	if (u->closed)
		return u->rc;
	u->closed = 1;
	(void)proc_close_stdin(u->p);
	drain(u);
	if ((r = proc_wait(u->p, PUT_WAIT_MS, &status)) != 0)
		return u->rc = r;
	while (u->nerr > 0 && u->errbuf[u->nerr - 1] == '\n')
		u->nerr--;
	u->errbuf[u->nerr] = '\0';
	switch (status) {
	case 0:
		return u->rc = 0;
	case 3:
		return u->rc = err_set(ERR_FORBIDDEN, "the workspace user "
		    "may not write there: %s", u->errbuf);
	case 5:
		return u->rc = err_set(ERR_FORBIDDEN, "%s", u->errbuf);
	case 4:
		return u->rc = err_set(ERR_CONFLICT, "%s", u->errbuf);
	default:
		return u->rc = err_set(ERR_IO, "%s (status %d)",
		    u->nerr ? u->errbuf : "the write failed", status);
	}
}

void
sup_put_free(struct sup_put *u)
{
	if (u == NULL)
		return;
	proc_free(u->p);
	free(u->path);
	free(u);
}
