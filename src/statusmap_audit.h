/*
 * statusmap_audit.h - what the audit checks of the status map (private).
 *
 * The replay builds its own map as it applies the entries (every
 * certificate event updates it); the table comparison then finds any
 * stored node, current or kept, that differs from the replay's.  Here:
 * the replay keeps the nodes of the same checkpoints as the live file,
 * and each signed checkpoint's status-map line is checked against the
 * replay's map at its size.
 */
#ifndef QP_SRC_STATUSMAP_AUDIT_H
#define QP_SRC_STATUSMAP_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/store.h"

typedef struct qp_statusmap_audit qp_statusmap_audit;

/* Read live's checkpoint sizes (those with a status-map line); replay keeps their nodes. */
int qp_statusmap_audit_begin(qp_statusmap_audit **out, qp_store *live, qp_store *replay);

/*
 * Check a signed checkpoint's text (of size) against the replay's map:
 * QP_OK with what[0] == '\0' if it holds or has no map line, else what
 * (len bytes) says what is wrong.  Other errors: QP_EIO, QP_ENOMEM.
 */
int qp_statusmap_audit_checkpoint(char *what, size_t len, qp_store *replay, uint64_t size, const char *text,
				  size_t text_len);

/* Stop keeping (the replay forgets the sizes) and free; NULL is fine. */
void qp_statusmap_audit_end(qp_statusmap_audit *sm);

#endif
