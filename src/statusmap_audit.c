/*
 * statusmap_audit.c - the audit's checks of the status map
 * (statusmap_audit.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "error.h"
#include "quanpiao/log.h"
#include "statusmap_audit.h"
#include "store_audit.h"
#include "store_statusmap.h"

struct qp_statusmap_audit {
	qp_store *replay;
	uint64_t *sizes;
	size_t n, cap;
};

static int collect(void *ctx, uint64_t size, const unsigned char *root, const char *note, size_t note_len)
{
	qp_statusmap_audit *sm = ctx;
	unsigned char map[QP_HASH_LEN];
	(void)root;
	/* The line is in the signed text, which comes before the signatures: no need to open the note. */
	if (qp_statusmap_checkpoint_root(map, note, note_len) == QP_ENOTFOUND)
		return QP_OK;
	if (qp_grow((void **)&sm->sizes, &sm->cap, sm->n, sizeof(*sm->sizes)) != QP_OK)
		return qp_error_set(QP_ENOMEM, "out of memory reading checkpoints");
	sm->sizes[sm->n++] = size;
	return QP_OK;
}

int qp_statusmap_audit_begin(qp_statusmap_audit **out, qp_store *live, qp_store *replay)
{
	qp_statusmap_audit *sm = qp_calloc(1, sizeof(*sm));
	*out = NULL;
	if (sm == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory");
	int err = qp_store_checkpoints_each(live, collect, sm);
	if (err != QP_OK) {
		qp_free(sm->sizes);
		qp_free(sm);
		return err;
	}
	sm->replay = replay;
	/* A non-NULL array, even when empty: the replay's own (empty) checkpoints table is not asked. */
	static const uint64_t none[1];
	qp_store_statusmap_keep_for(replay, sm->n ? sm->sizes : none, sm->n);
	*out = sm;
	return QP_OK;
}

int qp_statusmap_audit_checkpoint(char *what, size_t len, qp_store *replay, uint64_t size, const char *text,
				  size_t text_len)
{
	unsigned char line[QP_HASH_LEN], want[QP_HASH_LEN];
	what[0] = '\0';
	int err = qp_statusmap_checkpoint_root(line, text, text_len);
	if (err == QP_ENOTFOUND)
		return QP_OK;
	if (err != QP_OK) {
		snprintf(what, len, "its status-map line is malformed: %s", qp_error_last()->message);
		return QP_OK;
	}
	if ((err = qp_store_statusmap_root(replay, size, want)) != QP_OK)
		return err;
	if (sodium_memcmp(line, want, QP_HASH_LEN) != 0)
		snprintf(what, len,
			 "its status-map root is not the root of the certificates' states at that size");
	return QP_OK;
}

void qp_statusmap_audit_end(qp_statusmap_audit *sm)
{
	if (sm == NULL)
		return;
	qp_store_statusmap_keep_for(sm->replay, NULL, 0);
	qp_free(sm->sizes);
	qp_free(sm);
}
