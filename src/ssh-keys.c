/* ssh-keys.c: OpenSSH public key lines: parsing, validation and SHA256
 * fingerprints. Pure functions; any thread. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "ssh-keys.h"
#include "xmalloc.h"

#define KEYLINE_MAX	16384

void
sshkey_info_clear(struct sshkey_info *ki)
{
	if (ki == NULL)
		return;
	free(ki->type);
	free(ki->b64);
	free(ki->comment);
	memset(ki, 0, sizeof *ki);
}

/* Decodes base64 into a malloc'ed buffer; -1 when it is not base64. */
static int
b64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t len = strlen(s), pad = 0;
	unsigned char *d;
	int n;

	if (len == 0 || len % 4 != 0 || len > KEYLINE_MAX)
		return -1;
	if (s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	d = xmalloc(len / 4 * 3 + 1);
	n = EVP_DecodeBlock(d, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(d);
		return -1;
	}
	*out = d;
	*outlen = (size_t)n - pad;
	return 0;
}

/* Reads one SSH wire string at *p; -1 when truncated. */
static int
wire_string(const unsigned char **p, size_t *left, const unsigned char **s,
    size_t *slen)
{
	uint32_t n;

	if (*left < 4)
		return -1;
	n = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
	    (uint32_t)(*p)[2] << 8 | (*p)[3];
	if (n > *left - 4)
		return -1;
	*s = *p + 4;
	*slen = n;
	*p += 4 + n;
	*left -= 4 + n;
	return 0;
}

/* The modulus size of an ssh-rsa blob in bits; -1 when malformed. */
static int
rsa_bits(const unsigned char *blob, size_t len)
{
	const unsigned char *s, *n;
	size_t slen, nlen;
	int bits, c;

	if (wire_string(&blob, &len, &s, &slen) != 0 ||	/* type */
	    wire_string(&blob, &len, &s, &slen) != 0 ||	/* e */
	    wire_string(&blob, &len, &n, &nlen) != 0)	/* n */
		return -1;
	while (nlen > 0 && n[0] == 0) {
		n++;
		nlen--;
	}
	if (nlen == 0)
		return -1;
	bits = (int)(nlen - 1) * 8;
	for (c = n[0]; c != 0; c >>= 1)
		bits++;
	return bits;
}

int
sshkey_fingerprint(const ssh_key key, char *buf, size_t size)
{
	unsigned char *hash = NULL;
	unsigned char enc[64];
	size_t hlen = 0;
	int n;

	if (size < 64)
		return err_set(ERR_INVAL, "fingerprint buffer too small");
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != 0 || hlen != 32) {
		ssh_clean_pubkey_hash(&hash);
		return err_set(ERR_INVAL, "cannot hash the public key");
	}
	n = EVP_EncodeBlock(enc, hash, (int)hlen);
	ssh_clean_pubkey_hash(&hash);
	while (n > 0 && enc[n - 1] == '=')
		n--;
	snprintf(buf, size, "SHA256:%.*s", n, (const char *)enc);
	return 0;
}

int
sshkey_parse(const char *text, struct sshkey_info *out)
{
	char *line = NULL, *type, *b64, *comment, *save = NULL;
	unsigned char *blob = NULL;
	size_t bloblen = 0, len;
	ssh_key key = NULL;
	enum ssh_keytypes_e kt;
	int r = ERR_INVAL, bits = 0;

	memset(out, 0, sizeof *out);
	if (text == NULL || (len = strlen(text)) == 0)
		return err_set(ERR_INVAL, "public_key is empty");
	if (len > KEYLINE_MAX)
		return err_set(ERR_INVAL, "public_key is longer than %d bytes",
		    KEYLINE_MAX);
	line = xstrdup(text);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	if (strchr(line, '\n') != NULL) {
		err_set(ERR_INVAL, "public_key must be a single line");
		goto out;
	}
	type = strtok_r(line, " \t", &save);
	b64 = strtok_r(NULL, " \t", &save);
	comment = strtok_r(NULL, "", &save);
	if (type == NULL || b64 == NULL) {
		err_set(ERR_INVAL,
		    "public_key is not \"TYPE BASE64 [COMMENT]\"");
		goto out;
	}
	kt = ssh_key_type_from_name(type);
	switch (kt) {
	case SSH_KEYTYPE_ED25519:
		bits = 256;
		break;
	case SSH_KEYTYPE_ECDSA_P256:
		bits = 256;
		break;
	case SSH_KEYTYPE_ECDSA_P384:
		bits = 384;
		break;
	case SSH_KEYTYPE_ECDSA_P521:
		bits = 521;
		break;
	case SSH_KEYTYPE_RSA:
		break;
	default:
		err_set(ERR_INVAL, "key type '%.40s' is not accepted; use "
		    "ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa",
		    type);
		goto out;
	}
	if (b64_decode(b64, &blob, &bloblen) != 0 ||
	    ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK) {
		err_set(ERR_INVAL, "public_key is not a valid %s key", type);
		goto out;
	}
	if (ssh_key_type(key) != kt) {
		err_set(ERR_INVAL, "public_key's blob is not of type %s", type);
		goto out;
	}
	if (kt == SSH_KEYTYPE_RSA) {
		bits = rsa_bits(blob, bloblen);
		if (bits < 2048) {
			err_set(ERR_INVAL, "RSA keys must have at least 2048 "
			    "bits (this one has %d)", bits);
			goto out;
		}
	}
	if ((r = sshkey_fingerprint(key, out->fingerprint,
	    sizeof out->fingerprint)) != 0)
		goto out;
	out->type = xstrdup(type);
	out->b64 = xstrdup(b64);
	while (comment != NULL && isspace((unsigned char)*comment))
		comment++;
	out->comment = xstrdup(comment != NULL ? comment : "");
	out->bits = bits;
	r = 0;
out:
	if (r != 0)
		memset(out->fingerprint, 0, sizeof out->fingerprint);
	ssh_key_free(key);
	free(blob);
	free(line);
	return r;
}

