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

/* ATTACH the registry file at path as schema "replay" / DETACH it. */
int qp_store_attach_replay(qp_store *store, const char *path);
void qp_store_detach_replay(qp_store *store);

/*
 * Compare every log and state table of main with replay (only rows
 * changed at or after entry `since` when since > 0), calling report for
 * each difference (at most `limit` per table and direction).  *count gets
 * the number of differences found.
 */
int qp_store_compare_replay(qp_store *store, uint64_t since, unsigned limit,
			    void (*report)(void *ctx, const char *where, const char *what), void *ctx,
			    uint64_t *count);

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
