/*
 * fuzz_entry.c - entry parsing and the registry's rules.
 *
 * Each input is an entry note.  It is parsed (qp_entry_parse), and what
 * parses must print back to the same text (qp_entry_text).  It is then
 * appended as it is, which tests the signature and signer checks; and,
 * when its signer is one of the fixture's keys, its text is signed again
 * with that key and appended, so that mutated bodies reach the rules of
 * their type instead of stopping at a broken signature.
 *
 * The registry is the fixture (fuzz.h), made once in a scratch directory
 * and put back from a copy after every 64 accepted entries.  Before it is
 * put back, the audit must find nothing wrong, and after every accepted
 * entry the certificates' invariants (area conserved) must hold: an entry
 * that the rules let through but that breaks the state is a bug, even if
 * nothing crashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "entry.h"
#include "fuzz.h"

#define RESET_AFTER 64

static const fz_keys *keys;
static qp_registry *reg;
static unsigned accepted;
static int verbose; /* QP_FUZZ_VERBOSE set: say what became of each append */

static void init(void)
{
	keys = fz_init();
	verbose = getenv("QP_FUZZ_VERBOSE") != NULL;
	reg = fz_registry_reset();
}

static void on_accepted(void)
{
	if (qp_certs_check_invariants(reg) != QP_OK) {
		fprintf(stderr, "certificate invariants broken: %s\n", qp_error_last()->message);
		abort();
	}
	if (++accepted < RESET_AFTER)
		return;
	qp_audit_result res;
	qp_audit_options opt = {.jobs = 1};
	int err = qp_audit(&res, reg, &opt);
	if (err != QP_OK) {
		fprintf(stderr, "audit after %u accepted entries: %d %s\n", accepted, err,
			qp_error_last()->message);
		abort();
	}
	reg = fz_registry_reset();
	accepted = 0;
}

static const qp_key *fixture_key(const char *name)
{
	const qp_key *all[] = {keys->authority, keys->log, keys->officer, keys->auditor};
	for (size_t i = 0; i < 4; i++)
		if (strcmp(qp_key_name(all[i]), name) == 0)
			return all[i];
	return NULL;
}

static void append(const char *note, size_t len, int batch)
{
	uint64_t before = 0, after = 0, index = 0;
	int rc, result = QP_OK;
	fz_check(qp_log_size(&before, reg), "log size");
	if (batch) {
		const char *notes[1] = {note};
		rc = qp_registry_append_batch(reg, notes, &len, 1, &index, &result);
		if (rc == QP_OK)
			rc = result;
	} else {
		rc = qp_registry_append(reg, note, len, &index);
	}
	fz_check(qp_log_size(&after, reg), "log size");
	if (verbose)
		fprintf(stderr, "%s append: %d %s\n", batch ? "batch" : "plain", rc,
			rc == QP_OK ? "" : qp_error_last()->message);
	/* Appended exactly when it says so, at the end of the log. */
	if (after != before + (rc == QP_OK) || (rc == QP_OK && index != before) || rc > 0 ||
	    rc == QP_EINTERNAL || rc == QP_ECORRUPT) {
		fprintf(stderr, "append gave %d (%s); log %llu -> %llu\n", rc, qp_error_last()->message,
			(unsigned long long)before, (unsigned long long)after);
		abort();
	}
	if (rc == QP_OK)
		on_accepted();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (reg == NULL)
		init();
	const char *note = (const char *)data;
	qp_entry *e = NULL;
	int parsed = qp_entry_parse(&e, note, size);
	if (parsed == QP_OK) {
		/* A parsed entry prints back to its own text. */
		char *text = NULL;
		size_t text_len = 0;
		fz_check(
		    qp_entry_text(&text, &text_len, e->origin, e->type, e->signer, e->time, &e->log, e->body),
		    "entry text of a parsed entry");
		if (text_len != e->note->text_len || memcmp(text, e->note->text, text_len) != 0) {
			fprintf(stderr, "entry text differs from the parsed note\n");
			abort();
		}
		qp_free(text);
		if (qp_entry_role(e->type) == NULL)
			abort();
	} else if (e != NULL || parsed > 0) {
		abort();
	}

	append(note, size, 0);

	const qp_key *key = e ? fixture_key(e->signer) : NULL;
	if (key != NULL) {
		char *resigned = NULL;
		size_t resigned_len = 0;
		if (qp_note_sign(&resigned, &resigned_len, e->note->text, e->note->text_len, &key, 1) ==
		    QP_OK) {
			append(resigned, resigned_len, size & 1);
			free(resigned);
		}
	}
	qp_entry_free(e);
	return 0;
}
