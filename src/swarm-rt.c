/* swarm-rt.c: the Swarm backend's services (swarm-rt.h): create, start
 * (scale 1), stop (scale 0, pinned to the node it ran on so its volumes
 * stay), remove, inspect and list in rt.h's neutral states, from the
 * manager's engine. A service spec is the container body docker-rt.c
 * would send, translated: services cannot say no-new-privileges, so the
 * supervisor sets it for everything it starts (docs/cluster.md). Any
 * thread: the struct is read-only after swarm_rt_new. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent-link.h"
#include "buf.h"
#include "docker-client.h"
#include "docker-rt.h"
#include "err.h"
#include "log.h"
#include "rt.h"
#include "swarm-rt.h"
#include "timeutil.h"
#include "xmalloc.h"

#define SWARM_LABEL_INSTANCE	"berth.instance"
#define SWARM_LABEL_WORKSPACE	"berth.workspace"
#define SWARM_LABEL_RUNDIR_USER	"berth.rundir.user"
#define SWARM_START_MS		90000	/* scale 1 to a running task */
#define SWARM_PENDING_MS	1500	/* unschedulable that long: pending */
#define SWARM_STOP_EXTRA_MS	30000
#define SWARM_START_TRIES	3

static int
safe_id(const char *id)
{
	return id != NULL && *id != '\0' && strlen(id) < 128 &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == strlen(id);
}

static int
get_service(struct swarm_rt *s, const char *id, json_t **svc)
{
	char *path, *what;
	int r;

	*svc = NULL;
	if (!safe_id(id))
		return err_set(ERR_NOTFOUND, "no such container '%s'", id);
	path = xasprintf("/services/%s", id);
	what = xasprintf("no such container '%s'", id);
	r = swarm_call(s, "GET", path, NULL, what, svc);
	free(path);
	free(what);
	return r;
}

/* GET path with filters {key: [value]}. */
static int
get_filtered(struct swarm_rt *s, const char *path, const char *key,
    const char *value, json_t **out)
{
	struct buf *b = buf_new(0);
	json_t *f = NULL;
	char *fs;
	int r;

	buf_appendf(b, "%s", path);
	if (key != NULL) {
		f = json_pack("{s:[s]}", key, value);
		fs = json_dumps(f, JSON_COMPACT);
		buf_appendf(b, "?filters=");
		dc_escape(b, fs);
		free(fs);
		json_decref(f);
	}
	r = swarm_call(s, "GET", buf_data(b), NULL, "cannot list", out);
	buf_free(b);
	if (r == 0 && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return err_set(ERR_BACKEND, "the swarm answered %s with no "
		    "JSON array", path);
	}
	return r;
}

static const char *
jstr(json_t *o, const char *path)
{
	char *p = xstrdup(path), *save = NULL, *k;
	json_t *v = o;
	const char *s;

	for (k = strtok_r(p, ".", &save); k != NULL && v != NULL;
	    k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	free(p);
	s = json_string_value(v);
	return s != NULL ? s : "";
}

static const char *
label(json_t *labels, const char *k)
{
	const char *s = json_string_value(json_object_get(labels, k));

	return s != NULL ? s : "";
}

static json_int_t
task_index(json_t *t)
{
	return json_integer_value(json_object_get(json_object_get(t,
	    "Version"), "Index"));
}

/* The task of service svc_id that stands for it now: one meant to run,
 * else the newest. Borrowed from tasks, or NULL. */
static json_t *
current_task(json_t *tasks, const char *svc_id)
{
	json_t *t, *best = NULL;
	size_t i;
	int best_run = 0, run;

	json_array_foreach(tasks, i, t) {
		if (strcmp(jstr(t, "ServiceID"), svc_id) != 0)
			continue;
		run = strcmp(jstr(t, "DesiredState"), "running") == 0;
		if (best == NULL || run > best_run || (run == best_run &&
		    task_index(t) > task_index(best))) {
			best = t;
			best_run = run;
		}
	}
	return best;
}

static json_t *
node_by_id(json_t *nodes, const char *id)
{
	json_t *n;
	size_t i;

	json_array_foreach(nodes, i, n)
		if (strcmp(jstr(n, "ID"), id) == 0)
			return n;
	return NULL;
}

/* The node a service is pinned to ("node.id==X" constraint), or "". */
static const char *
pinned_node(json_t *svc)
{
	json_t *c, *cons = json_object_get(json_object_get(json_object_get(
	    json_object_get(svc, "Spec"), "TaskTemplate"), "Placement"),
	    "Constraints");
	size_t i;

	json_array_foreach(cons, i, c) {
		const char *v = json_string_value(c);

		if (v != NULL && strncmp(v, "node.id==", 9) == 0)
			return v + 9;
	}
	return "";
}

static json_int_t
replicas(json_t *svc)
{
	return json_integer_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(svc, "Spec"), "Mode"),
	    "Replicated"), "Replicas"));
}

/* rt.h's state of one service from its tasks and the swarm's nodes. */
static void
svc_state(json_t *svc, json_t *tasks, json_t *nodes, struct rt_state *st)
{
	const char *id = jstr(svc, "ID"), *ts, *nid, *err;
	json_t *t = current_task(tasks, id), *n;

	memset(st, 0, sizeof *st);
	nid = t != NULL && *jstr(t, "NodeID") != '\0' ? jstr(t, "NodeID") :
	    pinned_node(svc);
	n = *nid != '\0' ? node_by_id(nodes, nid) : NULL;
	if (replicas(svc) > 0 && n != NULL &&
	    strcmp(jstr(n, "Status.State"), "ready") != 0) {
		strlcpy_b(st->status, "unavailable", sizeof st->status);
		snprintf(st->error, sizeof st->error, "node %s (%s) is %s%s%s",
		    jstr(n, "Description.Hostname"), jstr(n, "Status.Addr"),
		    jstr(n, "Status.State"), *jstr(n, "Status.Message") ?
		    ": " : "", jstr(n, "Status.Message"));
		return;
	}
	if (t == NULL) {
		strlcpy_b(st->status, replicas(svc) > 0 ? "pending" :
		    json_object_get(svc, "PreviousSpec") != NULL ? "exited" :
		    "created", sizeof st->status);
		return;
	}
	ts = jstr(t, "Status.State");
	err = *jstr(t, "Status.Err") ? jstr(t, "Status.Err") :
	    jstr(t, "Status.Message");
	st->exit_code = (int)json_integer_value(json_object_get(
	    json_object_get(json_object_get(t, "Status"), "ContainerStatus"),
	    "ExitCode"));
	if (strcmp(ts, "running") == 0 &&
	    strcmp(jstr(t, "DesiredState"), "running") == 0) {
		strlcpy_b(st->status, "running", sizeof st->status);
		st->running = 1;
		strlcpy_b(st->started_at, jstr(t, "Status.Timestamp"),
		    sizeof st->started_at);
	} else if (strcmp(jstr(t, "DesiredState"), "running") == 0 &&
	    (strcmp(ts, "new") == 0 || strcmp(ts, "pending") == 0 ||
	    strcmp(ts, "allocated") == 0 || strcmp(ts, "assigned") == 0 ||
	    strcmp(ts, "accepted") == 0 || strcmp(ts, "preparing") == 0 ||
	    strcmp(ts, "ready") == 0 || strcmp(ts, "starting") == 0)) {
		strlcpy_b(st->status, "pending", sizeof st->status);
		strlcpy_b(st->error, err, sizeof st->error);
	} else {
		strlcpy_b(st->status, "exited", sizeof st->status);
		if (strcmp(ts, "failed") == 0 || strcmp(ts, "rejected") == 0)
			strlcpy_b(st->error, err, sizeof st->error);
		strlcpy_b(st->finished_at, jstr(t, "Status.Timestamp"),
		    sizeof st->finished_at);
	}
}

static int
state_of(struct swarm_rt *s, const char *id, json_t **svcp,
    struct rt_state *st)
{
	json_t *svc = NULL, *tasks = NULL, *nodes = NULL;
	int r;

	if ((r = get_service(s, id, &svc)) != 0 ||
	    (r = get_filtered(s, "/tasks", "service", jstr(svc, "ID"),
	    &tasks)) != 0 ||
	    (r = get_filtered(s, "/nodes", NULL, NULL, &nodes)) != 0)
		goto out;
	svc_state(svc, tasks, nodes, st);
	if (svcp != NULL) {
		*svcp = svc;
		svc = NULL;
	}
 out:
	json_decref(svc);
	json_decref(tasks);
	json_decref(nodes);
	return r;
}

static int
swarm_inspect(struct rt *rt, const char *id, struct rt_state *st)
{
	memset(st, 0, sizeof *st);
	return state_of((struct swarm_rt *)rt, id, NULL, st);
}

static int
swarm_inspect_json(struct rt *rt, const char *id, json_t **out)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	json_t *svc = NULL, *tasks = NULL;
	int r;

	*out = NULL;
	if ((r = get_service(s, id, &svc)) != 0 ||
	    (r = get_filtered(s, "/tasks", "service", jstr(svc, "ID"),
	    &tasks)) != 0) {
		json_decref(svc);
		return r;
	}
	json_object_set_new(svc, "Tasks", tasks);
	*out = svc;
	return 0;
}

/* Updates service svc (as read) to spec. */
static int
update(struct swarm_rt *s, json_t *svc, json_t *spec)
{
	char *path;
	int r;

	path = xasprintf("/services/%s/update?version=%lld", jstr(svc, "ID"),
	    (long long)json_integer_value(json_object_get(json_object_get(svc,
	    "Version"), "Index")));
	r = swarm_call(s, "POST", path, spec, "cannot update the service",
	    NULL);
	free(path);
	return r;
}

static void
nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Adds "node.id==node" to spec's placement (the service's task template). */
static void
pin_to(json_t *spec, const char *node)
{
	json_t *tt = json_object_get(spec, "TaskTemplate"), *pl, *cons;
	char *c = xasprintf("node.id==%s", node);

	if ((pl = json_object_get(tt, "Placement")) == NULL) {
		pl = json_object();
		json_object_set_new(tt, "Placement", pl);
	}
	if ((cons = json_object_get(pl, "Constraints")) == NULL) {
		cons = json_array();
		json_object_set_new(pl, "Constraints", cons);
	}
	json_array_append_new(cons, json_string(c));
	free(c);
}

/* Pins a service that runs to its node, so that its volumes (there) are
 * what it finds whenever it runs again: after its node was down, after a
 * stop. The engine keeps a task whose node still meets a changed
 * constraint: the running container is not replaced. */
static int
pin(struct swarm_rt *s, const char *id)
{
	json_t *svc = NULL, *tasks = NULL, *spec, *t;
	int r;

	if ((r = get_service(s, id, &svc)) != 0)
		return r;
	if (*pinned_node(svc) != '\0')
		goto out;
	if ((r = get_filtered(s, "/tasks", "service", jstr(svc, "ID"),
	    &tasks)) != 0)
		goto out;
	t = current_task(tasks, jstr(svc, "ID"));
	if (t == NULL || *jstr(t, "NodeID") == '\0')
		goto out;
	spec = json_deep_copy(json_object_get(svc, "Spec"));
	pin_to(spec, jstr(t, "NodeID"));
	r = update(s, svc, spec);
	json_decref(spec);
 out:
	json_decref(svc);
	json_decref(tasks);
	return r;
}

/* Asks for one running task: scale 1, or a fresh task (ForceUpdate)
 * when the service already wants one. */
static int
want_running(struct swarm_rt *s, const char *id)
{
	json_t *svc = NULL, *spec, *tt;
	int r;

	if ((r = get_service(s, id, &svc)) != 0)
		return r;
	spec = json_deep_copy(json_object_get(svc, "Spec"));
	tt = json_object_get(spec, "TaskTemplate");
	if (replicas(svc) > 0)	/* a task that ended: a fresh one */
		json_object_set_new(tt, "ForceUpdate", json_integer(
		    json_integer_value(json_object_get(tt, "ForceUpdate")) +
		    1));
	json_object_set_new(json_object_get(json_object_get(spec, "Mode"),
	    "Replicated"), "Replicas", json_integer(1));
	r = update(s, svc, spec);
	json_decref(spec);
	json_decref(svc);
	return r;
}

static int
swarm_start(struct rt *rt, const char *id)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	struct rt_state st;
	json_t *svc = NULL, *lb;
	int64_t t0 = mono_ms(), pending_since = 0;
	int r, tries = 1;

	swarm_locate_forget(s);
	if ((r = state_of(s, id, &svc, &st)) != 0)
		return r;
	if (st.running) {
		json_decref(svc);
		return 0;
	}
	/* Its run directory again on every node (one may have lost it). */
	lb = json_object_get(json_object_get(svc, "Spec"), "Labels");
	swarm_run_dir(s, label(lb, SWARM_LABEL_RUNDIR), label(lb,
	    SWARM_LABEL_RUNDIR_USER), 1);
	json_decref(svc);
	if ((r = want_running(s, id)) != 0)
		return r;
	for (;;) {
		nap(100);
		if ((r = state_of(s, id, NULL, &st)) != 0)
			return r;
		if (st.running) {
			r = pin(s, id);
			swarm_locate_forget(s);	/* its new container */
			return r;
		}
		/* A node just back can fail its first task (its networks
		 * being set up again): a fresh task, twice at most. */
		if (strcmp(st.status, "exited") == 0 && st.error[0] != '\0' &&
		    tries < SWARM_START_TRIES) {
			log_info("container '%s': %s; trying again", id,
			    st.error);
			tries++;
			nap(500 * tries);
			if ((r = want_running(s, id)) != 0)
				return r;
			continue;
		}
		if (strcmp(st.status, "exited") == 0 && st.error[0] != '\0')
			return err_set(ERR_BACKEND, "container '%s' did not "
			    "start: %s", id, st.error);
		/* Waiting for a place (a GPU, its node): started, pending. */
		if ((strcmp(st.status, "pending") == 0 &&
		    strstr(st.error, "no suitable node") != NULL) ||
		    strcmp(st.status, "unavailable") == 0) {
			if (pending_since == 0)
				pending_since = mono_ms();
			if (mono_ms() - pending_since >= SWARM_PENDING_MS)
				return 0;
		} else
			pending_since = 0;
		if (mono_ms() - t0 > SWARM_START_MS)
			return err_set(ERR_TIMEOUT, "container '%s' did not "
			    "start within %d s (%s%s%s)", id,
			    SWARM_START_MS / 1000, st.status,
			    st.error[0] ? ": " : "", st.error);
	}
}

static int
swarm_stop(struct rt *rt, const char *id, int timeout_s)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	struct rt_state st;
	json_t *svc = NULL, *tasks = NULL, *spec, *tt, *t;
	int64_t t0;
	int r;

	swarm_locate_forget(s);
	if ((r = get_service(s, id, &svc)) != 0)
		return r;
	if ((r = get_filtered(s, "/tasks", "service", jstr(svc, "ID"),
	    &tasks)) != 0)
		goto out;
	spec = json_deep_copy(json_object_get(svc, "Spec"));
	tt = json_object_get(spec, "TaskTemplate");
	json_object_set_new(json_object_get(json_object_get(spec, "Mode"),
	    "Replicated"), "Replicas", json_integer(0));
	json_object_set_new(json_object_get(tt, "ContainerSpec"),
	    "StopGracePeriod", json_integer((json_int_t)(timeout_s > 0 ?
	    timeout_s : 1) * 1000000000LL));
	/* Pinned where it ran, so its volumes are there when it starts. */
	t = current_task(tasks, jstr(svc, "ID"));
	if (*pinned_node(svc) == '\0' && t != NULL &&
	    *jstr(t, "Status.ContainerStatus.ContainerID") != '\0')
		pin_to(spec, jstr(t, "NodeID"));
	r = update(s, svc, spec);
	json_decref(spec);
	if (r != 0)
		goto out;
	t0 = mono_ms();
	for (;;) {
		if ((r = state_of(s, id, NULL, &st)) != 0)
			goto out;
		if (!st.running && strcmp(st.status, "pending") != 0)
			break;
		if (mono_ms() - t0 > timeout_s * 1000LL + SWARM_STOP_EXTRA_MS) {
			r = err_set(ERR_TIMEOUT, "container '%s' did not stop",
			    id);
			goto out;
		}
		nap(100);
	}
 out:
	json_decref(svc);
	json_decref(tasks);
	return r;
}

static int
swarm_restart(struct rt *rt, const char *id, int timeout_s)
{
	int r;

	if ((r = swarm_stop(rt, id, timeout_s)) != 0)
		return r;
	return swarm_start(rt, id);
}

static int
swarm_remove(struct rt *rt, const char *id, int force)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	struct swarm_node *n;
	json_t *svc = NULL, *tasks = NULL, *t;
	char *path;
	size_t i;
	int r;

	if (id[0] == '@')
		return swarm_helper_remove(s, id, force);
	if ((r = get_service(s, id, &svc)) == ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	if ((r = get_filtered(s, "/tasks", "service", jstr(svc, "ID"),
	    &tasks)) != 0)
		goto out;
	path = xasprintf("/services/%s", jstr(svc, "ID"));
	r = swarm_call(s, "DELETE", path, NULL, "cannot remove the service",
	    NULL);
	free(path);
	if (r == ERR_NOTFOUND)
		r = 0;
	if (r != 0)
		goto out;
	/* The task containers go with it, asynchronously: remove them now
	 * on their nodes, so nothing holds the volumes after this. */
	json_array_foreach(tasks, i, t) {
		const char *cid = jstr(t, "Status.ContainerStatus.ContainerID");

		if (*cid == '\0' ||
		    (n = swarm_node_of(s, jstr(t, "NodeID"))) == NULL)
			continue;
		if (docker_remove(n->rt, cid, 1) != 0)
			log_warn("container %.12s on %s: %s", cid, n->agent,
			    err_msg());
	}
	swarm_run_dir(s, label(json_object_get(json_object_get(svc, "Spec"),
	    "Labels"), SWARM_LABEL_RUNDIR), NULL, 0);
	swarm_locate_forget(s);
 out:
	json_decref(svc);
	json_decref(tasks);
	return r;
}

static int64_t
created_at(json_t *o)
{
	int64_t t = 0;

	(void)rfc3339_parse(jstr(o, "CreatedAt"), &t);
	return t;
}

static int
swarm_list(struct rt *rt, struct rt_container **out, size_t *np)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	struct rt_container *v = NULL;
	struct rt_state st;
	json_t *svcs = NULL, *tasks = NULL, *nodes = NULL, *svc;
	size_t n = 0, cap = 0, i;
	int r;

	*out = NULL;
	*np = 0;
	swarm_sweep(s);		/* nothing left on a node that was down */
	if ((r = get_filtered(s, "/services", "label", SWARM_LABEL_INSTANCE,
	    &svcs)) != 0 ||
	    (r = get_filtered(s, "/tasks", NULL, NULL, &tasks)) != 0 ||
	    (r = get_filtered(s, "/nodes", NULL, NULL, &nodes)) != 0)
		goto out;
	json_array_foreach(svcs, i, svc) {
		json_t *labels = json_object_get(json_object_get(svc, "Spec"),
		    "Labels");
		struct rt_container *e;

		if (n == cap) {
			cap = cap * 2 + 16;
			v = xreallocarray(v, cap, sizeof *v);
		}
		e = &v[n++];
		memset(e, 0, sizeof *e);
		strlcpy_b(e->id, jstr(svc, "ID"), sizeof e->id);
		strlcpy_b(e->workspace_id, label(labels,
		    SWARM_LABEL_WORKSPACE), sizeof e->workspace_id);
		strlcpy_b(e->instance, label(labels, SWARM_LABEL_INSTANCE),
		    sizeof e->instance);
		svc_state(svc, tasks, nodes, &st);
		strlcpy_b(e->status, st.status, sizeof e->status);
		e->helper = e->workspace_id[0] == '\0';
		e->created = created_at(svc);
	}
	/* Helper containers are made on the nodes themselves. */
	r = swarm_helpers_list(s, &v, &n, &cap);
 out:
	json_decref(svcs);
	json_decref(tasks);
	json_decref(nodes);
	if (r != 0) {
		free(v);
		return r;
	}
	*out = v != NULL ? v : xcalloc(1, sizeof *v);
	*np = n;
	return 0;
}

/* "CHOWN" -> "CAP_CHOWN": services want the full names. */
static json_t *
caps(json_t *in)
{
	json_t *a = json_array(), *c;
	size_t i;

	json_array_foreach(in, i, c) {
		const char *v = json_string_value(c);
		char *full;

		if (v == NULL)
			continue;
		full = strncmp(v, "CAP_", 4) == 0 ? xstrdup(v) :
		    xasprintf("CAP_%s", v);
		json_array_append_new(a, json_string(full));
		free(full);
	}
	return a;
}

/* The service spec for rt_spec sp: docker_create_body's container,
 * translated. */
static int
service_spec(struct swarm_rt *s, const struct rt_spec *sp, json_t **out)
{
	json_t *c, *hc, *cs, *res, *lim, *tt, *spec, *img = NULL, *v, *cmd;
	char *path;
	int64_t ngpu = 0;
	size_t i;
	int r;

	*out = NULL;
	for (i = 0; i < sp->nports; i++)
		if (sp->ports[i].host_port != 0)
			return err_set(ERR_UNSAT, "the swarm backend publishes "
			    "no ports on nodes (reach a workspace through "
			    "berth: SSH gateway, terminal, port proxy)");
	c = docker_create_body(sp);
	hc = json_object_get(c, "HostConfig");
	cs = json_pack("{s:O, s:O, s:O, s:b, s:[s], s:o, s:O}",
	    "Image", json_object_get(c, "Image"),
	    "Labels", json_object_get(c, "Labels"),
	    "Env", json_object_get(c, "Env"),
	    "Init", 1,
	    "CapabilityDrop", "ALL",
	    "CapabilityAdd", caps(json_object_get(hc, "CapAdd")),
	    "Mounts", json_object_get(hc, "Mounts"));
	if ((v = json_object_get(c, "User")) != NULL)
		json_object_set(cs, "User", v);
	if ((v = json_object_get(c, "WorkingDir")) != NULL)
		json_object_set(cs, "Dir", v);
	if ((v = json_object_get(c, "Hostname")) != NULL)
		json_object_set(cs, "Hostname", v);
	cmd = json_object_get(c, "Cmd");
	if (sp->entry_prefix != NULL) {
		/* The supervisor in front of the image's entrypoint; the
		 * image's Cmd passed on explicitly. */
		json_t *cfg, *a = json_array();

		path = xasprintf("/images/%s/json", sp->image);
		r = swarm_call(s, "GET", path, NULL, "no such image", &img);
		free(path);
		if (r != 0) {
			json_decref(a);
			goto fail;
		}
		cfg = json_object_get(img, "Config");
		for (i = 0; sp->entry_prefix[i] != NULL; i++)
			json_array_append_new(a, json_string(
			    sp->entry_prefix[i]));
		json_array_extend(a, json_object_get(cfg, "Entrypoint") ?
		    json_object_get(cfg, "Entrypoint") : json_array());
		json_object_set_new(cs, "Command", a);
		if (cmd == NULL)
			cmd = json_object_get(cfg, "Cmd");
	}
	if (json_is_array(cmd))
		json_object_set(cs, "Args", cmd);
	lim = json_object();
	if ((v = json_object_get(hc, "NanoCpus")) != NULL)
		json_object_set(lim, "NanoCPUs", v);
	if ((v = json_object_get(hc, "Memory")) != NULL)
		json_object_set(lim, "MemoryBytes", v);
	json_object_set(lim, "Pids", json_object_get(hc, "PidsLimit"));
	res = json_pack("{s:o}", "Limits", lim);
	if (sp->gpu_resource != NULL && sp->gpu_count > 0)
		ngpu = sp->gpu_count;
	else
		for (i = 0; sp->gpu_uuids != NULL && sp->gpu_uuids[i] != NULL;
		    i++)
			ngpu++;
	if (ngpu > 0)
		json_object_set_new(res, "Reservations", json_pack(
		    "{s:[{s:{s:s, s:I}}]}", "GenericResources",
		    "DiscreteResourceSpec", "Kind", sp->gpu_resource != NULL &&
		    sp->gpu_count > 0 ? sp->gpu_resource : RT_GPU_RESOURCE,
		    "Value", (json_int_t)ngpu));
	/* Each node's default bridge, containers kept apart (no network
	 * at all is not something a service can ask for). */
	if ((r = swarm_network_ensure(&s->rt, sp->network)) != 0)
		goto fail;
	tt = json_pack("{s:o, s:o, s:{s:s}, s:{s:[]}, s:{s:s, s:O}}",
	    "ContainerSpec", cs,
	    "Resources", res,
	    "RestartPolicy", "Condition", "none",
	    "Placement", "Constraints",
	    "LogDriver", "Name", "json-file", "Options",
	    json_object_get(json_object_get(hc, "LogConfig"), "Config"));
	spec = json_pack("{s:s, s:O, s:o, s:{s:{s:i}}, s:{s:s}}",
	    "Name", sp->name,
	    "Labels", json_object_get(c, "Labels"),
	    "TaskTemplate", tt,
	    "Mode", "Replicated", "Replicas", 0,
	    "EndpointSpec", "Mode", "dnsrr");
	json_decref(c);
	json_decref(img);
	*out = spec;
	return 0;
 fail:
	json_decref(cs);
	json_decref(c);
	json_decref(img);
	return r;
}

static int
swarm_create(struct rt *rt, const struct rt_spec *sp, char **idp)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	json_t *spec = NULL, *resp = NULL, *old = NULL;
	char *what;
	int r;

	*idp = NULL;
	if (!safe_id(sp->name) || sp->image == NULL)
		return err_set(ERR_INVAL, "bad container name '%s'",
		    sp->name != NULL ? sp->name : "");
	if (get_service(s, sp->name, &old) == 0) {
		json_decref(old);
		return err_set(ERR_CONFLICT, "container name '%s' is taken",
		    sp->name);
	}
	if ((r = service_spec(s, sp, &spec)) != 0)
		return r;
	/* A run directory goes onto every node (the engine places the
	 * task), named in the service's labels for its starts and its
	 * removal. */
	for (size_t i = 0; i < sp->nbinds; i++) {
		json_t *lb;

		if (!sp->binds[i].make)
			continue;
		lb = json_deep_copy(json_object_get(spec, "Labels"));
		json_object_set_new(lb, SWARM_LABEL_RUNDIR,
		    json_string(sp->binds[i].source));
		json_object_set_new(lb, SWARM_LABEL_RUNDIR_USER,
		    json_string(sp->user != NULL ? sp->user : ""));
		json_object_set_new(spec, "Labels", lb);
		swarm_run_dir(s, sp->binds[i].source, sp->user, 1);
		break;
	}
	what = xasprintf("cannot create service '%s'", sp->name);
	r = swarm_call(s, "POST", "/services/create", spec, what, &resp);
	free(what);
	json_decref(spec);
	if (r == 0 && *jstr(resp, "ID") == '\0')
		r = err_set(ERR_BACKEND, "the swarm created '%s' without an "
		    "id", sp->name);
	if (r == 0)
		*idp = xstrdup(jstr(resp, "ID"));
	json_decref(resp);
	return r;
}

static int
swarm_ping(struct rt *rt)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	json_t *info = NULL;
	int r;

	if ((r = swarm_call(s, "GET", "/info", NULL, "no engine info",
	    &info)) != 0)
		return r;
	if (!json_is_true(json_object_get(json_object_get(info, "Swarm"),
	    "ControlAvailable")))
		r = err_set(ERR_BACKEND, "the engine at %s is not a swarm "
		    "manager (docker swarm init)", dc_host(s->dc));
	json_decref(info);
	return r;
}

static int
swarm_image_exists(struct rt *rt, const char *image)
{
	return docker_image_exists(((struct swarm_rt *)rt)->mgr, image);
}

static int
swarm_gpu_runtime(struct rt *rt)
{
	(void)rt;
	return 0;
}

static int
swarm_port_free(struct rt *rt, const char *addr, int port)
{
	(void)rt;
	(void)addr;
	(void)port;
	err_set(ERR_UNSAT, "the swarm backend publishes no ports on nodes");
	return 0;
}

static int
swarm_disk_limit_support(struct rt *rt, char *why, size_t whysize)
{
	(void)rt;
	if (why != NULL)
		snprintf(why, whysize, "the swarm backend sets no "
		    "writable-layer limit (services have no storage options)");
	return 0;
}

static void
swarm_rt_free(struct rt *rt)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;

	/* The nodes' and the manager's Docker backends. */
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].rt != NULL)
			s->nodes[i].rt->ops->free(s->nodes[i].rt);
	if (s->mgr != NULL)
		s->mgr->ops->free(s->mgr);
	free(s);
}

static const struct rt_ops swarm_rt_ops = {
	.kind = "swarm",
	.caps = RT_CAP_SCHEDULES_GPUS | RT_CAP_PLACES,
	.free = swarm_rt_free,
	.ping = swarm_ping,
	.image_exists = swarm_image_exists,
	.network_ensure = swarm_network_ensure,
	.gpu_runtime = swarm_gpu_runtime,
	.port_free = swarm_port_free,
	.disk_limit_support = swarm_disk_limit_support,
	.volume_create = swarm_volume_create,
	.volume_create_bind = swarm_volume_create_bind,
	.volume_remove = swarm_volume_remove,
	.volume_exists = swarm_volume_exists,
	.volume_chown = swarm_volume_chown,
	.create = swarm_create,
	.start = swarm_start,
	.stop = swarm_stop,
	.restart = swarm_restart,
	.remove = swarm_remove,
	.inspect = swarm_inspect,
	.inspect_json = swarm_inspect_json,
	.list = swarm_list,
	.locate = swarm_locate,
	.logs = swarm_logs,
	.stats = swarm_stats,
	.file_stat = swarm_file_stat,
	.file_get = swarm_file_get,
	.file_put = swarm_file_put,
	.stream_read = docker_stream_read,
	.stream_write = docker_stream_write,
	.stream_finish = docker_stream_finish,
	.stream_free = docker_stream_free,
};

/* "host?agents=a:1,b:2&token_file=/f" */
struct rt *
swarm_rt_new(const char *address)
{
	struct swarm_rt *s;
	char *a, *q, *kv, *save = NULL, *agents = NULL, *tokfile = NULL;

	if (address == NULL || (q = strchr(address, '?')) == NULL) {
		err_set(ERR_INVAL, "the swarm backend needs the manager's "
		    "engine and its agents: \"unix:///var/run/docker.sock?"
		    "agents=HOST:PORT,...&token_file=FILE\"");
		return NULL;
	}
	a = xstrdup(address);
	a[q - address] = '\0';
	for (kv = strtok_r(a + (q - address) + 1, "&", &save); kv != NULL;
	    kv = strtok_r(NULL, "&", &save)) {
		if (strncmp(kv, "agents=", 7) == 0)
			agents = kv + 7;
		else if (strncmp(kv, "token_file=", 11) == 0)
			tokfile = kv + 11;
	}
	if (agents == NULL || tokfile == NULL ||
	    agent_link_init(tokfile) != 0) {
		if (agents == NULL || tokfile == NULL)
			err_set(ERR_INVAL, "the swarm backend needs agents= "
			    "and token_file=");
		free(a);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->rt.ops = &swarm_rt_ops;
	pthread_mutex_init(&s->loc_lock, NULL);
	pthread_mutex_init(&s->sweep_lock, NULL);
	if ((s->mgr = docker_rt_new(a)) == NULL)
		goto fail;
	s->dc = docker_rt_client(s->mgr);
	save = NULL;
	for (kv = strtok_r(agents, ",", &save); kv != NULL;
	    kv = strtok_r(NULL, ",", &save)) {
		struct swarm_node *n = &s->nodes[s->nnodes];
		char *url, *colon;

		if (s->nnodes == SWARM_NODES_MAX ||
		    strlcpy_b(n->agent, kv, sizeof n->agent) >=
		    sizeof n->agent || (colon = strrchr(kv, ':')) == NULL ||
		    (size_t)(colon - kv) >= sizeof n->host) {
			err_set(ERR_INVAL, "bad agent address '%s'", kv);
			goto fail;
		}
		memcpy(n->host, kv, (size_t)(colon - kv));
		n->host[colon - kv] = '\0';
		url = xasprintf(AGENT_URL_PREFIX "%s", kv);
		n->rt = docker_rt_new(url);
		free(url);
		if (n->rt == NULL)
			goto fail;
		s->nnodes++;
	}
	free(a);
	return &s->rt;
 fail:
	free(a);
	swarm_rt_free(&s->rt);
	return NULL;
}
