/* sup-files.h: files written and read as the workspace's user, through
 * berth-sup (berth-sup --put and --get, run by the supervisor as that
 * user): a write or read the user may not make is ERR_FORBIDDEN with the
 * cause, /proc and /sys are refused. Any thread; one struct sup_put per
 * upload, one struct sup_get per download. */
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
/* The same for a tar to unpack into directory dir (created with its
 * parents; entries keep modes and mtimes, device nodes and fifos are
 * ERR_INVAL at sup_put_write/close, as is a malformed tar). */
int	sup_untar_open(const char *supdir, const char *dir, int uid, int gid,
	    struct sup_put **pp);
/* Writes all of b (blocking; the process's pace is the backpressure). */
int	sup_put_write(struct sup_put *, const void *b, size_t n);
/* Ends the file and says how it went: 0, ERR_FORBIDDEN, ERR_CONFLICT,
 * ERR_IO (err_msg() carries the cause, "No space left on device" too). */
int	sup_put_close(struct sup_put *);
/* Aborts (the partial file stays, as with the engine) and frees. */
void	sup_put_free(struct sup_put *);

struct sup_get;

/* What a download is. */
struct sup_file {
	int	 is_dir;
	int64_t	 size;		/* a file's */
	unsigned mode;		/* permission bits */
	int64_t	 mtime;		/* epoch seconds */
};

/* Opens path (followed through symlinks) for reading as uid:gid through
 * the supervisor in supdir. 1 when no supervisor can do it (the caller
 * uses the engine), 0 with *gp and *f, <0 on error: ERR_NOTFOUND,
 * ERR_FORBIDDEN (the user may not read it; /proc, /sys), ERR_INVAL (not a
 * regular file or a directory), with the cause in err_msg(). */
int	sup_get_open(const char *supdir, const char *path, int uid, int gid,
	    struct sup_file *f, struct sup_get **gp);
/* Asks for a file's bytes [off, off + len) (len -1: to the end), or a
 * directory's tar (off and len ignored); once, before sup_get_read. */
int	sup_get_range(struct sup_get *, int64_t off, int64_t len);
/* >0 bytes, 0 at the end (the reader exited well), ERR_TIMEOUT when
 * nothing came within timeout_ms, other errors with err_msg(). */
ssize_t	sup_get_read(struct sup_get *, void *b, size_t n, int timeout_ms);
/* Stops the reader if it still runs, and frees. NULL is fine. */
void	sup_get_free(struct sup_get *);

#endif
