/* test-valid.c: the validators that stand between user input and paths,
 * shells and image references; durations, sizes and times. */
#include <stdint.h>

#include "check.h"
#include "config.h"
#include "err.h"
#include "timeutil.h"
#include "valid.h"

int
main(void)
{
	static const char *const good_labels[] = { "a", "train", "gpu-01",
	    "0abc", "a123456789012345678901234567890123456789012345678901234567890b",
	    NULL };
	static const char *const bad_labels[] = { "", "-a", "a-", "A", "a_b",
	    "a.b", "a/b", "../x", "a b", "é",
	    "a1234567890123456789012345678901234567890123456789012345678901234",
	    NULL };
	static const char *const good_mounts[] = { "/workspace", "/data/x",
	    "/home/dev/work", "/opt/a-b_c", NULL };
	static const char *const bad_mounts[] = { "", "relative", "/", "/etc",
	    "/etc/x", "/proc", "/sys/fs", "/dev/shm", "/usr/local", "/bin",
	    "/workspace/../etc", "/a//b", "/a/./b", "/a/", "/a\n", "/var/run/x",
	    "/lib64", "/run", NULL };
	int64_t v;

	for (int i = 0; good_labels[i]; i++)
		CHECK(valid_dns_label("name", good_labels[i]) == 0);
	for (int i = 0; bad_labels[i]; i++) {
		CHECK(valid_dns_label("name", bad_labels[i]) == ERR_INVAL);
		CHECK(strstr(err_msg(), "name") != NULL);
	}
	CHECK(valid_user_name("n", "alice") == 0);
	CHECK(valid_user_name("n", "a-1") == 0);
	CHECK(valid_user_name("n", "1a") == ERR_INVAL);
	CHECK(valid_user_name("n", "Alice") == ERR_INVAL);
	CHECK(valid_user_name("n", "abcdefghijabcdefghijabcdefghijabc")
	    == ERR_INVAL);
	for (int i = 0; good_mounts[i]; i++)
		CHECK(valid_mount_path("m", good_mounts[i]) == 0);
	for (int i = 0; bad_mounts[i]; i++)
		if (valid_mount_path("m", bad_mounts[i]) != ERR_INVAL) {
			fprintf(stderr, "mount %s accepted\n", bad_mounts[i]);
			check_failures++;
		}
	CHECK(valid_env_key("e", "PATH") == 0);
	CHECK(valid_env_key("e", "_x1") == 0);
	CHECK(valid_env_key("e", "1X") == ERR_INVAL);
	CHECK(valid_env_key("e", "A=B") == ERR_INVAL);
	CHECK(valid_env_key("e", "") == ERR_INVAL);
	CHECK(valid_image_ref("i", "berth/workspace:latest") == 0);
	CHECK(valid_image_ref("i", "reg.io/a/b@sha256:00ff") == 0);
	CHECK(valid_image_ref("i", "x;rm -rf /") == ERR_INVAL);
	CHECK(valid_image_ref("i", "-x") == ERR_INVAL);
	CHECK(valid_image_ref("i", "a b") == ERR_INVAL);
	CHECK(valid_container_path("p", "/home/dev/a b.txt") == 0);
	CHECK(valid_container_path("p", "/a/../b") == ERR_INVAL);
	CHECK(valid_container_path("p", "a") == ERR_INVAL);
	CHECK(valid_container_path("p", "/a/..b") == 0);

	CHECK(duration_parse("90m", &v) == 0 && v == 5400);
	CHECK(duration_parse("4h", &v) == 0 && v == 14400);
	CHECK(duration_parse("1h30m", &v) == 0 && v == 5400);
	CHECK(duration_parse("2d", &v) == 0 && v == 172800);
	CHECK(duration_parse("600", &v) == 0 && v == 600);
	CHECK(duration_parse("0", &v) == 0 && v == 0);
	CHECK(duration_parse("", &v) == ERR_INVAL);
	CHECK(duration_parse("-5m", &v) == ERR_INVAL);
	CHECK(duration_parse("5x", &v) == ERR_INVAL);
	CHECK(duration_parse("1h5", &v) == ERR_INVAL);
	CHECK(duration_parse("99999999999999999999h", &v) == ERR_INVAL);
	CHECK(size_parse("16g", &v) == 0 && v == 16LL << 30);
	CHECK(size_parse("512m", &v) == 0 && v == 512LL << 20);
	CHECK(size_parse("1GiB", &v) == 0 && v == 1LL << 30);
	CHECK(size_parse("1024", &v) == 0 && v == 1024);
	CHECK(size_parse("-1g", &v) == ERR_INVAL);
	CHECK(size_parse("1q", &v) == ERR_INVAL);
	CHECK(size_parse("99999999t", &v) == ERR_INVAL);
	CHECK(rfc3339_parse("2026-11-22T09:42:22Z", &v) == 0 &&
	    v == 1795340542);
	CHECK(rfc3339_parse("2026-11-22T10:42:22+01:00", &v) == 0 &&
	    v == 1795340542);
	CHECK(rfc3339_parse("1795340542", &v) == 0 && v == 1795340542);
	CHECK(rfc3339_parse("yesterday", &v) == ERR_INVAL);
	{
		char buf[40];
		rfc3339(1795340542, buf, sizeof buf);
		CHECK_EQ_STR(buf, "2026-11-22T09:42:22Z");
	}
	CHECK_DONE();
}
