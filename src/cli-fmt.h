/* cli-fmt.h: human output for the CLI: aligned tables, relative times,
 * byte sizes, bars, colour, and API key redaction. Pure functions (no I/O
 * but the table printer), so unit tests cover them. Single-threaded. */
#ifndef BERTH_CLI_FMT_H
#define BERTH_CLI_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ANSI colours, used only when the output is a TTY without NO_COLOR. */
enum fmt_color { FMT_NONE, FMT_RED, FMT_GREEN, FMT_YELLOW, FMT_BLUE,
	FMT_DIM, FMT_BOLD };

/* "45s", "12m", "2h 15m", "3d"; negative durations format as their
 * absolute value. */
void	 fmt_duration(int64_t secs, char *buf, size_t size);
/* Parses RFC 3339 ("2026-11-22T09:42:22Z", with fraction or offset) into
 * epoch seconds. 0 on success, ERR_INVAL otherwise. */
int	 fmt_time_parse(const char *s, int64_t *t);
/* "2h 15m ago" / "in 3d" / "-" for a time relative to now; s may be NULL
 * or empty ("-"). */
void	 fmt_reltime(const char *rfc3339, int64_t now, char *buf, size_t size);
/* "512 B", "1.5 KiB", "16.0 GiB". */
void	 fmt_bytes(double bytes, char *buf, size_t size);
/* A bar of width cells for frac in [0,1]: "█████░░░░░". */
void	 fmt_bar(double frac, int width, char *buf, size_t size);
/* The key for traces: "berth_abc…[redacted]" (never more than 9 chars of
 * the key, and none of a short one). Caller frees. */
char	*fmt_redact_key(const char *key);
/* Display width of UTF-8 text, ignoring ANSI escape sequences. */
size_t	 fmt_width(const char *s);
/* Wraps s in colour c when on; returns a new string the caller frees. */
char	*fmt_color(int on, enum fmt_color c, const char *s);
/* The colour for a workspace/task state ("running" green, ...). */
enum fmt_color fmt_state_color(const char *state);

/* A table: columns aligned by display width, two spaces apart, no
 * trailing blanks. Cells are copied. */
struct fmt_table;
struct fmt_table *fmt_table_new(size_t ncols, const char *const *headers);
void	 fmt_table_add(struct fmt_table *, const char *const *cells);
size_t	 fmt_table_rows(const struct fmt_table *);
/* Prints the header (bold when colour is on) and rows; then frees. */
void	 fmt_table_print(struct fmt_table *, FILE *, int color);
void	 fmt_table_free(struct fmt_table *);

#endif
