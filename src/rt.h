/* rt.h: the runtime backend interface: containers, volumes and networks of
 * workspaces. Docker (docker-*.c) implements it today; Kubernetes can later,
 * behind the same calls. Every call is thread-safe and bounded in time; on
 * failure it returns a negative ERR_* code and sets err_msg() to a cause a
 * person can act on ("image 'x' not found", "docker engine not reachable at
 * unix:///var/run/docker.sock"). */
#ifndef BERTH_RT_H
#define BERTH_RT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct rt;

struct rt_mount {
	const char	*volume;	/* backend volume name */
	const char	*target;	/* absolute path in the container */
	int		 readonly;
};

struct rt_port {
	int		 container_port;
	int		 host_port;	/* 0: not published */
	const char	*host_ip;	/* NULL: 127.0.0.1 */
};

struct rt_spec {
	const char		*name;		/* container name */
	const char		*image;
	const char *const	*cmd;		/* argv, NULL-terminated; NULL: image default */
	const char *const	*env;		/* "K=V", NULL-terminated */
	const char *const	*labels;	/* "k=v", NULL-terminated */
	const char *const	*cap_add;	/* extra capabilities after CapDrop ALL */
	const char		*user;		/* "1000:1000"; NULL: image default */
	const char		*workdir;
	const char		*hostname;
	const char		*network;	/* bridge network for workspaces */
	double			 cpus;		/* 0: no limit */
	int64_t			 memory;	/* bytes; 0: no limit */
	int64_t			 pids_limit;	/* 0: backend default */
	const struct rt_mount	*mounts;
	size_t			 nmounts;
	const struct rt_port	*ports;
	size_t			 nports;
	const char *const	*gpu_uuids;	/* NULL-terminated; NULL: none */
	int			 gpu_nvidia;	/* 1: DeviceRequests; 0: env only */
};

struct rt_state {
	char	status[24];	/* created|running|paused|restarting|removing|exited|dead */
	int	running;
	int	exit_code;
	int	oom_killed;
	int	pid;		/* host pid of the container's init, 0 when none */
	char	error[256];	/* the engine's error, if any */
	char	started_at[40];
	char	finished_at[40];
};

struct rt_container {
	char	id[72];
	char	workspace_id[40];	/* value of label berth.workspace */
	char	instance[40];		/* value of label berth.instance */
	char	status[24];
};

/* Connects to the engine at host ("unix:///var/run/docker.sock"); lazily,
 * so a dead engine is not an error here. Returns NULL only on bad syntax. */
struct rt	*rt_docker_new(const char *host);
void		 rt_free(struct rt *);
const char	*rt_name(const struct rt *);	/* "docker" */

/* 0 when the engine answers. */
int	rt_ping(struct rt *);
/* 0 when present, ERR_NOTFOUND when not. */
int	rt_image_exists(struct rt *, const char *image);
/* Creates the workspace network if missing: a bridge with inter-container
 * traffic disabled. */
int	rt_network_ensure(struct rt *, const char *name);
/* 1 when the engine has the nvidia runtime, 0 when not, <0 on error. */
int	rt_has_nvidia(struct rt *);

/* Volumes: labels are "k=v", NULL-terminated. Create is idempotent. */
int	rt_volume_create(struct rt *, const char *name, const char *const *labels);
int	rt_volume_remove(struct rt *, const char *name);	/* ERR_CONFLICT in use */
int	rt_volume_exists(struct rt *, const char *name);

/* Containers. *idp is allocated (free()). Create never leaves a partial
 * container behind on failure. */
int	rt_create(struct rt *, const struct rt_spec *, char **idp);
int	rt_start(struct rt *, const char *id);
int	rt_stop(struct rt *, const char *id, int timeout_s);
int	rt_restart(struct rt *, const char *id, int timeout_s);
int	rt_remove(struct rt *, const char *id, int force);	/* gone is 0 */
int	rt_inspect(struct rt *, const char *id, struct rt_state *);	/* ERR_NOTFOUND */
/* The raw inspect object (for tests/admin); caller json_decref()s. */
int	rt_inspect_json(struct rt *, const char *id, json_t **);
/* All containers (running or not) carrying label berth.workspace. */
int	rt_list(struct rt *, struct rt_container **, size_t *n);

#endif
