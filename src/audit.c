/*
 * audit.c - the full and incremental audit, and rebuild.
 *
 * One pass over the log: each entry's leaf hash is recomputed, the entry
 * is applied to a fresh registry (the replay) with its signer's role,
 * revocation and expiry checked there, and its Ed25519 signature is
 * queued for worker threads that verify on every core.  Then the stored
 * tables are compared with the replay's, every checkpoint is checked
 * against the replay's tree, and the certificate invariants are checked.
 * Memory stays flat: entries are streamed, the queue is bounded, and the
 * replay lives in a file.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "audit_beside.h"
#include "audit_queue.h"
#include "error.h"
#include "quanpiao/audit.h"
#include "quanpiao/certs.h"
#include "quanpiao/cosign.h"
#include "quanpiao/ids.h"
#include "quanpiao/log.h"
#include "registry_internal.h"
#include "statusmap_audit.h"
#include "store_audit.h"
#include "store_log.h"

/*
 * The replay commits every BATCH entries, or sooner, once past BATCH_MIN,
 * when SQLite holds BATCH_MEMORY bytes more than just after the last
 * commit: the in-memory journal of the open transaction, which grows with
 * the pages the batch touched.  Large batches write the pages that every
 * batch touches (the status map's and the top of each B-tree) once per
 * batch; the cap keeps the peak memory flat at any log size (20,000
 * entries touch about 90 MiB of a 1,000,000-entry replay's pages).
 */
#define BATCH	     20000
#define BATCH_MIN    2500
#define BATCH_MEMORY ((uint64_t)40 << 20)
/*
 * A full audit's replay, which is thrown away, first runs with no rollback
 * journal at all (qp_store_replay_unjournaled): no copy of every page a
 * batch touches, so a batch is BATCH_FAST entries whatever it touches
 * (the dirty pages spill to the file when the page cache is full).  It
 * cannot undo a refused entry: the first problem the pass finds stops it,
 * unreported, and the audit starts again with the journal (audit_run), so
 * a registry with problems costs part of a pass more and is judged and
 * reported exactly as before.
 */
#define BATCH_FAST   100000
/* From this many entries a throw-away replay has large pages (qp_store_replay_large_pages). */
#define LARGE_REPLAY 10000

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* ---- the tree, computed as the log is read ---------------------------------------------- */

/*
 * A full audit computes the Merkle tree of the stored entries itself,
 * holding only the last complete node of each level (all that the next
 * append or the root needs), and checks every node against the stored
 * tree as it completes.  The replay writes no tree of its own unless it
 * is kept.  Each checkpoint's root is taken when the tree reaches its
 * size; two checkpoints whose roots are both roots of this one tree are
 * consistent with each other.
 */
struct cp_root {
	uint64_t size;
	unsigned char root[QP_HASH_LEN];
	int have;
};

typedef struct tree {
	/* The last two nodes of each level: an append reads a left sibling after writing its right. */
	unsigned char node[64][2][QP_HASH_LEN];
	uint64_t idx[64][2];
	uint64_t have[2]; /* bit L of have[s]: node[L][s] is node (L, idx[L][s]) */
	uint64_t size; /* leaves so far */
	qp_store_tree_walk *walk;
	qp_store *keep; /* the kept replay, which gets the nodes too; or NULL */
	struct cp_root *cps;
	size_t ncps, capcps, next;
} tree;

static int tree_get(void *ctx, unsigned level, uint64_t idx, unsigned char out[QP_HASH_LEN])
{
	tree *t = ctx;
	unsigned s = (unsigned)(idx & 1);
	if (level >= 64 || !((t->have[s] >> level) & 1) || t->idx[level][s] != idx)
		return qp_error_set(QP_EINTERNAL, "audit: tree node (%u, %llu) is not held", level, (unsigned long long)idx);
	memcpy(out, t->node[level][s], QP_HASH_LEN);
	return QP_OK;
}

static int tree_put(void *ctx, unsigned level, uint64_t idx, const unsigned char hash[QP_HASH_LEN])
{
	tree *t = ctx;
	if (level >= 64)
		return qp_error_set(QP_EINTERNAL, "audit: tree level %u", level);
	unsigned s = (unsigned)(idx & 1);
	memcpy(t->node[level][s], hash, QP_HASH_LEN);
	t->idx[level][s] = idx;
	t->have[s] |= (uint64_t)1 << level;
	int err = t->walk ? qp_store_tree_walk_check(t->walk, level, idx, hash) : QP_OK;
	if (err == QP_OK && t->keep)
		err = qp_store_node_put(t->keep, level, idx, hash);
	return err;
}

/* Take the roots of the checkpoints of the tree's size. */
static int tree_roots(tree *t)
{
	int err = QP_OK;
	while (err == QP_OK && t->next < t->ncps && t->cps[t->next].size <= t->size) {
		struct cp_root *c = &t->cps[t->next++];
		if (c->size == t->size && (err = qp_merkle_root(c->root, t->size, tree_get, t)) == QP_OK)
			c->have = 1;
	}
	return err;
}

static int tree_add(tree *t, const unsigned char leaf[QP_HASH_LEN])
{
	int err = qp_merkle_append(t->size, leaf, tree_get, tree_put, t);
	if (err != QP_OK)
		return err;
	t->size++;
	return tree_roots(t);
}

static int collect_size(void *ctx, uint64_t size, const unsigned char *root, const char *note, size_t note_len)
{
	tree *t = ctx;
	(void)root;
	(void)note;
	(void)note_len;
	if (t->ncps == t->capcps) {
		size_t cap = t->capcps ? 2 * t->capcps : 64;
		struct cp_root *grown = qp_realloc(t->cps, cap * sizeof(*grown));
		if (grown == NULL)
			return qp_error_set(QP_ENOMEM, "out of memory reading checkpoints");
		t->cps = grown;
		t->capcps = cap;
	}
	memset(&t->cps[t->ncps], 0, sizeof(t->cps[0]));
	t->cps[t->ncps++].size = size;
	return QP_OK;
}

/* The root the tree had at size, or NULL if it never reached it. */
static const unsigned char *tree_root_at(const tree *t, uint64_t size)
{
	size_t lo = 0, hi = t->ncps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->cps[mid].size < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->ncps && t->cps[lo].size == size && t->cps[lo].have ? t->cps[lo].root : NULL;
}

/* ---- the pass over the log --------------------------------------------------------- */

typedef struct audit {
	qp_registry *live, *replay;
	const qp_audit_options *opt;
	qp_audit_result *res;
	qp_sigq *q;
	qp_sigq_pending pend;
	uint64_t expected, total, in_batch;
	int defer;       /* verify on worker threads */
	int keep_refused; /* rebuild: a refused entry stays in the rebuilt log, unapplied */
	int stop_error;  /* an I/O error that ends the pass */
	tree *tree;      /* the tree computed here (full audit), or NULL (the replay keeps it) */
	/*
	 * With the tree computed here, each entry keeps its index in the
	 * replay (a refused one leaves a gap, so the rows after it still say
	 * which entry made them), and the replay has no savepoint per entry:
	 * a refused entry rolls the batch back, and the entries of the batch
	 * accepted before it are applied again (accepted, naccepted).
	 */
	uint64_t *accepted; /* BATCH */
	qp_log_state *accepted_named; /* BATCH: the state each accepted entry named, judged once */
	size_t naccepted;
	/* The last named state read from the registry's stored tree (audit_root). */
	int have_named;
	uint64_t named_size;
	unsigned char named_root[QP_HASH_LEN];
	unsigned flags; /* how entries are applied to the replay (QP_APPLY_*) */
	int keep_saved; /* incremental: nothing new read yet, the saved state stays as it is */
	uint64_t committed_memory; /* SQLite's memory just after the replay's last commit (BATCH_MEMORY) */
	int fast;		   /* the pass of an unjournaled replay (BATCH_FAST): a problem stops it */
	int restart;		   /* it stopped: the audit starts again with the journal */
	qp_beside beside;	   /* where the checks of what lies beside the log report (audit_beside.c) */
} audit;

static void problem(audit *a, const char *where, const char *what)
{
	if (a->fast) {
		a->restart = 1; /* reported by the audit that starts again */
		return;
	}
	a->res->problems++;
	if (a->opt && a->opt->problem)
		a->opt->problem(a->opt->ctx, where, what);
}

/* A problem in what a rebuild from the log makes again: tables, tree, stored hashes. */
static void derived_problem(audit *a, const char *where, const char *what)
{
	a->res->derived++;
	problem(a, where, what);
}

static void problem_cb(void *ctx, const char *where, const char *what)
{
	derived_problem(ctx, where, what);
}

/* A problem in what only a good copy restores (a witness's cosignature: no rebuild makes it). */
static void log_problem_cb(void *ctx, const char *where, const char *what)
{
	problem(ctx, where, what);
}

/* Reported, not counted: "N more problems like these". */
static void note_cb(void *ctx, const char *where, const char *what)
{
	audit *a = ctx;
	if (a->opt && a->opt->problem)
		a->opt->problem(a->opt->ctx, where, what);
}

static void entry_problem(audit *a, uint64_t idx, const char *what)
{
	char where[64];
	snprintf(where, sizeof(where), "entry %llu", (unsigned long long)idx);
	problem(a, where, what);
}

/*
 * The full audit's reader of the log states entries name (the replay has
 * no tree: it is computed here).  The state of the tree's own size, which
 * is what an entry signed against the current log names, comes from the
 * tree computed in this pass.  An older one comes from the registry's
 * stored tree nodes, O(log n) reads.  The last one is kept (the
 * entries of an import batch or a group commit name the same state).
 * Those nodes are no weak point: the pass compares every stored node with
 * the tree it computes (qp_store_tree_walk_check), so a node tampered to
 * make a named state look right is a finding of its own.
 */
static int audit_root(void *ctx, uint64_t size, unsigned char out[QP_HASH_LEN])
{
	audit *a = ctx;
	if (a->have_named && a->named_size == size) {
		memcpy(out, a->named_root, QP_HASH_LEN);
		return QP_OK;
	}
	int err = size == a->tree->size ? qp_merkle_root(out, size, tree_get, a->tree)
					: qp_merkle_root(out, size, qp_store_node_get, a->live->store);
	if (err == QP_OK) {
		a->have_named = 1;
		a->named_size = size;
		memcpy(a->named_root, out, QP_HASH_LEN);
	}
	return err;
}

/* Applying an accepted entry again (undo_refused): the state it named was judged the first time. */
static int judged_root(void *ctx, uint64_t size, unsigned char out[QP_HASH_LEN])
{
	const qp_log_state *named = ctx;
	if (size != named->size)
		return qp_error_set(QP_EINTERNAL, "audit: an entry names another state the second time");
	memcpy(out, named->root, QP_HASH_LEN);
	return QP_OK;
}

/* Undo a refused entry in a replay without savepoints: the batch again, without it. */
static int undo_refused(audit *a)
{
	qp_store *rs = a->replay->store;
	int err;
	qp_store_rollback(rs);
	qp_registry_forget_keys(a->replay);
	if ((err = qp_store_begin(rs)) != QP_OK)
		return err;
	for (size_t i = 0; i < a->naccepted; i++) {
		char *note = NULL;
		size_t len = 0;
		qp_apply ap;
		memset(&ap, 0, sizeof(ap));
		ap.flags = a->flags | QP_APPLY_DEFER_SIGNATURE;
		ap.at = a->accepted[i];
		ap.root_of = judged_root;
		ap.root_ctx = &a->accepted_named[i];
		if ((err = qp_store_entry_get(a->live->store, a->accepted[i], &note, &len)) == QP_OK)
			err = qp_registry_apply(a->replay, note, len, NULL, &ap);
		qp_free(note);
		if (err == QP_EIO || err == QP_ENOMEM)
			return err;
		if (err != QP_OK)
			return qp_error_set(QP_EINTERNAL, "audit: entry %llu, accepted once, was refused the second time: %s",
					    (unsigned long long)a->accepted[i], qp_error_last()->message);
	}
	return QP_OK;
}

static int each_entry(void *ctx, const qp_store_entry_row *row)
{
	audit *a = ctx;
	if (row->idx != a->expected) {
		char what[128];
		snprintf(what, sizeof(what), "entries %llu to %llu are missing from the log",
			 (unsigned long long)a->expected, (unsigned long long)row->idx - 1);
		entry_problem(a, row->idx, what);
	}
	a->expected = row->idx + 1;

	qp_apply ap;
	memset(&ap, 0, sizeof(ap));
	ap.flags = a->flags | QP_APPLY_META | (a->defer ? QP_APPLY_DEFER_SIGNATURE : 0);
	ap.at = row->idx;
	if (a->tree) {
		ap.root_of = audit_root;
		ap.root_ctx = a;
	}
	uint64_t got = 0;
	int err = qp_registry_apply(a->replay, row->note, row->note_len, &got, &ap);
	/* The replay hashed the note as it stored it; one refused early is hashed here. */
	if (!ap.have_leaf)
		qp_merkle_leaf_hash(ap.leaf, row->note, row->note_len);
	if (sodium_memcmp(ap.leaf, row->leaf_hash, QP_HASH_LEN) != 0) {
		char where[64];
		snprintf(where, sizeof(where), "entry %llu", (unsigned long long)row->idx);
		derived_problem(a, where, "its stored leaf hash is not the hash of its bytes");
	}
	/* The tree is of the stored entries, each in its place, whatever the rules say of them. */
	int terr;
	if (a->tree && (terr = tree_add(a->tree, ap.leaf)) != QP_OK)
		return terr;
	/* The columns stored beside the note say what the note says (the table comparison skips them). */
	if (ap.have_meta) {
		const char *names[] = {"type", "signer", "time"};
		const char *stored[] = {row->type, row->signer, row->time};
		const char *says[] = {ap.type, ap.signer, ap.time};
		for (int i = 0; i < 3; i++) {
			if (stored[i] && strcmp(stored[i], says[i]) == 0)
				continue;
			char lwhere[64], what[256];
			snprintf(lwhere, sizeof(lwhere), "log_entries row %llu", (unsigned long long)row->idx);
			snprintf(what, sizeof(what), "%s: stored %.60s, the log says %.60s", names[i],
				 stored[i] ? stored[i] : "NULL", says[i]);
			derived_problem(a, lwhere, what);
		}
	}
	if (err == QP_OK) {
		if (a->defer && (err = qp_sigq_put(a->q, &a->pend, row->idx, &ap, row->note)) != QP_OK)
			return err;
		if (!a->defer)
			a->res->signatures++;
		if (a->tree && !a->fast) {
			a->accepted_named[a->naccepted] = ap.named;
			a->accepted[a->naccepted++] = row->idx;
		}
	} else if (err == QP_EIO || err == QP_ENOMEM || err == QP_ECORRUPT) {
		return err;
	} else {
		char what[1100];
		snprintf(what, sizeof(what), "%s (%s by %s): %s", "refused by the rules", row->type, row->signer,
			 qp_error_last()->message);
		entry_problem(a, row->idx, what);
		if (a->fast)
			return QP_EVERIFY; /* unjournaled: no undo; the audit starts again (a->restart) */
		if (a->tree && (err = undo_refused(a)) != QP_OK)
			return err;
		/*
		 * A rebuild makes the registry again from the log, all of it: an
		 * entry the rules refuse keeps its place in the rebuilt log (with
		 * nothing applied), so that the rebuilt file's audit names it too
		 * rather than a rebuild silently dropping it.
		 */
		uint64_t at = 0;
		if (a->keep_refused &&
		    ((err = qp_store_log_size(a->replay->store, &at)) != QP_OK ||
		     (err = qp_registry_log_put(a->replay, at, row->note, row->note_len, ap.leaf, row->type,
						row->signer, row->time)) != QP_OK))
			return err;
	}
	if (a->restart)
		return QP_EVERIFY; /* audit_run: the audit starts again with the journal */
	a->res->entries++;
	if (a->fast
		? ++a->in_batch == BATCH_FAST
		: (++a->in_batch == BATCH || (a->in_batch >= BATCH_MIN && a->in_batch % 256 == 0 &&
					      qp_store_memory_used() > a->committed_memory + BATCH_MEMORY))) {
		a->in_batch = 0;
		a->naccepted = 0;
		if ((err = qp_store_commit(a->replay->store)) != QP_OK || (err = qp_store_begin(a->replay->store)) != QP_OK)
			return err;
		a->committed_memory = qp_store_memory_used();
	}
	if (a->opt && a->opt->progress && (a->res->entries % 10000 == 0))
		a->opt->progress(a->opt->ctx, a->res->entries, a->total);
	return QP_OK;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

typedef struct cp_check {
	audit *a;
	uint64_t prev_size;
	unsigned char prev_root[QP_HASH_LEN];
	int have_prev;
} cp_check;

struct key_find {
	uint64_t size;
	qp_verifier *keys[16];
	size_t n;
};

static int collect_log_key(void *ctx, const char *vkey, uint64_t enrolled, int revoked, uint64_t revoked_idx)
{
	struct key_find *k = ctx;
	/* A key signs checkpoints of sizes after its enrolment and up to its revocation. */
	if (enrolled >= k->size || (revoked && revoked_idx < k->size) || k->n == 16)
		return QP_OK;
	qp_verifier *v = NULL;
	int err = qp_verifier_parse(&v, vkey);
	if (err == QP_OK)
		k->keys[k->n++] = v;
	/* A stored key that does not parse leaves its checkpoints unverified (reported); memory does not. */
	return err == QP_ENOMEM ? err : QP_OK;
}

static int each_checkpoint(void *ctx, uint64_t size, const unsigned char *root, const char *note, size_t note_len)
{
	cp_check *c = ctx;
	audit *a = c->a;
	char where[64];
	snprintf(where, sizeof(where), "checkpoint of size %llu", (unsigned long long)size);
	a->res->checkpoints++;
	struct key_find k = {size, {NULL}, 0};
	int err = qp_store_log_keys_each(a->replay->store, collect_log_key, &k);
	qp_note *opened = NULL;
	if (err == QP_OK)
		err = qp_note_open(&opened, note, note_len, (const qp_verifier *const *)k.keys, k.n);
	if (err == QP_OK) {
		qp_checkpoint cp;
		err = qp_checkpoint_parse(&cp, opened->text, opened->text_len);
		if (err != QP_ENOMEM && (err != QP_OK || cp.size != size || sodium_memcmp(cp.root, root, QP_HASH_LEN) != 0 ||
					 strcmp(cp.origin, a->replay->origin) != 0)) {
			problem(a, where, "its stored size or root differs from its signed text");
			err = QP_OK;
		}
		/* Its status-map line, against the replay's map at its size (statusmap_audit.c). */
		char what[160];
		if (err == QP_OK &&
		    (err = qp_statusmap_audit_checkpoint(what, sizeof(what), a->replay->store, size,
							 opened->text, opened->text_len)) == QP_OK &&
		    what[0])
			problem(a, where, what);
		/* Its access-record line, against the record beside the log (qp_audit_access ran before). */
		if (err == QP_OK)
			err = qp_audit_access_line(&a->beside, a->live->store, where, &cp);
	} else if (err != QP_ENOMEM && err != QP_EIO) {
		char what[600];
		snprintf(what, sizeof(what), "not signed by a log key valid at that size: %s", qp_error_last()->message);
		problem(a, where, what);
		err = QP_OK;
	}
	qp_note_free(opened);
	for (size_t i = 0; i < k.n; i++)
		qp_verifier_free(k.keys[i]);
	/* Out of memory or I/O: no finding, the audit stops with the error. */
	if (err != QP_OK)
		return err;

	uint64_t n = 0;
	if (a->tree)
		n = a->tree->size;
	else if ((err = qp_store_log_size(a->replay->store, &n)) != QP_OK)
		return err;
	unsigned char want[QP_HASH_LEN];
	if (size > n) {
		problem(a, where, "covers more entries than the log has");
		return QP_OK;
	}
	if (a->tree) {
		/* Its root was taken as the tree passed its size; consistency follows from one tree. */
		const unsigned char *at = tree_root_at(a->tree, size);
		if (at == NULL)
			return qp_error_set(QP_EINTERNAL, "audit: no root taken at size %llu", (unsigned long long)size);
		if (sodium_memcmp(at, root, QP_HASH_LEN) != 0)
			problem(a, where, "its root is not the root of the log's first entries (the log was rewritten?)");
		return QP_OK;
	}
	if ((err = qp_merkle_root(want, size, qp_store_node_get, a->replay->store)) != QP_OK)
		return err;
	if (sodium_memcmp(want, root, QP_HASH_LEN) != 0) {
		problem(a, where, "its root is not the root of the log's first entries (the log was rewritten?)");
		return QP_OK;
	}
	if (c->have_prev && c->prev_size > 0) {
		qp_merkle_proof proof;
		/* Both trees are the replay's: building the proof can only fail for want of memory or I/O. */
		if ((err = qp_merkle_consistency_proof(&proof, c->prev_size, size, qp_store_node_get, a->replay->store)) !=
		    QP_OK)
			return err;
		if (qp_merkle_verify_consistency(c->prev_size, size, c->prev_root, root, &proof) != QP_OK)
			problem(a, where, "is not consistent with the checkpoint before it");
	}
	c->have_prev = 1;
	c->prev_size = size;
	memcpy(c->prev_root, root, QP_HASH_LEN);
	return QP_OK;
}

/* ---- the audit ------------------------------------------------------------------------------ */

static int file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static void remove_db(const char *path)
{
	static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
	char side[4200];
	unlink(path);
	for (size_t i = 0; i < 3; i++)
		if ((size_t)snprintf(side, sizeof(side), "%s%s", path, suffixes[i]) < sizeof(side))
			unlink(side);
}

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* ---- anchors: checkpoints the auditor trusts ------------------------------------------------ */

/*
 * The stored checkpoints are the registry's own word: an insider with the
 * file can cut the log's tail with the checkpoints above it, and every
 * check above still passes.  An anchor is a checkpoint kept off the file
 * (a witness's state, the checkpoint an earlier audit saved): the audit
 * proves that the log extends it, from the log's entries themselves, never
 * from stored tree rows an insider could edit to match.
 */
typedef struct anchor {
	char path[4200]; /* the file read */
	qp_checkpoint cp;
	char cosigners[512]; /* the auditors whose cosignatures on it verify */
	unsigned unknown_sigs; /* other signature lines, by keys the registry does not enrol */
} anchor;

struct any_keys {
	qp_verifier *keys[16];
	size_t n;
};

/* Every log key the store holds, whatever its window: the anchor's signature says only who made it. */
static int collect_any_log_key(void *ctx, const char *vkey, uint64_t enrolled, int revoked,
			       uint64_t revoked_idx)
{
	struct any_keys *k = ctx;
	(void)enrolled;
	(void)revoked;
	(void)revoked_idx;
	qp_verifier *v = NULL;
	if (k->n == 16)
		return QP_OK;
	int err = qp_verifier_parse(&v, vkey);
	if (err == QP_OK)
		k->keys[k->n++] = v;
	return err == QP_ENOMEM ? err : QP_OK;
}

/*
 * The anchor's other signature lines: each one in the name and cosignature
 * key ID of an auditor key the store enrols must verify (QP_EPERM if not:
 * a witness's word that is not its word); those that do are named in
 * an->cosigners, the others (keys the registry does not know) counted.
 */
static int anchor_cosigners(anchor *an, const qp_note *n, qp_store *keys_from)
{
	qp_store_key_row *rows = NULL;
	size_t nrows = 0, used = 0;
	int err = qp_store_keys_all(keys_from, &rows, &nrows);
	for (size_t i = 0; err == QP_OK && i < n->nsigs; i++) {
		const qp_note_sig *s = &n->sigs[i];
		if (s->by != NULL)
			continue; /* the log key's */
		qp_verifier *v = NULL;
		for (size_t j = 0; err == QP_OK && v == NULL && j < nrows; j++) {
			if (rows[j].role == NULL || strcmp(rows[j].role, "auditor") != 0 || rows[j].vkey == NULL ||
			    rows[j].name == NULL || strcmp(rows[j].name, s->name) != 0)
				continue;
			if ((err = qp_verifier_parse(&v, rows[j].vkey)) != QP_OK)
				break;
			if (qp_key_compute_id(qp_verifier_name(v), QP_KEY_TYPE_COSIGNATURE, qp_verifier_public(v)) !=
			    s->id) {
				qp_verifier_free(v);
				v = NULL;
			}
		}
		if (err != QP_OK)
			break;
		if (v == NULL) {
			an->unknown_sigs++;
			continue;
		}
		err = qp_cosign_verify_sig(NULL, v, s, n->text, n->text_len);
		qp_verifier_free(v);
		if (err != QP_OK) {
			if (err != QP_ENOMEM)
				err = (qp_error_prefix("%s", an->path), QP_EPERM);
			break;
		}
		int w = snprintf(an->cosigners + used, sizeof(an->cosigners) - used, "%s%.100s", used ? ", " : "",
				 s->name);
		if (w > 0 && (size_t)w < sizeof(an->cosigners) - used)
			used += (size_t)w;
	}
	qp_store_key_rows_free(rows, nrows);
	return err;
}

/*
 * Read the anchor at given (a directory means given/checkpoint): a
 * checkpoint note of origin, signed by one of the log keys in keys_from.
 * QP_ENOTFOUND if it cannot be read; QP_EINVALID if it is not a signed
 * checkpoint at all (empty, garbage, too long); QP_EPERM if it is not this
 * log's (another origin, no log key's signature) or a line in the name of
 * an auditor this registry enrols does not verify.
 */
static int anchor_load(anchor *an, const char *given, qp_store *keys_from, const char *origin)
{
	struct stat sb;
	memset(an, 0, sizeof(*an));
	if ((size_t)snprintf(an->path, sizeof(an->path), "%s%s", given,
			     stat(given, &sb) == 0 && S_ISDIR(sb.st_mode) ? "/checkpoint" : "") >=
	    sizeof(an->path))
		return qp_error_set(QP_EINVALID, "%s: the path is too long", given);
	FILE *f = fopen(an->path, "rb");
	if (f == NULL)
		return qp_error_set(QP_ENOTFOUND, "%s: cannot read the trusted checkpoint", an->path);
	char *buf = qp_malloc(QP_NOTE_MAX_SIZE + 1);
	size_t len = buf ? fread(buf, 1, QP_NOTE_MAX_SIZE + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (buf == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory reading %s", an->path);
	if (bad) {
		qp_free(buf);
		return qp_error_set(QP_ENOTFOUND, "%s: cannot read the trusted checkpoint", an->path);
	}
	struct any_keys k = {{NULL}, 0};
	qp_note *n = NULL;
	int err = QP_OK;
	if (len == 0 || len > QP_NOTE_MAX_SIZE)
		err = qp_error_set(QP_EINVALID, "%s: not a signed checkpoint (%s)", an->path,
				   len == 0 ? "the file is empty" : "the file is too long");
	else if ((err = qp_note_parse(&n, buf, len)) != QP_OK ||
		 (err = qp_checkpoint_parse(&an->cp, n->text, n->text_len)) != QP_OK)
		err = err == QP_ENOMEM
			  ? err
			  : (qp_error_prefix("%s: not a signed checkpoint", an->path), QP_EINVALID);
	qp_note_free(n);
	n = NULL;
	if (err == QP_OK && strcmp(an->cp.origin, origin) != 0)
		err = qp_error_set(QP_EPERM,
				   "%s: a checkpoint of another log (origin %.200s), not of %.200s", an->path,
				   an->cp.origin, origin);
	if (err == QP_OK && (err = qp_store_log_keys_each(keys_from, collect_any_log_key, &k)) == QP_OK &&
	    (err = qp_note_open(&n, buf, len, (const qp_verifier *const *)k.keys, k.n)) != QP_OK &&
	    err != QP_ENOMEM)
		err = (qp_error_prefix("%s: not signed by a log key of %s", an->path, origin), QP_EPERM);
	if (err == QP_OK)
		err = anchor_cosigners(an, n, keys_from);
	qp_note_free(n);
	for (size_t i = 0; i < k.n; i++)
		qp_verifier_free(k.keys[i]);
	qp_free(buf);
	return err;
}

static void b64(char out[64], const unsigned char h[QP_HASH_LEN])
{
	sodium_bin2base64(out, 64, h, QP_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
}

/*
 * Judge the log against an anchor: at_anchor is the root of the log's
 * first cp.size entries, NULL when fewer than that are in their places
 * (in_place of them, whose root is in_place_root).  A log that does not
 * extend the anchor is a problem in the log itself, naming both sizes and
 * both roots.  Returns 1 if the log extends it.
 */
static int anchor_judge(audit *a, const anchor *an, uint64_t in_place, const unsigned char *at_anchor,
			const unsigned char in_place_root[QP_HASH_LEN])
{
	char want[64], have[64], msg[1200];
	b64(want, an->cp.root);
	if (at_anchor == NULL) {
		b64(have, in_place_root);
		snprintf(msg, sizeof(msg),
			 "the log has %llu entries, fewer than the %llu of the trusted checkpoint %.900s: "
			 "its tail was cut "
			 "(the log's root at %llu is %s; the checkpoint's at %llu is %s)",
			 (unsigned long long)in_place, (unsigned long long)an->cp.size, an->path,
			 (unsigned long long)in_place, have, (unsigned long long)an->cp.size, want);
		problem(a, "anchor", msg);
		return 0;
	}
	if (sodium_memcmp(at_anchor, an->cp.root, QP_HASH_LEN) != 0) {
		b64(have, at_anchor);
		snprintf(
		    msg, sizeof(msg),
		    "the log (%llu entries) does not extend the trusted checkpoint %.900s (size %llu): the "
		    "root of "
		    "its first %llu entries is %s, the checkpoint's is %s, so the log was rewritten below it",
		    (unsigned long long)a->total, an->path, (unsigned long long)an->cp.size,
		    (unsigned long long)an->cp.size, have, want);
		problem(a, "anchor", msg);
		return 0;
	}
	return 1;
}

/* Record the anchor the result reports (--trust over --since's). */
static void anchor_report(audit *a, const anchor *an)
{
	a->res->anchored = 1;
	a->res->anchor_size = an->cp.size;
	memcpy(a->res->anchor_root, an->cp.root, QP_HASH_LEN);
	snprintf(a->res->anchor_cosigners, sizeof(a->res->anchor_cosigners), "%s", an->cosigners);
	a->res->anchor_unknown_sigs = an->unknown_sigs;
}

/* The live log's first entries, hashed into a tree of their own (the incremental audit's proof). */
typedef struct prefix {
	tree t;
	uint64_t expected;
} prefix;

static int prefix_entry(void *ctx, const qp_store_entry_row *row)
{
	prefix *p = ctx;
	unsigned char leaf[QP_HASH_LEN];
	/* A missing entry ends the prefix: the tree is of the entries in their places. */
	if (row->idx != p->expected)
		return QP_EVERIFY;
	p->expected++;
	qp_merkle_leaf_hash(leaf, row->note, row->note_len);
	return tree_add(&p->t, leaf);
}

static int cmp_cp(const void *x, const void *y)
{
	uint64_t a = ((const struct cp_root *)x)->size, b = ((const struct cp_root *)y)->size;
	return (a > b) - (a < b);
}

/* Have the tree take its root at size too (an anchor's), in order with the others. */
static int tree_want_root(tree *t, uint64_t size)
{
	int err = collect_size(t, size, NULL, NULL, 0);
	if (err == QP_OK)
		qsort(t->cps, t->ncps, sizeof(*t->cps), cmp_cp);
	return err;
}

/*
 * The incremental audit, before it reads anything new: the kept replay
 * must hold the saved checkpoint (the state is the auditor's own, so a
 * mismatch is a bad state, QP_EINVALID), and the live log's entries,
 * hashed here, must extend the saved checkpoint, the entries the last
 * audit read (seen, the replay's size) and the --trust anchor if any.
 * A log that does not is a problem; the caller then stops with the saved
 * state untouched.
 */
static int prefix_check(audit *a, const anchor *saved, const anchor *trust, uint64_t seen)
{
	prefix p;
	unsigned char replay_root[QP_HASH_LEN], in_place_root[QP_HASH_LEN];
	memset(&p, 0, sizeof(p));
	int err = qp_merkle_root(replay_root, seen, qp_store_node_get, a->replay->store);
	if (err == QP_OK && saved->cp.size <= seen) {
		unsigned char at[QP_HASH_LEN];
		if ((err = qp_merkle_root(at, saved->cp.size, qp_store_node_get, a->replay->store)) ==
			QP_OK &&
		    sodium_memcmp(at, saved->cp.root, QP_HASH_LEN) != 0)
			err = qp_error_set(QP_EINVALID,
					   "%s: the replay kept beside it is not of that checkpoint's log",
					   saved->path);
	} else if (err == QP_OK) {
		err = qp_error_set(QP_EINVALID,
				   "%s: the replay kept beside it has %llu entries, fewer than its %llu",
				   saved->path, (unsigned long long)seen, (unsigned long long)saved->cp.size);
	}
	uint64_t need = seen > saved->cp.size ? seen : saved->cp.size;
	if (trust && trust->cp.size > need)
		need = trust->cp.size;
	if (err == QP_OK && (err = tree_want_root(&p.t, saved->cp.size)) == QP_OK &&
	    (err = tree_want_root(&p.t, seen)) == QP_OK &&
	    (!trust || (err = tree_want_root(&p.t, trust->cp.size)) == QP_OK) &&
	    (err = tree_roots(&p.t)) == QP_OK) {
		err = qp_store_entries_each(a->live->store, 0, need, prefix_entry, &p);
		if (err == QP_EVERIFY)
			err = QP_OK; /* an entry out of its place: the prefix ends before it */
	}
	if (err == QP_OK)
		err = qp_merkle_root(in_place_root, p.t.size, tree_get, &p.t);
	if (err == QP_OK) {
		int ok = anchor_judge(a, saved, p.t.size, tree_root_at(&p.t, saved->cp.size), in_place_root);
		const unsigned char *at_seen = tree_root_at(&p.t, seen);
		char msg[1200], x[64], y[64];
		b64(y, replay_root);
		if (ok && at_seen == NULL) {
			b64(x, in_place_root);
			snprintf(msg, sizeof(msg),
				 "the log has %llu entries, fewer than the %llu the audit that saved %.900s "
				 "read: its tail was "
				 "cut (the log's root at %llu is %s; the root at %llu was %s)",
				 (unsigned long long)p.t.size, (unsigned long long)seen, saved->path,
				 (unsigned long long)p.t.size, x, (unsigned long long)seen, y);
			problem(a, "anchor", msg);
		} else if (ok && sodium_memcmp(at_seen, replay_root, QP_HASH_LEN) != 0) {
			b64(x, at_seen);
			snprintf(msg, sizeof(msg),
				 "the log (%llu entries) is not the one the audit that saved %.900s read: "
				 "the root of its first "
				 "%llu entries is %s, it was %s, so the log was rewritten",
				 (unsigned long long)a->total, saved->path, (unsigned long long)seen, x, y);
			problem(a, "anchor", msg);
		}
		if (trust)
			a->res->anchor_ok = anchor_judge(a, trust, p.t.size,
							 tree_root_at(&p.t, trust->cp.size), in_place_root);
		else
			a->res->anchor_ok = ok && a->res->problems == 0;
	}
	qp_free(p.t.cps);
	return err;
}

/* A stored checkpoint that checks covers the entries up to its size. */
static int each_checkpoint_covering(void *ctx, uint64_t size, const unsigned char *root, const char *note,
				    size_t note_len)
{
	cp_check *c = ctx;
	uint64_t before = c->a->res->problems;
	int err = each_checkpoint(ctx, size, root, note, note_len);
	if (err == QP_OK && c->a->res->problems == before && size > c->a->res->covered)
		c->a->res->covered = size;
	return err;
}

/*
 * The audit; rebuild asks for a replay with its own tree, built through the
 * store as appends build it (the rebuilt registry is that replay).  fast:
 * the replay is unjournaled (BATCH_FAST); *restart is set if its pass met a
 * problem, which is then neither reported nor counted.
 */
static int audit_once(qp_audit_result *out, qp_registry *reg, const qp_audit_options *opt, int rebuild,
		      int fast, int *restart)
{
	qp_audit_result local;
	audit a;
	qp_sigq q;
	tree t;
	pthread_t threads[64];
	int nthreads = 0, err = QP_OK, incremental = opt && opt->since, locks = 0, attached = 0, reading = 0;
	qp_statusmap_audit *sm = NULL;
	char replay_path[4096] = "";
	if (out == NULL)
		out = &local;
	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	memset(&q, 0, sizeof(q));
	memset(&t, 0, sizeof(t));
	a.live = reg;
	a.keep_refused = rebuild;
	a.opt = opt;
	a.res = out;
	a.q = &q;
	a.beside = (qp_beside){out, log_problem_cb, note_cb, &a};

	/* Where the replay lives: beside a trusted checkpoint, in the keep dir, or a temporary file. */
	if (incremental) {
		const char *slash = strrchr(opt->since, '/');
		int dir_len = slash ? (int)(slash - opt->since) : 1;
		snprintf(replay_path, sizeof(replay_path), "%.*s/replay.db", dir_len, slash ? opt->since : ".");
		if (!file_exists(replay_path))
			return qp_error_set(QP_ENOTFOUND,
					    "%s: no replay beside the trusted checkpoint; run a full audit with --keep first",
					    replay_path);
		/* Read only until the log is proven to extend it: a log that does not leaves it as it was. */
		if ((err = qp_registry_open(&a.replay, replay_path, QP_STORE_READONLY)) == QP_EVERSION)
			return qp_error_set(QP_EINVALID,
					    "%s: the replay was saved by another version of quanpiao (its schema "
					    "differs from this one's); run a full audit with --keep again to save a "
					    "new one",
					    replay_path);
		if (err != QP_OK)
			return err;
		a.keep_saved = 1;
	} else {
		if (opt && opt->keep_dir) {
			mkdir(opt->keep_dir, 0700);
			snprintf(replay_path, sizeof(replay_path), "%s/replay.db", opt->keep_dir);
		} else {
			const char *tmp = getenv("TMPDIR");
			snprintf(replay_path, sizeof(replay_path), "%s/quanpiao-audit-%ld-%lu.db", tmp && tmp[0] ? tmp : "/tmp",
				 (long)getpid(), (unsigned long)randombytes_random());
		}
		remove_db(replay_path);
		if ((err = qp_registry_create_empty(&a.replay, replay_path)) != QP_OK)
			return err;
		if ((err = qp_store_fast_writes(a.replay->store)) != QP_OK)
			goto done;
	}
	/* The full audit computes the tree itself (see tree above); its replay is thrown away unless kept. */
	if (!incremental && !rebuild) {
		a.tree = &t;
		t.keep = opt && opt->keep_dir ? a.replay->store : NULL;
		uint64_t entries = 0;
		if (t.keep == NULL && ((err = qp_store_replay_lean(a.replay->store)) != QP_OK ||
				       (err = qp_store_log_size(reg->store, &entries)) != QP_OK ||
				       (entries >= LARGE_REPLAY &&
					(err = qp_store_replay_large_pages(a.replay->store)) != QP_OK)))
			goto done;
		if (fast && t.keep == NULL && (err = qp_store_replay_unjournaled(a.replay->store)) != QP_OK)
			goto done;
		a.fast = fast && t.keep == NULL;
		/* Each entry in its place; the tree computed here; the notes themselves read from the registry. */
		a.flags = QP_APPLY_NO_TREE | QP_APPLY_AT | QP_APPLY_NO_SAVEPOINT | (t.keep ? 0 : QP_APPLY_NO_LOG);
	}
	a.flags |= QP_APPLY_NO_CLOCK;
	/*
	 * One snapshot of the registry for the whole audit: entries appended
	 * and checkpoints signed while it runs are neither read by the pass
	 * nor compared, so they are no finding (the next audit reads them).
	 * The replay is attached first (not allowed inside a transaction); it
	 * is read only after the pass.
	 */
	if ((err = qp_store_attach_replay(reg->store, replay_path)) != QP_OK)
		goto done;
	attached = 1;
	if ((err = qp_store_begin_read(reg->store)) != QP_OK)
		goto done;
	reading = 1;
	if ((err = qp_store_log_size(reg->store, &a.total)) != QP_OK)
		goto done;
	out->log_size = a.total;
	uint64_t since = 0;
	anchor trust, saved;
	memset(&trust, 0, sizeof(trust));
	memset(&saved, 0, sizeof(saved));
	if (opt && opt->trust) {
		if ((err = anchor_load(&trust, opt->trust, reg->store, qp_registry_origin(reg))) != QP_OK)
			goto done;
		anchor_report(&a, &trust);
	}
	if (incremental) {
		/* The saved checkpoint is checked with the log keys of the replay the auditor kept. */
		if ((err = anchor_load(&saved, opt->since, a.replay->store, qp_registry_origin(a.replay))) !=
			QP_OK ||
		    (err = qp_store_log_size(a.replay->store, &since)) != QP_OK)
			goto done;
		out->from = since;
		if (!opt->trust)
			anchor_report(&a, &saved);
		if ((err = prefix_check(&a, &saved, opt->trust ? &trust : NULL, since)) != QP_OK ||
		    out->problems > 0)
			goto done;
		/* The log extends what was saved: the replay takes the new entries. */
		qp_registry_free(a.replay);
		a.replay = NULL;
		if ((err = qp_registry_open(&a.replay, replay_path, 0)) != QP_OK ||
		    (err = qp_store_fast_writes(a.replay->store)) != QP_OK)
			goto done;
		a.keep_saved = 0;
	} else if (a.tree) {
		if ((a.accepted = qp_calloc(BATCH, sizeof(*a.accepted))) == NULL ||
		    (a.accepted_named = qp_calloc(BATCH, sizeof(*a.accepted_named))) == NULL) {
			err = QP_ENOMEM;
			goto done;
		}
		if ((err = qp_store_checkpoints_each(reg->store, collect_size, &t)) != QP_OK ||
		    (opt && opt->trust && (err = tree_want_root(&t, trust.cp.size)) != QP_OK) ||
		    (err = tree_roots(&t)) != QP_OK ||
		    (err = qp_store_tree_walk_open(&t.walk, reg->store, QP_AUDIT_REPORT_LIMIT, problem_cb,
						   &a)) != QP_OK)
			goto done;
	}
	a.expected = since;
	out->from = since;

	if ((q.jobs = qp_calloc(QP_SIGQ_SIZE, sizeof(*q.jobs))) == NULL ||
	    (q.spare = qp_calloc(QP_SIGQ_SPARE, sizeof(*q.spare))) == NULL ||
	    (a.pend.spare = qp_calloc(QP_SIGQ_SPARE, sizeof(*a.pend.spare))) == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	int jobs = opt && opt->jobs > 0 ? opt->jobs : cpu_count();
	a.defer = 1;
	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.not_empty, NULL);
	locks = 1;
	/* This thread is one of the verifiers (qp_sigq_help). */
	for (int i = 0; i < jobs - 1 && i < 64; i++)
		if (pthread_create(&threads[nthreads], NULL, qp_sigq_worker, &q) == 0)
			nthreads++;
	if (nthreads == 0)
		a.defer = 0;

	if ((err = qp_statusmap_audit_begin(&sm, reg->store, a.replay->store)) != QP_OK)
		goto done;
	if ((err = qp_store_begin(a.replay->store)) == QP_OK) {
		err = qp_store_entries_each(reg->store, since, UINT64_MAX, each_entry, &a);
		if (err == QP_OK)
			err = qp_store_commit(a.replay->store);
		else
			qp_store_rollback(a.replay->store);
	}
	if (a.restart) {
		*restart = 1;
		err = QP_OK;
		goto done;
	}
	a.fast = 0; /* the replay is whole: what is found from here on is reported */
	/* A log row that is no entry at all (a value of another type): a finding, where the replay stops. */
	char damaged[512] = "";
	if (err == QP_ECORRUPT) {
		snprintf(damaged, sizeof(damaged), "%s", qp_error_last()->message);
		err = QP_OK;
	}
	if (err == QP_OK && opt && opt->progress)
		opt->progress(opt->ctx, out->entries, a.total);
	/*
	 * The workers go on with the queue while this thread compares the
	 * tables: no core waits for the other.
	 */
	qp_sigq_close(&q, &a.pend, nthreads);
	if (err != QP_OK)
		goto done;
	if (damaged[0]) {
		problem(&a, "log", damaged);
		goto done;
	}
	uint64_t diffs = 0;
	if (t.walk) {
		err = qp_store_tree_walk_finish(t.walk, &diffs);
		qp_store_tree_walk_free(t.walk);
		t.walk = NULL;
		if (err != QP_OK)
			goto done;
	}
	/* The anchor, against the tree of the entries just read. */
	if (a.tree && opt && opt->trust) {
		unsigned char whole[QP_HASH_LEN];
		if ((err = qp_merkle_root(whole, t.size, tree_get, &t)) != QP_OK)
			goto done;
		out->anchor_ok = anchor_judge(&a, &trust, t.size, tree_root_at(&t, trust.cp.size), whole);
	}
	if (a.expected < a.total || (a.total > 0 && a.expected == since && since < a.total)) {
		char what[96];
		snprintf(what, sizeof(what), "the log ends at entry %llu", (unsigned long long)a.expected);
		problem(&a, "log", what);
	}

	/* Tables against the replay; checkpoints against the tree; invariants on both. */
	err = qp_store_compare_replay(reg->store, since, a.tree ? QP_COMPARE_NO_TREE : 0,
				      QP_AUDIT_REPORT_LIMIT, problem_cb, &a, &diffs);
	if (err != QP_OK)
		goto done;
	uint64_t bad_cosignatures = 0;
	err = qp_store_check_cosignatures(reg->store, QP_AUDIT_REPORT_LIMIT, log_problem_cb, &a,
					  &bad_cosignatures);
	if (err != QP_OK)
		goto done;
	/* What the file keeps beside the log (audit_beside.c): the personal data, the access record. */
	if ((err = qp_audit_personal(&a.beside, reg->store, "replay")) != QP_OK ||
	    (err = qp_audit_access(&a.beside, reg->store)) != QP_OK ||
	    (opt && opt->trust &&
	     (err = qp_audit_access_line(&a.beside, reg->store, "the trusted checkpoint", &trust.cp)) !=
		 QP_OK) ||
	    (incremental &&
	     (err = qp_audit_access_line(&a.beside, reg->store, "the saved checkpoint", &saved.cp)) != QP_OK))
		goto done;
	cp_check c = {&a, 0, {0}, 0};
	if ((err = qp_store_checkpoints_each(reg->store, each_checkpoint_covering, &c)) != QP_OK)
		goto done;
	/*
	 * The registry's own tables hold the invariants when they differ from
	 * the replay's: a full audit that found every table equal to the
	 * replay's has the answer from the replay's check below.
	 */
	if ((since > 0 || diffs > 0) && (err = qp_certs_check_invariants(reg)) == QP_EVERIFY)
		derived_problem(&a, "certificates", qp_error_last()->message);
	else if (err != QP_OK && err != QP_EVERIFY)
		goto done;
	if ((err = qp_certs_check_invariants(a.replay)) == QP_EVERIFY)
		problem(&a, "certificates (replay)", qp_error_last()->message);
	else if (err != QP_OK)
		goto done;
	err = QP_OK;
	if (nthreads > 0)
		qp_sigq_help(&q, 1);
	qp_sigq_stop(&q, &a.pend, threads, &nthreads, out);
	if (q.oom) {
		err = qp_error_set(QP_ENOMEM, "out of memory recording bad signatures");
		goto done;
	}
	if (q.nbad > 1)
		qsort(q.bad, q.nbad, sizeof(*q.bad), cmp_u64);
	for (size_t i = 0; i < q.nbad; i++) {
		char where[64];
		snprintf(where, sizeof(where), "entry %llu", (unsigned long long)q.bad[i]);
		problem(&a, where, "its signature does not verify (the entry was altered or signed by another key)");
	}

	/* Keep the newest checkpoint the replay confirms, for the next incremental audit. */
	if (opt && (opt->keep_dir || incremental) && out->problems == 0) {
		char *note = NULL, path[4200], tmp[4300];
		size_t len = 0;
		uint64_t latest = 0;
		/* Never backwards: a newest checkpoint smaller than the saved one (checkpoints deleted) is
		 * not saved. */
		if (qp_log_checkpoint(&note, &len, &latest, reg, QP_LOG_LATEST) == QP_OK && incremental &&
		    latest < saved.cp.size) {
			free(note);
			note = NULL;
		}
		if (note != NULL) {
			const char *dir = opt->keep_dir;
			char buf[4096];
			if (dir == NULL) {
				const char *slash = strrchr(opt->since, '/');
				snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - opt->since) : 1, slash ? opt->since : ".");
				dir = buf;
			}
			snprintf(path, sizeof(path), "%s/checkpoint", dir);
			snprintf(tmp, sizeof(tmp), "%s.tmp", path);
			FILE *f = fopen(tmp, "wb");
			int ok = f && fwrite(note, 1, len, f) == len;
			if (f && fclose(f) != 0)
				ok = 0;
			if (!ok || rename(tmp, path) != 0)
				err = qp_error_set(QP_EIO, "%s: cannot save the checkpoint", path);
			free(note);
		}
	}
done:
	qp_statusmap_audit_end(sm);
	if (t.walk)
		qp_store_tree_walk_free(t.walk);
	if (reading)
		qp_store_end_read(reg->store);
	if (attached)
		qp_store_detach_replay(reg->store);
	qp_free(t.cps);
	qp_free(a.accepted);
	qp_free(a.accepted_named);
	qp_sigq_stop(&q, &a.pend, threads, &nthreads, out);
	if (locks) {
		pthread_mutex_destroy(&q.lock);
		pthread_cond_destroy(&q.not_empty);
	}
	free(q.bad);
	for (size_t i = 0; i < q.nspare; i++)
		free(q.spare[i].p);
	for (size_t i = 0; i < a.pend.nspare; i++)
		free(a.pend.spare[i].p);
	for (size_t i = 0; i < a.pend.n; i++)
		free(a.pend.jobs[i].text);
	qp_free(q.jobs);
	qp_free(q.spare);
	qp_free(a.pend.spare);
	qp_registry_free(a.replay);
	/*
	 * A throw-away replay is removed; so is a kept one that holds entries
	 * that did not pass (the next audit must be a full one).  A rebuild
	 * keeps its replay whatever it found: it is the rebuilt registry.
	 */
	int kept = incremental || (opt && opt->keep_dir);
	if (replay_path[0] && !a.keep_saved && (!kept || (!rebuild && (err != QP_OK || out->problems))))
		remove_db(replay_path);
	if (err == QP_OK && out->problems)
		err = qp_error_set(QP_EVERIFY, "the audit found %llu problem%s", (unsigned long long)out->problems,
				   out->problems == 1 ? "" : "s");
	return err;
}

/* The audit: unjournaled first when the replay is thrown away, again with the journal if that met a problem.
 */
static int audit_run(qp_audit_result *out, qp_registry *reg, const qp_audit_options *opt, int rebuild)
{
	int restart = 0, fast = !rebuild && !(opt && (opt->since || opt->keep_dir));
	int err = audit_once(out, reg, opt, rebuild, fast, &restart);
	if (err == QP_OK && restart)
		err = audit_once(out, reg, opt, rebuild, 0, &restart);
	return err;
}

int qp_audit(qp_audit_result *out, qp_registry *reg, const qp_audit_options *opt)
{
	return audit_run(out, reg, opt, 0);
}

/* ---- rebuild and state hashes ---------------------------------------------------------------- */

int qp_registry_state_hash(char *out, qp_registry *reg)
{
	unsigned char h[32];
	int err = qp_store_state_hash(reg->store, h);
	if (err == QP_OK)
		sodium_bin2hex(out, 65, h, sizeof(h));
	return err;
}

static void rebuild_problem(void *ctx, const char *where, const char *what)
{
	char *first = ctx;
	if (first[0] == '\0')
		snprintf(first, 1024, "%s: %s", where, what);
}

struct carried {
	qp_audit_result *res;
	char *first;
};

/* A personal-data row of the old file that the rebuilt one could not take. */
static void not_carried(void *ctx, const char *household, int64_t activation)
{
	struct carried *c = ctx;
	char where[96];
	if (household)
		snprintf(where, sizeof(where), "household %s", household);
	else
		snprintf(where, sizeof(where), "activation of entry %lld", (long long)activation);
	c->res->problems++;
	c->res->personal++;
	rebuild_problem(
	    c->first, where,
	    "its personal data was not carried over into the rebuilt registry: its ID number is another "
	    "row's too, or it breaks another rule of the table");
}

int qp_registry_rebuild(char *live_hash, char *rebuilt_hash, qp_audit_result *out, qp_registry *reg,
			const char *out_path)
{
	char first[1024] = "";
	if (file_exists(out_path))
		return qp_error_set(QP_ECONFLICT, "%s already exists; refusing to overwrite it", out_path);
	/* The rebuild is an audit that keeps its replay: entries, tree and checkpoints all checked. */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s.rebuild", out_path);
	mkdir(dir, 0700);
	qp_audit_options opt = {0, dir, NULL, NULL, rebuild_problem, first, NULL};
	qp_audit_result res;
	int err = audit_run(&res, reg, &opt, 1);
	if (out)
		*out = res;
	char replay[4200], side[4300];
	snprintf(replay, sizeof(replay), "%s/replay.db", dir);
	if (err == QP_OK || err == QP_EVERIFY) {
		int audit_err = err;
		qp_registry *rebuilt = NULL;
		err = rename(replay, out_path) == 0 ? QP_OK : qp_error_set(QP_EIO, "%s: cannot write", out_path);
		if (err == QP_OK)
			err = qp_registry_open(&rebuilt, out_path, 0);
		if (err == QP_OK)
			err = qp_store_copy_checkpoints(rebuilt->store, qp_store_path(reg->store));
		/*
		 * The personal data, which no log holds, carried over as it is; the
		 * audit pass checked each row against the replay's commitments,
		 * which are the rebuilt registry's.  A row that fails stays in the
		 * rebuilt file (nothing is lost) and makes the rebuild's result
		 * QP_EVERIFY: `quanpiao rebuild` exits 1, as the audit would.
		 */
		struct carried c = {&res, first};
		if (err == QP_OK &&
		    (err = qp_store_copy_personal(rebuilt->store, qp_store_path(reg->store), not_carried,
						  &c)) == QP_OK &&
		    res.problems > 0 && audit_err == QP_OK)
			audit_err = QP_EVERIFY;
		if (out)
			*out = res;
		if (err == QP_OK)
			err = qp_registry_state_hash(rebuilt_hash, rebuilt);
		if (err == QP_OK)
			err = qp_registry_state_hash(live_hash, reg);
		qp_registry_free(rebuilt);
		if (err == QP_OK && audit_err == QP_EVERIFY) {
			const char *what = "the log and the registry disagree";
			if (res.personal + res.access == res.problems)
				what = res.access == 0 ? "the personal data beside the log fails its check"
				       : res.personal == 0
					   ? "the access record beside the log fails its check"
					   : "the personal data and the access record beside the log "
					     "fail their check";
			err = qp_error_set(QP_EVERIFY, "%s: %s", what, first);
		}
	}
	snprintf(side, sizeof(side), "%s/checkpoint", dir);
	unlink(side);
	remove_db(replay);
	rmdir(dir);
	return err;
}
