/* sup-files.h: files written as the workspace's user, through berth-sup
 * (berth-sup --put, run by the supervisor as that user): a write the user
 * may not make is ERR_FORBIDDEN with the cause, /proc and /sys are
 * refused. Any thread; one struct sup_put per upload. */
#ifndef BERTH_SUP_FILES_H
#define BERTH_SUP_FILES_H

#include <stddef.h>
#include <stdint.h>

struct sup_put;

/* Starts writing path (mode, mtime epoch or 0) as uid:gid through the
 * supervisor in supdir. 1 when no supervisor can do it (the caller uses
 * the engine), 0 with *pp, <0 on error. */
int	sup_put_open(const char *supdir, const char *path, unsigned mode,
	    int64_t mtime, int uid, int gid, struct sup_put **pp);
/* Writes all of b (blocking; the process's pace is the backpressure). */
int	sup_put_write(struct sup_put *, const void *b, size_t n);
/* Ends the file and says how it went: 0, ERR_FORBIDDEN, ERR_CONFLICT,
 * ERR_IO (err_msg() carries the cause, "No space left on device" too). */
int	sup_put_close(struct sup_put *);
/* Aborts (the partial file stays, as with the engine) and frees. */
void	sup_put_free(struct sup_put *);

#endif
