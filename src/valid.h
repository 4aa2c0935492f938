/* valid.h: validators for everything a user names or sends, so nothing
 * user-supplied reaches a path, a shell or an image reference unchecked.
 * Pure functions; any thread. Each returns 0 or ERR_INVAL with a message
 * naming the field. */
#ifndef BERTH_VALID_H
#define BERTH_VALID_H

#include <stddef.h>

/* DNS label: [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])? */
int	valid_dns_label(const char *field, const char *s);
/* User name: [a-z][a-z0-9-]{0,31} */
int	valid_user_name(const char *field, const char *s);
/* Environment variable name: [A-Za-z_][A-Za-z0-9_]{0,127} */
int	valid_env_key(const char *field, const char *s);
/* A mount target: absolute, normalised (no "..", ".", "//"), <= 256
 * chars, printable, and not a system path (/, /proc, /sys, /dev, /etc,
 * /usr, /bin, /sbin, /lib*, /boot, /run, /var/run). */
int	valid_mount_path(const char *field, const char *s);
/* A path inside a container for file transfer: absolute, no NUL/control
 * chars, no ".." component, <= 4096 chars. */
int	valid_container_path(const char *field, const char *s);
/* An image reference: [a-z0-9._/:@-]+ and length <= 255; no leading '-'. */
int	valid_image_ref(const char *field, const char *s);
/* A printable single-line string of at most max bytes (names, labels). */
int	valid_text(const char *field, const char *s, size_t max);

#endif
