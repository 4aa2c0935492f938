/* valid.c: input validators. */
#include <ctype.h>
#include <string.h>

#include "err.h"
#include "valid.h"

int
valid_dns_label(const char *field, const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0)
		return err_set(ERR_INVAL, "%s is required", field);
	if (n > 63)
		return err_set(ERR_INVAL, "%s is longer than 63 characters",
		    field);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c == '-' && i > 0 && i < n - 1)))
			return err_set(ERR_INVAL, "%s '%.64s' is not a DNS "
			    "label (lowercase letters, digits and inner '-')",
			    field, s);
	}
	return 0;
}

static const char *const reserved_users[] = { "berthd", "berth", "root",
    "system", NULL };

int
valid_user_name(const char *field, const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0)
		return err_set(ERR_INVAL, "%s is required", field);
	if (n > 32 || !(s[0] >= 'a' && s[0] <= 'z'))
		goto bad;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			goto bad;
	}
	/* Names berth itself acts under (events say "berthd"). */
	for (size_t i = 0; reserved_users[i] != NULL; i++)
		if (strcmp(s, reserved_users[i]) == 0)
			return err_set(ERR_INVAL, "%s '%s' is reserved for "
			    "berth itself", field, s);
	return 0;
bad:
	return err_set(ERR_INVAL, "%s '%.40s' is not a valid user name "
	    "([a-z][a-z0-9-]{0,31})", field, s);
}

int
valid_env_key(const char *field, const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 128 ||
	    !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		goto bad;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			goto bad;
	return 0;
bad:
	return err_set(ERR_INVAL, "%s: '%.64s' is not a valid environment "
	    "variable name", field, s ? s : "");
}

static int
path_chars_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int
has_dotdot(const char *s)
{
	const char *p = s;

	while ((p = strstr(p, "..")) != NULL) {
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
		p += 2;
	}
	return 0;
}

int
valid_mount_path(const char *field, const char *s)
{
	static const char *const sys[] = { "/proc", "/sys", "/dev", "/etc",
	    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	    "/boot", "/run", "/var/run", "/var/lib", NULL };
	size_t n;

	if (s == NULL || s[0] != '/')
		return err_set(ERR_INVAL, "%s must be an absolute path", field);
	n = strlen(s);
	if (n > 256 || !path_chars_ok(s) || strstr(s, "//") != NULL ||
	    has_dotdot(s) || strstr(s, "/./") != NULL ||
	    (n >= 2 && strcmp(s + n - 2, "/.") == 0) ||
	    (n > 1 && s[n - 1] == '/'))
		return err_set(ERR_INVAL, "%s '%.64s' is not a clean absolute "
		    "path", field, s);
	if (n == 1)
		return err_set(ERR_INVAL, "%s cannot be /", field);
	for (size_t i = 0; sys[i] != NULL; i++) {
		size_t l = strlen(sys[i]);
		if (strncmp(s, sys[i], l) == 0 && (s[l] == '\0' || s[l] == '/'))
			return err_set(ERR_INVAL, "%s '%.64s' is a system path",
			    field, s);
	}
	return 0;
}

int
valid_container_path(const char *field, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return err_set(ERR_INVAL, "%s is required", field);
	if (s[0] != '/')
		return err_set(ERR_INVAL, "%s must be an absolute path", field);
	if (strlen(s) > 4096 || !path_chars_ok(s) || has_dotdot(s))
		return err_set(ERR_INVAL, "%s '%.64s' is not allowed (no '..' "
		    "components or control characters)", field, s);
	return 0;
}

int
valid_image_ref(const char *field, const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0)
		return err_set(ERR_INVAL, "%s is required", field);
	if (n > 255 || s[0] == '-' || s[0] == '.' || s[0] == '/')
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("._/:@-", c) != NULL || (c >= 'A' && c <= 'Z')))
			goto bad;
	}
	return 0;
bad:
	return err_set(ERR_INVAL, "%s '%.64s' is not a valid image reference",
	    field, s);
}

int
valid_text(const char *field, const char *s, size_t max)
{
	if (s == NULL)
		return err_set(ERR_INVAL, "%s is required", field);
	if (strlen(s) > max)
		return err_set(ERR_INVAL, "%s is longer than %zu bytes", field,
		    max);
	if (!path_chars_ok(s))
		return err_set(ERR_INVAL, "%s contains control characters",
		    field);
	return 0;
}
