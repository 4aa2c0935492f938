/* fuzz-agent-link.c: what a peer sends on the agent link before the join
 * token is proved (agent-link.c). The first byte picks the side: even,
 * the agent's (agent_link_accept reads the AUTH line a would-be manager
 * sends); odd, the manager's (agent_link_connect reads the greeting and
 * the answer of a would-be agent). The rest is written to a socketpair
 * that then ends. No target may be opened and no link may be accepted
 * without the token's proof, which the input cannot hold (both sides
 * prove over a fresh random nonce of their own). */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-link.h"
#include "log.h"

#define TOKEN	"fuzz-join-token-0123456789"

static int
no_target(const char *target, void *arg, int *fdp)
{
	(void)target;
	(void)arg;
	(void)fdp;
	abort();	/* reached only with the token's proof */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	int sv[2], tfd = -1, side;

	if (size < 1 || size > 4000)
		return 0;
	if (!once) {
		log_init(LOG_ERROR, 0);
		once = 1;
	}
	side = data[0] & 1;
	data++;
	size--;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	/* All of the input, then the end: no read waits for the deadline. */
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		goto out;
	shutdown(sv[1], SHUT_WR);
	if (side == 0) {
		if (agent_link_accept(sv[0], TOKEN, 1000, no_target, NULL,
		    &tfd) == 0 || tfd != -1)
			abort();
	} else if (agent_link_connect(sv[0], TOKEN, "fuzz", "engine",
	    1000) == 0)
		abort();
	/* What the side under test wrote stays unread in sv[1]: closing
	 * drops it (reading it until EOF would wait on sv[0], still open). */
 out:
	close(sv[0]);
	close(sv[1]);
	return 0;
}
