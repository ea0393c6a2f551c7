/*
 * logstate.h - the rules that bind an entry to the log it extends: the
 * log state it names, and its time against the log's time (private).
 *
 * One rulebook (STYLE rule 9): the append, the audit's replay, rebuild,
 * the mirror and the import all judge entries here; each supplies its own
 * way of reading the root of the log's first N entries.
 */
#ifndef QP_SRC_LOGSTATE_H
#define QP_SRC_LOGSTATE_H

#include <stdint.h>

#include "entry.h"

/*
 * The root hash of the first size entries of the log being appended to
 * (size is at most the index of the entry being judged).  QP_OK, or an
 * error that is not a finding about the entry (QP_EIO, QP_ENOMEM...).
 */
typedef int (*qp_log_root_fn)(void *ctx, uint64_t size, unsigned char out[32]);

/* The root of the empty tree: SHA-256 of the empty string (RFC 6962). */
void qp_logstate_empty_root(unsigned char out[32]);

/*
 * The named-state rule for entry e at index idx: idx - QP_LOG_STATE_MAX_LAG
 * <= e->log.size <= idx, and e->log.root is the root of the log's first
 * e->log.size entries as root_of reads it.  QP_EINVALID naming the size
 * and the rule; other errors from root_of.
 */
int qp_logstate_check(const qp_entry *e, uint64_t idx, qp_log_root_fn root_of, void *ctx);

/*
 * The time rule: an entry may not be dated before the log's time (the
 * latest entry time of the entries before it; have_log_time 0 for the
 * first entry) minus skew seconds.  QP_EINVALID naming both times.
 */
int qp_logtime_check(const qp_entry *e, int have_log_time, int64_t log_time, int64_t skew);

#endif
