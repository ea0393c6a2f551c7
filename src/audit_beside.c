/*
 * audit_beside.c - the audit of what a registry file keeps beside its log:
 * the personal data and the access record (audit_beside.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "access_internal.h"
#include "audit_beside.h"
#include "error.h"
#include "quanpiao/personal.h"
#include "store_access.h"
#include "store_audit.h"

/* ---- the personal data beside the log -------------------------------------------------------- */

/*
 * The personal-data tables are not derived from the log, so the table
 * comparison leaves them out; the log commits to them instead.  Each row
 * is checked against its owner as the replay has it (the log's word:
 * a households row whose commitment was altered is a finding of the
 * comparison, and a rebuild repairs it), its values by the rules of
 * quanpiao/personal.h, and its commitment recomputed.  The whole of both
 * tables is read, by the incremental audit too: a row is changed without
 * any entry, and the check costs one SHA-256 per row.
 */
/* The findings of one check beside the log (the personal data here, the access record below). */
typedef struct beside_check {
	const qp_beside *a;
	unsigned reported; /* findings passed on (at most QP_AUDIT_REPORT_LIMIT per check) */
	uint64_t more;	   /* findings past the limit, counted only */
	uint64_t *kind;	   /* the result's count of such findings: personal, or access */
} beside_check;

static void beside_problem(beside_check *pc, const char *where, const char *what)
{
	const qp_beside *a = pc->a;
	(*pc->kind)++;
	if (pc->reported++ < QP_AUDIT_REPORT_LIMIT) {
		a->problem(a->ctx, where, what);
		return;
	}
	a->res->problems++;
	pc->more++;
}

/* Say how many findings of one check were not listed; start the next check's count. */
static void beside_more(beside_check *pc, const char *table)
{
	if (pc->more > 0 && pc->a->note) {
		char what[96];
		snprintf(what, sizeof(what), "%llu more problems like these", (unsigned long long)pc->more);
		pc->a->note(pc->a->ctx, table, what);
	}
	pc->reported = 0;
	pc->more = 0;
}

/* A stored value as a C string in buf (at most len - 1 bytes: a longer one is cut, and fails its rules). */
static void stored_text(char *buf, size_t len, const unsigned char *v, size_t n)
{
	size_t k = v ? (n < len - 1 ? n : len - 1) : 0;
	if (k)
		memcpy(buf, v, k);
	buf[k] = '\0';
}

static int check_personal_row(void *ctx, const qp_store_personal_row *r)
{
	beside_check *pc = ctx;
	char where[128], what[1200];
	const char *whose = r->investor ? "the investor's personal data" : "personal data";
	const char *entry = r->investor ? "home.activate" : "household.add";
	pc->a->res->personal_rows++;
	if (r->investor && r->unit)
		snprintf(where, sizeof(where), "home %s, activation of entry %lld", r->unit,
			 (long long)r->activation);
	else if (r->investor)
		snprintf(where, sizeof(where), "activation of entry %lld", (long long)r->activation);
	else
		snprintf(where, sizeof(where), "household %s", r->household ? r->household : "?");
	if (!r->owned) {
		snprintf(what, sizeof(what), "%s is in the file, but the log creates no such %s", whose,
			 r->investor ? "activation" : "household");
		beside_problem(pc, where, what);
		return QP_OK;
	}
	if (r->erased) {
		snprintf(what, sizeof(what),
			 "%s is still in the file, though entry %llu (household.erase) erased it", whose,
			 (unsigned long long)r->erased_idx);
		beside_problem(pc, where, what);
		return QP_OK;
	}
	if (r->commitment == NULL) {
		snprintf(what, sizeof(what), "%s is in the file, but entry %llu (%s) commits to no person",
			 whose, (unsigned long long)r->added_idx, entry);
		beside_problem(pc, where, what);
		return QP_OK;
	}
	/* The values by their rules (quanpiao/personal.h); each finding names the field. */
	qp_personal p;
	char id[QP_RESIDENT_ID_LEN + 2], norm[QP_RESIDENT_ID_LEN + 1];
	memset(&p, 0, sizeof(p));
	stored_text(id, sizeof(id), r->id_number, r->id_len);
	int fits = r->id_text && r->id_len == strlen(id) && r->id_len <= QP_RESIDENT_ID_LEN;
	int id_ok = r->id_text && qp_ids_check_resident(norm, id, "ID number") == QP_OK;
	if (!id_ok) {
		if (!r->id_text)
			qp_error_set(QP_EINVALID, "ID number: must be text");
		snprintf(what, sizeof(what), "%s: %s", whose, qp_error_last()->message);
		beside_problem(pc, where, what);
	}
	if (!r->name_text || r->name_len > QP_NAME_MAX_LEN || r->name_len != strlen((const char *)r->name)) {
		snprintf(what, sizeof(what), "%s: name: must be text of 1 to %d bytes", whose,
			 QP_NAME_MAX_LEN);
		beside_problem(pc, where, what);
		fits = 0;
	}
	if (!r->salt_blob || r->salt_len != QP_SALT_LEN) {
		snprintf(what, sizeof(what), "%s: salt: must be %d bytes", whose, QP_SALT_LEN);
		beside_problem(pc, where, what);
		fits = 0;
	}
	if (fits) {
		memcpy(p.id_number, id, r->id_len + 1);
		memcpy(p.name, r->name, r->name_len);
		memcpy(p.salt, r->salt, QP_SALT_LEN);
		/* With the ID number sound, what qp_personal_check still finds is the name, or the 'x'. */
		if (id_ok && qp_personal_check(&p) != QP_OK) {
			snprintf(what, sizeof(what), "%s: %s", whose, qp_error_last()->message);
			beside_problem(pc, where, what);
		}
	}
	char have[QP_COMMITMENT_LEN + 1] = "";
	int err = fits ? qp_personal_commit(have, &p) : QP_OK;
	qp_personal_clear(&p);
	sodium_memzero(id, sizeof(id));
	if (err == QP_EINVALID) { /* values no commitment is made over (not UTF-8): they do not match */
		err = QP_OK;
		fits = 0;
	}
	if (err != QP_OK)
		return err;
	if (!fits || strcmp(have, r->commitment) != 0) {
		snprintf(what, sizeof(what),
			 "%s does not match its commitment in entry %llu (%s): its ID number, name or salt "
			 "was changed",
			 whose, (unsigned long long)r->added_idx, entry);
		beside_problem(pc, where, what);
	}
	return QP_OK;
}

static int check_personal_missing(void *ctx, const char *household, int64_t activation, const char *unit,
				  uint64_t added_idx)
{
	beside_check *pc = ctx;
	char where[128], what[256];
	if (household) {
		snprintf(where, sizeof(where), "household %s", household);
		snprintf(what, sizeof(what),
			 "personal data missing: the file holds no ID number or name for it, and no "
			 "household.erase "
			 "removed them (entry %llu committed to them)",
			 (unsigned long long)added_idx);
	} else {
		snprintf(where, sizeof(where), "home %s, activation of entry %lld", unit ? unit : "?",
			 (long long)activation);
		snprintf(what, sizeof(what),
			 "the investor's personal data missing: the file holds no ID number or name for the "
			 "person "
			 "the activation commits to");
	}
	beside_problem(pc, where, what);
	return QP_OK;
}

static int check_personal_duplicate(void *ctx, const char *id_number, const char *households)
{
	beside_check *pc = ctx;
	char where[256], what[160], masked[QP_RESIDENT_ID_LEN + 1];
	qp_ids_mask_resident(masked, id_number);
	snprintf(where, sizeof(where), "households %s", households);
	snprintf(what, sizeof(what),
		 "personal data: the same ID number %s heads each of them (one person heads one household)",
		 masked);
	beside_problem(pc, where, what);
	return QP_OK;
}

/*
 * Check the personal data of store (the registry's file) against the
 * households and activations of schema state ("replay": the audit's
 * replay, attached; "main": the store's own, as in a rebuilt registry).
 */
int qp_audit_personal(const qp_beside *a, qp_store *store, const char *state)
{
	beside_check pc = {a, 0, 0, &a->res->personal};
	int none = 0, err = qp_store_holds_no_personal_data(store, &none);
	a->res->no_personal_data = none;
	for (int investor = 0; err == QP_OK && investor < 2; investor++) {
		const char *table = investor ? "investor_data" : "personal_data";
		if ((err = qp_store_personal_each(store, state, investor, check_personal_row, &pc)) != QP_OK)
			break;
		beside_more(&pc, table);
		/* A mirror holds the log and nothing beside it. */
		if (!none && (err = qp_store_personal_missing(store, state, investor, check_personal_missing,
							      &pc)) != QP_OK)
			break;
		beside_more(&pc, table);
	}
	if (err == QP_OK &&
	    (err = qp_store_personal_duplicates(store, check_personal_duplicate, &pc)) == QP_OK)
		beside_more(&pc, "personal_data");
	return err;
}

/* ---- the access record beside the log ---------------------------------------------------------- */

/*
 * The access record is not derived from the log either.  Each row holds
 * its chain (access_internal.h): the hash of its fields and the chain of
 * the row before.  Every row is read, its id checked to follow the one
 * before and its chain recomputed from the stored chain of the row before,
 * so that an edit made by hand is named where it is.  An insider who also
 * chains the rows again leaves them consistent: the checkpoints are what
 * catch that, as each signed checkpoint commits to the chain of the
 * record's first n rows (qp_audit_access_line).  Rows that no checkpoint covers can
 * be removed from the end without a trace, as the log's own tail can.
 */
typedef struct access_walk {
	beside_check pc;
	uint64_t expected;	/* the id the next row must have */
	unsigned char prev[32]; /* the stored chain of the row before */
} access_walk;

static int check_access_row(void *ctx, const qp_access_fields *f, const unsigned char *stored, size_t len)
{
	access_walk *w = ctx;
	const qp_beside *a = w->pc.a;
	char where[64], what[200];
	unsigned char want[32];
	snprintf(where, sizeof(where), "access_records row %llu", (unsigned long long)f->id);
	if (f->id != w->expected) {
		if (f->id > w->expected)
			snprintf(what, sizeof(what), "rows %llu to %llu are missing from the access record",
				 (unsigned long long)w->expected, (unsigned long long)f->id - 1);
		else
			snprintf(what, sizeof(what), "its id does not follow row %llu's",
				 (unsigned long long)w->expected - 1);
		beside_problem(&w->pc, where, what);
	}
	qp_access_chain(want, w->prev, f);
	if (stored == NULL || len != 32 || sodium_memcmp(stored, want, 32) != 0)
		beside_problem(
		    &w->pc, where,
		    "its chain is not the hash of its fields and the row before it: the row was altered, "
		    "or one was inserted or removed before it");
	if (stored != NULL && len == 32)
		memcpy(w->prev, stored, 32);
	else
		memset(w->prev, 0, 32);
	w->expected = f->id + 1;
	a->res->access_rows++;
	return QP_OK;
}

int qp_audit_access(const qp_beside *a, qp_store *store)
{
	access_walk w;
	memset(&w, 0, sizeof(w));
	w.pc.a = a;
	w.pc.kind = &a->res->access;
	w.expected = 1;
	int err = qp_store_access_each(store, check_access_row, &w);
	if (err == QP_OK)
		beside_more(&w.pc, "access_records");
	return err;
}

/*
 * A checkpoint's access line (n rows, their chain) against the record:
 * the stored chain of row n, which qp_audit_access has checked row by row.
 * A mirror of a served log holds no access record: its lines are not
 * checked (the summary says it holds no personal data).
 */
int qp_audit_access_line(const qp_beside *a, qp_store *store, const char *where, const qp_checkpoint *cp)
{
	unsigned char stored[32];
	char what[240];
	if (!cp->have_access || a->res->no_personal_data)
		return QP_OK;
	int err = qp_store_access_chain_at(store, cp->access_records, stored);
	if (err == QP_ENOTFOUND) {
		snprintf(
		    what, sizeof(what),
		    "it commits to the access record's first %llu rows, and the file has no row %llu: rows "
		    "were removed",
		    (unsigned long long)cp->access_records, (unsigned long long)cp->access_records);
	} else if (err != QP_OK) {
		return err;
	} else if (sodium_memcmp(stored, cp->access_chain, 32) != 0) {
		snprintf(
		    what, sizeof(what),
		    "it commits to another access record than the file's first %llu rows: one of them was "
		    "altered, removed or inserted",
		    (unsigned long long)cp->access_records);
	} else {
		if (cp->access_records > a->res->access_covered)
			a->res->access_covered = cp->access_records;
		return QP_OK;
	}
	a->res->access++;
	a->problem(a->ctx, where, what);
	return QP_OK;
}
