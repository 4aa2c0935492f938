/* tmpl.c: templates: the built-in default, the admin's templates file
 * (reloaded on SIGHUP) and templates created through the API (store).
 * Any thread; the file set is behind one lock. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "tmpl.h"
#include "db.h"
#include "err.h"
#include "json-util.h"
#include "log.h"
#include "valid.h"
#include "xmalloc.h"

static pthread_mutex_t tmpl_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *file_templates;	/* object name -> template */

static const char *const tmpl_fields[] = { "name", "description", "image",
    "cpus", "memory", "gpu", "ports", "env", "command", "user", "workdir",
    "shell", "ssh", "ttl", "idle_timeout", "exec_users", NULL };

int
tmpl_check(struct app *app, const json_t *t)
{
	const char *s;
	json_t *v;
	int r;

	if ((r = json_only_fields(t, tmpl_fields)) != 0)
		return r;
	if ((r = json_req_str(t, "name", &s)) != 0 ||
	    (r = valid_dns_label("template name", s)) != 0)
		return r;
	if ((r = json_req_str(t, "image", &s)) != 0 ||
	    (r = valid_image_ref("image", s)) != 0)
		return r;
	if ((v = json_object_get(t, "cpus")) != NULL && !json_is_number(v))
		return err_set(ERR_INVAL, "template cpus must be a number");
	if ((v = json_object_get(t, "memory")) != NULL && !json_is_string(v) &&
	    !json_is_integer(v))
		return err_set(ERR_INVAL, "template memory must be \"16g\" or "
		    "bytes");
	if ((v = json_object_get(t, "env")) != NULL && !json_is_object(v))
		return err_set(ERR_INVAL, "template env must be an object");
	if ((v = json_object_get(t, "ports")) != NULL && !json_is_array(v))
		return err_set(ERR_INVAL, "template ports must be an array");
	if ((v = json_object_get(t, "exec_users")) != NULL) {
		const json_t *u;
		size_t i;
		if (!json_is_array(v))
			return err_set(ERR_INVAL, "template exec_users must be "
			    "an array of user names or uids");
		json_array_foreach(v, i, u)
			if (!json_is_string(u))
				return err_set(ERR_INVAL, "template exec_users "
				    "must be an array of user names or uids");
	}
	if ((v = json_object_get(t, "command")) != NULL && !json_is_array(v) &&
	    !json_is_null(v))
		return err_set(ERR_INVAL, "template command must be an argv "
		    "array");
	return 0;
}

static json_t *
default_template(struct app *app)
{
	return json_pack("{s:s,s:s,s:s,s:f,s:I,s:s,s:s,s:s,s:s,s:[]}",
	    "name", "default",
	    "description", "the default workspace (Debian, non-root user dev)",
	    "image", app->cfg.default_image,
	    "cpus", app->cfg.default_cpus,
	    "memory", (json_int_t)app->cfg.default_memory,
	    "gpu", "none",
	    "user", "1000:1000",
	    "workdir", "/home/dev",
	    "shell", "/bin/bash",
	    "ports");
}

int
tmpl_reload(struct app *app)
{
	json_t *set = json_object(), *arr = NULL, *t;
	json_error_t je;
	size_t i;
	int r = 0;

	json_object_set_new(set, "default", default_template(app));
	if (app->cfg.templates_file != NULL && *app->cfg.templates_file) {
		arr = json_load_file(app->cfg.templates_file, 0, &je);
		if (arr == NULL || !json_is_array(arr)) {
			r = err_set(ERR_INVAL, "templates file %s: %s",
			    app->cfg.templates_file, arr ? "not a JSON array" :
			    je.text);
			goto out;
		}
		json_array_foreach(arr, i, t) {
			if ((r = tmpl_check(app, t)) != 0) {
				struct err_saved msg;
				err_save(&msg);
				r = err_set(r, "templates file %s, entry "
				    "%zu: %s", app->cfg.templates_file, i,
				    msg.msg);
				goto out;
			}
			json_object_set(set, json_string_value(json_object_get(
			    t, "name")), t);
		}
	}
	pthread_mutex_lock(&tmpl_lock);
	json_decref(file_templates);
	file_templates = set;
	set = NULL;
	pthread_mutex_unlock(&tmpl_lock);
	log_info("templates loaded");
out:
	json_decref(arr);
	json_decref(set);
	return r;
}

static json_t *
db_template(const char *name)
{
	struct db *db = db_thread();

	return db != NULL ? db_template_get(db, name) : NULL;
}

json_t *
tmpl_get(struct app *app, const char *name)
{
	json_t *t;

	pthread_mutex_lock(&tmpl_lock);
	t = json_incref(json_object_get(file_templates, name));
	pthread_mutex_unlock(&tmpl_lock);
	if (t == NULL)
		t = db_template(name);
	return t;
}

json_t *
tmpl_list(struct app *app)
{
	json_t *arr = json_array(), *t;
	struct db *db = db_thread();
	const char *k;

	pthread_mutex_lock(&tmpl_lock);
	json_object_foreach(file_templates, k, t)
		json_array_append(arr, t);
	pthread_mutex_unlock(&tmpl_lock);
	if (db != NULL)
		db_template_list(db, arr);
	return arr;
}

int
tmpl_image_allowed(struct app *app, const char *image)
{
	const char *list = app->cfg.allowed_images, *p;
	json_t *all, *t;
	size_t i, n = strlen(image);
	int ok = 0;

	for (p = list; p != NULL && *p != '\0';) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && strncmp(p, image, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (strcmp(image, app->cfg.direct_image) == 0)
		return 1;
	all = tmpl_list(app);
	json_array_foreach(all, i, t)
		if (strcmp(json_string_value(json_object_get(t, "image")),
		    image) == 0)
			ok = 1;
	json_decref(all);
	return ok;
}
