/*
 * quanpiao/note.h - signed notes (c2sp.org/signed-note).
 *
 * A note is UTF-8 text ending in a newline, then a blank line, then one or
 * more signature lines "— <name> <base64(4-byte key ID || signature)>\n"
 * (U+2014 EM DASH, one space).  The text must not contain control
 * characters other than newline.  Entries, checkpoints and cosignatures of
 * the registry are all signed notes, so any C2SP verifier can check them.
 */
#ifndef QUANPIAO_NOTE_H
#define QUANPIAO_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits that parsing enforces (hostile input). */
#define QP_NOTE_MAX_SIZE (1u << 20) /* whole note, bytes       */
#define QP_NOTE_MAX_SIGS 100	    /* signature lines per note */

/* One signature line of an opened note. */
typedef struct qp_note_sig {
	char *name;	    /* key name as written       */
	uint32_t id;	    /* key ID from the signature */
	unsigned char *sig; /* signature bytes after the ID */
	size_t sig_len;
	/* The known verifier that verified it, or NULL (borrowed from the caller's array). */
	const qp_verifier *by;
} qp_note_sig;

/* An opened (parsed and verified) note. */
typedef struct qp_note {
	char *text; /* the note text, through its final newline, NUL-terminated */
	size_t text_len;
	qp_note_sig *sigs; /* in the order they appear */
	size_t nsigs;
} qp_note;

/*
 * Sign text (which must end in '\n' and satisfy the note rules) with each
 * key, producing the note in *out (malloc'd, NUL-terminated, *out_len
 * bytes, caller frees with free()).  One signature line per key, in the
 * order given.  QP_EINVALID if the text breaks a rule or the note would
 * exceed QP_NOTE_MAX_SIZE; QP_EUSAGE for no keys or more than
 * QP_NOTE_MAX_SIGS.
 */
QP_API int qp_note_sign(char **out, size_t *out_len, const char *text, size_t text_len,
			const qp_key *const *keys, size_t nkeys);

/*
 * Parse msg strictly and verify its signatures against the known
 * verifiers (matched by name and key ID; Ed25519 type only).  Signatures
 * by unknown keys are kept with by == NULL.  Succeeds only if at least one
 * known verifier's signature verifies; a signature by a known key that
 * does not verify fails the whole note.  Errors: QP_EINVALID (malformed,
 * with the rule broken), QP_EVERIFY (no known signature, or a bad one).
 * *out owns the note; free with qp_note_free.
 */
QP_API int qp_note_open(qp_note **out, const char *msg, size_t msg_len, const qp_verifier *const *known,
			size_t nknown);

/* Parse msg strictly without verifying anything (all by == NULL).  *out owns the note. */
QP_API int qp_note_parse(qp_note **out, const char *msg, size_t msg_len);

/* Free a note and everything in it.  NULL is fine. */
QP_API void qp_note_free(qp_note *note);

#ifdef __cplusplus
}
#endif

#endif
