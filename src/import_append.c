/*
 * import_append.c - a checked legacy row brought into the registry
 * (import_row.h): its entries built from the row and its plan, numbered,
 * written as texts, applied by the registry's rules as one unit (a refusal
 * undoes the whole row), then added to the window whose notes are signed
 * and put into the log together (import_window.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "entry.h"
#include "error.h"
#include "import_row.h"
#include "quanpiao/schema.h"
#include "registry_internal.h"
#include "store_log.h"

/* The limits of the bodies built here are the schema's (quanpiao/schema.h). */
#define NOTE_BUF 1024 /* room for a reason or note the import writes, cut to its member's limit */

/* Cut s to at most max bytes without splitting a UTF-8 character. */
static void utf8_cut(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	s[n] = '\0';
}

/* Text for a note or reason (out holds max + 1 bytes): line breaks and tabs become spaces. */
/* The limit of the text member of entry type, from the schema. */
static size_t text_max(const char *type, const char *member)
{
	int64_t max = 0;
	return qp_schema_limits(type, member, NULL, &max) == QP_OK ? (size_t)max : 0;
}

/* Format into out (out_len bytes), line breaks as spaces, cut at max bytes on a UTF-8 boundary. */
static void note_text(char *out, size_t out_len, size_t max, const char *fmt, ...) QP_PRINTF(4, 5);
static void note_text(char *out, size_t out_len, size_t max, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *c = text; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	utf8_cut(text, max < out_len ? max : out_len - 1);
	memcpy(out, text, strlen(text) + 1);
}

/* The column a refusal by the registry's rules is about. */
static qp_import_col refusal_column(const char *type, const char *msg)
{
	if (strcmp(type, "household.add") == 0)
		return QP_ICOL_HOLDER_ID;
	if (strncmp(type, "home.", 5) == 0 || strcmp(type, "parcel.add") == 0)
		return QP_ICOL_UNIT;
	if (strcmp(type, "cert.issue") == 0)
		return strstr(msg, "valid_until") ? QP_ICOL_VALID_UNTIL : QP_ICOL_AREA;
	return QP_ICOL_STATUS;
}

static cJSON *object(void)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		qp_error_set(QP_ENOMEM, "out of memory building an entry");
	return o;
}

/* Add members to o; QP_ENOMEM if any could not be. */
static int add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v) ? QP_OK
						: qp_error_set(QP_ENOMEM, "out of memory building an entry");
}

static int add_num(cJSON *o, const char *k, int64_t v)
{
	return cJSON_AddNumberToObject(o, k, (double)v)
		   ? QP_OK
		   : qp_error_set(QP_ENOMEM, "out of memory building an entry");
}

/* Build entry n of the row's plan into *out (NULL when the plan has no entry n). */
static int build(qp_import_run *run, qp_import_row *r, qp_import_plan *p, size_t n, const char *cert,
		 const char **type, cJSON **out)
{
	char text[NOTE_BUF];
	cJSON *b = NULL;
	int err = QP_OK;
	size_t at = 0;
	*out = NULL;
	if (p->add_household && n == at++) {
		/* No ID number, no name: the commitment to them (fresh salt); the data goes beside the log.
		 */
		char commitment[QP_COMMITMENT_LEN + 1];
		*type = "household.add";
		if ((err = qp_personal_init_as(&p->pd, r->holder_id, r->text[QP_ICOL_HOLDER_NAME],
					       r->name[QP_ICOL_HOLDER_ID], r->name[QP_ICOL_HOLDER_NAME])) !=
			QP_OK ||
		    (err = qp_personal_commit(commitment, &p->pd)) != QP_OK)
			goto fail;
		if ((b = object()) == NULL || (err = add_str(b, "commitment", commitment)) != QP_OK ||
		    (err = add_num(b, "members", 1)) != QP_OK ||
		    (err = add_str(b, "village", r->village)) != QP_OK)
			goto fail;
	} else if (p->home_state && n == at++) {
		*type = "home.add";
		if ((b = object()) == NULL || (err = add_str(b, "household", p->household)) != QP_OK ||
		    (err = add_num(b, "land_area", r->land_area > 0 ? r->land_area : r->area)) != QP_OK ||
		    (err = add_str(b, "status", p->home_state)) != QP_OK ||
		    (err = add_str(b, "unit", r->unit)) != QP_OK ||
		    (err = add_str(b, "village", r->village)) != QP_OK)
			goto fail;
	} else if (n < (at += p->nsteps)) {
		*type = "home.status";
		note_text(text, sizeof(text), text_max("home.status", "reason"), "legacy import: %s %s (%s)",
			  r->name[QP_ICOL_LEGACY_NO], r->legacy_no, r->text[QP_ICOL_TYPE]);
		if ((b = object()) == NULL || (err = add_str(b, "reason", text)) != QP_OK ||
		    (err = add_str(b, "status", p->steps[n - (at - p->nsteps)])) != QP_OK ||
		    (err = add_str(b, "unit", r->unit)) != QP_OK)
			goto fail;
	} else if (p->add_parcel && n == at++) {
		/* The area the file gives for the land, or the ticket's: what certificates from it may reach.
		 */
		*type = "parcel.add";
		if ((b = object()) == NULL ||
		    (err = add_num(b, "land_area", r->land_area > 0 ? r->land_area : r->area)) != QP_OK ||
		    (err = add_str(b, "parcel", r->parcel)) != QP_OK ||
		    (err = add_str(b, "state", "reclaimed")) != QP_OK ||
		    (err = add_str(b, "village", r->village)) != QP_OK)
			goto fail;
	} else if (n == at++) {
		*type = "cert.issue";
		/* The row's legacy record moves into the body: built once, a row needs it no more. */
		if ((b = object()) == NULL || r->legacy == NULL ||
		    !cJSON_AddItemToObject(b, "legacy", r->legacy)) {
			err = qp_error_set(QP_ENOMEM, "out of memory building an entry");
			goto fail;
		}
		r->legacy = NULL;
		if ((err = add_num(b, "area", r->area)) != QP_OK ||
		    (err = add_str(b, "basis", "legacy")) != QP_OK ||
		    (err = add_str(b, "holder", p->holder)) != QP_OK ||
		    (!r->parcel[0] && (err = add_str(b, "home", r->unit)) != QP_OK) ||
		    (err = add_str(b, "kind", qp_cert_kind_name(r->kind))) != QP_OK ||
		    (err = add_str(b, "legacy_no", r->legacy_no)) != QP_OK ||
		    (r->parcel[0] && (err = add_str(b, "parcel", r->parcel)) != QP_OK) ||
		    (p->valid_until[0] && (err = add_str(b, "valid_until", p->valid_until)) != QP_OK))
			goto fail;
	} else if (r->outcome != QP_IMPORT_LIVE && n == at++) {
		const char *note = r->text[QP_ICOL_NOTE];
		note_text(text, sizeof(text),
			  text_max(r->outcome == QP_IMPORT_REDEEMED ? "cert.redeem" : "cert.revoke",
				   r->outcome == QP_IMPORT_REDEEMED ? "note" : "reason"),
			  "legacy import: %s %s was %s in the legacy system%s%s%s%s",
			  r->name[QP_ICOL_LEGACY_NO], r->legacy_no, r->text[QP_ICOL_STATUS], note ? "; " : "",
			  note ? r->name[QP_ICOL_NOTE] : "", note ? ": " : "", note ? note : "");
		if ((b = object()) == NULL || (err = add_str(b, "cert", cert)) != QP_OK)
			goto fail;
		if (r->outcome == QP_IMPORT_REDEEMED) {
			*type = "cert.redeem";
			if ((err = add_num(b, "area", r->area)) != QP_OK ||
			    (err = add_str(b, "note", text)) != QP_OK ||
			    (err = add_str(b, "purpose", p->purpose)) != QP_OK)
				goto fail;
		} else {
			*type = "cert.revoke";
			if ((err = add_str(b, "reason", text)) != QP_OK)
				goto fail;
		}
	}
	*out = b;
	return QP_OK;
fail:
	cJSON_Delete(b);
	return err ? err : QP_ENOMEM;
}

/*
 * Apply the row's entries as one unit; a refusal undoes them all and
 * rejects the row.  All the entries are built (and the certificate
 * numbered) before the first is applied; once all are applied the row
 * joins the window, whose texts the signing thread signs while this
 * thread applies the rows after it.
 */
int qp_import_row_apply(qp_import_run *run, qp_import_row *r, qp_import_plan *p, qp_import_fate *fate,
			uint64_t *entries)
{
	qp_store *store = run->reg->store;
	const char *types[QP_IMPORT_MAX_ENTRIES];
	const qp_personal *pds[QP_IMPORT_MAX_ENTRIES] = {NULL}; /* the personal data an entry commits to */
	cJSON *bodies[QP_IMPORT_MAX_ENTRIES] = {NULL};
	char *texts[QP_IMPORT_MAX_ENTRIES] = {NULL}, cert[QP_CERT_ID_LEN + 1] = "", when[QP_TIME_LEN + 1];
	size_t lens[QP_IMPORT_MAX_ENTRIES], n = 0, applied = 0;
	int err = QP_OK, savepoint = 0;
	int64_t now = qp_clock_now();
	qp_time_format(when, now);
	/*
	 * Every entry of a window names the log's state at the window's start
	 * (docs/format.md), the freshest state whose signatures are made: the
	 * first row of a window reads it.
	 */
	if (run->npending == 0)
		err = qp_registry_log_state(&run->log, run->reg);
	uint64_t size = run->log.size + run->npending; /* the index of the row's first entry */
	for (size_t i = 0; err == QP_OK; i++) {
		cJSON *body = NULL;
		if ((err = build(run, r, p, i, cert, &types[n], &body)) != QP_OK || body == NULL)
			break;
		if (n == QP_IMPORT_MAX_ENTRIES)
			err = qp_error_set(QP_EINTERNAL, "import: a row of more than %d entries",
					   QP_IMPORT_MAX_ENTRIES);
		if (err == QP_OK && strcmp(types[n], "cert.issue") == 0) {
			/* The row's earlier entries create no certificate: the number is the next one now. */
			err = qp_registry_number_certs(run->reg, types[n], body, now);
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(body, "id");
			if (err == QP_OK && cJSON_IsString(id))
				snprintf(cert, sizeof(cert), "%s", id->valuestring);
		}
		/* A row adds at most one household: its number is the next one now, and names it after. */
		if (err == QP_OK && strcmp(types[n], "household.add") == 0 &&
		    (err = qp_registry_number_certs(run->reg, types[n], body, now)) == QP_OK) {
			const cJSON *number = cJSON_GetObjectItemCaseSensitive(body, "number");
			snprintf(p->household, sizeof(p->household), "%s",
				 cJSON_IsString(number) ? number->valuestring : "");
			if (r->kind != QP_CERT_COLLECTIVE)
				snprintf(p->holder, sizeof(p->holder), "%s", p->household);
			pds[n] = &p->pd;
		}
		if (err == QP_OK &&
		    (err = qp_entry_text(&texts[n], &lens[n], qp_registry_origin(run->reg), types[n],
					 qp_key_name(run->officer), when, &run->log, body)) == QP_OK)
			bodies[n++] = body;
		else
			cJSON_Delete(body);
	}
	if (err == QP_EINVALID && n < QP_IMPORT_MAX_ENTRIES) {
		/* An entry the row's values cannot make (nothing of the row applied yet): the row is
		 * rejected. */
		const char *msg = qp_error_last()->message, *name = r->name[QP_ICOL_HOLDER_NAME];
		qp_import_col c =
		    strcmp(types[n], "household.add") == 0 && strncmp(msg, name, strlen(name)) == 0
			? QP_ICOL_HOLDER_NAME
			: refusal_column(types[n], msg);
		qp_import_report(run, r, r->name[c], r->text[c] ? r->text[c] : "", err, 0, "%s", msg);
		*fate = QP_IMPORT_ROW_REJECTED;
		err = QP_OK;
		goto done;
	}
	/* 1: the row's own savepoint; 2: the batch undoes it (qp_import_undo_batch). */
	if (err == QP_OK && run->by_batch)
		savepoint = 2;
	else if (err == QP_OK && (err = qp_store_savepoint(store)) == QP_OK)
		savepoint = 1;
	while (err == QP_OK && applied < n) {
		qp_entry e;
		memset(&e, 0, sizeof(e));
		e.type = types[applied];
		e.signer = qp_key_name(run->officer);
		e.origin = qp_registry_origin(run->reg);
		e.time = when;
		e.unix_time = now;
		e.body = bodies[applied];
		e.log = run->log;
		e.key_id = qp_key_id(run->officer);
		if ((err = qp_import_rules_built(run, &e, size + applied, pds[applied])) == QP_OK)
			applied++;
	}
	if (savepoint && applied < n && (err == QP_EINVALID || err == QP_ECONFLICT || err == QP_ENOTFOUND)) {
		/* A refusal by the registry's rules (entry `applied`): the row is rejected, nothing of it
		 * kept. */
		qp_import_col c = refusal_column(types[applied], qp_error_last()->message);
		if (savepoint == 1)
			qp_store_rollback_to(store);
		qp_import_report(run, r, r->name[c], r->text[c] ? r->text[c] : "", err, 0, "%s",
				 qp_error_last()->message);
		*fate = QP_IMPORT_ROW_REJECTED;
		err = QP_OK;
		/* The window's rows are kept first: they are the batch's rows applied again. */
		if (savepoint == 2 && (err = qp_import_window_flush(run, QP_IMPORT_FLUSH_KEEP)) == QP_OK)
			err = qp_import_undo_batch(run);
		savepoint = 0;
	} else if (err != QP_OK) {
		/* Without a savepoint the import stops and rolls the whole batch back. */
		if (savepoint == 1)
			qp_store_rollback_to(store);
		savepoint = 0;
	}
	if (savepoint && (savepoint == 2 || (err = qp_store_release(store)) == QP_OK) &&
	    (err = qp_import_window_add(run, texts, lens, types, pds, n, when)) == QP_OK) {
		for (size_t i = 0; i < p->nwarn; i++)
			qp_import_report(run, r, p->warn[i].column, p->warn[i].value, QP_OK, 1, "%s",
					 p->warn[i].reason);
		*fate = QP_IMPORT_ROW_IMPORTED;
		*entries = n;
		if (run->npending >= QP_IMPORT_WINDOW)
			err = qp_import_window_flush(run, QP_IMPORT_FLUSH_LOG |
							      (run->by_batch ? QP_IMPORT_FLUSH_KEEP : 0));
	}
done:
	for (size_t i = 0; i < n; i++) {
		qp_free(texts[i]);
		cJSON_Delete(bodies[i]);
	}
	return err;
}
