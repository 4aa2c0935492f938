/* tmpl.h: workspace templates: the built-in default, the admin's
 * templates file (reloaded on SIGHUP) and templates created through the
 * API (kept in the store). Any thread; the file set is behind one lock. */
#ifndef BERTH_TMPL_H
#define BERTH_TMPL_H

#include <jansson.h>

struct app;

/* Templates, reloadable on SIGHUP: a new reference to the template named
 * name, or NULL. Thread-safe. */
json_t	*tmpl_get(struct app *, const char *name);
/* A new reference to the array of all templates. Thread-safe. */
json_t	*tmpl_list(struct app *);
/* 1 when image may be used: a template's image or in allowed_images. */
int	 tmpl_image_allowed(struct app *, const char *image);

/* Loads templates from cfg.templates_file (and the built-in default).
 * Called at start and on SIGHUP; on error the old set stays. */
int	 tmpl_reload(struct app *);
/* Validates a template object (from a file or POST /v1/templates). */
int	 tmpl_check(struct app *, const json_t *);

#endif
