/* test-ssh-keys.c: public key parsing and validation, and fingerprints
 * equal to what ssh-keygen -l prints, on keys ssh-keygen makes here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ssh-keys.h"
#include "xmalloc.h"

static int fails;
static char dir[] = "/tmp/berth-test-ssh-keys-XXXXXX";

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s (err_msg: %s)\n", \
		    __FILE__, __LINE__, #c, err_msg());			\
		fails++;						\
	}								\
} while (0)

/* Runs cmd and returns its first output line (malloc'ed) or NULL. */
static char *
run1(const char *cmd)
{
	char line[8192];
	FILE *f = popen(cmd, "r");
	char *out = NULL;

	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		out = xstrdup(line);
	}
	pclose(f);
	return out;
}

/* Generates a key and returns its public line; *fp gets ssh-keygen's
 * fingerprint. */
static char *
keygen(const char *type, int bits, const char *name, char **fp)
{
	char *cmd, *pub, *l;

	cmd = xasprintf("ssh-keygen -q -t %s %s%.0d -N '' -C 'me@host %s' "
	    "-f %s/%s >/dev/null 2>&1 && cat %s/%s.pub", type,
	    bits ? "-b " : "", bits, name, dir, name, dir, name);
	pub = run1(cmd);
	free(cmd);
	cmd = xasprintf("ssh-keygen -l -E sha256 -f %s/%s.pub | "
	    "cut -d' ' -f2", dir, name);
	l = run1(cmd);
	free(cmd);
	*fp = l;
	return pub;
}

static void
accept_key(const char *type, int bits, int want_bits)
{
	struct sshkey_info ki;
	char *fp = NULL, *pub;
	char name[64];

	snprintf(name, sizeof name, "k-%s-%d", type, bits);
	pub = keygen(type, bits, name, &fp);
	if (pub == NULL || fp == NULL) {
		fprintf(stderr, "ssh-keygen %s failed\n", type);
		fails++;
		goto out;
	}
	CHECK(sshkey_parse(pub, &ki) == 0);
	CHECK(strcmp(ki.fingerprint, fp) == 0);
	CHECK(ki.bits == want_bits);
	CHECK(strncmp(pub, ki.type, strlen(ki.type)) == 0);
	CHECK(strstr(pub, ki.b64) != NULL);
	CHECK(strncmp(ki.comment, "me@host", 7) == 0);
	sshkey_info_clear(&ki);
	/* Trailing newline and no comment are fine too. */
	{
		char *sp = strchr(pub, ' ');
		char *two = sp != NULL ? strchr(sp + 1, ' ') : NULL;
		char *line;

		if (two != NULL)
			*two = '\0';
		line = xasprintf("%s\n", pub);
		CHECK(sshkey_parse(line, &ki) == 0);
		CHECK(strcmp(ki.comment, "") == 0);
		CHECK(strcmp(ki.fingerprint, fp) == 0);
		sshkey_info_clear(&ki);
		free(line);
	}
out:
	free(pub);
	free(fp);
}

static void
reject(const char *line, const char *why)
{
	struct sshkey_info ki;

	if (sshkey_parse(line, &ki) != ERR_INVAL) {
		fprintf(stderr, "accepted %s: %.60s\n", why, line);
		fails++;
		sshkey_info_clear(&ki);
		return;
	}
	CHECK(err_msg()[0] != '\0');
}

int
main(void)
{
	char *fp = NULL, *pub, *bad, *sp;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	accept_key("ed25519", 0, 256);
	accept_key("ecdsa", 256, 256);
	accept_key("ecdsa", 384, 384);
	accept_key("ecdsa", 521, 521);
	accept_key("rsa", 2048, 2048);
	accept_key("rsa", 3072, 3072);

	pub = keygen("rsa", 1024, "small", &fp);
	CHECK(pub != NULL);
	if (pub != NULL) {
		reject(pub, "rsa 1024");
		CHECK(strstr(err_msg(), "2048") != NULL);
	}
	free(pub);
	free(fp);

	pub = keygen("ed25519", 0, "mislabel", &fp);
	CHECK(pub != NULL);
	if (pub != NULL && (sp = strchr(pub, ' ')) != NULL) {
		/* An ed25519 blob labelled as RSA. */
		bad = xasprintf("ssh-rsa%s", sp);
		reject(bad, "mislabelled blob");
		free(bad);
		/* Damaged base64. */
		bad = xstrdup(pub);
		bad[strlen("ssh-ed25519 ") + 10] = '!';
		reject(bad, "bad base64");
		free(bad);
		/* Truncated blob. */
		bad = xstrdup(pub);
		bad[strlen("ssh-ed25519 ") + 40] = '\0';
		reject(bad, "truncated");
		free(bad);
		/* Two lines. */
		bad = xasprintf("%s\n%s", pub, pub);
		reject(bad, "two lines");
		free(bad);
		/* authorized_keys options in front. */
		bad = xasprintf("no-pty %s", pub);
		reject(bad, "options");
		free(bad);
	}
	free(pub);
	free(fp);
	reject("", "empty");
	reject("ssh-ed25519", "no blob");
	reject("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "dsa");
	reject("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIE",
	    "security key");
	reject("hello world", "garbage");

	{
		char *cmd = xasprintf("rm -rf %s", dir);

		if (system(cmd) != 0)
			fprintf(stderr, "cleanup failed\n");
		free(cmd);
	}
	if (fails != 0) {
		fprintf(stderr, "%d checks failed\n", fails);
		return 1;
	}
	printf("ok\n");
	return 0;
}
