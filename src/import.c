/*
 * import.c - qp_import: a legacy export read to the end, its rows
 * committed in batches.
 *
 * Each batch of rows is one write transaction (a row the rules refuse
 * part-way is undone inside it: import_row.c), so at any moment the
 * registry file holds whole rows only: a kill between or inside batches
 * loses the batch in flight and nothing else, and a rerun finds the
 * committed rows by their legacy numbers and counts them as present.
 * Between two batches the import pauses for other writers
 * (qp_store_yield).  With --all-or-nothing or --dry-run the whole file is
 * one transaction, committed only when no row was
 * rejected (all-or-nothing) or never (dry run), so the checks see each
 * row against the state the rows before it made, as a real import would.
 * Such a transaction keeps other writers waiting until the file is read.
 */
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "import_internal.h"
#include "registry_internal.h"
#include "store_import.h"
#include "store_log.h"

#define PROGRESS_ROWS 256

static void progress(qp_import_run *run, qp_import_stats *s, const qp_import_reader *rd)
{
	qp_import_reader_position(rd, &s->bytes_read, &s->bytes_total);
	s->warnings = run->warnings;
	if (run->opt->progress)
		run->opt->progress(run->opt->ctx, s);
}

int qp_import(qp_import_stats *out, qp_registry *reg, const qp_key *officer, const char *path,
	      const qp_import_options *opt)
{
	static const qp_import_options defaults = {QP_IMPORT_CSV, QP_IMPORT_AUTO, 0,   NULL, 0,
						   NULL,	  NULL,		  NULL};
	qp_import_stats s;
	qp_import_run run;
	qp_import_reader *rd = NULL;
	int err, in_txn = 0, began = 0;
	qp_store_import_settings saved = {0, 0};
	/* Counts of the open transaction, added to s when it commits. */
	uint64_t pending_rows = 0, pending_entries = 0, batch_read = 0;
	int64_t batch_began = 0; /* when the open transaction began (qp_clock_monotonic_us) */

	memset(&s, 0, sizeof(s));
	memset(&run, 0, sizeof(run));
	if (out)
		memset(out, 0, sizeof(*out));
	if (reg == NULL || officer == NULL || path == NULL)
		return qp_error_set(QP_EUSAGE, "import needs a registry, the officer's key and a file");
	if (opt == NULL)
		opt = &defaults;
	int single = (opt->flags & (QP_IMPORT_DRY_RUN | QP_IMPORT_ALL_OR_NOTHING)) != 0;
	size_t batch = opt->batch_rows ? opt->batch_rows : QP_IMPORT_BATCH_ROWS;
	run.reg = reg;
	run.officer = officer;
	run.by_batch = !single && batch <= QP_IMPORT_UNDO_ROWS;
	run.opt = opt;
	if ((err = qp_import_map_new(&run.map, opt->mapping_json)) != QP_OK ||
	    (err = qp_import_reader_open(&rd, path, opt->format, opt->encoding)) != QP_OK ||
	    (err = qp_store_seen_open(&run.seen)) != QP_OK ||
	    (err = qp_signer_start(&run.signer, officer)) != QP_OK ||
	    (err = qp_store_import_begin(reg->store, &saved)) != QP_OK)
		goto done;
	began = 1;
	if (opt->format == QP_IMPORT_JSONL)
		run.have_header = 1;

	for (;;) {
		const qp_import_record *rec = NULL;
		qp_import_fate fate;
		uint64_t entries = 0;
		if ((err = qp_import_reader_next(rd, &rec)) != QP_OK)
			goto done;
		if (rec == NULL)
			break;
		if (!run.have_header) {
			if ((err = qp_import_run_header(&run, rec)) != QP_OK)
				goto done;
			continue;
		}
		if (!in_txn) {
			/* Keys and policy may have changed since the last transaction. */
			qp_registry_forget_keys(reg);
			if ((err = qp_store_begin(reg->store)) != QP_OK)
				goto done;
			in_txn = 1;
			batch_began = qp_clock_monotonic_us();
		}
		if ((err = qp_import_run_row(&run, rec, &fate, &entries)) != QP_OK)
			goto done;
		if (fate == QP_IMPORT_ROW_BLANK)
			continue;
		s.read++;
		batch_read++;
		if (fate == QP_IMPORT_ROW_IMPORTED) {
			s.valid++;
			pending_rows++;
			pending_entries += entries;
		} else if (fate == QP_IMPORT_ROW_PRESENT) {
			s.present++;
		} else {
			s.rejected++;
		}
		if (!single &&
		    (batch_read >= batch || (opt->batch_rows == 0 && qp_clock_monotonic_us() - batch_began >=
									 QP_IMPORT_BATCH_MS * 1000))) {
			if ((err = qp_import_window_flush(&run, QP_IMPORT_FLUSH_LOG)) != QP_OK)
				goto done;
			if ((err = qp_store_commit(reg->store)) != QP_OK) {
				in_txn = 0;
				goto done;
			}
			in_txn = 0;
			qp_import_batch_clear(&run);
			/* Other officers' writes go between two batches. */
			qp_store_yield(reg->store);
			s.imported += pending_rows;
			s.entries += pending_entries;
			s.committed |= pending_rows > 0;
			pending_rows = pending_entries = batch_read = 0;
			progress(&run, &s, rd);
		} else if (s.read % PROGRESS_ROWS == 0) {
			progress(&run, &s, rd);
		}
	}
	if (!run.have_header) {
		err = qp_error_set(QP_EINVALID, "%s: the file is empty (no header row)", path);
		goto done;
	}
	if (in_txn) {
		int keep = !(opt->flags & QP_IMPORT_DRY_RUN) &&
			   !((opt->flags & QP_IMPORT_ALL_OR_NOTHING) && s.rejected > 0);
		/* A failed flush leaves the transaction to roll back; a failed commit rolls it back. */
		if (keep && (err = qp_import_window_flush(&run, QP_IMPORT_FLUSH_LOG)) != QP_OK)
			goto done;
		in_txn = 0;
		if (keep) {
			if ((err = qp_store_commit(reg->store)) != QP_OK)
				goto done;
			s.imported += pending_rows;
			s.entries += pending_entries;
			s.committed |= pending_rows > 0;
		} else {
			qp_import_window_discard(&run);
			qp_store_rollback(reg->store);
		}
	}
	err = QP_OK;
done:
	qp_import_window_discard(&run);
	if (in_txn)
		qp_store_rollback(reg->store);
	qp_registry_forget_keys(reg);
	if (began)
		qp_store_import_end(reg->store, &saved);
	qp_store_seen_close(run.seen);
	qp_signer_stop(run.signer);
	qp_import_batch_clear(&run);
	qp_free(run.notes);
	qp_free(run.note_lens);
	qp_free(run.note_pds);
	if (rd)
		progress(&run, &s, rd);
	if (out) {
		*out = s;
		out->warnings = run.warnings;
	}
	for (size_t i = 0; i < run.ncols; i++)
		qp_free(run.col_names[i]);
	qp_import_reader_free(rd);
	qp_import_map_free(run.map);
	return err;
}
