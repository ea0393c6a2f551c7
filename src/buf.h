/*
 * buf.h - the growing text buffer the library writes its formats with
 * (checkpoints, bundles, status proofs) (private).
 *
 * Adding never fails on the spot: the first allocation failure sticks in
 * err (QP_ENOMEM) and later adds do nothing, so a writer adds everything
 * and checks once, at qp_buf_finish.  The text is always NUL-terminated.
 */
#ifndef QP_SRC_BUF_H
#define QP_SRC_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct qp_buf {
	char *p; /* qp_malloc'd, NUL-terminated; NULL until the first add */
	size_t len, cap;
	int err; /* QP_ENOMEM once an add failed */
} qp_buf;

/* Append n bytes (s may hold NULs), a C string, or a decimal number. */
void qp_buf_add(qp_buf *b, const void *s, size_t n);
void qp_buf_str(qp_buf *b, const char *s);
void qp_buf_u64(qp_buf *b, uint64_t v);

/*
 * Hand the text over: *out gets it (the caller frees it with qp_free) and
 * *out_len (may be NULL) its length.  If an add failed, the buffer is
 * freed, *out is NULL and QP_ENOMEM is raised.
 */
int qp_buf_finish(qp_buf *b, char **out, size_t *out_len);

#endif
