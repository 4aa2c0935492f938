/* activity.c: the workspaces' activity, noted in memory by whoever uses
 * a workspace (any thread) and written to the store by the lifecycle
 * thread (activity.h). One mutex over a small table; no call made under
 * it blocks. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "db.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

static const char *const names[ACT_NSOURCES] = {
	"ssh", "terminal", "exec", "files", "task", "gpu", "port-proxy",
	"keepalive", "process", "tty"
};

struct entry {
	char	 id[40];
	int64_t	 noted[ACT_NSOURCES];	/* latest moment, epoch s */
	int64_t	 written[ACT_NSOURCES];	/* what the store has */
	int	 holds[ACT_NSOURCES];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *tab;
static size_t ntab;

int
activity_source(const char *name)
{
	for (int i = 0; i < ACT_NSOURCES; i++)
		if (name != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
activity_source_name(int src)
{
	return src >= 0 && src < ACT_NSOURCES ? names[src] : NULL;
}

/* The entry of id, made when missing (with the lock held). */
static struct entry *
entry_of(const char *id, int make)
{
	for (size_t i = 0; i < ntab; i++)
		if (strcmp(tab[i].id, id) == 0)
			return &tab[i];
	if (!make || strlen(id) >= sizeof tab[0].id)
		return NULL;
	tab = xreallocarray(tab, ntab + 1, sizeof *tab);
	memset(&tab[ntab], 0, sizeof tab[ntab]);
	snprintf(tab[ntab].id, sizeof tab[ntab].id, "%s", id);
	return &tab[ntab++];
}

static void
note(const char *id, const char *source, int hold, int64_t at)
{
	int s = activity_source(source);
	struct entry *e;

	if (id == NULL || *id == '\0')
		return;
	if (s < 0) {
		log_warn("activity: unknown source '%s' for %s", source, id);
		return;
	}
	pthread_mutex_lock(&lock);
	if ((e = entry_of(id, 1)) != NULL) {
		if (at > e->noted[s])
			e->noted[s] = at;
		if (hold > 0)
			e->holds[s]++;
		else if (hold < 0 && e->holds[s] > 0)
			e->holds[s]--;
	}
	pthread_mutex_unlock(&lock);
}

void
ws_activity(const char *ws_id, const char *source)
{
	note(ws_id, source, 0, now_s());
}

void
ws_activity_at(const char *ws_id, const char *source, int64_t at)
{
	int64_t now = now_s();

	note(ws_id, source, 0, at > now ? now : at);
}

void
ws_activity_hold(const char *ws_id, const char *source)
{
	note(ws_id, source, 1, now_s());
}

void
ws_activity_release(const char *ws_id, const char *source)
{
	note(ws_id, source, -1, now_s());
}

void
activity_peek(const char *ws_id, int64_t *last_at, int *src,
    unsigned *held)
{
	int64_t now = now_s();
	struct entry *e;

	*last_at = 0;
	*src = -1;
	*held = 0;
	pthread_mutex_lock(&lock);
	if ((e = entry_of(ws_id, 0)) != NULL)
		for (int s = 0; s < ACT_NSOURCES; s++) {
			int64_t t = e->holds[s] > 0 ? now : e->noted[s];
			if (e->holds[s] > 0)
				*held |= 1u << s;
			if (t > *last_at) {
				*last_at = t;
				*src = s;
			}
		}
	pthread_mutex_unlock(&lock);
}

void
activity_flush(struct db *db)
{
	struct pending {
		char	 id[40];
		int	 src;
		int64_t	 at;
	} *p = NULL;
	size_t np = 0, keep = 0;
	int64_t now = now_s();

	/* Copy out under the lock; write without it. */
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ntab; i++) {
		struct entry *e = &tab[i];
		int busy = 0;
		for (int s = 0; s < ACT_NSOURCES; s++) {
			if (e->holds[s] > 0) {
				e->noted[s] = now;
				busy = 1;
			}
			if (e->noted[s] <= e->written[s])
				continue;
			p = xreallocarray(p, np + 1, sizeof *p);
			snprintf(p[np].id, sizeof p[np].id, "%s", e->id);
			p[np].src = s;
			p[np].at = e->noted[s];
			np++;
			e->written[s] = e->noted[s];
		}
		/* An entry with nothing open and all written goes. */
		if (busy)
			tab[keep++] = *e;
	}
	ntab = keep;
	pthread_mutex_unlock(&lock);
	if (np == 0)
		return;
	if (db_begin(db) != 0) {
		free(p);
		return;
	}
	for (size_t i = 0; i < np; i++)
		db_ws_activity(db, p[i].id, names[p[i].src], p[i].at);
	db_commit(db);
	free(p);
}

void
activity_forget(const char *ws_id)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ntab; i++)
		if (strcmp(tab[i].id, ws_id) == 0) {
			tab[i] = tab[--ntab];
			break;
		}
	pthread_mutex_unlock(&lock);
}
