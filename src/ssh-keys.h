/* ssh-keys.h: OpenSSH public key lines: parsing and validation (ed25519,
 * ecdsa, rsa >= 2048) and SHA256 fingerprints as ssh-keygen -l prints
 * them. Pure functions; any thread. */
#ifndef BERTH_SSH_KEYS_H
#define BERTH_SSH_KEYS_H

#include <stddef.h>

#include <libssh/libssh.h>

/* A parsed public key line "TYPE BASE64 [COMMENT]". Strings are owned. */
struct sshkey_info {
	char	*type;		/* "ssh-ed25519", "ecdsa-sha2-nistp256", ... */
	char	*b64;		/* the key blob, base64 */
	char	*comment;	/* "" when none */
	char	 fingerprint[64];	/* "SHA256:..." */
	int	 bits;		/* RSA modulus, ECDSA curve; 256 for ed25519 */
};

/* Parses and validates a public key line. ERR_INVAL with a message saying
 * why. On success the caller frees with sshkey_info_clear(). */
int	 sshkey_parse(const char *text, struct sshkey_info *out);
void	 sshkey_info_clear(struct sshkey_info *);
/* "SHA256:<base64 without padding>" of key's blob into buf (>= 64). */
int	 sshkey_fingerprint(const ssh_key key, char *buf, size_t size);

#endif
