/* activity-sup.c: asks a workspace's supervisor what it sees and judges
 * whether that keeps the workspace from being idle (activity-sup.h). One
 * short unix-socket connection per ask, every wait bounded. Any thread. */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "activity-sup.h"
#include "err.h"
#include "log.h"
#include "proc-sup.h"
#include "sup-aframe.h"
#include "sup-frame.h"
#include "timeutil.h"

#define ASK_MS		3000		/* the report comes within */
#define ASK_MAX		4096		/* a report is at most */

int
actsup_ask(const char *dir, struct sup_act *a)
{
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	struct pollfd pfd;
	uint8_t b[ASK_MAX];
	size_t len = 0, off = 0;
	int64_t deadline = mono_ms() + ASK_MS, left;
	ssize_t n;
	long k = 0;
	int fd = -1, rc;

	memset(a, 0, sizeof *a);
	if (dir == NULL) {
		err_set(ERR_NOTFOUND, "the workspace has no supervisor");
		return 1;
	}
	if ((rc = sup_dial_fd(dir, &fd)) != 0) {
		/* The reason names host paths: for the log, not the event. */
		log_debug("supervisor of %s: %s", dir, err_msg());
		if (rc > 0)
			err_set(ERR_NOTFOUND, "no supervisor answers");
		return rc;
	}
	sup_act_ask_encode(&w);
	while (off < w.len) {
		n = send(fd, w.p + off, w.len - off, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if ((n < 0 && errno != EAGAIN) ||
		    (left = deadline - mono_ms()) <= 0) {
			rc = err_set(ERR_BACKEND, "supervisor: cannot ask: %s",
			    n < 0 ? strerror(errno) : "timed out");
			goto out;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		(void)poll(&pfd, 1, (int)left);
	}
	while ((k = sup_frame_parse(b, len, &f)) == 0 && len < sizeof b) {
		n = recv(fd, b + len, sizeof b - len, MSG_DONTWAIT);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0) {
			/* One from before the report closes on its type. */
			rc = 1;
			err_set(ERR_NOTFOUND, "the supervisor has no activity "
			    "report (made by an older berthd)");
			goto out;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			rc = err_set(ERR_BACKEND, "supervisor: %s",
			    strerror(errno));
			goto out;
		}
		if ((left = deadline - mono_ms()) <= 0) {
			rc = err_set(ERR_TIMEOUT, "the supervisor did not "
			    "answer within %d ms", ASK_MS);
			goto out;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		(void)poll(&pfd, 1, (int)left);
	}
	if (k <= 0 || sup_act_decode(&f, a) != 0) {
		rc = err_set(ERR_BACKEND, "supervisor: bad activity report");
		goto out;
	}
	rc = 0;
 out:
	sup_wbuf_clear(&w);
	close(fd);
	return rc;
}

const char *
actsup_verdict(const struct sup_act *a, int64_t now, int64_t timeout,
    int64_t *at)
{
	static const char *const counted[] = { "process", "task", "tty" };
	const char *src = NULL;

	*at = 0;
	for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++) {
		const struct sup_act_item *it = sup_act_find(a, counted[i]);
		int64_t t;

		if (it == NULL)
			continue;
		/* Running processes and tasks are use now; a tty only by
		 * its last input. */
		t = it->count > 0 && strcmp(counted[i], "tty") != 0 ? now :
		    it->last_at > (uint64_t)now ? now : (int64_t)it->last_at;
		if (t > 0 && t + timeout > now && t > *at) {
			*at = t;
			src = counted[i];
		}
	}
	return src;
}

void
actsup_describe(const struct sup_act *a, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (uint32_t i = 0; i < a->n && i < SUP_ACT_ITEMS && n < size;
	    i++) {
		const struct sup_act_item *it = &a->v[i];
		char ts[40] = "";
		int bg = strcmp(it->name, "background") == 0;

		if (it->last_at > 0)
			rfc3339((int64_t)it->last_at, ts, sizeof ts);
		n += (size_t)snprintf(buf + n, size - n, "%s%s %u%s%s%s%s",
		    i ? ", " : "", it->name, it->count,
		    *ts ? (bg ? " (newest " : " (last ") : "",
		    ts, *ts && bg ? ", does not count)" : *ts ? ")" : "",
		    !*ts && bg && it->count ? " (does not count)" : "");
	}
}
