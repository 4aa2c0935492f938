/* test-docker-rt.c: the Docker runtime backend (rt.h) against the real
 * dockerd: hardening as the engine records it, lifecycle, volumes,
 * network, and the errors people see. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <jansson.h>

#include "buf.h"
#include "docker-client.h"
#include "docker-rt.h"
#include "rt.h"
#include "xmalloc.h"

#include "test-docker-util.h"

static char prefix[64];

static char *
tname(const char *what)
{
	return xasprintf("%s-%s", prefix, what);
}

/* A free TCP port on 127.0.0.1. */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd, port;

	REQUIRE((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	REQUIRE(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static int
json_array_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	}
	return 0;
}

static const char *
jstr(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_string_value(v) ? json_string_value(v) : "";
}

static void
test_dead_engine(void)
{
	struct rt *rt = rt_new("docker",
	    "unix:///nonexistent/berth/docker.sock");
	char *id = NULL;
	struct rt_spec s = { .name = "x", .image = TEST_IMAGE };

	REQUIRE(rt != NULL);
	CHECK_EQ(rt_ping(rt), ERR_BACKEND);
	CHECK(strstr(err_msg(), "docker engine not reachable at "
	    "unix:///nonexistent/berth/docker.sock") != NULL);
	CHECK(strstr(err_msg(), "No such file") != NULL);
	CHECK_EQ(rt_create(rt, &s, &id), ERR_BACKEND);
	CHECK(id == NULL);
	CHECK_EQ(rt_start(rt, "abc"), ERR_BACKEND);
	rt_free(rt);
	CHECK(rt_new("docker", "tcp://1.2.3.4:2375") == NULL);
	CHECK(strstr(err_msg(), "not supported") != NULL);
}

static void
test_image_and_nvidia(struct rt *rt)
{
	CHECK_EQ(rt_ping(rt), 0);
	CHECK_EQ(rt_image_exists(rt, TEST_IMAGE), 0);
	CHECK_EQ(rt_image_exists(rt, "berthtest/no-such-image:nope"),
	    ERR_NOTFOUND);
	CHECK(strstr(err_msg(), "no such image "
	    "'berthtest/no-such-image:nope'") != NULL);
	CHECK_EQ(rt_image_exists(rt, "../../containers/json"), ERR_INVAL);
	CHECK_EQ(rt_image_exists(rt, "a b"), ERR_INVAL);
	CHECK(rt_gpu_runtime(rt) >= 0);
}

static void
test_network(struct rt *rt, struct dc *dc)
{
	char *net = tname("net"), *path;
	json_t *j = NULL;
	long st = 0;

	CHECK_EQ(rt_network_ensure(rt, net), 0);
	CHECK_EQ(rt_network_ensure(rt, net), 0);	/* idempotent */
	path = xasprintf("/networks/%s", net);
	REQUIRE(dc_request(dc, "GET", path, NULL, 0, &st, &j, NULL) == 0);
	CHECK_EQ(st, 200);
	CHECK(strcmp(jstr(j, "Driver", NULL), "bridge") == 0);
	CHECK(strcmp(jstr(j, "Options",
	    "com.docker.network.bridge.enable_icc"), "false") == 0);
	CHECK(strcmp(jstr(j, "Labels", "berth"), "1") == 0);
	json_decref(j);
	/* A network that lets containers talk to each other is refused. */
	CHECK_EQ(rt_network_ensure(rt, "bridge"), ERR_CONFLICT);
	CHECK(strstr(err_msg(), "inter-container") != NULL);
	CHECK_EQ(rt_network_ensure(rt, "../x"), ERR_INVAL);
	REQUIRE(dc_request(dc, "DELETE", path, NULL, 0, &st, NULL, NULL) == 0);
	CHECK_EQ(st, 204);
	free(path);
	free(net);
}

static void
test_create_hardened(struct rt *rt, const char *net)
{
	const char *cmd[] = { "sleep", "1000", NULL };
	const char *env[] = { "FOO=bar", "NVIDIA_VISIBLE_DEVICES=all", NULL };
	const char *gpus[] = { "GPU-aaaa", "MIG-bbbb", NULL };
	const char *caps[] = { "CHOWN", NULL };
	char *name = tname("hard"), *vol = tname("hvol"), *id = NULL;
	char *lab = xasprintf("berth.workspace=%s", prefix);
	const char *labels[] = { lab, "berth.owner=alice", NULL };
	struct rt_mount m = { vol, "/workspace", 0 };
	struct rt_port ports[2] = { { 8888, free_port(), NULL },
	    { 6006, 0, NULL } };
	struct rt_spec s = {
		.name = name, .image = TEST_IMAGE, .cmd = cmd, .env = env,
		.labels = labels, .cap_add = caps, .user = "1000:1000",
		.workdir = "/tmp", .hostname = "ws1", .network = net,
		.cpus = 1.5, .memory = 256LL << 20, .pids_limit = 321,
		.mounts = &m, .nmounts = 1, .ports = ports, .nports = 2,
		.gpu_uuids = gpus, .gpu_attach = RT_GPU_ENV,
	};
	json_t *j = NULL, *hc, *cfg, *a;
	struct rt_container *list = NULL;
	struct rt_state st;
	char hp[8], *dup = NULL;
	size_t n, i;
	int found;

	REQUIRE(rt_create(rt, &s, &id) == 0);
	REQUIRE(id != NULL && strlen(id) == 64);
	REQUIRE(rt_inspect_json(rt, id, &j) == 0);
	hc = json_object_get(j, "HostConfig");
	cfg = json_object_get(j, "Config");
	a = json_object_get(hc, "CapDrop");
	CHECK(json_array_size(a) == 1 && json_array_has(a, "ALL"));
	a = json_object_get(hc, "CapAdd");
	CHECK(json_array_size(a) == 1 && json_array_has(a, "CHOWN"));
	a = json_object_get(hc, "SecurityOpt");
	CHECK(json_array_has(a, "no-new-privileges"));
	CHECK(!json_array_has(a, "seccomp=unconfined"));
	CHECK(!json_array_has(a, "seccomp:unconfined"));
	CHECK_EQ(json_integer_value(json_object_get(hc, "PidsLimit")), 321);
	CHECK_EQ(json_integer_value(json_object_get(hc, "Memory")), 256 << 20);
	CHECK_EQ(json_integer_value(json_object_get(hc, "MemorySwap")),
	    256 << 20);
	CHECK_EQ(json_integer_value(json_object_get(hc, "NanoCpus")),
	    1500000000LL);
	CHECK(json_is_true(json_object_get(hc, "Init")));
	CHECK(json_is_false(json_object_get(hc, "Privileged")));
	CHECK(json_is_false(json_object_get(hc, "ReadonlyRootfs")));
	CHECK(strcmp(jstr(hc, "NetworkMode", NULL), net) == 0);
	CHECK(strcmp(jstr(hc, "PidMode", NULL), "") == 0);
	CHECK(strcmp(jstr(hc, "IpcMode", NULL), "private") == 0);
	CHECK(strcmp(jstr(hc, "UTSMode", NULL), "") == 0);
	CHECK(strcmp(jstr(hc, "UsernsMode", NULL), "") == 0);
	CHECK(json_array_size(json_object_get(hc, "Devices")) == 0);
	CHECK(json_array_size(json_object_get(hc, "DeviceRequests")) == 0);
	a = json_object_get(hc, "Mounts");
	CHECK(json_array_size(a) == 1);
	CHECK(strcmp(jstr(json_array_get(a, 0), "Type", NULL), "volume") == 0);
	CHECK(strcmp(jstr(json_array_get(a, 0), "Source", NULL), vol) == 0);
	CHECK(strcmp(jstr(json_array_get(a, 0), "Target", NULL),
	    "/workspace") == 0);
	CHECK(json_array_size(json_object_get(hc, "Binds")) == 0);
	a = json_object_get(json_object_get(hc, "PortBindings"), "8888/tcp");
	CHECK(json_array_size(a) == 1);
	snprintf(hp, sizeof hp, "%d", ports[0].host_port);
	CHECK(strcmp(jstr(json_array_get(a, 0), "HostIp", NULL),
	    "127.0.0.1") == 0);
	CHECK(strcmp(jstr(json_array_get(a, 0), "HostPort", NULL), hp) == 0);
	CHECK(json_object_get(json_object_get(hc, "PortBindings"),
	    "6006/tcp") == NULL);
	CHECK(strcmp(jstr(cfg, "Labels", "berth.workspace"), prefix) == 0);
	CHECK(strcmp(jstr(cfg, "Labels", "berth.owner"), "alice") == 0);
	CHECK(strcmp(jstr(cfg, "User", NULL), "1000:1000") == 0);
	CHECK(strcmp(jstr(cfg, "WorkingDir", NULL), "/tmp") == 0);
	CHECK(strcmp(jstr(cfg, "Hostname", NULL), "ws1") == 0);
	a = json_object_get(cfg, "Env");
	CHECK(json_array_has(a, "FOO=bar"));
	CHECK(json_array_has(a, "NVIDIA_VISIBLE_DEVICES=GPU-aaaa,MIG-bbbb"));
	CHECK(!json_array_has(a, "NVIDIA_VISIBLE_DEVICES=all"));
	a = json_object_get(cfg, "Cmd");
	CHECK(json_array_size(a) == 2 && json_array_has(a, "sleep"));
	CHECK(json_is_false(json_object_get(cfg, "Tty")));
	CHECK(json_is_false(json_object_get(cfg, "OpenStdin")));
	json_decref(j);

	/* Listed by label. */
	REQUIRE(rt_list(rt, &list, &n) == 0);
	found = 0;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0 &&
		    strcmp(list[i].workspace_id, prefix) == 0 &&
		    strcmp(list[i].status, "created") == 0)
			found = 1;
	CHECK(found);
	free(list);

	/* A second container with the same name is a conflict. */
	CHECK_EQ(rt_create(rt, &s, &dup), ERR_CONFLICT);
	CHECK(strstr(err_msg(), name) != NULL);
	CHECK(dup == NULL);

	/* Lifecycle. */
	CHECK_EQ(rt_start(rt, id), 0);
	CHECK_EQ(rt_start(rt, id), 0);		/* already started: fine */
	CHECK_EQ(rt_inspect(rt, id, &st), 0);
	CHECK(st.running && strcmp(st.status, "running") == 0 && st.pid > 0);
	CHECK(st.started_at[0] != '\0');
	/* The volume is in use now. */
	CHECK_EQ(rt_volume_remove(rt, vol), ERR_CONFLICT);
	CHECK(strstr(err_msg(), "in use") != NULL);
	CHECK_EQ(rt_stop(rt, id, 5), 0);
	CHECK_EQ(rt_inspect(rt, id, &st), 0);
	CHECK(!st.running && strcmp(st.status, "exited") == 0);
	CHECK_EQ(rt_restart(rt, id, 5), 0);
	CHECK_EQ(rt_inspect(rt, id, &st), 0);
	CHECK(st.running);
	CHECK_EQ(rt_remove(rt, id, 0), ERR_CONFLICT);	/* running */
	CHECK_EQ(rt_remove(rt, id, 1), 0);
	CHECK_EQ(rt_inspect(rt, id, &st), ERR_NOTFOUND);
	CHECK(strstr(err_msg(), "no such container") != NULL);
	CHECK_EQ(rt_remove(rt, id, 1), 0);	/* gone is fine */
	CHECK_EQ(rt_start(rt, id), ERR_NOTFOUND);
	CHECK_EQ(rt_volume_remove(rt, vol), 0);
	free(id);
	free(name);
	free(vol);
	free(lab);
}

static void
test_create_errors(struct rt *rt, struct dc *dc)
{
	char *name = tname("noimg"), *id = NULL, *path;
	const char *gpus[] = { "GPU-1", NULL };
	const char *bad_gpus[] = { "all", NULL };
	struct rt_spec s = { .name = name,
	    .image = "berthtest/no-such-image:nope" };
	long st = 0;

	CHECK_EQ(rt_create(rt, &s, &id), ERR_NOTFOUND);
	CHECK(strstr(err_msg(), "no such image "
	    "'berthtest/no-such-image:nope'") != NULL);
	CHECK(id == NULL);
	path = xasprintf("/containers/%s/json", name);
	REQUIRE(dc_request(dc, "GET", path, NULL, 0, &st, NULL, NULL) == 0);
	CHECK_EQ(st, 404);		/* nothing half-created */
	free(path);

	s.image = TEST_IMAGE;
	s.name = "../evil";
	CHECK_EQ(rt_create(rt, &s, &id), ERR_INVAL);
	s.name = name;
	s.network = "berthtest-no-such-network";
	CHECK_EQ(rt_create(rt, &s, &id), ERR_NOTFOUND);
	s.network = NULL;
	s.gpu_uuids = bad_gpus;
	CHECK_EQ(rt_create(rt, &s, &id), ERR_INVAL);
	s.memory = -1;
	s.gpu_uuids = NULL;
	CHECK_EQ(rt_create(rt, &s, &id), ERR_INVAL);
	s.memory = 0;
	if (rt_gpu_runtime(rt) == 0) {
		s.gpu_uuids = gpus;
		s.gpu_attach = RT_GPU_RUNTIME;
		CHECK_EQ(rt_create(rt, &s, &id), ERR_UNSAT);
		CHECK(strstr(err_msg(), "gpu_attach=env") != NULL);
	}
	CHECK(id == NULL);
	free(name);
}

static void
test_no_gpu_env(struct rt *rt)
{
	const char *env[] = { "NVIDIA_VISIBLE_DEVICES=all", NULL };
	char *name = tname("nogpu"), *id = NULL;
	struct rt_spec s = { .name = name, .image = TEST_IMAGE, .env = env };
	json_t *j = NULL, *a;

	REQUIRE(rt_create(rt, &s, &id) == 0);
	REQUIRE(rt_inspect_json(rt, id, &j) == 0);
	a = json_object_get(json_object_get(j, "Config"), "Env");
	CHECK(json_array_has(a, "NVIDIA_VISIBLE_DEVICES=void"));
	CHECK(!json_array_has(a, "NVIDIA_VISIBLE_DEVICES=all"));
	/* Defaults still hardened. */
	CHECK(json_integer_value(json_object_get(json_object_get(j,
	    "HostConfig"), "PidsLimit")) > 0);
	json_decref(j);
	CHECK_EQ(rt_remove(rt, id, 1), 0);
	free(id);
	free(name);
}

/* GPU attach with the NVIDIA runtime: the body this host cannot start. */
static void
test_gpu_body(void)
{
	const char *gpus[] = { "GPU-1111", "MIG-2222", NULL };
	struct rt_spec s = { .name = "g", .image = TEST_IMAGE,
	    .gpu_uuids = gpus, .gpu_attach = RT_GPU_RUNTIME };
	json_t *b = docker_create_body(&s), *dr, *e;

	dr = json_array_get(json_object_get(json_object_get(b, "HostConfig"),
	    "DeviceRequests"), 0);
	CHECK(strcmp(jstr(dr, "Driver", NULL), "nvidia") == 0);
	e = json_object_get(dr, "DeviceIDs");
	CHECK(json_array_size(e) == 2 && json_array_has(e, "GPU-1111") &&
	    json_array_has(e, "MIG-2222"));
	e = json_array_get(json_object_get(dr, "Capabilities"), 0);
	CHECK(json_array_size(e) == 1 && json_array_has(e, "gpu"));
	CHECK_EQ(json_integer_value(json_object_get(dr, "Count")), 0);
	e = json_object_get(b, "Env");
	CHECK(json_array_has(e, "NVIDIA_VISIBLE_DEVICES=GPU-1111,MIG-2222"));
	json_decref(b);
	/* Env mode: no DeviceRequests at all. */
	s.gpu_attach = RT_GPU_ENV;
	b = docker_create_body(&s);
	CHECK(json_object_get(json_object_get(b, "HostConfig"),
	    "DeviceRequests") == NULL);
	CHECK(json_array_has(json_object_get(b, "Env"),
	    "NVIDIA_VISIBLE_DEVICES=GPU-1111,MIG-2222"));
	json_decref(b);
}

/* Two containers publishing the same host port: the second start is a
 * conflict that says why, and leaves the container for a later retry. */
static void
test_port_clash(struct rt *rt)
{
	char *n1 = tname("p1"), *n2 = tname("p2"), *a = NULL, *b = NULL;
	struct rt_port port = { 80, free_port(), NULL };
	struct rt_spec s = { .name = n1, .image = TEST_IMAGE, .ports = &port,
	    .nports = 1 };

	REQUIRE(rt_create(rt, &s, &a) == 0);
	s.name = n2;
	REQUIRE(rt_create(rt, &s, &b) == 0);
	CHECK_EQ(rt_start(rt, a), 0);
	CHECK_EQ(rt_start(rt, b), ERR_CONFLICT);
	CHECK(strstr(err_msg(), "port") != NULL);
	CHECK_EQ(rt_remove(rt, a, 1), 0);
	CHECK_EQ(rt_remove(rt, b, 1), 0);
	free(a);
	free(b);
	free(n1);
	free(n2);
}

static void
test_volumes(struct rt *rt, struct dc *dc)
{
	char *vol = tname("vol"), *path;
	const char *labels[] = { "berth.owner=alice", "berth=1", NULL };
	json_t *j = NULL;
	long st = 0;

	CHECK_EQ(rt_volume_exists(rt, vol), ERR_NOTFOUND);
	CHECK_EQ(rt_volume_create(rt, vol, labels), 0);
	CHECK_EQ(rt_volume_create(rt, vol, labels), 0);	/* idempotent */
	CHECK_EQ(rt_volume_exists(rt, vol), 0);
	path = xasprintf("/volumes/%s", vol);
	REQUIRE(dc_request(dc, "GET", path, NULL, 0, &st, &j, NULL) == 0);
	CHECK(strcmp(jstr(j, "Labels", "berth.owner"), "alice") == 0);
	json_decref(j);
	free(path);
	CHECK_EQ(rt_volume_remove(rt, vol), 0);
	CHECK_EQ(rt_volume_exists(rt, vol), ERR_NOTFOUND);
	CHECK_EQ(rt_volume_remove(rt, vol), 0);		/* gone is fine */
	CHECK_EQ(rt_volume_create(rt, "/etc", labels), ERR_INVAL);
	free(vol);
}

int
main(void)
{
	struct rt *rt;
	struct dc *dc;
	char *net, *cmd;

	snprintf(prefix, sizeof prefix, "berthtest-dkrt-%ld", (long)getpid());
	test_image_ensure();
	REQUIRE((rt = rt_new("docker", getenv("BERTH_DOCKER_HOST"))) != NULL);
	dc = docker_rt_client(rt);
	REQUIRE(rt_ping(rt) == 0);
	CHECK(strcmp(rt_name(rt), "docker") == 0);

	test_dead_engine();
	test_image_and_nvidia(rt);
	test_network(rt, dc);
	test_volumes(rt, dc);
	test_gpu_body();
	test_port_clash(rt);
	net = tname("wsnet");
	REQUIRE(rt_network_ensure(rt, net) == 0);
	test_create_hardened(rt, net);
	test_create_errors(rt, dc);
	test_no_gpu_env(rt);

	/* Clean up whatever a failed check left behind. */
	cmd = xasprintf("docker ps -aq --filter name=%s | xargs -r docker rm "
	    "-f >/dev/null; docker volume ls -q --filter name=%s | xargs -r "
	    "docker volume rm >/dev/null; docker network rm %s >/dev/null",
	    prefix, prefix, net);
	CHECK_EQ(sh(cmd), 0);
	free(cmd);
	free(net);
	rt_free(rt);
	if (t_fails)
		fprintf(stderr, "%d check(s) failed\n", t_fails);
	else
		printf("test-docker-rt: ok\n");
	return t_fails ? 1 : 0;
}
