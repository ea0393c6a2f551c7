/*
 * test_statusmap.c - the status map's construction on its own: the tree
 * over an in-memory node store (the same code the registry runs over
 * SQLite), its proofs, their text, and the canonical record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quanpiao/error.h"
#include "quanpiao/statusmap.h"
#include "statusmap_tree.h"
#include "testutil.h"

/* ---- an in-memory node store: an open-addressing table by position ------------------------ */

#define SLOTS (1u << 16)

typedef struct slot {
	int used;
	unsigned char pos[QP_SMT_POS_MAX];
	size_t pos_len;
	qp_smt_node node;
} slot;

typedef struct mem {
	slot *s;
	size_t writes;
} mem;

static slot *find(mem *m, const unsigned char *pos, size_t pos_len, int add)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < pos_len; i++)
		h = (h ^ pos[i]) * 16777619u;
	for (unsigned i = h % SLOTS;; i = (i + 1) % SLOTS) {
		slot *s = &m->s[i];
		if (!s->used) {
			if (!add)
				return NULL;
			s->used = 1;
			memcpy(s->pos, pos, pos_len);
			s->pos_len = pos_len;
			return s;
		}
		if (s->pos_len == pos_len && memcmp(s->pos, pos, pos_len) == 0)
			return s;
	}
}

static int mem_get(void *ctx, const unsigned char *pos, size_t pos_len, uint64_t as_of, qp_smt_node *out)
{
	(void)as_of; /* the current tree only */
	slot *s = find(ctx, pos, pos_len, 0);
	if (s)
		*out = s->node;
	else
		out->kind = QP_SMT_EMPTY;
	return QP_OK;
}

static int mem_put(void *ctx, const unsigned char *pos, size_t pos_len, const qp_smt_node *n, uint64_t old)
{
	(void)old;
	mem *m = ctx;
	find(m, pos, pos_len, 1)->node = *n;
	m->writes++;
	return QP_OK;
}

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

/* Build a map of KEYS certificates in the order given by step (coprime with KEYS), each set twice. */
static void build(mem *m, unsigned step, unsigned char root[32])
{
	m->s = calloc(SLOTS, sizeof(*m->s));
	assert_non_null(m->s);
	for (unsigned k = 0; k < 2 * KEYS; k++) {
		unsigned i = (k * step) % KEYS;
		char id[32], rec[QP_STATUSMAP_RECORD_MAX];
		size_t len = 0;
		unsigned char key[32];
		cert(id, i);
		/* The first write a live record, the second the final one: the tree keeps the last. */
		record_of(rec, &len, id, k < KEYS ? QP_CERT_LIVE : QP_CERT_SPENT, k < KEYS ? 1 : 2);
		qp_statusmap_key(key, id);
		assert_int_equal(qp_smt_set(mem_get, mem_put, m, key, rec, len, k + 1), QP_OK);
	}
	assert_int_equal(qp_smt_root(root, mem_get, m, UINT64_MAX), QP_OK);
}

static void test_tree_and_proofs(void **state)
{
	(void)state;
	mem a = {0}, b = {0};
	unsigned char ra[32], rb[32];
	build(&a, 1, ra);
	build(&b, 7, rb);
	/* The tree is a function of its records, not of the order they came in. */
	assert_memory_equal(ra, rb, 32);
	qp_statusmap_proof *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
	qp_smt_node *leaf = malloc(sizeof(*leaf));
	unsigned maxdepth = 0;
	for (unsigned i = 0; i < KEYS + 50; i++) {
		char id[32], rec[QP_STATUSMAP_RECORD_MAX], *text = NULL;
		size_t len = 0, text_len = 0;
		unsigned char key[32];
		cert(id, i);
		qp_statusmap_key(key, id);
		assert_int_equal(qp_smt_prove(p, leaf, mem_get, &a, key, UINT64_MAX), QP_OK);
		maxdepth = p->depth > maxdepth ? p->depth : maxdepth;
		/* The text round-trips. */
		assert_int_equal(qp_statusmap_proof_text(&text, &text_len, p), QP_OK);
		assert_int_equal(qp_statusmap_proof_parse(q, text, text_len), QP_OK);
		assert_int_equal(memcmp(p, q, sizeof(*p)), 0);
		free(text);
		record_of(rec, &len, id, QP_CERT_SPENT, 2);
		if (i < KEYS) {
			assert_int_equal(qp_statusmap_proof_verify(p, ra, id, rec, len), QP_OK);
			/* Not absent, not another record. */
			assert_int_equal(qp_statusmap_proof_verify(p, ra, id, NULL, 0), QP_EVERIFY);
			record_of(rec, &len, id, QP_CERT_LIVE, 1);
			assert_int_equal(qp_statusmap_proof_verify(p, ra, id, rec, len), QP_EVERIFY);
			assert_error_contains("the map holds another record for it");
		} else {
			assert_int_equal(qp_statusmap_proof_verify(p, ra, id, NULL, 0), QP_OK);
			assert_int_equal(qp_statusmap_proof_verify(p, ra, id, rec, len), QP_EVERIFY);
			assert_error_contains("holds no record for it");
		}
		/* A changed sibling, or another root, does not lead there. */
		if (p->depth > 0) {
			p->sibling[p->depth - 1][0] ^= 1;
			assert_int_equal(qp_statusmap_proof_verify(p, ra, id, i < KEYS ? rec : NULL, len),
					 QP_EVERIFY);
			p->sibling[p->depth - 1][0] ^= 1;
		}
	}
	/* A proof of one certificate is not a proof of another's absence (its leaf is on another path). */
	char id0[32], id1[32];
	unsigned char key0[32];
	cert(id0, 0);
	cert(id1, 1);
	qp_statusmap_key(key0, id0);
	assert_int_equal(qp_smt_prove(p, leaf, mem_get, &a, key0, UINT64_MAX), QP_OK);
	assert_int_equal(qp_statusmap_proof_verify(p, ra, id1, NULL, 0), QP_EVERIFY);
	print_message("status map: %u certificates, paths at most %u deep, %zu node writes\n", KEYS, maxdepth,
		      a.writes);
	assert_true(maxdepth < 40);
	free(p);
	free(q);
	free(leaf);
	free(a.s);
	free(b.s);
}

static void test_empty_map(void **state)
{
	(void)state;
	mem m = {calloc(SLOTS, sizeof(slot)), 0};
	unsigned char root[32], zero[32] = {0}, key[32];
	qp_statusmap_proof p;
	qp_smt_node leaf;
	assert_int_equal(qp_smt_root(root, mem_get, &m, UINT64_MAX), QP_OK);
	assert_memory_equal(root, zero, 32);
	qp_statusmap_key(key, "330681-2026-G-000001");
	assert_int_equal(qp_smt_prove(&p, &leaf, mem_get, &m, key, UINT64_MAX), QP_OK);
	assert_int_equal(p.depth, 0);
	assert_int_equal(qp_statusmap_proof_verify(&p, root, "330681-2026-G-000001", NULL, 0), QP_OK);
	free(m.s);
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
	    cmocka_unit_test(test_tree_and_proofs),
	    cmocka_unit_test(test_empty_map),
	    cmocka_unit_test(test_hostile_proof_text),
	    cmocka_unit_test(test_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
