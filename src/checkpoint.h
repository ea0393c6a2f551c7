/*
 * checkpoint.h - the extension lines of a checkpoint text (log.c): the
 * status map's root (quanpiao/statusmap.h) and the access record's chain
 * (quanpiao/access.h) are each one line "<name> <value>" after the root.
 */
#ifndef QP_SRC_CHECKPOINT_H
#define QP_SRC_CHECKPOINT_H

#include <stddef.h>

/*
 * The value of the one extension line of text named name: *value and
 * *len get what follows "<name> " (not NUL-terminated, inside text).
 * QP_ENOTFOUND "checkpoint: no <name> line", QP_EINVALID for two such
 * lines or a text without origin, size and root lines.
 */
int qp_checkpoint_extension(const char **value, size_t *len, const char *text, size_t text_len,
			    const char *name);

#endif
