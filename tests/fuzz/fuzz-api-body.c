/* fuzz-api-body.c: request bodies as the API parses them: JSON decoding
 * with duplicate keys rejected, then the workspace create validation
 * (fields, types, names, image, env, mounts, sizes, durations, command),
 * and the scalar parsers on the raw bytes. No engine or record is
 * touched: ws_create_check stops before both. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "timeutil.h"
#include "tmpl.h"
#include "valid.h"
#include "ws.h"
#include "xmalloc.h"

static struct app app;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *args[] = { "fuzz", NULL };

	log_init(LOG_ERROR, 0);
	if (config_load(&app.cfg, 1, args) != 0)
		abort();
	db_set_path(":memory:");
	if (tmpl_reload(&app) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *v;
	char *s;
	int64_t n;

	v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (v != NULL) {
		if (json_is_object(v))
			(void)ws_create_check(&app, v);
		json_decref(v);
	}
	s = xstrndup((const char *)data, size);
	(void)valid_dns_label("f", s);
	(void)valid_user_name("f", s);
	(void)valid_mount_path("f", s);
	(void)valid_container_path("f", s);
	(void)valid_image_ref("f", s);
	(void)valid_env_key("f", s);
	(void)size_parse(s, &n);
	(void)duration_parse(s, &n);
	(void)rfc3339_parse(s, &n);
	free(s);
	return 0;
}
