/* sup-put.h: berth-sup's file writer mode (berth-sup only). */
#ifndef BERTH_SUP_PUT_H
#define BERTH_SUP_PUT_H

/* Writes stdin to path (mode octal, mtime epoch seconds or 0); returns
 * the exit status (sup-put.c). */
int	sup_put_main(const char *path, const char *mode, const char *mtime);

#endif
