/* http-routes.c: the list of every route table; one line per resource. */
#include <stddef.h>

#include "http.h"
#include "http-server.h"
#include "web.h"

const struct http_web_hooks http_web_hooks = {
	web_static,
	web_session_auth,
	web_session_csrf_ok,
};

const struct route *const http_route_tables[] = {
	compat_gpulab_routes,	/* before the tables whose paths it shares */
	api_meta_routes,
	api_users_routes,
	api_keys_routes,
	api_templates_routes,
	api_volumes_routes,
	api_workspaces_routes,
	api_activity_routes,
	api_events_routes,
	api_sshkeys_routes,
	api_gpus_routes,
	compat_sandman_routes,
	api_exec_routes,
	api_files_routes,
	api_logs_routes,
	api_stats_routes,
	api_terminal_routes,
	web_session_routes,
	proxy_routes,
	api_mcp_routes,
	api_tasks_routes,
	NULL
};
