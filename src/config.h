/* config.h: berthd's settings: defaults, then the config file (key = value
 * lines, '#' comments), then flags (--key value or --key=value, the same
 * names with '-' for '_'). Unknown keys are an error. Read at start-up on
 * the main thread; afterwards read-only except templates (SIGHUP). */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <stdint.h>

struct config {
	char	*listen;		/* 127.0.0.1:8080 */
	char	*ssh_listen;		/* 127.0.0.1:2222 */
	char	*state_dir;		/* /var/lib/berth */
	char	*config_file;
	char	*docker_host;		/* unix:///var/run/docker.sock */
	char	*runtime;		/* docker | swarm */
	char	*swarm_agents;		/* HOST:PORT,... */
	char	*agent_token_file;
	char	*public_host;		/* put into ssh commands and URLs */
	char	*nvml_lib;		/* libnvidia-ml.so.1 */
	char	*gpu_attach;		/* nvidia|env */
	char	*gpu_inventory;		/* static inventory file, "" = none */
	char	*network;		/* berth-workspaces */
	char	*default_image;		/* berth/workspace:latest */
	/* Comma-separated; templates' images are always allowed. */
	char	*allowed_images;
	char	*templates_file;	/* JSON templates, "" = none */
	char	*log_level;		/* info */
	char	*log_format;		/* logfmt|json */
	char	*metrics_allow;		/* comma-separated addresses */
	char	*cors_origins;		/* comma-separated, "" = none */
	char	*ttl_action;		/* stop|delete */
	char	*direct_ssh_address;	/* 127.0.0.1 */
	char	*direct_image;		/* berth/workspace-sshd:latest */
	int	 direct_port_min;	/* 10000 */
	int	 direct_port_max;	/* 20000 */
	int64_t	 default_ttl;		/* seconds, 0 = none */
	int64_t	 max_ttl;		/* seconds, 0 = none */
	int64_t	 default_idle_timeout;	/* 1800 */
	double	 default_cpus;		/* 2 */
	int64_t	 default_memory;	/* bytes, 4g */
	int64_t	 default_pids;		/* 1024 */
	double	 max_cpus;
	int64_t	 max_memory;
	int	 quota_workspaces;	/* default per-user max running */
	int	 quota_gpus;
	int	 quota_volume_gib;
	int	 reconcile_interval;	/* seconds, 60 */
	int	 lifecycle_workers;	/* stops at once, 8 */
	int	 idle_gpu_util;		/* %: a GPU this busy is not idle, 10 */
	int	 http_threads;		/* 32 */
	int	 http_max_workers;	/* 512 */
	int	 http_max_conns;	/* 10000 */
	int	 http_conns_per_addr;	/* 1000 */
	int	 http_header_timeout;	/* seconds, 10 */
	int64_t	 exec_output_cap;	/* bytes per stream, 16 MiB */
	char	*supervisor;		/* berth-sup binary: auto|off|path */
	int64_t	 terminal_idle;		/* s a session outlives its viewers */
	int64_t	 log_max_size;		/* container log file, 10 MiB */
	int	 log_max_files;		/* rotated log files, 3 */
	int64_t	 container_disk;	/* writable layer, 0: none */
};

/* Fills cfg from defaults, an optional --config file and argv. On error
 * returns ERR_INVAL with err_msg() saying which key or flag. */
int	config_load(struct config *cfg, int argc, char **argv);
void	config_free(struct config *);
/* Parses "16g", "512m", "1024k", "123" (bytes) into bytes. */
int	size_parse(const char *, int64_t *);

#endif
