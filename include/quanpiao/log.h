/*
 * quanpiao/log.h - reading the log: entries, checkpoints and proofs, in
 * the exact formats other tools consume (docs/design.md §3-4).
 *
 * A checkpoint (c2sp.org/tlog-checkpoint) is a note "<origin>\n<size>\n
 * <base64 root>\n" signed by the registry's log key.  Every checkpoint
 * ever signed is kept; there is at most one per tree size.
 */
#ifndef QUANPIAO_LOG_H
#define QUANPIAO_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"
#include "quanpiao/merkle.h"
#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pass as a size to mean "the latest checkpoint". */
#define QP_LOG_LATEST UINT64_MAX

/* Number of entries in the log. */
QP_API int qp_log_size(uint64_t *out, qp_registry *reg);

/* The exact note bytes of entry index (malloc'd, NUL-terminated; free with free()). */
QP_API int qp_log_entry(char **note, size_t *note_len, qp_registry *reg, uint64_t index);

/* One entry as qp_log_entries reports it; valid during the callback only. */
typedef struct qp_log_item {
	uint64_t index;
	const char *type, *signer, *time;
	const unsigned char *leaf_hash;
	const char *note;
	size_t note_len;
} qp_log_item;

/* Call fn for entries [start, end) in order; stops at fn's first error. */
QP_API int qp_log_entries(qp_registry *reg, uint64_t start, uint64_t end,
			  int (*fn)(void *ctx, const qp_log_item *item), void *ctx);

/* The root hash of the tree of the first size entries. */
QP_API int qp_log_root(unsigned char root[QP_HASH_LEN], qp_registry *reg, uint64_t size);

/*
 * Sign a checkpoint of the whole tree with log_key, which must be the
 * registry's enrolled, unrevoked log key (QP_EPERM otherwise).  If the
 * latest checkpoint already covers the whole tree, it is returned and
 * nothing is signed.  *note (malloc'd) is the checkpoint note.
 */
QP_API int qp_log_sign(char **note, size_t *note_len, qp_registry *reg, const qp_key *log_key);

/*
 * Append n notes and sign a checkpoint covering them in ONE transaction
 * (the service's group commit): one commit, one fsync, makes the entries
 * and their checkpoint durable together, so no entry is ever stored
 * without a checkpoint that covers it.  As qp_registry_append_batch_verified
 * otherwise: every rule is checked, a refused note does not stop the
 * others; a refused note is tried once more after the others, inside the
 * transaction (a later note may have made it valid), and then refused(ctx,
 * i, code) is called while qp_error_last() says why.
 *
 * Returns QP_OK when the transaction committed (or nothing was appended:
 * then nothing was written and checkpoint is NULL), with results[i] and
 * indexes[i] per note, the checkpoint (malloc'd) and its size, and for
 * each appended note with proofs[i] != NULL its inclusion proof in that
 * checkpoint.  Any error - in an append (I/O, memory), in signing (the log
 * key revoked or expired: QP_EPERM) or in the commit - rolls the whole
 * transaction back: nothing was appended, every results[i] is that error.
 */
typedef struct qp_log_batch {
	/* In. */
	size_t n;
	const char *const *notes;
	const size_t *note_lens;
	const struct qp_personal *const *pds; /* each note's personal data, or NULL */
	const unsigned char *const *verified; /* as qp_registry_append_batch_verified, or NULL */
	const qp_key *log_key;
	void (*refused)(void *ctx, size_t i, int code); /* may be NULL */
	void *ctx;
	qp_merkle_proof *const *proofs; /* NULL, or n pointers (each may be NULL) */
	/* Out (n each). */
	uint64_t *indexes;
	int *results;
	/* Out. */
	char *checkpoint;
	size_t checkpoint_len;
	uint64_t size;
} qp_log_batch;

QP_API int qp_log_append_signed(qp_registry *reg, qp_log_batch *batch);

/* A stored checkpoint of size (QP_LOG_LATEST for the latest); *size_out gets its size. */
QP_API int qp_log_checkpoint(char **note, size_t *note_len, uint64_t *size_out, qp_registry *reg,
			     uint64_t size);

/* Merkle proofs over the log. */
QP_API int qp_log_inclusion(qp_merkle_proof *out, qp_registry *reg, uint64_t index, uint64_t size);
QP_API int qp_log_consistency(qp_merkle_proof *out, qp_registry *reg, uint64_t size1, uint64_t size2);

/*
 * A c2sp.org/tlog-proof@v1 for entry index against the signed checkpoint
 * of size (QP_LOG_LATEST: the latest one).  QP_ENOTFOUND if no such
 * checkpoint; QP_EINVALID if the checkpoint does not cover the entry.
 */
QP_API int qp_log_tlog_proof(char **out, size_t *out_len, qp_registry *reg, uint64_t index, uint64_t size);

/* The c2sp.org/tlog-proof@v1 text of entry index with its proof in checkpoint (malloc'd). */
QP_API int qp_log_tlog_proof_text(char **out, size_t *out_len, uint64_t index, const qp_merkle_proof *proof,
				  const char *checkpoint, size_t checkpoint_len);

/*
 * The body of a c2sp.org/tlog-witness add-checkpoint request: "old
 * <from>", the consistency proof from size from to the latest checkpoint,
 * a blank line, and the latest checkpoint.
 */
QP_API int qp_log_witness_request(char **out, size_t *out_len, qp_registry *reg, uint64_t from);

/* A parsed checkpoint text. */
typedef struct qp_checkpoint {
	char origin[256];
	uint64_t size;
	unsigned char root[QP_HASH_LEN];
	/* The status map's root from its extension line (quanpiao/statusmap.h), if have_map. */
	int have_map;
	unsigned char map_root[QP_HASH_LEN];
	/*
	 * The access record's chain from its extension line (quanpiao/access.h), if
	 * have_access: the chain of its first access_records rows.
	 */
	int have_access;
	uint64_t access_records;
	unsigned char access_chain[QP_HASH_LEN];
} qp_checkpoint;

/*
 * Parse the text of a checkpoint note (origin, size, root lines, and the
 * status-map and access-record extension lines if there are). QP_EINVALID
 * if malformed.
 */
QP_API int qp_checkpoint_parse(qp_checkpoint *out, const char *text, size_t text_len);

#ifdef __cplusplus
}
#endif

#endif
