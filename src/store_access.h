/*
 * store_access.h - the store's side of the access record (private): its
 * rows, each with its chain (access_internal.h), written in order and read
 * in order.  All SQL stays in src/store*.c.
 */
#ifndef QP_SRC_STORE_ACCESS_H
#define QP_SRC_STORE_ACCESS_H

#include <stdint.h>

#include "access_internal.h"
#include "quanpiao/store.h"

/*
 * Append n rows of the access record, one per subject, with the other
 * fields of f (f->id and f->subject are ignored): each row's id is the one
 * before it plus one, its chain made from that row's.  Must run inside
 * qp_store_begin/commit.
 */
int qp_store_access_put(qp_store *store, const qp_access_fields *f, const char *const *subjects, size_t n);

/* The last row's id (0 when there is none) and chain (zero bytes then): what a checkpoint commits to. */
int qp_store_access_head(qp_store *store, uint64_t *n, unsigned char chain[32]);

/* The chain stored in row id: QP_ENOTFOUND if there is no such row. */
int qp_store_access_chain_at(qp_store *store, uint64_t id, unsigned char chain[32]);

/*
 * Each row in id order, with its stored chain (chain_len bytes: a row
 * edited by hand may hold another length).  fn's error stops the walk and
 * is returned.
 */
int qp_store_access_each(qp_store *store,
			 int (*fn)(void *ctx, const qp_access_fields *f, const unsigned char *chain,
				   size_t chain_len),
			 void *ctx);

/* Migration 0023: every row's chain made in id order from the rows as they are. */
int qp_store_access_rechain(qp_store *store);

/* The schema version from which the access record is chained (migration 0023). */
#define QP_SCHEMA_ACCESS_CHAIN 23

#endif
