/* sup-aframe.c: the activity frames' codec (sup-aframe.h). Shared by
 * berthd and berth-sup; only libc. */
#include <string.h>

#include "sup-aframe.h"
#include "sup-frame.h"

int
sup_act_name_ok(const char *s, size_t n)
{
	if (s == NULL || n == 0 || n > SUP_ACT_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
			return 0;
	return 1;
}

const struct sup_act_item *
sup_act_find(const struct sup_act *a, const char *name)
{
	for (uint32_t i = 0; i < a->n && i < SUP_ACT_ITEMS; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return &a->v[i];
	return NULL;
}

int
sup_act_add(struct sup_act *a, const char *name, uint32_t count,
    uint64_t last_at)
{
	size_t n = strlen(name);
	struct sup_act_item *it;

	if (a->n >= SUP_ACT_ITEMS || !sup_act_name_ok(name, n) ||
	    sup_act_find(a, name) != NULL)
		return -1;
	it = &a->v[a->n++];
	memcpy(it->name, name, n + 1);
	it->count = count;
	it->last_at = last_at;
	return 0;
}

void
sup_act_ask_encode(struct sup_wbuf *w)
{
	size_t m = sup_put_begin(w, SUP_ACT_ASK);

	sup_put_u32(w, 0);
	sup_put_end(w, m);
}

void
sup_act_encode(struct sup_wbuf *w, const struct sup_act *a)
{
	size_t m = sup_put_begin(w, SUP_ACT);
	uint32_t n = a->n > SUP_ACT_ITEMS ? SUP_ACT_ITEMS : a->n;

	sup_put_u64(w, a->now);
	sup_put_u32(w, n);
	for (uint32_t i = 0; i < n; i++) {
		sup_put_str(w, a->v[i].name, strlen(a->v[i].name));
		sup_put_u32(w, a->v[i].count);
		sup_put_u64(w, a->v[i].last_at);
	}
	sup_put_end(w, m);
}

static int
decode(const struct sup_frame *f, struct sup_act *a)
{
	struct sup_rd r;
	const uint8_t *s;
	uint32_t n;
	size_t len;

	memset(a, 0, sizeof *a);
	if (f->type != SUP_ACT)
		return -1;
	sup_rd_init(&r, f);
	a->now = sup_get_u64(&r);
	n = sup_get_u32(&r);
	if (r.bad || n > SUP_ACT_ITEMS)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		char name[SUP_ACT_NAME + 1];
		uint32_t count;
		uint64_t at;

		s = sup_get_str(&r, &len);
		count = sup_get_u32(&r);
		at = sup_get_u64(&r);
		if (r.bad || !sup_act_name_ok((const char *)s, len))
			return -1;
		memcpy(name, s, len);
		name[len] = '\0';
		if (sup_act_add(a, name, count, at) != 0)
			return -1;	/* a name twice */
	}
	return sup_rd_end(&r);
}

int
sup_act_decode(const struct sup_frame *f, struct sup_act *a)
{
	if (decode(f, a) == 0)
		return 0;
	memset(a, 0, sizeof *a);
	return -1;
}
