/*
 * import_row.h - a legacy row between its checks (import_row.c) and its
 * entries (import_append.c): the row as read and checked, the plan of what
 * it will append, and how a problem of the row is reported.
 */
#ifndef QP_SRC_IMPORT_ROW_H
#define QP_SRC_IMPORT_ROW_H

#include <stdint.h>

#include "error.h"
#include "import_internal.h"
#include "quanpiao/personal.h"

/* A row as read and checked. */
typedef struct qp_import_row {
	uint64_t line;
	const char *text[QP_ICOL_COUNT]; /* trimmed value, NULL when absent or empty */
	const char *name[QP_ICOL_COUNT]; /* the column's name in the file            */
	char legacy_no[QP_LEGACY_NO_MAX_LEN + 1];
	const char *legacy_raw; /* for reports */
	qp_cert_kind kind;
	qp_import_outcome outcome;
	char holder_id[QP_RESIDENT_ID_LEN + 1];
	int holder_is_village;
	char parcel_unit[QP_UNIT_CODE_LEN + 1]; /* a land ticket's parcel (fixture W) as the file gives it */
	char parcel[QP_PARCEL_CODE_LEN + 1];	/* ... with no home on it: reclaimed land, "" otherwise */
	char village[13], unit[29];
	int64_t area, land_area;
	char issued_on[11], valid_until[11];
	cJSON *legacy;		    /* body.legacy */
	int present[QP_ICOL_COUNT]; /* the file has the column */
	int ok[QP_ICOL_COUNT];	    /* its value passed the checks of the values alone */
	int problems, blank;
	char *arena; /* the trimmed values */
	size_t arena_len, arena_cap;
} qp_import_row;

/* What a checked row will append. */
typedef struct qp_import_plan {
	int add_household;
	int add_parcel;		/* parcel.add: the row's reclaimed land is not registered yet */
	const char *home_state; /* home.add status, or NULL if the home is registered */
	const char *steps[2];	/* home.status targets */
	size_t nsteps;
	/* The row's household by its registry number: found, or given to household.add when it is built. */
	char household[QP_HOUSEHOLD_NUMBER_LEN + 1];
	qp_personal pd; /* household.add's personal data, kept beside the log (fresh salt) */
	char holder[19];
	char valid_until[11];
	char purpose[17];
	size_t nwarn;
	struct {
		const char *column, *value;
		char reason[512];
	} warn[2];
} qp_import_plan;

/*
 * Report a problem of row r (a warning when warning: the row is still
 * imported) about column (its name in the file) and value, with the
 * library's code and the reason formatted from fmt.  Counts it in r or run,
 * and stops the import when the caller's problem callback says so.
 */
void qp_import_report(qp_import_run *run, qp_import_row *r, const char *column, const char *value, int code,
		      int warning, const char *fmt, ...) QP_PRINTF(7, 8);

/*
 * Apply the checked row's planned entries as one unit (import_append.c):
 * *fate says whether it was imported (*entries of them) or rejected, a
 * refusal by the registry's rules reported and undone.  An error stops the
 * import.
 */
int qp_import_row_apply(qp_import_run *run, qp_import_row *r, qp_import_plan *p, qp_import_fate *fate,
			uint64_t *entries);

#endif
