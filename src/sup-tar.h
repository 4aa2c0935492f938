/* sup-tar.h: a streaming tar reader (ustar, pax path/linkpath/size/mtime
 * records, GNU long names), fed bytes in any pieces; it calls back once
 * per entry and with the entry's data. Pure: no I/O, bounded memory.
 * Used by berth-sup --untar (sup-untar.c) and the fuzz target. */
#ifndef BERTH_SUP_TAR_H
#define BERTH_SUP_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_NAME_MAX	4096	/* a path or a link target */

struct tar_entry {
	char		 name[TAR_NAME_MAX];
	char		 link[TAR_NAME_MAX];
	char		 type;		/* '0' file, '1' hard link, '2'
					 * symlink, '5' directory */
	unsigned	 mode;		/* permission bits */
	int64_t		 size;		/* a file's */
	int64_t		 mtime;		/* epoch seconds */
};

/* What the reader calls: entry once per entry, data with a file's bytes
 * (in pieces), end after a file's last byte. A non-zero return stops the
 * reader, which returns it. */
struct tar_cb {
	int	(*entry)(void *arg, const struct tar_entry *);
	int	(*data)(void *arg, const void *b, size_t n);
	int	(*end)(void *arg);
	void	*arg;
};

struct tar_rd;

struct tar_rd	*tar_rd_new(const struct tar_cb *);
/* Feeds n bytes: 0, a callback's return, or -1 with tar_rd_error() set
 * (not a tar, a device node or fifo, an unsupported entry). */
int		 tar_rd_feed(struct tar_rd *, const void *b, size_t n);
/* At the end of the input: 0 when the archive was whole, -1 when cut. */
int		 tar_rd_finish(struct tar_rd *);
const char	*tar_rd_error(const struct tar_rd *);
void		 tar_rd_free(struct tar_rd *);

#endif
