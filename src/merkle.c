/*
 * merkle.c - RFC 6962 / RFC 9162 Merkle tree over caller-stored subtrees.
 *
 * The tree is never in memory.  The store keeps the hash of every complete
 * subtree (level, index), covering leaves [index << level, (index + 1) <<
 * level), and hands them to us through a get callback.  Any node of the
 * RFC 6962 tree of size n covers a range [lo, hi) where lo is a multiple of
 * the smallest power of two >= hi - lo: either a complete subtree (one read)
 * or, on the right edge of the tree, a partial one whose hash folds the
 * complete subtrees of the binary decomposition of hi - lo (one read per set
 * bit).  A proof path leaves the right edge at most once, so every proof
 * and root costs at most about 2 log2(n) + 2 reads.
 *
 * Proofs are generated top-down by the RFC's PATH and SUBPROOF recursions
 * written as loops, then reversed, so the hashes come bottom-up as RFC 6962,
 * transparency-dev/merkle and c2sp.org/tlog-proof list them.  Verification
 * follows RFC 9162 2.1.3.2 and 2.1.4.2 step by step, after an up-front
 * length check that gives a precise message.  Nothing here allocates.
 */
#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "quanpiao/merkle.h"

/* Number of bits needed to write x (0 for 0). */
static unsigned bit_len(uint64_t x)
{
	unsigned n = 0;
	while (x != 0) {
		n++;
		x >>= 1;
	}
	return n;
}

static unsigned pop_count(uint64_t x)
{
	unsigned n = 0;
	while (x != 0) {
		x &= x - 1;
		n++;
	}
	return n;
}

static unsigned trailing_zeros(uint64_t x)
{
	unsigned n = 0;
	if (x == 0)
		return 64;
	while ((x & 1) == 0) {
		x >>= 1;
		n++;
	}
	return n;
}

/* The largest power of two strictly below n (n >= 2): RFC 6962's split point k. */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (bit_len(n - 1) - 1);
}

void qp_merkle_leaf_hash(unsigned char out[QP_HASH_LEN], const void *data, size_t len)
{
	qp_merkle_leaf_hash2(out, data, len, NULL, 0);
}

void qp_merkle_leaf_hash2(unsigned char out[QP_HASH_LEN], const void *head, size_t head_len, const void *tail,
			  size_t tail_len)
{
	static const unsigned char prefix = 0x00;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (head_len > 0)
		crypto_hash_sha256_update(&st, head, head_len);
	if (tail_len > 0)
		crypto_hash_sha256_update(&st, tail, tail_len);
	crypto_hash_sha256_final(&st, out);
}

/* out may alias left or right: both are read before out is written. */
void qp_merkle_node_hash(unsigned char out[QP_HASH_LEN], const unsigned char left[QP_HASH_LEN],
			 const unsigned char right[QP_HASH_LEN])
{
	static const unsigned char prefix = 0x01;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, left, QP_HASH_LEN);
	crypto_hash_sha256_update(&st, right, QP_HASH_LEN);
	crypto_hash_sha256_final(&st, out);
}

/* Read one complete subtree; a callback that breaks the contract becomes QP_EINTERNAL. */
static int fetch(qp_merkle_get_fn get, void *ctx, unsigned level, uint64_t index,
		 unsigned char out[QP_HASH_LEN])
{
	int rc = get(ctx, level, index, out);
	if (rc > 0)
		return qp_error_set(QP_EINTERNAL,
				    "merkle: get callback returned %d for subtree (%u, %" PRIu64 ")", rc,
				    level, index);
	return rc;
}

/*
 * The hash of the RFC 6962 node covering leaves [lo, hi), hi > lo, where lo
 * is aligned as every node of the tree is.  Folds the complete subtrees of
 * the binary decomposition of hi - lo from the right: one read per set bit.
 */
static int range_hash(unsigned char out[QP_HASH_LEN], uint64_t lo, uint64_t hi, qp_merkle_get_fn get,
		      void *ctx)
{
	uint64_t n = hi - lo;
	int have = 0;
	for (unsigned b = 0; b < 64; b++) {
		if (((n >> b) & 1) == 0)
			continue;
		/* This subtree starts after all the larger ones on its left. */
		uint64_t higher = b == 63 ? 0 : (n >> (b + 1)) << (b + 1);
		uint64_t start = lo + higher;
		int rc;
		if (!have) {
			if ((rc = fetch(get, ctx, b, start >> b, out)) != QP_OK)
				return rc;
			have = 1;
		} else {
			unsigned char left[QP_HASH_LEN];
			if ((rc = fetch(get, ctx, b, start >> b, left)) != QP_OK)
				return rc;
			qp_merkle_node_hash(out, left, out);
		}
	}
	return QP_OK;
}

static void proof_reverse(qp_merkle_proof *p)
{
	unsigned char tmp[QP_HASH_LEN];
	for (size_t i = 0, j = p->len; i + 1 < j; i++, j--) {
		memcpy(tmp, p->hash[i], QP_HASH_LEN);
		memcpy(p->hash[i], p->hash[j - 1], QP_HASH_LEN);
		memcpy(p->hash[j - 1], tmp, QP_HASH_LEN);
	}
}

/* Append the hash of node [lo, hi) to the proof being built. */
static int proof_push(qp_merkle_proof *p, uint64_t lo, uint64_t hi, qp_merkle_get_fn get, void *ctx)
{
	/* Cannot happen: a path in a tree of at most 2^64 leaves has at most 64 steps. */
	if (p->len >= QP_MERKLE_MAX_PROOF)
		return qp_error_set(QP_EINTERNAL, "merkle: proof longer than %d hashes", QP_MERKLE_MAX_PROOF);
	int rc = range_hash(p->hash[p->len], lo, hi, get, ctx);
	if (rc == QP_OK)
		p->len++;
	return rc;
}

int qp_merkle_append(uint64_t index, const unsigned char leaf[QP_HASH_LEN], qp_merkle_get_fn get,
		     qp_merkle_put_fn put, void *ctx)
{
	unsigned char h[QP_HASH_LEN], left[QP_HASH_LEN];
	unsigned level = 0;
	int rc;
	if (leaf == NULL || get == NULL || put == NULL)
		return qp_error_set(QP_EUSAGE, "merkle append: leaf and callbacks are required");
	memcpy(h, leaf, QP_HASH_LEN);
	if ((rc = put(ctx, 0, index, h)) != QP_OK)
		return rc > 0 ? qp_error_set(QP_EINTERNAL, "merkle: put callback returned %d", rc) : rc;
	/* While the new node is a right child, it completes its parent. */
	while (index & 1) {
		if ((rc = fetch(get, ctx, level, index - 1, left)) != QP_OK)
			return rc;
		qp_merkle_node_hash(h, left, h);
		level++;
		index >>= 1;
		if ((rc = put(ctx, level, index, h)) != QP_OK)
			return rc > 0 ? qp_error_set(QP_EINTERNAL, "merkle: put callback returned %d", rc)
				      : rc;
	}
	return QP_OK;
}

int qp_merkle_root(unsigned char out[QP_HASH_LEN], uint64_t size, qp_merkle_get_fn get, void *ctx)
{
	if (out == NULL || get == NULL)
		return qp_error_set(QP_EUSAGE, "merkle root: out and get are required");
	if (size == 0) {
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
		return QP_OK;
	}
	int rc = range_hash(out, 0, size, get, ctx);
	if (rc != QP_OK)
		memset(out, 0, QP_HASH_LEN);
	return rc;
}

int qp_merkle_inclusion_proof(qp_merkle_proof *out, uint64_t index, uint64_t size, qp_merkle_get_fn get,
			      void *ctx)
{
	int rc = QP_OK;
	if (out == NULL || get == NULL)
		return qp_error_set(QP_EUSAGE, "merkle inclusion proof: out and get are required");
	out->len = 0;
	if (index >= size)
		return qp_error_set(QP_EUSAGE,
				    "inclusion proof: index %" PRIu64 " is beyond tree size %" PRIu64, index,
				    size);
	/* PATH(m, D[lo:hi]): descend towards the leaf, recording the other side. */
	uint64_t lo = 0, hi = size;
	while (hi - lo > 1) {
		uint64_t k = split_point(hi - lo);
		if (index < lo + k) {
			rc = proof_push(out, lo + k, hi, get, ctx);
			hi = lo + k;
		} else {
			rc = proof_push(out, lo, lo + k, get, ctx);
			lo += k;
		}
		if (rc != QP_OK) {
			out->len = 0;
			return rc;
		}
	}
	proof_reverse(out);
	return QP_OK;
}

int qp_merkle_consistency_proof(qp_merkle_proof *out, uint64_t size1, uint64_t size2, qp_merkle_get_fn get,
				void *ctx)
{
	int rc = QP_OK;
	if (out == NULL || get == NULL)
		return qp_error_set(QP_EUSAGE, "merkle consistency proof: out and get are required");
	out->len = 0;
	if (size1 > size2)
		return qp_error_set(QP_EUSAGE,
				    "consistency proof: size1 %" PRIu64 " is greater than size2 %" PRIu64,
				    size1, size2);
	if (size1 == 0)
		return qp_error_set(QP_EUSAGE,
				    "consistency proof: there is no proof from the empty tree (size 0); "
				    "a tree of size 0 is a prefix of every tree");
	if (size1 == size2)
		return QP_OK;
	/*
	 * SUBPROOF(m, D[lo:hi], b) with m = size1 - lo, as a loop.  Once the
	 * descent has gone left, [lo, hi) is complete and so is every node
	 * read below; only the first left turn reads a right-edge node.
	 */
	uint64_t lo = 0, hi = size2;
	int whole = 1; /* b: still the whole old tree */
	for (;;) {
		uint64_t m = size1 - lo, n = hi - lo;
		if (m == n) {
			if (!whole)
				rc = proof_push(out, lo, hi, get, ctx);
			break;
		}
		uint64_t k = split_point(n);
		if (m <= k) {
			rc = proof_push(out, lo + k, hi, get, ctx);
			hi = lo + k;
		} else {
			rc = proof_push(out, lo, lo + k, get, ctx);
			lo += k;
			whole = 0;
		}
		if (rc != QP_OK)
			break;
	}
	if (rc != QP_OK) {
		out->len = 0;
		return rc;
	}
	proof_reverse(out);
	return QP_OK;
}

/* The length of a correct inclusion proof (index < size). */
static size_t inclusion_len(uint64_t index, uint64_t size)
{
	unsigned inner = bit_len(index ^ (size - 1));
	unsigned border = inner >= 64 ? 0 : pop_count(index >> inner);
	return (size_t)inner + border;
}

/* The length of a correct consistency proof (0 < size1 < size2). */
static size_t consistency_len(uint64_t size1, uint64_t size2)
{
	unsigned inner = bit_len((size1 - 1) ^ (size2 - 1));
	unsigned border = inner >= 64 ? 0 : pop_count((size1 - 1) >> inner);
	unsigned shift = trailing_zeros(size1);
	size_t start = (size1 >> shift) == 1 ? 0 : 1;
	return start + (inner - shift) + border;
}

int qp_merkle_verify_inclusion(const unsigned char leaf[QP_HASH_LEN], uint64_t index, uint64_t size,
			       const qp_merkle_proof *proof, const unsigned char root[QP_HASH_LEN])
{
	if (leaf == NULL || proof == NULL || root == NULL)
		return qp_error_set(QP_EUSAGE, "merkle verify inclusion: leaf, proof and root are required");
	/* RFC 9162 2.1.3.2 step 1. */
	if (index >= size)
		return qp_error_set(QP_EVERIFY,
				    "inclusion proof: index %" PRIu64 " is beyond tree size %" PRIu64, index,
				    size);
	if (proof->len > QP_MERKLE_MAX_PROOF)
		return qp_error_set(QP_EVERIFY, "inclusion proof has %zu hashes, more than the maximum %d",
				    proof->len, QP_MERKLE_MAX_PROOF);
	size_t want = inclusion_len(index, size);
	if (proof->len != want)
		return qp_error_set(QP_EVERIFY,
				    "inclusion proof has %zu hashes, expected %zu for index %" PRIu64
				    " in tree size %" PRIu64,
				    proof->len, want, index, size);
	/* Steps 2-5. */
	uint64_t fn = index, sn = size - 1;
	unsigned char r[QP_HASH_LEN];
	memcpy(r, leaf, QP_HASH_LEN);
	for (size_t i = 0; i < proof->len; i++) {
		const unsigned char *p = proof->hash[i];
		if (sn == 0)
			return qp_error_set(QP_EVERIFY, "inclusion proof has too many hashes");
		if ((fn & 1) || fn == sn) {
			qp_merkle_node_hash(r, p, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			qp_merkle_node_hash(r, r, p);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return qp_error_set(QP_EVERIFY, "inclusion proof has too few hashes");
	if (memcmp(r, root, QP_HASH_LEN) != 0)
		return qp_error_set(
		    QP_EVERIFY,
		    "inclusion proof: calculated root differs from the expected root of tree size "
		    "%" PRIu64,
		    size);
	return QP_OK;
}

int qp_merkle_verify_consistency(uint64_t size1, uint64_t size2, const unsigned char root1[QP_HASH_LEN],
				 const unsigned char root2[QP_HASH_LEN], const qp_merkle_proof *proof)
{
	if (root1 == NULL || root2 == NULL || proof == NULL)
		return qp_error_set(QP_EUSAGE, "merkle verify consistency: roots and proof are required");
	if (size1 > size2)
		return qp_error_set(QP_EVERIFY,
				    "consistency proof: size1 %" PRIu64 " is greater than size2 %" PRIu64
				    " (a log never shrinks)",
				    size1, size2);
	if (proof->len > QP_MERKLE_MAX_PROOF)
		return qp_error_set(QP_EVERIFY, "consistency proof has %zu hashes, more than the maximum %d",
				    proof->len, QP_MERKLE_MAX_PROOF);
	/*
	 * The empty tree is a prefix of every tree, so a proof from size 0
	 * proves nothing; whoever first sees a log must trust its first
	 * checkpoint.  Rejected like transparency-dev/merkle does.
	 */
	if (size1 == 0)
		return qp_error_set(QP_EVERIFY,
				    "consistency proof from the empty tree (size1 0) proves nothing");
	if (size1 == size2) {
		if (proof->len != 0)
			return qp_error_set(
			    QP_EVERIFY,
			    "consistency proof has %zu hashes, expected none: both sizes are %" PRIu64,
			    proof->len, size1);
		if (memcmp(root1, root2, QP_HASH_LEN) != 0)
			return qp_error_set(
			    QP_EVERIFY, "consistency proof: both sizes are %" PRIu64 " but the roots differ",
			    size1);
		return QP_OK;
	}
	/* RFC 9162 2.1.4.2 step 1 (an empty proof), and any other wrong length. */
	size_t want = consistency_len(size1, size2);
	if (proof->len == 0)
		return qp_error_set(QP_EVERIFY,
				    "consistency proof is empty, expected %zu hashes from size %" PRIu64
				    " to %" PRIu64,
				    want, size1, size2);
	if (proof->len != want)
		return qp_error_set(QP_EVERIFY,
				    "consistency proof has %zu hashes, expected %zu from size %" PRIu64
				    " to %" PRIu64,
				    proof->len, want, size1, size2);
	/* Step 2: when size1 is a power of two, root1 is the path's first value. */
	int seeded = (size1 & (size1 - 1)) == 0;
	size_t path_len = proof->len + (seeded ? 1 : 0);
#define PATH(i) (seeded ? ((i) == 0 ? root1 : proof->hash[(i)-1]) : proof->hash[(i)])
	/* Steps 3-4. */
	uint64_t fn = size1 - 1, sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* Step 5. */
	unsigned char fr[QP_HASH_LEN], sr[QP_HASH_LEN];
	memcpy(fr, PATH(0), QP_HASH_LEN);
	memcpy(sr, PATH(0), QP_HASH_LEN);
	/* Step 6. */
	for (size_t i = 1; i < path_len; i++) {
		const unsigned char *c = PATH(i);
		if (sn == 0)
			return qp_error_set(QP_EVERIFY, "consistency proof has too many hashes");
		if ((fn & 1) || fn == sn) {
			qp_merkle_node_hash(fr, c, fr);
			qp_merkle_node_hash(sr, c, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			qp_merkle_node_hash(sr, sr, c);
		}
		fn >>= 1;
		sn >>= 1;
	}
#undef PATH
	/* Step 7. */
	if (sn != 0)
		return qp_error_set(QP_EVERIFY, "consistency proof has too few hashes");
	if (memcmp(fr, root1, QP_HASH_LEN) != 0)
		return qp_error_set(
		    QP_EVERIFY, "consistency proof: calculated root of size %" PRIu64 " differs from root1",
		    size1);
	if (memcmp(sr, root2, QP_HASH_LEN) != 0)
		return qp_error_set(
		    QP_EVERIFY, "consistency proof: calculated root of size %" PRIu64 " differs from root2",
		    size2);
	return QP_OK;
}
