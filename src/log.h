/* log.h: leveled logging to stderr in logfmt (ts= level= fn= msg=) or JSON.
 * The macros check the level before formatting. Every message is escaped,
 * so untrusted text can't forge lines. Never pass keys, tokens or private
 * keys. Any thread. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

extern enum log_level log_min_level;

void	log_init(enum log_level, int json);
/* Parses "debug|info|warn|error"; -1 when unknown. */
int	log_level_parse(const char *);
void	log_emit(enum log_level, const char *fn, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define log_at(lvl, ...) do {						\
	if ((lvl) >= log_min_level)					\
		log_emit((lvl), __func__, __VA_ARGS__);			\
} while (0)
#define log_debug(...)	log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)	log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...)	log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...)	log_at(LOG_ERROR, __VA_ARGS__)

/* Prints the message and exits: only at start-up or for a broken
 * invariant, never for anything a peer sent. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
