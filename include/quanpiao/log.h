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
} qp_checkpoint;

/*
 * Parse the text of a checkpoint note (origin, size, root lines, and the
 * status-map extension line if there is one). QP_EINVALID if malformed.
 */
QP_API int qp_checkpoint_parse(qp_checkpoint *out, const char *text, size_t text_len);

#ifdef __cplusplus
}
#endif

#endif
