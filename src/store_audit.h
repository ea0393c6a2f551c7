/*
 * store_audit.h - comparing a registry with its replay, and content
 * hashes of the state tables (private).
 */
#ifndef QP_SRC_STORE_AUDIT_H
#define QP_SRC_STORE_AUDIT_H

#include <stdint.h>

#include "quanpiao/store.h"

/* Writes without waiting for the disk: for a throw-away replay only. */
int qp_store_fast_writes(qp_store *store);

/* Bytes SQLite holds in this process: its page caches and in-memory journals, all connections. */
uint64_t qp_store_memory_used(void);

/*
 * For a replay thrown away after the audit: no foreign-key checks (the
 * rules check every reference, and the comparison with the registry would
 * show a row the registry's own keys refuse), none of the indexes that
 * only lists, statistics and incremental audits read, and the tables keyed
 * by text (villages, households, homes, certificates) made WITHOUT ROWID.
 * Call it on the empty replay, before the first entry.
 */
int qp_store_replay_lean(qp_store *store);

/*
 * Pages of 16 KiB instead of 4 for a large replay: its B-trees are
 * shallower and split less often (a 300,000-entry legacy registry's full
 * audit spent 5% less CPU outside signature verification: the same
 * instructions, fewer cache misses), its cache the same in bytes.  The
 * VACUUM this takes (milliseconds) would cost a small audit more than it
 * saves.  Call it on the empty replay, after qp_store_fast_writes (a WAL
 * file keeps its page size), before the first entry.
 */
int qp_store_replay_large_pages(qp_store *store);

/*
 * No rollback journal at all (journal_mode OFF) for a replay thrown away
 * after the audit: no copy of each page a transaction touches, so a
 * transaction can be as large as the page cache allows.  A rollback then
 * leaves the file damaged: the caller must throw the replay away, never
 * use it, after any statement or transaction fails.
 */
int qp_store_replay_unjournaled(qp_store *store);

/* ATTACH the registry file at path as schema "replay" / DETACH it. */
int qp_store_attach_replay(qp_store *store, const char *path);
void qp_store_detach_replay(qp_store *store);

/*
 * Check every stored cosignature of main (attached replay: the keys the
 * log enrolled): its line must verify over the stored checkpoint of its
 * size, by an auditor key enrolled by an entry that checkpoint covers, and
 * the columns beside it must be the line's.  report and count as below.
 */
int qp_store_check_cosignatures(qp_store *store, unsigned limit,
				void (*report)(void *ctx, const char *where, const char *what), void *ctx,
				uint64_t *count);

/*
 * Compare every log and state table of main with replay (only rows
 * changed at or after entry `since` when since > 0), calling report for
 * each difference (at most `limit` per table and direction).  *count gets
 * the number of differences found.  With QP_COMPARE_NO_TREE, tree_nodes is
 * left out.
 */
#define QP_COMPARE_NO_TREE 0x1 /* the tree was checked during the pass (qp_store_tree_walk) */
int qp_store_compare_replay(qp_store *store, uint64_t since, unsigned flags, unsigned limit,
			    void (*report)(void *ctx, const char *where, const char *what), void *ctx,
			    uint64_t *count);

/*
 * The stored tree read level by level beside a tree computed from the
 * log: each computed node is checked against the stored node at its
 * (level, idx), in increasing idx within each level.  Stored rows the
 * computed tree skips over, and (at the end) those past it, are extra.
 * Differences go to report, at most `limit`; *count counts them all.
 */
typedef struct qp_store_tree_walk qp_store_tree_walk;
int qp_store_tree_walk_open(qp_store_tree_walk **out, qp_store *store, unsigned limit,
			    void (*report)(void *ctx, const char *where, const char *what), void *ctx);
int qp_store_tree_walk_check(qp_store_tree_walk *w, unsigned level, uint64_t idx, const unsigned char hash[32]);
/* Report the stored rows no computed node reached; then the count of differences. */
int qp_store_tree_walk_finish(qp_store_tree_walk *w, uint64_t *count);
void qp_store_tree_walk_free(qp_store_tree_walk *w);

/* SHA-256 over the state tables, in key order. */
int qp_store_state_hash(qp_store *store, unsigned char out[32]);

/* Every stored checkpoint in size order: fn(ctx, size, root, note, note_len). */
int qp_store_checkpoints_each(qp_store *store, int (*fn)(void *ctx, uint64_t size, const unsigned char *root,
							  const char *note, size_t note_len),
			      void *ctx);

/* Copy every checkpoint of src (a file path) into store. */
int qp_store_copy_checkpoints(qp_store *store, const char *src);

/*
 * ---- the personal-data tables (outside the log) ----
 *
 * personal_data and investor_data are read beside what the log says of
 * their owners: the households and activations tables of schema `state`,
 * "main" (a registry's own, as a rebuilt one is) or "replay" (the audit's
 * replay, attached: the log's word, whatever the stored tables say).
 */
typedef struct qp_store_personal_row {
	int investor;	       /* 0: a personal_data row (a household head), 1: investor_data */
	const char *household; /* personal_data: its household number */
	int64_t activation;    /* investor_data: its activation's entry */
	const char *unit; /* investor_data: that activation's home; NULL if the log has no such activation */
	int owned;	  /* the log creates its owner (household; activation) */
	int erased;	  /* personal_data: the household was erased ... */
	uint64_t erased_idx;	/* ... by this entry */
	uint64_t added_idx;	/* the entry that committed to the data (household.add or home.activate) */
	const char *commitment; /* what that entry committed to; NULL if none (an enterprise investor) */
	/* The stored values, whatever their SQL types; lengths in bytes. */
	const unsigned char *id_number, *name, *salt;
	size_t id_len, name_len, salt_len;
	int id_text, name_text, salt_blob; /* stored as TEXT, TEXT, BLOB */
} qp_store_personal_row;

/* Every row of personal_data (investor 0) or investor_data (investor 1), in key order. */
int qp_store_personal_each(qp_store *store, const char *state, int investor,
			   int (*fn)(void *ctx, const qp_store_personal_row *row), void *ctx);

/*
 * Owners the log commits to personal data for whose data the file holds
 * no row: households not erased (investor 0), activations of a person
 * (investor 1).  fn gets the household number, or the activation's entry
 * and home.
 */
int qp_store_personal_missing(qp_store *store, const char *state, int investor,
			      int (*fn)(void *ctx, const char *household, int64_t activation,
					const char *unit, uint64_t added_idx),
			      void *ctx);

/*
 * ID numbers held by more than one household in personal_data (the table
 * is UNIQUE on them; only a dropped constraint lets this happen): fn gets
 * the ID number and the households, comma-separated.
 */
int qp_store_personal_duplicates(qp_store *store,
				 int (*fn)(void *ctx, const char *id_number, const char *households),
				 void *ctx);

/*
 * Carry personal_data, investor_data and the access record over from the
 * registry file at src into store (a rebuilt registry), row for row as
 * they are, and the mark of a registry that holds none.  A row that the rebuilt file's
 * constraints refuse (an ID number another row holds too) is not carried:
 * fn gets its owner (household number, or NULL and the activation).
 * Foreign keys are not enforced for the copy: a row whose household the
 * log does not create is carried too, for the audit to name.
 */
int qp_store_copy_personal(qp_store *store, const char *src,
			   void (*fn)(void *ctx, const char *household, int64_t activation), void *ctx);

/*
 * A registry that by design holds no personal data: a --server client's
 * mirror (quanpiao/mirror.h), filled from the log alone.  The mark is a
 * registry_meta row outside the table comparison; the audit then does not
 * ask for the data of each household.
 */
int qp_store_mark_no_personal_data(qp_store *store);
/* *out 1 if the registry is so marked, else 0. */
int qp_store_holds_no_personal_data(qp_store *store, int *out);

/* Keys with role log: fn(ctx, vkey, enrolled_idx, revoked (0/1), revoked_idx). */
int qp_store_log_keys_each(qp_store *store, int (*fn)(void *ctx, const char *vkey, uint64_t enrolled, int revoked,
						       uint64_t revoked_idx),
			   void *ctx);

#endif
