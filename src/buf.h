/* buf.h: a growable byte buffer with a hard cap, for all untrusted input
 * (HTTP bodies, WebSocket frames, engine responses). Opaque; one owner
 * thread at a time. */
#ifndef BERTH_BUF_H
#define BERTH_BUF_H

#include <stddef.h>

#define LIMIT_HTTP_BODY		(1024 * 1024)		/* JSON request body */
#define LIMIT_WS_FRAME		(1024 * 1024)
#define LIMIT_DOCKER_RESPONSE	(64 * 1024 * 1024)

struct buf;

/* A new empty buffer that refuses to grow past cap bytes (0 = no cap). */
struct buf	*buf_new(size_t cap);
void		 buf_free(struct buf *);
/* Appends; ERR_TOOBIG (and nothing appended) when cap would be passed. */
int		 buf_append(struct buf *, const void *, size_t);
int		 buf_appendf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 buf_putc(struct buf *, char);
/* Data, always followed by a NUL that is not counted in buf_len. */
const char	*buf_data(const struct buf *);
char		*buf_mut(struct buf *);
size_t		 buf_len(const struct buf *);
/* Drops the first n bytes. */
void		 buf_consume(struct buf *, size_t n);
void		 buf_reset(struct buf *);
/* Hands the data to the caller (free() it) and empties the buffer. */
char		*buf_steal(struct buf *, size_t *lenp);

#endif
