/*
 * quanpiao/cosign.h - witness cosignatures of checkpoints
 * (c2sp.org/tlog-cosignature, cosignature/v1) and the checks a witness
 * makes before it cosigns (c2sp.org/tlog-witness).
 *
 * A cosignature is one signature line of the checkpoint's note:
 *     "— <name> <base64(key ID || timestamp || signature)>\n"
 * where the key ID is the first 4 bytes of SHA-256(name || 0x0A || 0x04 ||
 * public key), the timestamp is 8 bytes big-endian (seconds since the
 * epoch) and the signature is the Ed25519 signature of
 *     "cosignature/v1\ntime <timestamp in decimal>\n" || checkpoint text
 * (the text is the note's lines through the final newline, without the
 * blank line and the signatures).  Auditors are enrolled with an ordinary
 * Ed25519 (0x01) verifier key or a cosignature (0x04) one; either way
 * their cosignature key ID is derived from the same name and public key.
 */
#ifndef QUANPIAO_COSIGN_H
#define QUANPIAO_COSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"
#include "quanpiao/log.h"
#include "quanpiao/merkle.h"
#include "quanpiao/note.h"
#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of a decoded cosignature: key ID, timestamp, Ed25519 signature. */
#define QP_COSIGNATURE_LEN (4 + 8 + QP_SIGNATURE_LEN)

/*
 * The cosignature (type 0x04) verifier of v's name and public key; v may
 * be of type 0x01 or 0x04 (then *out is a copy).  *out owns the verifier;
 * free with qp_verifier_free.
 */
QP_API int qp_cosign_verifier(qp_verifier **out, const qp_verifier *v);

/*
 * Cosign the checkpoint note (a signed c2sp.org/tlog-checkpoint; its
 * signatures are not checked here) as key at timestamp (seconds since
 * the epoch; 0 means now).  *line (malloc'd, NUL-terminated, free with
 * free()) gets the signature line, with its final newline.  QP_EINVALID
 * if the note is not a well-formed checkpoint.
 */
QP_API int qp_cosign_sign(char **line, size_t *line_len, const qp_key *key, const char *checkpoint_note,
			  size_t note_len, uint64_t timestamp);

/*
 * Verify a cosignature line (with or without its final newline) over the
 * checkpoint note (or its bare text) against v, a 0x01 or 0x04 verifier:
 * the line must name v's key, carry v's cosignature key ID, and its
 * signature must verify.  *timestamp (may be NULL) gets the timestamp.
 * QP_OK; QP_EINVALID for a malformed line or checkpoint; QP_EVERIFY,
 * saying why, when the line is not v's or does not verify.
 */
QP_API int qp_cosign_verify(uint64_t *timestamp, const qp_verifier *v, const char *line, size_t line_len,
			    const char *checkpoint_note, size_t note_len);

/*
 * The same for a signature line already parsed from a note (qp_note_open
 * leaves it with by == NULL when no verifier given matched it): s must be
 * v's cosignature (name, cosignature key ID, timestamp and Ed25519
 * signature) over text, the note's text.  *timestamp (may be NULL) gets
 * the timestamp.  QP_OK; QP_EVERIFY saying why not.
 */
QP_API int qp_cosign_verify_sig(uint64_t *timestamp, const qp_verifier *v, const qp_note_sig *s,
				const char *text, size_t text_len);

/*
 * Parse the body of a c2sp.org/tlog-witness add-checkpoint request ("old
 * <size>", one base64 hash per line, a blank line, a checkpoint note) as
 * qp_log_witness_request writes it.  *old_size and *proof get the old size
 * and the consistency proof; the checkpoint note is the last
 * body_len - *note_offset bytes of body.  QP_EINVALID naming the line at
 * fault.
 */
QP_API int qp_cosign_parse_request(uint64_t *old_size, qp_merkle_proof *proof, size_t *note_offset,
				   const char *body, size_t body_len);

/*
 * What a witness checks before it cosigns: the checkpoint note is signed
 * by log_v, which must be named like the checkpoint's origin; and, unless
 * old is NULL or of size 0 (first use: trusted as it is), the checkpoint
 * extends old: the same origin, a size no smaller, the same root at the
 * same size, and proof proves consistency from old to it.  *out gets the
 * parsed checkpoint.  Errors: QP_EINVALID (malformed), QP_EVERIFY (a bad
 * log signature, or an inconsistent checkpoint: the message then names
 * both checkpoints, origin, size and root of each, and why they conflict).
 */
QP_API int qp_cosign_check(qp_checkpoint *out, const char *note, size_t note_len, const qp_verifier *log_v,
			   const qp_checkpoint *old, const qp_merkle_proof *proof);

/*
 * QP_OK if the registry has an unrevoked, unexpired auditor key named
 * name with this public key, enrolled by an entry that the stored
 * checkpoint of size (QP_LOG_LATEST: the latest) covers, so that anyone
 * holding that checkpoint can find the key in the log (a bundle carries
 * only the entries below its checkpoint).  QP_EPERM saying why not (not
 * enrolled, another public key, another role, revoked, expired, enrolled
 * after the checkpoint); QP_ENOTFOUND if there is no such checkpoint.
 */
QP_API int qp_log_check_cosigner(qp_registry *reg, const char *name,
				 const unsigned char pub[QP_PUBLIC_KEY_LEN], uint64_t size);

/*
 * Add a cosignature line to the stored checkpoint of size (QP_LOG_LATEST:
 * the latest one).  The witness must pass qp_log_check_cosigner (matched
 * by name and cosignature key ID), the line must verify over that
 * checkpoint, and its timestamp may be at most
 * QP_ENTRY_MAX_FUTURE_SECONDS ahead.  A cosignature of the same checkpoint
 * by the same key replaces an older one.  Errors: QP_EINVALID (malformed
 * line, time ahead), QP_EPERM (witness not allowed, signature does not
 * verify), QP_ENOTFOUND (no such checkpoint), QP_EIO.
 */
QP_API int qp_log_add_cosignature(qp_registry *reg, const char *line, size_t line_len, uint64_t size);

/*
 * The stored checkpoint of size (QP_LOG_LATEST for the latest) as a note
 * with every stored cosignature line appended after the log's signature
 * (a valid multi-signature note; without cosignatures it is the checkpoint
 * exactly as qp_log_checkpoint gives it).  *size_out and *cosignatures
 * (each may be NULL) get its size and the number of cosignatures.  *note
 * is malloc'd; free with free().
 */
QP_API int qp_log_checkpoint_cosigned(char **note, size_t *note_len, uint64_t *size_out, size_t *cosignatures,
				      qp_registry *reg, uint64_t size);

/*
 * The size of the newest stored checkpoint with at least min cosignatures
 * (1 to QP_NOTE_MAX_SIGS - 1; by any witnesses): the newest that a reader
 * requiring that many can rely on, when the latest is not yet cosigned.
 * QP_ENOTFOUND if none has; QP_EINVALID for min out of range.
 */
QP_API int qp_log_cosigned_size(uint64_t *size, qp_registry *reg, size_t min);

#ifdef __cplusplus
}
#endif

#endif
