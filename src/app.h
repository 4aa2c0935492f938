/* app.h: what the whole daemon shares: config, runtime backend, templates.
 * Set up on the main thread before any other thread starts; read-only
 * afterwards except where a function says it locks. */
#ifndef BERTH_APP_H
#define BERTH_APP_H

#include <jansson.h>

#include "config.h"

struct rt;

struct app {
	struct config	 cfg;
	struct rt	*rt;
	char		*db_path;
	char		 instance[40];	/* labels this berthd's containers */
	volatile int	 stopping;
};

/* Templates, reloadable on SIGHUP: a new reference to the template named
 * name, or NULL. Thread-safe. */
json_t	*app_template(struct app *, const char *name);
/* A new reference to the array of all templates. Thread-safe. */
json_t	*app_templates(struct app *);
/* 1 when image may be used: a template's image or in allowed_images. */
int	 app_image_allowed(struct app *, const char *image);



/* Loads templates from cfg.templates_file (and the built-in default).
 * Called at start and on SIGHUP; on error the old set stays. */
int	 app_templates_reload(struct app *);
/* Validates a template object (from a file or POST /v1/templates). */
int	 app_template_check(struct app *, const json_t *);
#endif
