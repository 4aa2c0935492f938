/* fuzz-sup-frame: the berth-sup frame codec over untrusted bytes: frames
 * split off a stream, each payload read with the START decoder and the
 * field reader; a decoded START is encoded again and must decode the same.
 * Task frames too (sup-tframe.h): TASK_START and the task records berthd
 * reads from a supervisor, which runs inside the workspace; and its
 * activity report (sup-aframe.h), which must encode and decode the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sup-aframe.h"
#include "sup-frame.h"
#include "sup-tframe.h"

static void
same_start(const struct sup_start *a)
{
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	struct sup_start b;
	size_t i;

	sup_start_encode(&w, a);
	if (sup_frame_parse(w.p, w.len, &f) <= 0 ||
	    sup_start_decode(&f, &b) != 0)
		abort();
	if (a->flags != b.flags || a->timeout_ms != b.timeout_ms ||
	    strcmp(a->cwd, b.cwd) != 0)
		abort();
	for (i = 0; a->argv[i] != NULL; i++)
		if (b.argv[i] == NULL || strcmp(a->argv[i], b.argv[i]) != 0)
			abort();
	if (b.argv[i] != NULL)
		abort();
	for (i = 0; a->env[i] != NULL; i++)
		if (b.env[i] == NULL || strcmp(a->env[i], b.env[i]) != 0)
			abort();
	sup_start_clear(&b);
	sup_wbuf_clear(&w);
}

static void
same_act(const struct sup_act *a)
{
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	struct sup_act b;

	if (a->n > SUP_ACT_ITEMS)
		abort();
	for (uint32_t i = 0; i < a->n; i++)
		if (!sup_act_name_ok(a->v[i].name, strlen(a->v[i].name)) ||
		    sup_act_find(a, a->v[i].name) != &a->v[i])
			abort();
	sup_act_encode(&w, a);
	if (sup_frame_parse(w.p, w.len, &f) <= 0 ||
	    sup_act_decode(&f, &b) != 0 || a->now != b.now || a->n != b.n)
		abort();
	for (uint32_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b.v[i].name) != 0 ||
		    a->v[i].count != b.v[i].count ||
		    a->v[i].last_at != b.v[i].last_at)
			abort();
	sup_wbuf_clear(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sup_frame f;
	struct sup_start s;
	struct sup_rd r;
	size_t off = 0, n;
	long k;

	while ((k = sup_frame_parse(data + off, size - off, &f)) > 0) {
		if (f.len + SUP_HDR != (size_t)k || f.data < data ||
		    f.data + f.len > data + size)
			abort();
		if (sup_start_decode(&f, &s) == 0) {
			same_start(&s);
			sup_start_clear(&s);
		}
		{
			struct sup_tinfo ti;
			char tid[SUP_TID_MAX + 1];
			uint64_t max;

			if (sup_tstart_decode(&f, tid, &max, &s) == 0) {
				if (!sup_tid_ok(tid, strlen(tid)))
					abort();
				sup_start_clear(&s);
			}
			sup_rd_init(&r, &f);
			while (!r.bad && r.off < r.len &&
			    sup_tinfo_get(&r, &ti) == 0)
				if (ti.out_start > ti.out_end ||
				    !sup_tid_ok(ti.id, strlen(ti.id)))
					abort();
		}
		{
			struct sup_act a;

			if (sup_act_decode(&f, &a) == 0)
				same_act(&a);
		}
		sup_rd_init(&r, &f);
		while (!r.bad && r.off < r.len) {
			(void)sup_get_str(&r, &n);
			(void)sup_get_u32(&r);
		}
		(void)sup_rd_end(&r);
		off += (size_t)k;
	}
	return 0;
}
