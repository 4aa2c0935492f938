/* config.c: defaults, then a key = value file, then flags. Main thread,
 * at start-up. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

enum ktype { K_STR, K_INT, K_I64, K_DBL, K_SIZE, K_DUR };

struct key {
	const char	*name;
	enum ktype	 type;
	size_t		 off;
	const char	*def;
	const char	*help;
};

#define S(f)	K_STR, offsetof(struct config, f)
#define I(f)	K_INT, offsetof(struct config, f)
#define L(f)	K_I64, offsetof(struct config, f)
#define D(f)	K_DBL, offsetof(struct config, f)
#define Z(f)	K_SIZE, offsetof(struct config, f)
#define T(f)	K_DUR, offsetof(struct config, f)

static const struct key keys[] = {
	{ "listen", S(listen), "127.0.0.1:8080",
	    "HTTP API, web UI and terminal" },
	{ "ssh_listen", S(ssh_listen), "127.0.0.1:2222", "SSH gateway" },
	{ "state_dir", S(state_dir), "/var/lib/berth",
	    "SQLite store, keys, host key" },
	{ "config", S(config_file), "", "config file (key = value lines)" },
	{ "docker_host", S(docker_host), "unix:///var/run/docker.sock",
	    "Docker engine (with runtime swarm: a swarm manager's)" },
	{ "runtime", S(runtime), "docker",
	    "docker (this host) or swarm (docs/cluster.md)" },
	{ "swarm_agents", S(swarm_agents), "",
	    "runtime swarm: the nodes' berth agents, HOST:PORT,..." },
	{ "agent_token_file", S(agent_token_file), "",
	    "runtime swarm: the agents' join token (mode 600)" },
	{ "public_host", S(public_host), "",
	    "host name put into ssh commands and URLs" },
	{ "nvml_lib", S(nvml_lib), "libnvidia-ml.so.1",
	    "NVML library to dlopen" },
	{ "gpu_attach", S(gpu_attach), "nvidia",
	    "nvidia (DeviceRequests) or env" },
	{ "gpu_inventory", S(gpu_inventory), "", "static GPU inventory file" },
	{ "network", S(network), "berth-workspaces",
	    "bridge network for workspaces" },
	{ "default_image", S(default_image), "berth/workspace:latest",
	    "image of the default template" },
	{ "allowed_images", S(allowed_images), "",
	    "comma-separated images users may ask for" },
	{ "templates_file", S(templates_file), "", "JSON array of templates" },
	{ "log_level", S(log_level), "info", "debug|info|warn|error" },
	{ "log_format", S(log_format), "logfmt", "logfmt|json" },
	{ "metrics_allow", S(metrics_allow), "127.0.0.1",
	    "addresses allowed to read /metrics without a key" },
	{ "cors_origins", S(cors_origins), "",
	    "comma-separated allowed CORS origins" },
	{ "ttl_action", S(ttl_action), "stop", "stop|delete at expiry" },
	{ "direct_ssh_address", S(direct_ssh_address), "127.0.0.1",
	    "address direct SSH ports bind to" },
	{ "direct_image", S(direct_image), "berth/workspace-sshd:latest",
	    "image for direct SSH mode (runs sshd)" },
	{ "direct_port_min", I(direct_port_min), "10000",
	    "first direct SSH port" },
	{ "direct_port_max", I(direct_port_max), "20000",
	    "last direct SSH port" },
	{ "default_ttl", T(default_ttl), "0",
	    "TTL when none is given (0 = none)" },
	{ "max_ttl", T(max_ttl), "0",
	    "largest TTL a user may set (0 = no limit)" },
	{ "default_idle_timeout", T(default_idle_timeout), "30m",
	    "idle timeout when none is given" },
	{ "default_cpus", D(default_cpus), "2",
	    "CPUs when neither request nor template says" },
	{ "default_memory", Z(default_memory), "4g",
	    "memory when neither request nor template says" },
	{ "default_pids", L(default_pids), "1024", "pids limit per workspace" },
	{ "max_cpus", D(max_cpus), "64", "largest CPU request" },
	{ "max_memory", Z(max_memory), "512g", "largest memory request" },
	{ "quota_workspaces", I(quota_workspaces), "10",
	    "default max running workspaces per user" },
	{ "quota_gpus", I(quota_gpus), "8", "default max GPUs per user" },
	{ "quota_volume_gib", I(quota_volume_gib), "500",
	    "default max volume GiB per user" },
	{ "idle_gpu_util", I(idle_gpu_util), "10",
	    "GPU utilization (%) at which a workspace is not idle" },
	{ "reconcile_interval", I(reconcile_interval), "60",
	    "seconds between reconciles" },
	{ "lifecycle_workers", I(lifecycle_workers), "8",
	    "TTL and idle stops run at once at most (1: one at a time)" },
	{ "http_threads", I(http_threads), "64",
	    "HTTP worker threads kept ready" },
	{ "http_max_workers", I(http_max_workers), "512",
	    "HTTP worker threads at most (one per running request)" },
	{ "http_max_conns", I(http_max_conns), "10000",
	    "open HTTP connections at most (the oldest waiting one is "
	    "dropped)" },
	{ "http_conns_per_addr", I(http_conns_per_addr), "1000",
	    "open HTTP connections per client address (more: 429)" },
	{ "http_header_timeout", I(http_header_timeout), "10",
	    "seconds for a request head (and a small body) to arrive" },
	{ "exec_output_cap", Z(exec_output_cap), "16m",
	    "exec output cap per stream" },
	{ "supervisor", S(supervisor), "auto",
	    "berth-sup binary put in workspaces: auto (next to berthd), off, "
	    "or a path" },
	{ "terminal_idle", T(terminal_idle), "30m",
	    "how long a named terminal session lives with nobody attached" },
	{ "log_max_size", Z(log_max_size), "10m",
	    "container output kept per log file (rotated)" },
	{ "log_max_files", I(log_max_files), "3",
	    "rotated container log files kept" },
	{ "container_disk", Z(container_disk), "0",
	    "writable layer limit per container (0 = none; needs a storage "
	    "driver that can)" },
	{ NULL, 0, 0, NULL, NULL }
};

int
size_parse(const char *s, int64_t *out)
{
	char *end;
	double v;
	int64_t mult = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return ERR_INVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s)
		return ERR_INVAL;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': mult = 1024LL; end++; break;
	case 'm': mult = 1024LL * 1024; end++; break;
	case 'g': mult = 1024LL * 1024 * 1024; end++; break;
	case 't': mult = 1024LL * 1024 * 1024 * 1024; end++; break;
	default: return ERR_INVAL;
	}
	if (*end == 'b' || *end == 'B' || *end == 'i')
		end++;
	if ((*end == 'b' || *end == 'B') && end[-1] == 'i')
		end++;
	if (*end != '\0' || v < 0 || v * (double)mult > 9.0e18)
		return ERR_INVAL;
	*out = (int64_t)(v * (double)mult);
	return 0;
}

static const struct key *
key_find(const char *name)
{
	for (const struct key *k = keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int
key_set(struct config *cfg, const struct key *k, const char *val)
{
	char *p = (char *)cfg + k->off, *end;
	long long ll;
	int64_t i64;
	double d;

	switch (k->type) {
	case K_STR:
		free(*(char **)p);
		*(char **)p = xstrdup(val);
		return 0;
	case K_INT:
	case K_I64:
		errno = 0;
		ll = strtoll(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || ll < 0 ||
		    (k->type == K_INT && ll > INT_MAX))
			goto bad;
		if (k->type == K_INT)
			*(int *)p = (int)ll;
		else
			*(int64_t *)p = ll;
		return 0;
	case K_DBL:
		errno = 0;
		d = strtod(val, &end);
		if (errno != 0 || end == val || *end != '\0' || d < 0)
			goto bad;
		*(double *)p = d;
		return 0;
	case K_SIZE:
		if (size_parse(val, &i64) != 0)
			goto bad;
		*(int64_t *)p = i64;
		return 0;
	case K_DUR:
		if (duration_parse(val, &i64) != 0)
			goto bad;
		*(int64_t *)p = i64;
		return 0;
	}
bad:
	return err_set(ERR_INVAL, "invalid value '%s' for %s", val, k->name);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
config_file_load(struct config *cfg, const char *path)
{
	char line[4096];
	FILE *f;
	int lineno = 0, r = 0;

	if ((f = fopen(path, "r")) == NULL)
		return err_set(ERR_INVAL, "cannot open config file %s: %s",
		    path, strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		char *s, *eq, *k, *v;
		const struct key *key;

		lineno++;
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			r = err_set(ERR_INVAL, "%s:%d: expected key = value",
			    path, lineno);
			break;
		}
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		for (char *c = k; *c; c++)
			if (*c == '-')
				*c = '_';
		if ((key = key_find(k)) == NULL || strcmp(k, "config") == 0) {
			r = err_set(ERR_INVAL, "%s:%d: unknown key '%s'",
			    path, lineno, k);
			break;
		}
		if ((r = key_set(cfg, key, v)) != 0) {
			struct err_saved msg;
			err_save(&msg);
			r = err_set(r, "%s:%d: %s", path, lineno, msg.msg);
			break;
		}
	}
	fclose(f);
	return r;
}

static void
usage(void)
{
	printf("usage: berthd [--flag value | --flag=value]...\n"
	    "       berthd agent --listen HOST:PORT --token-file FILE "
	    "[--engine URL] [--state DIR]\n"
	    "       berthd agent --resources [--nvml-lib LIB]\n"
	    "              (a cluster node's agent: docs/cluster.md)\n\n");
	for (const struct key *k = keys; k->name != NULL; k++) {
		char flag[64];
		snprintf(flag, sizeof flag, "--%s", k->name);
		for (char *c = flag + 2; *c; c++)
			if (*c == '_')
				*c = '-';
		printf("  %-24s %s (default: %s)\n", flag, k->help,
		    *k->def ? k->def : "none");
	}
	printf("  %-24s %s\n", "--version", "print the version and exit");
	printf("\nEvery flag is also a config file key (with '_' for '-').\n");
}

int
config_load(struct config *cfg, int argc, char **argv)
{
	const char *cfgfile = NULL;
	int r;

	memset(cfg, 0, sizeof *cfg);
	for (const struct key *k = keys; k->name != NULL; k++)
		if ((r = key_set(cfg, k, k->def)) != 0)
			return r;
	/* First pass: find --config so flags override the file. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			cfgfile = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			cfgfile = argv[i] + 9;
	}
	if (cfgfile != NULL) {
		if ((r = config_file_load(cfg, cfgfile)) != 0)
			return r;
		free(cfg->config_file);
		cfg->config_file = xstrdup(cfgfile);
	}
	for (int i = 1; i < argc; i++) {
		char name[64], *eq;
		const char *val;
		const struct key *k;

		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage();
			exit(0);
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("berthd %s\n", BERTH_VERSION);
			exit(0);
		}
		if (strncmp(argv[i], "--", 2) != 0)
			return err_set(ERR_INVAL, "unexpected argument '%s' "
			    "(see berthd --help)", argv[i]);
		snprintf(name, sizeof name, "%s", argv[i] + 2);
		eq = strchr(name, '=');
		if (eq != NULL)
			*eq = '\0';
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		if ((k = key_find(name)) == NULL)
			return err_set(ERR_INVAL, "unknown flag '%s' "
			    "(see berthd --help)", argv[i]);
		if (eq != NULL)
			val = strchr(argv[i], '=') + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return err_set(ERR_INVAL, "flag %s needs a value",
			    argv[i]);
		if (strcmp(k->name, "config") == 0)
			continue;
		if ((r = key_set(cfg, k, val)) != 0)
			return r;
	}
	if (strcmp(cfg->gpu_attach, "nvidia") != 0 &&
	    strcmp(cfg->gpu_attach, "env") != 0)
		return err_set(ERR_INVAL, "gpu_attach must be nvidia or env, "
		    "not '%s'", cfg->gpu_attach);
	if (strcmp(cfg->ttl_action, "stop") != 0 &&
	    strcmp(cfg->ttl_action, "delete") != 0)
		return err_set(ERR_INVAL, "ttl_action must be stop or delete");
	if (strcmp(cfg->log_format, "logfmt") != 0 &&
	    strcmp(cfg->log_format, "json") != 0)
		return err_set(ERR_INVAL, "log_format must be logfmt or json");
	if (cfg->direct_port_min < 1 || cfg->direct_port_max > 65535 ||
	    cfg->direct_port_min > cfg->direct_port_max)
		return err_set(ERR_INVAL, "bad direct port range %d-%d",
		    cfg->direct_port_min, cfg->direct_port_max);
	if (strcmp(cfg->runtime, "docker") != 0 &&
	    strcmp(cfg->runtime, "swarm") != 0)
		return err_set(ERR_INVAL, "runtime must be docker or swarm, "
		    "not '%s'", cfg->runtime);
	if (strcmp(cfg->runtime, "swarm") == 0 &&
	    (*cfg->swarm_agents == '\0' || *cfg->agent_token_file == '\0'))
		return err_set(ERR_INVAL, "runtime swarm needs swarm_agents "
		    "and agent_token_file");
	if (strncmp(cfg->docker_host, "unix://", 7) != 0)
		return err_set(ERR_INVAL, "docker_host must be unix:///path, "
		    "not '%s'", cfg->docker_host);
	return 0;
}

void
config_free(struct config *cfg)
{
	for (const struct key *k = keys; k->name != NULL; k++)
		if (k->type == K_STR)
			xfreep((char *)cfg + k->off);
}
