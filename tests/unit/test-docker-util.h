/* test-docker-util.h: helpers shared by the Docker backend tests: checks
 * that count failures, a unique name prefix, and the test image (a FROM
 * scratch busybox-static image built here when missing, since no registry
 * can be reached). */
#ifndef BERTH_TEST_DOCKER_UTIL_H
#define BERTH_TEST_DOCKER_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

static int t_fails;

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s (err_msg: %s)\n", \
		    __FILE__, __LINE__, #c, err_msg());			\
		t_fails++;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s == %s "	\
		    "(%lld != %lld; err_msg: %s)\n", __FILE__, __LINE__,	\
		    #a, #b, a_, b_, err_msg());				\
		t_fails++;						\
	}								\
} while (0)

#define REQUIRE(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: REQUIRE failed: %s (err_msg: %s)\n", \
		    __FILE__, __LINE__, #c, err_msg());			\
		exit(1);						\
	}								\
} while (0)

#define TEST_IMAGE	"berthtest/busybox:latest"

/* Builds TEST_IMAGE unless present: busybox-static with every applet
 * linked, root and a uid 1000 user, a sleeping default command. */
static void __attribute__((unused))
test_image_ensure(void)
{
	static const char script[] =
	    "docker image inspect " TEST_IMAGE " >/dev/null 2>&1 && exit 0\n"
	    "set -e\n"
	    "d=$(mktemp -d)\n"
	    "trap 'rm -rf \"$d\"' EXIT\n"
	    "mkdir -p \"$d/bin\" \"$d/etc\" \"$d/tmp\" \"$d/home/user\" "
	    "\"$d/root\"\n"
	    "cp /bin/busybox \"$d/bin/busybox\"\n"
	    "for a in $(/bin/busybox --list); do\n"
	    "  [ -e \"$d/bin/$a\" ] || ln -s busybox \"$d/bin/$a\"\n"
	    "done\n"
	    "printf 'root:x:0:0:root:/root:/bin/sh\\n"
	    "user:x:1000:1000:user:/home/user:/bin/sh\\n' >\"$d/etc/passwd\"\n"
	    "printf 'root:x:0:\\nuser:x:1000:\\n' >\"$d/etc/group\"\n"
	    "chmod 1777 \"$d/tmp\"\n"
	    "printf 'FROM scratch\\nCOPY bin /bin\\nCOPY etc /etc\\n"
	    "COPY tmp /tmp\\nCOPY root /root\\nCOPY home /home\\n"
	    "CMD [\"sleep\", \"1000000\"]\\n' >\"$d/Dockerfile\"\n"
	    "docker build -q -t " TEST_IMAGE " \"$d\" >\"$d.log\" 2>&1 || "
	    "{ cat \"$d.log\"; rm -f \"$d.log\"; exit 1; }\n"
	    "rm -f \"$d.log\"\n";
	FILE *f;

	REQUIRE((f = popen("sh", "w")) != NULL);
	fputs(script, f);
	REQUIRE(pclose(f) == 0);
}

/* Runs a shell command line; its exit status. */
static int __attribute__((unused))
sh(const char *cmd)
{
	int r = system(cmd);

	return r == -1 ? -1 : (r >> 8) & 0xff;
}

#endif
