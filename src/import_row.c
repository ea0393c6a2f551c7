/*
 * import_row.c - one legacy row: read it, check it, and bring it into the
 * registry as one unit.
 *
 * A row is checked in three steps, and every problem of a step is
 * reported, not just the first.  First the values alone (identifiers,
 * dates, areas, the mapping of type and status): they make the row's
 * legacy record, body.legacy of its cert.issue.  Then the legacy number:
 * seen before in this file (a duplicate), or already in the registry
 * (present if its record is the same, a conflict if not).  Only then the
 * checks that depend on the day and the registry's state: dates not in
 * the future, validity not passed for a live ticket, the village, the
 * household and the home.  A row that passes becomes its entries, applied
 * by the registry's rules as one unit (a refusal undoes the whole row) and
 * then added to the window, whose notes are signed and put into the log
 * together (import_append.c, import_window.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "canon.h"
#include "certrules.h"
#include "clock.h"
#include "entry.h"
#include "error.h"
#include "import_row.h"
#include "quanpiao/ids.h"
#include "quanpiao/personal.h"
#include "quanpiao/query.h"
#include "quanpiao/schema.h"
#include "quanpiao/text.h"
#include "registry_internal.h"
#include "schema_internal.h"
#include "store_certs.h"
#include "store_homes.h"
#include "store_import.h"
#include "store_log.h"

/* ---- reporting --------------------------------------------------------------------------------- */

void qp_import_report(qp_import_run *run, qp_import_row *r, const char *column, const char *value, int code,
		      int warning, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (warning)
		run->warnings++;
	else
		r->problems++;
	if (run->opt->problem == NULL || run->stop != QP_OK)
		return;
	qp_import_problem p = {r->line,
			       r->legacy_raw ? r->legacy_raw : "",
			       column ? column : "",
			       value ? value : "",
			       reason,
			       warning ? QP_OK : code,
			       warning};
	run->stop = run->opt->problem(run->opt->ctx, &p);
}

/* Report the last library error for a column, without the "field: " prefix its message starts with. */
static void report_error(qp_import_run *run, qp_import_row *r, qp_import_col c, const char *value)
{
	const char *msg = qp_error_last()->message, *name = r->name[c];
	size_t n = strlen(name);
	if (strncmp(msg, name, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		msg += n + 2;
	qp_import_report(run, r, name, value, QP_EINVALID, 0, "%s", msg);
}

/* ---- reading the record ------------------------------------------------------------------------- */

static const char *keep(qp_import_row *r, const char *value)
{
	size_t n = strlen(value) + 1;
	if (r->arena_len + n > r->arena_cap)
		return NULL;
	char *dst = r->arena + r->arena_len;
	if (qp_import_trim(dst, n, value) != QP_OK)
		return NULL;
	r->arena_len += strlen(dst) + 1;
	return dst;
}

/*
 * Why a value cannot be taken: U+FFFD (bytes that did not decode), or what
 * the one text check refuses (quanpiao/text.h) but for LF and tab, which
 * check_values refuses where entries cannot carry them.
 */
static const char *bad_text(char *buf, size_t len, const char *s)
{
	if (strstr(s, "\xEF\xBF\xBD"))
		return "contains bytes that could not be decoded (U+FFFD)";
	return qp_text_problem(buf, len, s, 0, QP_TEXT_MULTILINE | QP_TEXT_MAY_BE_EMPTY);
}

/* Sort the record's fields into the row's columns; other columns go to body.legacy as they are. */
static int collect(qp_import_run *run, const qp_import_record *rec, qp_import_row *r)
{
	size_t total = 0;
	for (size_t i = 0; i < rec->nfields; i++)
		total += strlen(rec->values[i]) + 1;
	r->arena_cap = total + 1;
	if ((r->arena = qp_malloc(r->arena_cap)) == NULL || (r->legacy = cJSON_CreateObject()) == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory reading a row");
	for (int c = 0; c < QP_ICOL_COUNT; c++)
		r->name[c] = qp_import_col_name((qp_import_col)c);
	if (rec->names == NULL)
		for (size_t i = 0; i < run->ncols; i++)
			if (run->cols[i] != QP_ICOL_UNKNOWN)
				r->name[run->cols[i]] = run->col_names[i];
	/* The legacy number first, so that every problem of the row names it. */
	for (size_t i = 0; i < rec->nfields && r->legacy_raw == NULL; i++)
		if ((rec->names	      ? qp_import_map_column(run->map, rec->names[i])
		     : i < run->ncols ? run->cols[i]
				      : QP_ICOL_UNKNOWN) == QP_ICOL_LEGACY_NO)
			r->legacy_raw = rec->values[i];
	r->blank = 1;
	int seen[QP_ICOL_COUNT] = {0}, extra = 0;
	if (rec->names == NULL)
		for (size_t i = 0; i < run->ncols; i++)
			if (run->cols[i] != QP_ICOL_UNKNOWN)
				r->present[run->cols[i]] = 1;
	for (size_t i = 0; i < rec->nfields; i++) {
		const char *value = keep(r, rec->values[i]);
		if (value == NULL)
			return qp_error_set(QP_EINTERNAL, "import: a row's values do not fit");
		r->blank &= value[0] == '\0';
		qp_import_col c;
		const char *name;
		if (rec->names) {
			name = rec->names[i];
			c = qp_import_map_column(run->map, name);
		} else if (i < run->ncols) {
			name = run->col_names[i];
			c = run->cols[i];
		} else {
			extra += value[0] != '\0';
			continue;
		}
		if (c != QP_ICOL_UNKNOWN) {
			if (seen[c]++) {
				qp_import_report(run, r, name, value, QP_EINVALID, 0,
						 "a second column for %s", qp_import_col_name(c));
				continue;
			}
			r->name[c] = name;
			r->present[c] = 1;
			r->text[c] = value[0] ? value : NULL;
			continue;
		}
		if (value[0] == '\0' || qp_import_map_dropped(run->map, name))
			continue;
		char whybuf[96];
		const char *why = bad_text(whybuf, sizeof(whybuf), value);
		if (why)
			qp_import_report(run, r, name, value, QP_EINVALID, 0, "%s", why);
		else if ((why = qp_import_personal_text(name, value)) != NULL)
			qp_import_report(
			    run, r, name, value, QP_EINVALID, 0,
			    "%s: personal data may not go into the signed legacy record "
			    "(leave the column out with the mapping's \"drop\", or take the number out)",
			    why);
		else if (strlen(value) > QP_LEGACY_VALUE_MAX_LEN)
			qp_import_report(run, r, name, value, QP_EINVALID, 0, "is longer than %d bytes",
					 QP_LEGACY_VALUE_MAX_LEN);
		else if (name[0] == '\0' || strlen(name) > QP_LEGACY_KEY_MAX_LEN ||
			 bad_text(whybuf, sizeof(whybuf), name))
			qp_import_report(run, r, name, value, QP_EINVALID, 0,
					 "a column name must be 1 to %d bytes of text",
					 QP_LEGACY_KEY_MAX_LEN);
		else if (cJSON_GetObjectItemCaseSensitive(r->legacy, name))
			qp_import_report(run, r, name, value, QP_EINVALID, 0, "a second column named %s",
					 name);
		else if (cJSON_GetArraySize(r->legacy) >= QP_LEGACY_MAX_MEMBERS - QP_ICOL_COUNT)
			qp_import_report(run, r, name, value, QP_EINVALID, 0, "more than %d extra columns",
					 QP_LEGACY_MAX_MEMBERS - QP_ICOL_COUNT);
		else if (!cJSON_AddStringToObject(r->legacy, name, value))
			return qp_error_set(QP_ENOMEM, "out of memory reading a row");
	}
	if (extra)
		qp_import_report(run, r, "", "", QP_EINVALID, 0,
				 "the row has %zu fields; the header has %zu columns", rec->nfields,
				 run->ncols);
	if (r->text[QP_ICOL_LEGACY_NO])
		r->legacy_raw = r->text[QP_ICOL_LEGACY_NO];
	return QP_OK;
}

/* ---- step 1: the values alone ------------------------------------------------------------------ */

/* The value of a column the row must have, or NULL after reporting its absence. */
static const char *required(qp_import_run *run, qp_import_row *r, qp_import_col c)
{
	if (r->text[c])
		return r->text[c];
	qp_import_report(run, r, r->name[c], "", QP_EINVALID, 0,
			 r->present[c] ? "is empty" : "the column is missing");
	return NULL;
}

/* v with full-width forms folded, into t (len bytes); 0 if it does not fit. */
static int folded(char *t, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return 0;
	memcpy(t, v, strlen(v) + 1);
	qp_import_fold_width(t);
	return 1;
}

/*
 * A collective's credit code as a collective row's holder: valid, and
 * carried by the row's village (village add --uscc).  QP_OK, or the problem
 * reported (another village's, or no registered village's) and QP_EINVALID.
 */
static int collective_code(qp_import_run *run, qp_import_row *r, qp_import_col c, const char *value,
			   const char *code)
{
	qp_store *store = run->reg->store;
	char other[13];
	qp_village v;
	int err, same = 0;
	if (qp_ids_check_uscc(code, QP_USCC_COLLECTIVE, r->name[c]) != QP_OK) {
		report_error(run, r, c, value);
		return QP_EINVALID;
	}
	if ((err = qp_store_village_get(store, r->village, &v)) == QP_OK) {
		same = v.uscc && strcmp(v.uscc, code) == 0;
		qp_village_clear(&v);
	}
	if (err != QP_OK && err != QP_ENOTFOUND)
		return err;
	if (same)
		return QP_OK;
	if ((err = qp_store_village_by_uscc(store, code, other)) == QP_OK)
		qp_import_report(
		    run, r, r->name[c], value, QP_EINVALID, 0,
		    "credit code %s is that of the collective of village %s, not of the row's village %s",
		    code, other, r->village);
	else if (err == QP_ENOTFOUND)
		qp_import_report(
		    run, r, r->name[c], value, QP_EINVALID, 0,
		    "no registered village's collective has credit code %s (give it with village add "
		    "--uscc or village correct --uscc)",
		    code);
	return err == QP_OK || err == QP_ENOTFOUND ? QP_EINVALID : err;
}

/*
 * A land ticket (地票, 复垦) names the reclaimed parcel, whose building is
 * gone: fixture type W (GB/T 37346), the parcel the first 19 characters.
 * The certificate comes from the registered home that stood on it; with no
 * home on it, from the parcel as reclaimed land (registered by the row if
 * it is not yet), which is its village's collective's: a person's ID number
 * cannot name a household there, as no home links them.
 */
static void land_ticket_parcel(qp_import_run *run, qp_import_row *r, const char *value, const char *unit)
{
	char parcel[QP_PARCEL_CODE_LEN + 1], home[QP_UNIT_CODE_LEN + 1];
	int count = 0;
	snprintf(parcel, sizeof(parcel), "%.*s", QP_PARCEL_CODE_LEN, unit);
	if (qp_store_parcel_homes(run->reg->store, parcel, home, &count) != QP_OK)
		qp_import_report(run, r, r->name[QP_ICOL_UNIT], value, QP_EINVALID, 0, "%s",
				 qp_error_last()->message);
	else if (count == 1) {
		snprintf(r->parcel_unit, sizeof(r->parcel_unit), "%s", unit);
		r->ok[QP_ICOL_UNIT] = snprintf(r->unit, sizeof(r->unit), "%s", home) > 0;
	} else if (count > 1)
		qp_import_report(
		    run, r, r->name[QP_ICOL_UNIT], value, QP_EINVALID, 0,
		    "more than one registered home stands on parcel %s; give the home's unit (fixture "
		    "type F)",
		    parcel);
	else if (r->ok[QP_ICOL_HOLDER_ID] && !r->holder_is_village)
		qp_import_report(
		    run, r, r->name[QP_ICOL_UNIT], value, QP_EINVALID, 0,
		    "no registered home stands on parcel %s: as reclaimed land it is held by its "
		    "village's collective; give the village code or its credit code in %s (or register "
		    "the home that stood on it first)",
		    parcel, r->name[QP_ICOL_HOLDER_ID]);
	else {
		snprintf(r->parcel_unit, sizeof(r->parcel_unit), "%s", unit);
		snprintf(r->parcel, sizeof(r->parcel), "%s", parcel);
		r->ok[QP_ICOL_UNIT] = 1;
	}
}

static void check_values(qp_import_run *run, qp_import_row *r)
{
	const char *county = qp_registry_county(run->reg), *v;
	char t[128];
	int bad[QP_ICOL_COUNT] = {0}, kind_ok = 0, village_ok = 0;

	for (int c = 0; c < QP_ICOL_COUNT; c++) {
		char whybuf[96];
		const char *why = r->text[c] ? bad_text(whybuf, sizeof(whybuf), r->text[c]) : NULL;
		if (why == NULL && r->text[c] && c != QP_ICOL_NOTE)
			why = qp_text_problem(whybuf, sizeof(whybuf), r->text[c], 0, QP_TEXT_MAY_BE_EMPTY);
		if (why) {
			qp_import_report(run, r, r->name[c], r->text[c], QP_EINVALID, 0, "%s", why);
			bad[c] = 1;
		}
	}
	if (!bad[QP_ICOL_LEGACY_NO] && (v = required(run, r, QP_ICOL_LEGACY_NO))) {
		if (!folded(t, sizeof(t), v) || strlen(t) > QP_LEGACY_NO_MAX_LEN)
			qp_import_report(run, r, r->name[QP_ICOL_LEGACY_NO], v, QP_EINVALID, 0,
					 "is longer than %d bytes", QP_LEGACY_NO_MAX_LEN);
		else
			r->ok[QP_ICOL_LEGACY_NO] =
			    snprintf(r->legacy_no, sizeof(r->legacy_no), "%.*s", (int)sizeof(r->legacy_no) - 1, t) > 0;
	}
	if (!bad[QP_ICOL_TYPE] && (v = required(run, r, QP_ICOL_TYPE))) {
		if (qp_import_map_type(run->map, v, &r->kind) == QP_OK)
			kind_ok = r->ok[QP_ICOL_TYPE] = 1;
		else
			report_error(run, r, QP_ICOL_TYPE, v);
	}
	if (!bad[QP_ICOL_STATUS] && (v = required(run, r, QP_ICOL_STATUS))) {
		if (qp_import_map_status(run->map, v, &r->outcome) == QP_OK)
			r->ok[QP_ICOL_STATUS] = 1;
		else
			report_error(run, r, QP_ICOL_STATUS, v);
	}
	if (!bad[QP_ICOL_HOLDER_NAME] && (v = required(run, r, QP_ICOL_HOLDER_NAME))) {
		char whybuf[96];
		if (strlen(v) > QP_NAME_MAX_LEN)
			qp_import_report(run, r, r->name[QP_ICOL_HOLDER_NAME], v, QP_EINVALID, 0,
					 "is longer than %d bytes", QP_NAME_MAX_LEN);
		else if (qp_text_problem(whybuf, sizeof(whybuf), v, QP_NAME_MAX_LEN, 0))
			qp_import_report(run, r, r->name[QP_ICOL_HOLDER_NAME], v, QP_EINVALID, 0, "%s",
					 whybuf);
		else
			r->ok[QP_ICOL_HOLDER_NAME] = 1;
	}
	if (!bad[QP_ICOL_VILLAGE] && (v = required(run, r, QP_ICOL_VILLAGE))) {
		if (!folded(t, sizeof(t), v) ||
		    qp_ids_check_division(t, QP_DIVISION_VILLAGE, r->name[QP_ICOL_VILLAGE]) != QP_OK)
			report_error(run, r, QP_ICOL_VILLAGE, v);
		else if (strncmp(t, county, 6) != 0)
			qp_import_report(run, r, r->name[QP_ICOL_VILLAGE], v, QP_EINVALID, 0,
					 "village %s is not in this registry's county %s", t, county);
		else {
			snprintf(r->village, sizeof(r->village), "%.*s", (int)sizeof(r->village) - 1, t);
			village_ok = r->ok[QP_ICOL_VILLAGE] = 1;
		}
	}
	if (!bad[QP_ICOL_HOLDER_ID] && (v = required(run, r, QP_ICOL_HOLDER_ID))) {
		char norm[QP_RESIDENT_ID_LEN + 1];
		int ok = folded(t, sizeof(t), v);
		if (ok && kind_ok && r->kind == QP_CERT_COLLECTIVE && qp_ids_looks_like_uscc(t)) {
			/* The village's collective by its credit code (GB 32100), as other systems name it.
			 */
			if (village_ok && collective_code(run, r, QP_ICOL_HOLDER_ID, v, t) == QP_OK) {
				r->holder_is_village = r->ok[QP_ICOL_HOLDER_ID] = 1;
				snprintf(r->holder_id, sizeof(r->holder_id), "%.*s",
					 (int)sizeof(r->holder_id) - 1, t);
			}
		} else if (ok && kind_ok && r->kind == QP_CERT_COLLECTIVE && strlen(t) == 12 &&
			   strspn(t, "0123456789") == 12) {
			/* A collective ticket may name the village itself as holder. */
			if (village_ok && strcmp(t, r->village) == 0) {
				r->holder_is_village = r->ok[QP_ICOL_HOLDER_ID] = 1;
				snprintf(r->holder_id, sizeof(r->holder_id), "%.*s", (int)sizeof(r->holder_id) - 1, t);
			} else {
				qp_import_report(
				    run, r, r->name[QP_ICOL_HOLDER_ID], v, QP_EINVALID, 0,
				    "a collective ticket's holder is the row's village (%s) or the "
				    "household's resident ID",
				    r->village);
			}
		} else if (!ok || qp_ids_check_resident(norm, t, r->name[QP_ICOL_HOLDER_ID]) != QP_OK) {
			report_error(run, r, QP_ICOL_HOLDER_ID, v);
		} else {
			snprintf(r->holder_id, sizeof(r->holder_id), "%s", norm);
			r->ok[QP_ICOL_HOLDER_ID] = 1;
		}
	}
	if (!bad[QP_ICOL_UNIT] && (v = required(run, r, QP_ICOL_UNIT))) {
		if (!folded(t, sizeof(t), v) || qp_ids_check_unit(t, county, r->name[QP_ICOL_UNIT]) != QP_OK)
			report_error(run, r, QP_ICOL_UNIT, v);
		else if (t[12] != 'J' || t[13] != 'C')
			qp_import_report(run, r, r->name[QP_ICOL_UNIT], v, QP_EINVALID, 0,
					 "is not on a rural homestead (parcel type JC, not %.2s)", t + 12);
		else if (t[19] == 'W' && kind_ok && r->kind == QP_CERT_COLLECTIVE)
			land_ticket_parcel(run, r, v, t);
		else if (t[19] != 'F')
			qp_import_report(
			    run, r, r->name[QP_ICOL_UNIT], v, QP_EINVALID, 0,
			    kind_ok && r->kind == QP_CERT_COLLECTIVE
				? "is neither a building (fixture type F) nor, for a land ticket, a parcel "
				  "(fixture type W), but %c"
				: "is not a building (fixture type F, not %c)",
			    t[19]);
		else
			r->ok[QP_ICOL_UNIT] = snprintf(r->unit, sizeof(r->unit), "%.*s", (int)sizeof(r->unit) - 1, t) > 0;
	}
	if (!bad[QP_ICOL_AREA] && (v = required(run, r, QP_ICOL_AREA))) {
		if (qp_import_parse_area(&r->area, v) == QP_OK)
			r->ok[QP_ICOL_AREA] = 1;
		else
			report_error(run, r, QP_ICOL_AREA, v);
	}
	if (!bad[QP_ICOL_LAND_AREA] && (v = r->text[QP_ICOL_LAND_AREA])) {
		if (qp_import_parse_area(&r->land_area, v) != QP_OK)
			report_error(run, r, QP_ICOL_LAND_AREA, v);
		else if (r->area > 0 && r->land_area < r->area)
			qp_import_report(run, r, r->name[QP_ICOL_LAND_AREA], v, QP_EINVALID, 0,
					 "is less than the ticket's area");
	}
	if (!bad[QP_ICOL_ISSUED_ON] && (v = required(run, r, QP_ICOL_ISSUED_ON))) {
		if (qp_import_parse_date(r->issued_on, v) == QP_OK)
			r->ok[QP_ICOL_ISSUED_ON] = 1;
		else
			report_error(run, r, QP_ICOL_ISSUED_ON, v);
	}
	if (!bad[QP_ICOL_VALID_UNTIL] && (v = r->text[QP_ICOL_VALID_UNTIL])) {
		if (qp_import_parse_date(r->valid_until, v) != QP_OK) {
			report_error(run, r, QP_ICOL_VALID_UNTIL, v);
			r->valid_until[0] = '\0';
		}
		else if (r->issued_on[0] && strcmp(r->valid_until, r->issued_on) < 0)
			qp_import_report(run, r, r->name[QP_ICOL_VALID_UNTIL], v, QP_EINVALID, 0,
					 "is before the issue date %s", r->issued_on);
	}
	if (!bad[QP_ICOL_NOTE] && (v = r->text[QP_ICOL_NOTE]) && strlen(v) > QP_LEGACY_VALUE_MAX_LEN)
		qp_import_report(run, r, r->name[QP_ICOL_NOTE], v, QP_EINVALID, 0, "is longer than %d bytes",
				 QP_LEGACY_VALUE_MAX_LEN);
	else if (!bad[QP_ICOL_NOTE] && v && qp_import_personal_text(NULL, v) != NULL)
		qp_import_report(
		    run, r, r->name[QP_ICOL_NOTE], v, QP_EINVALID, 0,
		    "%s: personal data may not go into the signed legacy record (take the number out of "
		    "the note)",
		    qp_import_personal_text(NULL, v));
}

/*
 * Put the checked values into body.legacy, under the columns' English
 * names.  Not a person's ID number and name: they are personal data, and
 * the signed log holds none (docs/format.md); the certificate names the
 * household by its registry number, and the registry keeps the household
 * head's ID number and name beside the log.  A village that holds a
 * collective ticket itself is no person: its code and name stay.
 */
static int legacy_record(qp_import_row *r)
{
	const char *holder_name = r->holder_is_village ? r->text[QP_ICOL_HOLDER_NAME] : NULL;
	const char *holder_id = r->holder_is_village ? r->holder_id : NULL;
	char a[32], l[32];
	qp_ids_format_hundredths(a, sizeof(a), r->area);
	qp_ids_format_hundredths(l, sizeof(l), r->land_area);
	const struct {
		qp_import_col c;
		const char *v;
	} kv[] = {
	    {QP_ICOL_TYPE, r->text[QP_ICOL_TYPE]},
	    {QP_ICOL_HOLDER_NAME, holder_name},
	    {QP_ICOL_HOLDER_ID, holder_id},
	    {QP_ICOL_VILLAGE, r->village},
	    {QP_ICOL_UNIT, r->parcel_unit[0] ? r->parcel_unit : r->unit},
	    {QP_ICOL_AREA, a},
	    {QP_ICOL_LAND_AREA, r->text[QP_ICOL_LAND_AREA] ? l : NULL},
	    {QP_ICOL_ISSUED_ON, r->issued_on},
	    {QP_ICOL_VALID_UNTIL, r->valid_until[0] ? r->valid_until : NULL},
	    {QP_ICOL_STATUS, r->text[QP_ICOL_STATUS]},
	    {QP_ICOL_NOTE, r->text[QP_ICOL_NOTE]},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (kv[i].v && !cJSON_AddStringToObject(r->legacy, qp_import_col_name(kv[i].c), kv[i].v))
			return qp_error_set(QP_ENOMEM, "out of memory reading a row");
	return QP_OK;
}

/* ---- step 2: the legacy number ------------------------------------------------------------------ */

/* The column of a body.legacy member, as the file names it. */
static const char *key_column(qp_import_row *r, const char *key)
{
	for (int c = 0; c < QP_ICOL_COUNT; c++)
		if (strcmp(qp_import_col_name((qp_import_col)c), key) == 0)
			return r->name[c];
	return key;
}

/* Report one member of body.legacy that differs between the registry (have) and the file (want). */
static void conflict(qp_import_run *run, qp_import_row *r, const char *id, uint64_t idx, const char *key,
		     const cJSON *have, const cJSON *want)
{
	const char *hv = cJSON_IsString(have) ? have->valuestring : "(none)";
	qp_import_report(run, r, key_column(r, key), cJSON_IsString(want) ? want->valuestring : "",
			 QP_ECONFLICT, 0,
			 "conflict: legacy number %s is in the registry as %s (entry %llu) with %s %s",
			 r->legacy_no, id, (unsigned long long)idx, key_column(r, key), hv);
}

/*
 * The holder of a row whose holder is a person, against the certificate:
 * its holder (guarantee, retention) or its home's household (a collective
 * ticket is held by the village; the row's household is the home's).  The
 * log names the household by number only, so the row's ID number is
 * looked up in the personal data beside the log, and the row's name is
 * compared with the name kept there.  ID numbers are masked in messages.
 */
static int compare_holder(qp_import_run *run, qp_import_row *r, const char *id, uint64_t idx,
			  const qp_entry *e)
{
	qp_store *store = run->reg->store;
	char want[QP_HOUSEHOLD_NUMBER_LEN + 1] = "", got[QP_HOUSEHOLD_NUMBER_LEN + 1];
	char m[QP_RESIDENT_ID_LEN + 1];
	const char *what = "held by";
	const char *id_col = r->name[QP_ICOL_HOLDER_ID], *id_text = r->text[QP_ICOL_HOLDER_ID];
	int err;
	if (r->kind == QP_CERT_COLLECTIVE) {
		const char *unit = qp_body_str(e, "home");
		qp_home h;
		if (unit && (err = qp_store_home_get(store, unit, &h)) == QP_OK)
			snprintf(want, sizeof(want), "%s", h.household);
		else if (unit && err != QP_ENOTFOUND)
			return err;
		what = "from a home of";
	} else {
		const char *holder = qp_body_str(e, "holder");
		snprintf(want, sizeof(want), "%s", holder ? holder : "");
	}
	qp_ids_mask_resident(m, r->holder_id);
	err = qp_store_household_find(store, r->holder_id, got);
	if (err == QP_ENOTFOUND) {
		qp_household h;
		int erased = 0, gerr = want[0] ? qp_store_household_get(store, want, &h) : QP_ENOTFOUND;
		if (gerr == QP_OK) {
			erased = h.erased;
			qp_household_clear(&h);
		} else if (gerr != QP_ENOTFOUND) {
			return gerr;
		}
		if (erased)
			qp_import_report(
			    run, r, id_col, id_text, QP_ECONFLICT, 0,
			    "conflict: legacy number %s is in the registry as %s (entry %llu), %s household "
			    "%s, whose personal data was erased: the holder cannot be compared",
			    r->legacy_no, id, (unsigned long long)idx, what, want);
		else
			qp_import_report(
			    run, r, id_col, id_text, QP_ECONFLICT, 0,
			    "conflict: legacy number %s is in the registry as %s (entry %llu), %s household "
			    "%s; no household has ID number %s",
			    r->legacy_no, id, (unsigned long long)idx, what, want[0] ? want : "(none)", m);
		return QP_OK;
	}
	if (err != QP_OK)
		return err;
	if (strcmp(got, want) != 0) {
		qp_import_report(
		    run, r, id_col, id_text, QP_ECONFLICT, 0,
		    "conflict: legacy number %s is in the registry as %s (entry %llu), %s household %s; "
		    "ID number %s is the head of household %s",
		    r->legacy_no, id, (unsigned long long)idx, what, want[0] ? want : "(none)", m, got);
		return QP_OK;
	}
	qp_personal pd;
	if ((err = qp_store_personal_get(store, got, &pd)) != QP_OK)
		return err;
	if (strcmp(pd.name, r->text[QP_ICOL_HOLDER_NAME]) != 0)
		qp_import_report(
		    run, r, r->name[QP_ICOL_HOLDER_NAME], r->text[QP_ICOL_HOLDER_NAME], QP_ECONFLICT, 0,
		    "conflict: legacy number %s is in the registry as %s (entry %llu), %s household %s, "
		    "whose head is registered under the name %s",
		    r->legacy_no, id, (unsigned long long)idx, what, got, pd.name);
	qp_personal_clear(&pd);
	return QP_OK;
}

/*
 * Compare the row with the cert.issue entry idx that brought its legacy
 * number in: the same legacy record, holder (through its household's
 * personal data, for a person), kind, area and home make it present
 * (*same = 1); every difference is reported as a conflict.
 */
static int compare(qp_import_run *run, qp_import_row *r, const char *id, uint64_t idx, int *same)
{
	char *note = NULL, *have_text = NULL, *want_text = NULL;
	size_t note_len = 0;
	qp_entry *e = NULL;
	int before = r->problems;
	int err = qp_store_entry_get(run->reg->store, idx, &note, &note_len);
	if (err == QP_OK)
		err = qp_entry_parse(&e, note, note_len);
	qp_free(note);
	if (err != QP_OK)
		return err == QP_ENOMEM
			   ? err
			   : qp_error_set(QP_ECORRUPT, "entry %llu is damaged", (unsigned long long)idx);
	*same = 0;
	const cJSON *have = cJSON_GetObjectItemCaseSensitive(e->body, "legacy");
	if (cJSON_IsObject(have)) {
		if ((err = qp_canon_encode(&have_text, NULL, have)) != QP_OK ||
		    (err = qp_canon_encode(&want_text, NULL, r->legacy)) != QP_OK)
			goto done;
		if (strcmp(have_text, want_text) != 0) {
			for (const cJSON *m = have->child; m; m = m->next)
				if (!cJSON_Compare(m, cJSON_GetObjectItemCaseSensitive(r->legacy, m->string),
						   1))
					conflict(run, r, id, idx, m->string, m,
						 cJSON_GetObjectItemCaseSensitive(r->legacy, m->string));
			for (const cJSON *m = r->legacy->child; m; m = m->next)
				if (!cJSON_GetObjectItemCaseSensitive(have, m->string))
					conflict(run, r, id, idx, m->string, NULL, m);
		}
	}
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(e->body, "kind");
	int same_kind = cJSON_IsString(k) && strcmp(k->valuestring, qp_cert_kind_name(r->kind)) == 0;
	/* Of another kind, the certificate's holder means something else: the kind is the conflict. */
	if (same_kind && !r->holder_is_village && (err = compare_holder(run, r, id, idx, e)) != QP_OK)
		goto done;
	if (r->problems == before) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(e->body, "holder");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(e->body, "area");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(e->body, r->parcel[0] ? "parcel" : "home");
		const char *from = r->parcel[0] ? r->parcel : r->unit;
		char area[32];
		qp_ids_format_hundredths(area, sizeof(area), cJSON_IsNumber(a) ? (int64_t)a->valuedouble : 0);
		if (!same_kind)
			qp_import_report(
			    run, r, r->name[QP_ICOL_TYPE], r->text[QP_ICOL_TYPE], QP_ECONFLICT, 0,
			    "conflict: legacy number %s is in the registry as %s (entry %llu), a %s "
			    "certificate",
			    r->legacy_no, id, (unsigned long long)idx,
			    cJSON_IsString(k) ? k->valuestring : "?");
		/* A collective ticket is the village's; a person's holder was compared above. */
		else if (r->kind == QP_CERT_COLLECTIVE &&
			 (!cJSON_IsString(h) || strcmp(h->valuestring, r->village) != 0))
			qp_import_report(
			    run, r, r->name[QP_ICOL_VILLAGE], r->text[QP_ICOL_VILLAGE], QP_ECONFLICT, 0,
			    "conflict: legacy number %s is in the registry as %s (entry %llu), held by %s",
			    r->legacy_no, id, (unsigned long long)idx,
			    cJSON_IsString(h) ? h->valuestring : "(none)");
		if (!cJSON_IsNumber(a) || (int64_t)a->valuedouble != r->area)
			qp_import_report(
			    run, r, r->name[QP_ICOL_AREA], r->text[QP_ICOL_AREA], QP_ECONFLICT, 0,
			    "conflict: legacy number %s is in the registry as %s (entry %llu) with %s m²",
			    r->legacy_no, id, (unsigned long long)idx, area);
		if (!cJSON_IsString(u) || strcmp(u->valuestring, from) != 0)
			qp_import_report(
			    run, r, r->name[QP_ICOL_UNIT], r->text[QP_ICOL_UNIT], QP_ECONFLICT, 0,
			    "conflict: legacy number %s is in the registry as %s (entry %llu) from %s %s",
			    r->legacy_no, id, (unsigned long long)idx,
			    r->parcel[0] ? "reclaimed parcel" : "home",
			    cJSON_IsString(u) ? u->valuestring : "(none)");
	}
	*same = r->problems == before;
done:
	qp_free(have_text);
	qp_free(want_text);
	qp_entry_free(e);
	return err;
}

/* ---- step 3: the day and the registry's state ---------------------------------------------------- */

static const char *implied_state(qp_cert_kind kind)
{
	return kind == QP_CERT_GUARANTEE   ? "withdrawn"
	       : kind == QP_CERT_RETENTION ? "demolished"
					   : "reclaimed";
}

static void warn(qp_import_plan *p, const char *column, const char *value, const char *fmt, ...)
    QP_PRINTF(4, 5);
static void warn(qp_import_plan *p, const char *column, const char *value, const char *fmt, ...)
{
	va_list ap;
	if (p->nwarn == 2)
		return;
	p->warn[p->nwarn].column = column;
	p->warn[p->nwarn].value = value;
	va_start(ap, fmt);
	vsnprintf(p->warn[p->nwarn].reason, sizeof(p->warn[p->nwarn].reason), fmt, ap);
	va_end(ap);
	p->nwarn++;
}

/* The home: registered in a state that fits the row, moved on to reclaimed, or added. */
static int plan_home(qp_import_run *run, qp_import_row *r, qp_import_plan *p, const cJSON *policy)
{
	qp_store *store = run->reg->store;
	const char *unit_col = r->name[QP_ICOL_UNIT], *unit_text = r->text[QP_ICOL_UNIT];
	char m[QP_RESIDENT_ID_LEN + 1], path[16];
	qp_home h;
	int err = qp_store_home_get(store, r->unit, &h);
	if (err == QP_OK) {
		if (strcmp(h.village, r->village) != 0)
			qp_import_report(run, r, r->name[QP_ICOL_VILLAGE], r->text[QP_ICOL_VILLAGE],
					 QP_EINVALID, 0, "home %s is in village %s", r->unit, h.village);
		if (!r->holder_is_village && strcmp(h.household, p->household) != 0) {
			qp_ids_mask_resident(m, r->holder_id);
			qp_import_report(
			    run, r, r->name[QP_ICOL_HOLDER_ID], r->text[QP_ICOL_HOLDER_ID], QP_EINVALID, 0,
			    "home %s belongs to household %s, not to the household of ID number %s", r->unit,
			    h.household, m);
		}
		if ((err = qp_store_home_exit_path(store, r->unit, path)) != QP_OK)
			return err;
		int fits = r->kind == QP_CERT_GUARANTEE
			       ? h.status == QP_HOME_WITHDRAWN ||
				     (h.status == QP_HOME_RECLAIMED && strcmp(path, "withdrawn") == 0)
			   : r->kind == QP_CERT_RETENTION
			       ? h.status == QP_HOME_DEMOLISHED ||
				     (h.status == QP_HOME_RECLAIMED && strcmp(path, "demolished") == 0)
			       : h.status == QP_HOME_RECLAIMED;
		if (r->kind == QP_CERT_COLLECTIVE &&
		    (h.status == QP_HOME_WITHDRAWN || h.status == QP_HOME_DEMOLISHED)) {
			/* A land ticket is the evidence that the land was reclaimed. */
			p->steps[p->nsteps++] = "reclaimed";
		} else if (!fits) {
			warn(
			    p, unit_col, unit_text,
			    "warning: home %s is %s in the registry; a %s record implies %s: the certificate "
			    "is issued and the home's status is left as it is",
			    r->unit, qp_home_status_name(h.status), r->text[QP_ICOL_TYPE],
			    implied_state(r->kind));
		}
		return QP_OK;
	}
	if (err != QP_ENOTFOUND)
		return err;
	if (r->holder_is_village) {
		qp_import_report(
		    run, r, unit_col, unit_text, QP_EINVALID, 0,
		    "is not registered; to add the home the row needs the household's resident ID in %s",
		    r->name[QP_ICOL_HOLDER_ID]);
		return QP_OK;
	}
	/* The state before the exit is not in the legacy record: the path's first state is entered. */
	p->home_state = r->kind == QP_CERT_RETENTION ? "dilapidated" : "idle";
	if (r->kind == QP_CERT_RETENTION) {
		p->steps[p->nsteps++] = "demolished";
	} else {
		uint64_t live = 0;
		if (!p->add_household &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(policy, "one_household_one_home"))) {
			if ((err = qp_store_household_live_homes(store, p->household, &live)) != QP_OK)
				return err;
		}
		if (live > 0) {
			/* Entering it idle would break one household, one homestead for a moment. */
			p->home_state = "dilapidated";
			qp_ids_mask_resident(m, r->holder_id);
			warn(p, unit_col, unit_text,
			     "warning: household %s (ID number %s) holds a home in use, idle or activated; "
			     "home %s "
			     "is entered as dilapidated before its withdrawal (一户一宅)",
			     p->household, m, r->unit);
		}
		p->steps[p->nsteps++] = "withdrawn";
		if (r->kind == QP_CERT_COLLECTIVE)
			p->steps[p->nsteps++] = "reclaimed";
	}
	return QP_OK;
}

/* Reclaimed land with no home on it: registered already, in the row's village, or registered by the row. */
static int plan_parcel(qp_import_run *run, qp_import_row *r, qp_import_plan *p)
{
	qp_store_parcel land;
	int err = qp_store_parcel_get(run->reg->store, r->parcel, &land);
	if (err == QP_ENOTFOUND) {
		p->add_parcel = 1;
		return QP_OK;
	}
	if (err == QP_OK && strcmp(land.village, r->village) != 0)
		qp_import_report(run, r, r->name[QP_ICOL_VILLAGE], r->text[QP_ICOL_VILLAGE], QP_EINVALID, 0,
				 "reclaimed parcel %s is in village %s", r->parcel, land.village);
	return err;
}

/*
 * The checks that depend on the day and the registry's state, then the
 * plan of the row's entries.  A row with problems in its values gets the
 * checks whose values passed (so that every problem of a row is reported
 * at once), and no plan.
 */
static int plan_row(qp_import_run *run, qp_import_row *r, qp_import_plan *p, const char *today)
{
	qp_store *store = run->reg->store;
	const cJSON *policy;
	int err;
	if ((err = qp_registry_policy_params(run->reg, &policy)) != QP_OK)
		return err;
	const cJSON *kp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(policy, "kinds"),
							   qp_cert_kind_name(r->kind));
	/* A collective ticket is the village's; a household's number is set once it is known. */
	if (r->kind == QP_CERT_COLLECTIVE)
		snprintf(p->holder, sizeof(p->holder), "%s", r->village);

	/* Dates: not in the future; a live ticket not past its validity. */
	if (r->ok[QP_ICOL_ISSUED_ON] && strcmp(r->issued_on, today) > 0)
		qp_import_report(run, r, r->name[QP_ICOL_ISSUED_ON], r->text[QP_ICOL_ISSUED_ON], QP_EINVALID,
				 0, "is in the future (today is %s)", today);
	const cJSON *years = cJSON_GetObjectItemCaseSensitive(kp, "validity_years");
	qp_import_col vcol = QP_ICOL_VALID_UNTIL;
	if (r->valid_until[0]) {
		snprintf(p->valid_until, sizeof(p->valid_until), "%s", r->valid_until);
	} else if (r->ok[QP_ICOL_TYPE] && r->ok[QP_ICOL_ISSUED_ON] && cJSON_IsNumber(years) &&
		   years->valuedouble > 0) {
		qp_certrules_add_years(p->valid_until, r->issued_on, (int64_t)years->valuedouble);
		vcol = QP_ICOL_ISSUED_ON;
	}
	if (p->valid_until[0] && strcmp(p->valid_until, today) < 0) {
		if (r->ok[QP_ICOL_STATUS] && r->outcome == QP_IMPORT_LIVE)
			qp_import_report(
			    run, r, r->name[vcol], r->text[vcol], QP_EINVALID, 0,
			    "the ticket expired on %s; an expired ticket cannot be imported as live (%s)",
			    p->valid_until, r->text[QP_ICOL_STATUS]);
		/* Spent or revoked at once: its past validity stays in body.legacy. */
		p->valid_until[0] = '\0';
	}
	if (r->ok[QP_ICOL_TYPE] && r->ok[QP_ICOL_STATUS] && r->outcome == QP_IMPORT_REDEEMED) {
		const char *purpose = qp_import_map_purpose(run->map, r->kind);
		const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(kp, "redeem"), 0);
		if (purpose == NULL && cJSON_IsString(first))
			purpose = first->valuestring;
		if (purpose == NULL)
			qp_import_report(run, r, r->name[QP_ICOL_STATUS], r->text[QP_ICOL_STATUS],
					 QP_EINVALID, 0,
					 "the policy names no redemption purpose for %s certificates",
					 qp_cert_kind_name(r->kind));
		else
			snprintf(p->purpose, sizeof(p->purpose), "%s", purpose);
	}

	/* The village must be registered; the household is added if it is new. */
	if (!r->ok[QP_ICOL_VILLAGE])
		return QP_OK;
	qp_village v;
	err = qp_store_village_get(store, r->village, &v);
	if (err == QP_ENOTFOUND) {
		qp_import_report(run, r, r->name[QP_ICOL_VILLAGE], r->text[QP_ICOL_VILLAGE], QP_EINVALID, 0,
				 "unknown village %s (add it with village add)", r->village);
		return QP_OK;
	}
	if (err != QP_OK)
		return err;
	qp_village_clear(&v);
	if (r->ok[QP_ICOL_HOLDER_ID] && !r->holder_is_village) {
		/* The household by its head's ID number, through the personal data beside the log. */
		qp_household h;
		err = qp_store_household_find(store, r->holder_id, p->household);
		if (err == QP_ENOTFOUND) {
			p->add_household = 1;
		} else if (err != QP_OK || (err = qp_store_household_get(store, p->household, &h)) != QP_OK) {
			return err;
		} else {
			char m[QP_RESIDENT_ID_LEN + 1];
			qp_ids_mask_resident(m, r->holder_id);
			if (r->kind != QP_CERT_COLLECTIVE)
				snprintf(p->holder, sizeof(p->holder), "%s", p->household);
			if (r->ok[QP_ICOL_HOLDER_NAME] && h.name &&
			    strcmp(h.name, r->text[QP_ICOL_HOLDER_NAME]) != 0)
				qp_import_report(
				    run, r, r->name[QP_ICOL_HOLDER_NAME], r->text[QP_ICOL_HOLDER_NAME],
				    QP_EINVALID, 0,
				    "household %s (ID number %s) is registered under the name %s",
				    p->household, m, h.name);
			if (strcmp(h.village, r->village) != 0)
				qp_import_report(run, r, r->name[QP_ICOL_VILLAGE], r->text[QP_ICOL_VILLAGE],
						 QP_EINVALID, 0,
						 "household %s (ID number %s) belongs to village %s",
						 p->household, m, h.village);
			qp_household_clear(&h);
		}
	}
	if (r->problems)
		return QP_OK;
	return r->parcel[0] ? plan_parcel(run, r, p) : plan_home(run, r, p, policy);
}

/* ---- a row ----------------------------------------------------------------------------------------- */

int qp_import_run_header(qp_import_run *run, const qp_import_record *rec)
{
	char missing[512] = "";
	size_t used = 0;
	if (rec->malformed)
		return qp_error_set(QP_EINVALID, "line %llu: the header row: %s",
				    (unsigned long long)rec->line, rec->malformed);
	run->ncols = rec->nfields;
	for (size_t i = 0; i < rec->nfields; i++) {
		char name[128];
		char whybuf[96];
		const char *why = bad_text(whybuf, sizeof(whybuf), rec->values[i]);
		if (why)
			return qp_error_set(QP_EINVALID,
					    "line %llu: header column %zu %s; is the encoding right?",
					    (unsigned long long)rec->line, i + 1, why);
		if (qp_import_trim(name, sizeof(name), rec->values[i]) != QP_OK ||
		    strlen(name) > QP_LEGACY_KEY_MAX_LEN || strpbrk(name, "\n\t"))
			return qp_error_set(QP_EINVALID,
					    "line %llu: header column %zu: a column name is 1 to %d bytes "
					    "of text on one line",
					    (unsigned long long)rec->line, i + 1, QP_LEGACY_KEY_MAX_LEN);
		if (name[0] == '\0')
			snprintf(name, sizeof(name), "column %zu", i + 1);
		if ((run->col_names[i] = qp_strdup(name)) == NULL)
			return QP_ENOMEM;
		run->cols[i] = qp_import_map_column(run->map, name);
		for (size_t j = 0; j < i; j++)
			if ((run->cols[i] != QP_ICOL_UNKNOWN && run->cols[j] == run->cols[i]) ||
			    strcmp(run->col_names[j], name) == 0)
				return qp_error_set(
				    QP_EINVALID, "line %llu: header: columns %s and %s are both %s",
				    (unsigned long long)rec->line, run->col_names[j], name,
				    run->cols[i] != QP_ICOL_UNKNOWN ? qp_import_col_name(run->cols[i])
								    : name);
	}
	for (int c = 0; c < QP_ICOL_COUNT; c++) {
		int have = 0;
		for (size_t i = 0; i < run->ncols; i++)
			have |= run->cols[i] == (qp_import_col)c;
		if (!have && qp_import_col_required((qp_import_col)c)) {
			int w = snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? ", " : "",
					 qp_import_col_name((qp_import_col)c));
			if (w > 0 && (size_t)w < sizeof(missing) - used)
				used += (size_t)w;
		}
	}
	run->have_header = 1;
	if (used)
		return qp_error_set(QP_EINVALID,
				    "line %llu: the header has no column for %s (see the mapping)",
				    (unsigned long long)rec->line, missing);
	return QP_OK;
}

int qp_import_run_row(qp_import_run *run, const qp_import_record *rec, qp_import_fate *fate,
		      uint64_t *entries)
{
	qp_import_row r;
	qp_import_plan p;
	char id[QP_CERT_ID_LEN + 1], today[QP_TIME_LEN + 1];
	uint64_t idx = 0, first = 0;
	int err, same = 0;
	memset(&r, 0, sizeof(r));
	memset(&p, 0, sizeof(p));
	r.line = rec->line;
	*fate = QP_IMPORT_ROW_REJECTED;
	*entries = 0;
	if ((err = collect(run, rec, &r)) != QP_OK)
		goto done;
	if (r.blank && !rec->malformed) {
		*fate = QP_IMPORT_ROW_BLANK;
		goto done;
	}
	if (rec->malformed) {
		/* Its fields are not what the header says: one message, not one per column. */
		qp_import_report(run, &r, "", "", QP_EINVALID, 0, "%s", rec->malformed);
		goto done;
	}
	check_values(run, &r);
	if (r.legacy_no[0]) {
		if ((err = qp_store_seen_add(run->seen, r.legacy_no, r.line, &first)) != QP_OK)
			goto done;
		if (first != r.line)
			qp_import_report(run, &r, r.name[QP_ICOL_LEGACY_NO], r.legacy_raw, QP_ECONFLICT, 0,
					 "duplicate: line %llu has the same legacy number",
					 (unsigned long long)first);
	}
	qp_time_format(today, qp_clock_now());
	today[10] = '\0';
	if (r.problems) {
		/* What the registry says of the values that passed, too: every problem at once. */
		err = plan_row(run, &r, &p, today);
		goto done;
	}
	if ((err = legacy_record(&r)) != QP_OK)
		goto done;
	err = qp_store_cert_by_legacy(run->reg->store, r.legacy_no, id, &idx);
	if (err == QP_OK) {
		if ((err = compare(run, &r, id, idx, &same)) == QP_OK && same)
			*fate = QP_IMPORT_ROW_PRESENT;
		goto done;
	}
	if (err != QP_ENOTFOUND)
		goto done;
	if ((err = plan_row(run, &r, &p, today)) != QP_OK || r.problems)
		goto done;
	err = qp_import_row_apply(run, &r, &p, fate, entries);
done:
	if (err == QP_OK && run->stop != QP_OK)
		err = run->stop;
	qp_personal_clear(&p.pd);
	cJSON_Delete(r.legacy);
	qp_free(r.arena);
	return err;
}
