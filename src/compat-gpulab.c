/* compat-gpulab.c: the GPULab CLI's JSON shapes made from berth's own, and
 * its create-container body checked and turned into berth's. Pure: no
 * store, no engine; the routes are in compat-gpulab-api.c. Any thread. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat-gpulab.h"
#include "config.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

#define GIB	(1024LL * 1024 * 1024)

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A string, or null when s is NULL or empty. */
static json_t *
str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

/* Whole GiB of a berth size ("64m", "16g" or a number of bytes), or null
 * below one GiB: GPULab's memory fields are whole GB. */
static json_t *
gib_or_null(const json_t *v)
{
	int64_t b = -1;

	if (json_is_integer(v))
		b = json_integer_value(v);
	else if (size_parse(json_string_value(v), &b) != 0)
		b = -1;
	return b >= GIB ? json_integer(b / GIB) : json_null();
}

/* "8080,3000" from berth's ports array (numbers or "8080/tcp" strings). */
static json_t *
ports_string(const json_t *ports)
{
	char buf[1024];
	size_t i, len = 0;
	json_t *p;

	buf[0] = '\0';
	json_array_foreach(ports, i, p) {
		char one[64];
		if (json_is_integer(p))
			snprintf(one, sizeof one, "%lld",
			    (long long)json_integer_value(p));
		else if (json_is_string(p))
			snprintf(one, sizeof one, "%s", json_string_value(p));
		else if (json_is_object(p) && json_is_integer(json_object_get(
		    p, "port")))
			snprintf(one, sizeof one, "%lld", (long long)
			    json_integer_value(json_object_get(p, "port")));
		else
			continue;
		len += (size_t)snprintf(buf + len, len < sizeof buf ?
		    sizeof buf - len : 0, "%s%s", len ? "," : "", one);
		if (len >= sizeof buf)
			break;
	}
	return len > 0 && len < sizeof buf ? json_string(buf) : json_null();
}

/* The command as one string: X of [shell, "-c", X], else the words. */
static json_t *
command_string(const json_t *cmd)
{
	size_t i, n = json_array_size(cmd);
	json_t *w;
	char *s = NULL, *t;

	if (json_is_string(cmd))
		return str_or_null(json_string_value(cmd));
	if (n == 3 && json_is_string(json_array_get(cmd, 2)) &&
	    strcmp(json_string_value(json_array_get(cmd, 1)) ?
	    json_string_value(json_array_get(cmd, 1)) : "", "-c") == 0)
		return json_string(json_string_value(json_array_get(cmd, 2)));
	json_array_foreach(cmd, i, w) {
		if (!json_is_string(w))
			continue;
		t = xasprintf("%s%s%s", s ? s : "", s ? " " : "",
		    json_string_value(w));
		free(s);
		s = t;
	}
	if (s == NULL)
		return json_null();
	w = json_string(s);
	free(s);
	return w;
}

/* The devices of a workspace's "gpu" (null, one object or an array). */
static json_t *
gpu_list(const json_t *gpu)
{
	json_t *arr = json_array(), *d;
	size_t i;

	if (json_is_object(gpu))
		json_array_append(arr, (json_t *)gpu);
	else if (json_is_array(gpu))
		json_array_foreach(gpu, i, d)
			if (json_is_object(d))
				json_array_append(arr, d);
	return arr;
}

/* GPULab's GPU type name for a device: the MIG profile, else the model. */
static const char *
gpu_name(const json_t *d)
{
	const char *p = str(d, "profile");

	return p != NULL && *p != '\0' ? p : str(d, "model");
}

static json_t *
container_gpu(const json_t *d)
{
	json_t *idx = json_object_get(d, "index");
	char ix[32];

	snprintf(ix, sizeof ix, "%lld", json_is_integer(idx) ?
	    (long long)json_integer_value(idx) : 0LL);
	return json_pack("{s:s,s:s,s:s,s:n,s:i,s:I,s:{s:s?}}",
	    "gpu_uuid", str(d, "uuid") ? str(d, "uuid") : "",
	    "gpu_index", ix, "gpu_status", "allocated",
	    "gpu_temperature", "memory_used", 0,
	    "total_memory", (json_int_t)json_integer_value(json_object_get(d,
	    "memory_mb")), "type", "gpu_name", gpu_name(d));
}

/* "3h04m" from started_at to now, for a running workspace. */
static json_t *
uptime(const json_t *ws, int64_t now)
{
	const char *st = str(ws, "started_at"), *state = str(ws, "state");
	int64_t t, d;
	char buf[64];

	if (st == NULL || state == NULL || strcmp(state, "running") != 0 ||
	    rfc3339_parse(st, &t) != 0)
		return json_null();
	d = now > t ? now - t : 0;
	if (d >= 86400)
		snprintf(buf, sizeof buf, "%lldd%02lldh",
		    (long long)(d / 86400), (long long)(d % 86400 / 3600));
	else if (d >= 3600)
		snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(d / 3600),
		    (long long)(d % 3600 / 60));
	else
		snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(d / 60),
		    (long long)(d % 60));
	return json_string(buf);
}

/* The latest of the record's times, as updated_at. */
static const char *
updated_at(const json_t *ws)
{
	static const char *const keys[] = { "created_at", "started_at",
	    "stopped_at", NULL };
	const char *best = "";

	for (int i = 0; keys[i] != NULL; i++) {
		const char *t = str(ws, keys[i]);
		if (t != NULL && strcmp(t, best) > 0)
			best = t;
	}
	return best;
}

json_t *
gpulab_container(const json_t *ws, int detail, int64_t now)
{
	json_t *gpus = gpu_list(json_object_get(ws, "gpu")), *c, *g, *vols;
	json_t *vol, *env = json_object_get(ws, "env"), *cpus;
	const char *greq = str(ws, "gpu_request"), *term;
	size_t i, ngpu = json_array_size(gpus);
	int gputype = ngpu > 0 || (greq != NULL && *greq != '\0' &&
	    strcmp(greq, "none") != 0);

	c = json_object();
	json_object_set_new(c, "uuid", json_string(str(ws, "id") ?
	    str(ws, "id") : ""));
	json_object_set_new(c, "server_name", json_string(str(ws, "name") ?
	    str(ws, "name") : ""));
	json_object_set_new(c, "status", json_string(str(ws, "state") ?
	    str(ws, "state") : ""));
	json_object_set_new(c, "type", json_string(gputype ? "GPU" : "CPU"));
	json_object_set_new(c, "memory", gib_or_null(json_object_get(ws,
	    "memory")));
	/* Whole cores, rounded up (berth's cpus may be 0.5). */
	cpus = json_object_get(ws, "cpus");
	json_object_set_new(c, "allocated_cpu_cores", json_is_number(cpus) &&
	    json_number_value(cpus) > 0 && json_number_value(cpus) < 1e6 ?
	    json_integer((json_int_t)ceil(json_number_value(cpus))) :
	    json_null());
	json_object_set_new(c, "public_urls", json_null());
	json_object_set_new(c, "opened_ports", ports_string(json_object_get(ws,
	    "ports")));
	json_object_set_new(c, "environment_variables", json_is_object(env) ?
	    json_deep_copy(env) : json_object());
	vols = json_object_get(ws, "volumes");
	vol = json_array_get(vols, 0);
	json_object_set_new(c, "volume_mount_path", str_or_null(str(vol,
	    "mount")));
	json_object_set_new(c, "command", command_string(json_object_get(ws,
	    "command")));
	term = str(ws, "terminal_url");
	json_object_set_new(c, "web_terminal", term != NULL ? json_pack(
	    "{s:s}", "terminal_url", term) : json_null());
	json_object_set_new(c, "uptime", uptime(ws, now));
	json_object_set_new(c, "gpu_count", json_integer((json_int_t)ngpu));
	g = json_array();
	json_array_foreach(gpus, i, vol)
		json_array_append_new(g, container_gpu(vol));
	json_object_set_new(c, "gpus", g);
	json_object_set_new(c, "created_at", json_string(str(ws,
	    "created_at") ? str(ws, "created_at") : ""));
	json_object_set_new(c, "updated_at", json_string(updated_at(ws)));
	if (detail) {
		vol = json_array_get(vols, 0);
		json_object_set_new(c, "template", json_pack("{s:s?,s:s?}",
		    "name", str(ws, "template"), "docker_image",
		    str(ws, "image")));
		json_object_set_new(c, "network_volume", vol != NULL ?
		    json_pack("{s:s?,s:s?,s:s?}", "volumeUuid", str(vol,
		    "volume_id"), "volumeName", str(vol, "name"), "mount",
		    str(vol, "mount")) : json_null());
		json_object_set_new(c, "gpu_type", ngpu > 0 ? json_pack(
		    "{s:s?}", "gpu_name", gpu_name(json_array_get(gpus, 0))) :
		    json_null());
		if (str(ws, "error") != NULL && *str(ws, "error") != '\0')
			json_object_set_new(c, "logs", json_string(str(ws,
			    "error")));
	}
	json_decref(gpus);
	return c;
}

/* Ports "8080,3000" (each 1-65535) into berth's array. */
static int
parse_ports(const char *s, json_t *out)
{
	const char *p = s;

	while (*p != '\0') {
		char *end;
		long n;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		n = strtol(p, &end, 10);
		if (end == p || n < 1 || n > 65535 || (*end != '\0' &&
		    *end != ',' && *end != ' '))
			return err_set(ERR_INVAL, "opened_ports must be port "
			    "numbers separated by commas (\"8080,3000\")");
		json_array_append_new(out, json_integer(n));
		p = end;
	}
	return 0;
}

/* environment_variables: an object, or the legacy "K=V\nK2=V2" string. */
static int
parse_env(const json_t *v, json_t *out)
{
	const char *k, *s;
	json_t *x;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			char num[64];
			if (json_is_string(x))
				json_object_set_new(out, k, json_string(
				    json_string_value(x)));
			else if (json_is_number(x)) {
				if (json_is_integer(x))
					snprintf(num, sizeof num, "%lld",
					    (long long)json_integer_value(x));
				else
					snprintf(num, sizeof num, "%g",
					    json_real_value(x));
				json_object_set_new(out, k, json_string(num));
			} else
				return err_set(ERR_INVAL, "environment_"
				    "variables.%.64s must be a string", k);
		}
		return 0;
	}
	if (!json_is_string(v))
		return err_set(ERR_INVAL, "environment_variables must be an "
		    "object or KEY=VALUE lines");
	for (s = json_string_value(v); *s != '\0';) {
		size_t n = strcspn(s, "\n");
		const char *eq = memchr(s, '=', n);
		if (eq != NULL && eq > s) {
			char *key = xstrndup(s, (size_t)(eq - s));
			char *val = xstrndup(eq + 1, n - (size_t)(eq - s) - 1);
			json_object_set_new(out, key, json_string(val));
			free(key);
			free(val);
		}
		s += n;
		if (*s == '\n')
			s++;
	}
	return 0;
}

int
gpulab_deploy_body(const json_t *in, json_t **out, const char **volref)
{
	static const char *const known[] = { "server_name", "type",
	    "gpu_type", "template_uuid", "network_volume_uuid",
	    "opened_ports", "environment_variables", "volume_mount_path",
	    "command", "memory", "image_pull_policy", NULL };
	const char *name, *type, *gpu, *tmpl, *ports, *cmd, *mount, *key;
	json_t *b = NULL, *v, *mem;
	int rc;

	*out = NULL;
	*volref = NULL;
	json_object_foreach((json_t *)in, key, v) {
		int ok = 0;
		for (int i = 0; known[i] != NULL && !ok; i++)
			ok = strcmp(key, known[i]) == 0;
		if (!ok)
			return err_set(ERR_INVAL, "unknown field '%.64s'", key);
		if (strcmp(key, "memory") != 0 && strcmp(key,
		    "environment_variables") != 0 && !json_is_string(v) &&
		    !json_is_null(v))
			return err_set(ERR_INVAL, "%s must be a string", key);
	}
	name = str(in, "server_name");
	if (name == NULL || *name == '\0')
		return err_set(ERR_INVAL, "server_name is required");
	type = str(in, "type");
	gpu = str(in, "gpu_type");
	tmpl = str(in, "template_uuid");
	ports = str(in, "opened_ports");
	cmd = str(in, "command");
	mount = str(in, "volume_mount_path");
	b = json_pack("{s:s,s:b}", "name", name, "wait", 0);
	if (tmpl != NULL && *tmpl != '\0')
		json_object_set_new(b, "template", json_string(tmpl));
	/* A CPU container, or a GPU by type (a model or a MIG profile, as
	 * "gpus types" names them; berth also takes a count or a uuid). */
	if ((type != NULL && strcasecmp(type, "CPU") == 0) || gpu == NULL ||
	    *gpu == '\0' || strcasecmp(gpu, "none") == 0 ||
	    strcasecmp(gpu, "cpu") == 0)
		json_object_set_new(b, "gpu", json_string("none"));
	else
		json_object_set_new(b, "gpu", json_string(gpu));
	if (ports != NULL && *ports != '\0') {
		v = json_array();
		json_object_set_new(b, "ports", v);
		if ((rc = parse_ports(ports, v)) != 0)
			goto out;
	}
	v = json_object();
	json_object_set_new(b, "env", v);
	if ((rc = parse_env(json_object_get(in, "environment_variables"),
	    v)) != 0)
		goto out;
	if (json_object_size(v) == 0)
		json_object_del(b, "env");
	if (cmd != NULL && *cmd != '\0')
		json_object_set_new(b, "command", json_string(cmd));
	mem = json_object_get(in, "memory");
	if (mem != NULL && !json_is_null(mem)) {
		char m[32];
		if (!json_is_integer(mem) || json_integer_value(mem) < 1 ||
		    json_integer_value(mem) > 4096) {
			rc = err_set(ERR_INVAL, "memory must be a whole number "
			    "of GB (1-4096)");
			goto out;
		}
		snprintf(m, sizeof m, "%lldg", (long long)
		    json_integer_value(mem));
		json_object_set_new(b, "memory", json_string(m));
	}
	if (str(in, "network_volume_uuid") != NULL &&
	    *str(in, "network_volume_uuid") != '\0') {
		*volref = str(in, "network_volume_uuid");
		json_object_set_new(b, "volumes", json_pack("[{s:s}]", "mount",
		    mount != NULL && *mount != '\0' ? mount : "/workspace"));
	} else if (mount != NULL && *mount != '\0') {
		rc = err_set(ERR_INVAL, "volume_mount_path needs "
		    "network_volume_uuid");
		goto out;
	}
	*out = b;
	b = NULL;
	rc = 0;
out:
	json_decref(b);
	return rc;
}

json_t *
gpulab_template(const json_t *t)
{
	const json_t *env = json_object_get(t, "env");
	const json_t *ports = json_object_get(t, "ports");
	const char *gpu = str(t, "gpu");
	json_t *pa = json_array(), *p;
	size_t i;

	json_array_foreach(ports, i, p)
		if (json_is_integer(p))
			json_array_append(pa, p);
	return json_pack("{s:s?,s:s?,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:o,"
	    "s:o,s:o,s:o,s:n,s:n,s:s,s:o,s:s,s:s}",
	    "templateUuid", str(t, "name"), "name", str(t, "name"),
	    "description", str(t, "description") ? str(t, "description") : "",
	    "authorUrl", "", "authorName", "", "thumbnail", "",
	    "visibility", "public",
	    "containerType", gpu == NULL || strcmp(gpu, "none") == 0 ? "cpu" :
	    "gpu", "volumeMountPath", "", "dockerImage", str(t, "image"),
	    "exposedPorts", ports_string(ports), "portsArray", pa,
	    "environmentVariables", json_is_object(env) ? json_deep_copy(env) :
	    json_object(), "command", command_string(json_object_get(t,
	    "command")), "containerDiskSize", "volumeDiskSize",
	    "notes", "", "memoryLimit", gib_or_null(json_object_get(t,
	    "memory")), "createdAt", "", "updatedAt", "");
}

json_t *
gpulab_volume(const json_t *v)
{
	json_t *size = json_object_get(v, "size_gib");

	return json_pack("{s:s?,s:s?,s:O,s:n,s:s,s:i,s:s?,s:s?}",
	    "volumeUuid", str(v, "id"), "volumeName", str(v, "name"),
	    "maxSize", size != NULL ? size : json_null(), "usedSize",
	    "status", "available", "isDeleted", 0,
	    "createdAt", str(v, "created_at"), "updatedAt",
	    str(v, "created_at"));
}

json_t *
gpulab_gpu_types(const json_t *types)
{
	json_t *arr = json_array(), *t;
	size_t i;

	json_array_foreach(types, i, t)
		json_array_append_new(arr, json_pack("{s:s?,s:I,s:n,s:I,s:I}",
		    "gpu_name", gpu_name(t), "gpu_total_memory",
		    (json_int_t)json_integer_value(json_object_get(t,
		    "memory_mb")), "gpu_price", "available_count",
		    (json_int_t)json_integer_value(json_object_get(t, "free")),
		    "total_count", (json_int_t)json_integer_value(
		    json_object_get(t, "total"))));
	return arr;
}

json_t *
gpulab_gpu_available(const json_t *devices)
{
	json_t *summary = json_array(), *d, *s;
	size_t i, j;

	json_array_foreach(devices, i, d) {
		const char *n = gpu_name(d);
		json_t *found = NULL;
		json_array_foreach(summary, j, s)
			if (n != NULL && strcmp(str(s, "gpu_name"), n) == 0)
				found = s;
		if (n == NULL)
			continue;
		if (found != NULL)
			json_object_set_new(found, "count", json_integer(
			    json_integer_value(json_object_get(found,
			    "count")) + 1));
		else
			json_array_append_new(summary, json_pack(
			    "{s:i,s:s,s:I,s:n}", "count", 1, "gpu_name", n,
			    "memory_mb", json_integer_value(json_object_get(d,
			    "memory_mb")), "price"));
	}
	return json_pack("{s:I,s:o,s:O}", "total_available",
	    (json_int_t)json_array_size(devices), "summary", summary, "gpus",
	    devices);
}
