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
 * out.  Returns QP_OK or a QP_E* code (which the caller propagates).
 */
typedef int (*qp_merkle_get_fn)(void *ctx, unsigned level, uint64_t index, unsigned char out[QP_HASH_LEN]);

/* Callback: store the hash of the complete subtree at (level, index). */
typedef int (*qp_merkle_put_fn)(void *ctx, unsigned level, uint64_t index,
				const unsigned char hash[QP_HASH_LEN]);

/* SHA-256(0x00 || data). */
void qp_merkle_leaf_hash(unsigned char out[QP_HASH_LEN], const void *data, size_t len);

/* SHA-256(0x01 || left || right). */
void qp_merkle_node_hash(unsigned char out[QP_HASH_LEN], const unsigned char left[QP_HASH_LEN],
			 const unsigned char right[QP_HASH_LEN]);

/*
 * Append the leaf with hash leaf as leaf number index (the tree had index
 * leaves before): put (0, index) and every complete subtree that the new
 * leaf completes, reading the left siblings with get.  O(log n).
 */
int qp_merkle_append(uint64_t index, const unsigned char leaf[QP_HASH_LEN], qp_merkle_get_fn get,
		     qp_merkle_put_fn put, void *ctx);

/* The root hash of the tree of the first size leaves (size 0: SHA-256 of ""). */
int qp_merkle_root(unsigned char out[QP_HASH_LEN], uint64_t size, qp_merkle_get_fn get, void *ctx);

/* The inclusion proof of leaf index in the tree of size leaves (index < size). */
int qp_merkle_inclusion_proof(qp_merkle_proof *out, uint64_t index, uint64_t size, qp_merkle_get_fn get,
			      void *ctx);

/* The consistency proof between sizes size1 <= size2 (RFC 9162 2.1.4). */
int qp_merkle_consistency_proof(qp_merkle_proof *out, uint64_t size1, uint64_t size2, qp_merkle_get_fn get,
				void *ctx);

/*
 * Verify that leaf is leaf number index of the tree of size leaves with the
 * given root.  Returns QP_OK, or QP_EVERIFY with a message saying why.
 */
int qp_merkle_verify_inclusion(const unsigned char leaf[QP_HASH_LEN], uint64_t index, uint64_t size,
			       const qp_merkle_proof *proof, const unsigned char root[QP_HASH_LEN]);

/*
 * Verify that the tree (size2, root2) extends the tree (size1, root1).
 * Returns QP_OK, or QP_EVERIFY with a message saying why.
 */
int qp_merkle_verify_consistency(uint64_t size1, uint64_t size2, const unsigned char root1[QP_HASH_LEN],
				 const unsigned char root2[QP_HASH_LEN], const qp_merkle_proof *proof);

#ifdef __cplusplus
}
#endif

#endif
