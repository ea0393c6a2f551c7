/*
 * import_internal.h - the parts of the legacy import (private).
 *
 *   import_read.c    bytes -> UTF-8 (BOM, GB18030 via iconv) -> CSV or
 *                    JSON Lines records, streamed with bounded buffers
 *   import_values.c  the mapping, column names, and the value parsers:
 *                    trimming, full-width folding, dates, areas
 *   import_row.c     one record -> a checked row -> its entries, applied
 *                    as one unit
 *   import_window.c  the window of applied rows: their signed notes into
 *                    the log together, kept for a batch applied again
 *   import_sign.c    the signing thread
 *   import.c         qp_import: batches, transactions, counts, progress
 */
#ifndef QP_SRC_IMPORT_INTERNAL_H
#define QP_SRC_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "entry.h"
#include "quanpiao/certs.h"
#include "quanpiao/import.h"

/* ---- reading records (import_read.c) -------------------------------------------------- */

#define QP_IMPORT_MAX_RECORD (1024u * 1024u) /* bytes of one row, all fields together */
#define QP_IMPORT_MAX_FIELDS 256

/* One record as read: a CSV row (names NULL) or a JSON object (names set). */
typedef struct qp_import_record {
	uint64_t line; /* where it starts */
	size_t nfields;
	const char *const *names;  /* JSON member names, or NULL for CSV */
	const char *const *values; /* NUL-terminated UTF-8 text          */
	const char *malformed;	   /* why the record is not well-formed, or NULL */
} qp_import_record;

typedef struct qp_import_reader qp_import_reader;

/* Open path for reading records; detects the encoding when asked to (auto). */
int qp_import_reader_open(qp_import_reader **out, const char *path, qp_import_format format,
			  qp_import_encoding encoding);
/*
 * The next record, owned by the reader until the next call; *out is NULL
 * at the end.  Blank lines are skipped.  Errors: QP_EIO, QP_ENOMEM.
 */
int qp_import_reader_next(qp_import_reader *r, const qp_import_record **out);
/* Input bytes consumed so far and the file's size (0 when unknown). */
void qp_import_reader_position(const qp_import_reader *r, uint64_t *done, uint64_t *total);
/* "UTF-8" or "GB18030": the encoding in use. */
const char *qp_import_reader_encoding(const qp_import_reader *r);
void qp_import_reader_free(qp_import_reader *r);

/* ---- columns, mapping and values (import_values.c) ------------------------------------ */

typedef enum qp_import_col {
	QP_ICOL_LEGACY_NO,
	QP_ICOL_TYPE,
	QP_ICOL_HOLDER_NAME,
	QP_ICOL_HOLDER_ID,
	QP_ICOL_VILLAGE,
	QP_ICOL_UNIT,
	QP_ICOL_AREA,
	QP_ICOL_ISSUED_ON,
	QP_ICOL_VALID_UNTIL,
	QP_ICOL_STATUS,
	QP_ICOL_NOTE,
	QP_ICOL_LAND_AREA,
	QP_ICOL_COUNT,
	QP_ICOL_UNKNOWN = -1
} qp_import_col;

/* What the legacy status says happened to the ticket. */
typedef enum qp_import_outcome { QP_IMPORT_LIVE, QP_IMPORT_REDEEMED, QP_IMPORT_REVOKED } qp_import_outcome;

/* The English name of a column ("legacy_no"), used in body.legacy. */
const char *qp_import_col_name(qp_import_col c);
/* Nonzero if a file must have the column. */
int qp_import_col_required(qp_import_col c);

typedef struct qp_import_map qp_import_map;

/* The default mapping, with mapping_json (may be NULL) over it.  QP_EINVALID naming the member. */
int qp_import_map_new(qp_import_map **out, const char *mapping_json);
void qp_import_map_free(qp_import_map *m);
/* The column a header name stands for (trimmed; English names in any case), or QP_ICOL_UNKNOWN. */
qp_import_col qp_import_map_column(const qp_import_map *m, const char *header);
/* The kind of a legacy type; QP_EINVALID listing the known types. */
int qp_import_map_type(const qp_import_map *m, const char *type, qp_cert_kind *out);
int qp_import_map_status(const qp_import_map *m, const char *status, qp_import_outcome *out);
/* Nonzero if the mapping's "drop" names the column (it is not read at all). */
int qp_import_map_dropped(const qp_import_map *m, const char *header);
/*
 * Why a value of a column that goes into the signed legacy record (an
 * extra column, the note) would put personal data into the log: the
 * column's name says it is about a person (身份证号, 联系电话, ...), or
 * the value holds what looks like a resident ID number (18 characters
 * with a birth date) or a mobile phone number (11 digits, 1[3-9]...).
 * NULL if neither.  header may be NULL (only the value is looked at).
 */
const char *qp_import_personal_text(const char *header, const char *value);
/* The redemption purpose the mapping names for kind, or NULL (the policy's first is used). */
const char *qp_import_map_purpose(const qp_import_map *m, qp_cert_kind kind);

/*
 * Copy src to dst (dst_len bytes) without surrounding white space (ASCII,
 * U+3000, U+00A0).  Returns QP_EINVALID if it does not fit.
 */
int qp_import_trim(char *dst, size_t dst_len, const char *src);
/* Fold full-width ASCII forms (U+FF01..U+FF5E) and U+3000 to ASCII, in place. */
void qp_import_fold_width(char *s);
/*
 * A date as 2019-03-05, 2019/3/5, 2019.3.5 or 2019年3月5日 (full-width
 * digits folded first) into ISO form (11 bytes).  QP_EINVALID with the
 * reason (no field prefix).
 */
int qp_import_parse_date(char out[11], const char *text);
/*
 * An area in m² with at most 2 decimals, an optional ㎡, 平方米, m² or m2
 * suffix, full-width digits allowed, more than 0 and at most 100000.00,
 * into hundredths.  QP_EINVALID with the reason (negative, malformed...).
 */
int qp_import_parse_area(int64_t *out, const char *text);

/* ---- rows (import_row.c, import_window.c) ------------------------------------------------ */

#define QP_IMPORT_MAX_ENTRIES 8	    /* entries of one row */
#define QP_IMPORT_UNDO_ROWS   10000 /* rows of a batch whose notes are kept (about 30 MB at most) */

/*
 * The window: the rows applied since the window began, whose signed notes
 * go into the log together (qp_import_window_flush).  Every entry of a
 * window names the log state at its start (docs/format.md allows any
 * state QP_LOG_STATE_MAX_LAG entries back), so its texts depend on no
 * signature of the window and are signed on another thread meanwhile.
 * A window ends after the row that brings it to QP_IMPORT_WINDOW entries.
 */
#define QP_IMPORT_WINDOW 128
#define QP_SIGNER_MAX	 (QP_IMPORT_WINDOW + QP_IMPORT_MAX_ENTRIES) /* texts a window may queue */

/* An entry of the window: applied by the rules, its note not in the log yet. */
typedef struct qp_import_pending {
	char *text; /* the entry's text (qp_malloc'd), queued for signing */
	size_t len;
	const char *type; /* a static string */
	char time[QP_TIME_LEN + 1];
	struct qp_personal *pd; /* by batch: a copy of what a household.add commits to (qp_malloc'd) */
} qp_import_pending;

/* One import in progress: what the rows share. */
typedef struct qp_import_run {
	struct qp_registry *reg;
	const qp_key *officer;
	const qp_import_options *opt;
	qp_import_map *map;
	/* The CSV header: each field's column and name (qp_malloc'd). */
	int have_header;
	size_t ncols;
	qp_import_col cols[QP_IMPORT_MAX_FIELDS];
	char *col_names[QP_IMPORT_MAX_FIELDS];
	uint64_t warnings;
	struct qp_store_seen *seen; /* the legacy numbers read so far */
	int stop;		    /* a problem callback's non-QP_OK answer: the import stops with it */
	int verified;		    /* the first note of the import was checked in full             */
	struct qp_signer *signer;   /* signs a row's entries on another thread, or NULL */
	/*
	 * In batches (not --dry-run or --all-or-nothing) a row has no savepoint:
	 * its notes are kept here until the batch commits, and a row the rules
	 * refuse part-way is undone by rolling the transaction back and applying
	 * the batch's kept notes again (qp_import_batch_clear after a commit).
	 */
	int by_batch; /* batches of at most QP_IMPORT_UNDO_ROWS rows; larger ones give each row a savepoint */
	char **notes;
	struct qp_personal **note_pds; /* what a kept household.add commits to (qp_malloc'd), else NULL */
	size_t *note_lens, nnotes, capnotes;
	/* The window (qp_import_window_flush): its entries are log.size + 0 .. npending - 1. */
	qp_log_state log; /* the state its entries name: the log at its start */
	qp_import_pending pending[QP_SIGNER_MAX];
	size_t npending;
} qp_import_run;

/* Forget the notes kept for the batch (it was committed or rolled back). */
void qp_import_batch_clear(qp_import_run *run);

/* What became of a row. */
typedef enum qp_import_fate {
	QP_IMPORT_ROW_IMPORTED,
	QP_IMPORT_ROW_PRESENT,
	QP_IMPORT_ROW_REJECTED,
	QP_IMPORT_ROW_BLANK
} qp_import_fate;

/*
 * The columns of a CSV file from its header record.  QP_EINVALID for a
 * missing required column or one given twice.
 */
int qp_import_run_header(qp_import_run *run, const qp_import_record *rec);

/*
 * Check one record and, if it is good, apply its entries as one unit
 * inside the caller's transaction and add them to the window (their notes
 * reach the log when it is flushed: the caller flushes it before each
 * commit).  *fate says what became of it; *entries gets the number
 * applied.  Problems go to the options' callback.  Returns QP_OK, or an error that must stop the import
 * (QP_EIO, QP_ENOMEM, QP_EPERM, QP_ECORRUPT, or a callback's code).
 */
int qp_import_run_row(qp_import_run *run, const qp_import_record *rec, qp_import_fate *fate,
		      uint64_t *entries);

/* What qp_import_window_flush does with the window's notes. */
#define QP_IMPORT_FLUSH_LOG  1 /* into the log and the tree, in index order */
#define QP_IMPORT_FLUSH_KEEP 2 /* kept for the batch (run->notes), applied again by qp_import_undo_batch */

/*
 * Flush the window (the caller ends it: before a commit, or when it is
 * full) with what (QP_IMPORT_FLUSH_*); the window is empty afterwards.
 * Errors: QP_EIO, QP_ENOMEM, QP_EINTERNAL; the import must then stop and
 * roll the transaction back.
 */
int qp_import_window_flush(qp_import_run *run, int what);
/* Forget the window without storing it (the transaction is rolled back); waits for the signer. */
void qp_import_window_discard(qp_import_run *run);

/*
 * Run the rules of a row's entry e, as built, as entry `at` of the log, and
 * store the personal data pd it commits to; its signed note reaches the log
 * with its window.  QP_EPERM if the registry resolves the signer to a key
 * other than the officer's.
 */
int qp_import_rules_built(qp_import_run *run, const qp_entry *e, uint64_t at, const struct qp_personal *pd);
/*
 * Add an applied row's n entries to the window (texts[i] become the
 * window's and are set to NULL), their texts queued to the signing thread.
 */
int qp_import_window_add(qp_import_run *run, char **texts, const size_t *lens, const char *const *types,
			 const struct qp_personal *const *pds, size_t n, const char *when);
/*
 * A row refused part-way by batch: roll the transaction back and apply the
 * batch's kept notes again (each was accepted once in this very state, so
 * a refusal now is QP_EINTERNAL).
 */
int qp_import_undo_batch(qp_import_run *run);

/*
 * The signing thread (import_sign.c).  start gives *out == NULL, and
 * QP_OK, when no thread can be made: the import then signs everything
 * itself.  post queues a text (at most QP_SIGNER_MAX until the next
 * drain; the caller keeps it alive until then); note waits for text i (in
 * the order posted) and gives its signed note (the caller's to free) and
 * the note's leaf hash, or QP_ENOTFOUND if i was not posted or could not
 * be signed (the caller signs it itself), or QP_ENOMEM.  drain waits for
 * the texts being signed, drops the rest and empties the queue; stop ends
 * the thread (after a drain).
 */
typedef struct qp_signer qp_signer;
int qp_signer_start(qp_signer **out, const qp_key *key);
void qp_signer_post(qp_signer *s, const char *text, size_t len);
int qp_signer_note(qp_signer *s, size_t i, char **note, size_t *note_len, unsigned char leaf[32]);
void qp_signer_drain(qp_signer *s);
void qp_signer_stop(qp_signer *s);

#endif
