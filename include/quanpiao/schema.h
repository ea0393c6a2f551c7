/*
 * quanpiao/schema.h - the bodies of log entries: every entry type, the
 * role whose key signs it, and its members with their JSON type and limits.
 *
 * This table is the one definition of an entry body (house style, rule 9).
 * The registry's rules, the offline bundle verifier, the legacy import and
 * the CLI's entry builders all read it; docs/format.md is generated from it
 * (tools/quanpiao/mkformat.c) and a test keeps the two equal.  A member is
 * added to an entry type here and nowhere else.
 */
#ifndef QUANPIAO_SCHEMA_H
#define QUANPIAO_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/ids.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of free text in entries, in bytes of UTF-8 (the CLI checks them before signing). */
#define QP_NAME_MAX_LEN	     64	 /* a village's or a household's name */
#define QP_REASON_MAX_LEN    500 /* the reason of a correction, status change, freeze or revocation */
#define QP_NOTE_MAX_LEN	     500 /* the note of a redemption */
#define QP_LEGACY_NO_MAX_LEN 64	 /* a certificate's number in the legacy system */

/* The record of the legacy system an imported cert.issue carries (body.legacy). */
#define QP_LEGACY_MAX_MEMBERS	64   /* members of body.legacy */
#define QP_LEGACY_KEY_MAX_LEN	64   /* bytes of a member's name */
#define QP_LEGACY_VALUE_MAX_LEN 1000 /* bytes of a member's value (text) */

/* Hard limits on areas (hundredths of m²) and money (fen), beyond any real home or contract. */
#define QP_AREA_MAX  10000000LL	       /* 100000.00 m²              */
#define QP_MONEY_MAX 100000000000000LL /* 1,000,000,000,000.00 yuan */
#define QP_BUILT_MIN 1800	       /* the earliest year a home was built */

/* The JSON type of a member. */
typedef enum qp_schema_type {
	QP_SCHEMA_TEXT,	   /* a string of min..max bytes without control characters */
	QP_SCHEMA_INTEGER, /* an integer in min..max                                */
	QP_SCHEMA_OBJECT,  /* an object, whose content its format defines           */
} qp_schema_type;

/* What a member's value is, beyond its JSON type (for messages, the CLI and docs/format.md). */
typedef enum qp_schema_format {
	QP_FORMAT_NONE,	       /* free text or a plain integer                           */
	QP_FORMAT_COUNTY,      /* a county's division code (6 digits)                    */
	QP_FORMAT_VILLAGE,     /* a village's division code (12 digits)                  */
	QP_FORMAT_RESIDENT,    /* a resident ID number (GB 11643)                        */
	QP_FORMAT_USCC,	       /* a unified social credit code (GB 32100)                */
	QP_FORMAT_UNIT,	       /* a real-estate unit code (GB/T 37346)                   */
	QP_FORMAT_HOLDER,      /* a household number, a village code or a credit code    */
	QP_FORMAT_CERT_ID,     /* a certificate number, 330681-2026-G-000123              */
	QP_FORMAT_HOUSEHOLD,   /* a household's registry number, 330681-H-0000001         */
	QP_FORMAT_DATE,	       /* YYYY-MM-DD                                             */
	QP_FORMAT_VKEY,	       /* a C2SP verifier key                                    */
	QP_FORMAT_KEY_NAME,    /* a key's name                                           */
	QP_FORMAT_ENUM,	       /* one of the member's values                             */
	QP_FORMAT_HOME_STATUS, /* a home status (qp_home_status_name)                    */
	QP_FORMAT_USE,	       /* an activation use (qp_activation_use_check)             */
	QP_FORMAT_CERT_KIND,   /* a certificate kind (qp_cert_kind_name)                 */
	QP_FORMAT_CERT_BASIS,  /* the basis of an issue, which depends on the kind       */
	QP_FORMAT_PURPOSE,     /* a redemption purpose the policy allows for the kind    */
	QP_FORMAT_AREA,	       /* hundredths of m²                                       */
	QP_FORMAT_MONEY,       /* fen                                                    */
	QP_FORMAT_YEAR,	       /* a year, at most the current one                        */
	QP_FORMAT_POLICY,      /* the policy parameters (docs/rules.md)                  */
	QP_FORMAT_LEGACY,      /* the legacy system's record: text members               */
	QP_FORMAT_COMMITMENT,  /* a commitment to personal data (quanpiao/personal.h)    */
	QP_FORMAT_PARCEL,      /* a parcel code (GB/T 37346, the first 19 of a unit code)  */
} qp_schema_format;

/*
 * How a member is checked.  QP_MEMBER_NUMBERED: required, but filled in
 * when the entry is signed (the number of a certificate or household the
 * entry creates); its absence is reported when the certificate is created.
 * QP_MEMBER_BY_RULES: its range or values are the rules' to check (they
 * depend on other members); a text member's length is still checked.
 */
#define QP_MEMBER_REQUIRED 0x1
#define QP_MEMBER_NUMBERED 0x2
#define QP_MEMBER_BY_RULES 0x4

/* One member of a body. */
typedef struct qp_schema_member {
	const char *name;	   /* "name"                                                  */
	qp_schema_type type;	   /* JSON type                                               */
	unsigned flags;		   /* QP_MEMBER_*                                             */
	int64_t min, max;	   /* bytes of text (min > 1: exactly that many), or the range */
	qp_schema_format format;   /* what the value is                                       */
	const char *const *values; /* QP_FORMAT_ENUM: the allowed values, NULL-terminated   */
	const char *meaning;	   /* one line for docs/format.md                           */
} qp_schema_member;

/*
 * The personal data an entry type is about, which its signed body never
 * holds (quanpiao/personal.h).  The CLI and qp_registry_submit take the
 * person's ID number and name as the members id_member and name_member;
 * the signed body has the member commitment instead, and the data goes to
 * the registry file's personal-data tables.  when_resident: only when
 * id_member is a resident ID number (an investor may be an enterprise,
 * whose name and credit code stay in the body).
 */
typedef struct qp_schema_personal {
	const char *id_member, *name_member, *commitment;
	int when_resident;
} qp_schema_personal;

/* An entry type: its role and its members, sorted by name (the canonical JSON order). */
typedef struct qp_schema_entry {
	const char *type;		 /* "village.add"                  */
	const char *role;		 /* "authority" or "officer"       */
	const qp_schema_member *members; /* n_members, sorted by name      */
	size_t n_members;
	const char *meaning;		    /* one line for docs/format.md */
	const qp_schema_personal *personal; /* NULL: the type is about no person */
} qp_schema_entry;

/*
 * Every entry type, in the order of docs/design.md §3; *count gets their
 * number.  The table is static: nothing to free.
 */
QP_API const qp_schema_entry *qp_schema_entries(size_t *count);

/* The entry type named type, or NULL if there is none (type may be NULL). */
QP_API const qp_schema_entry *qp_schema_entry_get(const char *type);

/* The member of entry type named name, or NULL if either is unknown. */
QP_API const qp_schema_member *qp_schema_member_get(const char *type, const char *name);

/* Nonzero if value is one of an enum member's values (or the member is not an enum). */
QP_API int qp_schema_member_allows(const qp_schema_member *m, const char *value);

/*
 * The limits of the member name of entry type: bytes of text or the
 * integer range (*min, *max; either may be NULL).  QP_EINTERNAL if the
 * member is unknown.
 */
QP_API int qp_schema_limits(const char *type, const char *name, int64_t *min, int64_t *max);

#ifdef __cplusplus
}
#endif

#endif
