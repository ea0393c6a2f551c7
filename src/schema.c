/*
 * schema.c - the table of entry bodies (quanpiao/schema.h) and the one
 * check of a body against it.
 *
 * Every path that reads a body (the registry's rules, the bundle verifier,
 * the import through the rules) checks it here first, with the same
 * messages: an unknown member, a missing one, a wrong JSON type, a value
 * over its limit.  What depends on the registry's state or on other
 * members (identifier checks against the county, the policy, a home's
 * lifecycle) stays with the rules.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "quanpiao/certs.h"
#include "quanpiao/ids.h"
#include "quanpiao/keys.h"
#include "quanpiao/personal.h"
#include "quanpiao/schema.h"
#include "quanpiao/text.h"
#include "schema_internal.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Shorthands for the table: required/optional text, fixed-length identifiers, integers, objects. */
/* clang-format off */
#define REQ QP_MEMBER_REQUIRED
#define OPT 0u
#define TEXT(name, flags, max, format, meaning) {name, QP_SCHEMA_TEXT, flags, 1, max, format, NULL, meaning}
#define IDENT(name, flags, len, format, meaning) {name, QP_SCHEMA_TEXT, flags, len, len, format, NULL, meaning}
#define ENUM(name, flags, max, values, meaning) {name, QP_SCHEMA_TEXT, flags, 1, max, QP_FORMAT_ENUM, values, meaning}
#define INT(name, flags, min, max, format, meaning) {name, QP_SCHEMA_INTEGER, flags, min, max, format, NULL, meaning}
#define OBJECT(name, flags, format, meaning) {name, QP_SCHEMA_OBJECT, flags, 0, 0, format, NULL, meaning}
#define ENTRY(type, role, members, meaning) {type, role, members, ARRAY_LEN(members), meaning, NULL}
#define ENTRY_ABOUT(type, role, members, meaning, personal) {type, role, members, ARRAY_LEN(members), meaning, &personal}
/* clang-format on */

#define ENUM_MAX	      16  /* bytes of an enumerated value (a status, a kind, a basis...) */
#define VKEY_MAX	      512 /* bytes of a verifier key */
#define KEY_REVOKE_REASON_MAX 1000
#define CERT_REF_MAX	      32 /* a certificate an entry names (the number, read leniently) */
#define INVESTOR_MAX	      128
#define DEAL_NO_MAX	      64
#define LEASE_YEARS_MAX	      1000 /* the policy's term bounds it further */
#define MEMBERS_MAX	      50
#define DATE_LEN	      10

static const char *const key_roles[] = {"officer", "log", "auditor", NULL};
static const char *const correctable[] = {"land_area", "floor_area", "built", NULL};
static const char *const household_correctable[] = {"name", "members", NULL};
static const char *const transfer_bases[] = {"sale", "inheritance", "exchange", NULL};
static const char *const parcel_states[] = {"reclaimed", NULL};

/* clang-format off */
static const qp_schema_member genesis[] = {
	TEXT("authority", REQ, VKEY_MAX, QP_FORMAT_VKEY, "the authority's verifier key; it signs this entry"),
	TEXT("county", REQ, 6, QP_FORMAT_COUNTY, "the county whose registry this is"),
	TEXT("county_name", REQ, QP_NAME_MAX_LEN, QP_FORMAT_NONE, "the county's name, 诸暨市"),
};
static const qp_schema_member policy_set[] = {
	OBJECT("params", REQ | QP_MEMBER_BY_RULES, QP_FORMAT_POLICY, "the policy parameters in force from this entry on"),
};
static const qp_schema_member key_enroll[] = {
	ENUM("role", REQ | QP_MEMBER_BY_RULES, ENUM_MAX, key_roles, "the key's role"),
	TEXT("valid_until", OPT, DATE_LEN, QP_FORMAT_DATE, "the last day the key may sign (not before the entry's date)"),
	TEXT("vkey", REQ, VKEY_MAX, QP_FORMAT_VKEY, "the key's verifier key; its name is the key's name"),
};
static const qp_schema_member key_revoke[] = {
	TEXT("name", REQ, QP_KEY_NAME_MAX, QP_FORMAT_KEY_NAME, "the active key revoked (not the authority's)"),
	TEXT("reason", REQ, KEY_REVOKE_REASON_MAX, QP_FORMAT_NONE, "why"),
};
static const qp_schema_member village_add[] = {
	TEXT("code", REQ, 12, QP_FORMAT_VILLAGE, "the village, in the registry's county"),
	TEXT("name", REQ, QP_NAME_MAX_LEN, QP_FORMAT_NONE, "the village's name"),
	TEXT("uscc", OPT, QP_USCC_LEN, QP_FORMAT_USCC, "the collective's credit code (N2...)"),
};
static const qp_schema_member village_correct[] = {
	TEXT("code", REQ, 12, QP_FORMAT_VILLAGE, "the village corrected (never itself corrected)"),
	TEXT("name", OPT, QP_NAME_MAX_LEN, QP_FORMAT_NONE, "its new name (name or uscc or both)"),
	TEXT("reason", REQ, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why"),
	TEXT("uscc", OPT, QP_USCC_LEN, QP_FORMAT_USCC, "its collective's new credit code (N2...)"),
};
static const qp_schema_member household_add[] = {
	IDENT("commitment", REQ, QP_COMMITMENT_LEN, QP_FORMAT_COMMITMENT, "the commitment to the head's ID number and name, kept outside the log"),
	INT("members", REQ, 1, MEMBERS_MAX, QP_FORMAT_NONE, "the number of members"),
	IDENT("number", QP_MEMBER_NUMBERED, QP_HOUSEHOLD_NUMBER_LEN, QP_FORMAT_HOUSEHOLD, "the household's registry number: the next free one"),
	IDENT("village", REQ, 12, QP_FORMAT_VILLAGE, "the household's village, already added"),
};
static const qp_schema_member household_correct[] = {
	IDENT("commitment", OPT, QP_COMMITMENT_LEN, QP_FORMAT_COMMITMENT, "exactly with field name: the commitment to the head's ID number and the right name, which replaces the household's"),
	ENUM("field", REQ, ENUM_MAX, household_correctable, "the value corrected"),
	IDENT("household", REQ, QP_HOUSEHOLD_NUMBER_LEN, QP_FORMAT_HOUSEHOLD, "the household, not erased"),
	TEXT("reason", REQ, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why"),
	INT("value", OPT, 1, MEMBERS_MAX, QP_FORMAT_NONE, "exactly with field members: the right number of members"),
};
static const qp_schema_member household_erase[] = {
	IDENT("household", REQ, QP_HOUSEHOLD_NUMBER_LEN, QP_FORMAT_HOUSEHOLD, "the household whose personal data is erased: no live certificate, no home in use, idle or activated"),
	TEXT("reason", REQ, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why (the request under PIPL art. 47)"),
};
static const qp_schema_member home_add[] = {
	INT("built", OPT, QP_BUILT_MIN, 0, QP_FORMAT_YEAR, "the year it was built"),
	INT("floor_area", OPT, 1, QP_AREA_MAX, QP_FORMAT_AREA, "its floor area"),
	IDENT("household", REQ, QP_HOUSEHOLD_NUMBER_LEN, QP_FORMAT_HOUSEHOLD, "the household that holds it, already added, not erased"),
	INT("land_area", REQ, 1, QP_AREA_MAX, QP_FORMAT_AREA, "the area of its homestead parcel"),
	TEXT("status", REQ, ENUM_MAX, QP_FORMAT_HOME_STATUS, "its status when added"),
	IDENT("unit", REQ, QP_UNIT_CODE_LEN, QP_FORMAT_UNIT, "the home: a building (F) on a rural homestead parcel (JC) of the county"),
	IDENT("village", REQ, 12, QP_FORMAT_VILLAGE, "its village, already added"),
};
static const qp_schema_member home_status[] = {
	TEXT("reason", OPT, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why"),
	TEXT("status", REQ, ENUM_MAX, QP_FORMAT_HOME_STATUS, "the new status, a step of the lifecycle (docs/design.md §1)"),
	IDENT("unit", REQ, QP_UNIT_CODE_LEN, QP_FORMAT_UNIT, "the home"),
};
static const qp_schema_member home_activate[] = {
	TEXT("deal_no", OPT, DEAL_NO_MAX, QP_FORMAT_NONE, "the deal's number"),
	INT("investment", REQ, 0, QP_MONEY_MAX, QP_FORMAT_MONEY, "the investment"),
	TEXT("investor", OPT, INVESTOR_MAX, QP_FORMAT_NONE, "an enterprise investor's name (with investor_id)"),
	IDENT("investor_commitment", OPT, QP_COMMITMENT_LEN, QP_FORMAT_COMMITMENT, "a person investor's commitment to their ID number and name, instead of investor and investor_id"),
	IDENT("investor_id", OPT, QP_USCC_LEN, QP_FORMAT_USCC, "an enterprise investor's credit code (with investor)"),
	INT("rent", REQ, 0, QP_MONEY_MAX, QP_FORMAT_MONEY, "the annual rent"),
	IDENT("start", REQ, DATE_LEN, QP_FORMAT_DATE, "the first day of the lease"),
	IDENT("unit", REQ, QP_UNIT_CODE_LEN, QP_FORMAT_UNIT, "the home, which must be idle"),
	TEXT("use", REQ, ENUM_MAX, QP_FORMAT_USE, "what the home is used for"),
	INT("years", REQ, 0, LEASE_YEARS_MAX, QP_FORMAT_NONE, "the lease term in years, within the policy's"),
};
static const qp_schema_member home_correct[] = {
	ENUM("field", REQ, ENUM_MAX, correctable, "the value corrected"),
	TEXT("reason", REQ, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why"),
	IDENT("unit", REQ, QP_UNIT_CODE_LEN, QP_FORMAT_UNIT, "the home"),
	INT("value", REQ | QP_MEMBER_BY_RULES, 0, 0, QP_FORMAT_NONE, "the new value"),
};
static const qp_schema_member parcel_add[] = {
	INT("land_area", REQ, 1, QP_AREA_MAX, QP_FORMAT_AREA, "the parcel's area: what the certificates from it may reach"),
	IDENT("parcel", REQ, QP_PARCEL_CODE_LEN, QP_FORMAT_PARCEL, "the parcel: a rural homestead parcel (JC) of the county, with no registered home on it"),
	ENUM("state", REQ, ENUM_MAX, parcel_states, "what the land is: reclaimed (its building gone)"),
	IDENT("village", REQ, 12, QP_FORMAT_VILLAGE, "its village, already added"),
};
static const qp_schema_member cert_issue[] = {
	INT("area", REQ, 1, QP_AREA_MAX, QP_FORMAT_AREA, "the certificate's area (at most the policy's for the kind)"),
	TEXT("basis", REQ, ENUM_MAX, QP_FORMAT_CERT_BASIS, "what the certificate is issued on"),
	TEXT("holder", REQ, 18, QP_FORMAT_HOLDER, "a household for guarantee and retention, a village for collective"),
	TEXT("home", OPT, QP_UNIT_CODE_LEN, QP_FORMAT_UNIT, "the home it comes from; absent for entitlement, or with parcel"),
	TEXT("id", QP_MEMBER_NUMBERED, QP_CERT_ID_LEN, QP_FORMAT_CERT_ID, "the certificate's number: the next free one"),
	TEXT("kind", REQ, ENUM_MAX, QP_FORMAT_CERT_KIND, "the certificate's kind"),
	OBJECT("legacy", OPT, QP_FORMAT_LEGACY, "the legacy system's record, only with basis legacy"),
	TEXT("legacy_no", OPT, QP_LEGACY_NO_MAX_LEN, QP_FORMAT_NONE, "the legacy number, exactly with basis legacy"),
	IDENT("parcel", OPT, QP_PARCEL_CODE_LEN, QP_FORMAT_PARCEL, "instead of home, for a collective certificate: the reclaimed land (parcel.add) it comes from"),
	TEXT("valid_until", OPT, DATE_LEN, QP_FORMAT_DATE, "its last valid day (else the policy's validity)"),
};
static const qp_schema_member cert_transfer[] = {
	INT("area", OPT, 1, QP_AREA_MAX, QP_FORMAT_AREA, "the area transferred (default: all of it)"),
	ENUM("basis", REQ, ENUM_MAX, transfer_bases, "why the certificate passes"),
	TEXT("cert", REQ, CERT_REF_MAX, QP_FORMAT_CERT_ID, "the certificate transferred, live"),
	TEXT("new_id", QP_MEMBER_NUMBERED, QP_CERT_ID_LEN, QP_FORMAT_CERT_ID, "the recipient's new certificate: the next free number"),
	TEXT("remainder_id", OPT, QP_CERT_ID_LEN, QP_FORMAT_CERT_ID, "the holder's remainder, exactly when part of the area remains"),
	TEXT("to", REQ, 18, QP_FORMAT_HOLDER, "the recipient, as the policy's transfer rule allows"),
};
static const qp_schema_member cert_redeem[] = {
	INT("area", REQ, 1, QP_AREA_MAX, QP_FORMAT_AREA, "the area redeemed"),
	TEXT("cert", REQ, CERT_REF_MAX, QP_FORMAT_CERT_ID, "the certificate redeemed, live"),
	TEXT("note", REQ, QP_NOTE_MAX_LEN, QP_FORMAT_NONE, "what it was redeemed for, in words"),
	TEXT("purpose", REQ, ENUM_MAX, QP_FORMAT_PURPOSE, "what it is redeemed for"),
	TEXT("remainder_id", OPT, QP_CERT_ID_LEN, QP_FORMAT_CERT_ID, "the remainder, exactly when part of the area remains"),
};
static const qp_schema_member cert_revoke[] = {
	TEXT("cert", REQ, CERT_REF_MAX, QP_FORMAT_CERT_ID, "the certificate revoked, live or frozen"),
	TEXT("reason", REQ, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why"),
};
static const qp_schema_member cert_freeze[] = {
	TEXT("cert", REQ, CERT_REF_MAX, QP_FORMAT_CERT_ID, "the certificate frozen, live"),
	TEXT("reason", REQ, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why (a dispute)"),
};
static const qp_schema_member cert_unfreeze[] = {
	TEXT("cert", REQ, CERT_REF_MAX, QP_FORMAT_CERT_ID, "the certificate unfrozen, frozen"),
	TEXT("reason", OPT, QP_REASON_MAX_LEN, QP_FORMAT_NONE, "why"),
};

/* Who the entries of a type are about, when that is a person (quanpiao/schema.h). */
static const qp_schema_personal household_head = {"id_number", "name", "commitment", 0};
static const qp_schema_personal investor_person = {"investor_id", "investor", "investor_commitment", 1};

/* Entry types and the role whose keys may sign them (docs/design.md §3). */
static const qp_schema_entry entries[] = {
	ENTRY("registry.genesis", "authority", genesis, "The first entry: the county and its authority key"),
	ENTRY("policy.set", "authority", policy_set, "The policy parameters"),
	ENTRY("key.enroll", "authority", key_enroll, "A key enrolled with its role"),
	ENTRY("key.revoke", "authority", key_revoke, "A key revoked"),
	ENTRY("village.add", "officer", village_add, "A village"),
	ENTRY("village.correct", "officer", village_correct, "A village's name or credit code set right"),
	ENTRY_ABOUT("household.add", "officer", household_add, "A household of a village", household_head),
	ENTRY_ABOUT("household.correct", "officer", household_correct, "A household's members or its head's name set right", household_head),
	ENTRY("household.erase", "officer", household_erase, "A household's personal data erased from the registry file"),
	ENTRY("home.add", "officer", home_add, "A home of a household"),
	ENTRY("home.status", "officer", home_status, "A home's next status"),
	ENTRY_ABOUT("home.activate", "officer", home_activate, "An idle home leased to an investor", investor_person),
	ENTRY("home.correct", "officer", home_correct, "A home's area or year set right"),
	ENTRY("parcel.add", "officer", parcel_add, "Reclaimed land: a homestead parcel with no home on it"),
	ENTRY("cert.issue", "officer", cert_issue, "A certificate issued"),
	ENTRY("cert.transfer", "officer", cert_transfer, "A certificate transferred, whole or in part"),
	ENTRY("cert.redeem", "officer", cert_redeem, "A certificate redeemed, whole or in part"),
	ENTRY("cert.revoke", "officer", cert_revoke, "A certificate revoked"),
	ENTRY("cert.freeze", "officer", cert_freeze, "A certificate frozen"),
	ENTRY("cert.unfreeze", "officer", cert_unfreeze, "A frozen certificate unfrozen"),
};
/* clang-format on */

const qp_schema_entry *qp_schema_entries(size_t *count)
{
	*count = ARRAY_LEN(entries);
	return entries;
}

const qp_schema_entry *qp_schema_entry_get(const char *type)
{
	for (size_t i = 0; type && i < ARRAY_LEN(entries); i++)
		if (strcmp(entries[i].type, type) == 0)
			return &entries[i];
	return NULL;
}

static const qp_schema_member *member_of(const qp_schema_entry *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->n_members; i++)
		if (strcmp(s->members[i].name, name) == 0)
			return &s->members[i];
	return NULL;
}

const qp_schema_member *qp_schema_member_get(const char *type, const char *name)
{
	return member_of(qp_schema_entry_get(type), name);
}

int qp_schema_member_allows(const qp_schema_member *m, const char *value)
{
	if (m->values == NULL)
		return 1;
	for (const char *const *v = m->values; *v; v++)
		if (strcmp(*v, value) == 0)
			return 1;
	return 0;
}

static int current_year(void)
{
	char now[QP_TIME_LEN + 1];
	qp_time_format(now, qp_clock_now());
	return (now[0] - '0') * 1000 + (now[1] - '0') * 100 + (now[2] - '0') * 10 + (now[3] - '0');
}

int qp_schema_limits(const char *type, const char *name, int64_t *min, int64_t *max)
{
	const qp_schema_member *m = qp_schema_member_get(type, name);
	if (m == NULL)
		return qp_error_set(QP_EINTERNAL, "no member %s in entries of type %s",
				    name ? name : "(null)", type ? type : "(null)");
	if (min)
		*min = m->type == QP_SCHEMA_TEXT ? 1 : m->min;
	if (max)
		*max = m->format == QP_FORMAT_YEAR ? current_year() : m->max;
	return QP_OK;
}

/* ---- checking a body ------------------------------------------------------------------------- */

/* body.name as text of 1..max bytes that passes the text check (quanpiao/text.h). */
static int body_text(const qp_entry *e, const char *name, size_t max, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, name);
	char why[96];
	*out = NULL;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' || strlen(v->valuestring) > max)
		return qp_error_set(QP_EINVALID, "%s: body.%s must be text of 1 to %zu bytes", e->type, name,
				    max);
	/* qp_text_check's message, the field named only when it is refused (every member of every entry
	 * passes here). */
	if (qp_text_problem(why, sizeof(why), v->valuestring, max, 0) != NULL)
		return qp_error_set(QP_EINVALID, "%s: body.%s: %s", e->type, name, why);
	*out = v->valuestring;
	return QP_OK;
}

int qp_body_int(const qp_entry *e, const char *name, int64_t lo, int64_t hi, int optional, int64_t dflt,
		int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, name);
	*out = dflt;
	if (v == NULL && optional)
		return QP_OK;
	/* Canonical JSON holds integers only, at most 2^53 - 1: exact in a double. */
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo || v->valuedouble > (double)hi)
		return qp_error_set(QP_EINVALID, "%s: body.%s must be an integer from %lld to %lld", e->type,
				    name, (long long)lo, (long long)hi);
	*out = (int64_t)v->valuedouble;
	return QP_OK;
}

/* "a, b or c" */
static void values_text(char *buf, size_t len, const char *const *values)
{
	size_t used = 0, n = 0;
	while (values[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 i == 0	      ? ""
				 : i + 1 == n ? " or "
					      : ", ",
				 values[i]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

/*
 * body.legacy, the record an import brought from the old system: only with
 * basis legacy, an object of text members within the QP_LEGACY_* limits.
 */
static int check_legacy_record(const qp_entry *e, const cJSON *l)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(e->body, "basis");
	int n = 0;
	if (!cJSON_IsObject(l) || !cJSON_IsString(b) || strcmp(b->valuestring, "legacy") != 0)
		return qp_error_set(QP_EINVALID, "%s: body.legacy is an object, given only with basis legacy",
				    e->type);
	for (const cJSON *m = l->child; m; m = m->next)
		if (++n > QP_LEGACY_MAX_MEMBERS || !cJSON_IsString(m) ||
		    strlen(m->string) > QP_LEGACY_KEY_MAX_LEN ||
		    strlen(m->valuestring) > QP_LEGACY_VALUE_MAX_LEN)
			return qp_error_set(
			    QP_EINVALID,
			    "%s: body.legacy holds at most %d members, each text of at most %d bytes",
			    e->type, QP_LEGACY_MAX_MEMBERS, QP_LEGACY_VALUE_MAX_LEN);
	for (const cJSON *m = l->child; m; m = m->next) {
		char why[96];
		if (qp_text_problem(why, sizeof(why), m->string, QP_LEGACY_KEY_MAX_LEN, 0) != NULL)
			return qp_error_set(QP_EINVALID, "%s: body.legacy: %s", e->type, why);
		/* A cell of the old file: it may be empty and hold line breaks. */
		if (qp_text_problem(why, sizeof(why), m->valuestring, QP_LEGACY_VALUE_MAX_LEN,
				    QP_TEXT_MULTILINE | QP_TEXT_MAY_BE_EMPTY) != NULL)
			return qp_error_set(QP_EINVALID, "%s: body.legacy.%s: %s", e->type, m->string, why);
	}
	return QP_OK;
}

static int check_member(const qp_entry *e, const qp_schema_member *m, const cJSON *v)
{
	const char *text;
	int64_t num;
	int err;
	switch (m->type) {
	case QP_SCHEMA_TEXT:
		if (m->format == QP_FORMAT_HOUSEHOLD && cJSON_IsString(v) &&
		    qp_ids_check_resident(NULL, v->valuestring, NULL) == QP_OK)
			return qp_error_set(
			    QP_EINVALID,
			    "%s: body.%s names a household by its registry number "
			    "(330681-H-0000001), not by an ID number: personal data stays out of "
			    "the log",
			    e->type, m->name);
		if ((err = body_text(e, m->name, (size_t)m->max, &text)) != QP_OK)
			return err;
		if (m->min > 1 && strlen(text) != (size_t)m->min)
			return qp_error_set(QP_EINVALID, "%s: body.%s must be %zu characters", e->type,
					    m->name, (size_t)m->min);
		if (!(m->flags & QP_MEMBER_BY_RULES) && !qp_schema_member_allows(m, text)) {
			char list[128];
			values_text(list, sizeof(list), m->values);
			return qp_error_set(QP_EINVALID, "%s: %s must be %s, not %s", e->type, m->name, list,
					    text);
		}
		return QP_OK;
	case QP_SCHEMA_INTEGER:
		if (m->flags & QP_MEMBER_BY_RULES)
			return QP_OK;
		return qp_body_int(e, m->name, m->min, m->format == QP_FORMAT_YEAR ? current_year() : m->max,
				   0, 0, &num);
	case QP_SCHEMA_OBJECT:
		if (m->format == QP_FORMAT_LEGACY)
			return check_legacy_record(e, v);
		return QP_OK; /* QP_FORMAT_POLICY: the policy's own validation (policy.c) */
	}
	return qp_error_set(QP_EINTERNAL, "%s: body.%s has no known type", e->type, m->name);
}

int qp_schema_check_body(const qp_entry *e)
{
	const qp_schema_entry *s = qp_schema_entry_get(e->type);
	if (s == NULL)
		return qp_error_set(
		    QP_EINVALID, "entries of type %s are not handled by this version of quanpiao", e->type);
	for (const cJSON *m = e->body->child; m; m = m->next)
		if (member_of(s, m->string) == NULL)
			return qp_error_set(QP_EINVALID, "%s: unknown member body.%s", e->type, m->string);
	for (size_t i = 0; i < s->n_members; i++)
		if ((s->members[i].flags & QP_MEMBER_REQUIRED) &&
		    !cJSON_GetObjectItemCaseSensitive(e->body, s->members[i].name))
			return qp_error_set(QP_EINVALID, "%s: body.%s is missing", e->type,
					    s->members[i].name);
	for (size_t i = 0; i < s->n_members; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, s->members[i].name);
		int err;
		if (v && (err = check_member(e, &s->members[i], v)) != QP_OK)
			return err;
	}
	return QP_OK;
}

const char *qp_body_str(const qp_entry *e, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t qp_body_num(const qp_entry *e, const char *name, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, name);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

int qp_body_numbered(const qp_entry *e, const char *name, const char **out)
{
	const qp_schema_member *m = qp_schema_member_get(e->type, name);
	*out = NULL;
	if (m == NULL)
		return qp_error_set(QP_EINTERNAL, "%s: no member body.%s in the schema", e->type, name);
	return body_text(e, name, (size_t)m->max, out);
}
