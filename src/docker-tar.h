/* docker-tar.h: the little tar the archive endpoints need: a reader that
 * finds the first file in a stream (for single-file downloads), a writer
 * of entries (files and directories owned by the workspace user), and a
 * streaming re-owner for uploaded tars (every entry's uid/gid set, device
 * nodes and fifos refused). Pure, incremental, no I/O; ustar with pax and
 * GNU extensions as Go's archive/tar (the engine's) reads and writes them.
 * One owner thread per struct. */
#ifndef BERTH_DOCKER_TAR_H
#define BERTH_DOCKER_TAR_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define DTAR_BLOCK		512
#define DTAR_PAX_MAX		(1024 * 1024)	/* one pax header's records */

enum { DTAR_TYPE_FILE = '0', DTAR_TYPE_DIR = '5' };

/* Reader: feed it 512-byte blocks. */
struct dtar {
	int64_t		 skip;		/* data bytes of a skipped entry */
	int64_t		 pax_size;	/* size= of a pending pax header; -1 */
	int		 in_pax;	/* the skipped data is pax records */
	struct buf	*pax;
	int64_t		 size;		/* of the file found */
	char		 type;		/* its type flag */
};

enum { DTAR_MORE = 0, DTAR_FILE = 1, DTAR_END = 2 };

void	dtar_init(struct dtar *);
/* One block: DTAR_MORE (keep feeding), DTAR_FILE (the block was the
 * header of a regular file of t->size bytes, which come next), DTAR_END
 * (end of archive), ERR_INVAL (corrupt). */
int	dtar_block(struct dtar *, const uint8_t blk[DTAR_BLOCK]);
void	dtar_free(struct dtar *);

/* Writer: appends an entry's header(s) to b (a pax header first when the
 * name does not fit); a file's data, padded to 512, must follow. */
void	dtar_entry(struct buf *b, const char *name, int type, unsigned mode,
	    int64_t size, int64_t mtime, int uid, int gid);
/* Appends the end-of-archive marker (two zero blocks). */
void	dtar_end(struct buf *b);

/* Re-owner: rewrites an uploaded tar stream as it passes. */
typedef int (*dtar_emit_fn)(void *arg, const void *, size_t);

struct dtar_rw {
	int		 uid, gid;
	int		 keep_dot;	/* keep a "./" entry (else dropped) */
	uint8_t		 hdr[DTAR_BLOCK];
	size_t		 hlen;
	int64_t		 pass;		/* bytes to pass through as they are */
	int64_t		 pax_left;	/* pax bytes still to collect */
	int64_t		 pax_size;	/* size= of the pending pax; -1 */
	uint8_t		 paxhdr[DTAR_BLOCK];
	struct buf	*pax;
	int		 ended;		/* a zero block was seen */
	int		 broken;
};

void	dtar_rw_init(struct dtar_rw *, int uid, int gid, int keep_dot);
/* Feeds upload bytes (split anywhere); the rewritten stream goes to emit.
 * ERR_INVAL with a message for a corrupt or refused entry; emit's error
 * is returned as is. */
int	dtar_rw_feed(struct dtar_rw *, const void *, size_t, dtar_emit_fn,
	    void *arg);
/* The stream ended: ERR_INVAL when mid-entry; adds the end marker when
 * the upload had none. */
int	dtar_rw_finish(struct dtar_rw *, dtar_emit_fn, void *arg);
void	dtar_rw_free(struct dtar_rw *);

#endif
