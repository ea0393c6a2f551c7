/*
 * statusmap.c - the status map's construction: keys, records, the sparse
 * Merkle tree with short-cut leaves (Jellyfish Merkle Tree, binary form),
 * its proofs and their text (docs/format.md, "The status map").
 *
 * The tree is a data structure over libsodium's SHA-256:
 *   leaf     = SHA-256(0x00 || key || SHA-256(record))
 *   interior = SHA-256(0x01 || left || right)
 *   empty    = 32 zero bytes
 * A subtree holding a single leaf is that leaf, placed at the shallowest
 * depth where no other key shares its path; so the tree is a function of
 * its set of (key, record) pairs, whatever the order they came in.
 * Certificates never leave the map (a spent one stays, spent), so there
 * is no deletion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "error.h"
#include "statusmap_tree.h"

static const unsigned char zero[QP_HASH_LEN];

void qp_statusmap_key(unsigned char out[QP_HASH_LEN], const char *id)
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)"quanpiao/cert\n", 14);
	crypto_hash_sha256_update(&h, (const unsigned char *)id, strlen(id));
	crypto_hash_sha256_final(&h, out);
}

static int bit(const unsigned char key[QP_HASH_LEN], unsigned i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1;
}

/* SHA-256(tag || a || b): a leaf (0x00, key, record hash) or an interior node (0x01, left, right). */
static void node_hash(unsigned char out[QP_HASH_LEN], unsigned char tag, const unsigned char a[QP_HASH_LEN],
		      const unsigned char b[QP_HASH_LEN])
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, &tag, 1);
	crypto_hash_sha256_update(&h, a, QP_HASH_LEN);
	crypto_hash_sha256_update(&h, b, QP_HASH_LEN);
	crypto_hash_sha256_final(&h, out);
}

/* Fold h (the node at depth) up to the root along key's path with the siblings given. */
static void fold(unsigned char h[QP_HASH_LEN], const unsigned char key[QP_HASH_LEN], unsigned depth,
		 const unsigned char (*sibling)[QP_HASH_LEN])
{
	for (unsigned i = depth; i-- > 0;) {
		if (bit(key, i))
			node_hash(h, 0x01, sibling[i], h);
		else
			node_hash(h, 0x01, h, sibling[i]);
	}
}

size_t qp_smt_pos(unsigned char pos[QP_SMT_POS_MAX], const unsigned char key[QP_HASH_LEN], unsigned depth)
{
	size_t n = (depth + 7) / 8;
	pos[0] = (unsigned char)(depth >> 8);
	pos[1] = (unsigned char)depth;
	memcpy(pos + 2, key, n);
	if (depth % 8)
		pos[2 + n - 1] &= (unsigned char)(0xFF << (8 - depth % 8));
	return 2 + n;
}

static void make_leaf(qp_smt_node *n, const unsigned char key[QP_HASH_LEN], const char *value,
		      size_t value_len, uint64_t version)
{
	unsigned char vh[QP_HASH_LEN];
	n->kind = QP_SMT_LEAF;
	n->version = version;
	memcpy(n->a, key, QP_HASH_LEN);
	memset(n->b, 0, QP_HASH_LEN);
	memcpy(n->value, value, value_len);
	n->value_len = value_len;
	crypto_hash_sha256((unsigned char *)vh, (const unsigned char *)value, value_len);
	node_hash(n->hash, 0x00, key, vh);
}

int qp_smt_set(qp_smt_get_fn get, qp_smt_put_fn put, void *ctx, const unsigned char key[QP_HASH_LEN],
	       const char *value, size_t value_len, uint64_t version)
{
	/* Per depth on the path: the sibling's hash and the version of the node replaced there. */
	unsigned char(*sib)[QP_HASH_LEN] = NULL;
	uint64_t oldv[QP_STATUSMAP_DEPTH + 1];
	unsigned char pos[QP_SMT_POS_MAX];
	qp_smt_node *n = NULL;
	unsigned d, depth;
	int err;

	if (value_len > QP_STATUSMAP_RECORD_MAX)
		return qp_error_set(QP_EINTERNAL, "status map: a record of %zu bytes", value_len);
	sib = qp_malloc(sizeof(*sib) * QP_STATUSMAP_DEPTH);
	n = qp_malloc(sizeof(*n));
	if (sib == NULL || n == NULL) {
		err = qp_error_set(QP_ENOMEM, "out of memory updating the status map");
		goto done;
	}
	for (d = 0;; d++) {
		if (d > QP_STATUSMAP_DEPTH) {
			err = qp_error_set(QP_ECORRUPT, "status map: a path deeper than %d",
					   QP_STATUSMAP_DEPTH);
			goto done;
		}
		size_t pl = qp_smt_pos(pos, key, d);
		if ((err = get(ctx, pos, pl, UINT64_MAX, n)) != QP_OK)
			goto done;
		oldv[d] = n->kind == QP_SMT_EMPTY ? 0 : n->version;
		if (n->kind != QP_SMT_INTERIOR)
			break;
		if (d == QP_STATUSMAP_DEPTH) {
			err = qp_error_set(QP_ECORRUPT, "status map: an interior node at depth %d", d);
			goto done;
		}
		memcpy(sib[d], bit(key, d) ? n->a : n->b, QP_HASH_LEN);
	}
	depth = d;
	if (n->kind == QP_SMT_LEAF && memcmp(n->a, key, QP_HASH_LEN) != 0) {
		/* Another key's leaf: both go down to where their paths part. */
		unsigned c = d;
		while (c < QP_STATUSMAP_DEPTH && bit(key, c) == bit(n->a, c))
			c++;
		if (c == QP_STATUSMAP_DEPTH || c < d) {
			err =
			    qp_error_set(QP_ECORRUPT, "status map: a leaf off its key's path at depth %u", d);
			goto done;
		}
		for (unsigned i = d; i < c; i++)
			memcpy(sib[i], zero, QP_HASH_LEN);
		for (unsigned i = d + 1; i <= c + 1; i++)
			oldv[i] = 0;
		n->version = version;
		memcpy(sib[c], n->hash, QP_HASH_LEN);
		size_t pl = qp_smt_pos(pos, n->a, c + 1);
		if ((err = put(ctx, pos, pl, n, 0)) != QP_OK)
			goto done;
		depth = c + 1;
	}
	make_leaf(n, key, value, value_len, version);
	size_t pl = qp_smt_pos(pos, key, depth);
	if ((err = put(ctx, pos, pl, n, oldv[depth])) != QP_OK)
		goto done;
	unsigned char h[QP_HASH_LEN];
	memcpy(h, n->hash, QP_HASH_LEN);
	for (unsigned i = depth; i-- > 0;) {
		n->kind = QP_SMT_INTERIOR;
		n->version = version;
		n->value_len = 0;
		if (bit(key, i)) {
			memcpy(n->a, sib[i], QP_HASH_LEN);
			memcpy(n->b, h, QP_HASH_LEN);
		} else {
			memcpy(n->a, h, QP_HASH_LEN);
			memcpy(n->b, sib[i], QP_HASH_LEN);
		}
		node_hash(n->hash, 0x01, n->a, n->b);
		memcpy(h, n->hash, QP_HASH_LEN);
		pl = qp_smt_pos(pos, key, i);
		if ((err = put(ctx, pos, pl, n, oldv[i])) != QP_OK)
			goto done;
	}
done:
	qp_free(sib);
	qp_free(n);
	return err;
}

int qp_smt_root(unsigned char out[QP_HASH_LEN], qp_smt_get_fn get, void *ctx, uint64_t as_of)
{
	unsigned char pos[QP_SMT_POS_MAX];
	qp_smt_node *n = qp_malloc(sizeof(*n));
	if (n == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory reading the status map");
	int err = get(ctx, pos, qp_smt_pos(pos, zero, 0), as_of, n);
	if (err == QP_OK)
		memcpy(out, n->kind == QP_SMT_EMPTY ? zero : n->hash, QP_HASH_LEN);
	qp_free(n);
	return err;
}

int qp_smt_prove(qp_statusmap_proof *out, qp_smt_node *leaf, qp_smt_get_fn get, void *ctx,
		 const unsigned char key[QP_HASH_LEN], uint64_t as_of)
{
	unsigned char pos[QP_SMT_POS_MAX];
	memset(out, 0, sizeof(*out));
	for (unsigned d = 0; d <= QP_STATUSMAP_DEPTH; d++) {
		int err = get(ctx, pos, qp_smt_pos(pos, key, d), as_of, leaf);
		if (err != QP_OK)
			return err;
		if (leaf->kind != QP_SMT_INTERIOR) {
			out->depth = d;
			if (leaf->kind == QP_SMT_LEAF) {
				out->leaf = 1;
				memcpy(out->leaf_key, leaf->a, QP_HASH_LEN);
				crypto_hash_sha256(out->leaf_value_hash, (const unsigned char *)leaf->value,
						   leaf->value_len);
			}
			return QP_OK;
		}
		if (d == QP_STATUSMAP_DEPTH)
			break;
		memcpy(out->sibling[d], bit(key, d) ? leaf->a : leaf->b, QP_HASH_LEN);
	}
	return qp_error_set(QP_ECORRUPT, "status map: a path deeper than %d", QP_STATUSMAP_DEPTH);
}

/* ---- proofs ---------------------------------------------------------------------------------- */

int qp_statusmap_proof_verify(const qp_statusmap_proof *proof, const unsigned char root[QP_HASH_LEN],
			      const char *id, const char *record, size_t record_len)
{
	unsigned char key[QP_HASH_LEN], h[QP_HASH_LEN];
	qp_statusmap_key(key, id);
	if (proof->depth > QP_STATUSMAP_DEPTH)
		return qp_error_set(QP_EVERIFY, "certificate %s: the map proof is deeper than %d", id,
				    QP_STATUSMAP_DEPTH);
	if (record != NULL) {
		unsigned char vh[QP_HASH_LEN];
		if (!proof->leaf || memcmp(proof->leaf_key, key, QP_HASH_LEN) != 0)
			return qp_error_set(QP_EVERIFY, "certificate %s: the map holds no record for it", id);
		crypto_hash_sha256(vh, (const unsigned char *)record, record_len);
		if (sodium_memcmp(vh, proof->leaf_value_hash, QP_HASH_LEN) != 0)
			return qp_error_set(QP_EVERIFY, "certificate %s: the map holds another record for it",
					    id);
	} else if (proof->leaf) {
		if (memcmp(proof->leaf_key, key, QP_HASH_LEN) == 0)
			return qp_error_set(QP_EVERIFY, "certificate %s: the map holds a record for it", id);
		for (unsigned i = 0; i < proof->depth; i++)
			if (bit(key, i) != bit(proof->leaf_key, i))
				return qp_error_set(
				    QP_EVERIFY,
				    "certificate %s: the proof's leaf is off the certificate's path", id);
	}
	if (proof->leaf)
		node_hash(h, 0x00, proof->leaf_key, proof->leaf_value_hash);
	else
		memcpy(h, zero, QP_HASH_LEN);
	fold(h, key, proof->depth, (const unsigned char(*)[QP_HASH_LEN])proof->sibling);
	if (sodium_memcmp(h, root, QP_HASH_LEN) != 0)
		return qp_error_set(
		    QP_EVERIFY, "certificate %s: the map proof does not lead to the checkpoint's map root",
		    id);
	return QP_OK;
}

static void b64_hash(char out[48], const unsigned char h[QP_HASH_LEN])
{
	sodium_bin2base64(out, 48, h, QP_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
}

static int parse_b64_hash(unsigned char out[QP_HASH_LEN], const char *s, size_t len)
{
	size_t got = 0;
	const char *end = NULL;
	return sodium_base642bin(out, QP_HASH_LEN, s, len, NULL, &got, &end,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
		       got == QP_HASH_LEN && end == s + len
		   ? QP_OK
		   : QP_EINVALID;
}

#define PROOF_HEADER "quanpiao/status-map-proof/v1"

int qp_statusmap_proof_text(char **out, size_t *out_len, const qp_statusmap_proof *proof)
{
	size_t cap = 128 + (size_t)proof->depth * 46 + 100;
	char *p = qp_malloc(cap), k[48], v[48];
	*out = NULL;
	if (p == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory writing a map proof");
	int n;
	if (proof->leaf) {
		b64_hash(k, proof->leaf_key);
		b64_hash(v, proof->leaf_value_hash);
		n = snprintf(p, cap, "%s\ndepth %u\nleaf %s %s\n", PROOF_HEADER, proof->depth, k, v);
	} else {
		n = snprintf(p, cap, "%s\ndepth %u\nempty\n", PROOF_HEADER, proof->depth);
	}
	size_t len = (size_t)n;
	for (unsigned i = 0; i < proof->depth; i++) {
		if (sodium_is_zero(proof->sibling[i], QP_HASH_LEN)) {
			memcpy(p + len, "-\n", 3);
			len += 2;
		} else {
			b64_hash(k, proof->sibling[i]);
			len += (size_t)snprintf(p + len, cap - len, "%s\n", k);
		}
	}
	*out = p;
	if (out_len)
		*out_len = len;
	return QP_OK;
}

/* The next line of [*p, end) without its newline; QP_EINVALID if there is none. */
static int next_line(const char **line, size_t *len, const char **p, const char *end)
{
	const char *nl = *p < end ? memchr(*p, '\n', (size_t)(end - *p)) : NULL;
	if (nl == NULL)
		return QP_EINVALID;
	*line = *p;
	*len = (size_t)(nl - *p);
	*p = nl + 1;
	return QP_OK;
}

static int proof_bad(unsigned line, const char *what)
{
	return qp_error_set(QP_EINVALID, "map proof, line %u: %s", line, what);
}

int qp_statusmap_proof_parse(qp_statusmap_proof *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *l;
	size_t ll;
	memset(out, 0, sizeof(*out));
	if (next_line(&l, &ll, &p, end) != QP_OK || ll != strlen(PROOF_HEADER) ||
	    memcmp(l, PROOF_HEADER, ll) != 0)
		return proof_bad(1, "must be " PROOF_HEADER);
	if (next_line(&l, &ll, &p, end) != QP_OK || ll < 7 || ll > 9 || memcmp(l, "depth ", 6) != 0 ||
	    (l[6] == '0' && ll > 7))
		return proof_bad(2, "must be depth N (0 to 256, no leading zeros)");
	unsigned depth = 0;
	for (size_t i = 6; i < ll; i++) {
		if (l[i] < '0' || l[i] > '9')
			return proof_bad(2, "must be depth N (0 to 256, no leading zeros)");
		depth = depth * 10 + (unsigned)(l[i] - '0');
	}
	if (depth > QP_STATUSMAP_DEPTH)
		return proof_bad(2, "depth is above 256");
	out->depth = depth;
	if (next_line(&l, &ll, &p, end) != QP_OK)
		return proof_bad(3, "must be empty or leaf KEY VALUE-HASH");
	if (ll == 5 && memcmp(l, "empty", 5) == 0) {
		out->leaf = 0;
	} else if (ll == 5 + 44 + 1 + 44 && memcmp(l, "leaf ", 5) == 0 && l[49] == ' ' &&
		   parse_b64_hash(out->leaf_key, l + 5, 44) == QP_OK &&
		   parse_b64_hash(out->leaf_value_hash, l + 50, 44) == QP_OK) {
		out->leaf = 1;
	} else {
		return proof_bad(3, "must be empty or leaf KEY VALUE-HASH (base64 of 32 bytes each)");
	}
	for (unsigned i = 0; i < depth; i++) {
		if (next_line(&l, &ll, &p, end) != QP_OK)
			return proof_bad(4 + i, "a sibling is missing");
		if (ll == 1 && l[0] == '-')
			continue;
		if (parse_b64_hash(out->sibling[i], l, ll) != QP_OK ||
		    sodium_is_zero(out->sibling[i], QP_HASH_LEN))
			return proof_bad(4 + i,
					 "a sibling must be - or the base64 of 32 bytes, not all zero");
	}
	if (p != end)
		return proof_bad(4 + depth, "text after the last sibling");
	return QP_OK;
}

/* ---- the checkpoint line ---------------------------------------------------------------------- */

int qp_statusmap_checkpoint_root(unsigned char out[QP_HASH_LEN], const char *text, size_t text_len)
{
	const char *p = text, *end = text + text_len, *l;
	size_t ll, plen = strlen(QP_STATUSMAP_LINE);
	int found = 0;
	/* Skip origin, size and root. */
	for (int i = 0; i < 3; i++)
		if (next_line(&l, &ll, &p, end) != QP_OK)
			return qp_error_set(QP_EINVALID, "checkpoint: needs origin, size and root lines");
	while (next_line(&l, &ll, &p, end) == QP_OK) {
		if (ll < plen + 1 || memcmp(l, QP_STATUSMAP_LINE " ", plen + 1) != 0)
			continue;
		if (found)
			return qp_error_set(QP_EINVALID, "checkpoint: two %s lines", QP_STATUSMAP_LINE);
		if (parse_b64_hash(out, l + plen + 1, ll - plen - 1) != QP_OK)
			return qp_error_set(QP_EINVALID,
					    "checkpoint: the %s line must carry the base64 of 32 bytes",
					    QP_STATUSMAP_LINE);
		found = 1;
	}
	return found ? QP_OK : qp_error_set(QP_ENOTFOUND, "checkpoint: no %s line", QP_STATUSMAP_LINE);
}

/* ---- records ---------------------------------------------------------------------------------- */

#define RECORD_HEADER "quanpiao/cert-status/v1"

int qp_statusmap_record_encode(char *buf, size_t *len, const qp_statusmap_record *r)
{
	const char *kind = qp_cert_kind_name(r->kind), *state = qp_cert_state_name(r->state);
	if (kind == NULL || state == NULL || r->state == QP_CERT_EXPIRED)
		return qp_error_set(QP_EINVALID, "status record: kind or state out of range");
	int n = snprintf(buf, QP_STATUSMAP_RECORD_MAX,
			 RECORD_HEADER
			 "\nid %s\nkind %s\nstate %s\nholder %s\narea %lld\nvalid_until %s\nentry %llu\n",
			 r->id, kind, state, r->holder, (long long)r->area,
			 r->valid_until[0] ? r->valid_until : "-", (unsigned long long)r->entry);
	if (n < 0 || (size_t)n >= QP_STATUSMAP_RECORD_MAX)
		return qp_error_set(QP_EINVALID, "status record: longer than %d bytes",
				    QP_STATUSMAP_RECORD_MAX);
	*len = (size_t)n;
	return QP_OK;
}

/* Copy field value "<name> <value>" from line l into out (size cap); QP_EINVALID naming name. */
static int field(char *out, size_t cap, const char *l, size_t ll, const char *name)
{
	size_t nl = strlen(name);
	if (ll <= nl + 1 || memcmp(l, name, nl) != 0 || l[nl] != ' ' || ll - nl - 1 >= cap)
		return qp_error_set(QP_EINVALID, "status record: line %s is missing or too long", name);
	memcpy(out, l + nl + 1, ll - nl - 1);
	out[ll - nl - 1] = '\0';
	if (memchr(out, '\0', ll - nl - 1) != NULL || strchr(out, ' ') != NULL)
		return qp_error_set(QP_EINVALID, "status record: %s holds a space or NUL", name);
	return QP_OK;
}

static int parse_u64(uint64_t *out, const char *s, uint64_t max)
{
	uint64_t v = 0;
	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return QP_EINVALID;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9' || v > (max - (uint64_t)(*c - '0')) / 10)
			return QP_EINVALID;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	*out = v;
	return QP_OK;
}

int qp_statusmap_record_parse(qp_statusmap_record *out, const char *buf, size_t len)
{
	static const char *const names[] = {"id", "kind", "state", "holder", "area", "valid_until", "entry"};
	char v[7][80];
	const char *p = buf, *end = buf + len, *l;
	size_t ll;
	int err;
	memset(out, 0, sizeof(*out));
	if (len > QP_STATUSMAP_RECORD_MAX || next_line(&l, &ll, &p, end) != QP_OK ||
	    ll != strlen(RECORD_HEADER) || memcmp(l, RECORD_HEADER, ll) != 0)
		return qp_error_set(QP_EINVALID, "status record: must begin with " RECORD_HEADER);
	for (int i = 0; i < 7; i++) {
		if (next_line(&l, &ll, &p, end) != QP_OK)
			return qp_error_set(QP_EINVALID, "status record: line %s is missing", names[i]);
		if ((err = field(v[i], sizeof(v[i]), l, ll, names[i])) != QP_OK)
			return err;
	}
	if (p != end)
		return qp_error_set(QP_EINVALID, "status record: text after the entry line");
	uint64_t area = 0;
	size_t n = strlen(v[0]);
	if (n > QP_CERT_ID_LEN || n >= sizeof(out->id))
		return qp_error_set(QP_EINVALID, "status record: id is too long");
	memcpy(out->id, v[0], n + 1);
	if (qp_cert_kind_parse(&out->kind, v[1]) != QP_OK)
		return qp_error_set(QP_EINVALID, "status record: kind %s is not a certificate kind", v[1]);
	if (qp_cert_state_parse(&out->state, v[2]) != QP_OK || out->state == QP_CERT_EXPIRED)
		return qp_error_set(QP_EINVALID, "status record: state %s is not a stored state", v[2]);
	if ((n = strlen(v[3])) >= sizeof(out->holder))
		return qp_error_set(QP_EINVALID, "status record: holder is too long");
	memcpy(out->holder, v[3], n + 1);
	if (parse_u64(&area, v[4], INT64_MAX) != QP_OK || area == 0)
		return qp_error_set(QP_EINVALID, "status record: area must be a positive decimal");
	out->area = (int64_t)area;
	if (strcmp(v[5], "-") != 0) {
		if (strlen(v[5]) != 10)
			return qp_error_set(QP_EINVALID, "status record: valid_until must be a date or -");
		memcpy(out->valid_until, v[5], 11);
	}
	if (parse_u64(&out->entry, v[6], UINT64_MAX) != QP_OK)
		return qp_error_set(QP_EINVALID,
				    "status record: entry must be a decimal without leading zeros");
	/* Canonical: encoding it again gives the same bytes. */
	char again[QP_STATUSMAP_RECORD_MAX];
	size_t alen = 0;
	if (qp_statusmap_record_encode(again, &alen, out) != QP_OK || alen != len ||
	    memcmp(again, buf, len) != 0)
		return qp_error_set(QP_EINVALID, "status record: not in canonical form");
	return QP_OK;
}
