/* app.h: what the whole daemon shares: config, runtime backend, instance.
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

#endif
