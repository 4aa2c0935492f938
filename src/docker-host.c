/* docker-host.c: the Docker backend's helpers around containers: the
 * one-shot container that gives a volume's root to the workspace user,
 * whether a host port is free to publish (the engine binds on this host),
 * and whether the storage driver can limit a writable layer. Any thread. */
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "docker-client.h"
#include "docker-rt.h"
#include "err.h"
#include "log.h"
#include "rt.h"
#include "timeutil.h"
#include "xmalloc.h"

#define HOST_CHOWN_MS	30000	/* the helper's run, at most */

/* A new volume's root belongs to root (0755) and the workspace runs as its
 * user without CAP_CHOWN, so a one-shot container with only CAP_CHOWN and
 * no network hands it over. It is labelled as berth's helper (so that the
 * reconciler removes it should berthd die before it does) and removed
 * here whatever happens. */
int
docker_volume_chown(struct rt *rt, const char *volume, const char *user,
    const char *image, const char *installation, const char *workspace_id)
{
	static const char *const caps[] = { "CHOWN", NULL };
	const char *cmd[] = { "chown", user, "/v", NULL };
	struct rt_mount m = { volume, "/v", 0 };
	struct rt_spec spec;
	struct rt_state rs;
	unsigned char rnd[4];
	char *cid = NULL, *name;
	int64_t until;
	int r;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		memset(rnd, 0, sizeof rnd);
	name = xasprintf("berth-prep-%.8s-%.8s-%02x%02x%02x%02x", volume,
	    workspace_id != NULL ? workspace_id : "none", rnd[0], rnd[1],
	    rnd[2], rnd[3]);
	memset(&spec, 0, sizeof spec);
	spec.name = name;
	spec.image = image;
	spec.cmd = cmd;
	spec.cap_add = caps;
	spec.user = "0:0";
	spec.network = "none";
	spec.memory = 64LL << 20;
	spec.cpus = 1;
	spec.pids_limit = 16;
	spec.mounts = &m;
	spec.nmounts = 1;
	spec.installation = installation;
	spec.helper = 1;
	if ((r = docker_create(rt, &spec, &cid)) == 0 &&
	    (r = docker_start(rt, cid)) == 0) {
		until = mono_ms() + HOST_CHOWN_MS;
		while ((r = docker_inspect(rt, cid, &rs)) == 0 && rs.running &&
		    mono_ms() < until)
			usleep(20000);
		if (r == 0 && (rs.running || rs.exit_code != 0))
			r = err_set(ERR_BACKEND, "chown in the volume %s",
			    rs.running ? "timed out" : "failed");
	}
	if (cid != NULL) {
		struct err_saved msg;
		err_save(&msg);
		if (docker_remove(rt, cid, 1) != 0)
			log_warn("helper container %.12s not removed yet (the "
			    "reconciler will): %s", cid, err_msg());
		if (r != 0)
			err_restore(r, &msg);
	}
	free(cid);
	free(name);
	return r;
}

/* The engine publishes ports on this host: free when a bind succeeds. */
int
docker_port_free(struct rt *rt, const char *addr, int port)
{
	struct sockaddr_in sin;
	int fd, ok, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (addr == NULL || inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ok = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return ok;
}

/* What `docker info` says of the storage: a writable layer has a size
 * limit (--storage-opt size) on btrfs, zfs, devicemapper, and overlay2 on
 * xfs mounted with pquota; not on overlay2 over ext4 and the rest. */
int
docker_disk_limit_support(struct rt *rt, char *why, size_t whysize)
{
	json_t *info = NULL, *ds, *row;
	const char *drv, *backing = "";
	long st = 0;
	size_t i;
	int r;

	if ((r = dc_request(docker_rt_client(rt), "GET", "/info", NULL, 0,
	    &st, &info, NULL)) != 0 || st != 200) {
		if (r == 0)
			r = dc_error(st, info, "cannot read docker engine "
			    "info");
		json_decref(info);
		if (why != NULL)
			snprintf(why, whysize, "%s", err_msg());
		return r;
	}
	drv = json_string_value(json_object_get(info, "Driver"));
	ds = json_object_get(info, "DriverStatus");
	json_array_foreach(ds, i, row) {
		const char *k = json_string_value(json_array_get(row, 0));
		if (k != NULL && strcmp(k, "Backing Filesystem") == 0 &&
		    json_string_value(json_array_get(row, 1)) != NULL)
			backing = json_string_value(json_array_get(row, 1));
	}
	if (drv == NULL)
		drv = "";
	r = strcmp(drv, "btrfs") == 0 || strcmp(drv, "zfs") == 0 ||
	    strcmp(drv, "devicemapper") == 0 ||
	    (strcmp(drv, "overlay2") == 0 && strcmp(backing, "xfs") == 0);
	if (why != NULL && r)
		snprintf(why, whysize, "storage driver %s%s%s can limit a "
		    "container's writable layer%s", drv, *backing ? " on " :
		    "", backing, strcmp(drv, "overlay2") == 0 ? " (when the "
		    "xfs is mounted with pquota)" : "");
	else if (why != NULL)
		snprintf(why, whysize, "storage driver %s%s%s cannot limit a "
		    "container's writable layer (it takes btrfs, zfs, "
		    "devicemapper, or overlay2 on xfs with pquota)", drv,
		    *backing ? " on " : "", backing);
	json_decref(info);
	return r;
}
