/*
 * audit_beside.h - the audit of what a registry file keeps beside its log
 * (audit_beside.c): the personal data, which the log commits to, and the
 * access record, which the checkpoints commit to.  Neither is derived from
 * the log, so neither is in the table comparison, and a rebuild cannot
 * make either again: each is checked here on its own terms.
 */
#ifndef QP_SRC_AUDIT_BESIDE_H
#define QP_SRC_AUDIT_BESIDE_H

#include "quanpiao/audit.h"
#include "quanpiao/log.h"
#include "quanpiao/store.h"

/* At most this many findings of one check are named; the others are counted ("N more"). */
#define QP_AUDIT_REPORT_LIMIT 10

/* Where the findings go: res counts them; problem reports one and counts it in res->problems. */
typedef struct qp_beside {
	qp_audit_result *res;
	void (*problem)(void *ctx, const char *where, const char *what);
	void (*note)(void *ctx, const char *where, const char *what); /* reported, not counted */
	void *ctx;
} qp_beside;

/*
 * The personal data (personal_data, investor_data) against the households
 * and activations of schema state ("replay": the audit's replay, attached;
 * "main": the store's own, as in a rebuilt registry).  Sets
 * res->no_personal_data from the file's mark.
 */
int qp_audit_personal(const qp_beside *b, qp_store *store, const char *state);

/* The access record, row by row: ids in order, each chain from the stored chain before it. */
int qp_audit_access(const qp_beside *b, qp_store *store);

/*
 * A checkpoint's access line, if it has one, against the access record of
 * store (after qp_audit_access, which checked each row's chain); where names
 * the checkpoint in a finding.  Not checked on a mirror (res->no_personal_data).
 */
int qp_audit_access_line(const qp_beside *b, qp_store *store, const char *where, const qp_checkpoint *cp);

#endif
