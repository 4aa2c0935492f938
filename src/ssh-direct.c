/* ssh-direct.c: ports and key pairs for direct SSH mode. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "rt.h"
#include "ssh-keydb.h"
#include "ws.h"
#include "ssh-direct.h"
#include "xmalloc.h"

/* Only when a template runs the workspace as root: privilege separation
 * and the login need exactly these (docs/images.md). */
const char *const direct_caps[] = { "SETUID", "SETGID", "SYS_CHROOT",
    "CHOWN", "AUDIT_WRITE", "KILL", NULL };

/* sshd as the workspace user: no privilege separation, no capabilities,
 * port 22 (a container lets any user bind low ports), the host
 * key and the keys berthd writes (direct_keys_push). */
const char *const direct_sshd_cmd[] = { "/usr/sbin/sshd", "-D", "-e",
    "-o", "HostKey=" DIRECT_HOSTKEY, "-o", "PidFile=none", NULL };

int
direct_port_free(void *arg, int port)
{
	struct app *app = arg;

	return rt_port_free(app->rt, app->cfg.direct_ssh_address, port);
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

int
direct_uidgid(const char *user, int *uid, int *gid)
{
	long u, g;
	char *e;

	*uid = *gid = 1000;
	if (user == NULL || *user == '\0')
		return 0;
	errno = 0;
	u = strtol(user, &e, 10);
	if (e == user || errno != 0 || u < 0 || u > 65535 ||
	    (*e != '\0' && *e != ':'))
		return err_set(ERR_INVAL, "direct SSH mode needs a numeric "
		    "workspace user (uid[:gid]), not '%.64s'", user);
	g = u;
	if (*e == ':') {
		const char *gs = e + 1;
		g = strtol(gs, &e, 10);
		if (e == gs || *e != '\0' || g < 0 || g > 65535)
			return err_set(ERR_INVAL, "bad workspace group in "
			    "'%.64s'", user);
	}
	*uid = (int)u;
	*gid = (int)g;
	return 0;
}

/* Writes one small file into container cid (running or not). */
static int
put_file(struct app *app, const char *cid, const char *path,
    const char *data, unsigned mode, int uid, int gid)
{
	struct rt_put pu;
	struct rt_stream *s = NULL;
	int r;

	memset(&pu, 0, sizeof pu);
	pu.size = (int64_t)strlen(data);
	pu.mode = mode;
	pu.uid = uid;
	pu.gid = gid;
	if ((r = rt_file_put(app->rt, cid, path, &pu, &s)) == 0 &&
	    (pu.size == 0 || (r = rt_stream_write(s, data,
	    (size_t)pu.size)) == 0))
		r = rt_stream_finish(s);
	rt_stream_free(s);
	return r;
}

int
direct_keys_push(struct app *app, struct db *db, const char *owner,
    const char *extra, const char *cid)
{
	char *keys = NULL, *all;
	int r;

	if (cid == NULL || *cid == '\0')
		return 0;
	if ((r = sshkeys_authorized(db, owner, &keys)) != 0)
		return r;
	all = xasprintf("%s%s", keys, extra ? extra : "");
	/* Root's, 0644: sshd (the workspace user) reads it; the user
	 * cannot change it. */
	r = put_file(app, cid, DIRECT_KEYS, all, 0644, 0, 0);
	free(keys);
	free(all);
	return r;
}

int
direct_prepare(struct app *app, struct db *db, const char *owner,
    const json_t *spec, const char *cid)
{
	char *priv = NULL, *pub = NULL;
	int uid, gid, r;

	if ((r = direct_uidgid(json_string_value(json_object_get(spec,
	    "user")), &uid, &gid)) != 0)
		return r;
	if ((r = direct_keypair("berth-workspace", &priv, &pub)) != 0)
		return r;
	r = put_file(app, cid, DIRECT_HOSTKEY, priv, 0600, uid, gid);
	explicit_bzero(priv, strlen(priv));
	free(priv);
	free(pub);
	if (r != 0)
		return r;
	return direct_keys_push(app, db, owner, json_string_value(
	    json_object_get(spec, "extra_keys")), cid);
}

struct key_rows {
	char	**v;
	size_t	  n;
};

static void
key_row(void *arg, const struct ws *w)
{
	struct key_rows *k = arg;
	const char *extra = json_string_value(json_object_get(w->spec,
	    "extra_keys"));

	if (*w->container_id == '\0')
		return;
	k->v = xreallocarray(k->v, k->n + 4, sizeof *k->v);
	k->v[k->n++] = xstrdup(w->id);
	k->v[k->n++] = xstrdup(w->container_id);
	k->v[k->n++] = xstrdup(w->owner);
	k->v[k->n++] = extra != NULL ? xstrdup(extra) : NULL;
}

void
direct_keys_sync(struct app *app, struct db *db, const char *owner)
{
	struct db_ws_filter f = { owner == NULL, owner, NULL, "direct" };
	struct key_rows k = { NULL, 0 };
	size_t i;

	if (db_ws_each(db, &f, key_row, &k) != 0)
		return;
	for (i = 0; i < k.n; i += 4) {
		if (direct_keys_push(app, db, k.v[i + 2], k.v[i + 3],
		    k.v[i + 1]) != 0)
			log_warn("workspace %s: could not update its SSH "
			    "keys: %s", k.v[i], err_msg());
	}
	for (i = 0; i < k.n; i++)
		free(k.v[i]);
	free(k.v);
}
