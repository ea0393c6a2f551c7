/*
 * test_statusmap.c - the status map's construction on its own: the tree
 * in a store (its pages and leaves, against a reference computed from the
 * leaves alone), its proofs now and as of checkpoints, their text, and
 * the canonical record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quanpiao/error.h"
#include "quanpiao/statusmap.h"
#include "statusmap_tree.h"
#include "testutil.h"

#include <sqlite3.h>

#include "old_statusmap.h"
#include "store_certs.h"
#include "store_internal.h"
#include "store_log.h"
#include "store_statusmap.h"

static void record_of(char *buf, size_t *len, const char *id, int state, uint64_t entry)
{
	qp_statusmap_record r;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.kind = QP_CERT_GUARANTEE;
	r.state = (qp_cert_state)state;
	snprintf(r.holder, sizeof(r.holder), "330681-H-0000001");
	r.area = 15000;
	r.entry = entry;
	assert_int_equal(qp_statusmap_record_encode(buf, len, &r), QP_OK);
}

#define KEYS 3000

static void cert(char id[32], unsigned i)
{
	snprintf(id, 32, "330681-2026-G-%06u", i + 1);
}

/* The reference: the root of the whole tree from its leaves, without pages. */
static int cmp_leaf(const void *a, const void *b)
{
	return memcmp(((const qp_smt_leaf *)a)->key, ((const qp_smt_leaf *)b)->key, QP_HASH_LEN);
}

/*
 * A store's map of three rounds: in round r the keys below KEYS * (r + 1)
 * / 3 get the record of that round, written by "entry" sizes[r - 1] + i
 * (so at version sizes[r - 1] + i + 1), and a checkpoint follows each of
 * the first two rounds.
 */
static const uint64_t sizes[3] = {KEYS / 3, KEYS / 3 + KEYS * 2 / 3, 0};

static uint64_t round_entry(unsigned i, unsigned r)
{
	return (r ? sizes[r - 1] : 0) + i;
}

/* The record of key i in round r: the state changes with r. */
static void round_record(char *rec, size_t *len, unsigned i, unsigned r)
{
	char id[32];
	cert(id, i);
	record_of(rec, len, id,
		  r == 1   ? QP_CERT_FROZEN
		  : r == 2 ? QP_CERT_SPENT
			   : QP_CERT_LIVE,
		  round_entry(i, r));
}

static void reference_root(unsigned char root[32], unsigned rounds_done)
{
	qp_smt_leaf *l = calloc(KEYS, sizeof(*l));
	size_t n = 0;
	assert_non_null(l);
	for (unsigned i = 0; i < KEYS; i++) {
		/* Key i was written in rounds i*3/KEYS .. rounds_done-1; the last of them is its record. */
		unsigned first = i * 3 / KEYS;
		if (rounds_done <= first)
			continue;
		char id[32], rec[QP_STATUSMAP_RECORD_MAX];
		size_t len = 0;
		cert(id, i);
		round_record(rec, &len, i, rounds_done - 1);
		qp_statusmap_key(l[n].key, id);
		qp_smt_leaf_hash(l[n].hash, l[n].key, rec, len);
		n++;
	}
	qsort(l, n, sizeof(*l), cmp_leaf);
	qp_smt_ref r;
	qp_smt_subtree(&r, l, n, 0);
	memcpy(root, r.hash, 32);
	free(l);
}

/*
 * Build the map of the three rounds, each in the order given by step, a
 * transaction every batch changes; the checkpoints signed (rows of the
 * checkpoints table) or named (keep_for, as an audit's replay).
 */

static qp_store *build_as(const char *dir, const char *name, unsigned step, unsigned batch, int signed_cps)
{
	char *path = tu_path(dir, name);
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, path, QP_STORE_CREATE), QP_OK);
	free(path);
	/* Not durable: a test's file (the commits are what is tested, not the disk). */
	assert_int_equal(sqlite3_exec(s->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
	if (!signed_cps)
		qp_store_statusmap_keep_for(s, sizes, 2);
	for (unsigned r = 0; r < 3; r++) {
		unsigned n = KEYS * (r + 1) / 3, in = 0;
		for (unsigned k = 0; k < n; k++) {
			unsigned i = (k * step) % n;
			char id[32], rec[QP_STATUSMAP_RECORD_MAX];
			size_t len = 0;
			unsigned char key[32];
			if (in == 0)
				assert_int_equal(qp_store_begin(s), QP_OK);
			cert(id, i);
			round_record(rec, &len, i, r);
			qp_statusmap_key(key, id);
			assert_int_equal(qp_store_statusmap_set(s, key, rec, len, round_entry(i, r) + 1),
					 QP_OK);
			if (++in == batch || k == n - 1) {
				assert_int_equal(qp_store_commit(s), QP_OK);
				in = 0;
			}
		}
		uint64_t version = round_entry(n - 1, r) + 1;
		assert_true(r == 2 || version == sizes[r]);
		/* A checkpoint of the registry's own, with a map line (its root is not read here). */
		char sql[256];
		snprintf(
		    sql, sizeof(sql),
		    "INSERT INTO checkpoints (size, root, note) VALUES (%llu, zeroblob(32), CAST('o' || "
		    "char(10) || '%llu' || char(10) || 'r' || char(10) || '%s AA==' || char(10) AS BLOB))",
		    (unsigned long long)version, (unsigned long long)version, QP_STATUSMAP_LINE);
		if (signed_cps && r < 2)
			assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	return s;
}

static qp_store *build(const char *dir, const char *name, unsigned step, unsigned batch)
{
	return build_as(dir, name, step, batch, 0);
}

/* Every row of table in a and b alike. */
static void same_rows(qp_store *a, qp_store *b, const char *table)
{
	char sql[512];
	sqlite3_stmt *st;
	const char *cols = strstr(table, "_lea") ? "hex(key) || version || hex(hash) || hex(record)"
						 : "id || ':' || version || hex(nodes)";
	char *all[2] = {NULL, NULL};
	qp_store *s[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT group_concat(x, ',') FROM (SELECT %s AS x FROM %s ORDER BY x)", cols, table);
		assert_int_equal(sqlite3_prepare_v2(s[i]->db, sql, -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		all[i] = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
		sqlite3_finalize(st);
	}
	if (strcmp(all[0], all[1]) != 0) {
		size_t k = 0;
		while (all[0][k] == all[1][k])
			k++;
		k = k > 40 ? k - 40 : 0;
		fail_msg("%s differs: %.120s / %.120s", table, all[0] + k, all[1] + k);
	}
	assert_true(strlen(all[0]) > 0);
	free(all[0]);
	free(all[1]);
}

static void test_tree_and_proofs(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp();
	/* 50 changes per transaction in one order; 700 per transaction in another; 3 per transaction in that
	 * one. */
	qp_store *a = build(dir, "a.db", 1, 50), *b = build(dir, "b.db", 7, 700),
		 *c1 = build(dir, "c.db", 7, 3);
	unsigned char ra[32], rb[32], ref[32], old[2][32];
	assert_int_equal(qp_store_statusmap_root(a, UINT64_MAX, ra), QP_OK);
	assert_int_equal(qp_store_statusmap_root(b, UINT64_MAX, rb), QP_OK);
	reference_root(ref, 3);
	/* The tree is a function of its records, not of the order or grouping they came in. */
	assert_memory_equal(ra, rb, 32);
	assert_memory_equal(ra, ref, 32);
	/*
	 * And the rows, those kept for the checkpoints too, are a function of the
	 * changes, not of how transactions group them: an audit's replay makes the same.
	 */
	same_rows(c1, b, "statusmap_leaves");
	same_rows(c1, b, "statusmap_leaf_history");
	same_rows(c1, b, "statusmap_pages");
	same_rows(c1, b, "statusmap_page_history");
	qp_store_free(c1);
	/* As of each checkpoint: the root the tree had then. */
	for (unsigned c = 0; c < 2; c++) {
		reference_root(ref, c + 1);
		assert_int_equal(qp_store_statusmap_root(b, sizes[c], old[c]), QP_OK);
		assert_memory_equal(old[c], ref, 32);
	}
	qp_statusmap_proof *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
	unsigned maxdepth = 0;
	for (unsigned c = 0; c < 3; c++) {
		uint64_t as_of = c < 2 ? sizes[c] : UINT64_MAX;
		const unsigned char *root = c < 2 ? old[c] : ra;
		for (unsigned i = 0; i < KEYS + 50; i++) {
			char id[32], rec[QP_STATUSMAP_RECORD_MAX], got[QP_STATUSMAP_RECORD_MAX], *text = NULL;
			size_t len = 0, got_len = 0, text_len = 0;
			unsigned char key[32];
			int present = i < KEYS * (c + 1) / 3;
			cert(id, i);
			qp_statusmap_key(key, id);
			assert_int_equal(qp_store_statusmap_prove(b, key, as_of, p, got, &got_len), QP_OK);
			maxdepth = p->depth > maxdepth ? p->depth : maxdepth;
			/* The text round-trips. */
			assert_int_equal(qp_statusmap_proof_text(&text, &text_len, p), QP_OK);
			assert_int_equal(qp_statusmap_proof_parse(q, text, text_len), QP_OK);
			assert_int_equal(memcmp(p, q, sizeof(*p)), 0);
			free(text);
			if (present) {
				round_record(rec, &len, i, c);
				assert_int_equal(got_len, len);
				assert_memory_equal(got, rec, len);
				assert_int_equal(qp_statusmap_proof_verify(p, root, id, rec, len), QP_OK);
				/* Not absent, not another record. */
				assert_int_equal(qp_statusmap_proof_verify(p, root, id, NULL, 0), QP_EVERIFY);
				round_record(rec, &len, i, (c + 1) % 3);
				assert_int_equal(qp_statusmap_proof_verify(p, root, id, rec, len),
						 QP_EVERIFY);
				assert_error_contains("the map holds another record for it");
			} else {
				assert_int_equal(got_len, 0);
				assert_int_equal(qp_statusmap_proof_verify(p, root, id, NULL, 0), QP_OK);
				round_record(rec, &len, i, 0);
				assert_int_equal(qp_statusmap_proof_verify(p, root, id, rec, len),
						 QP_EVERIFY);
				assert_error_contains("holds no record for it");
			}
			/* A changed sibling, or another root, does not lead there. */
			if (p->depth > 0) {
				p->sibling[p->depth - 1][0] ^= 1;
				assert_int_equal(
				    qp_statusmap_proof_verify(p, root, id, present ? rec : NULL, len),
				    QP_EVERIFY);
			}
		}
	}
	/* A proof of one certificate is not a proof of another's absence (its leaf is on another path). */
	char id0[32], id1[32], got[QP_STATUSMAP_RECORD_MAX];
	size_t got_len = 0;
	unsigned char key0[32];
	cert(id0, 0);
	cert(id1, 1);
	qp_statusmap_key(key0, id0);
	assert_int_equal(qp_store_statusmap_prove(a, key0, UINT64_MAX, p, got, &got_len), QP_OK);
	assert_int_equal(qp_statusmap_proof_verify(p, ra, id1, NULL, 0), QP_EVERIFY);
	print_message("status map: %u certificates, paths at most %u deep\n", KEYS, maxdepth);
	assert_true(maxdepth < 40);
	/* A damaged page or leaf is reported, not proven from. */
	assert_int_equal(sqlite3_exec(a->db, "UPDATE statusmap_pages SET nodes = zeroblob(968) WHERE id = 0",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(a->db, "UPDATE statusmap_leaves SET hash = zeroblob(32)", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(qp_store_statusmap_prove(a, key0, UINT64_MAX, p, got, &got_len), QP_OK);
	assert_int_equal(p->depth, 0); /* an all-empty root page: the empty map */
	assert_int_equal(
	    sqlite3_exec(a->db, "UPDATE statusmap_pages SET nodes = x'ff' WHERE id = 0", NULL, NULL, NULL) &
		0xFF,
	    SQLITE_CONSTRAINT);
	assert_int_equal(qp_store_statusmap_prove(b, key0, UINT64_MAX, p, got, &got_len), QP_OK);
	assert_int_equal(
	    sqlite3_exec(b->db, "UPDATE statusmap_leaves SET hash = zeroblob(32)", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(qp_store_statusmap_prove(b, key0, UINT64_MAX, p, got, &got_len), QP_ECORRUPT);
	assert_error_contains("a leaf's hash is not its record's");
	free(p);
	free(q);
	qp_store_free(a);
	qp_store_free(b);
	tu_rmdir(dir);
	free(dir);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/* The old layout's row of the node at depth over leaves[0..n) (sharing their first depth bits), and below. */
static void old_rows(sqlite3_stmt *ins, const qp_smt_leaf *l, char (*rec)[QP_STATUSMAP_RECORD_MAX],
		     const size_t *len, size_t n, unsigned depth)
{
	unsigned char pos[2 + 32];
	char hex[2 * sizeof(pos) + 1];
	size_t pl = 2 + (depth + 7) / 8;
	qp_smt_ref me;
	if (n == 0)
		return;
	pos[0] = (unsigned char)(depth >> 8);
	pos[1] = (unsigned char)depth;
	memcpy(pos + 2, l[0].key, pl - 2);
	if (depth % 8)
		pos[pl - 1] &= (unsigned char)(0xFF << (8 - depth % 8));
	sodium_bin2hex(hex, sizeof(hex), pos, pl);
	qp_smt_subtree(&me, l, n, depth);
	size_t s = 0;
	while (s < n && !qp_smt_bit(l[s].key, depth))
		s++;
	qp_smt_ref left, right;
	qp_smt_subtree(&left, l, s, depth + 1);
	qp_smt_subtree(&right, l + s, n - s, depth + 1);
	sqlite3_bind_text(ins, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 2, (sqlite3_int64)l[0].version);
	sqlite3_bind_int(ins, 3, n == 1);
	sqlite3_bind_blob(ins, 4, me.hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(ins, 5, n == 1 ? l[0].key : left.hash, 32, SQLITE_TRANSIENT);
	if (n == 1)
		sqlite3_bind_blob(ins, 6, rec[0], (int)len[0], SQLITE_TRANSIENT);
	else
		sqlite3_bind_blob(ins, 6, right.hash, 32, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
	sqlite3_reset(ins);
	if (n > 1) {
		old_rows(ins, l, rec, len, s, depth + 1);
		old_rows(ins, l + s, rec + s, len + s, n - s, depth + 1);
	}
}

/*
 * A file from before migration 0016 (made here from a new one: its map
 * written again in the old layout, one row per node, and the records kept
 * for its checkpoints as old kept leaves) is brought up to date: its rows
 * are then those the new layout makes of the same changes.
 */
static void test_upgrade_from_nodes(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "u.db");
	qp_store *u = build_as(dir, "u.db", 7, 500, 1), *b = build(dir, "b.db", 7, 700);
	unsigned char before[3][32], after[32];
	for (int c = 0; c < 3; c++)
		assert_int_equal(qp_store_statusmap_root(u, c < 2 ? sizes[c] : UINT64_MAX, before[c]), QP_OK);
	qp_store_free(u);

	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *ins = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, "CREATE TEMP TABLE l AS SELECT * FROM statusmap_leaves;"
		    "CREATE TEMP TABLE h AS SELECT * FROM statusmap_leaf_history;");
	exec_ok(db, OLD_STATUSMAP_SQL UNDO_0017_SQL
		"DELETE FROM qp_schema_migrations WHERE version >= 16; PRAGMA user_version = 15;");
	/* The current tree, node by node. */
	qp_smt_leaf *l = calloc(KEYS, sizeof(*l));
	char(*rec)[QP_STATUSMAP_RECORD_MAX] = calloc(KEYS, sizeof(*rec));
	size_t *len = calloc(KEYS, sizeof(*len)), n = 0;
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT key, version, hash, record FROM l ORDER BY key", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		memcpy(l[n].key, sqlite3_column_blob(st, 0), 32);
		l[n].version = (uint64_t)sqlite3_column_int64(st, 1);
		memcpy(l[n].hash, sqlite3_column_blob(st, 2), 32);
		len[n] = (size_t)sqlite3_column_bytes(st, 3);
		memcpy(rec[n], sqlite3_column_blob(st, 3), len[n]);
		n++;
	}
	sqlite3_finalize(st);
	assert_int_equal(n, KEYS);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO statusmap_nodes VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
					    -1, &ins, NULL),
			 SQLITE_OK);
	old_rows(ins, l, rec, len, n, 0);
	sqlite3_finalize(ins);
	/* The kept records, each at a full-depth position. */
	exec_ok(
	    db,
	    "INSERT INTO statusmap_history SELECT '0100' || lower(hex(key)), version, 1, hash, key, record "
	    "FROM h;"
	    /* and a leaf that was moved (kept twice with the same record): converted once */
	    "INSERT INTO statusmap_history SELECT '00ff' || lower(hex(key)), version + 1, 1, hash, key, "
	    "record "
	    "FROM h LIMIT 1;");
	sqlite3_close(db);

	/* Opened: 0016 converts. */
	assert_int_equal(qp_store_open(&u, path, 0), QP_OK);
	assert_int_equal(qp_store_schema_version(u), qp_store_latest_version());
	same_rows(u, b, "statusmap_leaves");
	/* Migration 0019 ran after the conversion: the leaves are a rowid table, rewritten in place. */
	assert_int_equal(sqlite3_exec(u->db, "SELECT rowid FROM statusmap_leaves LIMIT 1", NULL, NULL, NULL),
			 SQLITE_OK);
	same_rows(u, b, "statusmap_leaf_history");
	same_rows(u, b, "statusmap_pages");
	same_rows(u, b, "statusmap_page_history");
	for (int c = 0; c < 3; c++) {
		assert_int_equal(qp_store_statusmap_root(u, c < 2 ? sizes[c] : UINT64_MAX, after), QP_OK);
		assert_memory_equal(after, before[c], 32);
	}
	qp_store_free(u);
	/* A damaged old record stops the upgrade, naming it; the file stays as it was. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, OLD_STATUSMAP_SQL
		"DELETE FROM qp_schema_migrations WHERE version >= 16; PRAGMA user_version = 15;"
		"INSERT INTO statusmap_nodes VALUES ('0000', 1, 1, zeroblob(32), zeroblob(32), CAST('x' AS "
		"BLOB));");
	sqlite3_close(db);
	u = NULL;
	assert_int_not_equal(qp_store_open(&u, path, 0), QP_OK);
	assert_error_contains("a stored record is malformed");
	assert_null(u);
	free(l);
	free(rec);
	free(len);
	qp_store_free(b);
	tu_rmdir(dir);
	free(dir);
	free(path);
}

/* Page encoding: what decode refuses. */
static void test_pages(void **state)
{
	(void)state;
	qp_smt_page p, q;
	unsigned char b[QP_SMT_PAGE_BYTES];
	memset(&p, 0, sizeof(p));
	qp_smt_ref leaf = {QP_SMT_LEAF, {1, 2, 3}};
	unsigned child = 5;
	int changed = 0;
	qp_smt_page_set(&p, &child, &leaf, 1, &changed);
	assert_true(changed);
	/* A single leaf rises to the top: its page's node is that leaf. */
	qp_smt_ref r;
	qp_smt_page_root(&r, &p);
	assert_int_equal(r.kind, QP_SMT_LEAF);
	assert_memory_equal(r.hash, leaf.hash, 32);
	qp_smt_page_set(&p, &child, &leaf, 1, &changed);
	assert_false(changed);
	qp_smt_page_encode(b, &p);
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b)), QP_OK);
	assert_int_equal(memcmp(p.node, q.node, sizeof(p.node)), 0);
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b) - 1), QP_ECORRUPT);
	b[0] |= 3; /* kind 3 */
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b)), QP_ECORRUPT);
	b[0] &= (unsigned char)~3;
	b[8] = 1; /* an empty node with a hash */
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b)), QP_ECORRUPT);
	assert_error_contains("a stored page is malformed");
}

/*
 * The low encoding (migration 0021): the kinds and the bottom row; the
 * nodes above are computed again when read, and a stored kind that is
 * not the one its children make is refused.  A store writes its pages so.
 */
static void test_low_pages(void **state)
{
	(void)state;
	qp_smt_page p, q;
	unsigned char b[QP_SMT_PAGE_LOW_BYTES];
	unsigned child[3] = {2, 3, 12};
	qp_smt_ref ref[3] = {{QP_SMT_LEAF, {1}}, {QP_SMT_INTERIOR, {2}}, {QP_SMT_LEAF, {3}}};
	int changed = 0;
	memset(&p, 0, sizeof(p));
	qp_smt_page_set(&p, child, ref, 3, &changed);
	assert_int_equal(qp_smt_page_encode_low(b, &p), sizeof(b));
	memset(&q, 0xAA, sizeof(q));
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b)), QP_OK);
	assert_int_equal(memcmp(p.node, q.node, sizeof(p.node)), 0);
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b) - 1), QP_ECORRUPT);
	/* Node 0 (children 0 to 7: a leaf, an interior node) is interior; stored as a leaf, refused. */
	assert_int_equal(b[0] & 3, QP_SMT_INTERIOR);
	b[0] = (unsigned char)((b[0] & ~3) | QP_SMT_LEAF);
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b)), QP_ECORRUPT);
	assert_error_contains("a stored page is malformed");
	b[0] = (unsigned char)((b[0] & ~3) | QP_SMT_INTERIOR);
	b[8 + 2 * 32 + 5] ^= 1; /* a bottom node's hash changed: read, the nodes above it differ */
	assert_int_equal(qp_smt_page_decode(&q, b, sizeof(b)), QP_OK);
	assert_int_not_equal(memcmp(p.node[0].hash, q.node[0].hash, 32), 0);

	/* A store's pages are so stored, and read back into the same root. */
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "low.db");
	qp_store *s = NULL;
	sqlite3_stmt *st = NULL;
	char rec[QP_STATUSMAP_RECORD_MAX], id[32];
	size_t len = 0;
	unsigned char key[32], r1[32], r2[32];
	assert_int_equal(qp_store_open(&s, path, QP_STORE_CREATE), QP_OK);
	assert_int_equal(qp_store_begin(s), QP_OK);
	for (unsigned i = 0; i < 300; i++) {
		cert(id, i);
		record_of(rec, &len, id, QP_CERT_LIVE, i);
		qp_statusmap_key(key, id);
		assert_int_equal(qp_store_statusmap_set(s, key, rec, len, i + 1), QP_OK);
	}
	assert_int_equal(qp_store_commit(s), QP_OK);
	assert_int_equal(qp_store_statusmap_root(s, UINT64_MAX, r1), QP_OK);
	assert_int_equal(sqlite3_prepare_v2(s->db,
					    "SELECT count(*), min(length(nodes)), max(length(nodes)) FROM "
					    "statusmap_pages",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int(st, 0) > 17);
	assert_int_equal(sqlite3_column_int(st, 1), QP_SMT_PAGE_LOW_BYTES);
	assert_int_equal(sqlite3_column_int(st, 2), QP_SMT_PAGE_LOW_BYTES);
	sqlite3_finalize(st);
	qp_store_free(s);
	s = NULL;
	assert_int_equal(qp_store_open(&s, path, 0), QP_OK);
	assert_int_equal(qp_store_statusmap_root(s, UINT64_MAX, r2), QP_OK);
	assert_memory_equal(r1, r2, 32);
	qp_store_free(s);
	tu_rmdir(dir);
	free(path);
	free(dir);
}

/* The root of s's pages is the root of its leaves, its version their newest. */
static void pages_match_leaves(qp_store *s, const char *dir)
{
	sqlite3_stmt *st;
	qp_smt_leaf *l = calloc(KEYS, sizeof(*l));
	size_t n = 0;
	assert_non_null(l);
	assert_int_equal(
	    sqlite3_prepare_v2(s->db, "SELECT key, hash FROM statusmap_leaves ORDER BY key", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(n < KEYS);
		memcpy(l[n].key, sqlite3_column_blob(st, 0), 32);
		memcpy(l[n++].hash, sqlite3_column_blob(st, 1), 32);
	}
	sqlite3_finalize(st);
	qp_smt_ref want;
	unsigned char got[32];
	qp_smt_subtree(&want, l, n, 0);
	assert_int_equal(qp_store_statusmap_root(s, UINT64_MAX, got), QP_OK);
	assert_memory_equal(got, want.hash, 32);
	free(l);
	/* And its pages are those of a store given its leaves at once (a page's version included). */
	static int made;
	char name[32];
	snprintf(name, sizeof(name), "fresh%d.db", made++);
	char *path = tu_path(dir, name);
	qp_store *f = NULL;
	assert_int_equal(qp_store_open(&f, path, QP_STORE_CREATE), QP_OK);
	free(path);
	assert_int_equal(qp_store_begin(f), QP_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(s->db, "SELECT key, version, record FROM statusmap_leaves", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		assert_int_equal(qp_store_statusmap_set(f, sqlite3_column_blob(st, 0),
							sqlite3_column_blob(st, 2),
							(size_t)sqlite3_column_bytes(st, 2),
							(uint64_t)sqlite3_column_int64(st, 1)),
				 QP_OK);
	sqlite3_finalize(st);
	assert_int_equal(qp_store_commit(f), QP_OK);
	same_rows(s, f, "statusmap_pages");
	qp_store_free(f);
}

/* Key i's record of round r (at version v) through s, in its own transaction unless in one. */
static void set_one(qp_store *s, unsigned i, unsigned r, uint64_t v)
{
	char id[32], rec[QP_STATUSMAP_RECORD_MAX];
	size_t len = 0;
	unsigned char key[32];
	cert(id, i);
	round_record(rec, &len, i, r);
	qp_statusmap_key(key, id);
	assert_int_equal(qp_store_statusmap_set(s, key, rec, len, v), QP_OK);
}

/*
 * The pages a connection's flush keeps between transactions are forgotten
 * when they may be old: after another connection's write, a rollback, an
 * entry undone.  Each case changes one key after the pages were kept, so
 * that a kept page that missed a change would put a wrong root on top.
 */
static void test_kept_pages(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "a.db");
	qp_store *a = NULL, *b = NULL;
	assert_int_equal(qp_store_open(&a, path, QP_STORE_CREATE), QP_OK);
	assert_int_equal(qp_store_begin(a), QP_OK);
	for (unsigned i = 0; i < KEYS; i++)
		set_one(a, i, 0, i + 1);
	assert_int_equal(qp_store_commit(a), QP_OK);
	/* Another connection changes every key; a then changes one. */
	assert_int_equal(qp_store_open(&b, path, 0), QP_OK);
	assert_int_equal(qp_store_begin(b), QP_OK);
	for (unsigned i = 0; i < KEYS; i++)
		set_one(b, i, 1, KEYS + i + 1);
	assert_int_equal(qp_store_commit(b), QP_OK);
	qp_store_free(b);
	assert_int_equal(qp_store_begin(a), QP_OK);
	set_one(a, 0, 2, 3 * KEYS);
	assert_int_equal(qp_store_commit(a), QP_OK);
	pages_match_leaves(a, dir);
	/* A transaction flushed, then rolled back; an entry flushed, then undone. */
	for (int whole = 1; whole >= 0; whole--) {
		assert_int_equal(qp_store_begin(a), QP_OK);
		if (!whole)
			assert_int_equal(qp_store_savepoint(a), QP_OK);
		for (unsigned i = 1; i < KEYS; i++)
			set_one(a, i, 2, (4 - (unsigned)whole) * KEYS + i);
		assert_int_equal(qp_store_statusmap_flush(a), QP_OK);
		if (whole) {
			qp_store_rollback(a);
			assert_int_equal(qp_store_begin(a), QP_OK);
		} else {
			qp_store_rollback_to(a);
		}
		set_one(a, 0, (unsigned)whole, (5 - (unsigned)whole) * KEYS);
		assert_int_equal(qp_store_commit(a), QP_OK);
		pages_match_leaves(a, dir);
	}
	qp_store_free(a);
	tu_rmdir(dir);
	free(path);
	free(dir);
}

/* The four tables of the map in a and b alike. */
static void same_map(qp_store *a, qp_store *b)
{
	same_rows(a, b, "statusmap_leaves");
	same_rows(a, b, "statusmap_leaf_history");
	same_rows(a, b, "statusmap_pages");
	same_rows(a, b, "statusmap_page_history");
}

/*
 * The flush keeps each leaf's row, and a change writes its leaf, and keeps
 * it for a checkpoint, by that row: the rows are those of a store that
 * keeps nothing (as an audit's replay), and a row that no longer holds its
 * key (the file changed through the same connection, which PRAGMA
 * data_version does not see) is found by its key instead.
 */
static void test_kept_rows(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp();
	/* Signed checkpoints, 3 changes a transaction: nearly every change by its kept row. */
	qp_store *k = build_as(dir, "k.db", 7, 3, 1), *ref = build(dir, "r.db", 7, 700);
	same_map(k, ref);
	/* Every leaf one row on: the row kept for each key now holds another key (or none). */
	exec_ok(k->db,
		"UPDATE statusmap_leaves SET rowid = -rowid; UPDATE statusmap_leaves SET rowid = 1 - rowid");
	for (unsigned t = 0; t < 2; t++) {
		qp_store *s = t ? ref : k;
		assert_int_equal(qp_store_begin(s), QP_OK);
		for (unsigned i = 0; i < KEYS; i++)
			set_one(s, i, (i % 2) ? 0 : 1, 4 * KEYS + i);
		assert_int_equal(qp_store_commit(s), QP_OK);
	}
	same_map(k, ref);
	pages_match_leaves(k, dir);
	qp_store_free(k);
	qp_store_free(ref);
	tu_rmdir(dir);
	free(dir);
}

/* The map's leaves as text, in key order: (key, version, hash, record) of the rows sql selects. */
static char *leaves_text(qp_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char q[512];
	snprintf(
	    q, sizeof(q),
	    "SELECT group_concat(x, ',') FROM (SELECT hex(k) || ':' || v || ':' || hex(h) || ':' || hex(r) "
	    "AS x FROM (%s) ORDER BY k)",
	    sql);
	assert_int_equal(sqlite3_prepare_v2(s->db, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *text = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	assert_true(strlen(text) > 0);
	return text;
}

#define CERT_LEAVES                                                                                          \
	"SELECT map_key AS k, map_version AS v, map_hash AS h, map_record AS r FROM certificates WHERE "     \
	"map_key IS NOT NULL"
#define APART_LEAVES "SELECT key AS k, version AS v, hash AS h, record AS r FROM statusmap_leaves"

static int count_of(qp_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A store and its reference (leaves set by key), in dir: closed and removed. */
static void pair_free(qp_store *s, qp_store *ref, char *dir, char *path, char *ref_path)
{
	qp_store_free(s);
	qp_store_free(ref);
	tu_rmdir(dir);
	free(dir);
	free(path);
	free(ref_path);
}

/*
 * From migration 0022 a certificate's leaf is in its row: the map of
 * certificates changed through qp_store_statusmap_touch is the map of the
 * same records set by key alone (kept apart, in statusmap_leaves), its
 * rows kept by the flush or not; and a file from before 0022 has its
 * leaves moved into the rows (one missing there made again from its row
 * and last event), the map the same.
 */
static void test_leaves_in_certs(void **state)
{
	(void)state;
	enum { N = 600, STEP = 7 };
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "c.db"), *ref_path = tu_path(dir, "r.db");
	qp_store *s = NULL, *ref = NULL;
	char id[32], rec[QP_STATUSMAP_RECORD_MAX], sql[512], *want = NULL, *got = NULL;
	size_t len = 0;
	unsigned char key[32], r1[32], r2[32];
	assert_int_equal(qp_store_open(&s, path, QP_STORE_CREATE), QP_OK);
	assert_int_equal(qp_store_open(&ref, ref_path, QP_STORE_CREATE), QP_OK);
	/* Certificates without a log or homes: the rows alone. */
	exec_ok(s->db, "PRAGMA foreign_keys = OFF; BEGIN");
	for (unsigned i = 0; i < N; i++) {
		cert(id, i);
		snprintf(
		    sql, sizeof(sql),
		    "INSERT INTO certificates (id, kind, year, seq, holder, holder_type, area, basis, state, "
		    "root, issued_on, created_idx) VALUES ('%s', 'guarantee', 2026, %u, '330681-H-0000001', "
		    "'household', 15000, 'entitlement', 'live', '%s', '2026-01-01', %u);"
		    "INSERT INTO cert_events VALUES ('%s', %u, 'issued'), ('%s', %u, 'frozen')",
		    id, i + 1, id, i, id, i, id, N + 1 + i);
		exec_ok(s->db, sql);
	}
	exec_ok(s->db, "COMMIT");
	for (unsigned r = 0; r < 2; r++) {
		for (unsigned i = 0; i < N; i++) {
			uint64_t idx = r ? N + 1 + i : i;
			if (i % STEP == 0) {
				assert_int_equal(qp_store_begin(s), QP_OK);
				assert_int_equal(qp_store_begin(ref), QP_OK);
			}
			cert(id, i);
			assert_int_equal(qp_store_statusmap_touch(s, id, idx), QP_OK);
			record_of(rec, &len, id, r ? QP_CERT_FROZEN : QP_CERT_LIVE, idx);
			qp_statusmap_key(key, id);
			assert_int_equal(qp_store_statusmap_set(ref, key, rec, len, idx + 1), QP_OK);
			if (i % STEP == STEP - 1 || i == N - 1) {
				assert_int_equal(qp_store_commit(s), QP_OK);
				assert_int_equal(qp_store_commit(ref), QP_OK);
			}
		}
		if (r == 0) {
			/* Each row one on: the row the flush kept for a leaf is another certificate's. */
			exec_ok(s->db, "UPDATE certificates SET rowid = -rowid; UPDATE certificates SET "
				       "rowid = 1 - rowid;"
				       "UPDATE certificates SET state = 'frozen'");
		}
	}
	/* A key of no certificate: apart, in both. */
	record_of(rec, &len, "330681-2026-G-999999", QP_CERT_LIVE, 2 * N + 1);
	qp_statusmap_key(key, "330681-2026-G-999999");
	for (int t = 0; t < 2; t++) {
		qp_store *x = t ? ref : s;
		assert_int_equal(qp_store_begin(x), QP_OK);
		assert_int_equal(qp_store_statusmap_set(x, key, rec, len, 2 * N + 2), QP_OK);
		assert_int_equal(qp_store_commit(x), QP_OK);
	}
	assert_int_equal(count_of(s, "SELECT count(*) FROM statusmap_leaves"), 1);
	assert_int_equal(count_of(s, "SELECT count(*) FROM certificates WHERE map_key IS NOT NULL"), N);
	want = leaves_text(ref, APART_LEAVES);
	got = leaves_text(s, CERT_LEAVES " UNION ALL " APART_LEAVES);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(qp_store_statusmap_root(s, UINT64_MAX, r1), QP_OK);
	assert_int_equal(qp_store_statusmap_root(ref, UINT64_MAX, r2), QP_OK);
	assert_memory_equal(r1, r2, 32);
	same_rows(s, ref, "statusmap_pages");

	/* Made as before 0022: the leaves in statusmap_leaves (but one), the columns and index gone. */
	cert(id, 5);
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO statusmap_leaves (key, version, hash, record) SELECT map_key, map_version, "
	    "map_hash, map_record FROM certificates WHERE map_key IS NOT NULL AND id <> '%s';"
	    "DROP INDEX certificates_map_key; ALTER TABLE certificates DROP COLUMN map_record;"
	    "ALTER TABLE certificates DROP COLUMN map_hash; ALTER TABLE certificates DROP COLUMN map_version;"
	    "ALTER TABLE certificates DROP COLUMN map_key;"
	    "DELETE FROM qp_schema_migrations WHERE version >= 22; PRAGMA user_version = 21;",
	    id);
	exec_ok(s->db, sql);
	qp_store_free(s);
	s = NULL;
	assert_int_equal(qp_store_open(&s, path, 0), QP_OK);
	assert_int_equal(qp_store_schema_version(s), qp_store_latest_version());
	assert_int_equal(count_of(s, "SELECT count(*) FROM statusmap_leaves"), 1);
	got = leaves_text(s, CERT_LEAVES " UNION ALL " APART_LEAVES);
	assert_string_equal(got, want);
	assert_int_equal(qp_store_statusmap_root(s, UINT64_MAX, r2), QP_OK);
	assert_memory_equal(r1, r2, 32);
	/* And proven from there. */
	qp_statusmap_proof p;
	char out[QP_STATUSMAP_RECORD_MAX];
	size_t out_len = 0;
	qp_statusmap_key(key, id);
	assert_int_equal(qp_store_statusmap_prove(s, key, UINT64_MAX, &p, out, &out_len), QP_OK);
	record_of(rec, &len, id, QP_CERT_FROZEN, N + 1 + 5);
	assert_int_equal(out_len, len);
	assert_int_equal(qp_statusmap_proof_verify(&p, r1, id, rec, len), QP_OK);
	free(got);
	free(want);
	pair_free(s, ref, dir, path, ref_path);
}

/* A guarantee certificate i (c) as qp_store_cert_put inserts it, created by entry idx. */
static void put_cert(qp_store *s, qp_cert *c, unsigned i, uint64_t idx)
{
	char id[32];
	memset(c, 0, sizeof(*c));
	cert(id, i);
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->kind = QP_CERT_GUARANTEE;
	snprintf(c->holder, sizeof(c->holder), "330681-H-0000001");
	snprintf(c->holder_type, sizeof(c->holder_type), "household");
	c->area = 15000;
	snprintf(c->basis, sizeof(c->basis), "entitlement");
	snprintf(c->root, sizeof(c->root), "%s", c->id);
	snprintf(c->issued_on, sizeof(c->issued_on), "2026-01-01");
	c->created_at = idx;
	assert_int_equal(qp_store_cert_put(s, c, 2026, i + 1, NULL, NULL), QP_OK);
}

/*
 * A certificate's leaf is written with its row (qp_store_cert_put) and
 * with its change of state (qp_store_cert_end, qp_store_cert_freeze), and
 * the touch after its event then writes nothing: the leaves are those of
 * the same records set by key.  A row changed between its insert and its
 * event (ended by the same entry, or another certificate inserted) is read
 * again; a later change keeps the row's key; a row whose key was changed by
 * hand gets its own key back, and one the caller read wrong (its area) gets
 * the leaf of the row as it is.  The leaves a checkpoint covers are kept
 * once each, whichever way they were changed.
 */
static void test_leaf_with_insert(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "c.db"), *ref_path = tu_path(dir, "r.db");
	qp_store *s = NULL, *ref = NULL;
	char id[32], rec[QP_STATUSMAP_RECORD_MAX], *want = NULL, *got = NULL;
	size_t len = 0;
	unsigned char key[32], r1[32], r2[32];
	assert_int_equal(qp_store_open(&s, path, QP_STORE_CREATE), QP_OK);
	assert_int_equal(qp_store_open(&ref, ref_path, QP_STORE_CREATE), QP_OK);
	exec_ok(s->db, "PRAGMA foreign_keys = OFF");
	/* A signed checkpoint of size 4 (entries 0 to 3): the leaves it covers are kept when changed. */
	static const uint64_t cps[] = {4};
	qp_store_statusmap_keep_for(s, cps, 1);
	qp_store_statusmap_keep_for(ref, cps, 1);
	/* want: certificate i's leaf is its record in state st as of entry idx. */
#define WANT(i, st, idx)                                                                                      \
	do {                                                                                                 \
		cert(id, i);                                                                                 \
		record_of(rec, &len, id, st, idx);                                                           \
		qp_statusmap_key(key, id);                                                                   \
		assert_int_equal(qp_store_statusmap_set(ref, key, rec, len, (idx) + 1), QP_OK);            \
	} while (0)
	assert_int_equal(qp_store_begin(s), QP_OK);
	assert_int_equal(qp_store_begin(ref), QP_OK);
	qp_cert c[4];
	/* Entry 1: certificate 0 alone; its touch reads nothing. */
	put_cert(s, &c[0], 0, 1);
	cert(id, 0);
	assert_int_equal(qp_store_cert_event_put(s, id, 1, "issued"), QP_OK);
	WANT(0, QP_CERT_LIVE, 1);
	/* Entry 2: certificate 1 inserted, then spent by the same entry before its event. */
	put_cert(s, &c[1], 1, 2);
	cert(id, 1);
	assert_int_equal(qp_store_cert_end(s, &c[1], 2, "redeem", NULL), QP_OK);
	assert_int_equal(qp_store_cert_event_put(s, id, 2, "issued and redeemed"), QP_OK);
	WANT(1, QP_CERT_SPENT, 2);
	/* Entry 3: certificates 2 and 3 inserted, then their events. */
	put_cert(s, &c[2], 2, 3);
	put_cert(s, &c[3], 3, 3);
	for (unsigned i = 2; i < 4; i++) {
		cert(id, i);
		assert_int_equal(qp_store_cert_event_put(s, id, 3, "issued"), QP_OK);
		WANT(i, QP_CERT_LIVE, 3);
	}
	assert_int_equal(qp_store_commit(s), QP_OK);
	assert_int_equal(qp_store_commit(ref), QP_OK);
	int keys = count_of(s, "SELECT count(*) FROM certificates WHERE map_key IS NOT NULL");
	assert_int_equal(keys, 4);

	/*
	 * Entry 4: certificates 0, 2 and 3 frozen (0's key kept; 3 read with
	 * another area than its row's): each leaf the checkpoint covers kept once.
	 */
	c[3].area = 1;
	assert_int_equal(qp_store_begin(s), QP_OK);
	assert_int_equal(qp_store_begin(ref), QP_OK);
	for (unsigned i = 0; i < 4; i += 1 + (i == 0)) {
		cert(id, i);
		assert_int_equal(qp_store_cert_freeze(s, &c[i], 4, 1, "court order"), QP_OK);
		assert_int_equal(qp_store_cert_event_put(s, id, 4, "frozen"), QP_OK);
		WANT(i, QP_CERT_FROZEN, 4);
	}
	assert_int_equal(qp_store_commit(s), QP_OK);
	assert_int_equal(qp_store_commit(ref), QP_OK);
	/* Entry 5: certificate 2 unfrozen, its key changed by hand first; 0 unfrozen, then revoked. */
	exec_ok(s->db, "UPDATE certificates SET map_key = zeroblob(32) WHERE id = '330681-2026-G-000003'");
	assert_int_equal(qp_store_begin(s), QP_OK);
	assert_int_equal(qp_store_begin(ref), QP_OK);
	cert(id, 2);
	assert_int_equal(qp_store_cert_freeze(s, &c[2], 5, 0, NULL), QP_OK);
	assert_int_equal(qp_store_cert_event_put(s, id, 5, "unfrozen"), QP_OK);
	WANT(2, QP_CERT_LIVE, 5);
	cert(id, 0);
	assert_int_equal(qp_store_cert_freeze(s, &c[0], 5, 0, NULL), QP_OK);
	assert_int_equal(qp_store_cert_event_put(s, id, 5, "unfrozen"), QP_OK);
	assert_int_equal(qp_store_cert_freeze(s, &c[0], 5, 0, NULL), QP_ECONFLICT);
	assert_int_equal(qp_store_cert_end(s, &c[0], 6, "revoke", "error"), QP_OK);
	assert_int_equal(qp_store_cert_event_put(s, id, 6, "revoked"), QP_OK);
	assert_int_equal(qp_store_cert_end(s, &c[0], 7, "redeem", NULL), QP_ECONFLICT);
	WANT(0, QP_CERT_REVOKED, 6);
	assert_int_equal(qp_store_commit(s), QP_OK);
	assert_int_equal(qp_store_commit(ref), QP_OK);
#undef WANT
	want = leaves_text(ref, APART_LEAVES);
	got = leaves_text(s, CERT_LEAVES);
	assert_string_equal(got, want);
	assert_int_equal(qp_store_statusmap_root(s, UINT64_MAX, r1), QP_OK);
	assert_int_equal(qp_store_statusmap_root(ref, UINT64_MAX, r2), QP_OK);
	assert_memory_equal(r1, r2, 32);
	same_rows(s, ref, "statusmap_pages");
	same_rows(s, ref, "statusmap_leaf_history");
	assert_int_equal(count_of(s, "SELECT count(*) FROM statusmap_leaf_history"), 3);
	free(got);
	free(want);
	qp_store_statusmap_keep_for(s, NULL, 0);
	qp_store_statusmap_keep_for(ref, NULL, 0);
	pair_free(s, ref, dir, path, ref_path);
}

static void test_empty_map(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "e.db"), got[QP_STATUSMAP_RECORD_MAX];
	qp_store *s = NULL;
	size_t got_len = 1;
	assert_int_equal(qp_store_open(&s, path, QP_STORE_CREATE), QP_OK);
	unsigned char root[32], zero[32] = {0}, key[32];
	qp_statusmap_proof p;
	assert_int_equal(qp_store_statusmap_root(s, UINT64_MAX, root), QP_OK);
	assert_memory_equal(root, zero, 32);
	qp_statusmap_key(key, "330681-2026-G-000001");
	assert_int_equal(qp_store_statusmap_prove(s, key, UINT64_MAX, &p, got, &got_len), QP_OK);
	assert_int_equal(p.depth, 0);
	assert_int_equal(got_len, 0);
	assert_int_equal(qp_statusmap_proof_verify(&p, root, "330681-2026-G-000001", NULL, 0), QP_OK);
	qp_store_free(s);
	tu_rmdir(dir);
	free(dir);
	free(path);
}

static void test_hostile_proof_text(void **state)
{
	(void)state;
	qp_statusmap_proof p;
	static const struct {
		const char *text, *needle;
	} bad[] = {
	    {"", "line 1"},
	    {"quanpiao/status-map-proof/v2\ndepth 0\nempty\n", "line 1"},
	    {"quanpiao/status-map-proof/v1\ndepth 257\nempty\n", "depth is above 256"},
	    {"quanpiao/status-map-proof/v1\ndepth 01\nempty\n-\n", "line 2"},
	    {"quanpiao/status-map-proof/v1\ndepth 1\nfull\n-\n", "line 3"},
	    {"quanpiao/status-map-proof/v1\ndepth 1\nempty\n", "a sibling is missing"},
	    {"quanpiao/status-map-proof/v1\ndepth 1\nempty\nAAAA\n", "line 4"},
	    {"quanpiao/status-map-proof/v1\ndepth 1\nempty\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	     "not all zero"},
	    {"quanpiao/status-map-proof/v1\ndepth 0\nempty\nextra\n", "text after the last sibling"},
	    {"quanpiao/status-map-proof/v1\ndepth 0\nempty", "line 3"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(qp_statusmap_proof_parse(&p, bad[i].text, strlen(bad[i].text)), QP_EINVALID);
		assert_error_contains(bad[i].needle);
	}
}

static void test_records(void **state)
{
	(void)state;
	char buf[QP_STATUSMAP_RECORD_MAX];
	size_t len = 0;
	qp_statusmap_record r;
	record_of(buf, &len, "330681-2026-G-000001", QP_CERT_FROZEN, 27);
	assert_int_equal(qp_statusmap_record_parse(&r, buf, len), QP_OK);
	assert_int_equal(r.state, QP_CERT_FROZEN);
	assert_int_equal(r.entry, 27);
	assert_int_equal(r.area, 15000);
	static const char *const bad[] = {
	    "quanpiao/cert-status/v1\nid 330681-2026-G-000001\nkind guarantee\nstate expired\nholder "
	    "330681-H-0000001\n"
	    "area 15000\nvalid_until -\nentry 27\n",
	    "quanpiao/cert-status/v1\nid 330681-2026-G-000001\nkind guarantee\nstate live\nholder "
	    "330681-H-0000001\n"
	    "area 015000\nvalid_until -\nentry 27\n",
	    "quanpiao/cert-status/v1\nid 330681-2026-G-000001\nkind guarantee\nstate live\nholder "
	    "330681-H-0000001\n"
	    "area 15000\nvalid_until -\nentry 27\nmore\n",
	    "quanpiao/cert-status/v1\nid 330681-2026-G-000001\nkind other\nstate live\nholder "
	    "330681-H-0000001\n"
	    "area 15000\nvalid_until -\nentry 27\n",
	    "quanpiao/cert-status/v1\nid 330681-2026-G-000001\nkind guarantee\nstate live\nholder 330681 H\n"
	    "area 15000\nvalid_until -\nentry 27\n",
	    "quanpiao/cert-status/v1\nid 330681-2026-G-000001\nkind guarantee\nstate live\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(qp_statusmap_record_parse(&r, bad[i], strlen(bad[i])), QP_EINVALID);
	/* The checkpoint line: found, twice, malformed, absent. */
	unsigned char root[32];
	const char *one = "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" QP_STATUSMAP_LINE
			  " AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	assert_int_equal(qp_statusmap_checkpoint_root(root, one, strlen(one)), QP_OK);
	assert_int_equal(root[0], 1);
	char two[512];
	snprintf(two, sizeof(two), "%s%s", one,
		 QP_STATUSMAP_LINE " AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	assert_int_equal(qp_statusmap_checkpoint_root(root, two, strlen(two)), QP_EINVALID);
	const char *short_line =
	    "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" QP_STATUSMAP_LINE " AQ==\n";
	assert_int_equal(qp_statusmap_checkpoint_root(root, short_line, strlen(short_line)), QP_EINVALID);
	const char *none = "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	assert_int_equal(qp_statusmap_checkpoint_root(root, none, strlen(none)), QP_ENOTFOUND);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_and_proofs),    cmocka_unit_test(test_empty_map),
	    cmocka_unit_test(test_kept_pages),	       cmocka_unit_test(test_kept_rows),
	    cmocka_unit_test(test_leaves_in_certs),    cmocka_unit_test(test_leaf_with_insert),    cmocka_unit_test(test_pages),
	    cmocka_unit_test(test_low_pages),	       cmocka_unit_test(test_upgrade_from_nodes),
	    cmocka_unit_test(test_hostile_proof_text), cmocka_unit_test(test_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
