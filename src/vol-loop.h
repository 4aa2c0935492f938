/* vol-loop.h: volume size limits enforced by the kernel. Each volume is an
 * ext4 filesystem in a sparse image file of its size, in
 * <state_dir>/volumes/<backend>.img, loop-mounted (nosuid, nodev) on
 * <state_dir>/volumes/<backend>/ and handed to the engine as a bind
 * volume of that directory, so a full volume gives ENOSPC inside and no
 * other user's space is touched. Resize grows the image and the
 * filesystem online; delete unmounts and removes both; start remounts.
 * Where loop devices or mkfs.ext4 are missing (probed once), volumes are
 * plain engine volumes and the size is recorded, not enforced: berthd
 * logs that at the first volume. Any thread (one lock inside). */
#ifndef BERTH_VOL_LOOP_H
#define BERTH_VOL_LOOP_H

#include <stdint.h>

struct app;
struct db;

/* Makes the volume exist (image, filesystem, mount, engine volume);
 * idempotent. Its size comes from the store (volumes.backend_name). */
int	vol_ensure(struct app *, struct db *, const char *backend,
	    const char *const *labels);
/* Gives the root of a loop-mounted volume to user ("uid:gid", numbers)
 * here on the host, without a helper container: 0, 1 when the volume is
 * not one (an engine volume, limits not enforced) or user is not numeric
 * (the caller asks the backend), <0 on error. */
int	vol_chown_root(struct app *, const char *backend, const char *user);
/* Grows the volume's filesystem to gib GiB (online); ERR_CONFLICT for a
 * shrink. Without an image (limits not enforced) nothing to do. */
int	vol_resize(struct app *, const char *backend, int64_t gib);
/* Removes the engine volume (ERR_CONFLICT while in use), then unmounts
 * and deletes the image. */
int	vol_destroy(struct app *, const char *backend);
/* At start: mounts every volume whose image is not mounted (after a host
 * reboot or a crash), removes half-made images. */
void	vol_mount_all(struct app *, struct db *);
/* 1 when sizes are enforced on this host (probes once). */
int	vol_enforced(struct app *);

#endif
