/* db-gpu.c: the GPU device and allocation tables, the allocator, and
 * the API's JSON views of them. Exclusivity has three guards: the caller's
 * BEGIN IMMEDIATE transaction serializes decisions, gpu_allocs' primary
 * key makes holding one uuid twice impossible, and a trigger refuses a
 * MIG instance whose parent is held (and the reverse). Any thread, each
 * with its own connection. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "db.h"
#include "db-int.h"
#include "gpu-inventory.h"
#include "gpu-nvml.h"
#include "log.h"
#include "xmalloc.h"

#define GPU_COUNT_MAX	64


/* Columns of a device as the allocator and views read them. */
#define DEV_COLS "d.uuid, d.kind, d.model, d.profile, d.memory_mb, d.idx, " \
	"d.minor, d.parent_uuid, d.gi_id, d.ci_id, d.mig_enabled, d.present"
#define DEV_ORDER "ORDER BY d.idx, d.kind, d.gi_id, d.ci_id, d.uuid"
/* Free: present, not held, parent not held, no instance held. */
#define DEV_FREE "d.present = 1 " \
	"AND NOT EXISTS (SELECT 1 FROM gpu_allocs a WHERE a.uuid = d.uuid) " \
	"AND NOT EXISTS (SELECT 1 FROM gpu_allocs a " \
	"    WHERE a.uuid = d.parent_uuid) " \
	"AND NOT EXISTS (SELECT 1 FROM gpu_allocs a JOIN gpu_devices c " \
	"    ON c.uuid = a.uuid WHERE c.parent_uuid = d.uuid)"

enum req_kind { REQ_NONE, REQ_COUNT, REQ_PROFILE, REQ_UUID, REQ_MODEL };

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		err_set(ERR_INTERNAL, "store: %s", sqlite3_errmsg(db));
		log_error("prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? (const char *)s : "";
}

/* Reads a row of DEV_COLS into d. */
static void
row_dev(sqlite3_stmt *st, struct gpu_dev *d, int *present)
{
	memset(d, 0, sizeof *d);
	strlcpy_b(d->uuid, col(st, 0), sizeof d->uuid);
	strlcpy_b(d->kind, col(st, 1), sizeof d->kind);
	strlcpy_b(d->model, col(st, 2), sizeof d->model);
	strlcpy_b(d->profile, col(st, 3), sizeof d->profile);
	d->memory_mb = sqlite3_column_int64(st, 4);
	d->index = sqlite3_column_int(st, 5);
	d->minor = sqlite3_column_int(st, 6);
	strlcpy_b(d->parent_uuid, col(st, 7), sizeof d->parent_uuid);
	d->gi_id = sqlite3_column_int(st, 8);
	d->ci_id = sqlite3_column_int(st, 9);
	d->mig_enabled = sqlite3_column_int(st, 10);
	if (present != NULL)
		*present = sqlite3_column_int(st, 11);
}

/* The allocation object of a device: the inventory's JSON without the
 * whole-GPU mig_enabled flag. */
static json_t *
dev_json(const struct gpu_dev *d)
{
	json_t *o = gpu_dev_to_json(d);

	json_object_del(o, "mig_enabled");
	return o;
}

/* Runs a DEV_COLS query with optional text binds; devices into *out. */
static int
load_devs(sqlite3 *db, const char *sql, const char *bind1,
    struct gpu_dev **out, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = prep(db, sql)) == NULL)
		return ERR_INTERNAL;
	if (bind1 != NULL)
		sqlite3_bind_text(st, 1, bind1, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		row_dev(st, &(*out)[(*n)++], NULL);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return err_set(ERR_INTERNAL, "store: %s", sqlite3_errmsg(db));
	}
	return 0;
}

int
db_gpu_sync(struct db *store, const struct gpu_inventory *inv,
    int *vanished_allocated)
{
	sqlite3 *db = db_sqlite(store);
	sqlite3_stmt *st = NULL;
	const struct gpu_dev *d;
	int64_t now = (int64_t)time(NULL);
	int own_tx = 0, r = 0, vanished = 0;
	size_t i;

	if (vanished_allocated != NULL)
		*vanished_allocated = 0;
	if (sqlite3_get_autocommit(db)) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK)
			return err_set(ERR_INTERNAL, "store: %s",
			    sqlite3_errmsg(db));
		own_tx = 1;
	}
	if (sqlite3_exec(db, "UPDATE gpu_devices SET present = 0", NULL, NULL,
	    NULL) != SQLITE_OK) {
		r = err_set(ERR_INTERNAL, "store: %s", sqlite3_errmsg(db));
		goto out;
	}
	if ((st = prep(db, "INSERT INTO gpu_devices (uuid, parent_uuid, kind, "
	    "idx, model, profile, memory_mb, minor, gi_id, ci_id, mig_enabled, "
	    "present, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, "
	    "?) ON CONFLICT (uuid) DO UPDATE SET "
	    "parent_uuid = excluded.parent_uuid, kind = excluded.kind, "
	    "idx = excluded.idx, model = excluded.model, "
	    "profile = excluded.profile, memory_mb = excluded.memory_mb, "
	    "minor = excluded.minor, gi_id = excluded.gi_id, "
	    "ci_id = excluded.ci_id, mig_enabled = excluded.mig_enabled, "
	    "present = 1, last_seen = excluded.last_seen")) == NULL) {
		r = ERR_INTERNAL;
		goto out;
	}
	for (i = 0; inv != NULL && i < inv->n; i++) {
		d = &inv->devs[i];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, d->uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->parent_uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, d->index);
		sqlite3_bind_text(st, 5, d->model, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, d->profile, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, d->memory_mb);
		sqlite3_bind_int(st, 8, d->minor);
		sqlite3_bind_int(st, 9, d->gi_id);
		sqlite3_bind_int(st, 10, d->ci_id);
		sqlite3_bind_int(st, 11, d->mig_enabled);
		sqlite3_bind_int64(st, 12, now);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = err_set(ERR_INTERNAL, "store: %s",
			    sqlite3_errmsg(db));
			goto out;
		}
	}
	sqlite3_finalize(st);
	/* Held devices that are gone: reported, never silently dropped. */
	if ((st = prep(db, "SELECT a.uuid, a.workspace_id FROM gpu_allocs a "
	    "LEFT JOIN gpu_devices d ON d.uuid = a.uuid WHERE d.present IS NULL"
	    " OR d.present = 0")) == NULL) {
		r = ERR_INTERNAL;
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		log_warn("GPU device %s, allocated to workspace %s, has "
		    "disappeared", col(st, 0), col(st, 1));
		vanished++;
	}
	if (vanished_allocated != NULL)
		*vanished_allocated = vanished;
out:
	sqlite3_finalize(st);
	if (own_tx) {
		if (r == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK)
			r = err_set(ERR_INTERNAL, "store: %s",
			    sqlite3_errmsg(db));
		if (r != 0)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return r;
}

/* Classifies a request; ERR_INVAL on bad syntax. *count for REQ_COUNT. */
static int
parse_request(const char *req, enum req_kind *kind, int *count,
    char *norm, size_t normsz)
{
	const char *p;
	size_t len;
	long v;
	char *end;

	len = strlen(req);
	if (len == 0 || strcasecmp(req, "none") == 0 ||
	    strcmp(req, "0") == 0) {
		*kind = REQ_NONE;
		return 0;
	}
	if (len >= normsz)
		return err_set(ERR_INVAL, "GPU request is too long");
	if (strspn(req, "0123456789") == len) {
		v = strtol(req, &end, 10);
		if (len > 3 || v < 1 || v > GPU_COUNT_MAX)
			return err_set(ERR_INVAL, "GPU count must be 1-%d, "
			    "not '%s'", GPU_COUNT_MAX, req);
		*kind = REQ_COUNT;
		*count = (int)v;
		return 0;
	}
	if (strncmp(req, "GPU-", 4) == 0 || strncmp(req, "MIG-", 4) == 0) {
		for (p = req; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' &&
			    *p != '/')
				return err_set(ERR_INVAL, "bad GPU uuid "
				    "'%.100s'", req);
		*kind = REQ_UUID;
		strlcpy_b(norm, req, normsz);
		return 0;
	}
	/* Profiles are lower case; accept "1G.10GB" too. */
	for (len = 0; req[len] != '\0'; len++)
		norm[len] = (char)tolower((unsigned char)req[len]);
	norm[len] = '\0';
	if (gpu_profile_valid(norm)) {
		*kind = REQ_PROFILE;
		return 0;
	}
	for (p = req; *p != '\0'; p++)
		if ((!isalnum((unsigned char)*p) && strchr(" ._-", *p) ==
		    NULL) || !isalpha((unsigned char)req[0]))
			return err_set(ERR_INVAL, "bad GPU request '%.100s': "
			    "use none, a count (1, 2, …), a MIG profile "
			    "(1g.10gb), a model (H100) or a device uuid", req);
	if (len > 64)
		return err_set(ERR_INVAL, "GPU model name is too long");
	*kind = REQ_MODEL;
	strlcpy_b(norm, req, normsz);
	return 0;
}

/* "2 × 3g.40gb, 1 × NVIDIA A100-SXM4-40GB" of the free devices (whole
 * GPUs with MIG mode on are left out: they are taken by uuid only). */
static char *
free_summary(const struct gpu_dev *fr, size_t n)
{
	struct buf *b;
	const char *label, *other;
	size_t i, j, count;
	char *s;
	int seen;

	b = buf_new(0);
	for (i = 0; i < n; i++) {
		if (!gpu_dev_is_mig(&fr[i]) && fr[i].mig_enabled)
			continue;
		label = gpu_dev_is_mig(&fr[i]) ? fr[i].profile : fr[i].model;
		seen = 0;
		for (j = 0; j < i && !seen; j++) {
			if (!gpu_dev_is_mig(&fr[j]) && fr[j].mig_enabled)
				continue;
			other = gpu_dev_is_mig(&fr[j]) ? fr[j].profile :
			    fr[j].model;
			seen = strcmp(fr[j].kind, fr[i].kind) == 0 &&
			    strcmp(other, label) == 0;
		}
		if (seen)
			continue;
		count = 0;
		for (j = i; j < n; j++) {
			if (!gpu_dev_is_mig(&fr[j]) && fr[j].mig_enabled)
				continue;
			other = gpu_dev_is_mig(&fr[j]) ? fr[j].profile :
			    fr[j].model;
			if (strcmp(fr[j].kind, fr[i].kind) == 0 &&
			    strcmp(other, label) == 0)
				count++;
		}
		buf_appendf(b, "%s%zu × %s", buf_len(b) ? ", " : "", count,
		    label);
	}
	if (buf_len(b) == 0)
		buf_appendf(b, "nothing");
	s = buf_steal(b, NULL);
	buf_free(b);
	return s;
}

/* Does device d answer the request? */
static int
fits(const struct gpu_dev *d, enum req_kind kind, const char *norm)
{
	switch (kind) {
	case REQ_COUNT:
		return !gpu_dev_is_mig(d) && !d->mig_enabled;
	case REQ_PROFILE:
		return gpu_dev_is_mig(d) && strcmp(d->profile, norm) == 0;
	case REQ_MODEL:
		return !gpu_dev_is_mig(d) && !d->mig_enabled &&
		    strcasestr(d->model, norm) != NULL;
	case REQ_UUID:
		return strcmp(d->uuid, norm) == 0;
	default:
		return 0;
	}
}

/* 1 when uuid is in the comma-separated list. */
static int
in_csv(const char *csv, const char *uuid)
{
	size_t len = strlen(uuid);
	const char *p = csv;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, uuid, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return 1;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return 0;
}

/* Why a uuid request cannot be met. */
static int
uuid_unsat(sqlite3 *db, const char *uuid, const char *free_list)
{
	sqlite3_stmt *st;
	int r;

	if ((st = prep(db, "SELECT d.present, (SELECT a.workspace_id FROM "
	    "gpu_allocs a WHERE a.uuid = d.uuid) FROM gpu_devices d "
	    "WHERE d.uuid = ?")) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = err_set(ERR_UNSAT, "no GPU device '%s' on this host; "
		    "free: %s", uuid, free_list);
	else if (sqlite3_column_int(st, 0) == 0)
		r = err_set(ERR_UNSAT, "GPU device '%s' is not present; free: "
		    "%s", uuid, free_list);
	else if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		r = err_set(ERR_UNSAT, "GPU device '%s' is allocated; free: "
		    "%s", uuid, free_list);
	else
		r = err_set(ERR_UNSAT, "GPU device '%s' overlaps an allocated "
		    "MIG instance or its parent GPU; free: %s", uuid,
		    free_list);
	sqlite3_finalize(st);
	return r;
}

/* The message for a request nothing free answers. */
static int
unsat(sqlite3 *db, enum req_kind kind, const char *norm, int count,
    size_t have, const struct gpu_dev *fr, size_t nfree)
{
	sqlite3_stmt *st;
	char *list;
	int r, known = 0;

	list = free_summary(fr, nfree);
	switch (kind) {
	case REQ_UUID:
		r = uuid_unsat(db, norm, list);
		break;
	case REQ_PROFILE:
		r = err_set(ERR_UNSAT, "no free %s; free: %s", norm, list);
		break;
	case REQ_MODEL:
		if ((st = prep(db, "SELECT 1 FROM gpu_devices WHERE kind = "
		    "'gpu' AND present = 1 AND instr(lower(model), lower(?)) "
		    "> 0")) != NULL) {
			sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
			known = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		r = err_set(ERR_UNSAT, "%s '%s'; free: %s", known ?
		    "no free whole GPU (MIG mode off) of model" :
		    "no GPU on this host matches model", norm, list);
		break;
	default:
		r = err_set(ERR_UNSAT, "%d whole GPU%s wanted, %zu free (MIG "
		    "mode off); free: %s", count, count == 1 ? "" : "s", have,
		    list);
		break;
	}
	free(list);
	return r;
}

int
db_gpu_alloc(struct db *store, const char *ws_id, const char *owner,
    const char *request, int quota_gpus, const char *prefer, json_t **out)
{
	sqlite3 *db = db_sqlite(store);
	sqlite3_stmt *st = NULL;
	struct gpu_dev *fr = NULL;
	size_t nfree = 0, i, npick = 0, *pick = NULL;
	enum req_kind kind = REQ_NONE;
	char norm[128];
	json_t *arr = NULL;
	int64_t now = (int64_t)time(NULL);
	int count = 1, held = 0, r, pass;

	*out = NULL;
	if (sqlite3_get_autocommit(db))
		return err_set(ERR_INTERNAL, "gpu_alloc outside a transaction");
	if (request == NULL)
		request = "";
	if ((r = parse_request(request, &kind, &count, norm,
	    sizeof norm)) != 0)
		return r;
	if (kind == REQ_NONE) {
		*out = json_array();
		return 0;
	}
	/* Already holding (a retried start): keep what is held. */
	if ((r = db_gpu_allocated(store, ws_id, &arr)) != 0)
		return r;
	if (json_array_size(arr) > 0) {
		*out = arr;
		return 0;
	}
	json_decref(arr);
	arr = NULL;

	if (kind != REQ_COUNT)
		count = 1;
	if (quota_gpus >= 0) {
		if ((st = prep(db, "SELECT COUNT(*) FROM gpu_allocs WHERE "
		    "owner = ?")) == NULL)
			return ERR_INTERNAL;
		sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			held = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		if (held + count > quota_gpus)
			return err_set(ERR_QUOTA, "GPU quota reached: %s holds "
			    "%d of at most %d GPUs and this needs %d more",
			    owner, held, quota_gpus, count);
	}

	if ((r = load_devs(db, "SELECT " DEV_COLS " FROM gpu_devices d WHERE "
	    DEV_FREE " " DEV_ORDER, NULL, &fr, &nfree)) != 0)
		return r;
	/* Preferred devices first, then the rest in order. */
	pick = xcalloc(nfree + 1, sizeof *pick);
	for (pass = 0; pass < 2 && npick < (size_t)count; pass++) {
		if (pass == 0 && (prefer == NULL || *prefer == '\0'))
			continue;
		for (i = 0; i < nfree && npick < (size_t)count; i++) {
			if (!fits(&fr[i], kind, norm))
				continue;
			if (in_csv(prefer, fr[i].uuid) != (pass == 0))
				continue;
			pick[npick++] = i;
		}
	}
	if (npick < (size_t)count) {
		r = unsat(db, kind, norm, count, npick, fr, nfree);
		goto out;
	}

	if ((st = prep(db, "INSERT INTO gpu_allocs (uuid, workspace_id, owner,"
	    " allocated_at) VALUES (?, ?, ?, ?)")) == NULL) {
		r = ERR_INTERNAL;
		goto out;
	}
	arr = json_array();
	for (i = 0; i < npick; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, fr[pick[i]].uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ws_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		if (sqlite3_step(st) != SQLITE_DONE) {
			/* Cannot happen under BEGIN IMMEDIATE; never hand
			 * out a device the store refused. */
			r = err_set(ERR_CONFLICT, "GPU device %s: %s",
			    fr[pick[i]].uuid, sqlite3_errmsg(db));
			goto out;
		}
		json_array_append_new(arr, dev_json(&fr[pick[i]]));
	}
	*out = arr;
	arr = NULL;
	r = 0;
out:
	sqlite3_finalize(st);
	json_decref(arr);
	free(pick);
	free(fr);
	return r;
}

int
db_gpu_free(struct db *store, const char *ws_id)
{
	sqlite3 *db = db_sqlite(store);
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(db, "DELETE FROM gpu_allocs WHERE workspace_id = ?")) ==
	    NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, ws_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(ERR_INTERNAL, "store: %s", sqlite3_errmsg(db));
	return 0;
}

int
db_gpu_allocated(struct db *store, const char *ws_id, json_t **out)
{
	sqlite3 *db = db_sqlite(store);
	struct gpu_dev *devs = NULL;
	size_t n = 0, i;
	json_t *arr;
	int r;

	*out = NULL;
	/* A held device missing from gpu_devices still shows (by uuid). */
	if ((r = load_devs(db, "SELECT a.uuid, COALESCE(d.kind, CASE WHEN "
	    "a.uuid LIKE 'MIG-%' THEN 'mig' ELSE 'gpu' END), "
	    "COALESCE(d.model, ''), COALESCE(d.profile, ''), "
	    "COALESCE(d.memory_mb, 0), COALESCE(d.idx, -1), "
	    "COALESCE(d.minor, -1), COALESCE(d.parent_uuid, ''), "
	    "COALESCE(d.gi_id, -1), COALESCE(d.ci_id, -1), "
	    "COALESCE(d.mig_enabled, 0), COALESCE(d.present, 0) "
	    "FROM gpu_allocs a LEFT JOIN gpu_devices d ON d.uuid = a.uuid "
	    "WHERE a.workspace_id = ? " DEV_ORDER, ws_id, &devs, &n)) != 0)
		return r;
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, dev_json(&devs[i]));
	free(devs);
	*out = arr;
	return 0;
}

char *
gpu_uuids_csv(json_t *allocs)
{
	struct buf *b = buf_new(0);
	const char *u;
	json_t *v;
	size_t i;
	char *s;

	json_array_foreach(allocs, i, v) {
		if ((u = json_string_value(json_object_get(v, "uuid"))) ==
		    NULL)
			continue;
		buf_appendf(b, "%s%s", buf_len(b) ? "," : "", u);
	}
	s = buf_steal(b, NULL);
	buf_free(b);
	return s;
}

/* Views. */

static json_t *
int_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

/* The holder's workspace name, when the store has workspaces. */
static json_t *
ws_name(sqlite3 *db, const char *ws_id)
{
	sqlite3_stmt *st = NULL;
	json_t *v = json_null();

	if (sqlite3_prepare_v2(db, "SELECT name FROM workspaces WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return v;	/* no workspaces table (unit tests) */
	sqlite3_bind_text(st, 1, ws_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_decref(v);
		v = json_string(col(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

json_t *
db_gpu_view_devices(struct db *store, struct gpu_nvml *nvml, const char *viewer,
    int admin)
{
	sqlite3 *db = db_sqlite(store);
	sqlite3_stmt *st;
	struct gpu_stats gs;
	struct gpu_dev d;
	json_t *arr, *o, *to;
	const char *ws, *owner;
	int present, allocated, blocked, live;

	arr = json_array();
	if ((st = prep(db, "SELECT " DEV_COLS ", a.workspace_id, a.owner, "
	    "NOT (" DEV_FREE ") FROM gpu_devices d LEFT JOIN gpu_allocs a ON "
	    "a.uuid = d.uuid " DEV_ORDER)) == NULL)
		return arr;
	while (sqlite3_step(st) == SQLITE_ROW) {
		row_dev(st, &d, &present);
		allocated = sqlite3_column_type(st, 12) != SQLITE_NULL;
		blocked = sqlite3_column_int(st, 14);
		ws = col(st, 12);
		owner = col(st, 13);
		o = dev_json(&d);
		if (!gpu_dev_is_mig(&d))
			json_object_set_new(o, "mig_enabled",
			    json_boolean(d.mig_enabled));
		json_object_set_new(o, "present", json_boolean(present));
		json_object_set_new(o, "allocated", json_boolean(allocated));
		/* Free to take now (a held parent or instance blocks it). */
		json_object_set_new(o, "available", json_boolean(!blocked));
		to = json_null();
		if (allocated && (admin || (viewer != NULL &&
		    strcmp(viewer, owner) == 0))) {
			to = json_pack("{s:s, s:s}", "workspace_id", ws,
			    "owner", owner);
			json_object_set_new(to, "workspace", ws_name(db, ws));
		}
		json_object_set_new(o, "allocated_to", to);
		/* Live figures; null where NVML has none (MIG devices have
		 * no utilization or temperature of their own). */
		live = present && gpu_nvml_loaded(nvml) &&
		    gpu_nvml_stats(nvml, d.uuid, &gs) == 0;
		json_object_set_new(o, "utilization", int_or_null(live ?
		    gs.utilization_pct : -1));
		json_object_set_new(o, "memory_used_mb", int_or_null(live ?
		    gs.memory_used_mb : -1));
		json_object_set_new(o, "temperature", int_or_null(live ?
		    gs.temperature_c : -1));
		json_array_append_new(arr, o);
	}
	sqlite3_finalize(st);
	return arr;
}

json_t *
db_gpu_view_types(struct db *store)
{
	sqlite3 *db = db_sqlite(store);
	sqlite3_stmt *st;
	json_t *arr;
	int mig;

	arr = json_array();
	/* Whole GPUs with MIG on are represented by their instances. */
	if ((st = prep(db, "SELECT d.kind, d.model, d.profile, "
	    "MAX(d.memory_mb), COUNT(*), SUM(CASE WHEN " DEV_FREE " THEN 1 "
	    "ELSE 0 END), MIN(d.idx) FROM gpu_devices d WHERE d.present = 1 "
	    "AND NOT (d.kind = 'gpu' AND d.mig_enabled = 1) "
	    "GROUP BY d.kind, d.model, d.profile "
	    "ORDER BY d.kind, d.model, MAX(d.memory_mb), d.profile")) == NULL)
		return arr;
	while (sqlite3_step(st) == SQLITE_ROW) {
		mig = strcmp(col(st, 0), "mig") == 0;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:I, "
		    "s:i, s:i}", "kind", col(st, 0), "model", col(st, 1),
		    "profile", mig ? json_string(col(st, 2)) : json_null(),
		    "memory_mb", (json_int_t)sqlite3_column_int64(st, 3),
		    "total", sqlite3_column_int(st, 4), "free",
		    sqlite3_column_int(st, 5)));
	}
	sqlite3_finalize(st);
	return arr;
}

json_t *
db_gpu_view_available(struct db *store)
{
	sqlite3 *db = db_sqlite(store);
	struct gpu_dev *fr = NULL;
	size_t n = 0, i;
	json_t *arr, *o;

	arr = json_array();
	if (load_devs(db, "SELECT " DEV_COLS " FROM gpu_devices d WHERE "
	    DEV_FREE " " DEV_ORDER, NULL, &fr, &n) != 0)
		return arr;
	for (i = 0; i < n; i++) {
		o = dev_json(&fr[i]);
		if (!gpu_dev_is_mig(&fr[i]))
			json_object_set_new(o, "mig_enabled",
			    json_boolean(fr[i].mig_enabled));
		json_array_append_new(arr, o);
	}
	free(fr);
	return arr;
}

int
db_gpu_counts(struct db *store, int *total, int *allocated)
{
	*total = (int)db_int(store, 0, "SELECT COUNT(*) FROM gpu_devices "
	    "WHERE present = 1", "");
	*allocated = (int)db_int(store, 0, "SELECT COUNT(*) FROM gpu_allocs",
	    "");
	return 0;
}
