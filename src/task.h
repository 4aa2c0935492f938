/* task.h: tasks (SPEC section 3, docs/tasks.md): detached commands in a
 * workspace, run by its supervisor (sup-task.c through task-sup.c) so they
 * outlive the request, the client and berthd; berthd keeps a record of
 * each (db-tasks.c) and refreshes it from the supervisor, which holds the
 * live state and the output. Request threads, and the watcher thread that
 * task_watch_start starts (activity for idle, states kept fresh). */
#ifndef BERTH_TASK_H
#define BERTH_TASK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct app;
struct db;
struct db_task;
struct proc;
struct ws;

#define TASK_OUTPUT_MAX		(64ll << 20)	/* kept per task, default */
#define TASK_OUTPUT_MIN		(64ll << 10)
#define TASK_RUNNING_MAX	256		/* per workspace */

/* The workspace's supervisor directory when tasks can run there (malloc);
 * ERR_CONFLICT with the cause (no supervisor) otherwise. */
int	 task_sup_dir(const struct ws *, char **dir);
/* Starts a task from a POST body; *out: its JSON. */
int	 task_start(struct app *, struct db *, const struct ws *,
	    const json_t *body, json_t **out);
/* The workspace's tasks, refreshed from its supervisor. */
int	 task_list(struct db *, const struct ws *, json_t **out);
/* One task (id or name), refreshed; rec (may be NULL) gets the record. */
int	 task_get(struct db *, const struct ws *, const char *ref,
	    struct db_task *rec, json_t **out);
/* Sends sig to the task's whole tree; for SIGKILL waits (bounded) until
 * no process of it is left, else ERR_TIMEOUT. */
int	 task_kill(struct db *, const struct ws *, const char *ref, int sig,
	    json_t **out);
/* Writes to the task's stdin (eof: then closes it). */
int	 task_input(struct db *, const struct ws *, const char *ref,
	    const void *, size_t, int eof, json_t **out);
json_t	*task_json(const struct db_task *);
/* A signal by name ("KILL", "SIGTERM") or number; 0 when unknown. */
int	 task_signal_parse(const char *);

/* A viewer of the running task ref (id or name) of workspace ws_id as a
 * proc.h process (task-attach.c): the task's recent output then what it
 * writes, input to its stdin, resizes to its pty, its exit status;
 * proc_free detaches and the task runs on. ERR_CONFLICT when it is not
 * running. */
int	 task_attach(struct db *, const char *ws_id, const char *ref,
	    unsigned rows, unsigned cols, struct proc **pp);

/* The watcher: every few seconds, the workspaces with running tasks get
 * their records refreshed and their activity bumped. */
int	 task_watch_start(struct app *);
void	 task_watch_stop(void);

#endif
