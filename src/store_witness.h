/*
 * store_witness.h - the store's side of witnesses and offline bundles
 * (private): cosignatures of checkpoints, and the indexes of the policy
 * entries a bundle must carry.  All SQL stays in src/store*.c.
 */
#ifndef QP_SRC_STORE_WITNESS_H
#define QP_SRC_STORE_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/store.h"

/*
 * A read snapshot for callers outside the store that make several
 * queries (a checkpoint with its cosignatures) and need them to agree.
 * *started says whether this call opened one (not inside a transaction
 * or another snapshot); pass it to end, which then closes only what this
 * call opened and never fails.
 */
int qp_store_snapshot_begin(qp_store *store, int *started);
void qp_store_snapshot_end(qp_store *store, int started);

/*
 * Store the cosignature line (with its final newline) of witness (key name
 * and cosignature key ID) over the checkpoint of size, made at timestamp.
 * A line already stored for the same checkpoint and key is replaced only
 * by a newer one (*replaced, which may be NULL, says whether a line was
 * there before).  Must run inside qp_store_begin/commit.  QP_ENOTFOUND if
 * no checkpoint of that size was signed.
 */
int qp_store_cosignature_put(qp_store *store, uint64_t size, const char *witness, uint32_t key_id,
			     uint64_t timestamp, const char *line, int *replaced);

/*
 * The first max cosignature lines stored for the checkpoint of size, in
 * the order of witness name and key ID, concatenated into *out
 * (qp_malloc'd, NUL-terminated; "" when there are none).  *count (may be
 * NULL) gets the number of lines.
 */
int qp_store_cosignatures(qp_store *store, uint64_t size, size_t max, char **out, size_t *out_len,
			  size_t *count);

/*
 * The size of the newest checkpoint with at least min stored cosignatures
 * (any witnesses); QP_ENOTFOUND if none has.
 */
int qp_store_cosigned_size(qp_store *store, size_t min, uint64_t *size);

/*
 * The indexes of every policy.set entry below index below, ascending, into
 * *out (qp_malloc'd array of *count; NULL when there are none).
 */
int qp_store_policy_indexes(qp_store *store, uint64_t below, uint64_t **out, size_t *count);

#endif
