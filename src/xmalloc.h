/* xmalloc.h: allocation that aborts on out-of-memory, so callers don't
 * check, plus string helpers that replace sprintf/strcpy/strcat.
 * Any thread. */
#ifndef BERTH_XMALLOC_H
#define BERTH_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list)
	    __attribute__((format(printf, 1, 0)));
/* Copies src into dst (size dstsz), always NUL-terminating; returns
 * strlen(src) so truncation is detectable (>= dstsz). */
size_t	 strlcpy_b(char *dst, const char *src, size_t dstsz);
/* Frees *p and sets it to NULL. */
void	 xfreep(void *p);

#endif
