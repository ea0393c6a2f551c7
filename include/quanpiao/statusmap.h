/*
 * quanpiao/statusmap.h - the status map: a sparse Merkle tree from every
 * certificate number to its current state, whose root every checkpoint
 * commits to (docs/format.md, "The status map").
 *
 * The construction is the binary sparse Merkle tree of the Jellyfish
 * Merkle Tree (Gao et al., 2021; Diem/Aptos "SparseMerkleProof"): a
 * subtree holding one leaf is that leaf, an empty subtree is 32 zero
 * bytes, over SHA-256 with a domain byte for leaves (0x00) and interior
 * nodes (0x01).  A proof is the path's siblings from the root down to the
 * first node that is a leaf or empty; it proves membership (that leaf is
 * the certificate's) and non-membership (that leaf is another key's, or
 * the subtree is empty).
 */
#ifndef QUANPIAO_STATUSMAP_H
#define QUANPIAO_STATUSMAP_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/certs.h"
#include "quanpiao/merkle.h"
#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The checkpoint extension line: "<QP_STATUSMAP_LINE> <base64 root>". */
#define QP_STATUSMAP_LINE	"quanpiao/status-map/v1"
#define QP_STATUSMAP_DEPTH	256 /* key bits */
#define QP_STATUSMAP_RECORD_MAX 256 /* bytes of a record */

/* A certificate's state as the map holds it. */
typedef struct qp_statusmap_record {
	char id[QP_CERT_ID_LEN + 1];
	qp_cert_kind kind;
	qp_cert_state state;
	char holder[19];
	int64_t area;	      /* hundredths of m² */
	char valid_until[11]; /* "" if none */
	uint64_t entry;	      /* the index of the entry that last changed it */
} qp_statusmap_record;

/* The key of certificate id: SHA-256("quanpiao/cert\n" || id). */
QP_API void qp_statusmap_key(unsigned char out[QP_HASH_LEN], const char *id);

/*
 * The record's canonical bytes (what the leaf commits to) into buf of
 * QP_STATUSMAP_RECORD_MAX bytes; *len gets their length.  QP_EINVALID if
 * a field does not fit its rule.
 */
QP_API int qp_statusmap_record_encode(char *buf, size_t *len, const qp_statusmap_record *r);
/* Parse canonical record bytes; QP_EINVALID naming the field if they are not canonical. */
QP_API int qp_statusmap_record_parse(qp_statusmap_record *out, const char *buf, size_t len);

/* A map proof for one key. */
typedef struct qp_statusmap_proof {
	unsigned depth;						/* siblings: depth 0 .. depth-1 */
	unsigned char sibling[QP_STATUSMAP_DEPTH][QP_HASH_LEN]; /* the child beside the path at each depth */
	int leaf; /* the path ends in a leaf (1) or an empty subtree (0) */
	unsigned char leaf_key[QP_HASH_LEN];
	unsigned char leaf_value_hash[QP_HASH_LEN]; /* SHA-256 of the leaf's record bytes */
} qp_statusmap_proof;

/*
 * Check proof against root for the key of id.  With record (its canonical
 * bytes, record_len) it proves membership: the map holds exactly that
 * record for id; with record NULL it proves that the map holds no record
 * for id.  QP_EVERIFY naming id and what does not hold.
 */
QP_API int qp_statusmap_proof_verify(const qp_statusmap_proof *proof, const unsigned char root[QP_HASH_LEN],
				     const char *id, const char *record, size_t record_len);

/* The proof as text (docs/format.md); *out malloc'd, NUL-terminated. */
QP_API int qp_statusmap_proof_text(char **out, size_t *out_len, const qp_statusmap_proof *proof);
/* Parse proof text; QP_EINVALID naming the line. */
QP_API int qp_statusmap_proof_parse(qp_statusmap_proof *out, const char *text, size_t len);

/* The map's root after the registry's whole log. */
QP_API int qp_statusmap_root(unsigned char out[QP_HASH_LEN], qp_registry *reg);

/*
 * The map's proof for certificate id as of log size (the size of a
 * signed checkpoint, or the log's size).  *record (malloc'd record bytes,
 * or NULL if the map holds none for id) and *record_len.
 */
QP_API int qp_statusmap_prove(qp_statusmap_proof *proof, char **record, size_t *record_len, qp_registry *reg,
			      const char *id, uint64_t size);

/*
 * The root a checkpoint text commits to in its extension line.
 * QP_ENOTFOUND if it has none; QP_EINVALID if the line is malformed or
 * appears twice.
 */
QP_API int qp_statusmap_checkpoint_root(unsigned char out[QP_HASH_LEN], const char *text, size_t text_len);

/*
 * A status proof of certificate id against the latest checkpoint, as a
 * file quanpiao verify checks offline:
 *
 *     quanpiao/status/v1
 *     certificate <id>
 *     checkpoint <n>        then n bytes: the checkpoint note, with its cosignatures
 *     map <n>               then n bytes: the map proof text
 *     record <n>            then n bytes: the record (absent if the map holds none)
 *     entry <index> <n>     then n bytes: the note of the record's entry (absent likewise)
 *     proof <n>             then n bytes: its c2sp.org/tlog-proof@v1 against the checkpoint
 *
 * *out malloc'd.  QP_EINVALID if there is no checkpoint.
 */
QP_API int qp_statusmap_status_proof(char **out, size_t *out_len, qp_registry *reg, const char *id);

/*
 * The same against the stored checkpoint of size (QP_LOG_LATEST: the latest;
 * qp_log_cosigned_size finds the newest a witness cosigned).  QP_ENOTFOUND
 * if no checkpoint of that size was signed.
 */
QP_API int qp_statusmap_status_proof_at(char **out, size_t *out_len, qp_registry *reg, const char *id,
					uint64_t size);

/* What qp_statusmap_status_verify found. */
typedef struct qp_status_result {
	char id[QP_CERT_ID_LEN + 1];
	int present; /* the map holds a record for id */
	qp_statusmap_record record;
	uint64_t size; /* the checkpoint's */
	size_t cosignatures;
} qp_status_result;

/*
 * Verify a status proof: the checkpoint is signed by log_key (a vkey) and
 * cosigned by each of the n witness vkeys; the map proof holds against
 * its status-map line; the record's entry is in the log with the proof
 * and names the certificate.  QP_EVERIFY naming the certificate and the
 * check that fails (also when the proof proves that the map holds no
 * such certificate: then out->size is set and out->present is 0);
 * QP_EINVALID for a malformed file.
 */
QP_API int qp_statusmap_status_verify(qp_status_result *out, const char *text, size_t len,
				      const char *log_key, const char *const *witness_keys, size_t n);

#ifdef __cplusplus
}
#endif

#endif
