/* sup-put.h: berth-sup's file modes, writer and reader (berth-sup only). */
#ifndef BERTH_SUP_PUT_H
#define BERTH_SUP_PUT_H

#include <sys/stat.h>

#include <stddef.h>

/* Writes stdin to path (mode octal, mtime epoch seconds or 0); returns
 * the exit status (sup-put.c). */
int	sup_put_main(const char *path, const char *mode, const char *mtime);
/* 1 when path is /proc, /sys or below them (sup-path.c). */
int	sup_path_refused(const char *path);
/* The exit status for errno e, reading (wr 0) or writing (wr 1): 2 no
 * such file, 3 not permitted, 4 something in the way, 6 no space, 1
 * anything else (sup-path.c). */
int	sup_errno_status(int e, int wr);
/* The checks and the open of --put (parents made, /proc and /sys
 * refused, a regular file, mode set): 0 with *fd, else the exit status
 * and the cause in why. */
int	sup_put_prepare(const char *path, unsigned mode, int *fd, char *why,
	    size_t wsz);
/* The same for --get: a regular file or a directory, *st filled. */
int	sup_get_prepare(const char *path, int *fd, struct stat *st, char *why,
	    size_t wsz);
/* Writes path (a file from an offset, or a directory as a tar) to stdout
 * after a header line; returns the exit status (sup-get.c). */
int	sup_get_main(const char *path);
/* Unpacks the tar on stdin into dir; returns the exit status
 * (sup-untar.c). */
int	sup_untar_main(const char *dir);

#endif
