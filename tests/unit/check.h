/* check.h: tiny assert helpers for unit tests: a failed check prints where
 * and why and the test exits 1 at the end. */
#ifndef BERTH_CHECK_H
#define BERTH_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_EQ_INT(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "%s:%d: %s == %lld, want %lld\n",	\
		    __FILE__, __LINE__, #a, _a, _b);			\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_EQ_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0) {		\
		fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, #a, _a ? _a : "(null)",		\
		    _b ? _b : "(null)");				\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_HAS(s, sub) do {						\
	const char *_s = (s), *_sub = (sub);				\
	if (_s == NULL || strstr(_s, _sub) == NULL) {			\
		fprintf(stderr, "%s:%d: \"%s\" lacks \"%s\"\n",	\
		    __FILE__, __LINE__, _s ? _s : "(null)", _sub);	\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_DONE() do {						\
	if (check_failures) {						\
		fprintf(stderr, "%d check(s) failed\n", check_failures);\
		return 1;						\
	}								\
	printf("all checks passed\n");					\
	return 0;							\
} while (0)

#endif
