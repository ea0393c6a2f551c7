/*
 * statusmap_tree.h - the status map's tree as it is stored (private).
 *
 * The tree (docs/format.md, "The status map") is binary; it is stored in
 * two parts:
 *   - pages: the depths 0 to 15 as 16-ary pages, as the Jellyfish Merkle
 *     tree's internal nodes.  A page of level L (0 to 3) sits at depth 4L
 *     under a prefix of 4L key bits and holds its 30 binary nodes of the
 *     depths 4L+1 to 4L+4, each as a kind and a hash; the page's own node
 *     (at depth 4L) is the combination of its first two;
 *   - buckets: below depth 16 the tree is computed from the leaves whose
 *     keys share the 16-bit prefix (a few per bucket at 10^5 to 10^6
 *     certificates), read in key order.
 * The functions here are pure: where pages and leaves live is the
 * caller's (store_statusmap.c).
 */
#ifndef QP_SRC_STATUSMAP_TREE_H
#define QP_SRC_STATUSMAP_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/statusmap.h"

#define QP_SMT_PAGE_LEVELS  4					  /* pages cover the depths 0 to 15 */
#define QP_SMT_BUCKET_DEPTH (4 * QP_SMT_PAGE_LEVELS)		  /* 16: a bucket's depth */
#define QP_SMT_BUCKETS	    (1u << QP_SMT_BUCKET_DEPTH)		  /* 65,536 */
#define QP_SMT_PAGES	    (1 + 16 + 256 + 4096)		  /* page ids 0 to 4368 */
#define QP_SMT_PAGE_NODES   30					  /* 2 + 4 + 8 + 16 */
#define QP_SMT_PAGE_BYTES   (8 + QP_SMT_PAGE_NODES * QP_HASH_LEN) /* kinds (2 bits each), then hashes */
#define QP_SMT_PAGE_ABOVE   14 /* the nodes above a page's bottom row of 16 */
/* A page as stored from migration 0021 on: the kinds, then the bottom row's hashes only. */
#define QP_SMT_PAGE_LOW_BYTES (8 + (QP_SMT_PAGE_NODES - QP_SMT_PAGE_ABOVE) * QP_HASH_LEN)

enum { QP_SMT_EMPTY, QP_SMT_LEAF, QP_SMT_INTERIOR };

/* A subtree's root: empty (hash all zero), a single leaf (its hash), or an interior node. */
typedef struct qp_smt_ref {
	int kind;
	unsigned char hash[QP_HASH_LEN];
} qp_smt_ref;

/*
 * A leaf as the buckets read it: key, leaf hash, the log size after the
 * entry that wrote it, and where the store keeps it (its row, 0 if not
 * known; the tree functions ignore it).
 */
typedef struct qp_smt_leaf {
	unsigned char key[QP_HASH_LEN];
	unsigned char hash[QP_HASH_LEN];
	uint64_t version;
	int64_t row;
} qp_smt_leaf;

/* A page: its nodes (index 2^r - 2 + q for the node q at r levels below the page's depth). */
typedef struct qp_smt_page {
	uint64_t version; /* the newest leaf version below it */
	qp_smt_ref node[QP_SMT_PAGE_NODES];
} qp_smt_page;

/* Bit i of key (0: the most significant bit of key[0]). */
int qp_smt_bit(const unsigned char key[QP_HASH_LEN], unsigned i);

/* The first bits bits of key from bit from, as a number (bits <= 16). */
unsigned qp_smt_bits(const unsigned char key[QP_HASH_LEN], unsigned from, unsigned bits);

/* A leaf's hash: SHA-256(0x00 || key || SHA-256(record)). */
void qp_smt_leaf_hash(unsigned char out[QP_HASH_LEN], const unsigned char key[QP_HASH_LEN],
		      const char *record, size_t record_len);

/* The node over two subtrees: empty, the one leaf, or SHA-256(0x01 || left || right). */
void qp_smt_combine(qp_smt_ref *out, const qp_smt_ref *left, const qp_smt_ref *right);

/* The root of the subtree at depth of n leaves (in key order, sharing their first depth bits). */
void qp_smt_subtree(qp_smt_ref *out, const qp_smt_leaf *leaves, size_t n, unsigned depth);

/* The page's own node (at its depth). */
void qp_smt_page_root(qp_smt_ref *out, const qp_smt_page *p);

/*
 * Set the page's bottom nodes child[i] (0 to 15) to ref[i] and recompute
 * the nodes above them; *changed gets whether any node changed.
 */
void qp_smt_page_set(qp_smt_page *p, const unsigned *child, const qp_smt_ref *ref, size_t n, int *changed);

void qp_smt_page_encode(unsigned char out[QP_SMT_PAGE_BYTES], const qp_smt_page *p);
/*
 * The page's kinds and its bottom row (the nodes above it follow from
 * them): QP_SMT_PAGE_LOW_BYTES, returned.
 */
size_t qp_smt_page_encode_low(unsigned char out[QP_SMT_PAGE_LOW_BYTES], const qp_smt_page *p);
/*
 * Either encoding, told by its length.  QP_ECORRUPT if b is not a page's
 * encoding (wrong length, unknown kind, an empty node with a hash, a
 * node above the bottom row of the low encoding whose kind is not the
 * one its children make).
 */
int qp_smt_page_decode(qp_smt_page *p, const void *b, size_t len);

/*
 * The proof for key through page p of level level: the siblings at the
 * depths 4*level+1 to 4*level+4 until the path ends.  Returns the kind of
 * the path's node where it stops: QP_SMT_INTERIOR at the page's bottom
 * (go on below), else the proof's depth is set and the path ends there.
 */
int qp_smt_prove_page(qp_statusmap_proof *out, const qp_smt_page *p, unsigned level,
		      const unsigned char key[QP_HASH_LEN]);

/*
 * The proof for key from depth on, through the subtree of n leaves there
 * (in key order, sharing key's first depth bits): sets the siblings below
 * depth and the proof's depth.  Returns the index of the leaf that ends
 * the path, or n if it ends in an empty subtree.
 */
size_t qp_smt_prove_leaves(qp_statusmap_proof *out, const qp_smt_leaf *leaves, size_t n,
			   const unsigned char key[QP_HASH_LEN], unsigned depth);

#endif
