/* test-cli-util.h: tiny assertion helpers for the CLI's unit tests. */
#ifndef TEST_CLI_UTIL_H
#define TEST_CLI_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_fails, t_checks;

#define CHECK(c) do {							\
	t_checks++;							\
	if (!(c)) {							\
		t_fails++;						\
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #c); \
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	t_checks++;							\
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0) {		\
		t_fails++;						\
		fprintf(stderr, "%s:%d: FAIL: %s: got \"%s\", want \"%s\"\n", \
		    __FILE__, __LINE__, #a, _a ? _a : "(null)",		\
		    _b ? _b : "(null)");				\
	}								\
} while (0)

#define TEST_DONE() do {						\
	fprintf(stderr, "%d checks, %d failed\n", t_checks, t_fails);	\
	return t_fails == 0 ? 0 : 1;					\
} while (0)

#endif
