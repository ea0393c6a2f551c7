/*
 * import_window.c - the import's window: the rows applied since it began,
 * whose signed notes go into the log together (docs/import.md, "Cost").
 *
 * A row's entries are applied by the registry's rules as built
 * (qp_import_rules_built), then join the window (qp_import_window_add),
 * their texts queued to the signing thread (import_sign.c).  Before each
 * commit, or when the window is full, its signed notes go into the log in
 * index order, or are kept for the batch (qp_import_window_flush); a row
 * refused part-way by batch makes the batch be applied again from its kept
 * notes (qp_import_undo_batch).
 *
 * Entries are applied with the signature check deferred: the public key
 * the registry resolves for the signer is compared byte for byte with the
 * officer key that signs (and the first note of an import is verified in
 * full), so the import costs one Ed25519 signature per entry, not a
 * signature and a verification.
 */
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "entry.h"
#include "error.h"
#include "import_internal.h"
#include "note_internal.h"
#include "quanpiao/merkle.h"
#include "quanpiao/note.h"
#include "quanpiao/personal.h"
#include "registry_internal.h"
#include "store_log.h"

/* The registry resolved the signer to an enrolled key (enrolled): the import must sign with that one. */
static int officer_enrolled(const qp_import_run *run, const unsigned char enrolled[QP_PUBLIC_KEY_LEN])
{
	if (memcmp(enrolled, qp_key_public(run->officer), QP_PUBLIC_KEY_LEN) == 0)
		return QP_OK;
	return qp_error_set(QP_EPERM, "the signature by %s does not verify with its enrolled key",
			    qp_key_name(run->officer));
}

/*
 * Apply a note the import signed, in the open transaction (applying a
 * batch again).  No savepoint of its own (each would copy every page the
 * entry changes to a statement journal once more): the caller undoes the
 * whole row if an entry is refused.
 */
static int apply_note(qp_import_run *run, const char *note, size_t note_len, const qp_personal *pd)
{
	qp_apply ap;
	qp_entry *e = NULL;
	uint64_t idx = 0;
	memset(&ap, 0, sizeof(ap));
	ap.flags = QP_APPLY_DEFER_SIGNATURE | QP_APPLY_NO_SAVEPOINT;
	int err = qp_registry_apply(run->reg, note, note_len, &idx, &ap);
	if (err == QP_OK)
		err = officer_enrolled(run, ap.public_key);
	/* A replay stores no personal data (qp_registry_apply): the note's own goes beside it here. */
	if (err == QP_OK && pd && (err = qp_entry_parse(&e, note, note_len)) == QP_OK)
		err = qp_registry_personal_apply(run->reg, e, idx, pd, 1);
	qp_entry_free(e);
	return err;
}

/*
 * Run the rules of a row's entry as entry `at` of the log, on the entry as
 * built (no parsing of its note back); its signed note goes into the log
 * with its window's (qp_import_window_flush), which gives the signing
 * thread that long to make it.
 */
int qp_import_rules_built(qp_import_run *run, const qp_entry *e, uint64_t at, const qp_personal *pd)
{
	qp_apply ap;
	memset(&ap, 0, sizeof(ap));
	int err = qp_registry_apply_built(run->reg, e, at, &ap);
	if (err == QP_OK)
		err = officer_enrolled(run, ap.public_key);
	/* The personal data the entry commits to, beside the log, as every append stores it. */
	return err == QP_OK ? qp_registry_personal_apply(run->reg, e, at, pd, 1) : err;
}

/* The signed note of the window's entry i (log index `at`) and its leaf hash; *note is the caller's to free.
 */
static int signed_note(qp_import_run *run, size_t i, uint64_t at, char **note, size_t *note_len,
		       unsigned char leaf[QP_HASH_LEN])
{
	const qp_import_pending *e = &run->pending[i];
	*note = NULL;
	int err = run->signer ? qp_signer_note(run->signer, i, note, note_len, leaf) : QP_ENOTFOUND;
	if (err == QP_ENOTFOUND &&
	    (err = qp_note_sign(note, note_len, e->text, e->len, &run->officer, 1)) == QP_OK)
		qp_merkle_leaf_hash(leaf, *note, *note_len);
	if (err != QP_OK || run->verified)
		return err;
	/* Once an import: the note parses back to the entry's text, verifies and hashes to its leaf. */
	qp_note *n = NULL;
	unsigned char want[QP_HASH_LEN];
	qp_merkle_leaf_hash(want, *note, *note_len);
	if ((err = qp_note_parse(&n, *note, *note_len)) == QP_ENOMEM)
		return err;
	if (err != QP_OK || n->nsigs != 1 || n->text_len != e->len || memcmp(n->text, e->text, e->len) != 0 ||
	    n->sigs[0].sig_len != QP_SIGNATURE_LEN ||
	    crypto_sign_verify_detached(n->sigs[0].sig, (const unsigned char *)e->text, e->len,
					qp_key_public(run->officer)) != 0 ||
	    memcmp(want, leaf, QP_HASH_LEN) != 0)
		err = qp_error_set(QP_EINTERNAL, "import: the note signed for entry %llu does not check",
				   (unsigned long long)at);
	qp_note_free(n);
	if (err == QP_OK)
		run->verified = 1;
	return err;
}

static int keep_note(qp_import_run *run, char *note, size_t len, qp_personal *pd);

int qp_import_window_flush(qp_import_run *run, int what)
{
	int err = QP_OK;
	for (size_t i = 0; err == QP_OK && i < run->npending; i++) {
		qp_import_pending *e = &run->pending[i];
		uint64_t at = run->log.size + i;
		unsigned char leaf[QP_HASH_LEN];
		char *note = NULL;
		size_t note_len = 0;
		err = signed_note(run, i, at, &note, &note_len, leaf);
		if (err == QP_OK && (what & QP_IMPORT_FLUSH_LOG))
			err = qp_registry_log_put(run->reg, at, note, note_len, leaf, e->type,
						  qp_key_name(run->officer), e->time);
		/* Kept, the note and its personal data are the batch's. */
		if (err == QP_OK && (what & QP_IMPORT_FLUSH_KEEP) &&
		    (err = keep_note(run, note, note_len, e->pd)) == QP_OK) {
			note = NULL;
			e->pd = NULL;
		}
		qp_free(note);
	}
	qp_import_window_discard(run);
	return err;
}

/* Free a copy of personal data (NULL-safe), wiped. */
static void personal_free(qp_personal *pd)
{
	if (pd == NULL)
		return;
	qp_personal_clear(pd);
	qp_free(pd);
}

void qp_import_window_discard(qp_import_run *run)
{
	/* The signing thread reads the texts until it is drained. */
	if (run->signer)
		qp_signer_drain(run->signer);
	for (size_t i = 0; i < run->npending; i++) {
		qp_free(run->pending[i].text);
		personal_free(run->pending[i].pd);
		memset(&run->pending[i], 0, sizeof(run->pending[i]));
	}
	run->npending = 0;
}

/* Forget kept note i: free it and wipe its personal data. */
static void forget_note(qp_import_run *run, size_t i)
{
	qp_free(run->notes[i]);
	run->notes[i] = NULL;
	personal_free(run->note_pds[i]);
	run->note_pds[i] = NULL;
}

void qp_import_batch_clear(qp_import_run *run)
{
	for (size_t i = 0; i < run->nnotes; i++)
		forget_note(run, i);
	run->nnotes = 0;
}

/*
 * Keep an applied note until the batch commits: the note and pd (a
 * qp_malloc'd copy of the personal data it commits to, or NULL: applied
 * again, the note needs it as much as the first time) then belong to run.
 * On failure both stay the caller's.
 */
static int keep_note(qp_import_run *run, char *note, size_t len, qp_personal *pd)
{
	if (run->nnotes == run->capnotes) {
		size_t cap = run->capnotes ? 2 * run->capnotes : 1024;
		char **notes = qp_realloc(run->notes, cap * sizeof(*notes));
		if (notes == NULL)
			return qp_error_set(QP_ENOMEM, "out of memory keeping a batch's entries");
		run->notes = notes;
		size_t *lens = qp_realloc(run->note_lens, cap * sizeof(*lens));
		if (lens == NULL)
			return qp_error_set(QP_ENOMEM, "out of memory keeping a batch's entries");
		run->note_lens = lens;
		qp_personal **pds = qp_realloc(run->note_pds, cap * sizeof(*pds));
		if (pds == NULL)
			return qp_error_set(QP_ENOMEM, "out of memory keeping a batch's entries");
		run->note_pds = pds;
		run->capnotes = cap;
	}
	run->notes[run->nnotes] = note;
	run->note_pds[run->nnotes] = pd;
	run->note_lens[run->nnotes++] = len;
	return QP_OK;
}

/*
 * Undo a row the rules refused part-way, without a savepoint: roll the
 * transaction back and apply the batch's rows before it again (their
 * kept notes; the window's were kept first).  Each was accepted once in
 * this very state, so a refusal now is an internal error.
 */
int qp_import_undo_batch(qp_import_run *run)
{
	qp_store *store = run->reg->store;
	qp_store_rollback(store);
	qp_registry_forget_keys(run->reg);
	int err = qp_store_begin(store);
	for (size_t i = 0; err == QP_OK && i < run->nnotes; i++) {
		if ((err = apply_note(run, run->notes[i], run->note_lens[i], run->note_pds[i])) != QP_OK &&
		    err != QP_EIO && err != QP_ENOMEM)
			err = qp_error_set(QP_EINTERNAL, "import: an entry of the batch, accepted once, was refused "
							 "when the batch was applied again: %s",
					   qp_error_last()->message);
	}
	return err;
}


/* Add the applied row's n entries to the window, their texts to the signing thread; they are the window's
 * then. */
int qp_import_window_add(qp_import_run *run, char **texts, const size_t *lens, const char *const *types,
		     const qp_personal *const *pds, size_t n, const char *when)
{
	for (size_t i = 0; i < n; i++) {
		qp_import_pending *e = &run->pending[run->npending];
		if (run->by_batch && pds[i]) {
			/* Kept with the note if the batch is applied again (qp_import_undo_batch). */
			if ((e->pd = qp_malloc(sizeof(*e->pd))) == NULL)
				return qp_error_set(QP_ENOMEM, "out of memory keeping a batch's entries");
			*e->pd = *pds[i];
		}
		e->text = texts[i];
		e->len = lens[i];
		e->type = types[i];
		memcpy(e->time, when, sizeof(e->time));
		texts[i] = NULL;
		run->npending++;
		if (run->signer)
			qp_signer_post(run->signer, e->text, e->len);
	}
	return QP_OK;
}

