/* rt.h: the runtime backend: containers, volumes and the network of
 * workspaces, as a table of operations chosen by kind at start-up
 * (rt_new("docker", address)); docker-*.c implements it, and Swarm or
 * Kubernetes can behind the same calls (tests/unit/test-rt-contract.c is
 * the contract every backend passes). Nothing here names an engine: the
 * states are neutral, GPUs come with an attach mode, workspaces share one
 * isolated workspace network, ports are published on the host, and what
 * berth needs to find its containers again (installation, workspace,
 * owner, helper) is given as fields the backend records its own way.
 * Every call is thread-safe and bounded in time; on failure it returns a
 * negative ERR_* code and sets err_msg() to a cause a person can act on
 * ("image 'x' not found", "engine not reachable at <address>"). */
#ifndef BERTH_RT_H
#define BERTH_RT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct rt_ops;

/* A backend instance and a stream start with their table. */
struct rt {
	const struct rt_ops	*ops;
};

struct rt_stream {
	const struct rt_ops	*ops;
};

struct rt_mount {
	const char	*volume;	/* backend volume name */
	const char	*target;	/* absolute path in the container */
	int		 readonly;
};

/* A host path bound into the container (the supervisor's binary and run
 * directory). */
struct rt_bind {
	const char	*source;	/* absolute host path */
	const char	*target;	/* absolute path in the container */
	int		 readonly;
	int		 make;		/* a run directory (<state>/sup/<id>)
					 * the backend also makes, for the
					 * spec's user, on other hosts that
					 * may run the container */
};

struct rt_port {
	int		 container_port;
	int		 host_port;	/* 0: not published */
	const char	*host_ip;	/* NULL: 127.0.0.1 */
};

struct rt_spec {
	const char		*name;		/* container name */
	const char		*image;
	const char *const	*cmd;		/* argv, NULL-terminated;
						 * NULL: the image's */
	const char *const	*env;		/* "K=V", NULL-terminated */
	const char *const	*labels;	/* "k=v", NULL-terminated */
	const char *const	*cap_add;	/* capabilities kept (all
						 * others dropped) */
	const char		*user;		/* "1000:1000"; NULL: the
						 * image's */
	const char		*workdir;
	const char		*hostname;
	const char		*network;	/* the workspace network (see
						 * rt_network_ensure); "none":
						 * no network */
	double			 cpus;		/* 0: no limit */
	int64_t			 memory;	/* bytes; 0: no limit */
	int64_t			 pids_limit;	/* 0: backend default */
	const struct rt_mount	*mounts;
	size_t			 nmounts;
	const struct rt_bind	*binds;
	size_t			 nbinds;
	/* argv put in front of the image's own entrypoint and command (the
	 * supervisor, which runs them as its child); NULL: none. */
	const char *const	*entry_prefix;
	const struct rt_port	*ports;		/* published on the host */
	size_t			 nports;
	const char *const	*gpu_uuids;	/* NULL-terminated or NULL */
	int			 gpu_attach;	/* RT_GPU_* */
	/* Where the engine schedules GPUs itself (a cluster): gpu_count
	 * of the node resource gpu_resource ("NVIDIA_GPU", "MIG_1g_10gb"),
	 * chosen by the engine; gpu_uuids is then not used. 0: none, or
	 * as many as gpu_uuids names, of kind RT_GPU_RESOURCE. */
	const char		*gpu_resource;
	int			 gpu_count;
	/* Who the container belongs to: recorded by the backend, given
	 * back by rt_list. */
	const char		*installation;	/* this berthd's instance id */
	const char		*workspace_id;	/* NULL: none */
	const char		*owner;		/* the workspace's user */
	const char		*ws_name;	/* the workspace's name */
	int			 helper;	/* a short-lived helper of
						 * berth's, not a workspace */
	/* Container log rotation; 0: the backend's defaults. */
	int64_t			 log_max_size;	/* bytes per file */
	int			 log_max_files;
	/* Writable layer limit in bytes; 0: none. ERR_UNSAT when the
	 * backend's storage cannot enforce one (rt_disk_limit_support). */
	int64_t			 disk;
};

/* How GPUs reach a container: the runtime attaches the devices (device
 * requests, a device plugin), or the container is only told which ones
 * are its (visible-devices environment; the devices must be there). */
enum { RT_GPU_ENV = 0, RT_GPU_RUNTIME = 1 };

#define RT_GPU_RESOURCE	"NVIDIA_GPU"	/* a whole GPU, as a node resource */

/* Container states, the same for every backend: "created" (made, never
 * started), "running", "paused", "exited" (stopped or ended), "unknown";
 * where an engine schedules (a cluster) also "pending" (asked to run,
 * waiting for a place: error says why, e.g. no node with a free GPU) and
 * "unavailable" (its node is down: error says which; it comes back with
 * the node). */
struct rt_state {
	char	status[24];
	int	running;
	int	exit_code;
	int	oom_killed;
	int	pid;		/* the init's pid as this host sees it; 0 when
				 * none or not visible from here */
	char	error[256];	/* the backend's error, if any */
	char	started_at[40];
	char	finished_at[40];
	char	ip[48];		/* its address on the workspace network
				 * (reachable from this host), "" when
				 * none */
};

struct rt_container {
	char	id[72];
	char	workspace_id[40];	/* rt_spec.workspace_id, or "" */
	char	instance[40];		/* rt_spec.installation */
	char	status[24];		/* as rt_state.status */
	int	helper;			/* rt_spec.helper */
	int64_t	created;		/* epoch seconds */
};

/* The backend of kind ("docker") at address (for Docker a unix socket,
 * "unix:///var/run/docker.sock"; NULL or "": the default). Connects
 * lazily, so a dead engine is not an error here. NULL (with err_msg())
 * on an unknown kind or a bad address. */
struct rt	*rt_new(const char *kind, const char *address);
void		 rt_free(struct rt *);
const char	*rt_name(const struct rt *);	/* its kind */

/* What a backend can do, fixed by its kind: callers ask rt_caps() rather
 * than the backend's name. */
enum {
	/* The engine places GPUs itself: a workspace asks for a count of
	 * a node resource (rt_spec.gpu_resource, gpu_count) and berth
	 * allocates no device. Without it berth gives devices by uuid
	 * (rt_spec.gpu_uuids) and a gpu_count is refused (ERR_UNSAT). */
	RT_CAP_SCHEDULES_GPUS	= 1u << 0,
	/* Containers run on this host, so a directory here can back a
	 * volume (rt_volume_create_bind; size-limited volumes). Without it
	 * that call is ERR_UNSAT. */
	RT_CAP_LOCAL_VOLUMES	= 1u << 1,
	/* Ports are published on this host (rt_spec.ports with a
	 * host_port; rt_port_free). Without it such a spec is refused
	 * (ERR_UNSAT) and rt_port_free says 0. */
	RT_CAP_PUBLISHES_PORTS	= 1u << 2,
	/* The engine places containers on nodes of its choosing: a
	 * started one can be "pending" (no place yet) or "unavailable"
	 * (its node down). Without it a started container is running or
	 * has ended. */
	RT_CAP_PLACES		= 1u << 3,
};
/* The RT_CAP_* bits of the backend. */
unsigned	 rt_caps(const struct rt *);

/* 0 when the backend answers. */
int	rt_ping(struct rt *);
/* 0 when present, ERR_NOTFOUND when not. */
int	rt_image_exists(struct rt *, const char *image);
/* Creates the workspace network if missing: one on which workspaces
 * reach the outside but not each other. */
int	rt_network_ensure(struct rt *, const char *name);
/* 1 when GPUs can be attached by the runtime (RT_GPU_RUNTIME), 0 when
 * not, <0 on error. */
int	rt_gpu_runtime(struct rt *);
/* 1 when port can be published on host address addr now (nothing holds
 * it), 0 when not. */
int	rt_port_free(struct rt *, const char *addr, int port);
/* 1 when rt_spec.disk can be enforced, 0 when not, with a line saying
 * why into why (may be NULL). */
int	rt_disk_limit_support(struct rt *, char *why, size_t whysize);

/* Volumes: labels are "k=v", NULL-terminated. Create is idempotent. */
int	rt_volume_create(struct rt *, const char *name,
	    const char *const *labels);
/* The same, for a volume that is host directory dir (bind-mounted into the
 * containers that use it; vol-loop.c's loop-mounted filesystems). */
int	rt_volume_create_bind(struct rt *, const char *name,
	    const char *const *labels, const char *dir);
/* ERR_CONFLICT while a container uses it. */
int	rt_volume_remove(struct rt *, const char *name);
int	rt_volume_exists(struct rt *, const char *name);
/* Gives the root of volume name to user ("uid:gid") so that a workspace
 * running as that user without privileges can write it, using image (the
 * workspace's) where the backend needs one; installation and
 * workspace_id as in rt_spec. Nothing is left behind, even on failure. */
int	rt_volume_chown(struct rt *, const char *name, const char *user,
	    const char *image, const char *installation,
	    const char *workspace_id);

/* Containers. *idp is allocated (free()). Create never leaves a partial
 * container behind on failure. */
int	rt_create(struct rt *, const struct rt_spec *, char **idp);
int	rt_start(struct rt *, const char *id);
int	rt_stop(struct rt *, const char *id, int timeout_s);
int	rt_restart(struct rt *, const char *id, int timeout_s);
int	rt_remove(struct rt *, const char *id, int force);	/* gone is 0 */
/* ERR_NOTFOUND when there is no such container. */
int	rt_inspect(struct rt *, const char *id, struct rt_state *);
/* The backend's raw description (for tests/admin); caller json_decref()s. */
int	rt_inspect_json(struct rt *, const char *id, json_t **);
/* All containers berth made (running or not): workspaces and helpers, of
 * every installation on this backend. *list is allocated (free()). */
int	rt_list(struct rt *, struct rt_container **list, size_t *n);

/* Where container id's processes run: the backend of the engine that
 * runs it (borrowed: lives as long as rt), the container's id there, and
 * for a remote node the address its supervisor socket is reached through
 * ("" on this host). A single-host backend gives back itself and id.
 * ERR_CONFLICT when it has no running instance now. */
struct rt_where {
	struct rt	*rt;
	char		 id[72];
	char		 via[128];
};
int	rt_locate(struct rt *, const char *id, struct rt_where *);

/* Streams: container output, one stats sample, file transfer. Everything
 * streams in bounded memory; a struct rt_stream is used by one thread at
 * a time and freed with rt_stream_free (which also aborts an unfinished
 * transfer). */

struct rt_logs_opts {
	int64_t	 tail;		/* last N lines; -1: all */
	int64_t	 since;		/* epoch seconds; 0: from the start */
	int	 timestamps;	/* prefix lines with RFC 3339 times */
	int	 out, err;	/* which streams (at least one) */
	int	 follow;	/* keep streaming new output */
};

/* Opens the container's output (its init's stdout/stderr). */
int	 rt_logs(struct rt *, const char *id, const struct rt_logs_opts *,
	    struct rt_stream **);
/* Reads from a download or logs stream: >0 bytes (*stream is 1 stdout or
 * 2 stderr for logs, 1 otherwise), 0 at the end, ERR_TIMEOUT when nothing
 * came within timeout_ms (-1: wait forever; the stream stays usable),
 * other errors with err_msg(). stream may be NULL. */
ssize_t	 rt_stream_read(struct rt_stream *, int *stream, void *, size_t,
	    int timeout_ms);
/* Writes upload bytes (blocking; the engine's pace is the backpressure).
 * ERR_INVAL when a tar upload is malformed or carries what is refused
 * (device nodes, fifos). */
int	 rt_stream_write(struct rt_stream *, const void *, size_t);
/* Ends an upload and waits for the engine's verdict. */
int	 rt_stream_finish(struct rt_stream *);
void	 rt_stream_free(struct rt_stream *);

/* One sample of a container's use. */
struct rt_stats {
	double	 cpu_percent;	/* 100 = one CPU busy */
	int	 online_cpus;
	int64_t	 mem_used;	/* without the reclaimable page cache */
	int64_t	 mem_limit;
	int64_t	 pids;
	int64_t	 net_rx, net_tx;	/* bytes, all interfaces */
	int64_t	 blk_read, blk_write;	/* bytes */
};
/* May take about a second (the CPU figure needs two samples). */
int	 rt_stats(struct rt *, const char *id, struct rt_stats *);

struct rt_file {
	int	 is_dir;
	int	 is_link;
	int	 is_special;	/* device, fifo, socket */
	int64_t	 size;
	unsigned mode;		/* permission bits (07777) */
	int64_t	 mtime;		/* epoch seconds */
	char	 link[1024];	/* symlink target, resolved in the container */
};

/* What path in container id is, following symlinks; ERR_NOTFOUND. */
int	 rt_file_stat(struct rt *, const char *id, const char *path,
	    struct rt_file *);
/* Downloads path: a file's bytes (info->size of them), or for a directory
 * a tar of its contents with names relative to it ("./a", "./sub/b"). */
int	 rt_file_get(struct rt *, const char *id, const char *path,
	    struct rt_file *info, struct rt_stream **);

struct rt_put {
	int	 tar;		/* 1: a tar to unpack into directory path */
	int64_t	 size;		/* a file's size (tar: ignored) */
	unsigned mode;		/* a file's permission bits */
	int64_t	 mtime;		/* a file's mtime; 0: now */
	int	 uid, gid;	/* owner of everything written */
};
/* Starts an upload to path: a file (exactly p->size bytes follow through
 * rt_stream_write) or a tar whose entries are written as owned by
 * uid:gid. Missing parent directories (tar: path itself) are created,
 * owned by uid:gid. ERR_CONFLICT when a file would replace a directory or
 * a tar would unpack into a non-directory. */
int	 rt_file_put(struct rt *, const char *id, const char *path,
	    const struct rt_put *p, struct rt_stream **);

/* The table a backend fills; the functions above call through it. */
struct rt_ops {
	const char	*kind;
	unsigned	 caps;		/* RT_CAP_* */
	void	(*free)(struct rt *);
	int	(*ping)(struct rt *);
	int	(*image_exists)(struct rt *, const char *);
	int	(*network_ensure)(struct rt *, const char *);
	int	(*gpu_runtime)(struct rt *);
	int	(*port_free)(struct rt *, const char *, int);
	int	(*disk_limit_support)(struct rt *, char *, size_t);
	int	(*volume_create)(struct rt *, const char *,
		    const char *const *);
	int	(*volume_create_bind)(struct rt *, const char *,
		    const char *const *, const char *);
	int	(*volume_remove)(struct rt *, const char *);
	int	(*volume_exists)(struct rt *, const char *);
	int	(*volume_chown)(struct rt *, const char *, const char *,
		    const char *, const char *, const char *);
	int	(*create)(struct rt *, const struct rt_spec *, char **);
	int	(*start)(struct rt *, const char *);
	int	(*stop)(struct rt *, const char *, int);
	int	(*restart)(struct rt *, const char *, int);
	int	(*remove)(struct rt *, const char *, int);
	int	(*inspect)(struct rt *, const char *, struct rt_state *);
	int	(*inspect_json)(struct rt *, const char *, json_t **);
	int	(*list)(struct rt *, struct rt_container **, size_t *);
	/* NULL: this host's containers (rt_locate gives back rt and id). */
	int	(*locate)(struct rt *, const char *, struct rt_where *);
	int	(*logs)(struct rt *, const char *, const struct rt_logs_opts *,
		    struct rt_stream **);
	int	(*stats)(struct rt *, const char *, struct rt_stats *);
	int	(*file_stat)(struct rt *, const char *, const char *,
		    struct rt_file *);
	int	(*file_get)(struct rt *, const char *, const char *,
		    struct rt_file *, struct rt_stream **);
	int	(*file_put)(struct rt *, const char *, const char *,
		    const struct rt_put *, struct rt_stream **);
	ssize_t	(*stream_read)(struct rt_stream *, int *, void *, size_t, int);
	int	(*stream_write)(struct rt_stream *, const void *, size_t);
	int	(*stream_finish)(struct rt_stream *);
	void	(*stream_free)(struct rt_stream *);
};

#endif
