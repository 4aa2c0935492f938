/* test-docker-io.c: the pure parts of file transfer and stats: the tar
 * writer, the reader that finds a file, the upload re-owner (fed in every
 * split), stats arithmetic as docker stats does it, and the engine's path
 * stat header. No engine needed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "check.h"
#include "docker-io.h"
#include "docker-tar.h"
#include "err.h"
#include "rt.h"

/* Collects re-owner output. */
static int
collect(void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n);
}

static int64_t
octal(const uint8_t *p, size_t n)
{
	char tmp[16];

	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return strtoll(tmp, NULL, 8);
}

/* A tar with a pax header carrying uid/gid/uname and a long path, a
 * file, a directory "./", a symlink, and the end marker. */
static struct buf *
sample_tar(void)
{
	struct buf *b = buf_new(0);
	char data[700];

	memset(data, 'z', sizeof data);
	dtar_entry(b, ".", DTAR_TYPE_DIR, 0755, 0, 1000000, 0, 0);
	/* dtar_entry makes a pax header for a long name */
	dtar_entry(b, "dir/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.txt",
	    DTAR_TYPE_FILE, 0600, sizeof data, 1000000, 0, 0);
	buf_append(b, data, sizeof data);
	buf_append(b, (char[512]){ 0 }, 512 - sizeof data % 512);
	dtar_entry(b, "dir", DTAR_TYPE_DIR, 0750, 0, 1000000, 0, 0);
	dtar_end(b);
	return b;
}

static void
test_reader(void)
{
	struct buf *b = buf_new(0);
	struct dtar t;
	const uint8_t *p;
	char data[1000];
	int r = -1;
	size_t off;

	memset(data, 'q', sizeof data);
	dtar_entry(b, "sub", DTAR_TYPE_DIR, 0755, 0, 1, 1, 1);
	dtar_entry(b, "x/y/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
	    DTAR_TYPE_FILE, 0644, sizeof data, 1, 1, 1);
	p = (const uint8_t *)buf_data(b);
	dtar_init(&t);
	for (off = 0; off < buf_len(b); off += 512)
		if ((r = dtar_block(&t, p + off)) != DTAR_MORE)
			break;
	CHECK_EQ_INT(r, DTAR_FILE);
	CHECK_EQ_INT(t.size, sizeof data);
	CHECK_EQ_INT(off + 512, buf_len(b));
	dtar_free(&t);

	/* end of archive without a file */
	buf_reset(b);
	dtar_entry(b, "d", DTAR_TYPE_DIR, 0755, 0, 1, 1, 1);
	dtar_end(b);
	p = (const uint8_t *)buf_data(b);
	dtar_init(&t);
	CHECK_EQ_INT(dtar_block(&t, p), DTAR_MORE);
	CHECK_EQ_INT(dtar_block(&t, p + 512), DTAR_END);
	/* a corrupt header */
	memset(data, 'x', 512);
	CHECK_EQ_INT(dtar_block(&t, (uint8_t *)data), ERR_INVAL);
	dtar_free(&t);
	buf_free(b);
}

/* Re-owns sample_tar() fed in pieces of size step. */
static struct buf *
reown(size_t step, int keep_dot, int *rc)
{
	struct buf *in = sample_tar(), *out = buf_new(0);
	struct dtar_rw w;
	size_t off, n;

	dtar_rw_init(&w, 1000, 1001, keep_dot);
	*rc = 0;
	for (off = 0; off < buf_len(in) && *rc == 0; off += n) {
		n = buf_len(in) - off < step ? buf_len(in) - off : step;
		*rc = dtar_rw_feed(&w, buf_data(in) + off, n, collect, out);
	}
	if (*rc == 0)
		*rc = dtar_rw_finish(&w, collect, out);
	dtar_rw_free(&w);
	buf_free(in);
	return out;
}

static void
test_reowner(void)
{
	static const size_t steps[] = { 1, 7, 511, 512, 513, 4096, 1 << 20 };
	struct buf *first = NULL;

	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		int rc;
		struct buf *o = reown(steps[i], 0, &rc);
		CHECK_EQ_INT(rc, 0);
		if (first == NULL)
			first = o;
		else {
			/* the same output however the input was split */
			CHECK_EQ_INT(buf_len(o), buf_len(first));
			CHECK(memcmp(buf_data(o), buf_data(first),
			    buf_len(o)) == 0);
			buf_free(o);
		}
	}
	/* Read back: every ustar header has uid 1000 gid 1001, "./" gone. */
	{
		const uint8_t *p = (const uint8_t *)buf_data(first);
		size_t off = 0;
		int headers = 0, files = 0;
		struct dtar t;

		/* first entry: the pax header of the long file (./ dropped) */
		CHECK_EQ_INT(p[156], 'x');
		dtar_init(&t);
		for (off = 0; off < buf_len(first); off += 512) {
			int r;
			if (t.skip == 0 && p[off + 156] != 'x' &&
			    memcmp(p + off + 257, "ustar", 5) == 0) {
				CHECK_EQ_INT(octal(p + off + 108, 7), 1000);
				CHECK_EQ_INT(octal(p + off + 116, 7), 1001);
				CHECK(strncmp((const char *)p + off, "./", 3)
				    != 0);
				headers++;
			}
			r = dtar_block(&t, p + off);
			if (r == DTAR_FILE) {
				files++;
				CHECK_EQ_INT(t.size, 700);
				off += 1024;	/* skip the data */
			}
			if (r == DTAR_END)
				break;
		}
		CHECK_EQ_INT(headers, 2);
		CHECK_EQ_INT(files, 1);
		dtar_free(&t);
	}
	buf_free(first);

	/* keep_dot keeps the "./" entry */
	{
		int rc;
		struct buf *o = reown(512, 1, &rc);
		CHECK_EQ_INT(rc, 0);
		CHECK(strncmp(buf_data(o), "./", 3) == 0);
		buf_free(o);
	}
}

static void
test_reowner_refuses(void)
{
	struct buf *in = buf_new(0), *out = buf_new(0);
	struct dtar_rw w;
	uint8_t h[512];
	int rc;

	/* a char device: make a file header, then patch the type */
	dtar_entry(in, "sda", DTAR_TYPE_FILE, 0666, 0, 1, 0, 0);
	memcpy(h, buf_data(in), 512);
	buf_free(in);
	in = buf_new(0);
	dtar_entry(in, "sda", '3', 0666, 0, 1, 0, 0);
	dtar_rw_init(&w, 1000, 1000, 0);
	rc = dtar_rw_feed(&w, buf_data(in), buf_len(in), collect, out);
	CHECK_EQ_INT(rc, ERR_INVAL);
	CHECK(strstr(err_msg(), "device node") != NULL);
	CHECK_EQ_INT(buf_len(out), 0);
	dtar_rw_free(&w);

	/* garbage */
	memset(h, 0x41, sizeof h);
	dtar_rw_init(&w, 1000, 1000, 0);
	CHECK_EQ_INT(dtar_rw_feed(&w, h, sizeof h, collect, out), ERR_INVAL);
	CHECK_EQ_INT(dtar_rw_finish(&w, collect, out), ERR_INVAL);
	dtar_rw_free(&w);

	/* cut in the middle of an entry */
	buf_reset(in);
	dtar_entry(in, "f", DTAR_TYPE_FILE, 0644, 2000, 1, 0, 0);
	buf_append(in, (char[100]){ 0 }, 100);
	dtar_rw_init(&w, 1000, 1000, 0);
	CHECK_EQ_INT(dtar_rw_feed(&w, buf_data(in), buf_len(in), collect,
	    out), 0);
	CHECK_EQ_INT(dtar_rw_finish(&w, collect, out), ERR_INVAL);
	dtar_rw_free(&w);

	/* no end marker: added */
	buf_reset(in);
	buf_reset(out);
	dtar_entry(in, "d", DTAR_TYPE_DIR, 0755, 0, 1, 0, 0);
	dtar_rw_init(&w, 1000, 1000, 0);
	CHECK_EQ_INT(dtar_rw_feed(&w, buf_data(in), buf_len(in), collect,
	    out), 0);
	CHECK_EQ_INT(dtar_rw_finish(&w, collect, out), 0);
	CHECK_EQ_INT(buf_len(out), 512 * 3);
	dtar_rw_free(&w);
	buf_free(in);
	buf_free(out);
}

/* Sizes past the octal range are written base-256 and read back. */
static void
test_big_size(void)
{
	struct buf *b = buf_new(0);
	struct dtar t;
	int64_t big = 20LL * 1024 * 1024 * 1024;	/* 20 GiB */

	dtar_entry(b, "huge", DTAR_TYPE_FILE, 0644, big, 1, 1000, 1000);
	CHECK_EQ_INT((uint8_t)buf_data(b)[124] & 0x80, 0x80);
	dtar_init(&t);
	CHECK_EQ_INT(dtar_block(&t, (const uint8_t *)buf_data(b)), DTAR_FILE);
	CHECK_EQ_INT(t.size, big);
	dtar_free(&t);
	buf_free(b);
}

static void
test_stats(void)
{
	struct rt_stats st;
	json_t *j = json_loads("{\"pids_stats\":{\"current\":7},"
	    "\"blkio_stats\":{\"io_service_bytes_recursive\":["
	    "{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":100},"
	    "{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":40},"
	    "{\"major\":8,\"minor\":16,\"op\":\"Read\",\"value\":1},"
	    "{\"major\":8,\"minor\":0,\"op\":\"Total\",\"value\":141}]},"
	    "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":3000000000,"
	    "\"percpu_usage\":[1,2]},\"system_cpu_usage\":20000000000,"
	    "\"online_cpus\":2},"
	    "\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":2000000000},"
	    "\"system_cpu_usage\":18000000000},"
	    "\"memory_stats\":{\"usage\":10000,\"limit\":536870912,"
	    "\"stats\":{\"total_inactive_file\":3000}},"
	    "\"networks\":{\"eth0\":{\"rx_bytes\":5,\"tx_bytes\":6},"
	    "\"eth1\":{\"rx_bytes\":10,\"tx_bytes\":20}}}", 0, NULL);

	CHECK(j != NULL);
	docker_stats_parse(j, &st);
	/* (1e9 / 2e9) * 2 CPUs * 100 */
	CHECK(st.cpu_percent > 99.99 && st.cpu_percent < 100.01);
	CHECK_EQ_INT(st.online_cpus, 2);
	CHECK_EQ_INT(st.mem_used, 7000);
	CHECK_EQ_INT(st.mem_limit, 536870912);
	CHECK_EQ_INT(st.pids, 7);
	CHECK_EQ_INT(st.net_rx, 15);
	CHECK_EQ_INT(st.net_tx, 26);
	CHECK_EQ_INT(st.blk_read, 101);
	CHECK_EQ_INT(st.blk_write, 40);
	json_decref(j);

	/* first sample: no precpu, no CPU figure rather than nonsense */
	j = json_loads("{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":5},"
	    "\"system_cpu_usage\":9},\"precpu_stats\":{},\"memory_stats\":{"
	    "\"usage\":100,\"stats\":{\"inactive_file\":500}}}", 0, NULL);
	docker_stats_parse(j, &st);
	CHECK(st.cpu_percent >= 0 && st.cpu_percent <= 200);
	CHECK_EQ_INT(st.mem_used, 100);	/* cache larger than usage: kept */
	json_decref(j);
}

static void
test_path_stat(void)
{
	struct rt_file f;

	/* {"name":"d","size":4096,"mode":2147484141,
	 *  "mtime":"2026-11-22T10:04:36.421667608Z","linkTarget":""} */
	CHECK_EQ_INT(docker_path_stat_parse("eyJuYW1lIjoiZCIsInNpemUiOjQwOTYs"
	    "Im1vZGUiOjIxNDc0ODQxNDEsIm10aW1lIjoiMjAyNi0xMS0yMlQxMDowNDozNi40"
	    "MjE2Njc2MDhaIiwibGlua1RhcmdldCI6IiJ9", &f), 0);
	CHECK_EQ_INT(f.is_dir, 1);
	CHECK_EQ_INT(f.is_link, 0);
	CHECK_EQ_INT(f.mode, 0755);
	CHECK_EQ_INT(f.size, 4096);
	CHECK_EQ_INT(f.mtime, 1795341876);
	CHECK_EQ_INT(docker_path_stat_parse("!!!", &f), ERR_BACKEND);
}

int
main(void)
{
	test_reader();
	test_reowner();
	test_reowner_refuses();
	test_big_size();
	test_stats();
	test_path_stat();
	CHECK_DONE();
}
