/*
 * quanpiao/registry.h - a registry: its log of signed entries and the
 * state derived from it.
 *
 * Every change is an entry signed by an enrolled key and appended to the
 * log.  Appending checks the entry against the current state and policy,
 * then stores the entry, the Merkle tree and the state changes in one
 * transaction: the log and the state never diverge.  Entry bodies are
 * passed and returned as JSON text; the library canonicalises them.
 */
#ifndef QUANPIAO_REGISTRY_H
#define QUANPIAO_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"
#include "quanpiao/schema.h" /* the entry bodies and their limits */

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An open registry; like a qp_store, used from one thread at a time. */
typedef struct qp_registry qp_registry;

/*
 * How far two clocks may disagree: a signer's and the registry's, or two
 * signers'.  An entry may be dated at most this far ahead of the
 * registry's clock, and the policy's default allowed skew below the log's
 * time (time_skew_seconds, docs/rules.md) is this much too.
 */
#define QP_CLOCK_SKEW_SECONDS	    300
#define QP_ENTRY_MAX_FUTURE_SECONDS QP_CLOCK_SKEW_SECONDS
/* The limits of the policy's time_skew_seconds: an hour at most. */
#define QP_TIME_SKEW_MAX_SECONDS 3600

/*
 * How far behind its own index the log state an entry names may be
 * (docs/format.md): the state of size S named by entry I needs
 * I - QP_LOG_STATE_MAX_LAG <= S <= I.  100,000 lets a group commit take
 * 1,000 entries signed against the served checkpoint with room to spare;
 * the legacy import names the state before each row, at most 8 entries
 * behind.
 */
#define QP_LOG_STATE_MAX_LAG 100000

/* What qp_registry_create needs to start a registry. */
typedef struct qp_genesis {
	const char *origin;	 /* log origin, e.g. "zhuji.quanpiao.example/registry" */
	const char *county;	 /* 6-digit county code, "330681"                   */
	const char *county_name; /* "诸暨市"                                       */
	const char *log_vkey;	 /* verifier key of the log (checkpoint) key       */
} qp_genesis;

/*
 * Create a registry file at path (which must not exist) and append its
 * first entries, all signed by authority: registry.genesis (origin,
 * county, the authority's verifier key), key.enroll of the log key (whose
 * name must be the origin), and policy.set with the default policy.
 * On failure nothing is left at path.  *out owns the open registry.
 */
QP_API int qp_registry_create(qp_registry **out, const char *path, const qp_genesis *genesis,
			      const qp_key *authority);

/*
 * Open an existing registry (flags: QP_STORE_READONLY or 0).  Fails with
 * QP_ECORRUPT if the file has no genesis entry.
 */
QP_API int qp_registry_open(qp_registry **out, const char *path, unsigned flags);

QP_API void qp_registry_free(qp_registry *reg);

/*
 * qp_store_shared_mode of the registry's file: 0 when it is private to its
 * owner.  Otherwise also the warning quanpiao and quanpiaod print, in out
 * (len bytes, cut to fit; out may be NULL): "other users of this machine
 * may read or write PATH (...); make it private: chmod go-rwx ...".
 */
QP_API unsigned qp_registry_shared_mode(const qp_registry *reg, char *out, size_t len);

/* Facts from the genesis entry; owned by reg. */
QP_API const char *qp_registry_origin(const qp_registry *reg);
QP_API const char *qp_registry_county(const qp_registry *reg);
QP_API const char *qp_registry_county_name(const qp_registry *reg);
QP_API const char *qp_registry_authority(const qp_registry *reg); /* verifier key string */

/*
 * Sign an entry of type with the given body (a JSON object as text) as
 * key, stamped with the current time, the registry's origin and the
 * registry's current log state (its size and root: docs/format.md; for the
 * CLI's mirror, the served checkpoint).  Does not append.  *note (malloc'd,
 * free with free()) holds the signed note.
 */
QP_API int qp_registry_sign_entry(char **note, size_t *note_len, const qp_registry *reg, const qp_key *key,
				  const char *type, const char *body_json);

/*
 * Append a signed entry note: parse it, check the signature, the signer's
 * enrolment, role, expiry and revocation, the origin, the time (at most
 * QP_ENTRY_MAX_FUTURE_SECONDS ahead, not before the log's time minus the
 * policy's skew), the log state it names (docs/format.md) and the type's
 * rules, then store it.
 * *index (may be NULL) gets its leaf index.  Errors: QP_EINVALID
 * (malformed, rule broken), QP_EPERM (signature, key, role, origin),
 * QP_ECONFLICT (state conflict, busy), QP_EIO.  On error nothing changes.
 */
QP_API int qp_registry_append(qp_registry *reg, const char *note, size_t note_len, uint64_t *index);

/*
 * Append an entry with the personal data its body commits to
 * (quanpiao/personal.h): household.add, or home.activate with a person
 * investor.  The data must match the commitment; it is stored beside the
 * log in the same transaction.  qp_registry_append refuses such an entry
 * without its data (QP_EINVALID).  pd may be NULL for other entries.
 */
struct qp_personal;
QP_API int qp_registry_append_personal(qp_registry *reg, const char *note, size_t note_len,
				       const struct qp_personal *pd, uint64_t *index);

/*
 * Append n notes in one transaction (group commit).  results[i] gets each
 * note's QP_OK or error code and indexes[i] its index; a failing note does
 * not stop the others.  Returns QP_OK if the transaction committed (even
 * if some notes were refused), or the error that stopped it (then nothing
 * was appended).  The message of a refused note is not kept; append it
 * alone to get it.
 */
QP_API int qp_registry_append_batch(qp_registry *reg, const char *const *notes, const size_t *note_lens,
				    size_t n, uint64_t *indexes, int *results);
/* The same, with each note's personal data (pds[i] may be NULL; pds NULL: none at all). */
QP_API int qp_registry_append_batch_personal(qp_registry *reg, const char *const *notes,
					     const size_t *note_lens, const struct qp_personal *const *pds,
					     size_t n, uint64_t *indexes, int *results);

/*
 * Verify an entry note's signature with the key it names (enrolled under
 * that name and key ID, whatever its role or state), without appending:
 * the Ed25519 work a service does on its request threads, off the one
 * writer.  *public_key is the key that verified it.  QP_EPERM for an
 * unknown key or a signature that does not verify, QP_EINVALID for a
 * malformed note.
 */
QP_API int qp_registry_verify_note(qp_registry *reg, const char *note, size_t note_len,
				   unsigned char public_key[QP_PUBLIC_KEY_LEN]);
/*
 * qp_registry_append_batch_personal, where verified[i] (verified NULL, or
 * an element NULL: none) is the public key that verified note i's
 * signature (qp_registry_verify_note on the same bytes).  Every rule is
 * still checked - the signer enrolled, its role, not revoked, not expired
 * - and the signature is verified again unless the enrolled key is that key.
 */
QP_API int qp_registry_append_batch_verified(qp_registry *reg, const char *const *notes,
					     const size_t *note_lens, const struct qp_personal *const *pds,
					     const unsigned char *const *verified, size_t n,
					     uint64_t *indexes, int *results);

/*
 * Sign (as key) and append in one call.  The body is as officers write it:
 * a household.add with the head's "id_number" and "name", a household
 * named by its head's ID number; the personal data is taken out before
 * signing (quanpiao/personal.h) and numbers are filled in.
 */
QP_API int qp_registry_submit(qp_registry *reg, const qp_key *key, const char *type, const char *body_json,
			      uint64_t *index);

/* A key known to the registry. */
typedef struct qp_key_info {
	char *name;
	uint32_t key_id;
	char *vkey;
	char *role;	      /* "authority", "officer", "log", "auditor" */
	char *valid_until;    /* "2027-12-31" or NULL                      */
	uint64_t enrolled_at; /* entry index                              */
	int revoked;
	uint64_t revoked_at; /* entry index, if revoked                  */
	char *revoke_reason;
} qp_key_info;

/* All keys in enrolment order.  Free with qp_key_infos_free. */
QP_API int qp_registry_keys(qp_key_info **out, size_t *count, qp_registry *reg);
QP_API void qp_key_infos_free(qp_key_info *infos, size_t count);

/*
 * The policy parameters in force (canonical JSON, malloc'd; free with
 * free()) and the index of the policy.set entry that set them.
 */
QP_API int qp_registry_policy(char **params_json, uint64_t *since, qp_registry *reg);

#ifdef __cplusplus
}
#endif

#endif
