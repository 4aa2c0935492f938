/* cli-config.h: the CLI's config file (~/.config/berth/config.json, or
 * $BERTH_CONFIG): {"api_url": ..., "api_key": ...}, kept mode 0600 in a
 * 0700 directory, replaced atomically. Single-threaded. */
#ifndef BERTH_CLI_CONFIG_H
#define BERTH_CLI_CONFIG_H

#include <jansson.h>

/* The config file's path ($BERTH_CONFIG, else $HOME/.config/berth/
 * config.json). Caller frees; NULL (ERR_INVAL message) without HOME. */
char	*config_path(void);
/* Loads path into *out (a new object; empty when the file is missing).
 * ERR_INVAL for bad JSON, ERR_IO otherwise, with err_msg(). When the file
 * is readable by others, *loose is set (the caller warns). */
int	 config_load(const char *path, json_t **out, int *loose);
/* Writes obj to path: parent directories created 0700, the file 0600,
 * through a temporary file and rename(2). */
int	 config_save(const char *path, json_t *obj);
/* Removes the file; a missing file is fine. */
int	 config_remove(const char *path);

#endif
