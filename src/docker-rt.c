/* docker-rt.c: the runtime backend (rt.h) on the Docker Engine API:
 * hardened workspace containers (SPEC §8), volumes, the workspace network.
 * Any thread: struct rt is read-only after rt_docker_new and the client
 * (docker-client.c) is thread-safe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "buf.h"
#include "docker-client.h"
#include "docker-rt.h"
#include "err.h"
#include "log.h"
#include "rt.h"
#include "xmalloc.h"

#define RT_PIDS_DEFAULT		4096
#define RT_LOG_MAX_SIZE		(10LL << 20)	/* json-file rotation */
#define RT_LOG_MAX_FILES	3
#define RT_STOP_MARGIN_MS	15000
/* Where the backend records rt_spec's owner fields: container labels. */
#define RT_LABEL_WORKSPACE	"berth.workspace"
#define RT_LABEL_INSTANCE	"berth.instance"
#define RT_LABEL_OWNER		"berth.owner"
#define RT_LABEL_NAME		"berth.name"
#define RT_LABEL_HELPER		"berth.helper"

/* The engine client of the backend. */
static struct dc *
DC(struct rt *rt)
{
	return ((struct docker_rt *)rt)->dc;
}

/* Container ids, container/volume/network names: [A-Za-z0-9][A-Za-z0-9_.-]*. */
int
docker_safe_name(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0' || *s == '.' || *s == '-' || *s == '_')
		return 0;
	for (; *s != '\0'; s++, n++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return n <= 255;
}

/* Image references: name[:tag][@digest], charset only (the engine parses). */
static int
safe_image(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0' || *s == '/' || *s == ':' || *s == '-')
		return 0;
	for (; *s != '\0'; s++, n++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-' || c == '/' || c == ':' || c == '@'))
			return 0;
		if (c == '.' && s[1] == '.')
			return 0;
	}
	return n <= 255;
}

static int
check_name(const char *what, const char *s)
{
	if (!docker_safe_name(s))
		return err_set(ERR_INVAL, "invalid %s name '%.64s'", what,
		    s ? s : "");
	return 0;
}

/* One request whose answer must be 2xx (or 304 when ok304): 0, or the
 * mapped error with what as its message. */
static int
dcall(struct rt *rt, const char *method, const char *path, json_t *body,
    long timeout_ms, int ok304, const char *what, json_t **resp)
{
	json_t *j = NULL;
	long st = 0;
	int r;

	if ((r = dc_request(DC(rt), method, path, body, timeout_ms, &st, &j,
	    NULL)) != 0)
		return r;
	if ((st >= 200 && st < 300) || (ok304 && st == 304)) {
		if (resp != NULL)
			*resp = j;
		else
			json_decref(j);
		return 0;
	}
	r = dc_error(st, j, what);
	json_decref(j);
	return r;
}

int
docker_ping(struct rt *rt)
{
	struct buf *raw = NULL;
	long st = 0;
	int r;

	if ((r = dc_request(DC(rt), "GET", "/_ping", NULL, 5000, &st, NULL,
	    &raw)) != 0)
		return r;
	if (st != 200)
		r = err_set(ERR_BACKEND, "docker engine at %s answered ping "
		    "with HTTP %ld", dc_host(DC(rt)), st);
	buf_free(raw);
	return r;
}

int
docker_image_exists(struct rt *rt, const char *image)
{
	char *path, *what;
	int r;

	if (!safe_image(image))
		return err_set(ERR_INVAL, "invalid image reference '%.64s'",
		    image ? image : "");
	path = xasprintf("/images/%s/json", image);
	what = xasprintf("no such image '%s'", image);
	r = dcall(rt, "GET", path, NULL, 0, 0, what, NULL);
	free(path);
	free(what);
	return r;
}

int
docker_gpu_runtime(struct rt *rt)
{
	json_t *info = NULL, *rts;
	int r;

	if ((r = dcall(rt, "GET", "/info", NULL, 0, 0,
	    "cannot read docker engine info", &info)) != 0)
		return r;
	rts = json_object_get(info, "Runtimes");
	r = json_is_object(rts) && json_object_get(rts, "nvidia") != NULL;
	json_decref(info);
	return r;
}

int
docker_network_ensure(struct rt *rt, const char *name)
{
	json_t *net = NULL, *body = NULL;
	const char *icc, *drv;
	char *path = NULL, *what = NULL;
	long st = 0;
	int r;

	if ((r = check_name("network", name)) != 0)
		return r;
	path = xasprintf("/networks/%s", name);
	what = xasprintf("cannot inspect network '%s'", name);
	if ((r = dc_request(DC(rt), "GET", path, NULL, 0, &st, &net,
	    NULL)) != 0)
		goto out;
	if (st == 404) {
		json_decref(net);
		net = NULL;
		body = json_pack("{s:s, s:s, s:b, s:{s:s}, s:{s:s}}",
		    "Name", name, "Driver", "bridge", "CheckDuplicate", 1,
		    "Options", "com.docker.network.bridge.enable_icc", "false",
		    "Labels", "berth", "1");
		free(what);
		what = xasprintf("cannot create network '%s'", name);
		r = dcall(rt, "POST", "/networks/create", body, 0, 0, what,
		    NULL);
		if (r == ERR_CONFLICT) {	/* created meanwhile */
			err_clear();
			r = docker_network_ensure(rt, name);
		}
		goto out;
	}
	if (st != 200) {
		r = dc_error(st, net, what);
		goto out;
	}
	drv = json_string_value(json_object_get(net, "Driver"));
	icc = json_string_value(json_object_get(json_object_get(net,
	    "Options"), "com.docker.network.bridge.enable_icc"));
	if (drv == NULL || strcmp(drv, "bridge") != 0 || icc == NULL ||
	    strcmp(icc, "false") != 0) {
		r = err_set(ERR_CONFLICT, "network '%s' exists but is not a "
		    "bridge with inter-container traffic disabled; remove it "
		    "(docker network rm %s) or configure another name", name,
		    name);
		goto out;
	}
 out:
	json_decref(net);
	json_decref(body);
	free(path);
	free(what);
	return r;
}

/* {"k":"v"} from "k=v" strings and, with s, the spec's owner fields. */
static json_t *
labels_object_spec(const char *const *labels, const struct rt_spec *s)
{
	json_t *o = json_object();
	const char *eq;

	if (s != NULL && s->workspace_id != NULL)
		json_object_set_new(o, RT_LABEL_WORKSPACE,
		    json_string(s->workspace_id));
	if (s != NULL && s->owner != NULL)
		json_object_set_new(o, RT_LABEL_OWNER, json_string(s->owner));
	if (s != NULL && s->ws_name != NULL)
		json_object_set_new(o, RT_LABEL_NAME, json_string(s->ws_name));
	if (s != NULL && s->installation != NULL)
		json_object_set_new(o, RT_LABEL_INSTANCE,
		    json_string(s->installation));
	if (s != NULL && s->helper)
		json_object_set_new(o, RT_LABEL_HELPER, json_string("1"));
	for (; labels != NULL && *labels != NULL; labels++) {
		char *k;
		if ((eq = strchr(*labels, '=')) == NULL) {
			json_object_set_new(o, *labels, json_string(""));
			continue;
		}
		k = xstrndup(*labels, (size_t)(eq - *labels));
		json_object_set_new(o, k, json_string(eq + 1));
		free(k);
	}
	return o;
}

/* {"k":"v"} from "k=v" strings. */
static json_t *
labels_object(const char *const *labels)
{
	return labels_object_spec(labels, NULL);
}

static json_t *
string_array(const char *const *v)
{
	json_t *a = json_array();

	for (; v != NULL && *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int
docker_volume_create(struct rt *rt, const char *name, const char *const *labels)
{
	json_t *body;
	char *what;
	int r;

	if ((r = check_name("volume", name)) != 0)
		return r;
	body = json_pack("{s:s, s:s, s:o}", "Name", name, "Driver", "local",
	    "Labels", labels_object(labels));
	what = xasprintf("cannot create volume '%s'", name);
	r = dcall(rt, "POST", "/volumes/create", body, 0, 0, what, NULL);
	json_decref(body);
	free(what);
	return r;
}

int
docker_volume_create_bind(struct rt *rt, const char *name,
    const char *const *labels, const char *dir)
{
	json_t *body;
	char *what;
	int r;

	if ((r = check_name("volume", name)) != 0)
		return r;
	body = json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s}}", "Name", name,
	    "Driver", "local", "Labels", labels_object(labels), "DriverOpts",
	    "type", "none", "o", "bind", "device", dir);
	what = xasprintf("cannot create volume '%s'", name);
	r = dcall(rt, "POST", "/volumes/create", body, 0, 0, what, NULL);
	json_decref(body);
	free(what);
	return r;
}

int
docker_volume_remove(struct rt *rt, const char *name)
{
	json_t *j = NULL;
	char *path;
	long st = 0;
	int r;

	if ((r = check_name("volume", name)) != 0)
		return r;
	path = xasprintf("/volumes/%s", name);
	r = dc_request(DC(rt), "DELETE", path, NULL, 0, &st, &j, NULL);
	free(path);
	if (r != 0)
		goto out;
	if (st == 204 || st == 200 || st == 404)
		goto out;
	if (st == 409)
		r = err_set(ERR_CONFLICT, "volume '%s' is in use by a "
		    "container; delete or redeploy the workspace using it "
		    "first (docker: %s)", name, dc_message(j));
	else {
		char *what = xasprintf("cannot remove volume '%s'", name);
		r = dc_error(st, j, what);
		free(what);
	}
 out:
	json_decref(j);
	return r;
}

int
docker_volume_exists(struct rt *rt, const char *name)
{
	char *path, *what;
	int r;

	if ((r = check_name("volume", name)) != 0)
		return r;
	path = xasprintf("/volumes/%s", name);
	what = xasprintf("no such volume '%s'", name);
	r = dcall(rt, "GET", path, NULL, 0, 0, what, NULL);
	free(path);
	free(what);
	return r;
}

/* Env from the spec with NVIDIA_VISIBLE_DEVICES replaced by ours: the
 * uuids, or "void" without a GPU so an image's ENV (CUDA images say
 * "all") never exposes every GPU. */
static json_t *
env_array(const struct rt_spec *s)
{
	static const char nvd[] = "NVIDIA_VISIBLE_DEVICES=";
	json_t *a = json_array();
	struct buf *b;
	const char *const *e;

	for (e = s->env; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, nvd, sizeof nvd - 1) == 0 ||
		    strncmp(*e, "NVIDIA_VISIBLE_DEVICES", 23) == 0)
			continue;
		json_array_append_new(a, json_string(*e));
	}
	b = buf_new(0);
	buf_append(b, nvd, sizeof nvd - 1);
	if (s->gpu_uuids == NULL || s->gpu_uuids[0] == NULL)
		buf_appendf(b, "void");
	for (e = s->gpu_uuids; e != NULL && *e != NULL; e++)
		buf_appendf(b, "%s%s", e == s->gpu_uuids ? "" : ",", *e);
	json_array_append_new(a, json_string(buf_data(b)));
	buf_free(b);
	return a;
}

static int
spec_check(const struct rt_spec *s)
{
	const char *const *e;
	int r;

	if ((r = check_name("container", s->name)) != 0)
		return r;
	if (!safe_image(s->image))
		return err_set(ERR_INVAL, "invalid image reference '%.64s'",
		    s->image ? s->image : "");
	if (s->network != NULL && (r = check_name("network", s->network)) != 0)
		return r;
	if (s->cpus < 0 || s->memory < 0 || s->pids_limit < 0)
		return err_set(ERR_INVAL, "negative resource limit");
	if (s->memory != 0 && s->memory < 6 * 1024 * 1024)
		return err_set(ERR_INVAL, "memory limit %lld is below the "
		    "engine's minimum of 6 MiB", (long long)s->memory);
	for (size_t i = 0; i < s->nmounts; i++) {
		if ((r = check_name("volume", s->mounts[i].volume)) != 0)
			return r;
		if (s->mounts[i].target == NULL || *s->mounts[i].target != '/')
			return err_set(ERR_INVAL, "mount target must be an "
			    "absolute path");
	}
	for (size_t i = 0; i < s->nports; i++)
		if (s->ports[i].container_port < 1 ||
		    s->ports[i].container_port > 65535 ||
		    s->ports[i].host_port < 0 || s->ports[i].host_port > 65535)
			return err_set(ERR_INVAL, "invalid port mapping %d:%d",
			    s->ports[i].host_port, s->ports[i].container_port);
	for (e = s->gpu_uuids; e != NULL && *e != NULL; e++)
		if (!docker_safe_name(*e) || strcasecmp(*e, "all") == 0)
			return err_set(ERR_INVAL, "invalid GPU uuid '%.64s'",
			    *e);
	return 0;
}

/* The create body: SPEC §8 hardening plus the spec's settings. */
json_t *
docker_create_body(const struct rt_spec *s)
{
	json_t *c, *hc, *mounts, *exposed, *bindings;
	char num[32], num2[16];

	hc = json_pack("{s:[s], s:o, s:[s], s:I, s:b, s:b, s:b, s:s, s:s, "
	    "s:{s:s, s:i}}",
	    "CapDrop", "ALL",
	    "CapAdd", string_array(s->cap_add),
	    "SecurityOpt", "no-new-privileges",
	    "PidsLimit", (json_int_t)(s->pids_limit > 0 ? s->pids_limit :
	    RT_PIDS_DEFAULT),
	    "Init", 1,
	    "Privileged", 0,
	    "ReadonlyRootfs", 0,
	    "NetworkMode", s->network != NULL ? s->network : "bridge",
	    "IpcMode", "private",
	    "RestartPolicy", "Name", "no", "MaximumRetryCount", 0);
	if (s->memory > 0) {
		json_object_set_new(hc, "Memory", json_integer(s->memory));
		json_object_set_new(hc, "MemorySwap", json_integer(s->memory));
	}
	if (s->cpus > 0)
		json_object_set_new(hc, "NanoCpus",
		    json_integer((json_int_t)(s->cpus * 1e9)));
	mounts = json_array();
	for (size_t i = 0; i < s->nmounts; i++) {
		json_t *m = json_pack("{s:s, s:s, s:s, s:b}",
		    "Type", "volume", "Source", s->mounts[i].volume,
		    "Target", s->mounts[i].target,
		    "ReadOnly", s->mounts[i].readonly != 0);
		/* A volume at the working directory: the engine makes that
		 * directory (root, 0755) and would copy its owner onto the
		 * empty volume, undoing the volume's owner. */
		if (s->workdir != NULL && strcmp(s->workdir,
		    s->mounts[i].target) == 0)
			json_object_set_new(m, "VolumeOptions",
			    json_pack("{s:b}", "NoCopy", 1));
		json_array_append_new(mounts, m);
	}
	for (size_t i = 0; i < s->nbinds; i++)
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b}",
		    "Type", "bind", "Source", s->binds[i].source,
		    "Target", s->binds[i].target,
		    "ReadOnly", s->binds[i].readonly != 0));
	json_object_set_new(hc, "Mounts", mounts);
	exposed = json_object();
	bindings = json_object();
	for (size_t i = 0; i < s->nports; i++) {
		char key[16], hp[8];
		const struct rt_port *p = &s->ports[i];

		snprintf(key, sizeof key, "%d/tcp", p->container_port);
		json_object_set_new(exposed, key, json_object());
		if (p->host_port == 0)
			continue;
		snprintf(hp, sizeof hp, "%d", p->host_port);
		json_object_set_new(bindings, key, json_pack("[{s:s, s:s}]",
		    "HostIp", p->host_ip != NULL ? p->host_ip : "127.0.0.1",
		    "HostPort", hp));
	}
	json_object_set_new(hc, "PortBindings", bindings);
	/* Output rotated by the engine, so a chatty container cannot fill
	 * the host's disk through its log. */
	snprintf(num, sizeof num, "%lld", (long long)(s->log_max_size > 0 ?
	    s->log_max_size : RT_LOG_MAX_SIZE));
	snprintf(num2, sizeof num2, "%d", s->log_max_files > 0 ?
	    s->log_max_files : RT_LOG_MAX_FILES);
	json_object_set_new(hc, "LogConfig", json_pack("{s:s, s:{s:s, s:s}}",
	    "Type", "json-file", "Config", "max-size", num, "max-file",
	    num2));
	if (s->disk > 0) {
		snprintf(num, sizeof num, "%lld", (long long)s->disk);
		json_object_set_new(hc, "StorageOpt", json_pack("{s:s}",
		    "size", num));
	}
	if (s->gpu_attach == RT_GPU_RUNTIME && s->gpu_uuids != NULL &&
	    s->gpu_uuids[0] != NULL)
		json_object_set_new(hc, "DeviceRequests", json_pack(
		    "[{s:s, s:i, s:o, s:[[s]]}]", "Driver", "nvidia",
		    "Count", 0, "DeviceIDs", string_array(s->gpu_uuids),
		    "Capabilities", "gpu"));

	c = json_pack("{s:s, s:o, s:o, s:b, s:b, s:b, s:b, s:b, s:b, s:o, "
	    "s:o}",
	    "Image", s->image,
	    "Env", env_array(s),
	    "Labels", labels_object_spec(s->labels, s),
	    "Tty", 0, "OpenStdin", 0, "StdinOnce", 0,
	    "AttachStdin", 0, "AttachStdout", 0, "AttachStderr", 0,
	    "ExposedPorts", exposed,
	    "HostConfig", hc);
	if (s->cmd != NULL)
		json_object_set_new(c, "Cmd", string_array(s->cmd));
	if (s->user != NULL)
		json_object_set_new(c, "User", json_string(s->user));
	if (s->workdir != NULL)
		json_object_set_new(c, "WorkingDir", json_string(s->workdir));
	if (s->hostname != NULL)
		json_object_set_new(c, "Hostname", json_string(s->hostname));
	return c;
}

/* Puts s->entry_prefix in front of the image's entrypoint. The engine
 * drops the image's Cmd once Entrypoint is set: pass it on explicitly. */
static int
entry_wrap(struct rt *rt, const struct rt_spec *s, json_t *body)
{
	json_t *img = NULL, *cfg, *ep, *cmd, *arr;
	char *path, *what;
	size_t i;
	int r;

	path = xasprintf("/images/%s/json", s->image);
	what = xasprintf("no such image '%s'", s->image);
	r = dcall(rt, "GET", path, NULL, 0, 0, what, &img);
	free(path);
	free(what);
	if (r != 0)
		return r;
	cfg = json_object_get(img, "Config");
	arr = string_array(s->entry_prefix);
	ep = json_object_get(cfg, "Entrypoint");
	json_array_foreach(ep, i, cmd)
		json_array_append(arr, cmd);
	json_object_set_new(body, "Entrypoint", arr);
	cmd = json_object_get(cfg, "Cmd");
	if (s->cmd == NULL && json_is_array(cmd))
		json_object_set_new(body, "Cmd", json_deep_copy(cmd));
	json_decref(img);
	return 0;
}

/* After a create whose answer was lost (timeout, broken connection), the
 * engine may have made the container anyway: remove it when its labels
 * show it is the one we asked for. Keeps err_msg(). */
static void
create_cleanup(struct rt *rt, const struct rt_spec *s)
{
	struct err_saved msg;
	char *path;
	json_t *j = NULL, *labels, *want;
	const char *k;
	json_t *v;
	long st = 0;
	int same = 1;

	err_save(&msg);
	path = xasprintf("/containers/%s/json", s->name);
	if (dc_request(DC(rt), "GET", path, NULL, 0, &st, &j, NULL) != 0 ||
	    st != 200)
		goto out;
	labels = json_object_get(json_object_get(j, "Config"), "Labels");
	want = labels_object_spec(s->labels, s);
	json_object_foreach(want, k, v) {
		if (!json_equal(v, json_object_get(labels, k)))
			same = 0;
	}
	if (json_object_size(want) == 0)
		same = 0;
	json_decref(want);
	if (!same)
		goto out;
	free(path);
	path = xasprintf("/containers/%s?force=1", s->name);
	log_warn("removing half-created container %s", s->name);
	(void)dc_request(DC(rt), "DELETE", path, NULL, 0, &st, NULL, NULL);
 out:
	json_decref(j);
	free(path);
	err_restore(ERR_BACKEND, &msg);
}

int
docker_create(struct rt *rt, const struct rt_spec *s, char **idp)
{
	json_t *body = NULL, *j = NULL;
	struct buf *path = NULL;
	const char *id, *m;
	long st = 0;
	int r;

	*idp = NULL;
	if ((r = spec_check(s)) != 0)
		return r;
	/* No RT_CAP_SCHEDULES_GPUS: devices are given by uuid. */
	if (s->gpu_count > 0)
		return err_set(ERR_UNSAT, "this backend does not place GPUs "
		    "itself: give the devices (gpu_uuids), not a count of %s",
		    s->gpu_resource != NULL ? s->gpu_resource :
		    RT_GPU_RESOURCE);
	if (s->gpu_attach == RT_GPU_RUNTIME && s->gpu_uuids != NULL &&
	    s->gpu_uuids[0] != NULL &&
	    (r = docker_gpu_runtime(rt)) <= 0) {
		if (r == 0)
			r = err_set(ERR_UNSAT, "this host's docker engine has "
			    "no nvidia runtime (NVIDIA container toolkit), so "
			    "GPUs cannot be attached with DeviceRequests; "
			    "install it or set gpu_attach=env");
		return r;
	}
	/* The engine accepts an unknown network at create and fails only at
	 * start: check first. */
	if (s->network != NULL) {
		char *np = xasprintf("/networks/%s", s->network);
		char *w = xasprintf("no such network '%s'", s->network);
		r = dcall(rt, "GET", np, NULL, 0, 0, w, NULL);
		free(np);
		free(w);
		if (r != 0)
			return r;
	}
	body = docker_create_body(s);
	if (s->entry_prefix != NULL && (r = entry_wrap(rt, s, body)) != 0)
		goto out;
	path = buf_new(0);
	buf_appendf(path, "/containers/create?name=");
	dc_escape(path, s->name);
	r = dc_request(DC(rt), "POST", buf_data(path), body, 0, &st, &j, NULL);
	if (r != 0) {
		if (r == ERR_TIMEOUT || r == ERR_BACKEND)
			create_cleanup(rt, s);
		goto out;
	}
	m = dc_message(j);
	if (st == 404 && strstr(m, "image") != NULL)
		r = err_set(ERR_NOTFOUND, "no such image '%s' (docker: %s)",
		    s->image, m);
	else if (st == 404)
		r = err_set(ERR_NOTFOUND, "cannot create container '%s' "
		    "(docker: %s)", s->name, m);
	else if (st == 409)
		r = err_set(ERR_CONFLICT, "container name '%s' is already in "
		    "use (docker: %s)", s->name, m);
	else if (st != 201)
		r = err_set(st == 400 ? ERR_INVAL : ERR_BACKEND, "cannot "
		    "create container '%s' (docker: %s)", s->name, m);
	if (r != 0) {
		if (st >= 500)
			create_cleanup(rt, s);
		goto out;
	}
	id = json_string_value(json_object_get(j, "Id"));
	if (id == NULL || !docker_safe_name(id)) {
		r = err_set(ERR_BACKEND, "docker engine answered container "
		    "create without an id");
		create_cleanup(rt, s);
		goto out;
	}
	*idp = xstrdup(id);
 out:
	json_decref(body);
	json_decref(j);
	buf_free(path);
	return r;
}

/* A lifecycle POST on a container: start, stop, restart. */
static int
container_post(struct rt *rt, const char *id, const char *verb, int tmo_s)
{
	json_t *j = NULL;
	char *path, *what = NULL;
	const char *m;
	long st = 0, ms = 0;
	int r;

	if ((r = check_name("container", id)) != 0)
		return r;
	if (tmo_s >= 0) {
		path = xasprintf("/containers/%s/%s?t=%d", id, verb, tmo_s);
		ms = (long)tmo_s * 1000 + RT_STOP_MARGIN_MS;
	} else
		path = xasprintf("/containers/%s/%s", id, verb);
	if (ms < DC_DEFAULT_MS)
		ms = DC_DEFAULT_MS;
	if ((r = dc_request(DC(rt), "POST", path, NULL, ms, &st, &j,
	    NULL)) != 0)
		goto out;
	if (st == 204 || st == 304 || st == 200)
		goto out;
	m = dc_message(j);
	if (st == 404)
		what = xasprintf("no such container '%s'", id);
	else if (strstr(m, "could not select device driver") != NULL) {
		r = err_set(ERR_UNSAT, "cannot %s container '%s': the host "
		    "has no NVIDIA container runtime for GPU attachment; "
		    "install the NVIDIA container toolkit or set "
		    "gpu_attach=env (docker: %s)", verb, id, m);
		goto out;
	} else if (strstr(m, "port is already allocated") != NULL ||
	    strstr(m, "address already in use") != NULL) {
		r = err_set(ERR_CONFLICT, "cannot %s container '%s': a host "
		    "port it publishes is taken (docker: %s)", verb, id, m);
		goto out;
	} else
		what = xasprintf("cannot %s container '%s'", verb, id);
	r = dc_error(st, j, what);
 out:
	json_decref(j);
	free(path);
	free(what);
	return r;
}

int
docker_start(struct rt *rt, const char *id)
{
	return container_post(rt, id, "start", -1);
}

int
docker_stop(struct rt *rt, const char *id, int timeout_s)
{
	return container_post(rt, id, "stop", timeout_s < 0 ? 0 : timeout_s);
}

int
docker_restart(struct rt *rt, const char *id, int timeout_s)
{
	return container_post(rt, id, "restart",
	    timeout_s < 0 ? 0 : timeout_s);
}

#define REMOVE_WAIT_MS	30000

/* Waits until container id is gone (0), or says it is still there. */
static int
remove_wait(struct rt *rt, const char *id)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char *path = xasprintf("/containers/%s/json", id);
	long st = 0;
	int r = 0;

	for (int waited = 0;; waited += 100) {
		if ((r = dc_request(DC(rt), "GET", path, NULL, 0, &st, NULL,
		    NULL)) != 0 || st == 404)
			break;
		if (waited >= REMOVE_WAIT_MS) {
			r = err_set(ERR_BACKEND, "container '%s' is still "
			    "being removed after %d s", id,
			    REMOVE_WAIT_MS / 1000);
			break;
		}
		(void)nanosleep(&ts, NULL);
	}
	free(path);
	return r;
}

int
docker_remove(struct rt *rt, const char *id, int force)
{
	json_t *j = NULL;
	char *path, *what;
	long st = 0;
	int r;

	if ((r = check_name("container", id)) != 0)
		return r;
	path = xasprintf("/containers/%s?force=%d&v=0", id, force ? 1 : 0);
	r = dc_request(DC(rt), "DELETE", path, NULL, 60000, &st, &j, NULL);
	free(path);
	if (r != 0 || st == 204 || st == 200 || st == 404)
		goto out;
	/* Another remove of the same container is already under way (one a
	 * berthd killed meanwhile asked for): gone is what is promised, so
	 * wait for it, or a new container of the same name would clash. */
	if (st == 409 && strstr(dc_message(j), "already in progress") != NULL) {
		r = remove_wait(rt, id);
		goto out;
	}
	what = xasprintf("cannot remove container '%s'", id);
	r = dc_error(st, j, what);
	free(what);
 out:
	json_decref(j);
	return r;
}

int
docker_inspect_json(struct rt *rt, const char *id, json_t **out)
{
	char *path, *what;
	int r;

	*out = NULL;
	if ((r = check_name("container", id)) != 0)
		return r;
	path = xasprintf("/containers/%s/json", id);
	what = xasprintf("no such container '%s'", id);
	r = dcall(rt, "GET", path, NULL, 0, 0, what, out);
	free(path);
	free(what);
	if (r == 0 && !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		r = err_set(ERR_BACKEND, "docker engine answered inspect of "
		    "'%s' with no JSON object", id);
	}
	return r;
}

static void
copy_str(char *dst, size_t size, json_t *v)
{
	const char *s = json_string_value(v);

	strlcpy_b(dst, s != NULL ? s : "", size);
}

/* rt.h's states from the engine's. */
static const char *
neutral_state(const char *st)
{
	static const char *const map[][2] = {
		{ "created", "created" }, { "running", "running" },
		{ "restarting", "running" }, { "paused", "paused" },
		{ "exited", "exited" }, { "dead", "exited" },
		{ "removing", "exited" },
	};

	for (size_t i = 0; st != NULL && i < sizeof map / sizeof *map; i++)
		if (strcmp(st, map[i][0]) == 0)
			return map[i][1];
	return "unknown";
}

int
docker_inspect(struct rt *rt, const char *id, struct rt_state *s)
{
	json_t *j = NULL, *st;
	int r;

	memset(s, 0, sizeof *s);
	if ((r = docker_inspect_json(rt, id, &j)) != 0)
		return r;
	st = json_object_get(j, "State");
	strlcpy_b(s->status, neutral_state(json_string_value(
	    json_object_get(st, "Status"))), sizeof s->status);
	s->running = json_is_true(json_object_get(st, "Running"));
	s->exit_code = (int)json_integer_value(json_object_get(st,
	    "ExitCode"));
	s->oom_killed = json_is_true(json_object_get(st, "OOMKilled"));
	s->pid = (int)json_integer_value(json_object_get(st, "Pid"));
	copy_str(s->error, sizeof s->error, json_object_get(st, "Error"));
	copy_str(s->started_at, sizeof s->started_at,
	    json_object_get(st, "StartedAt"));
	copy_str(s->finished_at, sizeof s->finished_at,
	    json_object_get(st, "FinishedAt"));
	{
		json_t *nets = json_object_get(json_object_get(j,
		    "NetworkSettings"), "Networks"), *n;
		const char *k, *ip;

		json_object_foreach(nets, k, n) {
			ip = json_string_value(json_object_get(n,
			    "IPAddress"));
			if (ip != NULL && *ip != '\0') {
				strlcpy_b(s->ip, ip, sizeof s->ip);
				break;
			}
		}
	}
	json_decref(j);
	return 0;
}

/* Appends the containers of one label filter to v (skipping ids seen). */
static int
list_label(struct rt *rt, const char *label, struct rt_container **v,
    size_t *n, size_t *cap)
{
	json_t *arr = NULL, *c, *labels;
	struct buf *path = buf_new(0);
	char *filt;
	size_t i, k;
	int r;

	filt = xasprintf("{\"label\":[\"%s\"]}", label);
	buf_appendf(path, "/containers/json?all=1&filters=");
	dc_escape(path, filt);
	free(filt);
	r = dcall(rt, "GET", buf_data(path), NULL, 0, 0,
	    "cannot list containers", &arr);
	buf_free(path);
	if (r != 0)
		return r;
	if (!json_is_array(arr)) {
		json_decref(arr);
		return err_set(ERR_BACKEND, "docker engine answered the "
		    "container list with no JSON array");
	}
	json_array_foreach(arr, i, c) {
		struct rt_container *e;
		json_t *ws;

		labels = json_object_get(c, "Labels");
		ws = json_object_get(labels, RT_LABEL_WORKSPACE);
		if (!json_is_string(json_object_get(c, "Id")))
			continue;
		for (k = 0; k < *n; k++)
			if (strcmp((*v)[k].id, json_string_value(
			    json_object_get(c, "Id"))) == 0)
				break;
		if (k < *n)
			continue;
		if (*n == *cap) {
			*cap = *cap * 2 + 16;
			*v = xreallocarray(*v, *cap, sizeof **v);
		}
		e = &(*v)[(*n)++];
		memset(e, 0, sizeof *e);
		copy_str(e->id, sizeof e->id, json_object_get(c, "Id"));
		copy_str(e->workspace_id, sizeof e->workspace_id, ws);
		copy_str(e->instance, sizeof e->instance,
		    json_object_get(labels, RT_LABEL_INSTANCE));
		strlcpy_b(e->status, neutral_state(json_string_value(
		    json_object_get(c, "State"))), sizeof e->status);
		/* Helpers made before they were labelled as such carry
		 * only the installation. */
		e->helper = json_object_get(labels, RT_LABEL_HELPER) != NULL ||
		    !json_is_string(ws);
		e->created = (int64_t)json_integer_value(json_object_get(c,
		    "Created"));
	}
	json_decref(arr);
	return 0;
}

int
docker_list(struct rt *rt, struct rt_container **out, size_t *np)
{
	struct rt_container *v = NULL;
	size_t n = 0, cap = 0;
	int r;

	*out = NULL;
	*np = 0;
	if ((r = list_label(rt, RT_LABEL_WORKSPACE, &v, &n, &cap)) != 0 ||
	    (r = list_label(rt, RT_LABEL_INSTANCE, &v, &n, &cap)) != 0) {
		free(v);
		return r;
	}
	if (v == NULL)
		v = xcalloc(1, sizeof *v);
	*out = v;
	*np = n;
	return 0;
}
