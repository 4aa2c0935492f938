/* sup-open.h: berth-sup's OPEN frame (sup-open.c; berth-sup only). */
#ifndef BERTH_SUP_OPEN_H
#define BERTH_SUP_OPEN_H

#include "sup-frame.h"

/* Answers OPEN frame f on connection conn with OPENED, the file's
 * descriptor attached; the connection then ends. -1 on a malformed frame
 * or a connection that failed. */
int	sup_open_frame(int conn, const struct sup_frame *f);

#endif
