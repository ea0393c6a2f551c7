/*
 * store_audit.h - comparing a registry with its replay, and content
 * hashes of the state tables (private).
 */
#ifndef QP_SRC_STORE_AUDIT_H
#define QP_SRC_STORE_AUDIT_H

#include <stdint.h>

#include "quanpiao/store.h"

/* Writes without waiting for the disk: for a throw-away replay only. */
int qp_store_fast_writes(qp_store *store);

/*
 * For a replay thrown away after the audit: no foreign-key checks (the
 * rules check every reference, and the comparison with the registry would
 * show a row the registry's own keys refuse), none of the indexes that
 * only lists, statistics and incremental audits read, and the tables keyed
 * by text (villages, households, homes, certificates) made WITHOUT ROWID.
 * Call it on the empty replay, before the first entry.
 */
int qp_store_replay_lean(qp_store *store);

/* ATTACH the registry file at path as schema "replay" / DETACH it. */
int qp_store_attach_replay(qp_store *store, const char *path);
void qp_store_detach_replay(qp_store *store);

/*
 * Compare every log and state table of main with replay (only rows
 * changed at or after entry `since` when since > 0), calling report for
 * each difference (at most `limit` per table and direction).  *count gets
 * the number of differences found.  With QP_COMPARE_NO_TREE, tree_nodes is
 * left out.
 */
#define QP_COMPARE_NO_TREE 0x1 /* the tree was checked during the pass (qp_store_tree_walk) */
int qp_store_compare_replay(qp_store *store, uint64_t since, unsigned flags, unsigned limit,
			    void (*report)(void *ctx, const char *where, const char *what), void *ctx,
			    uint64_t *count);

/*
 * The stored tree read level by level beside a tree computed from the
 * log: each computed node is checked against the stored node at its
 * (level, idx), in increasing idx within each level.  Stored rows the
 * computed tree skips over, and (at the end) those past it, are extra.
 * Differences go to report, at most `limit`; *count counts them all.
 */
typedef struct qp_store_tree_walk qp_store_tree_walk;
int qp_store_tree_walk_open(qp_store_tree_walk **out, qp_store *store, unsigned limit,
			    void (*report)(void *ctx, const char *where, const char *what), void *ctx);
int qp_store_tree_walk_check(qp_store_tree_walk *w, unsigned level, uint64_t idx, const unsigned char hash[32]);
/* Report the stored rows no computed node reached; then the count of differences. */
int qp_store_tree_walk_finish(qp_store_tree_walk *w, uint64_t *count);
void qp_store_tree_walk_free(qp_store_tree_walk *w);

/* SHA-256 over the state tables, in key order. */
int qp_store_state_hash(qp_store *store, unsigned char out[32]);

/* Every stored checkpoint in size order: fn(ctx, size, root, note, note_len). */
int qp_store_checkpoints_each(qp_store *store, int (*fn)(void *ctx, uint64_t size, const unsigned char *root,
							  const char *note, size_t note_len),
			      void *ctx);

/* Copy every checkpoint of src (a file path) into store. */
int qp_store_copy_checkpoints(qp_store *store, const char *src);

/* Keys with role log: fn(ctx, vkey, enrolled_idx, revoked (0/1), revoked_idx). */
int qp_store_log_keys_each(qp_store *store, int (*fn)(void *ctx, const char *vkey, uint64_t enrolled, int revoked,
						       uint64_t revoked_idx),
			   void *ctx);

#endif
