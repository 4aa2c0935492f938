/* test-rt-contract.c: the contract of rt.h that every runtime backend
 * passes (Docker here, against the real dockerd; a Swarm or Kubernetes
 * backend runs the same checks with its kind in BERTH_RT_KIND): create,
 * start, inspect, stop, remove in neutral states; ownership given back by
 * rt_list; limits; a volume mounted and chowned; errors for missing
 * objects; what rt_caps() says the backend can do, it does, and what it
 * says it cannot is refused. Only rt.h is used. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"
#include "xmalloc.h"

#include "test-docker-util.h"

/* A port on 127.0.0.1 held by a listening socket here (*fd). */
static int
port_hold(int *fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE((*fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	REQUIRE(bind(*fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	REQUIRE(listen(*fd, 1) == 0);
	REQUIRE(getsockname(*fd, (struct sockaddr *)&sin, &len) == 0);
	return ntohs(sin.sin_port);
}

/* The capabilities the backend claims, checked without the container of
 * main(): ports and GPU counts it refuses or honours as it says. */
static void
caps_check(struct rt *rt, const char *name, const char *inst,
    const char *wsid)
{
	static const char *const cmd[] = { "sleep", "1000", NULL };
	unsigned caps = rt_caps(rt);
	struct rt_port port = { 22, 0, "127.0.0.1" };
	struct rt_spec s;
	struct rt_state st;
	char *id = NULL;
	int fd, p;

	memset(&s, 0, sizeof s);
	s.name = name;
	s.image = TEST_IMAGE;
	s.network = "none";
	s.installation = inst;
	s.workspace_id = wsid;
	s.owner = "alice";
	s.ws_name = "caps";

	/* A port held here is not free to publish; given back, it is.
	 * Without publishing, none is, and a spec asking for one fails. */
	p = port_hold(&fd);
	CHECK_EQ(rt_port_free(rt, "127.0.0.1", p), 0);
	close(fd);
	if (caps & RT_CAP_PUBLISHES_PORTS) {
		/* Published by a running container, it is taken. */
		CHECK_EQ(rt_port_free(rt, "127.0.0.1", p), 1);
		port.host_port = p;
		s.ports = &port;
		s.nports = 1;
		s.cmd = cmd;
		s.network = NULL;
		if (rt_create(rt, &s, &id) == 0) {
			CHECK_EQ(rt_start(rt, id), 0);
			CHECK_EQ(rt_port_free(rt, "127.0.0.1", p), 0);
			CHECK_EQ(rt_remove(rt, id, 1), 0);
		} else
			CHECK(!"a container publishing a port was made");
		free(id);
		id = NULL;
		s.ports = NULL;
		s.nports = 0;
		s.cmd = NULL;
		s.network = "none";
	} else {
		CHECK_EQ(rt_port_free(rt, "127.0.0.1", p), 0);
		port.host_port = p;
		s.ports = &port;
		s.nports = 1;
		CHECK_EQ(rt_create(rt, &s, &id), ERR_UNSAT);
		CHECK(id == NULL);
		CHECK_EQ(rt_inspect(rt, name, &st), ERR_NOTFOUND);
		s.ports = NULL;
		s.nports = 0;
	}

	/* A count of GPUs is only for a backend that places them. */
	if (!(caps & RT_CAP_SCHEDULES_GPUS)) {
		s.gpu_resource = RT_GPU_RESOURCE;
		s.gpu_count = 1;
		CHECK_EQ(rt_create(rt, &s, &id), ERR_UNSAT);
		CHECK(id == NULL);
		CHECK_EQ(rt_inspect(rt, name, &st), ERR_NOTFOUND);
	}
	free(id);
}

int
main(void)
{
	const char *kind = getenv("BERTH_RT_KIND") ? getenv("BERTH_RT_KIND") :
	    "docker";
	const char *cmd[] = { "sleep", "1000", NULL };
	char inst[40], wsid[40], *name, *vol, *id = NULL;
	struct rt_mount m[2];
	char *dir, *bvol;
	size_t nm = 1;
	struct rt_spec s;
	struct rt_state st;
	struct rt_container *list = NULL;
	struct rt *rt;
	json_t *j = NULL;
	size_t n = 0, found = 0;

	test_image_ensure();
	snprintf(inst, sizeof inst, "contract-%d", (int)getpid());
	snprintf(wsid, sizeof wsid, "ws-%d", (int)getpid());
	name = xasprintf("berthtest-contract-%d", (int)getpid());
	vol = xasprintf("berthtest-contract-vol-%d", (int)getpid());
	REQUIRE(rt_new("no-such-kind", NULL) == NULL);
	REQUIRE((rt = rt_new(kind, getenv("BERTH_DOCKER_HOST"))) != NULL);
	CHECK(strcmp(rt_name(rt), kind) == 0);
	CHECK_EQ(rt_ping(rt), 0);

	/* Missing objects are ERR_NOTFOUND, removal of one is not an error. */
	CHECK_EQ(rt_inspect(rt, "berthtest-no-such-container", &st),
	    ERR_NOTFOUND);
	CHECK_EQ(rt_start(rt, "berthtest-no-such-container"), ERR_NOTFOUND);
	CHECK_EQ(rt_remove(rt, "berthtest-no-such-container", 1), 0);
	CHECK_EQ(rt_volume_exists(rt, "berthtest-no-such-volume"),
	    ERR_NOTFOUND);
	CHECK_EQ(rt_image_exists(rt, "berthtest/no-such-image:x"),
	    ERR_NOTFOUND);

	caps_check(rt, name, inst, wsid);
	CHECK_EQ(rt_volume_create(rt, vol, NULL), 0);
	CHECK_EQ(rt_volume_exists(rt, vol), 0);
	/* A directory here backs a volume only where containers run here. */
	dir = xasprintf("/tmp/berthtest-contract-dir-%d", (int)getpid());
	bvol = xasprintf("berthtest-contract-bvol-%d", (int)getpid());
	REQUIRE(mkdir(dir, 0755) == 0);
	{
		char *f = xasprintf("%s/here", dir);
		FILE *fp = fopen(f, "w");
		REQUIRE(fp != NULL);
		fclose(fp);
		free(f);
	}
	if (rt_caps(rt) & RT_CAP_LOCAL_VOLUMES) {
		CHECK_EQ(rt_volume_create_bind(rt, bvol, NULL, dir), 0);
		m[1].volume = bvol;
		m[1].target = "/bound";
		m[1].readonly = 0;
		nm = 2;
	} else
		CHECK_EQ(rt_volume_create_bind(rt, bvol, NULL, dir), ERR_UNSAT);
	CHECK_EQ(rt_volume_chown(rt, vol, "1000:1000", TEST_IMAGE, inst,
	    wsid), 0);

	memset(&s, 0, sizeof s);
	m[0].volume = vol;
	m[0].target = "/data";
	m[0].readonly = 0;
	s.name = name;
	s.image = TEST_IMAGE;
	s.cmd = cmd;
	s.user = "1000:1000";
	s.memory = 64LL << 20;
	s.cpus = 0.5;
	s.pids_limit = 50;
	s.mounts = m;
	s.nmounts = nm;
	s.network = "none";
	s.installation = inst;
	s.workspace_id = wsid;
	s.owner = "alice";
	s.ws_name = "c1";
	REQUIRE(rt_create(rt, &s, &id) == 0);
	CHECK_EQ(rt_create(rt, &s, &(char *){ NULL }), ERR_CONFLICT);
	CHECK_EQ(rt_inspect(rt, id, &st), 0);
	CHECK(strcmp(st.status, "created") == 0 && !st.running);
	CHECK_EQ(rt_start(rt, id), 0);
	CHECK_EQ(rt_inspect(rt, id, &st), 0);
	CHECK(strcmp(st.status, "running") == 0 && st.running);
	CHECK_EQ(rt_inspect_json(rt, id, &j), 0);
	CHECK(json_is_object(j));
	json_decref(j);

	/* The listing gives back whose it is; helpers are none of ours. */
	CHECK_EQ(rt_list(rt, &list, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].instance, inst) != 0)
			continue;
		CHECK(!list[i].helper);
		CHECK(strcmp(list[i].workspace_id, wsid) == 0);
		CHECK(strcmp(list[i].status, "running") == 0);
		CHECK(list[i].created > 0);
		found++;
	}
	CHECK_EQ(found, 1);		/* the chown helper is gone */
	free(list);

	/* The volume is the user's, limits hold inside (checked with the
	 * engine's own exec there: BERTH_CONTRACT_EXEC names the command
	 * that reaches a cluster's node, "docker exec" on this host). */
	{
		const char *ex = getenv("BERTH_CONTRACT_EXEC") != NULL ?
		    getenv("BERTH_CONTRACT_EXEC") : "docker exec";
		char *c = xasprintf("%s %s sh -c 'touch /data/x && "
		    "test $(cat /sys/fs/cgroup/pids.max 2>/dev/null || "
		    "cat /sys/fs/cgroup/pids/pids.max) = 50%s'", ex, id,
		    nm > 1 ? " && test -f /bound/here" : "");
		CHECK_EQ(sh(c), 0);
		free(c);
	}

	CHECK_EQ(rt_stop(rt, id, 1), 0);
	CHECK_EQ(rt_inspect(rt, id, &st), 0);
	CHECK(strcmp(st.status, "exited") == 0 && !st.running);
	CHECK_EQ(rt_volume_remove(rt, vol), ERR_CONFLICT);
	CHECK_EQ(rt_remove(rt, id, 1), 0);
	CHECK_EQ(rt_inspect(rt, id, &st), ERR_NOTFOUND);
	CHECK_EQ(rt_volume_remove(rt, vol), 0);
	if (nm > 1)
		CHECK_EQ(rt_volume_remove(rt, bvol), 0);
	{
		char *c = xasprintf("rm -rf %s", dir);
		CHECK_EQ(sh(c), 0);
		free(c);
	}
	free(dir);
	free(bvol);
	free(id);
	free(name);
	free(vol);
	rt_free(rt);
	if (t_fails) {
		fprintf(stderr, "%d check(s) failed\n", t_fails);
		return 1;
	}
	printf("all checks passed\n");
	return 0;
}
