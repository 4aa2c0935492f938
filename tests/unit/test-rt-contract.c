/* test-rt-contract.c: the contract of rt.h that every runtime backend
 * passes (Docker here, against the real dockerd; a Swarm or Kubernetes
 * backend runs the same checks with its kind in BERTH_RT_KIND): create,
 * start, inspect, stop, remove in neutral states; ownership given back by
 * rt_list; limits; a volume mounted and chowned; errors for missing
 * objects. Only rt.h is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"
#include "xmalloc.h"

#include "test-docker-util.h"

int
main(void)
{
	const char *kind = getenv("BERTH_RT_KIND") ? getenv("BERTH_RT_KIND") :
	    "docker";
	const char *cmd[] = { "sleep", "1000", NULL };
	char inst[40], wsid[40], *name, *vol, *id = NULL;
	struct rt_mount m;
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

	CHECK_EQ(rt_volume_create(rt, vol, NULL), 0);
	CHECK_EQ(rt_volume_exists(rt, vol), 0);
	CHECK_EQ(rt_volume_chown(rt, vol, "1000:1000", TEST_IMAGE, inst,
	    wsid), 0);

	memset(&s, 0, sizeof s);
	m.volume = vol;
	m.target = "/data";
	m.readonly = 0;
	s.name = name;
	s.image = TEST_IMAGE;
	s.cmd = cmd;
	s.user = "1000:1000";
	s.memory = 64LL << 20;
	s.cpus = 0.5;
	s.pids_limit = 50;
	s.mounts = &m;
	s.nmounts = 1;
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
		    "cat /sys/fs/cgroup/pids/pids.max) = 50'", ex, id);
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
