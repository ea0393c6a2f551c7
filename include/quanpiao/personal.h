/*
 * quanpiao/personal.h - a household's personal data, kept out of the log.
 *
 * The signed household.add names no person: it carries a commitment to
 * the head of the household's ID number and name (docs/format.md,
 * "Personal data").  The data and a random per-household salt stay in
 * the registry file's personal-data table, outside the log, where the
 * audit checks them against the commitment and from where
 * `household erase` deletes them.
 *
 *   commitment = lowercase hex of SHA-256(salt || canonical JSON of
 *                {"id_number": ID, "name": NAME})
 *
 * with the salt's 32 bytes first and the JSON as docs/format.md's
 * canonical form writes it.  The salt keeps the commitment from being
 * reversed by trying every ID number of a county.
 */
#ifndef QUANPIAO_PERSONAL_H
#define QUANPIAO_PERSONAL_H

#include <stddef.h>

#include "quanpiao/ids.h"
#include "quanpiao/schema.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QP_SALT_LEN	  32
#define QP_COMMITMENT_LEN 64 /* hex digits */

typedef struct qp_personal {
	char id_number[QP_RESIDENT_ID_LEN + 1]; /* normalised: check character X upper-case */
	char name[QP_NAME_MAX_LEN + 1];
	unsigned char salt[QP_SALT_LEN];
} qp_personal;

/*
 * Fill out with a household head's ID number (checked, normalised) and
 * name (1..QP_NAME_MAX_LEN bytes of UTF-8 text) and a fresh random salt.
 * QP_EINVALID names the field and the rule.
 */
QP_API int qp_personal_init(qp_personal *out, const char *id_number, const char *name);

/* Check a record's values as qp_personal_init does, keeping its salt (a record read back). */
QP_API int qp_personal_check(const qp_personal *p);

/* The commitment to p, 64 lowercase hex digits and a NUL. */
QP_API int qp_personal_commit(char out[QP_COMMITMENT_LEN + 1], const qp_personal *p);

/* Salt as 64 lowercase hex digits and back (QP_EINVALID if not 64 hex digits). */
QP_API void qp_personal_salt_hex(char out[2 * QP_SALT_LEN + 1], const qp_personal *p);
QP_API int qp_personal_salt_parse(qp_personal *p, const char *hex);

/*
 * Take the personal data out of an entry body as officers write it
 * (household.add with "id_number" and "name"; home.activate with a
 * person's "investor_id" and "investor"): *body_out (malloc'd, free with
 * free()) gets the body with the commitment in their place, out the data
 * with a fresh salt, and *found 1.  A body about no person comes back
 * unchanged with *found 0.  Then sign *body_out and append the note with
 * out (qp_registry_append_personal); qp_registry_submit does all this.
 */
QP_API int qp_personal_split(char **body_out, qp_personal *out, int *found, const char *type,
			     const char *body_json);

/*
 * How a household's number is found from its head's ID number (checked,
 * normalised): QP_OK with number filled in, QP_ENOTFOUND when no household
 * has it, or another error (already reported to qp_error).
 */
typedef int (*qp_household_lookup)(void *ctx, const char *id_number,
				   char number[QP_HOUSEHOLD_NUMBER_LEN + 1]);

/*
 * Officers name households by their heads' ID numbers; entries by number.
 * Replace each resident ID number an entry body of type gives for a
 * household (the members of format QP_FORMAT_HOUSEHOLD and
 * QP_FORMAT_HOLDER in quanpiao/schema.h) by the number lookup finds.
 * *body_out is malloc'd (free with free()).  An ID number no household has
 * is QP_EINVALID naming the member ("home.add: body.household: no
 * household with ID number 330681********0016 in the registry").
 * qp_registry_submit does this on the registry file; a client of a
 * service asks the service.
 */
QP_API int qp_households_resolve(char **body_out, const char *type, const char *body_json,
				 qp_household_lookup lookup, void *ctx);

/* Forget the values (zeroes the memory). */
QP_API void qp_personal_clear(qp_personal *p);

#ifdef __cplusplus
}
#endif

#endif
