/*
 * sha256.h - SHA-256 of the log's tree (private): the leaf and node hashes
 * of every entry appended (merkle.c) on the CPU's SHA extensions where it
 * has them, libsodium's otherwise.  The two give the same bytes
 * (tests/test_sha256.c compares them on every length up to a few blocks).
 */
#ifndef QP_SRC_SHA256_H
#define QP_SRC_SHA256_H

#include <stddef.h>

/* SHA-256 of the concatenation a || b || c (any of them may be empty; a NULL part must have length 0). */
void qp_sha256_3(unsigned char out[32], const void *a, size_t a_len, const void *b, size_t b_len,
		 const void *c, size_t c_len);

/*
 * Whether qp_sha256_3 uses the CPU's SHA extensions.  qp_sha256_portable(1)
 * makes it use libsodium's code from then on (tests compare the two);
 * qp_sha256_portable(0) goes back to what the CPU offers.
 */
int qp_sha256_accelerated(void);
void qp_sha256_portable(int on);

#endif
