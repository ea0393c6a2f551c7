/*
 * canon.h - canonical JSON for signed entries (private).
 *
 * The JSON line of an entry note is signed as bytes, so it must have one
 * spelling: RFC 8785 (JCS) restricted to what the registry stores.  Object
 * members sorted by key as UTF-16 code units, no duplicate keys, no
 * whitespace, integers only (|n| <= 2^53 - 1, I-JSON), strings valid UTF-8
 * escaped as ECMAScript JSON.stringify does, nesting at most
 * QP_CANON_MAX_DEPTH.  The encoder writes that form; the parser accepts a
 * text only if it is already in that form, byte for byte.
 */
#ifndef QP_SRC_CANON_H
#define QP_SRC_CANON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Deepest nesting of arrays and objects (a scalar alone is depth 0). */
#define QP_CANON_MAX_DEPTH 32

/* Largest magnitude of a number: 2^53 - 1, the I-JSON safe integer limit. */
#define QP_CANON_MAX_INT 9007199254740991LL

/*
 * Write the canonical text of value to *out: qp_malloc'd, NUL-terminated,
 * owned by the caller, who frees it with qp_free.  *out_len (if out_len is
 * not NULL) gets its length without the NUL.  value is not modified.
 * Errors: QP_EINVALID naming the path at fault ("body.area: ...") for a
 * number that is not an integer within +-(2^53 - 1), a string or key that
 * is not valid UTF-8, a duplicate key, nesting deeper than
 * QP_CANON_MAX_DEPTH or a raw/invalid cJSON item; QP_ENOMEM; QP_EUSAGE if
 * out or value is NULL.  On failure *out is NULL and *out_len is 0.
 */
int qp_canon_encode(char **out, size_t *out_len, const cJSON *value);

/*
 * Parse the len bytes at text, which must be canonical JSON exactly as
 * qp_canon_encode writes it, into *out (a cJSON tree owned by the caller,
 * freed with cJSON_Delete).  Errors: QP_EINVALID "not valid JSON at byte
 * N", "not canonical JSON at byte N" (N the first byte that differs from
 * the canonical form: whitespace, unsorted keys, 1.0, -0, exponents,
 * non-minimal escapes such as \u0041 or \/, an escaped NUL), a NUL byte,
 * or any encoder error (non-integer, duplicate key, bad UTF-8, too deep);
 * QP_ENOMEM; QP_EUSAGE if out or text is NULL.  On failure *out is NULL.
 */
int qp_canon_parse(cJSON **out, const char *text, size_t len);

/*
 * 1 if the len bytes at text are canonical JSON exactly as qp_canon_encode
 * writes it (what qp_canon_parse accepts), else 0: one pass over the
 * bytes, nothing allocated, no error set.
 */
int qp_canon_is_canonical(const char *text, size_t len);

#endif
