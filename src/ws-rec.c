/* ws-rec.c: the workspace record (struct ws, ws.h) as a value: its
 * destructor, shared by the store that fills records and the logic and
 * API that use them, and calling neither. */
#include <stdlib.h>

#include <jansson.h>

#include "ws.h"

void
ws_free(struct ws *w)
{
	if (w == NULL)
		return;
	free(w->id);
	free(w->name);
	free(w->owner);
	free(w->template);
	free(w->image);
	free(w->state);
	free(w->error);
	free(w->container_id);
	free(w->ssh_mode);
	free(w->gpu_request);
	free(w->op);
	free(w->activity_source);
	json_decref(w->spec);
	json_decref(w->gpus);
	free(w);
}
