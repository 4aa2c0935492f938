/* berthd.c: the daemon: config, state directory, store, first-start admin
 * key, runtime backend, HTTP server, SSH gateway, lifecycle thread, and
 * signals (SIGTERM drains and exits, SIGHUP reloads templates). The main
 * thread only waits for signals once everything runs. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "agent.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "gpu-host.h"
#include "ssh-gw.h"
#include "http-server.h"
#include "life.h"
#include "log.h"
#include "rt.h"
#include "term.h"
#include "timeutil.h"
#include "proc-sup.h"
#include "rnd.h"
#include "sup-host.h"
#include "task.h"
#include "tmpl.h"
#include "vol-loop.h"
#include "ws.h"
#include "xmalloc.h"


static int
state_dir_prepare(const char *dir)
{
	struct stat sb;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set(ERR_IO, "cannot create state dir %s: %s", dir,
		    strerror(errno));
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return err_set(ERR_IO, "state dir %s is not a directory", dir);
	if ((sb.st_mode & 0777) != 0700 && chmod(dir, 0700) != 0)
		return err_set(ERR_IO, "cannot make %s mode 0700: %s", dir,
		    strerror(errno));
	return 0;
}

/* Takes the state directory for this berthd alone (an exclusive lock on
 * its berthd.lock, held until exit, released by the kernel on a crash),
 * before anything in it is touched: a second berthd on the same state
 * would otherwise roll back the first one's work. Exits when it is held. */
static void
state_dir_lock(const char *dir)
{
	static int fd = -1;
	char *path = xasprintf("%s/berthd.lock", dir), pid[32] = "";
	ssize_t n;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0)
		fatal("cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			fatal("cannot lock %s: %s", path, strerror(errno));
		if ((n = pread(fd, pid, sizeof pid - 1, 0)) > 0)
			pid[n] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(stderr, "berthd: the state directory %s is in use by "
		    "another berthd (pid %s); not starting, nothing changed\n",
		    dir, *pid ? pid : "?");
		exit(1);
	}
	if (ftruncate(fd, 0) != 0 || dprintf(fd, "%ld\n", (long)getpid()) < 0)
		log_warn("%s: %s", path, strerror(errno));
	free(path);
}

/* On first start (no users): the admin user and its key, written once. */
static int
first_start(struct app *app, struct db *db)
{
	char *key = NULL, *id = NULL, *path;
	int n = 0, fd, r;

	if ((r = db_user_count(db, &n)) != 0)
		return r;
	if (n > 0)
		return 0;
	if ((r = db_begin(db)) != 0)
		return r;
	if ((r = db_user_add(db, "admin", "admin",
	    (int64_t)app->cfg.quota_workspaces * 10,
	    (int64_t)app->cfg.quota_gpus * 8,
	    (int64_t)app->cfg.quota_volume_gib * 10, 0)) != 0 ||
	    (r = auth_key_new(db, "admin", "first start", NULL, &key,
	    &id)) != 0) {
		db_rollback(db);
		return r;
	}
	path = xasprintf("%s/admin.key", app->cfg.state_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || dprintf(fd, "%s\n", key) < 0 ||
	    fsync(fd) != 0) {
		r = err_set(ERR_IO, "cannot write %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		db_rollback(db);
		goto out;
	}
	close(fd);
	if ((r = db_commit(db)) != 0)
		goto out;
	db_event(db, "berthd", "user.create", "admin", "ok", "first start");
	/* The key itself is printed only to a person at a terminal: under
	 * systemd or docker, stdout ends up in a log, and secrets never go
	 * there. The file is the way to read it. */
	printf("berthd: first start: admin API key written to %s\n", path);
	if (isatty(STDOUT_FILENO))
		printf("admin API key: %s\n", key);
	fflush(stdout);
out:
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	free(id);
	free(path);
	return r;
}

/* This installation's id, made once: it labels our containers so that
 * several berthds on one engine never touch each other's. */
static int
instance_id(struct app *app, struct db *db)
{
	char id[40], *v = NULL;
	int r;

	if ((r = db_meta_get(db, "instance", &v)) == 0) {
		snprintf(app->instance, sizeof app->instance, "%s", v);
		free(v);
		return 0;
	}
	if (r != ERR_NOTFOUND)
		return r;
	rnd_hex(id, 8);
	snprintf(app->instance, sizeof app->instance, "%s", id);
	return db_meta_set(db, "instance", id);
}

/* Says at start-up whether writable layers can be limited here, and
 * drops a container_disk the backend cannot enforce (never pretended). */
static void
disk_limit_check(struct app *app)
{
	char why[512];
	int r = rt_disk_limit_support(app->rt, why, sizeof why);

	if (r > 0)
		log_info("writable layers: %s", why);
	else if (app->cfg.container_disk > 0) {
		log_warn("container_disk is not enforced: %s",
		    r == 0 ? why : err_msg());
		app->cfg.container_disk = 0;
	} else
		log_info("writable layers are not limited: %s", r == 0 ? why :
		    err_msg());
}

static struct rt	*sup_rt;

/* Where a workspace's supervisor is reached (proc-sup.h's locator): the
 * agent of the node that runs it, "" on this host. */
static int
sup_via(const char *ws_id, char *via, size_t size)
{
	struct rt_where w;
	char *name = ws_container_name(ws_id);
	int r;

	r = rt_locate(sup_rt, name, &w);
	free(name);
	if (r == 0 && strlcpy_b(via, w.via, size) >= size)
		r = err_set(ERR_INVAL, "agent address too long");
	return r;
}

int
main(int argc, char **argv)
{
	static struct app app;
	struct db *db;
	sigset_t set;
	char *dbpath, *hostkey;
	int sig, r, lvl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "agent") == 0)
		return agent_main(argc - 1, argv + 1);
	/* Many short-lived worker threads: a few malloc arenas keep the
	 * resident size down without costing throughput here. */
	mallopt(M_ARENA_MAX, 2);
	if (config_load(&app.cfg, argc, argv) != 0) {
		fprintf(stderr, "berthd: %s\n", err_msg());
		return 2;
	}
	if ((lvl = log_level_parse(app.cfg.log_level)) < 0) {
		fprintf(stderr, "berthd: bad log_level '%s'\n",
		    app.cfg.log_level);
		return 2;
	}
	log_init(lvl, strcmp(app.cfg.log_format, "json") == 0);

	/* Signals are taken by the main thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (state_dir_prepare(app.cfg.state_dir) != 0)
		fatal("%s", err_msg());
	state_dir_lock(app.cfg.state_dir);
	if (sup_host_init(app.cfg.state_dir, app.cfg.supervisor) != 0)
		fatal("%s", err_msg());
	dbpath = xasprintf("%s/berth.db", app.cfg.state_dir);
	app.db_path = dbpath;
	db_file_private(dbpath);
	db_set_path(dbpath);
	if ((db = db_thread()) == NULL)
		fatal("cannot open the store %s", dbpath);
	if (strcmp(app.cfg.runtime, "swarm") == 0) {
		/* The manager's engine and the nodes' agents. */
		char *addr = xasprintf("%s?agents=%s&token_file=%s",
		    app.cfg.docker_host, app.cfg.swarm_agents,
		    app.cfg.agent_token_file);

		app.rt = rt_new("swarm", addr);
		free(addr);
		if (app.rt == NULL)
			fatal("runtime swarm: %s", err_msg());
	} else if ((app.rt = rt_new("docker", app.cfg.docker_host)) == NULL)
		fatal("bad docker_host '%s'", app.cfg.docker_host);
	if ((rt_caps(app.rt) & RT_CAP_LOCAL_VOLUMES) == 0) {
		/* Containers run on other hosts: so do their supervisors. */
		sup_rt = app.rt;
		sup_set_locator(sup_via);
		sup_host_set_remote();
	}
	if (tmpl_reload(&app) != 0)
		fatal("%s", err_msg());
	if (instance_id(&app, db) != 0)
		fatal("%s", err_msg());
	if (first_start(&app, db) != 0)
		fatal("first start: %s", err_msg());
	vol_mount_all(&app, db);
	if (rt_ping(app.rt) != 0)
		log_warn("%s; workspaces can't start until it answers",
		    err_msg());
	else if (ws_network_ensure(&app) != 0)
		log_warn("workspace network: %s", err_msg());
	disk_limit_check(&app);
	if (gpu_startup(&app, db) != 0)
		log_warn("gpus: %s", err_msg());
	life_reconcile(&app, db, 1);

	if (term_start(&app) != 0)
		fatal("%s", err_msg());
	http_set_web(&http_web_hooks);
	if ((r = http_start(&app, http_route_tables)) != 0)
		fatal("%s", err_msg());
	hostkey = xasprintf("%s/ssh_host_ed25519_key", app.cfg.state_dir);
	if (ssh_gw_start(&app, app.cfg.ssh_listen, hostkey) != 0)
		fatal("ssh gateway: %s", err_msg());
	free(hostkey);
	if (life_start(&app) != 0)
		fatal("%s", err_msg());
	if (task_watch_start(&app) != 0)
		fatal("%s", err_msg());
	log_info("berthd %s listening on http://%s (ssh %s), state %s",
	    BERTH_VERSION, app.cfg.listen, app.cfg.ssh_listen,
	    app.cfg.state_dir);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			if (tmpl_reload(&app) != 0)
				log_error("reload failed, keeping the old "
				    "templates: %s", err_msg());
			continue;
		}
		break;
	}
	log_info("signal %d: draining and stopping", sig);
	app.stopping = 1;
	ssh_gw_stop();
	http_stop();
	term_stop();
	life_stop();
	task_watch_stop();
	rt_free(app.rt);
	log_info("stopped");
	config_free(&app.cfg);
	free(dbpath);
	return 0;
}
