/*
 * error.c - the per-thread last error.
 *
 * A fixed buffer per thread: raising an error must work when memory is
 * exhausted, so nothing here allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

#define QP_ERROR_MAX 1024

static _Thread_local char tls_message[QP_ERROR_MAX];
static _Thread_local qp_error tls_error = {QP_OK, ""};

/* Cut s (of length len) back so that it does not end inside a UTF-8 sequence. */
static void trim_utf8(char *s, size_t len)
{
	size_t i = len;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t need = (lead & 0xE0) == 0xC0   ? 2
			      : (lead & 0xF0) == 0xE0 ? 3
			      : (lead & 0xF8) == 0xF0 ? 4
						      : 1;
		if (len - (i - 1) < need)
			s[i - 1] = '\0';
	}
}

static void finish(int n)
{
	if (n < 0) {
		tls_message[0] = '\0';
	} else if ((size_t)n >= sizeof(tls_message)) {
		trim_utf8(tls_message, sizeof(tls_message) - 1);
	}
	tls_error.message = tls_message;
}

int qp_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tls_message, sizeof(tls_message), fmt, ap);
	va_end(ap);
	tls_error.code = code;
	finish(n);
	return code;
}

int qp_error_prefix(const char *fmt, ...)
{
	char old[QP_ERROR_MAX];
	char prefix[QP_ERROR_MAX];
	va_list ap;

	memcpy(old, tls_message, sizeof(old));
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return tls_error.code;
	n = snprintf(tls_message, sizeof(tls_message), "%s: %s", prefix, old);
	finish(n);
	return tls_error.code;
}

const qp_error *qp_error_last(void)
{
	if (tls_error.message == NULL)
		tls_error.message = "";
	return &tls_error;
}

void qp_error_clear(void)
{
	tls_error.code = QP_OK;
	tls_message[0] = '\0';
	tls_error.message = tls_message;
}

const char *qp_strerror(int code)
{
	switch (code) {
	case QP_OK: return "ok";
	case QP_EVERIFY: return "verification failed";
	case QP_EUSAGE: return "usage error";
	case QP_EINVALID: return "input rejected";
	case QP_EPERM: return "not permitted";
	case QP_ECONFLICT: return "conflict";
	case QP_ENOTFOUND: return "not found";
	case QP_ECORRUPT: return "not a registry or damaged";
	case QP_EVERSION: return "registry is newer than this program";
	case QP_EIO: return "I/O error";
	case QP_ENOMEM: return "out of memory";
	case QP_EINTERNAL: return "internal error";
	default: return "unknown error";
	}
}
