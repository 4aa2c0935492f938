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

/* A host path bound into the container (the supervisor's binary and run
 * directory). */
struct rt_bind {
	const char	*source;	/* absolute host path */
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
	const struct rt_bind	*binds;
	size_t			 nbinds;
	/* argv put in front of the image's own entrypoint and command (the
	 * supervisor, which runs them as its child); NULL: none. */
	const char *const	*entry_prefix;
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
/* The same, for a volume that is host directory dir (bind-mounted into the
 * containers that use it; vol-loop.c's loop-mounted filesystems). */
int	rt_volume_create_bind(struct rt *, const char *name,
	    const char *const *labels, const char *dir);
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

/* Streams (docker-io.c): container output, one stats sample, file
 * transfer. Everything streams in bounded memory; a struct rt_stream is
 * used by one thread at a time and freed with rt_stream_free (which also
 * aborts an unfinished transfer). */
struct rt_stream;

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

/* One sample, as docker stats computes it. */
struct rt_stats {
	double	 cpu_percent;	/* 100 = one CPU busy */
	int	 online_cpus;
	int64_t	 mem_used;	/* without the page cache, as docker stats */
	int64_t	 mem_limit;
	int64_t	 pids;
	int64_t	 net_rx, net_tx;	/* bytes, all interfaces */
	int64_t	 blk_read, blk_write;	/* bytes */
};
/* Takes about a second: the engine samples twice for the CPU figure. */
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

#endif
