/* life.h: the lifecycle thread: reconcile records with the engine (at
 * start and every reconcile_interval), TTL expiry and idle stop. */
#ifndef BERTH_LIFE_H
#define BERTH_LIFE_H

struct app;
struct db;

/* One reconcile pass. at_start (before berthd listens): only records are
 * mended, and those left 'creating' by a previous run are rolled back
 * (nobody is creating them any more); their containers go in the first
 * regular pass, which life_start runs at once. */
int	life_reconcile(struct app *, struct db *, int at_start);
/* One pass of TTL and idle checks. */
void	life_expire(struct app *, struct db *);
/* Starts / stops the lifecycle thread. */
int	life_start(struct app *);
void	life_stop(void);

#endif
