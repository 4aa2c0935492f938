/* exec-spool.h: one output stream of an exec kept for the whole-JSON
 * answer, up to a cap: the first SPOOL_MEM bytes in memory and the rest in
 * an unlinked temporary file, so berthd's memory does not follow the
 * output (64 execs printing 100 MB of control bytes each hold a few MB,
 * not gigabytes); then written as a JSON string in small pieces, exactly
 * as jansson's json_dumps(JSON_COMPACT) writes it: text when the bytes are
 * valid UTF-8 without NUL, else base64. A spool belongs to one thread. */
#ifndef BERTH_EXEC_SPOOL_H
#define BERTH_EXEC_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_MEM	(64 * 1024)

struct spool;

/* A spool keeping at most cap bytes. Never NULL. */
struct spool	*spool_new(int64_t cap);
void		 spool_free(struct spool *);
/* Keeps what fits under the cap (the rest is dropped and the spool marked
 * truncated). 0, or an error (the temporary file could not be written:
 * what was kept so far stays, marked truncated). */
int		 spool_put(struct spool *, const void *, size_t);
int		 spool_truncated(const struct spool *);
/* Bytes kept. */
int64_t		 spool_len(const struct spool *);
/* The JSON string's length in bytes, quotes included; *base64 says
 * whether it is base64 (the bytes are not text). */
int64_t		 spool_json_len(const struct spool *, int *base64);
/* Writes the JSON string (quotes included) through out, in pieces of at
 * most a few hundred KB. 0, or out's error, or ERR_IO. */
int		 spool_json_write(struct spool *,
		    int (*out)(void *ctx, const void *, size_t), void *ctx);

#endif
