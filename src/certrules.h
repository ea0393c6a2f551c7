/*
 * certrules.h - the certificate rulebook (private): every rule of the
 * certificate entries, written once, for the two paths that judge them.
 *
 * The registry's append path (rules_certs.c) reads the state from the
 * store; the offline bundle verifier (bundle_lineage.c) reads it from the
 * bundle's entries.  Each reads what it can and passes plain values in:
 * a certificate as a qp_cert, a holder's form and village, the land area
 * of a home or of reclaimed land (a parcel) and what was issued from it.  The rules themselves -- kinds and
 * their bases, who holds each kind, the policy's parameters and their
 * limits, the transfer rule, redemption purposes, the remainder, validity
 * and expiry, the per-area cap (of a home or reclaimed land), the states a certificate must be in to be
 * spent, frozen or revoked, and what a child certificate inherits -- live
 * here and nowhere else.
 *
 * Messages name no entry: the registry puts "cert.issue: " in front of
 * them, the verifier "entry N (cert.issue): ".
 */
#ifndef QP_SRC_CERTRULES_H
#define QP_SRC_CERTRULES_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "entry.h"
#include "quanpiao/certs.h"

/* The policy's transfer rules, by name (qp_certrules_transfer_rules[QP_TRANSFER_NONE] is "none"). */
enum {
	QP_TRANSFER_SAME_VILLAGE,
	QP_TRANSFER_INHERITANCE_ONLY,
	QP_TRANSFER_COLLECTIVE_OR_ENTERPRISE,
	QP_TRANSFER_NONE,
	QP_TRANSFER_RULES
};
extern const char *const qp_certrules_transfer_rules[QP_TRANSFER_RULES];

/* What a certificate may be redeemed for: the purposes a policy lists a kind's from. */
#define QP_PURPOSES 5
extern const char *const qp_certrules_purposes[QP_PURPOSES];

/* A kind's parameters in a policy (pointers into the policy's JSON, which must outlive it). */
typedef struct qp_kind_rules {
	qp_cert_kind kind;
	int64_t max_area;	/* hundredths of m²; 0: no limit */
	int64_t validity_years; /* 0: never expires */
	const char *transfer;	/* the transfer rule, "" if absent */
	const cJSON *redeem;	/* the purposes, an array of strings */
	int per_home_cap; /* certificates of a kind from a home (or reclaimed land) never exceed its land area
			   */
} qp_kind_rules;

/*
 * Read kind's parameters from policy (a validated parameter object).
 * QP_ECORRUPT if the policy has none for the kind.
 */
int qp_certrules_kind(qp_kind_rules *out, const cJSON *policy, qp_cert_kind kind);

/*
 * Classify a holder by its form: *type gets "collective" (a 12-digit
 * village code), "enterprise" (a unified social credit code, not a
 * village collective's) or "household" (a registry number of county).
 * An ID number is refused: personal data stays out of the log.
 * QP_EINVALID naming field.
 */
int qp_certrules_holder_form(const char **type, const char *holder, const char *county, const char *field);

/* What a cert.issue entry asks for, once its body is judged on its own (qp_certrules_issue_terms). */
typedef struct qp_issue {
	qp_cert_kind kind;
	const char *kind_name, *holder, *basis;
	const char *home;      /* NULL for a guarantee on entitlement, or from reclaimed land */
	const char *parcel;    /* the reclaimed land a collective certificate comes from, or NULL */
	const char *legacy_no; /* NULL unless the basis is legacy */
	const char *valid_until_given;
	int64_t area;
	int legacy, entitlement;
	char today[11]; /* the entry's date */
} qp_issue;

/*
 * Judge the body of cert.issue e by itself: the kind, the basis the kind
 * is issued on, legacy_no exactly with basis legacy, a home exactly when
 * the basis is not entitlement (and of county).  *out points into e.
 * QP_EINVALID.
 */
int qp_certrules_issue_terms(qp_issue *out, const qp_entry *e, const char *county);

/*
 * Judge an issue against the holder's form (qp_certrules_holder_form) and
 * the kind's parameters: the kind's holder, the largest area, and the
 * validity, written to valid_until (11 bytes; "" for none).  QP_EINVALID.
 */
int qp_certrules_issue_policy(char *valid_until, const qp_issue *is, const char *holder_type,
			      const qp_kind_rules *kr);

/*
 * The per-area cap: issued (the area of the kind already issued from the
 * home, or the reclaimed land, and not revoked) plus the issue's area may
 * not exceed its land_area, when the policy caps it (per_home_cap).
 * QP_EINVALID.
 */
int qp_certrules_land_cap(const qp_issue *is, const qp_kind_rules *kr, int64_t issued, int64_t land_area);

/* Fill c (zeroed first) as the root certificate id that is creates at entry idx. */
void qp_certrules_issue_cert(qp_cert *c, const qp_issue *is, const char *id, const char *holder_type,
			     const char *valid_until, uint64_t idx);

/*
 * valid_until of a certificate issued on date (YYYY-MM-DD) for years: the
 * same day years later, 29 February becoming 28 February; "" if date is
 * not a date.
 */
void qp_certrules_add_years(char out[11], const char *date, int64_t years);

/* Whether c, live, is past its valid_until on today ("YYYY-MM-DD"; NULL: never). */
int qp_certrules_expired(const qp_cert *c, const char *today);

/*
 * A certificate a transfer or a redemption spends on today: live, not
 * expired.  QP_ECONFLICT naming its state (and for a frozen one its reason).
 */
int qp_certrules_spendable(const qp_cert *c, const char *today);

/* A certificate that may be revoked: live (expired or not) or frozen.  QP_ECONFLICT. */
int qp_certrules_revocable(const qp_cert *c);

/* A certificate that may be frozen (live) or unfrozen (frozen).  QP_ECONFLICT. */
int qp_certrules_freezable(const qp_cert *c, int freeze);

/*
 * The area a transfer or redemption of c takes (*area; body.area, or the
 * whole of it when whole_by_default and body.area is absent) and what
 * remains (*rest), with body.remainder_id given exactly when part of the
 * area remains.  QP_EINVALID.
 */
int qp_certrules_split(int64_t *area, int64_t *rest, const qp_entry *e, const qp_cert *c,
		       int whole_by_default);

/*
 * The policy's transfer rule for c's kind, given who receives it: to, of
 * form to_type and village to_village ("" for an enterprise), from the
 * holder's village from_village, by basis.  QP_EINVALID.
 */
int qp_certrules_transfer(const qp_kind_rules *kr, const qp_cert *c, const char *to, const char *basis,
			  const char *to_type, const char *from_village, const char *to_village);

/* The policy redeems c's kind for purpose.  QP_EINVALID listing the purposes it allows. */
int qp_certrules_redeem_purpose(const qp_kind_rules *kr, const char *purpose);

/*
 * Fill child (zeroed first) as certificate id created from parent at
 * entry idx on today, held by holder (of form holder_type) by basis, with
 * area: it inherits the kind, the home, the root and the validity.
 */
void qp_certrules_child(qp_cert *child, const qp_cert *parent, const char *id, const char *holder,
			const char *holder_type, const char *basis, int64_t area, const char *today,
			uint64_t idx);

#endif
