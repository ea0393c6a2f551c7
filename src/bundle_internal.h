/*
 * bundle_internal.h - what the two halves of bundle verification share
 * (private): bundle_verify.c checks the format, the signatures, the keys
 * and the inclusion proofs; bundle_lineage.c replays the certificate
 * entries into a model of the lineage and judges the certificate.
 */
#ifndef QP_SRC_BUNDLE_INTERNAL_H
#define QP_SRC_BUNDLE_INTERNAL_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "entry.h"
#include "quanpiao/bundle.h"

typedef struct qp_lineage qp_lineage;

/* A model for a registry of county (6 digits).  *out owns it; free with qp_lineage_free. */
int qp_lineage_new(qp_lineage **out, const char *county);
void qp_lineage_free(qp_lineage *l);

/*
 * Apply the household.add entry e, leaf index idx: the household's number
 * (of the county, added once) and village, which the certificate entries
 * that name the household are judged by.  QP_EVERIFY, QP_ENOMEM.
 */
int qp_lineage_household(qp_lineage *l, const qp_entry *e, uint64_t idx);

/*
 * Apply the cert.* entry e, leaf index idx, under the policy parameters in
 * force (NULL when no policy.set came before it).  QP_EVERIFY naming the
 * entry and the rule it breaks; QP_ENOMEM.
 */
int qp_lineage_apply(qp_lineage *l, const qp_entry *e, uint64_t idx, const cJSON *policy);

/*
 * Check that cert_id was created by an applied entry, that every
 * applied entry belongs to its lineage and every household.add is of a
 * household one of them names, then fill info->cert, lineage and
 * lineage_len; expiry is judged at the date of now.  QP_EVERIFY, QP_ENOMEM.
 */
int qp_lineage_finish(qp_lineage *l, const char *cert_id, int64_t now, qp_bundle_info *info);

/* A status section of a bundle: "status <id> <n>", the record, then "map <n>" and the map proof. */
typedef struct qp_bundle_status {
	char id[QP_CERT_ID_LEN + 1];
	const char *record, *map;
	size_t record_len, map_len;
} qp_bundle_status;

/* Parse one status section at *p (bundle_status.c), growing *st; QP_EVERIFY naming what is malformed. */
int qp_bundle_status_parse(qp_bundle_status **st, size_t *n, const char **p, const char *end);

/*
 * The status sections against the checkpoint: each map proof proves its
 * record; if the checkpoint commits to a status map, cert has a section,
 * its record is the state cert (as the entries made it) is in, and the
 * entry that last changed it is among the bundle's (indexes, ascending).
 * QP_EVERIFY naming the certificate: "an entry is missing, extra or
 * altered" when the entries do not lead to the state the map holds.
 */
int qp_bundle_status_check(const char *cert, const qp_checkpoint *cp, const qp_bundle_status *st, size_t n,
			   const qp_cert *c, const uint64_t *indexes, size_t nidx);

#endif
