/* sup-put.h: berth-sup's file modes, writer and reader (berth-sup only). */
#ifndef BERTH_SUP_PUT_H
#define BERTH_SUP_PUT_H

/* Writes stdin to path (mode octal, mtime epoch seconds or 0); returns
 * the exit status (sup-put.c). */
int	sup_put_main(const char *path, const char *mode, const char *mtime);
/* Writes path (a file from an offset, or a directory as a tar) to stdout
 * after a header line; returns the exit status (sup-get.c). */
int	sup_get_main(const char *path);
/* Unpacks the tar on stdin into dir; returns the exit status
 * (sup-untar.c). */
int	sup_untar_main(const char *dir);

#endif
