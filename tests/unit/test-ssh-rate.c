/* test-ssh-rate.c: the gateway's per-address failure buckets and pre-auth
 * slots, on an injected clock. */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "ssh-rate.h"

static int fails;

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		fails++;						\
	}								\
} while (0)

static void
test_bucket(void)
{
	struct ssh_rate *r = ssh_rate_new(3, 1.0, 2);
	int i;

	/* Three failures fit the burst; the fourth is over. */
	for (i = 0; i < 3; i++)
		CHECK(ssh_rate_fail(r, "10.0.0.1", 1000) == 0);
	CHECK(ssh_rate_limited(r, "10.0.0.1", 1000));
	CHECK(ssh_rate_fail(r, "10.0.0.1", 1000) == 1);
	/* Another address is unaffected. */
	CHECK(!ssh_rate_limited(r, "10.0.0.2", 1000));
	CHECK(ssh_rate_fail(r, "10.0.0.2", 1000) == 0);
	/* One token back per second. */
	CHECK(ssh_rate_limited(r, "10.0.0.1", 1500));
	CHECK(!ssh_rate_limited(r, "10.0.0.1", 2100));
	CHECK(ssh_rate_fail(r, "10.0.0.1", 2100) == 0);
	CHECK(ssh_rate_fail(r, "10.0.0.1", 2100) == 1);
	/* Never more than the burst after a long pause. */
	for (i = 0; i < 3; i++)
		CHECK(ssh_rate_fail(r, "10.0.0.1", 1000000) == 0);
	CHECK(ssh_rate_fail(r, "10.0.0.1", 1000000) == 1);
	ssh_rate_free(r);
}

static void
test_preauth(void)
{
	struct ssh_rate *r = ssh_rate_new(3, 1.0, 2);

	CHECK(ssh_rate_enter(r, "::1", 0) == 0);
	CHECK(ssh_rate_enter(r, "::1", 0) == 0);
	CHECK(ssh_rate_enter(r, "::1", 0) == ERR_QUOTA);
	CHECK(ssh_rate_enter(r, "127.0.0.1", 0) == 0);
	ssh_rate_leave(r, "::1");
	CHECK(ssh_rate_enter(r, "::1", 0) == 0);
	ssh_rate_leave(r, "::1");
	ssh_rate_leave(r, "::1");
	ssh_rate_leave(r, "::1");	/* extra leave is harmless */
	CHECK(ssh_rate_enter(r, "::1", 0) == 0);
	CHECK(ssh_rate_enter(r, "::1", 0) == 0);
	CHECK(ssh_rate_enter(r, "::1", 0) == ERR_QUOTA);
	ssh_rate_free(r);
}

static void
test_table_full(void)
{
	struct ssh_rate *r = ssh_rate_new(1, 0.001, 1);
	char a[32];
	int i;

	/* Far more addresses than slots: the stalest entries are reused,
	 * and an address holding a pre-auth slot is never evicted. */
	CHECK(ssh_rate_enter(r, "192.168.0.1", 0) == 0);
	for (i = 0; i < 5000; i++) {
		snprintf(a, sizeof a, "10.1.%d.%d", i / 256, i % 256);
		CHECK(ssh_rate_fail(r, a, i + 1) == 0);
	}
	CHECK(ssh_rate_enter(r, "192.168.0.1", 6000) == ERR_QUOTA);
	/* The most recent address is still limited. */
	CHECK(ssh_rate_fail(r, a, 6000) == 1);
	ssh_rate_free(r);
}

int
main(void)
{
	test_bucket();
	test_preauth();
	test_table_full();
	if (fails != 0) {
		fprintf(stderr, "%d checks failed\n", fails);
		return 1;
	}
	printf("ok\n");
	return 0;
}
