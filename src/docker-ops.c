/* docker-ops.c: the Docker backend's table of rt.h operations and its
 * constructor (rt_new("docker", host) lands here). Any thread: struct
 * docker_rt is read-only after docker_rt_new and the client is
 * thread-safe. */
#include <stdlib.h>

#include "docker-client.h"
#include "docker-rt.h"
#include "rt.h"
#include "xmalloc.h"

static void
docker_rt_free(struct rt *rt)
{
	struct docker_rt *d = (struct docker_rt *)rt;

	dc_free(d->dc);
	free(d);
}

static const struct rt_ops docker_rt_ops = {
	.kind = "docker",
	.caps = RT_CAP_LOCAL_VOLUMES | RT_CAP_PUBLISHES_PORTS,
	.free = docker_rt_free,
	.ping = docker_ping,
	.image_exists = docker_image_exists,
	.network_ensure = docker_network_ensure,
	.gpu_runtime = docker_gpu_runtime,
	.port_free = docker_port_free,
	.disk_limit_support = docker_disk_limit_support,
	.volume_create = docker_volume_create,
	.volume_create_bind = docker_volume_create_bind,
	.volume_remove = docker_volume_remove,
	.volume_exists = docker_volume_exists,
	.volume_chown = docker_volume_chown,
	.create = docker_create,
	.start = docker_start,
	.stop = docker_stop,
	.restart = docker_restart,
	.remove = docker_remove,
	.inspect = docker_inspect,
	.inspect_json = docker_inspect_json,
	.list = docker_list,
	.logs = docker_logs,
	.stats = docker_stats,
	.file_stat = docker_file_stat,
	.file_get = docker_file_get,
	.file_put = docker_file_put,
	.stream_read = docker_stream_read,
	.stream_write = docker_stream_write,
	.stream_finish = docker_stream_finish,
	.stream_free = docker_stream_free,
};

struct rt *
docker_rt_new(const char *host)
{
	struct docker_rt *d;
	struct dc *dc;

	if ((dc = dc_new(host)) == NULL)
		return NULL;
	d = xcalloc(1, sizeof *d);
	d->rt.ops = &docker_rt_ops;
	d->dc = dc;
	return &d->rt;
}
