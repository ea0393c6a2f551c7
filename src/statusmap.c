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
 * is no deletion.  How it is stored (pages over the top 16 levels, the
 * rest computed from the leaves): statusmap_tree.h; the functions here
 * for that are pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "checkpoint.h"
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

int qp_smt_bit(const unsigned char key[QP_HASH_LEN], unsigned i)
{
	return bit(key, i);
}

unsigned qp_smt_bits(const unsigned char key[QP_HASH_LEN], unsigned from, unsigned bits)
{
	unsigned v = 0;
	for (unsigned i = 0; i < bits; i++)
		v = v << 1 | (unsigned)bit(key, from + i);
	return v;
}

void qp_smt_leaf_hash(unsigned char out[QP_HASH_LEN], const unsigned char key[QP_HASH_LEN],
		      const char *record, size_t record_len)
{
	unsigned char vh[QP_HASH_LEN];
	crypto_hash_sha256(vh, (const unsigned char *)record, record_len);
	node_hash(out, 0x00, key, vh);
}

void qp_smt_combine(qp_smt_ref *out, const qp_smt_ref *left, const qp_smt_ref *right)
{
	if (left->kind == QP_SMT_EMPTY && right->kind != QP_SMT_INTERIOR) {
		*out = *right;
	} else if (right->kind == QP_SMT_EMPTY && left->kind == QP_SMT_LEAF) {
		*out = *left;
	} else {
		unsigned char h[QP_HASH_LEN];
		node_hash(h, 0x01, left->hash, right->hash);
		out->kind = QP_SMT_INTERIOR;
		memcpy(out->hash, h, QP_HASH_LEN);
	}
}

/* The first of leaves[0..n) whose key has bit depth set (n if none); they are in key order. */
static size_t split(const qp_smt_leaf *leaves, size_t n, unsigned depth)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bit(leaves[mid].key, depth))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void qp_smt_subtree(qp_smt_ref *out, const qp_smt_leaf *leaves, size_t n, unsigned depth)
{
	if (n == 0) {
		out->kind = QP_SMT_EMPTY;
		memset(out->hash, 0, QP_HASH_LEN);
		return;
	}
	if (n == 1 || depth >= QP_STATUSMAP_DEPTH) {
		out->kind = QP_SMT_LEAF;
		memcpy(out->hash, leaves[0].hash, QP_HASH_LEN);
		return;
	}
	qp_smt_ref l, r;
	size_t s = split(leaves, n, depth);
	qp_smt_subtree(&l, leaves, s, depth + 1);
	qp_smt_subtree(&r, leaves + s, n - s, depth + 1);
	out->kind = QP_SMT_INTERIOR;
	node_hash(out->hash, 0x01, l.hash, r.hash);
}

void qp_smt_page_root(qp_smt_ref *out, const qp_smt_page *p)
{
	qp_smt_combine(out, &p->node[0], &p->node[1]);
}

/*
 * The page's rows of 8, 4 and 2 nodes (rel depths 3, 2, 1; row r starts at
 * 2^r - 2) computed again above the bottom row's nodes whose bits are set
 * in dirty.
 */
static void page_up(qp_smt_page *p, unsigned dirty)
{
	for (unsigned r = 3; r >= 1 && dirty; r--) {
		unsigned up = 0, base = (1u << r) - 2, below = (1u << (r + 1)) - 2;
		for (unsigned q = 0; q < (1u << r); q++) {
			if (!(dirty & (3u << (2 * q))))
				continue;
			qp_smt_combine(&p->node[base + q], &p->node[below + 2 * q],
				       &p->node[below + 2 * q + 1]);
			up |= 1u << q;
		}
		dirty = up;
	}
}

void qp_smt_page_set(qp_smt_page *p, const unsigned *child, const qp_smt_ref *ref, size_t n, int *changed)
{
	unsigned dirty = 0; /* bit q: the node q of the row below changed */
	for (size_t i = 0; i < n; i++) {
		qp_smt_ref *at = &p->node[14 + child[i]];
		if (at->kind != ref[i].kind || memcmp(at->hash, ref[i].hash, QP_HASH_LEN) != 0) {
			*at = ref[i];
			dirty |= 1u << child[i];
		}
	}
	*changed = dirty != 0;
	page_up(p, dirty);
}

void qp_smt_page_encode(unsigned char out[QP_SMT_PAGE_BYTES], const qp_smt_page *p)
{
	memset(out, 0, 8);
	for (unsigned i = 0; i < QP_SMT_PAGE_NODES; i++) {
		out[i / 4] |= (unsigned char)(p->node[i].kind << (2 * (i % 4)));
		memcpy(out + 8 + i * QP_HASH_LEN, p->node[i].hash, QP_HASH_LEN);
	}
}

size_t qp_smt_page_encode_low(unsigned char out[QP_SMT_PAGE_LOW_BYTES], const qp_smt_page *p)
{
	unsigned char full[QP_SMT_PAGE_BYTES];
	qp_smt_page_encode(full, p);
	memcpy(out, full, 8);
	memcpy(out + 8, full + 8 + QP_SMT_PAGE_ABOVE * QP_HASH_LEN, QP_SMT_PAGE_LOW_BYTES - 8);
	return QP_SMT_PAGE_LOW_BYTES;
}

static int page_bad(void)
{
	return qp_error_set(QP_ECORRUPT, "status map: a stored page is malformed");
}

int qp_smt_page_decode(qp_smt_page *p, const void *b, size_t len)
{
	const unsigned char *c = b;
	int low = len == QP_SMT_PAGE_LOW_BYTES;
	if ((!low && len != QP_SMT_PAGE_BYTES) || c[7] >> 4 != 0)
		return page_bad();
	/* The nodes stored: all, or the bottom row (low), whose hashes follow the kinds. */
	for (unsigned i = low ? QP_SMT_PAGE_ABOVE : 0; i < QP_SMT_PAGE_NODES; i++) {
		qp_smt_ref *r = &p->node[i];
		r->kind = (c[i / 4] >> (2 * (i % 4))) & 3;
		memcpy(r->hash, c + 8 + (i - (low ? QP_SMT_PAGE_ABOVE : 0)) * QP_HASH_LEN, QP_HASH_LEN);
		if (r->kind > QP_SMT_INTERIOR ||
		    (r->kind == QP_SMT_EMPTY) != sodium_is_zero(r->hash, QP_HASH_LEN))
			return page_bad();
	}
	if (!low)
		return QP_OK;
	/* The rows above computed again; each node's kind must be the one stored. */
	page_up(p, 0xFFFFu);
	for (unsigned i = 0; i < QP_SMT_PAGE_ABOVE; i++)
		if ((unsigned)p->node[i].kind != ((c[i / 4] >> (2 * (i % 4))) & 3u))
			return page_bad();
	return QP_OK;
}

int qp_smt_prove_page(qp_statusmap_proof *out, const qp_smt_page *p, unsigned level,
		      const unsigned char key[QP_HASH_LEN])
{
	for (unsigned r = 1; r <= 4; r++) {
		unsigned d = 4 * level + r, q = qp_smt_bits(key, 4 * level, r), base = (1u << r) - 2;
		const qp_smt_ref *on = &p->node[base + q], *beside = &p->node[base + (q ^ 1)];
		memcpy(out->sibling[d - 1], beside->hash, QP_HASH_LEN);
		if (on->kind != QP_SMT_INTERIOR) {
			out->depth = d;
			return on->kind;
		}
	}
	return QP_SMT_INTERIOR;
}

size_t qp_smt_prove_leaves(qp_statusmap_proof *out, const qp_smt_leaf *leaves, size_t n,
			   const unsigned char key[QP_HASH_LEN], unsigned depth)
{
	const qp_smt_leaf *l = leaves;
	size_t total = n;
	while (n >= 2 && depth < QP_STATUSMAP_DEPTH) {
		size_t s = split(l, n, depth);
		qp_smt_ref beside;
		if (bit(key, depth)) {
			qp_smt_subtree(&beside, l, s, depth + 1);
			l += s;
			n -= s;
		} else {
			qp_smt_subtree(&beside, l + s, n - s, depth + 1);
			n = s;
		}
		memcpy(out->sibling[depth], beside.hash, QP_HASH_LEN);
		depth++;
	}
	out->depth = depth;
	return n == 0 ? total : (size_t)(l - leaves);
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
	const char *v;
	size_t vl;
	int err = qp_checkpoint_extension(&v, &vl, text, text_len, QP_STATUSMAP_LINE);
	if (err != QP_OK)
		return err;
	if (parse_b64_hash(out, v, vl) != QP_OK)
		return qp_error_set(QP_EINVALID, "checkpoint: the %s line must carry the base64 of 32 bytes",
				    QP_STATUSMAP_LINE);
	return QP_OK;
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
