/* ssh-rate.c: per-address failure buckets and pre-auth slots in a small
 * fixed table; the least recently seen idle entry is reused when full.
 * Thread-safe behind one mutex; nothing blocks while holding it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ssh-rate.h"
#include "xmalloc.h"

#define RATE_SLOTS	1024

struct rate_ent {
	char	addr[64];	/* "" when free */
	double	tokens;
	int64_t	last_ms;	/* last refill / use */
	int	preauth;	/* unauthenticated connections now */
};

struct ssh_rate {
	pthread_mutex_t	 lock;
	double		 burst, per_sec;
	int		 max_preauth;
	struct rate_ent	 ents[RATE_SLOTS];
};

struct ssh_rate *
ssh_rate_new(double burst, double per_sec, int max_preauth)
{
	struct ssh_rate *r = xcalloc(1, sizeof *r);

	pthread_mutex_init(&r->lock, NULL);
	r->burst = burst;
	r->per_sec = per_sec;
	r->max_preauth = max_preauth;
	return r;
}

void
ssh_rate_free(struct ssh_rate *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* The entry for addr, refilled to now; created (evicting the stalest idle
 * entry) when create is set, else NULL when absent. Lock held. */
static struct rate_ent *
lookup(struct ssh_rate *r, const char *addr, int64_t now_ms, int create)
{
	struct rate_ent *e, *victim = NULL;
	size_t i;

	for (i = 0; i < RATE_SLOTS; i++) {
		e = &r->ents[i];
		if (e->addr[0] != '\0' && strcmp(e->addr, addr) == 0) {
			if (now_ms > e->last_ms) {
				e->tokens += (double)(now_ms - e->last_ms) *
				    r->per_sec / 1000.0;
				if (e->tokens > r->burst)
					e->tokens = r->burst;
				e->last_ms = now_ms;
			}
			return e;
		}
		if (e->preauth == 0 && (victim == NULL ||
		    e->addr[0] == '\0' || (victim->addr[0] != '\0' &&
		    e->last_ms < victim->last_ms)))
			victim = e;
	}
	if (!create || victim == NULL)
		return NULL;
	memset(victim, 0, sizeof *victim);
	strlcpy_b(victim->addr, addr, sizeof victim->addr);
	victim->tokens = r->burst;
	victim->last_ms = now_ms;
	return victim;
}

int
ssh_rate_fail(struct ssh_rate *r, const char *addr, int64_t now_ms)
{
	struct rate_ent *e;
	int over = 1;

	pthread_mutex_lock(&r->lock);
	if ((e = lookup(r, addr, now_ms, 1)) != NULL) {
		if (e->tokens >= 1.0) {
			e->tokens -= 1.0;
			over = 0;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return over;
}

int
ssh_rate_limited(struct ssh_rate *r, const char *addr, int64_t now_ms)
{
	struct rate_ent *e;
	int limited = 0;

	pthread_mutex_lock(&r->lock);
	if ((e = lookup(r, addr, now_ms, 0)) != NULL)
		limited = e->tokens < 1.0;
	pthread_mutex_unlock(&r->lock);
	return limited;
}

int
ssh_rate_enter(struct ssh_rate *r, const char *addr, int64_t now_ms)
{
	struct rate_ent *e;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	e = lookup(r, addr, now_ms, 1);
	if (e == NULL || e->preauth >= r->max_preauth)
		rc = ERR_QUOTA;
	else
		e->preauth++;
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void
ssh_rate_leave(struct ssh_rate *r, const char *addr)
{
	struct rate_ent *e;
	size_t i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < RATE_SLOTS; i++) {
		e = &r->ents[i];
		if (e->addr[0] != '\0' && strcmp(e->addr, addr) == 0) {
			if (e->preauth > 0)
				e->preauth--;
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
}
