/* docker-client.c: Engine API requests over the unix socket with libcurl.
 * Any thread: curl handles live in a pool behind one mutex and each
 * request holds its handle alone; curl_easy_reset keeps the handle's open
 * connection, so back-to-back calls reuse it. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "docker-client.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

#define DC_POOL_MAX	16

struct dc {
	char		*host;
	char		*path;
	long		 timeout_ms;
	pthread_mutex_t	 lock;		/* guards pool, npool */
	CURL		*pool[DC_POOL_MAX];
	size_t		 npool;
};

static pthread_once_t dc_once = PTHREAD_ONCE_INIT;

static void
dc_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct dc *
dc_new(const char *host)
{
	struct sockaddr_un sun;
	struct dc *dc;
	const char *path;

	pthread_once(&dc_once, dc_global_init);
	if (host == NULL || *host == '\0')
		host = "unix:///var/run/docker.sock";
	if (strncmp(host, "unix://", 7) == 0)
		path = host + 7;
	else
		path = host;
	if (*path != '/') {
		err_set(ERR_INVAL, "docker host '%s' is not supported: use "
		    "unix:///path/to/docker.sock", host);
		return NULL;
	}
	if (strlen(path) >= sizeof sun.sun_path) {
		err_set(ERR_INVAL, "docker socket path '%s' is too long", path);
		return NULL;
	}
	dc = xcalloc(1, sizeof *dc);
	dc->host = xasprintf("unix://%s", path);
	dc->path = xstrdup(path);
	dc->timeout_ms = DC_DEFAULT_MS;
	pthread_mutex_init(&dc->lock, NULL);
	return dc;
}

void
dc_free(struct dc *dc)
{
	if (dc == NULL)
		return;
	for (size_t i = 0; i < dc->npool; i++)
		curl_easy_cleanup(dc->pool[i]);
	pthread_mutex_destroy(&dc->lock);
	free(dc->host);
	free(dc->path);
	free(dc);
}

const char *
dc_host(const struct dc *dc)
{
	return dc->host;
}

const char *
dc_sock_path(const struct dc *dc)
{
	return dc->path;
}

void
dc_set_timeout(struct dc *dc, long timeout_ms)
{
	dc->timeout_ms = timeout_ms > 0 ? timeout_ms : DC_DEFAULT_MS;
}

static CURL *
dc_handle_get(struct dc *dc)
{
	CURL *h = NULL;

	pthread_mutex_lock(&dc->lock);
	if (dc->npool > 0)
		h = dc->pool[--dc->npool];
	pthread_mutex_unlock(&dc->lock);
	if (h == NULL && (h = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_reset(h);
	return h;
}

static void
dc_handle_put(struct dc *dc, CURL *h, int reusable)
{
	if (reusable) {
		pthread_mutex_lock(&dc->lock);
		if (dc->npool < DC_POOL_MAX) {
			dc->pool[dc->npool++] = h;
			h = NULL;
		}
		pthread_mutex_unlock(&dc->lock);
	}
	if (h != NULL)
		curl_easy_cleanup(h);
}

struct sink {
	struct buf	*b;
	int		 toobig;
};

static size_t
dc_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (buf_append(s->b, p, size * n) != 0) {
		s->toobig = 1;
		return 0;
	}
	return size * n;
}

int
dc_request(struct dc *dc, const char *method, const char *path,
    json_t *body, long timeout_ms, long *statusp, json_t **resp,
    struct buf **rawp)
{
	struct curl_slist *hdrs = NULL;
	struct sink sink = { NULL, 0 };
	char *url = NULL, *jbody = NULL;
	CURL *h = NULL;
	CURLcode cc;
	long status = 0, oserr = 0;
	int r = 0, reusable = 0;

	if (resp != NULL)
		*resp = NULL;
	if (rawp != NULL)
		*rawp = NULL;
	if (timeout_ms <= 0)
		timeout_ms = dc->timeout_ms;
	if ((h = dc_handle_get(dc)) == NULL) {
		r = err_set(ERR_INTERNAL, "curl_easy_init failed");
		goto out;
	}
	sink.b = buf_new(LIMIT_DOCKER_RESPONSE);
	url = xasprintf("http://docker" DC_API_PREFIX "%s", path);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, dc->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)DC_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, dc_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (body != NULL) {
		jbody = json_dumps(body, JSON_COMPACT);
		if (jbody == NULL) {
			r = err_set(ERR_INTERNAL, "cannot encode request");
			goto out;
		}
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, jbody);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(jbody));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
		if (sink.toobig)
			r = err_set(ERR_TOOBIG, "docker engine answer to %s %s "
			    "is larger than %d bytes", method, path,
			    LIMIT_DOCKER_RESPONSE);
		else if (cc == CURLE_OPERATION_TIMEDOUT)
			r = err_set(ERR_TIMEOUT, "docker engine at %s did not "
			    "answer %s %s within %ld ms", dc->host, method,
			    path, timeout_ms);
		else if (cc == CURLE_COULDNT_CONNECT)
			r = err_set(ERR_BACKEND, "docker engine not reachable "
			    "at %s: %s (is dockerd running?)", dc->host,
			    oserr ? strerror((int)oserr) :
			    curl_easy_strerror(cc));
		else
			r = err_set(ERR_BACKEND, "docker engine at %s: %s %s "
			    "failed: %s", dc->host, method, path,
			    curl_easy_strerror(cc));
		goto out;
	}
	reusable = 1;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	*statusp = status;
	if (resp != NULL && buf_len(sink.b) > 0) {
		const char *d = buf_data(sink.b);
		if (*d == '{' || *d == '[')
			*resp = json_loadb(d, buf_len(sink.b), 0, NULL);
	}
	if (rawp != NULL) {
		*rawp = sink.b;
		sink.b = NULL;
	}
 out:
	if (h != NULL)
		dc_handle_put(dc, h, reusable);
	curl_slist_free_all(hdrs);
	buf_free(sink.b);
	free(jbody);
	free(url);
	return r;
}

const char *
dc_message(json_t *resp)
{
	const char *m = NULL;

	if (resp != NULL)
		m = json_string_value(json_object_get(resp, "message"));
	return m != NULL ? m : "";
}

int
dc_error(long status, json_t *resp, const char *what)
{
	const char *m = dc_message(resp);
	int code;

	switch (status) {
	case 400:
		code = ERR_INVAL;
		break;
	case 404:
		code = ERR_NOTFOUND;
		break;
	case 409:
		code = ERR_CONFLICT;
		break;
	default:
		code = ERR_BACKEND;
		break;
	}
	if (what != NULL && *m != '\0')
		return err_set(code, "%s (docker: %s)", what, m);
	if (what != NULL)
		return err_set(code, "%s (docker: HTTP %ld)", what, status);
	if (*m != '\0')
		return err_set(code, "docker: %s", m);
	return err_set(code, "docker engine answered HTTP %ld", status);
}

int
dc_connect(struct dc *dc, int timeout_ms, int *fdp)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	socklen_t sl;
	int fd, r, soerr = 0;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy_b(sun.sun_path, dc->path, sizeof sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return err_set(ERR_IO, "socket: %s", strerror(errno));
	r = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	if (r == -1 && (errno == EINPROGRESS || errno == EAGAIN)) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, timeout_ms);
		if (r == 0) {
			close(fd);
			return err_set(ERR_TIMEOUT, "docker engine not "
			    "reachable at %s: connect timed out", dc->host);
		}
		sl = sizeof soerr;
		if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &sl) == 0 && soerr == 0)
			r = 0;
		else {
			errno = soerr ? soerr : errno;
			r = -1;
		}
	}
	if (r == -1) {
		int e = errno;
		close(fd);
		return err_set(ERR_BACKEND, "docker engine not reachable at "
		    "%s: %s (is dockerd running?)", dc->host, strerror(e));
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		close(fd);
		return err_set(ERR_IO, "fcntl: %s", strerror(errno));
	}
	*fdp = fd;
	return 0;
}

int
dc_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			r = buf_putc(b, (char)c);
		else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			r = buf_append(b, e, 3);
		}
		if (r != 0)
			return r;
	}
	return 0;
}
