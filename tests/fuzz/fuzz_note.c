/*
 * fuzz_note.c - signed notes, checkpoints and cosignatures.
 *
 * The input is read as: a signed note, parsed (qp_note_parse) and opened
 * against the fixture's four verifiers (qp_note_open); a checkpoint text
 * (qp_checkpoint_parse), alone and as the text of the note; a checkpoint
 * note whose log signature is checked (qp_cosign_check); a tlog-witness
 * add-checkpoint request (qp_cosign_parse_request); and, split at its
 * last line, a checkpoint note and a cosignature line by the auditor
 * (qp_cosign_verify).  Besides never crashing: an opened note is one that
 * parses the same way, and every signature it says verified did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static qp_verifier *known[4], *auditor_cosign;

static void init(void)
{
	const fz_keys *k = fz_init();
	const qp_key *all[] = {k->authority, k->log, k->officer, k->auditor};
	for (size_t i = 0; i < 4; i++)
		fz_check(qp_key_verifier(&known[i], all[i]), "verifier");
	fz_check(qp_cosign_verifier(&auditor_cosign, known[3]), "cosign verifier");
}

static void parsed_note(const char *msg, size_t len)
{
	qp_note *n = NULL, *o = NULL;
	int rc = qp_note_parse(&n, msg, len);
	if (rc != QP_OK) {
		if (n != NULL || rc > 0)
			abort();
	} else if (n->text_len == 0 || n->text_len > len || n->text[n->text_len] != '\0' || n->nsigs == 0 ||
		   n->nsigs > QP_NOTE_MAX_SIGS || memcmp(n->text, msg, n->text_len) != 0) {
		abort();
	}
	rc = qp_note_open(&o, msg, len, (const qp_verifier *const *)known, 4);
	if (rc == QP_OK) {
		/* Opened implies parsed, with the same text and signatures. */
		if (n == NULL || o->text_len != n->text_len || o->nsigs != n->nsigs)
			abort();
		size_t verified = 0;
		for (size_t i = 0; i < o->nsigs; i++) {
			const qp_note_sig *s = &o->sigs[i];
			if (s->by == NULL)
				continue;
			if (s->sig_len != QP_SIGNATURE_LEN ||
			    qp_verifier_verify(s->by, s->sig, o->text, o->text_len) != QP_OK)
				abort();
			verified++;
		}
		if (verified == 0)
			abort();
		qp_checkpoint cp;
		qp_checkpoint_parse(&cp, o->text, o->text_len);
	} else if (o != NULL || rc > 0) {
		abort();
	}
	qp_note_free(o);
	qp_note_free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (known[0] == NULL)
		init();
	const char *msg = (const char *)data;
	parsed_note(msg, size);

	/*
	 * A parsed checkpoint's origin is its whole first line, a note text
	 * line: no NUL cutting it short, no control character.
	 */
	qp_checkpoint cp;
	if (qp_checkpoint_parse(&cp, msg, size) == QP_OK && !fz_known("checkpoint-origin")) {
		size_t n = strlen(cp.origin);
		if (n == 0 || n >= size || msg[n] != '\n') {
			fprintf(stderr, "checkpoint origin \"%s\" is not the first line of the text\n",
				cp.origin);
			abort();
		}
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)cp.origin[i] < 0x20 || cp.origin[i] == 0x7F) {
				fprintf(stderr, "checkpoint origin has a control character at byte %zu\n",
					i + 1);
				abort();
			}
	}
	if (qp_cosign_check(&cp, msg, size, known[1], NULL, NULL) == QP_OK &&
	    strcmp(cp.origin, FZ_ORIGIN) != 0)
		abort();

	uint64_t old = 0;
	qp_merkle_proof proof;
	size_t at = 0;
	if (qp_cosign_parse_request(&old, &proof, &at, msg, size) == QP_OK &&
	    (at > size || proof.len > QP_MERKLE_MAX_PROOF))
		abort();

	/* The last line is a cosignature of the note before it. */
	if (size > 1 && msg[size - 1] == '\n') {
		size_t start = size - 1;
		while (start > 0 && msg[start - 1] != '\n')
			start--;
		uint64_t ts = 0;
		qp_cosign_verify(&ts, auditor_cosign, msg + start, size - start, msg, start);
		qp_cosign_verify(&ts, known[3], msg + start, size - start, msg, start);
	}
	return 0;
}
