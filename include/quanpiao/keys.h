/*
 * quanpiao/keys.h - Ed25519 keys, verifier-key strings and key files.
 *
 * A key has a name (ASCII, no spaces, no '+', e.g.
 * "330681.officer.zhang-wei") and a key ID: the first 4 bytes, big-endian,
 * of SHA-256(name || 0x0A || 0x01 || public key) (c2sp.org/signed-note).
 * Public keys travel as verifier-key strings
 * "<name>+<8 hex id>+<base64(0x01 || public key)>".  Secret keys live in
 * sodium_malloc memory and are wiped when freed; on disk they are files
 * created 0600 with O_EXCL|O_NOFOLLOW, the seed sealed with a key derived
 * from a passphrase by Argon2id (crypto_pwhash), or stored in clear only
 * when the caller passes no passphrase.
 */
#ifndef QUANPIAO_KEYS_H
#define QUANPIAO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QP_KEY_NAME_MAX	  128
#define QP_PUBLIC_KEY_LEN 32
#define QP_SIGNATURE_LEN  64
#define QP_SEED_LEN	  32

/* Signature algorithm bytes of c2sp.org/signed-note. */
#define QP_KEY_TYPE_ED25519	0x01
#define QP_KEY_TYPE_COSIGNATURE 0x04

typedef struct qp_key qp_key;		/* a secret key and its name     */
typedef struct qp_verifier qp_verifier; /* a public key and its name     */

/* QP_OK if name is a valid key name (1-128 printable ASCII, no space or '+'), else QP_EINVALID. */
QP_API int qp_key_check_name(const char *name);

/* The key ID of name and public key for the given key type byte. */
QP_API uint32_t qp_key_compute_id(const char *name, uint8_t type, const unsigned char pub[QP_PUBLIC_KEY_LEN]);

/* Generate a fresh key.  *out owns it; free with qp_key_free. */
QP_API int qp_key_generate(qp_key **out, const char *name);

/* Make a key from a 32-byte Ed25519 seed (tests, known answers). */
QP_API int qp_key_from_seed(qp_key **out, const char *name, const unsigned char seed[QP_SEED_LEN]);

/*
 * Write key to a new file at path, mode 0600, refusing to overwrite
 * (QP_ECONFLICT if it exists) or follow a symlink.  With a passphrase
 * (NUL-terminated, at least 1 byte; "" is QP_EINVALID) the seed is sealed
 * with Argon2id + XChaCha20-Poly1305; with passphrase NULL it is stored in
 * clear.  The file is text: a "quanpiao secret key v1" line, then name,
 * vkey and either kdf/cipher/sealed or seed lines.  QP_EIO if it cannot be
 * written, and then no file is left behind.
 */
QP_API int qp_key_save(const qp_key *key, const char *path, const char *passphrase);

/*
 * Read a key file.  Refuses a file readable or writable by group or others
 * (QP_EPERM), a symlink (QP_EPERM), a missing file (QP_ENOTFOUND), a
 * damaged or truncated file (QP_EINVALID), a wrong passphrase (QP_EPERM,
 * "wrong passphrase"), a missing passphrase for an encrypted file
 * (QP_EPERM), KDF limits beyond libsodium's SENSITIVE ones (QP_EINVALID).
 * passphrase is ignored for a clear file.  *out owns the key; free with
 * qp_key_free.
 */
QP_API int qp_key_load(qp_key **out, const char *path, const char *passphrase);

/*
 * Nonzero in *out if the key file at path is passphrase-protected (so the
 * caller knows whether to ask for one).  Same file checks and errors as
 * qp_key_load, without decrypting.
 */
QP_API int qp_key_file_encrypted(int *out, const char *path);

/*
 * Read the first line of a passphrase file into buf (cap bytes, NUL-
 * terminated; a final CR is dropped).  The file is checked as a key file
 * is: no symlink, a regular file, no permission bit for group or others
 * (QP_EPERM naming the mode and its bits).  QP_EINVALID if the line does not
 * fit.  The caller wipes buf.
 */
QP_API int qp_passphrase_file_read(char *buf, size_t cap, const char *path);

/* Wipe and free a key.  NULL is fine. */
QP_API void qp_key_free(qp_key *key);

QP_API const char *qp_key_name(const qp_key *key);
QP_API uint32_t qp_key_id(const qp_key *key);
QP_API const unsigned char *qp_key_public(const qp_key *key);

/* Ed25519 signature of msg (msg may be NULL when len is 0).  Thread-safe for one key. */
QP_API int qp_key_sign(unsigned char sig[QP_SIGNATURE_LEN], const qp_key *key, const void *msg, size_t len);

/* The verifier of key (its public half, type 0x01).  *out owns it; free with qp_verifier_free. */
QP_API int qp_key_verifier(qp_verifier **out, const qp_key *key);

/*
 * Parse a verifier-key string (surrounding whitespace and a final newline
 * are allowed).  Checks the name, that the key ID matches, the type byte
 * (0x01 Ed25519, or 0x04 cosignature) and the key length.  QP_EINVALID
 * with the reason on failure.  *out owns the verifier; free with
 * qp_verifier_free.
 */
QP_API int qp_verifier_parse(qp_verifier **out, const char *text);

/* The verifier-key string of v (malloc'd, NUL-terminated; caller frees with free()). */
QP_API int qp_verifier_string(char **out, const qp_verifier *v);

QP_API void qp_verifier_free(qp_verifier *v);
QP_API const char *qp_verifier_name(const qp_verifier *v);
QP_API uint32_t qp_verifier_id(const qp_verifier *v);
QP_API uint8_t qp_verifier_type(const qp_verifier *v);
QP_API const unsigned char *qp_verifier_public(const qp_verifier *v);

/*
 * QP_OK if sig is a valid Ed25519 signature of msg by v, else QP_EVERIFY.
 * Only for type 0x01 verifiers: a cosignature (0x04) verifier gives
 * QP_EUSAGE, as its signatures cover a different message.
 */
QP_API int qp_verifier_verify(const qp_verifier *v, const unsigned char sig[QP_SIGNATURE_LEN],
			      const void *msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif
