/*
 * store_certs.h - the store's tables for certificates, their events and
 * redemptions (private).
 */
#ifndef QP_SRC_STORE_CERTS_H
#define QP_SRC_STORE_CERTS_H

#include <stdint.h>

#include "quanpiao/certs.h"
#include "quanpiao/store.h"

/* today ("YYYY-MM-DD") decides qp_cert.expired. */
int qp_store_cert_get(qp_store *store, const char *id, const char *today, qp_cert *out);
/* The next sequence number of kind in year. */
int qp_store_cert_next_seq(qp_store *store, qp_cert_kind kind, int year, int64_t *out);
/* Insert a new certificate (state, ids, areas as in c); village/township may be NULL. */
int qp_store_cert_put(qp_store *store, const qp_cert *c, int year, int64_t seq, const char *village,
		      const char *township);
/*
 * End a live (or frozen, for revoke) certificate c (as read in this
 * transaction) by entry idx: how is transfer, redeem or revoke.
 */
int qp_store_cert_end(qp_store *store, const qp_cert *c, uint64_t idx, const char *how, const char *reason);
/* Freeze (frozen = 1) or unfreeze certificate c (as read in this transaction) by entry idx. */
int qp_store_cert_freeze(qp_store *store, const qp_cert *c, uint64_t idx, int frozen, const char *reason);
int qp_store_cert_event_put(qp_store *store, const char *cert, uint64_t idx, const char *summary);
int qp_store_redemption_put(qp_store *store, uint64_t idx, const char *cert, int64_t area,
			    const char *purpose, const char *note);
/* The redemption of cert; QP_ENOTFOUND if it has none. */
int qp_store_redemption_get(qp_store *store, const char *cert, qp_redemption *out);
/* Area issued from home for kind, less the area revoked since: what counts against the cap. */
int qp_store_home_cert_area(qp_store *store, const char *home, qp_cert_kind kind, int64_t *out);
/* The same for reclaimed land: area issued from parcel for kind, less the area revoked since. */
int qp_store_parcel_cert_area(qp_store *store, const char *parcel, qp_cert_kind kind, int64_t *out);
/* Guarantee certificates on entitlement ever issued to holder (not revoked). */
/*
 * The first guarantee certificate issued to household holder for a homestead (on withdrawal or
 * entitlement) and not revoked: its id and basis; QP_ENOTFOUND if it has none.
 */
/* How many certificates the holder holds that are live or frozen. */
int qp_store_holder_live_certs(qp_store *store, const char *holder, uint64_t *out);
int qp_store_household_guarantee(qp_store *store, const char *holder, char id[QP_CERT_ID_LEN + 1],
				  char basis[16]);
/* The home's exit path ("withdrawn", "demolished" or "" if none). */
int qp_store_home_exit_path(qp_store *store, const char *unit, char out[16]);

int qp_store_certs_list(qp_store *store, const qp_cert_filter *f, const char *today, qp_cert **out,
			size_t *count);
int qp_store_certs_created_by(qp_store *store, uint64_t idx, const char *today, qp_cert **out, size_t *count);
int qp_store_cert_children(qp_store *store, const char *id, const char *today, qp_cert **out, size_t *count);
int qp_store_cert_history(qp_store *store, const char *root, qp_cert_event **out, size_t *count);
/* Certificate counts and areas by kind and state, for qp_stats. */
int qp_store_cert_stats(qp_store *store, const char *village, const char *township, const char *today,
			uint64_t count[3][5], int64_t area[3][5]);
/* Check the invariants; QP_EVERIFY naming the first problem. */
int qp_store_cert_invariants(qp_store *store);

#endif
