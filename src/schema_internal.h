/*
 * schema_internal.h - checking an entry's body against the schema
 * (quanpiao/schema.h) and reading its members once checked (private).
 *
 * The registry's rules and the bundle verifier call qp_schema_check_body
 * first; afterwards every member the schema lists has its JSON type and
 * is within its limits, so the getters below repeat no limit.
 */
#ifndef QP_SRC_SCHEMA_INTERNAL_H
#define QP_SRC_SCHEMA_INTERNAL_H

#include <stdint.h>

#include "entry.h"

/*
 * Check e's body against its type's members: no unknown member
 * ("cert.issue: unknown member body.x"), every required one there
 * ("...: body.x is missing"), each of its JSON type and within its limits
 * ("village.add: body.name must be text of 1 to 64 bytes").  QP_EINVALID
 * with that message; QP_OK if the body fits.
 */
int qp_schema_check_body(const qp_entry *e);

/* After qp_schema_check_body: the text member name, or NULL if absent (owned by e). */
const char *qp_body_str(const qp_entry *e, const char *name);

/* After qp_schema_check_body: the integer member name, or dflt if absent. */
int64_t qp_body_num(const qp_entry *e, const char *name, int64_t dflt);

/*
 * The number a QP_MEMBER_NUMBERED member claims for a certificate the
 * entry creates (owned by e).  QP_EINVALID if it is absent or not text
 * within its limit, as the schema words it.
 */
int qp_body_numbered(const qp_entry *e, const char *name, const char **out);

/*
 * body.name as an integer in [lo, hi]; with optional set, absent gives
 * *out = dflt.  For a member whose range the rules set (QP_MEMBER_BY_RULES).
 */
int qp_body_int(const qp_entry *e, const char *name, int64_t lo, int64_t hi, int optional, int64_t dflt,
		int64_t *out);

#endif
