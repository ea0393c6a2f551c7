/*
 * quanpiao/mirror.h - a verified local copy of a registry that another
 * process serves (quanpiaod), for clients that talk to it over HTTP.
 *
 * A mirror is an ordinary registry file that is filled only by replaying
 * the served log: every entry is checked again - signature, signer, role,
 * revocation and the rules of its type - exactly as an append checks it,
 * and every checkpoint must carry the log key's signature over the root
 * that the mirror computes itself.  A service that altered, dropped or
 * reordered an entry is caught at the next sync.  Reads then run on the
 * mirror with the ordinary query API, so a client shows exactly what a
 * local registry would.  The first entry (registry.genesis, naming the
 * authority key) is trusted on first use, as a witness trusts a log's
 * first checkpoint.
 */
#ifndef QUANPIAO_MIRROR_H
#define QUANPIAO_MIRROR_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"
#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Open the mirror at path read-write, creating an empty one if there is
 * no file.  *out owns it; free with qp_registry_free.  Errors as
 * qp_store_open.
 */
QP_API int qp_mirror_open(qp_registry **out, const char *path);

/*
 * Replay the n entries first, first + 1, ... (exact note bytes) into the
 * mirror, in one transaction.  Entries the mirror already has must be
 * byte-identical (a concurrent sync may have added them); a gap is
 * QP_EINVALID.  Each new entry is checked as qp_registry_append checks it,
 * except that its time may lie further in the future.  On error nothing
 * changes; an entry the rules or signatures refuse gives QP_EVERIFY naming
 * its index and why.
 */
QP_API int qp_mirror_apply(qp_registry *reg, uint64_t first, const char *const *notes,
			   const size_t *note_lens, size_t n);

/*
 * Keep a checkpoint note, possibly followed by cosignature lines, as
 * served: it must be for the mirror's origin, signed by the registry's
 * log key, of a size the mirror has, with the root the mirror computes.
 * The log-signed note is stored (if no checkpoint of that size is) and each
 * cosignature line that qp_log_add_cosignature accepts is added; others
 * are ignored.  QP_EVERIFY for a bad signature or root, QP_EINVALID for a
 * malformed note or a size beyond the mirror's log.
 */
QP_API int qp_mirror_checkpoint(qp_registry *reg, const char *note, size_t note_len);

/*
 * Fill in the numbers of the certificates an entry of type creates, from
 * the mirror's state, as qp_registry_submit does before it signs:
 * *body_out (malloc'd JSON text; free with free()) is body_json with
 * "id", "new_id" or "remainder_id" set, and a household.add's "number".
 * Bodies of other types come back unchanged.  QP_EINVALID if body_json is not a JSON object.
 */
QP_API int qp_mirror_number(char **body_out, qp_registry *reg, const char *type, const char *body_json);

#ifdef __cplusplus
}
#endif

#endif
