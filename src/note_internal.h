/*
 * note_internal.h - a signed note from a signature made elsewhere (on
 * another thread: see import_sign.c).
 */
#ifndef QP_SRC_NOTE_INTERNAL_H
#define QP_SRC_NOTE_INTERNAL_H

#include <stddef.h>

#include "quanpiao/keys.h"
#include "quanpiao/note.h"

/*
 * As qp_note_sign with the one key, but sig is the key's Ed25519
 * signature of text, already made (qp_key_sign).  Nothing checks that
 * it verifies: the caller made it with key.
 */
int qp_note_sign_given(char **out, size_t *out_len, const char *text, size_t text_len, const qp_key *key,
		       const unsigned char sig[QP_SIGNATURE_LEN]);

/*
 * Write key's signature line for sig ("— name base64(id, sig)\n") into
 * buf, without allocating; returns its length, or 0 if it needs more than
 * cap bytes (QP_NOTE_SIG_LINE_MAX always suffices).  A one-key note is
 * its text, "\n" and this line.
 */
#define QP_NOTE_SIG_LINE_MAX (4 + QP_KEY_NAME_MAX + 1 + 92 + 1)
size_t qp_note_sig_line(char *buf, size_t cap, const qp_key *key, const unsigned char sig[QP_SIGNATURE_LEN]);

#endif
