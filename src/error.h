/*
 * error.h - raising errors inside the library (private).
 */
#ifndef QP_SRC_ERROR_H
#define QP_SRC_ERROR_H

#include "quanpiao/error.h"

#if defined(__GNUC__)
#define QP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define QP_PRINTF(f, a)
#endif

/*
 * Record code and a printf-style message as this thread's last error and
 * return code, so callers can write `return qp_error_set(QP_EINVALID, ...)`.
 * Messages longer than the buffer are cut at a UTF-8 character boundary.
 */
int qp_error_set(int code, const char *fmt, ...) QP_PRINTF(2, 3);

/*
 * Put "prefix: " in front of the current message, keeping the code.
 * Returns the current code.  Used to add the field name or file at fault
 * when an error travels up through a caller that knows it.
 */
int qp_error_prefix(const char *fmt, ...) QP_PRINTF(1, 2);

#endif
