/*
 * statusmap_tree.h - the status map's tree over a node store (private).
 *
 * The tree code knows positions and hashes; where nodes live is the
 * caller's: the registry's store (store_statusmap.c) or memory.  A
 * position is the depth (2 bytes, big-endian) followed by the key's first
 * depth bits, zero-padded to whole bytes.
 */
#ifndef QP_SRC_STATUSMAP_TREE_H
#define QP_SRC_STATUSMAP_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/statusmap.h"

#define QP_SMT_POS_MAX (2 + QP_STATUSMAP_DEPTH / 8)

enum { QP_SMT_EMPTY, QP_SMT_LEAF, QP_SMT_INTERIOR };

typedef struct qp_smt_node {
	int kind;
	uint64_t version; /* log size after the entry that wrote it */
	unsigned char hash[QP_HASH_LEN];
	unsigned char a[QP_HASH_LEN];	     /* leaf: the key; interior: the left child's hash */
	unsigned char b[QP_HASH_LEN];	     /* interior: the right child's hash */
	char value[QP_STATUSMAP_RECORD_MAX]; /* leaf: the record's bytes */
	size_t value_len;
} qp_smt_node;

/*
 * The node at pos as of log size as_of (UINT64_MAX: the current one);
 * kind QP_SMT_EMPTY if none.
 */
typedef int (*qp_smt_get_fn)(void *ctx, const unsigned char *pos, size_t pos_len, uint64_t as_of,
			     qp_smt_node *out);
/* Store n at pos, replacing the node of version old_version there (0: none). */
typedef int (*qp_smt_put_fn)(void *ctx, const unsigned char *pos, size_t pos_len, const qp_smt_node *n,
			     uint64_t old_version);

/* The position of key's path at depth into pos; its length. */
size_t qp_smt_pos(unsigned char pos[QP_SMT_POS_MAX], const unsigned char key[QP_HASH_LEN], unsigned depth);

/* Set key's record to value at version (insert or replace); O(depth) gets and puts. */
int qp_smt_set(qp_smt_get_fn get, qp_smt_put_fn put, void *ctx, const unsigned char key[QP_HASH_LEN],
	       const char *value, size_t value_len, uint64_t version);

/* The root as of as_of (32 zero bytes for an empty map). */
int qp_smt_root(unsigned char out[QP_HASH_LEN], qp_smt_get_fn get, void *ctx, uint64_t as_of);

/*
 * The proof for key as of as_of; *leaf gets the leaf that ends the path
 * (kind QP_SMT_EMPTY if it ends in an empty subtree).
 */
int qp_smt_prove(qp_statusmap_proof *out, qp_smt_node *leaf, qp_smt_get_fn get, void *ctx,
		 const unsigned char key[QP_HASH_LEN], uint64_t as_of);

#endif
