/*
 * log.c - reading the log: entries, roots, checkpoints and proofs in the
 * C2SP text formats (tlog-checkpoint, tlog-proof, tlog-witness).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "buf.h"
#include "checkpoint.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/access.h"
#include "quanpiao/log.h"
#include "registry_internal.h"
#include "store_access.h"
#include "store_log.h"
#include "store_statusmap.h"
#include "store_witness.h"

int qp_log_size(uint64_t *out, qp_registry *reg)
{
	return qp_store_log_size(reg->store, out);
}

int qp_log_entry(char **note, size_t *note_len, qp_registry *reg, uint64_t index)
{
	return qp_store_entry_get(reg->store, index, note, note_len);
}

struct each_ctx {
	int (*fn)(void *ctx, const qp_log_item *item);
	void *ctx;
};

static int each_row(void *ctx, const qp_store_entry_row *row)
{
	struct each_ctx *c = ctx;
	qp_log_item item = {row->idx, row->type, row->signer, row->time, row->leaf_hash, row->note, row->note_len};
	return c->fn(c->ctx, &item);
}

int qp_log_entries(qp_registry *reg, uint64_t start, uint64_t end, int (*fn)(void *ctx, const qp_log_item *item),
		   void *ctx)
{
	struct each_ctx c = {fn, ctx};
	return qp_store_entries_each(reg->store, start, end, each_row, &c);
}

/* Check that size is within the log. */
static int check_size(qp_registry *reg, uint64_t size, const char *what)
{
	uint64_t n;
	int err = qp_store_log_size(reg->store, &n);
	if (err == QP_OK && size > n)
		err = qp_error_set(QP_EINVALID, "%s %llu is beyond the log's %llu entries", what,
				   (unsigned long long)size, (unsigned long long)n);
	return err;
}

int qp_log_root(unsigned char root[QP_HASH_LEN], qp_registry *reg, uint64_t size)
{
	int err = check_size(reg, size, "size");
	return err == QP_OK ? qp_merkle_root(root, size, qp_store_node_get, reg->store) : err;
}

static int inclusion(qp_merkle_proof *out, qp_registry *reg, uint64_t index, uint64_t size)
{
	int err = check_size(reg, size, "size");
	if (err != QP_OK)
		return err;
	if (index >= size)
		return qp_error_set(QP_EINVALID, "entry %llu is not in a tree of %llu entries", (unsigned long long)index,
				    (unsigned long long)size);
	return qp_merkle_inclusion_proof(out, index, size, qp_store_node_get, reg->store);
}

static int consistency(qp_merkle_proof *out, qp_registry *reg, uint64_t size1, uint64_t size2)
{
	int err = check_size(reg, size2, "size");
	if (err != QP_OK)
		return err;
	if (size1 > size2)
		return qp_error_set(QP_EINVALID, "size %llu is larger than %llu", (unsigned long long)size1,
				    (unsigned long long)size2);
	if (size1 == 0) {
		/* Every tree extends the empty one; the proof is empty (tlog-witness). */
		out->len = 0;
		return QP_OK;
	}
	return qp_merkle_consistency_proof(out, size1, size2, qp_store_node_get, reg->store);
}

/*
 * A proof reads some 2 log2(size) tree nodes: inside one read transaction
 * (one snapshot, one lock) rather than one autocommit read per node.
 */
int qp_log_inclusion(qp_merkle_proof *out, qp_registry *reg, uint64_t index, uint64_t size)
{
	int started = 0, err = qp_store_snapshot_begin(reg->store, &started);
	if (err == QP_OK)
		err = inclusion(out, reg, index, size);
	qp_store_snapshot_end(reg->store, started);
	return err;
}

int qp_log_consistency(qp_merkle_proof *out, qp_registry *reg, uint64_t size1, uint64_t size2)
{
	int started = 0, err = qp_store_snapshot_begin(reg->store, &started);
	if (err == QP_OK)
		err = consistency(out, reg, size1, size2);
	qp_store_snapshot_end(reg->store, started);
	return err;
}

/* ---- text building ------------------------------------------------------------ */

#define HASH_LINE_LEN 45 /* the base64 of a hash (RFC 4648, padded: 44 characters) and a newline */
_Static_assert(QP_HASH_LEN == 32, "a hash line is 44 base64 characters");

/*
 * The base64 line of a hash.  Hashes are public: a plain table lookup
 * rather than libsodium's constant-time encoder, which a proof of some
 * 2 log2(size) lines, answered to every write and proof request, would
 * pay for on each.
 */
static void hash_line(char out[HASH_LINE_LEN], const unsigned char h[QP_HASH_LEN])
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;
	char *o = out;
	for (; i + 3 <= QP_HASH_LEN; i += 3) {
		uint32_t v = (uint32_t)h[i] << 16 | (uint32_t)h[i + 1] << 8 | h[i + 2];
		*o++ = t[v >> 18];
		*o++ = t[(v >> 12) & 63];
		*o++ = t[(v >> 6) & 63];
		*o++ = t[v & 63];
	}
	uint32_t v = (uint32_t)h[i] << 16 | (uint32_t)h[i + 1] << 8; /* the last two bytes */
	*o++ = t[v >> 18];
	*o++ = t[(v >> 12) & 63];
	*o++ = t[(v >> 6) & 63];
	*o++ = '=';
	*o = '\n';
}

static void buf_hash_line(qp_buf *b, const unsigned char hash[QP_HASH_LEN])
{
	char line[HASH_LINE_LEN];
	hash_line(line, hash);
	qp_buf_add(b, line, sizeof(line));
}

/* head, one base64 line per proof hash, a blank line, then the checkpoint note: in one allocation. */
static int proof_text(char **out, size_t *out_len, const char *head, const qp_merkle_proof *proof, const char *cp,
		      size_t cp_len)
{
	size_t head_len = strlen(head), len = head_len + proof->len * HASH_LINE_LEN + 1 + cp_len;
	char *t = qp_malloc(len + 1), *p = t;
	*out = t;
	if (t == NULL)
		return QP_ENOMEM;
	memcpy(p, head, head_len);
	p += head_len;
	for (size_t i = 0; i < proof->len; i++, p += HASH_LINE_LEN)
		hash_line(p, proof->hash[i]);
	*p++ = '\n';
	memcpy(p, cp, cp_len);
	t[len] = '\0';
	if (out_len)
		*out_len = len;
	return QP_OK;
}

/* ---- checkpoints ------------------------------------------------------------ */

int qp_checkpoint_extension(const char **value, size_t *len, const char *text, size_t text_len,
			    const char *name)
{
	const char *p = text, *end = text + text_len;
	size_t nlen = strlen(name);
	int found = 0;
	/* Skip origin, size and root. */
	for (int i = 0; i < 3; i++) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		if (nl == NULL)
			return qp_error_set(QP_EINVALID, "checkpoint: needs origin, size and root lines");
		p = nl + 1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		size_t ll = (size_t)(nl - p);
		if (ll > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == ' ') {
			if (found)
				return qp_error_set(QP_EINVALID, "checkpoint: two %s lines", name);
			*value = p + nlen + 1;
			*len = ll - nlen - 1;
			found = 1;
		}
		p = nl + 1;
	}
	return found ? QP_OK : qp_error_set(QP_ENOTFOUND, "checkpoint: no %s line", name);
}

int qp_checkpoint_parse(qp_checkpoint *out, const char *text, size_t text_len)
{
	const char *end = text + text_len, *p = text;
	const char *line[3];
	size_t len[3];
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 3; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return qp_error_set(QP_EINVALID, "checkpoint: needs origin, size and root lines");
		line[i] = p;
		len[i] = (size_t)(nl - p);
		p = nl + 1;
	}
	if (len[0] == 0 || len[0] >= sizeof(out->origin))
		return qp_error_set(QP_EINVALID, "checkpoint: origin line is empty or too long");
	/* The origin is compared as a C string: a NUL or control byte would cut it short. */
	for (size_t i = 0; i < len[0]; i++)
		if ((unsigned char)line[0][i] < 0x20 || line[0][i] == 0x7F)
			return qp_error_set(QP_EINVALID, "checkpoint: origin line contains a control character");
	memcpy(out->origin, line[0], len[0]);
	if (len[1] == 0 || len[1] > 19 || (len[1] > 1 && line[1][0] == '0'))
		return qp_error_set(QP_EINVALID, "checkpoint: size must be a decimal without leading zeros");
	for (size_t i = 0; i < len[1]; i++) {
		if (line[1][i] < '0' || line[1][i] > '9')
			return qp_error_set(QP_EINVALID, "checkpoint: size must be a decimal without leading zeros");
		out->size = out->size * 10 + (uint64_t)(line[1][i] - '0');
	}
	size_t got = 0;
	const char *b64_end = NULL;
	if (sodium_base642bin(out->root, QP_HASH_LEN, line[2], len[2], NULL, &got, &b64_end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != QP_HASH_LEN || b64_end != line[2] + len[2])
		return qp_error_set(QP_EINVALID, "checkpoint: root must be the base64 of 32 bytes");
	/* Extension lines, if any, must be non-empty and end in newlines. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p)
			return qp_error_set(QP_EINVALID, "checkpoint: malformed extension line");
		p = nl + 1;
	}
	int err = qp_statusmap_checkpoint_root(out->map_root, text, text_len);
	out->have_map = err == QP_OK;
	if (err != QP_OK && err != QP_ENOTFOUND)
		return err;
	err = qp_access_checkpoint_line(&out->access_records, out->access_chain, text, text_len);
	out->have_access = err == QP_OK;
	return err == QP_ENOTFOUND ? QP_OK : err;
}

/* The enrolled, active log key matching log_key, or QP_EPERM. */
static int check_log_key(qp_registry *reg, const qp_key *log_key)
{
	qp_store_key_row row;
	int err = qp_store_key_get(reg->store, qp_key_name(log_key), qp_key_id(log_key), &row);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_EPERM, "key %s is not enrolled in this registry", qp_key_name(log_key));
	if (err != QP_OK)
		return err;
	char today[QP_TIME_LEN + 1];
	qp_time_format(today, qp_clock_now());
	if (strcmp(row.role, "log") != 0)
		err = qp_error_set(QP_EPERM, "key %s has role %s; only the log key signs checkpoints", row.name,
				   row.role);
	else if (row.revoked)
		err = qp_error_set(QP_EPERM, "log key %s was revoked by entry %llu", row.name,
				   (unsigned long long)row.revoked_idx);
	else if (row.valid_until && strncmp(today, row.valid_until, 10) > 0)
		err = qp_error_set(QP_EPERM, "log key %s expired on %s", row.name, row.valid_until);
	qp_store_key_row_clear(&row);
	return err;
}

/*
 * Sign and store a checkpoint of the whole tree inside the caller's write
 * transaction: it becomes durable with that transaction's commit.  *size
 * gets its size, *fresh 1 if it was signed now, 0 if the latest one
 * already covered the tree (then nothing was written).  On error *note is
 * NULL and the caller rolls back.
 */
static int sign_in_txn(char **note, size_t *note_len, uint64_t *size_out, int *fresh, qp_registry *reg,
		       const qp_key *log_key)
{
	unsigned char root[QP_HASH_LEN];
	uint64_t size, latest = 0;
	char *text = NULL, *old = NULL;
	size_t old_len = 0;
	qp_buf b = {0};
	int err;

	*note = NULL;
	*fresh = 0;
	if ((err = check_log_key(reg, log_key)) != QP_OK)
		return err;
	if ((err = qp_store_log_size(reg->store, &size)) != QP_OK)
		return err;
	*size_out = size;
	err = qp_store_checkpoint_get(reg->store, QP_LOG_LATEST, &latest, &old, &old_len);
	if (err == QP_OK && latest == size) {
		*note = old;
		*note_len = old_len;
		return QP_OK;
	}
	qp_free(old);
	if (err != QP_OK && err != QP_ENOTFOUND)
		goto fail;
	if ((err = qp_merkle_root(root, size, qp_store_node_get, reg->store)) != QP_OK)
		goto fail;
	/* The status map's root, as an extension line (docs/format.md, "The status map"); read before
	 * the text is begun, so that a failure leaves no buffer behind. */
	unsigned char map_root[QP_HASH_LEN];
	if ((err = qp_store_statusmap_root(reg->store, UINT64_MAX, map_root)) != QP_OK)
		goto fail;
	/* The access record's chain, as the map's (docs/format.md, "The access record"): when it has rows. */
	uint64_t accessed = 0;
	unsigned char access_chain[QP_HASH_LEN];
	if ((err = qp_store_access_head(reg->store, &accessed, access_chain)) != QP_OK)
		goto fail;
	char num[24];
	snprintf(num, sizeof(num), "%llu\n", (unsigned long long)size);
	qp_buf_str(&b, reg->origin);
	qp_buf_str(&b, "\n");
	qp_buf_str(&b, num);
	buf_hash_line(&b, root);
	qp_buf_str(&b, QP_STATUSMAP_LINE " ");
	buf_hash_line(&b, map_root);
	if (accessed > 0) {
		snprintf(num, sizeof(num), " %llu ", (unsigned long long)accessed);
		qp_buf_str(&b, QP_ACCESS_LINE);
		qp_buf_str(&b, num);
		buf_hash_line(&b, access_chain);
	}
	size_t text_len = 0;
	if ((err = qp_buf_finish(&b, &text, &text_len)) != QP_OK)
		goto fail;
	if ((err = qp_note_sign(note, note_len, text, text_len, &log_key, 1)) != QP_OK)
		goto fail;
	if ((err = qp_store_checkpoint_put(reg->store, size, root, *note, *note_len)) != QP_OK)
		goto fail;
	qp_free(text);
	*fresh = 1;
	return QP_OK;
fail:
	qp_free(text);
	qp_free(*note);
	*note = NULL;
	return err;
}

int qp_log_sign(char **note, size_t *note_len, qp_registry *reg, const qp_key *log_key)
{
	uint64_t size = 0;
	int fresh = 0, err;
	*note = NULL;
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		return err;
	if ((err = sign_in_txn(note, note_len, &size, &fresh, reg, log_key)) != QP_OK) {
		qp_store_rollback(reg->store);
		return err;
	}
	if (!fresh) {
		/* The latest checkpoint covers the tree: nothing to commit. */
		qp_store_rollback(reg->store);
		return QP_OK;
	}
	if ((err = qp_store_commit(reg->store)) != QP_OK) {
		qp_free(*note);
		*note = NULL;
	}
	return err;
}

/* ---- appending with a checkpoint --------------------------------------------------- */

/*
 * The tree nodes read while proving the entries of one batch: their
 * proofs share most of them (the complete subtrees on the left, and the
 * batch's own).  Open addressing; once full, reads go to the store.
 */
#define MEMO_SLOTS 1024

typedef struct node_memo {
	qp_store *store;
	struct {
		uint64_t index;
		unsigned level;
		int used;
		unsigned char hash[QP_HASH_LEN];
	} slot[MEMO_SLOTS];
} node_memo;

static int memo_get(void *ctx, unsigned level, uint64_t index, unsigned char out[QP_HASH_LEN])
{
	node_memo *m = ctx;
	size_t h = (size_t)((((index << 6) | level) * 0x9E3779B97F4A7C15ull) >> 54) % MEMO_SLOTS;
	for (size_t k = 0; k < MEMO_SLOTS; k++, h = (h + 1) % MEMO_SLOTS) {
		if (!m->slot[h].used) {
			int err = qp_store_node_get(m->store, level, index, out);
			if (err == QP_OK) {
				m->slot[h].used = 1;
				m->slot[h].level = level;
				m->slot[h].index = index;
				memcpy(m->slot[h].hash, out, QP_HASH_LEN);
			}
			return err;
		}
		if (m->slot[h].level == level && m->slot[h].index == index) {
			memcpy(out, m->slot[h].hash, QP_HASH_LEN);
			return QP_OK;
		}
	}
	return qp_store_node_get(m->store, level, index, out);
}

/* Each appended entry's inclusion proof in the tree of size, for those that want one. */
static int batch_proofs(qp_registry *reg, const qp_log_batch *b, uint64_t size)
{
	node_memo *memo = qp_calloc(1, sizeof(*memo));
	if (memo == NULL)
		return QP_ENOMEM;
	memo->store = reg->store;
	int err = QP_OK;
	for (size_t i = 0; err == QP_OK && i < b->n; i++)
		if (b->results[i] == QP_OK && b->proofs[i] != NULL)
			err = qp_merkle_inclusion_proof(b->proofs[i], b->indexes[i], size, memo_get, memo);
	qp_free(memo);
	return err;
}

int qp_log_append_signed(qp_registry *reg, qp_log_batch *b)
{
	size_t appended = 0;
	int fresh = 0, err;
	b->checkpoint = NULL;
	b->checkpoint_len = 0;
	b->size = 0;
	qp_registry_forget_keys(reg);
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		goto done;
	if ((err = qp_registry_batch_in_txn(reg, b->notes, b->note_lens, b->pds, b->verified, b->n,
					    b->indexes, b->results)) != QP_OK)
		goto done;
	/*
	 * A refused note once more, after the others and in the same
	 * transaction: a note later in the batch may have made it valid (as
	 * if it had come a moment later); if not, this gives its own message.
	 */
	for (size_t i = 0; i < b->n; i++) {
		if (b->results[i] != QP_OK) {
			if ((err = qp_registry_batch_in_txn(reg, b->notes + i, b->note_lens + i,
							    b->pds ? b->pds + i : NULL,
							    b->verified ? b->verified + i : NULL, 1,
							    b->indexes + i, b->results + i)) != QP_OK)
				goto done;
			if (b->results[i] != QP_OK && b->refused)
				b->refused(b->ctx, i, b->results[i]);
		}
		appended += b->results[i] == QP_OK;
	}
	if (appended == 0) {
		/* Nothing to make durable. */
		qp_store_rollback(reg->store);
		return QP_OK;
	}
	/* The checkpoint and the proofs in the same transaction: one commit makes all of it durable. */
	if ((err = sign_in_txn(&b->checkpoint, &b->checkpoint_len, &b->size, &fresh, reg, b->log_key)) ==
		QP_OK &&
	    b->proofs)
		err = batch_proofs(reg, b, b->size);
done:
	if ((err = qp_registry_batch_finish(reg, err, b->results, b->n)) != QP_OK) {
		qp_free(b->checkpoint);
		b->checkpoint = NULL;
		b->checkpoint_len = 0;
		b->size = 0;
	}
	return err;
}

int qp_log_checkpoint(char **note, size_t *note_len, uint64_t *size_out, qp_registry *reg, uint64_t size)
{
	return qp_store_checkpoint_get(reg->store, size, size_out, note, note_len);
}

int qp_log_tlog_proof_text(char **out, size_t *out_len, uint64_t index, const qp_merkle_proof *proof,
			   const char *checkpoint, size_t checkpoint_len)
{
	char head[64];
	snprintf(head, sizeof(head), "c2sp.org/tlog-proof@v1\nindex %llu\n", (unsigned long long)index);
	return proof_text(out, out_len, head, proof, checkpoint, checkpoint_len);
}

static int tlog_proof(char **out, size_t *out_len, qp_registry *reg, uint64_t index, uint64_t size)
{
	char *cp = NULL;
	size_t cp_len = 0;
	uint64_t cp_size = 0;
	qp_merkle_proof proof;
	int err;

	*out = NULL;
	if ((err = qp_store_checkpoint_get(reg->store, size, &cp_size, &cp, &cp_len)) != QP_OK)
		return err;
	if (index >= cp_size) {
		err = qp_error_set(QP_EINVALID, "entry %llu is not covered by the checkpoint of size %llu%s",
				   (unsigned long long)index, (unsigned long long)cp_size,
				   size == QP_LOG_LATEST ? "; sign a newer one with 'quanpiao log sign'" : "");
		goto done;
	}
	if ((err = qp_merkle_inclusion_proof(&proof, index, cp_size, qp_store_node_get, reg->store)) != QP_OK)
		goto done;
	err = qp_log_tlog_proof_text(out, out_len, index, &proof, cp, cp_len);
done:
	qp_free(cp);
	return err;
}

int qp_log_tlog_proof(char **out, size_t *out_len, qp_registry *reg, uint64_t index, uint64_t size)
{
	int started = 0, err = qp_store_snapshot_begin(reg->store, &started);
	if (err == QP_OK)
		err = tlog_proof(out, out_len, reg, index, size);
	else
		*out = NULL;
	qp_store_snapshot_end(reg->store, started);
	return err;
}

int qp_log_witness_request(char **out, size_t *out_len, qp_registry *reg, uint64_t from)
{
	char *cp = NULL;
	size_t cp_len = 0;
	uint64_t cp_size = 0;
	qp_merkle_proof proof = {0};
	int err;

	*out = NULL;
	if ((err = qp_store_checkpoint_get(reg->store, QP_LOG_LATEST, &cp_size, &cp, &cp_len)) != QP_OK)
		return err;
	if (from > cp_size) {
		err = qp_error_set(QP_EINVALID, "size %llu is beyond the latest checkpoint's %llu",
				   (unsigned long long)from, (unsigned long long)cp_size);
		goto done;
	}
	if (from > 0 && from < cp_size &&
	    (err = qp_merkle_consistency_proof(&proof, from, cp_size, qp_store_node_get, reg->store)) != QP_OK)
		goto done;
	char head[48];
	snprintf(head, sizeof(head), "old %llu\n", (unsigned long long)from);
	err = proof_text(out, out_len, head, &proof, cp, cp_len);
done:
	qp_free(cp);
	return err;
}
