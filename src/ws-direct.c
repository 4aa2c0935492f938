/* ws-direct.c: ports and key pairs for direct SSH mode. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "ws-direct.h"
#include "xmalloc.h"

/* Measured with the sshd image: privilege separation and the login need
 * exactly these (docs/images.md). */
const char *const direct_caps[] = { "SETUID", "SETGID", "SYS_CHROOT",
    "CHOWN", "AUDIT_WRITE", "KILL", NULL };

/* 1 when nothing listens on addr:port right now. */
static int
host_port_free(const char *addr, int port)
{
	struct sockaddr_in sin;
	int fd, ok, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ok = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return ok;
}

int
direct_port_alloc(struct app *app, struct db *db, const char *ws_id,
    int *port)
{
	int lo = app->cfg.direct_port_min, hi = app->cfg.direct_port_max;
	sqlite3_stmt *st;
	int p = lo, r;

	if ((st = db_prep(db, "SELECT port FROM direct_ports WHERE port "
	    "BETWEEN ? AND ? ORDER BY port")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ii", (int64_t)lo, (int64_t)hi);
	/* Walk the taken ports in order; the first gap that is also free
	 * on the host wins. */
	for (;;) {
		int taken = -1;
		if (sqlite3_step(st) == SQLITE_ROW)
			taken = sqlite3_column_int(st, 0);
		while (p <= hi && (taken < 0 || p < taken)) {
			if (host_port_free(app->cfg.direct_ssh_address, p))
				goto found;
			p++;
		}
		if (taken < 0 || p > hi)
			break;
		p = taken + 1;
	}
	sqlite3_finalize(st);
	return err_set(ERR_UNSAT, "no free direct SSH port in %d-%d", lo, hi);
found:
	sqlite3_finalize(st);
	if ((r = db_run(db, "INSERT INTO direct_ports (port, workspace_id) "
	    "VALUES (?, ?)", "is", (int64_t)p, ws_id)) != 0)
		return r;
	*port = p;
	return 0;
}

int
direct_keypair(const char *comment, char **privp, char **pubp)
{
	ssh_key key = NULL;
	char *priv = NULL, *pub = NULL;
	int r = 0;

	*privp = *pubp = NULL;
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &priv)
	    != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &pub) != SSH_OK) {
		r = err_set(ERR_INTERNAL, "could not make an ed25519 key pair");
		goto out;
	}
	*privp = xstrdup(priv);
	*pubp = xasprintf("ssh-ed25519 %s %s", pub, comment);
out:
	if (priv != NULL) {
		explicit_bzero(priv, strlen(priv));
		ssh_string_free_char(priv);
	}
	ssh_string_free_char(pub);
	ssh_key_free(key);
	return r;
}
