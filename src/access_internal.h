/*
 * access_internal.h - the access record's hash chain (access.c; docs/format.md,
 * "The access record").  One definition, for the row's write, the
 * migration that chained the rows already there (0023), the checkpoint
 * that commits to it, and the audit that checks it.
 */
#ifndef QP_SRC_ACCESS_INTERNAL_H
#define QP_SRC_ACCESS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* The fields of one row of the access record, as stored. */
typedef struct qp_access_fields {
	uint64_t id;
	const char *time, *reader, *role, *request, *subject;
} qp_access_fields;

/*
 * The chain of row f: SHA-256 over QP_ACCESS_LINE and a newline, prev
 * (the chain of the row before; 32 zero bytes before the first row), the
 * id as 8 bytes big-endian, then each field as its length (4 bytes
 * big-endian) and its bytes.  out may be prev.
 */
void qp_access_chain(unsigned char out[32], const unsigned char prev[32], const qp_access_fields *f);

/*
 * The access line of a checkpoint text: *n rows, their chain.  QP_ENOTFOUND
 * if it has none, QP_EINVALID if two, or one that is not "<n> <base64 of
 * 32 bytes>" with n a decimal from 1 without leading zeros.
 */
int qp_access_checkpoint_line(uint64_t *n, unsigned char chain[32], const char *text, size_t text_len);

#endif
