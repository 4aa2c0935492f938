/* fuzz-ssh-server.c: bytes from the fuzzer as an SSH client's side of a
 * socketpair, into a libssh server session driven by the gateway's own
 * connection code and callbacks (ssh_conn_run), as libssh's
 * ssh_server_fuzzer does. No store: every key is refused, so the target
 * covers the transport, key exchange, authentication requests and the
 * gateway's auth and rate-limit paths. */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "err.h"
#include "ssh-conn.h"
#include "ssh-rate.h"

static ssh_key hostkey;
static struct ssh_rate *rate;
static volatile int stopping;

static int
deny(const struct ssh_gw_env *env, const char *login, const ssh_key key,
    char *user, size_t usz, char *wsid, size_t wsz, unsigned *scopes)
{
	return ERR_NOTFOUND;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssh_gw_env env;
	ssh_bind bind = NULL;
	ssh_session s = NULL;
	ssh_key k = NULL;
	volatile int authed = 0;
	long timeout = 1;
	int sv[2], no = 0, verbosity = SSH_LOG_NOLOG;

	if (hostkey == NULL) {
		ssh_init();
		if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &hostkey) != 0)
			abort();
		/* Generous: every input is one address. */
		rate = ssh_rate_new(1e9, 1e9, 1 << 30);
	}
	/* All of it must fit the socket buffer: the server never blocks
	 * on a peer that has already said everything. */
	if (size > 200000)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	{
		int sz = 1 << 20;

		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	}
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		goto out;
	shutdown(sv[1], SHUT_WR);

	bind = ssh_bind_new();
	ssh_bind_options_set(bind, SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbosity);
	ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	k = ssh_key_dup(hostkey);
	if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, k) != 0)
		goto out;
	k = NULL;
	if ((s = ssh_new()) == NULL)
		goto out;
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
	if (ssh_bind_accept_fd(bind, s, sv[0]) != SSH_OK)
		goto out;
	sv[0] = -1;	/* the session owns it now */

	memset(&env, 0, sizeof env);
	env.app = NULL;
	env.rate = rate;
	env.stopping = &stopping;
	env.authorize = deny;
	ssh_conn_run(&env, s, "127.0.0.1:1", &authed);
	ssh_disconnect(s);
out:
	ssh_free(s);
	ssh_bind_free(bind);
	ssh_key_free(k);
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
	return 0;
}
