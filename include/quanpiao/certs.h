/*
 * quanpiao/certs.h - rights certificates (权票): guarantee, retention and
 * collective, through their whole life.
 *
 * Certificates are spent, never edited.  An issue creates a root
 * certificate from a home (or, for a guarantee on entitlement, from none);
 * a transfer spends one and creates the recipient's and, if partial, a
 * remainder for the old holder; a redemption spends one, records the area
 * redeemed and creates a remainder if partial; a revocation voids one.
 * A collective certificate may come from reclaimed land instead of a home:
 * a parcel with no home on it, registered by a parcel.add entry.
 * Areas are conserved exactly: per home (or parcel) and kind, the area issued equals
 * the live (and frozen) area plus the area redeemed plus the area revoked.
 *
 * Entry bodies (for qp_registry_submit):
 *   cert.issue     {"kind","holder","area","basis"[,"home"|,"parcel"][,"valid_until"][,"legacy_no"]}
 *   cert.transfer  {"cert","to","basis"[,"area"]}
 *   cert.redeem    {"cert","area","purpose","note"}
 *   cert.revoke    {"cert","reason"}
 *   cert.freeze    {"cert","reason"}
 *   cert.unfreeze  {"cert"[,"reason"]}
 * Holders: a household (its registry number, 330681-H-0000001; given to
 * qp_registry_submit, its head's ID number is looked up), a village
 * collective (12-digit village code) or an enterprise (unified social
 * credit code).
 */
#ifndef QUANPIAO_CERTS_H
#define QUANPIAO_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qp_cert_kind {
	QP_CERT_GUARANTEE,
	QP_CERT_RETENTION,
	QP_CERT_COLLECTIVE,
	QP_CERT_KIND_COUNT
} qp_cert_kind;

/* Stored states; "expired" is a live certificate past its valid_until (see qp_cert.expired). */
typedef enum qp_cert_state {
	QP_CERT_LIVE,
	QP_CERT_SPENT,
	QP_CERT_FROZEN,
	QP_CERT_REVOKED,
	QP_CERT_STATE_COUNT
} qp_cert_state;

/*
 * The state shown for a live certificate past its valid_until: not stored,
 * but listed and counted (qp_cert_filter.state, qp_stats.certs[k][4]).
 */
#define QP_CERT_EXPIRED QP_CERT_STATE_COUNT

/* "guarantee" ... / 保障权票 ... / 'G' 'R' 'C'. */
QP_API const char *qp_cert_kind_name(qp_cert_kind k);
QP_API const char *qp_cert_kind_label(qp_cert_kind k);
QP_API char qp_cert_kind_letter(qp_cert_kind k);
QP_API int qp_cert_kind_parse(qp_cert_kind *out, const char *name);
QP_API const char *qp_cert_state_name(qp_cert_state s);	 /* live spent frozen revoked */
QP_API const char *qp_cert_state_label(qp_cert_state s); /* 有效 已使用 冻结 已注销 */
/* Parses "expired" too, as QP_CERT_EXPIRED (a shown state, never stored). */
QP_API int qp_cert_state_parse(qp_cert_state *out, const char *name);

#define QP_CERT_ID_LEN 20 /* "330681-2026-G-000123" */

/*
 * Limits of the policy parameters (policy.set), one definition for the
 * registry and the tools: a kind's validity_years and the activation lease
 * term.  A kind's max_area is at most QP_AREA_MAX (schema.h), the time skew
 * at most QP_TIME_SKEW_MAX_SECONDS (registry.h).
 */
#define QP_POLICY_VALIDITY_YEARS_MAX 100
#define QP_POLICY_LEASE_YEARS_MAX    70

typedef struct qp_cert {
	char id[QP_CERT_ID_LEN + 1];
	qp_cert_kind kind;
	char holder[19];
	char holder_type[12]; /* "household", "collective", "enterprise" */
	int64_t area;	      /* hundredths of m² */
	char home[29];	      /* "" for a guarantee on entitlement, or from reclaimed land */
	char parcel[20];      /* the reclaimed land (parcel.add) a collective one comes from, or "" */
	char basis[16]; /* withdrawal entitlement demolition reclamation legacy sale inheritance exchange
			   remainder */
	qp_cert_state state;
	int expired;			 /* live but past valid_until (as of today) */
	char parent[QP_CERT_ID_LEN + 1]; /* "" for an issued certificate */
	char root[QP_CERT_ID_LEN + 1];	 /* the issued ancestor (itself if issued) */
	char issued_on[11];		 /* date of the entry that created it */
	char valid_until[11];		 /* "" if none */
	char legacy_no[65];		 /* "" if none */
	uint64_t created_at;		 /* entry index */
	uint64_t ended_at;		 /* entry that spent or revoked it, if any */
	char ended_by[16];		 /* "transfer", "redeem", "revoke" or "" */
	char *reason;			 /* freeze or revocation reason, or NULL */
} qp_cert;

QP_API void qp_cert_clear(qp_cert *c);
QP_API void qp_certs_free(qp_cert *list, size_t count);

QP_API int qp_cert_get(qp_cert *out, qp_registry *reg, const char *id);

/*
 * The display number: 浙(2026)诸暨市保障权票第000123号 (province from the
 * county code, the registry's county name).  Returns QP_EINVALID if buf is
 * too small (128 bytes suffice).
 */
QP_API int qp_cert_display_number(char *buf, size_t len, qp_registry *reg, const qp_cert *c);

/* Filters for qp_certs_list; NULL or -1 members do not filter. */
typedef struct qp_cert_filter {
	const char *holder;
	int kind;  /* qp_cert_kind or -1 */
	int state; /* qp_cert_state, QP_CERT_STATE_COUNT for "expired", or -1 */
	const char *home;
	const char *after; /* certificate id: page after */
	size_t limit;
} qp_cert_filter;

QP_API int qp_certs_list(qp_cert **out, size_t *count, qp_registry *reg, const qp_cert_filter *filter);

/* What a redemption spent a certificate for (cert.redeem). */
typedef struct qp_redemption {
	uint64_t index;	  /* the cert.redeem entry */
	int64_t area;	  /* hundredths of m² redeemed */
	char purpose[16]; /* resettlement subsidy homestead rebuild quota */
	char *note;	  /* the officer's note */
} qp_redemption;

/*
 * The redemption that spent certificate id.  *out is filled (free its note
 * with qp_redemption_clear); QP_ENOTFOUND if id was not redeemed.
 */
QP_API int qp_cert_redemption(qp_redemption *out, qp_registry *reg, const char *id);
QP_API void qp_redemption_clear(qp_redemption *r);

/* The certificates an entry created (issue, transfer, redeem remainder), in number order. */
QP_API int qp_certs_created_by(qp_cert **out, size_t *count, qp_registry *reg, uint64_t index);

/* The direct children of a certificate. */
QP_API int qp_cert_children(qp_cert **out, size_t *count, qp_registry *reg, const char *id);

/* One change in a certificate tree. */
typedef struct qp_cert_event {
	uint64_t index;
	char time[21];
	char *signer;
	char type[24];
	char cert[QP_CERT_ID_LEN + 1];
	char *summary;
} qp_cert_event;

/* The whole tree's history, from the issue of id's root to now, oldest first. */
QP_API int qp_cert_history(qp_cert_event **out, size_t *count, qp_registry *reg, const char *id);
QP_API void qp_cert_events_free(qp_cert_event *list, size_t count);

/*
 * Check the certificate invariants over the whole registry: per home and
 * kind, issued = live + frozen + redeemed + revoked areas; every spent
 * certificate's children sum to its area minus what was redeemed; no
 * certificate ended twice; every certificate's root is an issued one.
 * QP_OK, or QP_EVERIFY with the first problem found.
 */
QP_API int qp_certs_check_invariants(qp_registry *reg);

#ifdef __cplusplus
}
#endif

#endif
