/*
 * store_statusmap.h - the status map's rows in the store (private).
 */
#ifndef QP_SRC_STORE_STATUSMAP_H
#define QP_SRC_STORE_STATUSMAP_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/statusmap.h"
#include "quanpiao/store.h"
#include "statusmap_tree.h"

/* qp_smt_get_fn and qp_smt_put_fn over the store (ctx is the qp_store). */
int qp_store_smt_get(void *ctx, const unsigned char *pos, size_t pos_len, uint64_t as_of, qp_smt_node *out);
int qp_store_smt_put(void *ctx, const unsigned char *pos, size_t pos_len, const qp_smt_node *n,
		     uint64_t old_version);

/* Certificate id's record as the certificates table has it, with entry idx. QP_ENOTFOUND if none. */
int qp_store_statusmap_record(qp_store *store, const char *id, uint64_t idx, qp_statusmap_record *out);

/*
 * Entry idx changed certificate id: set its leaf from its row (called by
 * every certificate event, inside the append's transaction).
 */
int qp_store_statusmap_touch(qp_store *store, const char *id, uint64_t idx);

/* Build the map from the certificate events (once, when migration 0012 is applied to a registry). */
int qp_store_statusmap_build(qp_store *store);

/*
 * Keep the nodes of the checkpoints of these sizes (ascending; borrowed,
 * must outlive the store's use of them) instead of the store's own
 * checkpoints: an audit's replay keeps what the live registry keeps.
 */
void qp_store_statusmap_keep_for(qp_store *store, const uint64_t *sizes, size_t n);

#endif
