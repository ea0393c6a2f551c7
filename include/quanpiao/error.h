/*
 * quanpiao/error.h - result codes and the per-thread error message.
 *
 * Every fallible function of libquanpiao returns an int: QP_OK (0) on
 * success or one of the negative QP_E* codes below.  The human-readable
 * reason, naming the field and the rule at fault, is kept per thread and
 * read with qp_error_last() until the next failing call on that thread.
 * The codes are few on purpose: each maps to one exit status of the CLI
 * and one HTTP status of the service.
 */
#ifndef QUANPIAO_ERROR_H
#define QUANPIAO_ERROR_H

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum qp_result {
	QP_OK = 0,
	QP_EVERIFY = -1,   /* verification or audit found a problem   */
	QP_EUSAGE = -2,	   /* the call itself is malformed            */
	QP_EINVALID = -3,  /* input rejected: bad identifier, rule    */
	QP_EPERM = -4,	   /* not permitted: role, revoked, signature */
	QP_ECONFLICT = -5, /* spent, frozen, concurrent change        */
	QP_ENOTFOUND = -6, /* no such record or file                  */
	QP_ECORRUPT = -7,  /* file is not a registry or is damaged    */
	QP_EVERSION = -8,  /* schema newer than this program          */
	QP_EIO = -10,	   /* I/O error                               */
	QP_ENOMEM = -11,   /* out of memory                           */
	QP_EINTERNAL = -12 /* a bug: an invariant did not hold        */
};

/* The last error raised on the calling thread. */
typedef struct qp_error {
	int code;	     /* one of enum qp_result, QP_OK if none  */
	const char *message; /* never NULL; "" when there is no error */
} qp_error;

/*
 * Return the last error raised on this thread.  The pointer and the message
 * stay valid until the next libquanpiao call on the same thread; copy them
 * to keep them longer.  Never returns NULL.
 */
QP_API const qp_error *qp_error_last(void);

/* Forget the last error of this thread. */
QP_API void qp_error_clear(void);

/*
 * A short fixed English name for a result code ("input rejected", ...).
 * Returns a static string, never NULL; unknown codes give "unknown error".
 */
QP_API const char *qp_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
