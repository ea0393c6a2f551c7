/*
 * store_internal.h - what the store's own files share (private).
 *
 * All SQL of the project lives in src/store*.c; nothing outside them sees
 * a sqlite3 handle.
 */
#ifndef QP_SRC_STORE_INTERNAL_H
#define QP_SRC_STORE_INTERNAL_H

#include <sqlite3.h>

#include "quanpiao/query.h"
#include "quanpiao/store.h"
#include "store_log.h"

/* Prepared statements kept for the life of the connection (hot paths). */
enum qp_stmt {
	QP_STMT_NODE_GET,
	QP_STMT_NODE_PUT,
	QP_STMT_ENTRY_PUT,
	QP_STMT_ENTRY_GET,
	QP_STMT_LOG_SIZE,
	QP_STMT_KEY_GET,
	QP_STMT_COUNT
};

#define QP_STMT_CACHE 64
#define QP_TIP_VILLAGES 8
#define QP_TIP_SEQS	8
#define QP_TIP_HOMES	4
#define QP_TIP_HOUSEHOLDS 4

struct qp_store {
	sqlite3 *db;
	/* Statements kept by qp_store_prepare_cached, keyed by their SQL text (and its address: key). */
	struct {
		char *sql;
		const char *key;
		sqlite3_stmt *st;
		int busy;
	} cache[QP_STMT_CACHE];
	char *path;
	int schema_version;
	unsigned flags;
	int in_txn;     /* 1: write transaction, 2: read snapshot (qp_store_begin_read) */
	int read_depth; /* nesting of qp_store_begin_read */
	sqlite3_stmt *stmts[QP_STMT_COUNT];
	int64_t busy_since; /* when the busy handler began waiting (monotonic microseconds) */
	/*
	 * Personal data was deleted or overwritten (household.erase): the
	 * next commit checkpoints the WAL and truncates it, so that the old
	 * page leaves the -wal file too (store.c, wal_commit).
	 */
	int wipe_pending;
	/* ROLLBACK, prepared at open: ending a failed write must not need memory. */
	sqlite3_stmt *rollback;
	/*
	 * The log's tip as this write transaction left it, so that appending
	 * an entry need not ask SQLite for the log's size and the left
	 * sibling of each new tree node: the size once read (have_size), and
	 * per tree level the left child (even index) last stored (bit L of
	 * have_edge; store_log.c, qp_store_node_put).  Valid
	 * only inside the write transaction that wrote it; begin, commit and
	 * every rollback forget it (qp_store_tip_forget).
	 */
	struct {
		int have_size;
		uint64_t size;
		uint64_t have_edge;
		uint64_t edge_idx[64];
		unsigned char edge[64][32];
		/* The log's time as last read or written in this transaction (qp_store_log_time_*). */
		int have_time;
		char time[24];
		/* The last root read for a named log state (qp_store_root_cache_*). */
		int have_root;
		uint64_t root_size;
		unsigned char root[32];
		/*
		 * Villages read or written in this transaction (store_homes.c;
		 * name and uscc qp_malloc'd, NULL uscc for none), and the next
		 * certificate sequence per kind and year (store_certs.c).
		 */
		int nvillages;
		qp_village villages[QP_TIP_VILLAGES];
		int nseqs;
		/* Homes read or written in this transaction (store_homes.c), replaced in turn. */
		int nhomes, next_home;
		qp_home homes[QP_TIP_HOMES];
		/* Households read in this transaction (name qp_malloc'd); any write of one forgets all. */
		int nhouseholds;
		qp_household households[QP_TIP_HOUSEHOLDS];
		struct {
			int kind, year;
			int64_t next;
		} seqs[QP_TIP_SEQS];
	} tip;
	/*
	 * The sizes of the checkpoints whose status-map nodes are kept when
	 * overwritten (store_statusmap.c): NULL means this file's own
	 * checkpoints table; an audit's replay gets the live file's sizes.
	 */
	const uint64_t *map_cps;
	size_t map_ncps;
	/* The map keeps no bucket leaves between transactions (store_statusmap.c): a bulk writer, whose
	 * memory is bounded. */
	int map_lean;
	/* During one map update of this file: the newest checkpoint with a map line (map_latest_any: there is
	 * one). */
	int map_have_latest, map_latest_any;
	uint64_t map_latest;
	/* The map's changes not yet in its pages (store_statusmap.c). */
	struct qp_smt_dirty *map_dirty;
};

/* Forget the cached tip of the log (store->tip) and what this transaction read with it. */
void qp_store_tip_forget(qp_store *store);

/* Forget the households kept in store->tip (store_homes.c). */
void qp_store_households_forget(qp_store *store);

/* Whether store->tip may be used: inside our write transaction, still open. */
int qp_store_tip_usable(const qp_store *store);

/* Roll back the open transaction (if any) with the prepared statement. */
void qp_store_rollback_now(qp_store *store);

/*
 * Prepare the ROLLBACK statement again, as the first thing after a
 * setting that expires every prepared statement (a flag PRAGMA): an
 * expired statement is prepared again when next run, which takes memory,
 * and ending a failed write must not.  The old one is kept on failure.
 */
int qp_store_refresh_rollback(qp_store *store, const char *doing);

/*
 * Forget the image of a fresh registry that qp_store_open keeps (the
 * migrations applied once per process), so that the next creation applies
 * the migrations again (tests: creation under failure).
 */
void qp_store_forget_image(void);

/*
 * The cached statement which with sql, prepared on first use and reset
 * and cleared of bindings for the caller.  NULL with the error raised on
 * failure.
 */
sqlite3_stmt *qp_store_stmt(qp_store *store, enum qp_stmt which, const char *sql);

/*
 * Turn an SQLite result code into a QP_E* code with a message that says
 * what was being done, and raise it.  Returns the QP_E* code.
 */
int qp_store_raise(sqlite3 *db, int rc, const char *doing);

/* End a transaction left open by a ROLLBACK or COMMIT that failed (none of ours is open). */
void qp_store_clear_stale(qp_store *store);

/* Shared helpers (store_util.c); each raises its error. */
int qp_store_prepare(qp_store *store, const char *sql, sqlite3_stmt **st);
/*
 * Like qp_store_prepare, but the statement is kept for the life of the
 * connection (keyed by the SQL text) and handed out again reset; give it
 * back with qp_store_finish, never sqlite3_finalize.
 */
int qp_store_prepare_cached(qp_store *store, const char *sql, sqlite3_stmt **st);
/* Give back a statement from either prepare function. */
void qp_store_finish(qp_store *store, sqlite3_stmt *st);
/* Step a statement that returns no row; a constraint failure is QP_ECONFLICT. */
int qp_store_step_done(qp_store *store, sqlite3_stmt *st, const char *doing);
/* Bind text, or NULL when s is NULL or empty. */
void qp_store_bind_opt_text(sqlite3_stmt *st, int i, const char *s);
/* Copy text column i into buf (truncating safely; "" for NULL). */
void qp_store_column_copy(sqlite3_stmt *st, int i, char *buf, size_t len);
/* Copy text column i into qp_malloc'd memory; SQL NULL gives NULL. */
int qp_store_column_dup(sqlite3_stmt *st, int i, char **out);

/* Run SQL without results; raises and returns a QP_E* code on failure. */
int qp_store_exec(sqlite3 *db, const char *sql, const char *doing);

#endif
