/* swarm-rt.h: the Swarm backend of rt.h: a workspace is a one-replica
 * Docker Swarm service, scheduled by the engine (GPUs and MIG slices as
 * node generic resources); what must happen on the node that runs it
 * (volumes, helper containers, exec, files, logs, stats, the supervisor)
 * goes to that node's engine through its berth agent (agent.h). Internal
 * to rt.c and swarm-*.c. Any thread. */
#ifndef BERTH_SWARM_RT_H
#define BERTH_SWARM_RT_H


#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "rt.h"

struct dc;

#define SWARM_NODES_MAX	64

struct swarm_node {
	char		 agent[128];	/* host:port of its berth agent */
	char		 host[64];	/* the host part, matched against the
					 * node's address in the swarm */
	struct rt	*rt;		/* its engine, through the agent */
	int64_t		 sweep_at;	/* mono ms: its run directories
					 * next swept (swarm_sweep) */
	atomic_int	 sweep_now;	/* a removal there failed */
};

#define SWARM_LABEL_RUNDIR	"berth.rundir"		/* rt_bind.make */

#define SWARM_LOC_N	64
#define SWARM_LOC_MS	2000

/* Where a container ran when last asked (swarm_locate), for at most
 * SWARM_LOC_MS: every exec asks, and finding out takes three calls to
 * the manager. */
struct swarm_loc {
	char			 id[80];	/* service id or name */
	char			 cid[72];	/* its container on the node */
	struct swarm_node	*node;
	int64_t			 at;		/* mono ms */
};

struct swarm_rt {
	struct rt		 rt;		/* first: rt.h's head */
	struct rt		*mgr;		/* the manager's engine */
	struct dc		*dc;		/* its client (borrowed) */
	struct swarm_node	 nodes[SWARM_NODES_MAX];
	size_t			 nnodes;
	pthread_mutex_t		 loc_lock;
	pthread_mutex_t		 sweep_lock;	/* one swarm_sweep at once */
	struct swarm_loc	 loc[SWARM_LOC_N];
};

/* rt_new("swarm", address): address is the manager's engine and the
 * agents, "unix:///var/run/docker.sock?agents=10.0.0.1:7070,10.0.0.2:7070
 * &token_file=/etc/berth/agent.token". */
struct rt	*swarm_rt_new(const char *address);

/* swarm-node.c: the per-node side. */
/* The node whose swarm node id is node_id, or NULL (with err_msg()): its
 * address is looked up in the swarm and matched to an agent. */
struct swarm_node *swarm_node_of(struct swarm_rt *, const char *node_id);
/* The node of the current task of service id, the task's container id
 * and state; ERR_CONFLICT with no task that has a container. */
int	swarm_task_node(struct swarm_rt *, const char *id,
	    struct swarm_node **, char *cid, size_t cidsize);
int	swarm_locate(struct rt *, const char *, struct rt_where *);
/* Forgets where containers ran (on a start, stop or removal). */
void	swarm_locate_forget(struct swarm_rt *);
/* Makes (make 1, for user "uid:gid" or NULL) or removes a workspace's
 * run directory dir on every node, through each node's agent (an
 * rt_bind with make): a node whose agent does not answer is logged and
 * skipped (it runs nothing now; the next start makes it again). */
void	swarm_run_dir(struct swarm_rt *, const char *dir, const char *user,
	    int make);
/* Removes, on each node due (every SWARM_SWEEP_MS, and soon after a
 * removal there failed, e.g. a delete while it was down), the run
 * directories that no service names: what a node holds is asked first,
 * the services listed after, and the agent removes only a directory
 * unchanged for a while (a create or start making it again wins). */
void	swarm_sweep(struct swarm_rt *);
int	swarm_volume_create(struct rt *, const char *, const char *const *);
int	swarm_volume_create_bind(struct rt *, const char *,
	    const char *const *, const char *);
int	swarm_volume_remove(struct rt *, const char *);
int	swarm_volume_exists(struct rt *, const char *);
int	swarm_volume_chown(struct rt *, const char *, const char *,
	    const char *, const char *, const char *);
int	swarm_network_ensure(struct rt *, const char *);
int	swarm_logs(struct rt *, const char *, const struct rt_logs_opts *,
	    struct rt_stream **);
int	swarm_stats(struct rt *, const char *, struct rt_stats *);
int	swarm_file_stat(struct rt *, const char *, const char *,
	    struct rt_file *);
int	swarm_file_get(struct rt *, const char *, const char *,
	    struct rt_file *, struct rt_stream **);
int	swarm_file_put(struct rt *, const char *, const char *,
	    const struct rt_put *, struct rt_stream **);
/* Helper containers live on nodes: their ids are "@<node index>/<id>". */
int	swarm_helper_remove(struct swarm_rt *, const char *id, int force);
int	swarm_helpers_list(struct swarm_rt *, struct rt_container **,
	    size_t *, size_t *);

/* swarm-node.c: one manager call whose answer must be 2xx. */
int	swarm_call(struct swarm_rt *, const char *method, const char *path,
	    json_t *body, const char *what, json_t **resp);

#endif
