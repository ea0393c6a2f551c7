/*
 * store_import.h - the store's part of the legacy import (private): finding
 * a certificate by its legacy number, and the per-connection scratch table
 * of the legacy numbers one import has seen (so that duplicates within a
 * file are found without holding the file's numbers in memory).
 */
#ifndef QP_SRC_STORE_IMPORT_H
#define QP_SRC_STORE_IMPORT_H

#include <stdint.h>

#include "quanpiao/certs.h"
#include "quanpiao/store.h"

/*
 * The certificate issued with legacy number legacy_no: its id and the
 * index of the entry that issued it.  QP_ENOTFOUND if there is none.
 */
int qp_store_cert_by_legacy(qp_store *store, const char *legacy_no, char id[QP_CERT_ID_LEN + 1],
			    uint64_t *created_idx);

/*
 * Create (or empty) the scratch table of legacy numbers seen.  It lives in
 * the connection's temporary database, never in the registry file, and
 * its rows follow the caller's transactions.
 */
int qp_store_import_seen_reset(qp_store *store);

/*
 * Note that legacy_no was read at line; *first gets the line where it
 * was first seen (line itself when it is new).
 */
int qp_store_import_seen(qp_store *store, const char *legacy_no, uint64_t line, uint64_t *first);

/* Drop the scratch table.  Never fails (it goes with the connection anyway). */
void qp_store_import_seen_drop(qp_store *store);

#endif
