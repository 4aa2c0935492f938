/* sup-tframe.c: the task frames' records (sup-tframe.h). Shared by berthd
 * and berth-sup; only libc. */
#include <string.h>

#include "sup-frame.h"
#include "sup-tframe.h"

int
sup_tid_ok(const char *s, size_t n)
{
	if (s == NULL || n == 0 || n > SUP_TID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z')))
			return 0;
	return 1;
}

const char *
sup_tstate_name(uint32_t state)
{
	static const char *const names[] = { "running", "exited", "killed",
	    "lost" };

	return state < SUP_T_NSTATES ? names[state] : "lost";
}

void
sup_tinfo_put(struct sup_wbuf *w, const struct sup_tinfo *t)
{
	sup_put_str(w, t->id, strlen(t->id));
	sup_put_u32(w, t->state);
	sup_put_u32(w, t->pid);
	sup_put_u64(w, t->started_ms);
	sup_put_u64(w, t->ended_ms);
	sup_put_u32(w, t->code);
	sup_put_u32(w, t->sig);
	sup_put_u32(w, t->flags);
	sup_put_u64(w, t->out_start);
	sup_put_u64(w, t->out_end);
}

int
sup_tinfo_get(struct sup_rd *r, struct sup_tinfo *t)
{
	const uint8_t *id;
	size_t n;

	memset(t, 0, sizeof *t);
	id = sup_get_str(r, &n);
	t->state = sup_get_u32(r);
	t->pid = sup_get_u32(r);
	t->started_ms = sup_get_u64(r);
	t->ended_ms = sup_get_u64(r);
	t->code = sup_get_u32(r);
	t->sig = sup_get_u32(r);
	t->flags = sup_get_u32(r);
	t->out_start = sup_get_u64(r);
	t->out_end = sup_get_u64(r);
	if (r->bad || !sup_tid_ok((const char *)id, n) ||
	    t->state >= SUP_T_NSTATES || t->out_start > t->out_end) {
		r->bad = 1;
		return -1;
	}
	memcpy(t->id, id, n);
	t->id[n] = '\0';
	return 0;
}

void
sup_tstart_encode(struct sup_wbuf *w, const char *tid, uint64_t max_out,
    const struct sup_start *s)
{
	struct sup_wbuf in = { 0 };
	size_t m;

	/* The START frame's payload, nested as a string. */
	sup_start_encode(&in, s);
	m = sup_put_begin(w, SUP_TASK_START);
	sup_put_str(w, tid, strlen(tid));
	sup_put_u64(w, max_out);
	sup_put_str(w, in.p + SUP_HDR, in.len - SUP_HDR);
	sup_put_end(w, m);
	sup_wbuf_clear(&in);
}

int
sup_tstart_decode(const struct sup_frame *f, char tid[SUP_TID_MAX + 1],
    uint64_t *max_out, struct sup_start *s)
{
	struct sup_frame in;
	struct sup_rd r;
	const uint8_t *id, *p;
	size_t n, pn;

	memset(s, 0, sizeof *s);
	if (f->type != SUP_TASK_START)
		return -1;
	sup_rd_init(&r, f);
	id = sup_get_str(&r, &n);
	*max_out = sup_get_u64(&r);
	p = sup_get_str(&r, &pn);
	if (sup_rd_end(&r) != 0 || !sup_tid_ok((const char *)id, n))
		return -1;
	memcpy(tid, id, n);
	tid[n] = '\0';
	in.type = SUP_START;
	in.data = p;
	in.len = pn;
	return sup_start_decode(&in, s);
}
