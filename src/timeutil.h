/* timeutil.h: clocks and RFC 3339 / duration formatting and parsing.
 * Any thread. */
#ifndef BERTH_TIMEUTIL_H
#define BERTH_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Wall clock, seconds since the epoch. */
int64_t	 now_s(void);
/* Monotonic clock in milliseconds. */
int64_t	 mono_ms(void);
/* Formats t as "2026-11-22T09:42:22Z" into buf (>= 21 bytes); t == 0
 * gives "". */
void	 rfc3339(int64_t t, char *buf, size_t size);
/* Parses "2026-11-22T09:42:22Z" (fraction and offset accepted) or epoch
 * seconds. 0 on success. */
int	 rfc3339_parse(const char *s, int64_t *t);
/* Parses a duration: "90m", "4h", "30s", "2d", "1h30m", plain seconds
 * ("600"), "0". Bounded to 10 years. 0 on success, ERR_INVAL otherwise. */
int	 duration_parse(const char *s, int64_t *secs);

#endif
