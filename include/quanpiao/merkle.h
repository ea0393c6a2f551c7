/*
 * quanpiao/merkle.h - RFC 6962 / RFC 9162 Merkle tree hashing, proofs and
 * their verification.
 *
 * Leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || l || r).
 * The tree is never held in memory: proofs and roots are computed from the
 * hashes of *complete* subtrees, which the caller supplies through a
 * qp_merkle_get_fn (the store keeps them in a table).  A complete subtree
 * at (level, index) covers leaves [index << level, (index + 1) << level).
 * Every function here reads O(log n) nodes; none allocates.
 */
#ifndef QUANPIAO_MERKLE_H
#define QUANPIAO_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QP_HASH_LEN 32
/* Upper bound on the hashes of any inclusion or consistency proof. */
#define QP_MERKLE_MAX_PROOF 128

/* A proof: an ordered list of hashes, as RFC 6962 and c2sp tlog-proof list them. */
typedef struct qp_merkle_proof {
	size_t len;
	unsigned char hash[QP_MERKLE_MAX_PROOF][QP_HASH_LEN];
} qp_merkle_proof;

/*
 * Callback: write the hash of the complete subtree at (level, index) to
 * out.  Returns QP_OK or a negative QP_E* code, which every function below
 * returns unchanged (a positive return is a bug and becomes QP_EINTERNAL).
 */
typedef int (*qp_merkle_get_fn)(void *ctx, unsigned level, uint64_t index, unsigned char out[QP_HASH_LEN]);

/* Callback: store the hash of the complete subtree at (level, index); codes as for get. */
typedef int (*qp_merkle_put_fn)(void *ctx, unsigned level, uint64_t index,
				const unsigned char hash[QP_HASH_LEN]);

/* SHA-256(0x00 || data). */
QP_API void qp_merkle_leaf_hash(unsigned char out[QP_HASH_LEN], const void *data, size_t len);

/* The leaf hash of head || tail, without joining them: SHA-256(0x00 || head || tail). */
QP_API void qp_merkle_leaf_hash2(unsigned char out[QP_HASH_LEN], const void *head, size_t head_len,
				 const void *tail, size_t tail_len);

/* SHA-256(0x01 || left || right). */
QP_API void qp_merkle_node_hash(unsigned char out[QP_HASH_LEN], const unsigned char left[QP_HASH_LEN],
				const unsigned char right[QP_HASH_LEN]);

/*
 * Append the leaf with hash leaf as leaf number index (the tree had index
 * leaves before): put (0, index) and every complete subtree that the new
 * leaf completes, reading the left siblings with get.  O(log n).  On error
 * some of the puts may have happened; the caller's transaction undoes them.
 */
QP_API int qp_merkle_append(uint64_t index, const unsigned char leaf[QP_HASH_LEN], qp_merkle_get_fn get,
			    qp_merkle_put_fn put, void *ctx);

/*
 * The root hash of the tree of the first size leaves (size 0: SHA-256 of
 * "", without reading anything).  At most popcount(size) reads.  Returns
 * QP_OK or the get callback's code (out is then zeroed).
 */
QP_API int qp_merkle_root(unsigned char out[QP_HASH_LEN], uint64_t size, qp_merkle_get_fn get, void *ctx);

/*
 * The inclusion proof (RFC 9162 2.1.3.1 PATH, hashes bottom-up) of leaf
 * index in the tree of size leaves.  QP_EUSAGE if index >= size; else
 * QP_OK or the get callback's code.  On failure out->len is 0.
 */
QP_API int qp_merkle_inclusion_proof(qp_merkle_proof *out, uint64_t index, uint64_t size,
				     qp_merkle_get_fn get, void *ctx);

/*
 * The consistency proof (RFC 9162 2.1.4.1 PROOF) between sizes
 * 0 < size1 <= size2; empty when size1 == size2.  QP_EUSAGE if size1 >
 * size2 or size1 == 0 (the empty tree is a prefix of every tree, so there
 * is nothing to prove and qp_merkle_verify_consistency rejects size1 0);
 * else QP_OK or the get callback's code.  On failure out->len is 0.
 */
QP_API int qp_merkle_consistency_proof(qp_merkle_proof *out, uint64_t size1, uint64_t size2,
				       qp_merkle_get_fn get, void *ctx);

/*
 * Verify that leaf is leaf number index of the tree of size leaves with the
 * given root (RFC 9162 2.1.3.2).  Returns QP_OK, or QP_EVERIFY with a
 * message saying why (index beyond size, wrong number of hashes, root
 * differs).  QP_EUSAGE only for NULL arguments.
 */
QP_API int qp_merkle_verify_inclusion(const unsigned char leaf[QP_HASH_LEN], uint64_t index, uint64_t size,
				      const qp_merkle_proof *proof, const unsigned char root[QP_HASH_LEN]);

/*
 * Verify that the tree (size2, root2) extends the tree (size1, root1)
 * (RFC 9162 2.1.4.2).  size1 == size2 needs an empty proof and equal roots;
 * size1 == 0 is always rejected, as transparency-dev/merkle does: a proof
 * from the empty tree proves nothing, so a first checkpoint is trusted on
 * first use instead.  Returns QP_OK, or QP_EVERIFY with a message saying
 * why.  QP_EUSAGE only for NULL arguments.
 */
QP_API int qp_merkle_verify_consistency(uint64_t size1, uint64_t size2,
					const unsigned char root1[QP_HASH_LEN],
					const unsigned char root2[QP_HASH_LEN], const qp_merkle_proof *proof);

#ifdef __cplusplus
}
#endif

#endif
