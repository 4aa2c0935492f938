/* web-assets.h: the dashboard's files compiled into berthd, a table that
 * web/embed.cmake generates at build time (build/web-assets.c). */
#ifndef BERTH_WEB_ASSETS_H
#define BERTH_WEB_ASSETS_H

struct web_asset {
	const char	*path;		/* "/", "/app.js", "/vendor/..." */
	const char	*type;		/* Content-Type */
	const char	*data;
	const char	*end;
};

extern const struct web_asset web_assets[];	/* NULL-path terminated */
extern const int web_built;	/* 0: built without web/node_modules */

#endif
