/* docker-io.h: the pure parts of docker-io.c, exposed for tests: turning
 * the engine's answers into rt.h's structs. Internal to docker-*.c. Any
 * thread. */
#ifndef BERTH_DOCKER_IO_H
#define BERTH_DOCKER_IO_H

#include <jansson.h>

struct rt_stats;
struct rt_file;

/* Fills st from a stats object as docker stats computes it: CPU % from
 * cpu_stats/precpu_stats, memory without inactive file pages. */
void	docker_stats_parse(json_t *, struct rt_stats *st);
/* Decodes the X-Docker-Container-Path-Stat header (base64 JSON). */
int	docker_path_stat_parse(const char *b64, struct rt_file *f);

#endif
