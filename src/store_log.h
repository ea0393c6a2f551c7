/*
 * store_log.h - the store's tables for the log, the tree, checkpoints,
 * keys and policy (private).  All SQL stays in src/store*.c; callers see
 * plain C values.  Writes must happen inside qp_store_begin/commit.
 */
#ifndef QP_SRC_STORE_LOG_H
#define QP_SRC_STORE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/merkle.h"
#include "quanpiao/store.h"

/* Start a write transaction (BEGIN IMMEDIATE: waits for other writers). */
int qp_store_begin(qp_store *store);
/*
 * A read transaction, so that several queries see one state (nested ones
 * share the outermost).  Does nothing inside a write transaction.
 * end_read never fails.
 */
int qp_store_begin_read(qp_store *store);
void qp_store_end_read(qp_store *store);
int qp_store_commit(qp_store *store);
/*
 * Pause between two write transactions of a long run (an import's
 * batches) long enough for a writer waiting on the lock to take it.
 */
void qp_store_yield(qp_store *store);
/* Roll back; safe to call when no transaction is open.  Keeps the last error. */
void qp_store_rollback(qp_store *store);
/* Savepoints inside a transaction, for batches where one entry may fail. */
int qp_store_savepoint(qp_store *store);
int qp_store_release(qp_store *store);
void qp_store_rollback_to(qp_store *store);

/* registry_meta: *out is qp_malloc'd; QP_ENOTFOUND if key is absent. */
int qp_store_meta_get(qp_store *store, const char *key, char **out);
int qp_store_meta_set(qp_store *store, const char *key, const char *value);

/* Number of entries in the log. */
int qp_store_log_size(qp_store *store, uint64_t *out);

/*
 * The log's time (the latest entry time so far, "YYYY-MM-DDTHH:MM:SSZ",
 * kept in registry_meta as log_time) into out; QP_ENOTFOUND (no message)
 * before the first entry.
 */
int qp_store_log_time_get(qp_store *store, char *out, size_t out_len);
int qp_store_log_time_set(qp_store *store, const char *time);

/*
 * One root of a log state remembered inside the write transaction (begin,
 * commit and every rollback forget it): get gives QP_ENOTFOUND (no
 * message) unless put was called for size in this transaction.
 */
int qp_store_root_cache_get(qp_store *store, uint64_t size, unsigned char out[QP_HASH_LEN]);
void qp_store_root_cache_put(qp_store *store, uint64_t size, const unsigned char root[QP_HASH_LEN]);

/* Store entry idx (must be the next index). */
int qp_store_entry_put(qp_store *store, uint64_t idx, const char *note, size_t note_len,
		       const unsigned char leaf_hash[QP_HASH_LEN], const char *type, const char *signer,
		       const char *time);

/* The exact note bytes of entry idx (qp_malloc'd, NUL-terminated).  QP_ENOTFOUND past the end. */
int qp_store_entry_get(qp_store *store, uint64_t idx, char **note, size_t *note_len);

/* One row of the log index, as qp_store_entries_each reports it. */
typedef struct qp_store_entry_row {
	uint64_t idx;
	const char *type, *signer, *time; /* valid during the callback only */
	const char *note;
	size_t note_len;
	const unsigned char *leaf_hash;
} qp_store_entry_row;

/* Call fn for entries [start, end) in order; stops at the first non-QP_OK return. */
int qp_store_entries_each(qp_store *store, uint64_t start, uint64_t end,
			  int (*fn)(void *ctx, const qp_store_entry_row *row), void *ctx);

/* Merkle node callbacks (ctx is the qp_store). */
int qp_store_node_get(void *store, unsigned level, uint64_t idx, unsigned char out[QP_HASH_LEN]);
int qp_store_node_put(void *store, unsigned level, uint64_t idx, const unsigned char hash[QP_HASH_LEN]);

/* Checkpoints.  put fails with QP_ECONFLICT if one of that size exists. */
int qp_store_checkpoint_put(qp_store *store, uint64_t size, const unsigned char root[QP_HASH_LEN],
			    const char *note, size_t note_len);
/* The checkpoint of size, or the latest when size is UINT64_MAX.  QP_ENOTFOUND if none. */
/* The root of the stored checkpoint of size; QP_ENOTFOUND (no message) if there is none. */
int qp_store_checkpoint_root(qp_store *store, uint64_t size, unsigned char out[QP_HASH_LEN]);
int qp_store_checkpoint_get(qp_store *store, uint64_t size, uint64_t *out_size, char **note, size_t *note_len);

/* A row of the keys table. */
typedef struct qp_store_key_row {
	char *name, *vkey, *role, *valid_until, *revoke_reason; /* qp_malloc'd; NULL when absent */
	uint32_t key_id;
	uint64_t enrolled_idx;
	int revoked;
	uint64_t revoked_idx;
} qp_store_key_row;

void qp_store_key_row_clear(qp_store_key_row *row);
int qp_store_key_put(qp_store *store, const char *name, uint32_t key_id, const char *vkey, const char *role,
		     uint64_t enrolled_idx, const char *valid_until);
/* The key with this name and key ID; QP_ENOTFOUND if none. */
int qp_store_key_get(qp_store *store, const char *name, uint32_t key_id, qp_store_key_row *out);
/* The key with this name that is not revoked; QP_ENOTFOUND if none. */
int qp_store_key_active(qp_store *store, const char *name, qp_store_key_row *out);
/* QP_ENOTFOUND if no key has that vkey. */
int qp_store_key_by_vkey(qp_store *store, const char *vkey, qp_store_key_row *out);
/* Revoke the active key of this name. */
int qp_store_key_revoke(qp_store *store, const char *name, uint64_t revoked_idx, const char *reason);
/* All keys in enrolment order; *out is a qp_malloc'd array of *count rows (free with qp_store_key_rows_free). */
int qp_store_keys_all(qp_store *store, qp_store_key_row **out, size_t *count);
void qp_store_key_rows_free(qp_store_key_row *rows, size_t count);

/* Policy versions. */
int qp_store_policy_put(qp_store *store, uint64_t idx, const char *params);
/* The params in force (largest idx); QP_ENOTFOUND if none. */
int qp_store_policy_current(qp_store *store, uint64_t *idx, char **params);

#endif
