/* cli-http.c: the CLI's REST client on libcurl: credentials (flag > env
 * > config), one reused handle, JSON calls, streamed calls, the error
 * shape, and the --debug trace with the key redacted. libcurl is loaded
 * with dlopen(3) only when a command first needs the network: linking it
 * costs ~10 ms of loader time per run, which "berth version" must not pay. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dlfcn.h>

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "buf.h"
#include "cli.h"
#include "cli-config.h"
#include "cli-fmt.h"
#include "cli-net.h"
#include "err.h"
#include "xmalloc.h"

#define HTTP_ERR_BODY_CAP	(64 * 1024)
#define HTTP_JSON_CAP		(256 * 1024 * 1024)
#define HTTP_CONNECT_TIMEOUT	10L
#define HTTP_DEFAULT_TIMEOUT	300L

/* The few libcurl entry points the CLI uses, resolved at first use. */
static struct {
	CURLcode	 (*global_init)(long);
	CURL		*(*init)(void);
	void		 (*cleanup)(CURL *);
	void		 (*reset)(CURL *);
	CURLcode	 (*setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*perform)(CURL *);
	CURLcode	 (*getinfo)(CURL *, CURLINFO, ...);
	const char	*(*strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		 (*slist_free_all)(struct curl_slist *);
} cu_api;

static int
http_load_curl(void)
{
	static const char *const names[] = { "libcurl.so.4", "libcurl.so",
	    "libcurl-gnutls.so.4" };
	void *h = NULL;

	for (size_t i = 0; h == NULL && i < 3; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return err_set(ERR_INTERNAL, "cannot load libcurl: %s",
		    dlerror());
#define CU_SYM(f, n) do {						\
	*(void **)&cu_api.f = dlsym(h, n);				\
	if (cu_api.f == NULL)						\
		return err_set(ERR_INTERNAL, "libcurl lacks %s", n);	\
} while (0)
	CU_SYM(global_init, "curl_global_init");
	CU_SYM(init, "curl_easy_init");
	CU_SYM(cleanup, "curl_easy_cleanup");
	CU_SYM(reset, "curl_easy_reset");
	CU_SYM(setopt, "curl_easy_setopt");
	CU_SYM(perform, "curl_easy_perform");
	CU_SYM(getinfo, "curl_easy_getinfo");
	CU_SYM(strerror, "curl_easy_strerror");
	CU_SYM(slist_append, "curl_slist_append");
	CU_SYM(slist_free_all, "curl_slist_free_all");
#undef CU_SYM
	return 0;
}

int
cli_auth_load(struct cli *cli)
{
	json_t *cfg = NULL;
	const char *v;
	int loose = 0, r;

	if (cli->auth_loaded)
		return 0;
	cli->auth_loaded = 1;
	if ((cli->cfg_path = config_path()) != NULL) {
		if ((r = config_load(cli->cfg_path, &cfg, &loose)) != 0)
			return r;
		if (loose && !cli->quiet)
			fprintf(stderr, "berth: warning: %s is readable by "
			    "others; run: chmod 600 %s\n", cli->cfg_path,
			    cli->cfg_path);
	}
	if (cli->flag_key != NULL) {
		cli->api_key = xstrdup(cli->flag_key);
		cli->key_source = "flag";
	} else if ((v = getenv("BERTH_API_KEY")) != NULL && *v != '\0') {
		cli->api_key = xstrdup(v);
		cli->key_source = "env";
	} else if (*(v = cli_str(cfg, "api_key")) != '\0') {
		cli->api_key = xstrdup(v);
		cli->key_source = "config";
	}
	if (cli->flag_url != NULL) {
		cli->api_url = xstrdup(cli->flag_url);
		cli->url_source = "flag";
	} else if ((v = getenv("BERTH_API_URL")) != NULL && *v != '\0') {
		cli->api_url = xstrdup(v);
		cli->url_source = "env";
	} else if (*(v = cli_str(cfg, "api_url")) != '\0') {
		cli->api_url = xstrdup(v);
		cli->url_source = "config";
	} else {
		cli->api_url = xstrdup(CLI_DEFAULT_URL);
		cli->url_source = "default";
	}
	/* no trailing slash: paths start with one */
	for (size_t n = strlen(cli->api_url); n > 0 &&
	    cli->api_url[n - 1] == '/'; n--)
		cli->api_url[n - 1] = '\0';
	json_decref(cfg);
	return 0;
}

void
cli_http_close(struct cli *cli)
{
	if (cli->curl != NULL) {
		cu_api.cleanup(cli->curl);
		cli->curl = NULL;
	}
}

static void
http_esc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

char *
cli_path(const char *fmt, ...)
{
	struct buf *b = buf_new(0);
	va_list ap;
	char *out;

	va_start(ap, fmt);
	for (const char *p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && (p[1] == 's' || p[1] == 'S')) {
			const char *a = va_arg(ap, const char *);
			if (p[1] == 's')
				http_esc(b, a);
			else
				buf_append(b, a, strlen(a));
			p++;
		} else
			buf_putc(b, *p);
	}
	va_end(ap);
	out = buf_steal(b, NULL);
	buf_free(b);
	return out;
}

/* One header line of the --debug trace, the key redacted. */
static void
http_trace_line(const char *pfx, const char *line)
{
	if (strncasecmp(line, "authorization:", 14) == 0) {
		const char *v = line + 14;
		char *red;

		while (*v == ' ')
			v++;
		if (strncasecmp(v, "bearer ", 7) == 0)
			v += 7;
		red = fmt_redact_key(v);
		fprintf(stderr, "%sAuthorization: Bearer %s\n", pfx, red);
		free(red);
	} else if (strncasecmp(line, "api-key:", 8) == 0)
		fprintf(stderr, "%sapi-key: [redacted]\n", pfx);
	else
		fprintf(stderr, "%s%s\n", pfx, line);
}

/* --debug: request and response headers on stderr, the key redacted. */
static int
http_trace(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	const char *pfx;
	char *copy, *line, *save = NULL;

	switch (type) {
	case CURLINFO_TEXT:
		pfx = "* ";
		break;
	case CURLINFO_HEADER_OUT:
		pfx = "> ";
		break;
	case CURLINFO_HEADER_IN:
		pfx = "< ";
		break;
	case CURLINFO_DATA_OUT:
		fprintf(stderr, "> [%zu bytes of body]\n", size);
		return 0;
	default:
		return 0;
	}
	copy = xstrndup(data, size);
	for (line = strtok_r(copy, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save))
		http_trace_line(pfx, line);
	free(copy);
	return 0;
}

/* The raw client's trace: a header block ('>') or one line ('<'). */
static void
http_net_trace(void *arg, int dir, const char *data, size_t len)
{
	http_trace(NULL, dir == '>' ? CURLINFO_HEADER_OUT :
	    CURLINFO_HEADER_IN, (char *)data, len, arg);
}

struct http_ctx {
	struct cli	*cli;
	struct cli_stream *s;
	struct buf	*err;		/* body of an error reply */
	int		 aborted;
	int		 checked;
	int		 failed;	/* status >= 400 */
};

static size_t
http_write(char *p, size_t sz, size_t n, void *arg)
{
	struct http_ctx *c = arg;
	size_t len = sz * n;

	if (!c->checked) {
		long st = 0;
		char *ct = NULL;

		cu_api.getinfo(c->cli->curl, CURLINFO_RESPONSE_CODE, &st);
		cu_api.getinfo(c->cli->curl, CURLINFO_CONTENT_TYPE, &ct);
		c->s->status = st;
		snprintf(c->s->ctype, sizeof c->s->ctype, "%s",
		    ct != NULL ? ct : "");
		c->failed = st >= 300;
		c->checked = 1;
	}
	if (c->failed) {
		/* keep what fits; the rest of a huge error is dropped */
		if (buf_len(c->err) + len <= HTTP_ERR_BODY_CAP)
			buf_append(c->err, p, len);
		return len;
	}
	if (c->s->writefn != NULL && c->s->writefn(p, len, c->s->writearg)
	    != 0) {
		c->aborted = 1;
		return 0;
	}
	return len;
}

static int
http_xfer(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct http_ctx *c = arg;

	if (c->s->tick != NULL)
		c->s->tick(c->s->tickarg, dt, dn, ut, un);
	return 0;
}

/* Prints the API error in err (or a generic one for the status). */
static int
http_report(struct cli *cli, long status, struct buf *err)
{
	json_t *j = NULL, *e;
	const char *code, *msg;

	if (buf_len(err) > 0)
		j = json_loads(buf_data(err), 0, NULL);
	e = json_object_get(j, "error");
	if (json_is_object(e) && json_is_string(json_object_get(e,
	    "message"))) {
		code = cli_str(e, "code");
		msg = cli_str(e, "message");
		if (cli->json) {
			char *t = json_dumps(j, JSON_COMPACT);
			fprintf(stderr, "%s\n", t);
			free(t);
		} else if (status == 401)
			fprintf(stderr, "berth: %s; run 'berth auth login' or "
			    "set BERTH_API_KEY\n", msg);
		else
			fprintf(stderr, "berth: %s\n", msg);
		(void)code;
	} else {
		const char *first = buf_len(err) > 0 ? buf_data(err) : "";
		char line[200];
		size_t k;

		for (k = 0; k + 1 < sizeof line && first[k] != '\0' &&
		    first[k] != '\n' && first[k] != '\r'; k++)
			line[k] = first[k];
		line[k] = '\0';
		cli_err(cli, status == 404 ? "not_found" : "http_error",
		    "server replied %ld%s%s", status, k > 0 ? ": " : "",
		    line);
	}
	json_decref(j);
	return -1;
}

static int
http_setup(struct cli *cli, int need_curl)
{
	int r;

	if ((r = cli_auth_load(cli)) != 0) {
		cli_err_last(cli, r);
		return -1;
	}
	if (need_curl && cli->curl == NULL) {
		if ((r = http_load_curl()) != 0) {
			cli_err_last(cli, r);
			return -1;
		}
		cu_api.global_init(CURL_GLOBAL_DEFAULT);
		if ((cli->curl = cu_api.init()) == NULL) {
			cli_err(cli, "internal", "cannot start libcurl");
			return -1;
		}
	}
	if (cli->api_key == NULL) {
		cli_err(cli, "unauthorized", "no API key: run 'berth auth "
		    "login', or set BERTH_API_KEY, or pass --api-key");
		return -1;
	}
	return 0;
}

static void
http_curl_error(struct cli *cli, CURLcode cr, int sent)
{
	long oserr = 0;
	const char *why;

	cu_api.getinfo(cli->curl, CURLINFO_OS_ERRNO, &oserr);
	switch (cr) {
	case CURLE_COULDNT_CONNECT:
		if (oserr != 0) {
			char m[128];
			snprintf(m, sizeof m, "%s", strerror((int)oserr));
			m[0] = (char)tolower((unsigned char)m[0]);
			cli_err(cli, "unreachable", "cannot reach berthd at "
			    "%s: %s", cli->api_url, m);
			return;
		}
		why = "connection failed";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		why = "cannot resolve the host name";
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		cli_err(cli, "usage", "bad API URL '%s'", cli->api_url);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		cli_err(cli, "timeout", "berthd at %s did not answer in time "
		    "(--timeout)", cli->api_url);
		return;
	default:
		if (sent) {
			cli_err(cli, "unreachable", "connection to berthd at "
			    "%s failed: %s", cli->api_url,
			    cu_api.strerror(cr));
			return;
		}
		why = cu_api.strerror(cr);
		break;
	}
	cli_err(cli, "unreachable", "cannot reach berthd at %s: %s",
	    cli->api_url, why);
}

/* Picks the headers cli_stream reports (X-Berth-Mode). */
static void
http_header_line(struct cli_stream *s, const char *l, size_t len)
{
	char v[16], *end;
	long m;

	if (len > 14 && strncasecmp(l, "content-range:", 14) == 0) {
		const char *sl = memchr(l, '/', len);
		long long sz;
		if (sl != NULL && (size_t)(sl - l) + 1 < len &&
		    sl[1] >= '0' && sl[1] <= '9') {
			sz = strtoll(sl + 1, &end, 10);
			s->range_size = sz;
		}
		return;
	}
	if (len < 13 || strncasecmp(l, "x-berth-mode:", 13) != 0)
		return;
	l += 13;
	len -= 13;
	while (len > 0 && (*l == ' ' || *l == '\t')) {
		l++;
		len--;
	}
	if (len == 0 || len >= sizeof v)
		return;
	memcpy(v, l, len);
	v[len] = '\0';
	v[strcspn(v, "\r\n ")] = '\0';
	m = strtol(v, &end, 8);
	if (end != v && *end == '\0' && m >= 0 && m <= 07777)
		s->mode = (int)m;
}

static void
http_net_header(void *arg, const char *l)
{
	struct http_ctx *c = arg;

	http_header_line(c->s, l, strlen(l));
}

static size_t
http_curl_header(char *p, size_t sz, size_t n, void *arg)
{
	struct http_ctx *c = arg;

	http_header_line(c->s, p, sz * n);
	return sz * n;
}

static void
http_net_head(void *arg, long status, const char *ctype)
{
	struct http_ctx *c = arg;

	c->s->status = status;
	snprintf(c->s->ctype, sizeof c->s->ctype, "%s", ctype);
	c->failed = status >= 300;
	c->checked = 1;
}

static void
http_net_tick(void *arg, int64_t dt, int64_t dn, int64_t ut, int64_t un)
{
	struct http_ctx *c = arg;

	if (c->s->tick != NULL)
		c->s->tick(c->s->tickarg, dt, dn, ut, un);
}

static int http_stream_net(struct cli *, struct cli_stream *,
    struct http_ctx *, const char *, char **, const char *);

/* Builds the headers and body, then runs the built-in client. */
static int
http_stream_raw(struct cli *cli, struct cli_stream *s, struct http_ctx *c)
{
	char *hdrs[9], *url, *body = NULL;
	int n = 0, r;

	c->cli = cli;
	c->s = s;
	c->err = buf_new(0);
	s->mode = -1;
	s->range_size = -1;
	s->status = 0;
	s->ctype[0] = '\0';
	url = xasprintf("%s%s", cli->api_url, s->path);
	hdrs[n++] = xasprintf("Authorization: Bearer %s", cli->api_key);
	hdrs[n++] = xasprintf("Accept: %s", s->accept != NULL ? s->accept :
	    "application/json");
	hdrs[n++] = xstrdup("User-Agent: berth/" BERTH_VERSION);
	if (s->range != NULL)
		hdrs[n++] = xasprintf("Range: %s", s->range);
	if (s->json != NULL) {
		body = json_dumps(s->json, JSON_COMPACT);
		hdrs[n++] = xstrdup("Content-Type: application/json");
	} else if (s->readfn != NULL)
		hdrs[n++] = xasprintf("Content-Type: %s", s->content_type !=
		    NULL ? s->content_type : "application/octet-stream");
	hdrs[n] = NULL;
	r = http_stream_net(cli, s, c, url, hdrs, body);
	for (int i = 0; i < n; i++) {
		explicit_bzero(hdrs[i], strlen(hdrs[i]));
		free(hdrs[i]);
	}
	free(url);
	free(body);
	buf_free(c->err);
	return r;
}

/* The request through the built-in client (http:// URLs). */
static int
http_stream_net(struct cli *cli, struct cli_stream *s, struct http_ctx *c,
    const char *url, char **hdrs, const char *body)
{
	struct net_req rq;
	struct timespec t0, t1;
	int r;

	memset(&rq, 0, sizeof rq);
	rq.url = url;
	rq.method = s->method;
	rq.headers = (const char *const *)hdrs;
	if (body != NULL) {
		rq.body = body;
		rq.bodylen = strlen(body);
	} else if (s->readfn != NULL) {
		rq.readfn = s->readfn;
		rq.readarg = s->readarg;
		rq.upload_len = s->upload_len;
	}
	rq.on_head = http_net_head;
	rq.on_header = http_net_header;
	rq.on_body = http_write;
	if (s->tick != NULL)
		rq.tick = http_net_tick;
	if (cli->debug)
		rq.trace = http_net_trace;
	rq.arg = c;
	rq.connect_timeout_s = cli->timeout > 0 && cli->timeout <
	    HTTP_CONNECT_TIMEOUT ? cli->timeout : HTTP_CONNECT_TIMEOUT;
	rq.timeout_s = cli->timeout > 0 ? cli->timeout : s->long_running ? 0 :
	    HTTP_DEFAULT_TIMEOUT;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = net_perform(&rq);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (cli->debug)
		fprintf(stderr, "* %ld in %.1f ms\n", rq.status,
		    (double)(t1.tv_sec - t0.tv_sec) * 1000 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (c->aborted)
		return -1;
	switch (r) {
	case NET_OK:
		break;
	case NET_ERR_CONNECT:
		if (rq.oserr != 0) {
			char m[128];
			snprintf(m, sizeof m, "%s", strerror(rq.oserr));
			m[0] = (char)tolower((unsigned char)m[0]);
			cli_err(cli, "unreachable", "cannot reach berthd at "
			    "%s: %s", cli->api_url, m);
		} else
			cli_err(cli, "unreachable", "cannot reach berthd at "
			    "%s: connection failed", cli->api_url);
		return -1;
	case NET_ERR_RESOLVE:
		cli_err(cli, "unreachable", "cannot reach berthd at %s: "
		    "cannot resolve the host name", cli->api_url);
		return -1;
	case NET_ERR_URL:
		cli_err(cli, "usage", "bad API URL '%s'", cli->api_url);
		return -1;
	case NET_ERR_TIMEOUT:
		cli_err(cli, "timeout", "berthd at %s did not answer in time "
		    "(--timeout)", cli->api_url);
		return -1;
	case NET_ERR_ABORT:
		if (!c->aborted)
			cli_err(cli, "aborted", "the upload was aborted");
		return -1;
	case NET_ERR_PROTO:
		cli_err(cli, "bad_response", "berthd at %s sent a reply "
		    "that is not HTTP/1.1", cli->api_url);
		return -1;
	default:
		if (rq.status >= 300)
			break;	/* report the API error below */
		cli_err(cli, "unreachable", "connection to berthd at %s "
		    "%s%s%s", cli->api_url, rq.status ? "broke mid-reply" :
		    "was closed", rq.oserr ? ": " : "", rq.oserr ?
		    strerror(rq.oserr) : "");
		return -1;
	}
	if (s->status >= 300 || (rq.status >= 300 && !c->checked)) {
		s->status = rq.status;
		if (s->errbody != NULL)
			buf_append(s->errbody, buf_data(c->err),
			    buf_len(c->err));
		else
			http_report(cli, s->status, c->err);
		return -1;
	}
	return 0;
}

int
cli_stream(struct cli *cli, struct cli_stream *s)
{
	struct http_ctx c;
	struct curl_slist *hdr = NULL;
	char *url = NULL, *auth = NULL, *body = NULL, *h;
	CURL *cu;
	CURLcode cr;
	int r = -1;

	memset(&c, 0, sizeof c);
	if (cli_auth_load(cli) != 0 || cli->api_key == NULL)
		return http_setup(cli, 0);
	if (net_handles(cli->api_url) && getenv("BERTH_USE_CURL") == NULL)
		return http_stream_raw(cli, s, &c);
	if (http_setup(cli, 1) != 0)
		return -1;
	cu = cli->curl;
	cu_api.reset(cu);
	c.cli = cli;
	c.s = s;
	c.err = buf_new(0);
	s->mode = -1;
	s->range_size = -1;
	s->status = 0;
	s->ctype[0] = '\0';

	url = xasprintf("%s%s", cli->api_url, s->path);
	auth = xasprintf("Authorization: Bearer %s", cli->api_key);
	hdr = cu_api.slist_append(hdr, auth);
	h = xasprintf("Accept: %s", s->accept != NULL ? s->accept :
	    "application/json");
	hdr = cu_api.slist_append(hdr, h);
	free(h);
	hdr = cu_api.slist_append(hdr, "Expect:");
	hdr = cu_api.slist_append(hdr, "User-Agent: berth/" BERTH_VERSION);
	if (s->range != NULL) {
		h = xasprintf("Range: %s", s->range);
		hdr = cu_api.slist_append(hdr, h);
		free(h);
	}
	cu_api.setopt(cu, CURLOPT_URL, url);
	cu_api.setopt(cu, CURLOPT_CUSTOMREQUEST, s->method);
	cu_api.setopt(cu, CURLOPT_NOSIGNAL, 1L);
	cu_api.setopt(cu, CURLOPT_TCP_NODELAY, 1L);
	cu_api.setopt(cu, CURLOPT_CONNECTTIMEOUT, cli->timeout > 0 &&
	    cli->timeout < HTTP_CONNECT_TIMEOUT ? cli->timeout :
	    HTTP_CONNECT_TIMEOUT);
	if (cli->timeout > 0)
		cu_api.setopt(cu, CURLOPT_TIMEOUT, cli->timeout);
	else if (!s->long_running)
		cu_api.setopt(cu, CURLOPT_TIMEOUT, HTTP_DEFAULT_TIMEOUT);
	if (s->json != NULL) {
		body = json_dumps(s->json, JSON_COMPACT);
		hdr = cu_api.slist_append(hdr,
		    "Content-Type: application/json");
		cu_api.setopt(cu, CURLOPT_POSTFIELDS, body);
		cu_api.setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (s->readfn != NULL) {
		h = xasprintf("Content-Type: %s", s->content_type != NULL ?
		    s->content_type : "application/octet-stream");
		hdr = cu_api.slist_append(hdr, h);
		free(h);
		cu_api.setopt(cu, CURLOPT_UPLOAD, 1L);
		cu_api.setopt(cu, CURLOPT_CUSTOMREQUEST, s->method);
		cu_api.setopt(cu, CURLOPT_READFUNCTION, s->readfn);
		cu_api.setopt(cu, CURLOPT_READDATA, s->readarg);
		if (s->upload_len >= 0)
			cu_api.setopt(cu, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)s->upload_len);
	} else if (strcmp(s->method, "GET") == 0)
		cu_api.setopt(cu, CURLOPT_HTTPGET, 1L);
	else if (strcmp(s->method, "HEAD") == 0)
		cu_api.setopt(cu, CURLOPT_NOBODY, 1L);
	cu_api.setopt(cu, CURLOPT_HTTPHEADER, hdr);
	cu_api.setopt(cu, CURLOPT_HEADERFUNCTION, http_curl_header);
	cu_api.setopt(cu, CURLOPT_HEADERDATA, &c);
	cu_api.setopt(cu, CURLOPT_WRITEFUNCTION, http_write);
	cu_api.setopt(cu, CURLOPT_WRITEDATA, &c);
	if (s->tick != NULL) {
		cu_api.setopt(cu, CURLOPT_NOPROGRESS, 0L);
		cu_api.setopt(cu, CURLOPT_XFERINFOFUNCTION, http_xfer);
		cu_api.setopt(cu, CURLOPT_XFERINFODATA, &c);
	}
	if (cli->debug) {
		cu_api.setopt(cu, CURLOPT_VERBOSE, 1L);
		cu_api.setopt(cu, CURLOPT_DEBUGFUNCTION, http_trace);
	}

	cr = cu_api.perform(cu);
	if (!c.checked) {
		char *ct = NULL;
		cu_api.getinfo(cu, CURLINFO_RESPONSE_CODE, &s->status);
		cu_api.getinfo(cu, CURLINFO_CONTENT_TYPE, &ct);
		snprintf(s->ctype, sizeof s->ctype, "%s", ct != NULL ? ct :
		    "");
	}
	if (cli->debug) {
		double t = 0;
		cu_api.getinfo(cu, CURLINFO_TOTAL_TIME, &t);
		fprintf(stderr, "* %ld in %.1f ms\n", s->status, t * 1000);
	}
	if (c.aborted) {
		r = -1;
		goto out;
	}
	if (cr != CURLE_OK && !(s->status >= 300 && cr ==
	    CURLE_WRITE_ERROR)) {
		http_curl_error(cli, cr, s->status != 0);
		goto out;
	}
	if (s->status >= 300) {
		if (s->errbody != NULL)
			buf_append(s->errbody, buf_data(c.err),
			    buf_len(c.err));
		else
			http_report(cli, s->status, c.err);
		goto out;
	}
	r = 0;
out:
	cu_api.slist_free_all(hdr);
	free(url);
	free(auth);
	free(body);
	buf_free(c.err);
	return r;
}

static int
http_collect(const char *p, size_t len, void *arg)
{
	return buf_append(arg, p, len) == 0 ? 0 : -1;
}

int
cli_call(struct cli *cli, const char *method, const char *path,
    json_t *body, json_t **out)
{
	struct cli_stream s;
	struct buf *b = buf_new(HTTP_JSON_CAP);
	json_error_t je;
	json_t *j = NULL;
	int r;

	memset(&s, 0, sizeof s);
	s.method = method;
	s.path = path;
	s.json = body;
	if (body == NULL && (strcmp(method, "POST") == 0 ||
	    strcmp(method, "PATCH") == 0 || strcmp(method, "PUT") == 0))
		s.json = j = json_object();
	s.writefn = http_collect;
	s.writearg = b;
	r = cli_stream(cli, &s);
	json_decref(j);
	if (r != 0) {
		buf_free(b);
		return -1;
	}
	if (out != NULL) {
		*out = NULL;
		if (buf_len(b) > 0 && (*out = json_loadb(buf_data(b),
		    buf_len(b), JSON_DECODE_ANY, &je)) == NULL) {
			buf_free(b);
			return cli_err(cli, "bad_response", "bad JSON from "
			    "berthd (%s %s): %s", method, path, je.text) != 0 ?
			    -1 : -1;
		}
	}
	buf_free(b);
	return 0;
}
