/* sup-open.c: berth-sup's OPEN: a file opened by the supervisor, which
 * runs as the workspace's user, with the checks of --put and --get (the
 * user's permissions; /proc and /sys refused; a regular file), and its
 * descriptor handed to berthd with the OPENED answer (SCM_RIGHTS), so a
 * file transfer copies once, straight between berthd and the file
 * (sup-files.c, docs/exec.md). A directory is answered without a
 * descriptor (berthd then reads it as a tar through --get). */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sup-frame.h"
#include "sup-open.h"
#include "sup-put.h"

/* Sends frame w on conn with fd attached (-1: none), waiting a little
 * for room. */
static int
send_fd(int conn, const struct sup_wbuf *w, int fd)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr m;
	struct iovec iov;
	struct pollfd pfd;
	size_t off = 0;
	ssize_t n;

	while (off < w->len) {
		memset(&m, 0, sizeof m);
		iov.iov_base = w->p + off;
		iov.iov_len = w->len - off;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		if (off == 0 && fd >= 0) {
			memset(&cm, 0, sizeof cm);
			m.msg_control = cm.b;
			m.msg_controllen = sizeof cm.b;
			cm.h.cmsg_level = SOL_SOCKET;
			cm.h.cmsg_type = SCM_RIGHTS;
			cm.h.cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(&cm.h), &fd, sizeof fd);
		}
		if ((n = sendmsg(conn, &m, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			pfd.fd = conn;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 2000) <= 0)
				return -1;
			continue;
		}
		off += (size_t)n;
	}
	return 0;
}

int
sup_open_frame(int conn, const struct sup_frame *f)
{
	char path[PATH_MAX], why[PATH_MAX + 128];
	struct sup_wbuf w = { 0 };
	struct sup_rd r;
	struct stat st;
	const uint8_t *s;
	uint32_t flags, mode;
	size_t n, m;
	int fd = -1, status, rc;

	sup_rd_init(&r, f);
	flags = sup_get_u32(&r);
	mode = sup_get_u32(&r);
	s = sup_get_str(&r, &n);
	if (sup_rd_end(&r) != 0 || s == NULL || n == 0 || n >= sizeof path ||
	    memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(path, s, n);
	path[n] = '\0';
	why[0] = '\0';
	memset(&st, 0, sizeof st);
	if (flags & SUP_O_WRITE) {
		status = sup_put_prepare(path, mode & 07777, &fd, why,
		    sizeof why);
		if (status == 0 && fstat(fd, &st) != 0)
			status = 1;
	} else
		status = sup_get_prepare(path, &fd, &st, why, sizeof why);
	if (status == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		fd = -1;
	}
	m = sup_put_begin(&w, SUP_OPENED);
	sup_put_u32(&w, (uint32_t)status);
	sup_put_u32(&w, status == 0 && S_ISDIR(st.st_mode) ? 1 : 0);
	sup_put_u64(&w, (uint64_t)(status == 0 ? st.st_size : 0));
	sup_put_u32(&w, (uint32_t)(st.st_mode & 07777));
	sup_put_u64(&w, (uint64_t)(st.st_mtime > 0 ? st.st_mtime : 0));
	sup_put_str(&w, why, strlen(why));
	sup_put_end(&w, m);
	rc = send_fd(conn, &w, status == 0 ? fd : -1);
	if (fd >= 0)
		close(fd);
	sup_wbuf_clear(&w);
	return rc;
}
