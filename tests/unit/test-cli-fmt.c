/* test-cli-fmt.c: tables, relative times, sizes, bars, key redaction and
 * the config file (modes 0600/0700, round trip, overrides). */
#include <sys/stat.h>

#include <stdint.h>
#include <unistd.h>

#include "cli-fmt.c"
#include "cli-config.c"

#include "test-cli-util.h"

static void
test_duration(void)
{
	static const struct { int64_t s; const char *want; } cases[] = {
		{ 0, "0s" }, { 45, "45s" }, { 60, "1m" }, { 754, "12m" },
		{ 3600, "1h" }, { 8100, "2h 15m" }, { 86399, "23h 59m" },
		{ 86400, "1d" }, { 3 * 86400 + 7200, "3d" }, { -90, "1m" },
	};
	char b[32];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fmt_duration(cases[i].s, b, sizeof b);
		CHECK_STR(b, cases[i].want);
	}
}

static void
test_time(void)
{
	int64_t t, now;
	char b[32];

	CHECK(fmt_time_parse("2026-11-22T09:42:22Z", &t) == 0);
	CHECK(t == 1795340542);
	CHECK(fmt_time_parse("2026-11-22T09:42:22.123456Z", &t) == 0);
	CHECK(t == 1795340542);
	CHECK(fmt_time_parse("2026-11-22T11:42:22+02:00", &t) == 0);
	CHECK(t == 1795340542);
	CHECK(fmt_time_parse("2026-11-22 09:42:22Z", &t) == 0);
	CHECK(fmt_time_parse("2026-11-22", &t) == ERR_INVAL);
	CHECK(fmt_time_parse("2026-13-22T09:42:22Z", &t) == ERR_INVAL);
	CHECK(fmt_time_parse("2026-11-22T09:42:22", &t) == ERR_INVAL);
	CHECK(fmt_time_parse("2026-11-22T09:42:22Zjunk", &t) == ERR_INVAL);
	CHECK(fmt_time_parse(NULL, &t) == ERR_INVAL);

	now = 1795340542 + 8100;
	fmt_reltime("2026-11-22T09:42:22Z", now, b, sizeof b);
	CHECK_STR(b, "2h 15m ago");
	fmt_reltime("2026-11-22T09:42:22Z", 1795340542 - 3 * 86400, b,
	    sizeof b);
	CHECK_STR(b, "in 3d");
	fmt_reltime("", now, b, sizeof b);
	CHECK_STR(b, "-");
	fmt_reltime(NULL, now, b, sizeof b);
	CHECK_STR(b, "-");
	fmt_reltime("garbage", now, b, sizeof b);
	CHECK_STR(b, "-");
	fmt_reltime("2026-11-22T09:42:22Z", 1795340542, b, sizeof b);
	CHECK_STR(b, "just now");
}

static void
test_bytes_bar(void)
{
	char b[128];

	fmt_bytes(512, b, sizeof b);
	CHECK_STR(b, "512 B");
	fmt_bytes(1536, b, sizeof b);
	CHECK_STR(b, "1.5 KiB");
	fmt_bytes(16.0 * 1024 * 1024 * 1024, b, sizeof b);
	CHECK_STR(b, "16.0 GiB");
	fmt_bytes(-5, b, sizeof b);
	CHECK_STR(b, "0 B");
	fmt_bar(0.5, 4, b, sizeof b);
	CHECK_STR(b, "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x91\xe2\x96\x91");
	CHECK(fmt_width(b) == 4);
	fmt_bar(7, 3, b, sizeof b);
	CHECK(fmt_width(b) == 3 && strstr(b, "\xe2\x96\x91") == NULL);
	fmt_bar(-1, 3, b, sizeof b);
	CHECK(strstr(b, "\xe2\x96\x88") == NULL);
	/* a short buffer is never overrun */
	fmt_bar(1, 10, b, 8);
	CHECK(strlen(b) < 8);
}

static void
test_redact(void)
{
	char *r;

	r = fmt_redact_key("berth_abcdef12_0123456789abcdef0123456789abcdef");
	CHECK_STR(r, "berth_abc\xe2\x80\xa6[redacted]");
	CHECK(strstr(r, "0123") == NULL);
	free(r);
	r = fmt_redact_key("short-secret");
	CHECK_STR(r, "[redacted]");
	free(r);
	r = fmt_redact_key(NULL);
	CHECK_STR(r, "(none)");
	free(r);
}

static char *
t_table(int color, size_t n, const char *const *rows, size_t nrows)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct fmt_table *t = fmt_table_new(n, rows);

	for (size_t r = 1; r < nrows; r++)
		fmt_table_add(t, rows + r * n);
	fmt_table_print(t, f, color);
	fclose(f);
	return text;
}

static void
test_table(void)
{
	static const char *const rows[] = {
		"NAME", "STATE", "GPU",
		"train", "running", "1g.10gb",
		"a-much-longer-name", "\x1b[32mstopped\x1b[0m", "",
		"ünï", "", "-",
	};
	char *s, *c;

	s = t_table(0, 3, rows, 4);
	CHECK_STR(s,
	    "NAME                STATE    GPU\n"
	    "train               running  1g.10gb\n"
	    "a-much-longer-name  \x1b[32mstopped\x1b[0m\n"
	    "ünï                          -\n");
	c = t_table(1, 3, rows, 4);
	CHECK(strncmp(c, "\x1b[1mNAME", 8) == 0);
	free(s);
	free(c);
	CHECK(fmt_width("\x1b[1;31mab\x1b[0m") == 2);
	CHECK(fmt_width("ü") == 1);
	c = fmt_color(0, FMT_RED, "x");
	CHECK_STR(c, "x");
	free(c);
	c = fmt_color(1, FMT_RED, "x");
	CHECK_STR(c, "\x1b[31mx\x1b[0m");
	free(c);
	CHECK(fmt_state_color("running") == FMT_GREEN);
	CHECK(fmt_state_color("failed") == FMT_RED);
	CHECK(fmt_state_color(NULL) == FMT_NONE);
}

static void
test_config(void)
{
	char dir[] = "/tmp/berth-cli-test.XXXXXX", *path, *p2;
	json_t *o, *in;
	struct stat st;
	int loose;

	CHECK(mkdtemp(dir) != NULL);
	path = xasprintf("%s/a/b/config.json", dir);
	/* missing file: empty object */
	CHECK(config_load(path, &o, &loose) == 0);
	CHECK(json_is_object(o) && json_object_size(o) == 0 && !loose);
	json_decref(o);
	in = json_pack("{s:s,s:s}", "api_url", "http://127.0.0.1:9",
	    "api_key", "berth_k_s");
	CHECK(config_save(path, in) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	p2 = xasprintf("%s/a/b", dir);
	CHECK(stat(p2, &st) == 0 && (st.st_mode & 0777) == 0700);
	free(p2);
	CHECK(config_load(path, &o, &loose) == 0);
	CHECK(json_equal(o, in) && !loose);
	json_decref(o);
	/* overwrite keeps 0600 even if the file was loosened */
	chmod(path, 0644);
	CHECK(config_load(path, &o, &loose) == 0 && loose == 1);
	json_decref(o);
	CHECK(config_save(path, in) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	json_decref(in);
	/* bad JSON */
	{
		FILE *f = fopen(path, "w");
		fputs("{nope", f);
		fclose(f);
	}
	CHECK(config_load(path, &o, &loose) == ERR_INVAL);
	CHECK(strstr(err_msg(), path) != NULL);
	CHECK(config_remove(path) == 0);
	CHECK(config_remove(path) == 0);
	/* BERTH_CONFIG overrides; else HOME */
	setenv("BERTH_CONFIG", "/x/y.json", 1);
	p2 = config_path();
	CHECK_STR(p2, "/x/y.json");
	free(p2);
	unsetenv("BERTH_CONFIG");
	setenv("HOME", "/home/u", 1);
	p2 = config_path();
	CHECK_STR(p2, "/home/u/.config/berth/config.json");
	free(p2);
	unsetenv("HOME");
	CHECK(config_path() == NULL);
	free(path);
	p2 = xasprintf("rm -rf %s", dir);
	CHECK(system(p2) == 0);
	free(p2);
}

int
main(void)
{
	test_duration();
	test_time();
	test_bytes_bar();
	test_redact();
	test_table();
	test_config();
	TEST_DONE();
}
