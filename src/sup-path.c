/* sup-path.c: what berth-sup's file modes (--put, --get, --untar, OPEN)
 * share: the places refused and the exit status of an errno. */
#include <errno.h>
#include <string.h>

#include "sup-put.h"

int
sup_path_refused(const char *p)
{
	static const char *const no[] = { "/proc", "/sys" };

	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		size_t n = strlen(no[i]);
		if (strncmp(p, no[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
			return 1;
	}
	return 0;
}

int
sup_errno_status(int e, int wr)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return 3;
	case EROFS:
		return wr ? 3 : 1;
	case ENOENT:
		return wr ? 1 : 2;
	case ENOTDIR:
		return wr ? 4 : 2;
	case EISDIR:
	case EEXIST:
	case ENOTEMPTY:
		return wr ? 4 : 1;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return wr ? 6 : 1;
	default:
		return 1;
	}
}
