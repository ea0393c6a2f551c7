/*
 * logstate.c - an entry names a state of the log it extends, and may not
 * be dated before the log's time minus the allowed skew (docs/format.md).
 *
 * The named state ties every entry to all the entries before it: deleting,
 * reordering or altering an entry that a later entry's named state covers
 * makes that later entry's state one the log never had.  The time rule
 * keeps the log's time from going back, so expiry, validity and numbering,
 * all judged on entry times, cannot be dodged by backdating.
 */
#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "error.h"
#include "logstate.h"
#include "quanpiao/registry.h"

void qp_logstate_empty_root(unsigned char out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)"", 0);
}

int qp_logstate_check(const qp_entry *e, uint64_t idx, qp_log_root_fn root_of, void *ctx)
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	unsigned char want[32];
	uint64_t size = e->log.size;
	if (size > idx) {
		/* The root in base64 for the message only (not on every append). */
		sodium_bin2base64(b64, sizeof(b64), e->log.root, sizeof(e->log.root),
				  sodium_base64_VARIANT_ORIGINAL);
		return qp_error_set(QP_EINVALID,
				    "entry names log state of size %" PRIu64
				    " with root %s, which this log never had "
				    "before it: log.size may be at most the entry's own index %" PRIu64,
				    size, b64, idx);
	}
	if (idx - size > QP_LOG_STATE_MAX_LAG)
		return qp_error_set(QP_EINVALID,
				    "entry names log state of size %" PRIu64
				    ", more than %d entries before its own index "
				    "%" PRIu64 ": log.size must be at least %" PRIu64,
				    size, QP_LOG_STATE_MAX_LAG, idx, idx - QP_LOG_STATE_MAX_LAG);
	int err = QP_OK;
	if (size == 0)
		qp_logstate_empty_root(want);
	else if ((err = root_of(ctx, size, want)) != QP_OK)
		return err;
	if (sodium_memcmp(want, e->log.root, sizeof(want)) == 0)
		return QP_OK;
	sodium_bin2base64(b64, sizeof(b64), e->log.root, sizeof(e->log.root), sodium_base64_VARIANT_ORIGINAL);
	return qp_error_set(QP_EINVALID,
			    "entry names log state of size %" PRIu64
			    " with root %s, which this log never had "
			    "(log.root must be the root of the log's first %" PRIu64 " entries)",
			    size, b64, size);
}

int qp_logtime_check(const qp_entry *e, int have_log_time, int64_t log_time, int64_t skew)
{
	if (!have_log_time || e->unix_time >= log_time - skew)
		return QP_OK;
	char when[QP_TIME_LEN + 1];
	qp_time_format(when, log_time);
	return qp_error_set(QP_EINVALID,
			    "entry time %s is before the log's time %s minus the allowed skew of %" PRId64
			    " s (policy time_skew_seconds): an entry may not be dated back",
			    e->time, when, skew);
}
