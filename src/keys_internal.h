/*
 * keys_internal.h - what src/keys.c shares with the rest of the library and
 * its tests (private).
 */
#ifndef QP_SRC_KEYS_INTERNAL_H
#define QP_SRC_KEYS_INTERNAL_H

#include <stddef.h>

#include "quanpiao/keys.h"

/*
 * qp_key_check_name for a name that is not NUL-terminated (len bytes at
 * name), as it appears inside a signature line or a key file.  QP_OK or
 * QP_EINVALID with the rule broken.
 */
int qp_key_check_name_len(const char *name, size_t len);

/*
 * Parse a verifier-key string of exactly len bytes, no surrounding
 * whitespace allowed (qp_verifier_parse trims first).  Same errors as
 * qp_verifier_parse.  *out owns the verifier.
 */
int qp_verifier_parse_len(qp_verifier **out, const char *text, size_t len);

/*
 * Test hook: the Argon2id limits that qp_key_save records in new key files
 * (0, 0 = the defaults, crypto_pwhash_OPSLIMIT_INTERACTIVE and
 * MEMLIMIT_INTERACTIVE).  Tests set the _MIN values to run fast.  Not
 * thread-safe; call it before any key is saved.
 */
void qp_key_set_kdf_limits(unsigned long long opslimit, size_t memlimit);

#endif
