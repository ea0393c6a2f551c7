/*
 * quanpiao/access.h - who may read personal data, and the record of who
 * did (issue 22; docs/service.md, "Who may read what").
 *
 * Personal data (a household head's ID number and name, a person
 * investor's) is shown in full only to an officer or auditor who proves
 * it holds an enrolled key: through quanpiaod by signing the request
 * (RFC 9421 HTTP Message Signatures, Ed25519), on the CLI by giving the
 * key with --reveal.  Every such read leaves rows in the registry file's
 * access record, one per household (or person investor) whose data it
 * showed, listed by `quanpiao access list`.
 */
#ifndef QUANPIAO_ACCESS_H
#define QUANPIAO_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"
#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The checkpoint extension line that commits to the access record:
 * "<QP_ACCESS_LINE> <n> <base64 chain>", the chain of its first n rows
 * (docs/format.md, "The access record").  A checkpoint signed while the
 * record has rows carries it; rows recorded after the newest checkpoint
 * are covered by the next one.
 */
#define QP_ACCESS_LINE "quanpiao/access-records/v1"

/* A reader of personal data: an enrolled officer or auditor key. */
typedef struct qp_access_reader {
	char name[QP_KEY_NAME_MAX + 1];
	uint32_t key_id;
	char role[16]; /* "officer" or "auditor" */
	unsigned char public_key[QP_PUBLIC_KEY_LEN];
} qp_access_reader;

/*
 * The reader named name with key ID key_id, as of the Unix time now: it
 * must be enrolled (QP_EPERM "not an enrolled key"), not revoked
 * (QP_EPERM "revoked"), not past its valid_until (QP_EPERM "expired"), and
 * an officer or auditor (QP_EPERM naming its role).
 */
QP_API int qp_access_reader_find(qp_access_reader *out, qp_registry *reg, const char *name, uint32_t key_id,
				 int64_t now);

/*
 * The same for the key a signer holds (its name, key ID and public key
 * must all match the enrolled one): what `--reveal` asks of the CLI's key.
 */
QP_API int qp_access_reader_of_key(qp_access_reader *out, qp_registry *reg, const qp_key *key, int64_t now);

/*
 * Record that reader read the personal data of each of the n subjects
 * (household numbers, or "entry N" for a person investor) with request
 * (e.g. "GET /v1/households/330681-H-0000001", holding no personal data),
 * at the Unix time now: one row per subject, in one durable transaction.
 * The registry must be open read-write.  n == 0 records nothing.
 */
QP_API int qp_access_record(qp_registry *reg, const qp_access_reader *reader, const char *request,
			    const char *const *subjects, size_t n, int64_t now);

/*
 * A personal name masked for those who may not read it: its first
 * character and one '*' (王五 and 王小明 both give 王*; "" gives "*").
 */
QP_API void qp_access_mask_name(char *out, size_t cap, const char *name);

/* Mask in place every run of exactly 18 ID-number characters (0-9, X): a request as recorded. */
QP_API void qp_access_mask_ids(char *text);

/* One row of the access record. */
typedef struct qp_access_row {
	uint64_t id;
	char time[21]; /* "2026-12-06T10:00:00Z" */
	char *reader, *role, *request, *subject;
} qp_access_row;

/*
 * Rows of the access record in order, those with id > after, at most
 * limit (0: all), only those about subject when it is not NULL.  Free
 * with qp_access_rows_free.
 */
QP_API int qp_access_list(qp_access_row **out, size_t *count, qp_registry *reg, const char *subject,
			  uint64_t after, size_t limit);
QP_API void qp_access_rows_free(qp_access_row *rows, size_t count);

#ifdef __cplusplus
}
#endif

#endif
