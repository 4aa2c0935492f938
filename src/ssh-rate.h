/* ssh-rate.h: the gateway's per-source-address limits: a token bucket of
 * failed authentications (an empty bucket makes further failures from that
 * address slow and short-lived, never a good client's success), and a cap
 * on unauthenticated connections per address. Thread-safe (one lock). */
#ifndef BERTH_SSH_RATE_H
#define BERTH_SSH_RATE_H

#include <stdint.h>

struct ssh_rate;

/* burst failures allowed at once, refilled at per_sec; at most
 * max_preauth unauthenticated connections per address. */
struct ssh_rate	*ssh_rate_new(double burst, double per_sec, int max_preauth);
void		 ssh_rate_free(struct ssh_rate *);
/* Records a failed authentication from addr at now_ms (monotonic). Returns
 * 0 while the address is within its budget, 1 when it is over it (the
 * caller then delays its answer and drops the connection). */
int		 ssh_rate_fail(struct ssh_rate *, const char *addr,
		    int64_t now_ms);
/* 1 when addr has no failure budget left at now_ms. */
int		 ssh_rate_limited(struct ssh_rate *, const char *addr,
		    int64_t now_ms);
/* Takes an unauthenticated-connection slot for addr: 0, or ERR_QUOTA when
 * addr already holds max_preauth. Release with ssh_rate_leave(). */
int		 ssh_rate_enter(struct ssh_rate *, const char *addr,
		    int64_t now_ms);
void		 ssh_rate_leave(struct ssh_rate *, const char *addr);

#endif
