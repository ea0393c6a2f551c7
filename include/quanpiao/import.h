/*
 * quanpiao/import.h - importing legacy land tickets (地票) and
 * dilapidated-house rights records (危旧房权益保全) from the old system's
 * spreadsheet exports, exactly once.
 *
 * Each row of the file becomes the entries that bring it into the
 * registry, all signed by the importing officer's key: household.add when
 * the holder's household is new, home.add (and home.status) when the unit
 * is not registered, in the state the row's type implies, then cert.issue
 * with basis "legacy", the legacy number and the whole legacy row in
 * body.legacy, then cert.redeem or cert.revoke when the legacy status says
 * the ticket was used or cancelled.  A row's entries are appended in one
 * savepoint: a row is imported wholly or not at all.  Rows are committed
 * in batches, so a crash at any moment loses at most the batch in flight,
 * and a rerun of the file imports exactly the rows still missing: a legacy
 * number already in the registry is counted as present when its content is
 * the same and rejected as a conflict when it differs.
 *
 * Input is streamed (memory does not grow with the file): RFC 4180 CSV or
 * JSON Lines, UTF-8 (with or without BOM) or GB18030/GBK, with a header of
 * Chinese or English column names in any order (docs/import.md).
 */
#ifndef QUANPIAO_IMPORT_H
#define QUANPIAO_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"
#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qp_import_format {
	QP_IMPORT_CSV,	/* RFC 4180, comma-separated, header row first */
	QP_IMPORT_JSONL /* one JSON object per line                    */
} qp_import_format;

typedef enum qp_import_encoding {
	QP_IMPORT_AUTO,	  /* valid UTF-8 is UTF-8, anything else GB18030 */
	QP_IMPORT_UTF8,	  /* bytes that are not UTF-8 make the row bad    */
	QP_IMPORT_GB18030 /* GB18030 (a superset of GBK and GB2312)       */
} qp_import_encoding;

/* Flags for qp_import_options.flags. */
#define QP_IMPORT_DRY_RUN	 0x1 /* check every row against the registry; write nothing      */
#define QP_IMPORT_ALL_OR_NOTHING 0x2 /* one transaction: commit only if no row is rejected         */

/*
 * When qp_import_options.batch_rows is 0, a transaction (a batch) ends
 * after QP_IMPORT_BATCH_ROWS rows or QP_IMPORT_BATCH_MS milliseconds,
 * whichever comes first: other writers wait for it, and the fewer
 * batches, the fewer times the pages that every batch touches are written.
 */
#define QP_IMPORT_BATCH_ROWS 10000
#define QP_IMPORT_BATCH_MS   1000

/*
 * One problem with one row.  Rejections stop the row; warnings do not
 * (the row is imported and the warning says what was assumed).  All
 * strings are valid until the callback returns.
 */
typedef struct qp_import_problem {
	uint64_t line;	       /* line of the file where the row starts (the header is line 1) */
	const char *legacy_no; /* the row's legacy number as read, or ""                     */
	const char *column;    /* the column's name as in the header, or "" for the whole row */
	const char *value;     /* the value at fault as read, or ""                            */
	const char *reason;    /* why, naming the rule                                          */
	int code;	       /* QP_EINVALID (bad value, rule) or QP_ECONFLICT (duplicate...) */
	int warning;	       /* nonzero for a warning                                         */
} qp_import_problem;

/* Counts of an import so far (passed to the progress callback) or in total. */
typedef struct qp_import_stats {
	uint64_t read;	   /* data rows read (blank rows are skipped, not counted)           */
	uint64_t imported; /* rows committed to the registry                                 */
	uint64_t valid;	   /* rows that passed every check (imported unless dry run/aborted) */
	uint64_t present;  /* rows whose legacy number was already there with the same content */
	uint64_t rejected; /* rows refused (each has at least one problem reported)          */
	uint64_t warnings; /* warnings reported                                              */
	uint64_t entries;  /* entries appended and committed                                 */
	uint64_t bytes_read, bytes_total; /* input consumed, and its size (0 if unknown)  */
	int committed;			  /* nonzero if anything was written              */
} qp_import_stats;

typedef struct qp_import_options {
	qp_import_format format;
	qp_import_encoding encoding;
	unsigned flags;		  /* QP_IMPORT_DRY_RUN, QP_IMPORT_ALL_OR_NOTHING             */
	const char *mapping_json; /* a mapping (docs/import.md) over the defaults, or NULL */
	size_t batch_rows;	  /* rows per transaction; 0 for QP_IMPORT_BATCH_*        */
	/* Called for each problem; a non-QP_OK return stops the import with that code. */
	int (*problem)(void *ctx, const qp_import_problem *p);
	/* Called now and then (every batch and every few hundred rows); may be NULL. */
	void (*progress)(void *ctx, const qp_import_stats *s);
	void *ctx;
} qp_import_options;

/*
 * Import the file at path into reg, signing every entry with officer (an
 * enrolled officer key).  opt may be NULL for the defaults (CSV, encoding
 * auto, default mapping, import the good rows).  *out (may be NULL) gets
 * the counts, also when the import stops early.
 *
 * Returns QP_OK when the file was read to the end, whatever the rows'
 * fates (the caller looks at out->rejected); rows are reported through
 * opt->problem.  With QP_IMPORT_ALL_OR_NOTHING nothing is committed if a
 * row was rejected, and with QP_IMPORT_DRY_RUN nothing ever is.  Errors
 * that stop the import, leaving the batches committed before them in
 * place: QP_ENOTFOUND (no file), QP_EINVALID (a header without a required
 * column, a bad mapping), QP_EPERM (the key may not sign officer entries),
 * QP_ECONFLICT (the registry is busy), QP_EIO, QP_ENOMEM, QP_ECORRUPT.
 */
QP_API int qp_import(qp_import_stats *out, qp_registry *reg, const qp_key *officer, const char *path,
		     const qp_import_options *opt);

/*
 * The default mapping as JSON text (static): legacy types to certificate
 * kinds, legacy statuses to outcomes, column names to columns, and the
 * redemption purpose of each kind.  A mapping file has the same shape;
 * its members add to or replace the defaults.
 */
QP_API const char *qp_import_default_mapping(void);

#ifdef __cplusplus
}
#endif

#endif
