/*
 * test_merkle.c - RFC 6962 / 9162 Merkle tree hashing, proofs and their
 * verification.
 *
 * Three independent checks: the transparency-dev/merkle probe files in
 * $QP_TEST_DATA/rfc6962 (every file must be found and judged), the
 * reference tree roots listed in the test-vector README, and a naive
 * recursive implementation written straight from RFC 6962 (MTH, PATH,
 * PROOF over an in-memory leaf array, hashing with its own code) compared
 * with the library on trees of up to 1,000 leaves built by
 * qp_merkle_append.  A synthetic store of a million leaves counts reads to
 * pin the O(log n) bound, and failing callbacks check error propagation.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include <quanpiao/error.h>
#include <quanpiao/merkle.h>

#include "testutil.h"

/* ---- independent reference: RFC 6962 2.1 written out recursively --- */

#define REF_MAX_LEAVES 1000

static void ref_leaf(unsigned char out[32], const void *data, size_t len)
{
	unsigned char buf[256];
	assert_true(len < sizeof(buf));
	buf[0] = 0x00;
	memcpy(buf + 1, data, len);
	crypto_hash_sha256(out, buf, len + 1);
}

static void ref_node(unsigned char out[32], const unsigned char l[32], const unsigned char r[32])
{
	unsigned char buf[65];
	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

/* The largest power of two smaller than n (n > 1). */
static size_t ref_k(size_t n)
{
	size_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[n]) over leaf hashes. */
static void ref_mth(unsigned char out[32], const unsigned char (*d)[32], size_t n)
{
	if (n == 0) {
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
	} else if (n == 1) {
		memcpy(out, d[0], 32);
	} else {
		size_t k = ref_k(n);
		unsigned char l[32], r[32];
		ref_mth(l, d, k);
		ref_mth(r, d + k, n - k);
		ref_node(out, l, r);
	}
}

static void ref_push(qp_merkle_proof *p, const unsigned char (*d)[32], size_t n)
{
	assert_true(p->len < QP_MERKLE_MAX_PROOF);
	ref_mth(p->hash[p->len++], d, n);
}

/* PATH(m, D[n]). */
static void ref_path(qp_merkle_proof *p, size_t m, const unsigned char (*d)[32], size_t n)
{
	if (n <= 1)
		return;
	size_t k = ref_k(n);
	if (m < k) {
		ref_path(p, m, d, k);
		ref_push(p, d + k, n - k);
	} else {
		ref_path(p, m - k, d + k, n - k);
		ref_push(p, d, k);
	}
}

/* SUBPROOF(m, D[n], b). */
static void ref_subproof(qp_merkle_proof *p, size_t m, const unsigned char (*d)[32], size_t n, int b)
{
	if (m == n) {
		if (!b)
			ref_push(p, d, n);
		return;
	}
	size_t k = ref_k(n);
	if (m <= k) {
		ref_subproof(p, m, d, k, b);
		ref_push(p, d + k, n - k);
	} else {
		ref_subproof(p, m - k, d + k, n - k, 0);
		ref_push(p, d, k);
	}
}

/* ---- an in-memory node store for the library's callbacks ------------ */

#define MEM_LEVELS 11
#define MEM_WIDTH  1024

struct mem_tree {
	unsigned char hash[MEM_LEVELS][MEM_WIDTH][32];
	unsigned char have[MEM_LEVELS][MEM_WIDTH];
	uint64_t limit; /* reads must lie inside the first limit leaves */
	unsigned long gets, puts;
	unsigned long fail_get_at; /* fail the Nth get (0: never) */
	unsigned long fail_put_at;
	int fail_code;
};

static struct mem_tree mem;

static void mem_reset(void)
{
	memset(&mem, 0, sizeof(mem));
	mem.limit = UINT64_MAX;
	mem.fail_code = QP_EIO;
}

static int mem_get(void *ctx, unsigned level, uint64_t index, unsigned char out[QP_HASH_LEN])
{
	struct mem_tree *t = ctx;
	t->gets++;
	if (t->fail_get_at != 0 && t->gets == t->fail_get_at)
		return t->fail_code;
	if (level >= MEM_LEVELS || index >= MEM_WIDTH || !t->have[level][index])
		fail_msg("get of missing subtree (%u, %" PRIu64 ")", level, index);
	if (((index + 1) << level) > t->limit)
		fail_msg("get of subtree (%u, %" PRIu64 ") outside the tree of size %" PRIu64, level, index,
			 t->limit);
	memcpy(out, t->hash[level][index], 32);
	return QP_OK;
}

static int mem_put(void *ctx, unsigned level, uint64_t index, const unsigned char hash[QP_HASH_LEN])
{
	struct mem_tree *t = ctx;
	t->puts++;
	if (t->fail_put_at != 0 && t->puts == t->fail_put_at)
		return t->fail_code;
	if (level >= MEM_LEVELS || index >= MEM_WIDTH)
		fail_msg("put of subtree (%u, %" PRIu64 ") out of range", level, index);
	if (t->have[level][index])
		fail_msg("subtree (%u, %" PRIu64 ") put twice", level, index);
	memcpy(t->hash[level][index], hash, 32);
	t->have[level][index] = 1;
	return QP_OK;
}

static unsigned char leaves[REF_MAX_LEAVES][32];
static size_t nleaves;

/* Build a tree of n leaves with pseudo-random data through qp_merkle_append. */
static unsigned long rng_state;
static uint64_t rnd(uint64_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng_state >> 16) % n;
}

static void build_random_tree(size_t n)
{
	mem_reset();
	nleaves = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char data[40];
		size_t len = (size_t)rnd(sizeof(data));
		for (size_t j = 0; j < len; j++)
			data[j] = (unsigned char)rnd(256);
		ref_leaf(leaves[i], data, len);
		unsigned char lib[32];
		qp_merkle_leaf_hash(lib, data, len);
		assert_memory_equal(lib, leaves[i], 32);
		assert_int_equal(qp_merkle_append(i, leaves[i], mem_get, mem_put, &mem), QP_OK);
		nleaves++;
	}
}

static void assert_proof_equal(const qp_merkle_proof *a, const qp_merkle_proof *b, const char *what, size_t x,
			       size_t y)
{
	if (a->len != b->len)
		fail_msg("%s (%zu, %zu): %zu hashes, reference has %zu", what, x, y, a->len, b->len);
	for (size_t i = 0; i < a->len; i++)
		if (memcmp(a->hash[i], b->hash[i], 32) != 0)
			fail_msg("%s (%zu, %zu): hash %zu differs from the reference", what, x, y, i);
}

/* ---- hashing --------------------------------------------------------- */

static void hex_decode(unsigned char *out, size_t max, const char *hex, size_t *len)
{
	assert_int_equal(sodium_hex2bin(out, max, hex, strlen(hex), NULL, len, NULL), 0);
}

static void test_hashes(void **state)
{
	unsigned char got[32], want[32], l[32], r[32];
	size_t n;
	/* RFC 6962 leaf hash of the empty string (reference tree size 1 root). */
	qp_merkle_leaf_hash(got, "", 0);
	hex_decode(want, 32, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", &n);
	assert_memory_equal(got, want, 32);
	qp_merkle_leaf_hash(got, NULL, 0);
	assert_memory_equal(got, want, 32);
	qp_merkle_leaf_hash2(got, NULL, 0, NULL, 0);
	assert_memory_equal(got, want, 32);
	/* The leaf hash of data in two parts is that of the whole, at every split (the reference hashes it whole). */
	static const char text[] = "quanpiao/entry/v1\n{\"a\":1}\n\n\xE2\x80\x94 k AAAA\n";
	ref_leaf(want, text, sizeof(text) - 1);
	for (size_t cut = 0; cut < sizeof(text); cut++) {
		qp_merkle_leaf_hash2(got, text, cut, text + cut, sizeof(text) - 1 - cut);
		if (memcmp(got, want, 32) != 0)
			fail_msg("leaf hash split at %zu differs from the whole", cut);
	}
	qp_merkle_leaf_hash2(got, text, 5, NULL, 0);
	ref_leaf(want, text, 5);
	assert_memory_equal(got, want, 32);
	/* Node hash, including output aliasing an input. */
	ref_leaf(l, "a", 1);
	ref_leaf(r, "b", 1);
	ref_node(want, l, r);
	qp_merkle_node_hash(got, l, r);
	assert_memory_equal(got, want, 32);
	qp_merkle_node_hash(l, l, r);
	assert_memory_equal(l, want, 32);
	ref_leaf(l, "a", 1);
	qp_merkle_node_hash(r, l, r);
	assert_memory_equal(r, want, 32);
}

/* ---- the reference tree of the test-vector README -------------------- */

static const char *const ref_leaf_hex[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

static const char *const ref_root_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static unsigned char ref_roots[9][32];

/* Build the README's reference tree into mem (leaves 0..7). */
static void build_reference_tree(void)
{
	mem_reset();
	for (size_t i = 0; i < 8; i++) {
		unsigned char data[16], h[32];
		size_t len = 0;
		hex_decode(data, sizeof(data), ref_leaf_hex[i], &len);
		qp_merkle_leaf_hash(h, data, len);
		memcpy(leaves[i], h, 32);
		assert_int_equal(qp_merkle_append(i, h, mem_get, mem_put, &mem), QP_OK);
	}
	nleaves = 8;
	for (size_t s = 0; s <= 8; s++) {
		size_t n;
		hex_decode(ref_roots[s], 32, ref_root_hex[s], &n);
		assert_int_equal(n, 32);
	}
}

static void test_reference_roots(void **state)
{
	build_reference_tree();
	for (uint64_t size = 0; size <= 8; size++) {
		unsigned char root[32];
		mem.limit = size;
		assert_int_equal(qp_merkle_root(root, size, mem_get, &mem), QP_OK);
		if (memcmp(root, ref_roots[size], 32) != 0)
			fail_msg("root of size %" PRIu64 " differs from the README", size);
	}
	/* 8 leaves: 8 + 4 + 2 + 1 complete subtrees were stored. */
	assert_int_equal(mem.puts, 15);
}

/* ---- the transparency-dev/merkle probes ------------------------------ */

struct probe_stats {
	unsigned files, dirs;
	unsigned valid_ok;	  /* wantErr false and verified */
	unsigned rejected;	  /* wantErr true and rejected by the verifier */
	unsigned rejected_decode; /* wantErr true, only a wrong-length hash gives it away */
	unsigned proofs_compared; /* valid probes on the reference tree whose proof we regenerated */
};

static uint64_t json_u64(const cJSON *obj, const char *name, const char *file)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		fail_msg("%s: %s is not a non-negative number", file, name);
	/* 18446744073709551615 reads as 2^64 in a double: saturate. */
	if (v->valuedouble >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)v->valuedouble;
}

/*
 * Decode a base64 hash.  The API takes 32-byte arrays, so a value of any
 * other length (the probes use "" and short placeholders such as "don't
 * care 1") is zero-padded and flagged: a real caller's decoder rejects it.
 */
static void json_hash(unsigned char out[32], const cJSON *v, const char *file, int *bad_len)
{
	unsigned char buf[128];
	size_t len = 0;
	if (!cJSON_IsString(v))
		fail_msg("%s: hash is not a string", file);
	const char *s = v->valuestring;
	if (sodium_base642bin(buf, sizeof(buf), s, strlen(s), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		fail_msg("%s: bad base64 \"%s\"", file, s);
	memset(out, 0, 32);
	memcpy(out, buf, len < 32 ? len : 32);
	if (len != 32)
		*bad_len = 1;
}

static void json_proof(qp_merkle_proof *p, const cJSON *obj, const char *file, int *bad_len)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "proof");
	const cJSON *h;
	p->len = 0;
	if (cJSON_IsNull(arr))
		return;
	if (!cJSON_IsArray(arr))
		fail_msg("%s: proof is neither null nor an array", file);
	cJSON_ArrayForEach(h, arr)
	{
		assert_true(p->len < QP_MERKLE_MAX_PROOF);
		json_hash(p->hash[p->len++], h, file, bad_len);
	}
}

static void judge(struct probe_stats *st, const char *file, int want_err, int rc, int bad_len)
{
	if (rc != QP_OK) {
		assert_int_equal(rc, QP_EVERIFY);
		assert_true(qp_error_last()->message[0] != '\0');
	}
	if (!want_err) {
		if (rc != QP_OK)
			fail_msg("%s: valid probe rejected: %s", file, qp_error_last()->message);
		st->valid_ok++;
	} else if (rc != QP_OK) {
		st->rejected++;
	} else if (bad_len) {
		st->rejected_decode++;
	} else {
		fail_msg("%s: invalid probe accepted", file);
	}
}

static void run_inclusion_probe(struct probe_stats *st, const cJSON *j, const char *file)
{
	unsigned char leaf[32], root[32];
	qp_merkle_proof proof;
	int bad_len = 0;
	uint64_t index = json_u64(j, "leafIdx", file), size = json_u64(j, "treeSize", file);
	json_hash(root, cJSON_GetObjectItemCaseSensitive(j, "root"), file, &bad_len);
	json_hash(leaf, cJSON_GetObjectItemCaseSensitive(j, "leafHash"), file, &bad_len);
	json_proof(&proof, j, file, &bad_len);
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(j, "wantErr");
	assert_true(cJSON_IsBool(want));
	int rc = qp_merkle_verify_inclusion(leaf, index, size, &proof, root);
	judge(st, file, cJSON_IsTrue(want), rc, bad_len);
	/* A valid proof on the reference tree: our generator must produce it. */
	if (!cJSON_IsTrue(want) && size <= 8 && memcmp(root, ref_roots[size], 32) == 0) {
		qp_merkle_proof mine;
		mem.limit = size;
		assert_int_equal(qp_merkle_inclusion_proof(&mine, index, size, mem_get, &mem), QP_OK);
		assert_proof_equal(&mine, &proof, file, (size_t)index, (size_t)size);
		st->proofs_compared++;
	}
}

static void run_consistency_probe(struct probe_stats *st, const cJSON *j, const char *file)
{
	unsigned char root1[32], root2[32];
	qp_merkle_proof proof;
	int bad_len = 0, bad_root = 0;
	uint64_t size1 = json_u64(j, "size1", file), size2 = json_u64(j, "size2", file);
	/* Placeholder roots are only compared for equality; padding keeps that. */
	json_hash(root1, cJSON_GetObjectItemCaseSensitive(j, "root1"), file, &bad_root);
	json_hash(root2, cJSON_GetObjectItemCaseSensitive(j, "root2"), file, &bad_root);
	json_proof(&proof, j, file, &bad_len);
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(j, "wantErr");
	assert_true(cJSON_IsBool(want));
	int rc = qp_merkle_verify_consistency(size1, size2, root1, root2, &proof);
	judge(st, file, cJSON_IsTrue(want), rc, bad_len);
	if (!cJSON_IsTrue(want) && size1 > 0 && size2 <= 8 && memcmp(root2, ref_roots[size2], 32) == 0) {
		qp_merkle_proof mine;
		mem.limit = size2;
		assert_int_equal(qp_merkle_consistency_proof(&mine, size1, size2, mem_get, &mem), QP_OK);
		assert_proof_equal(&mine, &proof, file, (size_t)size1, (size_t)size2);
		st->proofs_compared++;
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Judge every .json file under dir, recursively. */
static void walk_probes(struct probe_stats *st, const char *dir, int consistency)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned files_here = 0, dirs_here = 0;
	if (d == NULL)
		fail_msg("cannot open probe directory %s", dir);
	st->dirs++;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *path = tu_path(dir, e->d_name);
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		if (S_ISDIR(sb.st_mode)) {
			walk_probes(st, path, consistency);
			dirs_here++;
		} else if (ends_with(e->d_name, ".json")) {
			size_t len;
			unsigned char *text = tu_read(path, &len);
			assert_non_null(text);
			cJSON *j = cJSON_ParseWithLength((const char *)text, len);
			if (j == NULL)
				fail_msg("%s: not JSON", path);
			st->files++;
			files_here++;
			if (consistency)
				run_consistency_probe(st, j, path);
			else
				run_inclusion_probe(st, j, path);
			cJSON_Delete(j);
			free(text);
		}
		free(path);
	}
	closedir(d);
	if (files_here == 0 && dirs_here == 0)
		fail_msg("probe directory %s is empty", dir);
}

static void test_probes(void **state)
{
	const char *data = getenv("QP_TEST_DATA");
	assert_non_null(data);
	build_reference_tree();
	char *base = tu_path(data, "rfc6962");
	char *inc = tu_path(base, "inclusion"), *con = tu_path(base, "consistency");
	struct probe_stats si = {0}, sc = {0};
	walk_probes(&si, inc, 0);
	walk_probes(&sc, con, 1);
	print_message(
	    "inclusion: %u files in %u dirs, %u valid, %u rejected, %u rejected for a bad hash length, "
	    "%u proofs regenerated\n",
	    si.files, si.dirs, si.valid_ok, si.rejected, si.rejected_decode, si.proofs_compared);
	print_message(
	    "consistency: %u files in %u dirs, %u valid, %u rejected, %u rejected for a bad hash length, "
	    "%u proofs regenerated\n",
	    sc.files, sc.dirs, sc.valid_ok, sc.rejected, sc.rejected_decode, sc.proofs_compared);
	/* Every file found was judged, and all of the copied set was found. */
	assert_int_equal(si.valid_ok + si.rejected + si.rejected_decode, si.files);
	assert_int_equal(sc.valid_ok + sc.rejected + sc.rejected_decode, sc.files);
	assert_int_equal(si.files, 98);
	assert_int_equal(sc.files, 98);
	/* inclusion/{0..4,single-entry,additional/{0..3}} plus the two roots. */
	assert_int_equal(si.dirs, 12);
	assert_int_equal(sc.dirs, 7);
	/*
	 * Only inclusion/single-entry/empty-root-and-leaf.json (leaf and root
	 * both "") passes the verifier once padded; its hashes are not 32 bytes.
	 */
	assert_int_equal(si.rejected_decode, 1);
	assert_int_equal(sc.rejected_decode, 0);
	assert_true(si.proofs_compared >= 5);
	assert_true(sc.proofs_compared >= 4);
	free(inc);
	free(con);
	free(base);
}

/* ---- randomized comparison with the reference ------------------------ */

static void check_inclusion(size_t index, size_t size)
{
	qp_merkle_proof mine, ref = {0};
	unsigned char root[32];
	mem.limit = size;
	assert_int_equal(qp_merkle_inclusion_proof(&mine, index, size, mem_get, &mem), QP_OK);
	ref_path(&ref, index, (const unsigned char(*)[32])leaves, size);
	assert_proof_equal(&mine, &ref, "inclusion", index, size);
	ref_mth(root, (const unsigned char(*)[32])leaves, size);
	if (qp_merkle_verify_inclusion(leaves[index], index, size, &mine, root) != QP_OK)
		fail_msg("inclusion (%zu, %zu) does not verify: %s", index, size, qp_error_last()->message);
}

static void check_consistency(size_t size1, size_t size2)
{
	qp_merkle_proof mine, ref = {0};
	unsigned char root1[32], root2[32];
	mem.limit = size2;
	assert_int_equal(qp_merkle_consistency_proof(&mine, size1, size2, mem_get, &mem), QP_OK);
	ref_subproof(&ref, size1, (const unsigned char(*)[32])leaves, size2, 1);
	assert_proof_equal(&mine, &ref, "consistency", size1, size2);
	ref_mth(root1, (const unsigned char(*)[32])leaves, size1);
	ref_mth(root2, (const unsigned char(*)[32])leaves, size2);
	if (qp_merkle_verify_consistency(size1, size2, root1, root2, &mine) != QP_OK)
		fail_msg("consistency (%zu, %zu) does not verify: %s", size1, size2,
			 qp_error_last()->message);
}

static void test_random_against_reference(void **state)
{
	rng_state = 20261128UL;
	build_random_tree(REF_MAX_LEAVES);
	/* 1000 leaves: every complete subtree stored exactly once. */
	assert_int_equal(mem.puts, 2 * REF_MAX_LEAVES - (unsigned long)__builtin_popcount(REF_MAX_LEAVES));

	for (size_t size = 0; size <= REF_MAX_LEAVES; size++) {
		unsigned char mine[32], ref[32];
		mem.limit = size;
		assert_int_equal(qp_merkle_root(mine, size, mem_get, &mem), QP_OK);
		ref_mth(ref, (const unsigned char(*)[32])leaves, size);
		if (memcmp(mine, ref, 32) != 0)
			fail_msg("root of size %zu differs from the reference", size);
	}
	/* Small trees exhaustively, then random pairs up to 1000. */
	unsigned pairs = 0;
	for (size_t size = 1; size <= 64; size++)
		for (size_t i = 0; i < size; i++, pairs++)
			check_inclusion(i, size);
	for (int t = 0; t < 400; t++, pairs++) {
		size_t size = 1 + (size_t)rnd(REF_MAX_LEAVES);
		check_inclusion((size_t)rnd(size), size);
	}
	check_inclusion(0, REF_MAX_LEAVES);
	check_inclusion(REF_MAX_LEAVES - 1, REF_MAX_LEAVES);
	for (size_t size2 = 1; size2 <= 64; size2++)
		for (size_t size1 = 1; size1 <= size2; size1++, pairs++)
			check_consistency(size1, size2);
	for (int t = 0; t < 400; t++, pairs++) {
		size_t size2 = 1 + (size_t)rnd(REF_MAX_LEAVES);
		check_consistency(1 + (size_t)rnd(size2), size2);
	}
	check_consistency(1, REF_MAX_LEAVES);
	check_consistency(REF_MAX_LEAVES - 1, REF_MAX_LEAVES);
	check_consistency(512, REF_MAX_LEAVES);
	print_message("%u proofs compared with the reference and verified\n", pairs);
}

/* ---- negative verification ------------------------------------------ */

#define expect_verify_fail(rc, needle) verify_fail_at((rc), (needle), __LINE__)
static void verify_fail_at(int rc, const char *needle, int line)
{
	if (rc != QP_EVERIFY)
		fail_msg("line %d: got %d, expected QP_EVERIFY", line, rc);
	tu_assert_error_contains(needle, __FILE__, line);
}

static void test_inclusion_tampered(void **state)
{
	rng_state = 7;
	build_random_tree(16);
	const size_t index = 5, size = 13;
	qp_merkle_proof good, p;
	unsigned char root[32], bad_root[32];
	assert_int_equal(qp_merkle_inclusion_proof(&good, index, size, mem_get, &mem), QP_OK);
	assert_int_equal(good.len, 4);
	ref_mth(root, (const unsigned char(*)[32])leaves, size);
	assert_int_equal(qp_merkle_verify_inclusion(leaves[index], index, size, &good, root), QP_OK);

	/* Every single-bit flip in any proof hash is caught. */
	for (size_t h = 0; h < good.len; h++)
		for (int bit = 0; bit < 256; bit += 37) {
			p = good;
			p.hash[h][bit / 8] ^= (unsigned char)(1u << (bit % 8));
			expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index, size, &p, root),
					   "calculated root differs");
		}
	/* A missing and an extra hash. */
	p = good;
	p.len--;
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index, size, &p, root),
			   "inclusion proof has 3 hashes, expected 4");
	p = good;
	memcpy(p.hash[p.len++], root, 32);
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index, size, &p, root),
			   "inclusion proof has 5 hashes, expected 4");
	p = good;
	p.len = 0;
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index, size, &p, root),
			   "has 0 hashes, expected 4");
	p.len = QP_MERKLE_MAX_PROOF + 1;
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index, size, &p, root),
			   "more than the maximum 128");
	/* Wrong leaf, root, index and size. */
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index + 1], index, size, &good, root),
			   "calculated root differs");
	memcpy(bad_root, root, 32);
	bad_root[31] ^= 1;
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index, size, &good, bad_root),
			   "calculated root differs");
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index - 1, size, &good, root),
			   "calculated root differs");
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index + 1, size, &good, root),
			   "calculated root differs");
	/*
	 * Wrong size.  A proof does not bind the size by itself (leaf 5 has the
	 * same path in every tree of 9..16 leaves); the checkpoint binds size
	 * and root.  So claim each other size with that size's genuine root.
	 */
	for (size_t other = 1; other <= 16; other++) {
		if (other == size)
			continue;
		unsigned char other_root[32];
		ref_mth(other_root, (const unsigned char(*)[32])leaves, other);
		assert_int_equal(qp_merkle_verify_inclusion(leaves[index], index, other, &good, other_root),
				 QP_EVERIFY);
	}
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], index, 8, &good, root),
			   "inclusion proof has 4 hashes, expected 3");
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[index], 13, size, &good, root),
			   "index 13 is beyond tree size 13");
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[0], 0, 0, &good, root),
			   "index 0 is beyond tree size 0");
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[0], UINT64_MAX, 8, &good, root),
			   "index 18446744073709551615 is beyond tree size 8");
	/* The empty proof of a one-leaf tree. */
	p.len = 0;
	assert_int_equal(qp_merkle_verify_inclusion(leaves[0], 0, 1, &p, leaves[0]), QP_OK);
	expect_verify_fail(qp_merkle_verify_inclusion(leaves[0], 0, 1, &p, leaves[1]),
			   "calculated root differs");
	/* Malformed calls. */
	assert_int_equal(qp_merkle_verify_inclusion(NULL, 0, 1, &p, root), QP_EUSAGE);
	assert_int_equal(qp_merkle_verify_inclusion(root, 0, 1, NULL, root), QP_EUSAGE);
	assert_int_equal(qp_merkle_verify_inclusion(root, 0, 1, &p, NULL), QP_EUSAGE);
}

static void test_consistency_tampered(void **state)
{
	rng_state = 8;
	build_random_tree(16);
	const size_t size1 = 6, size2 = 13;
	qp_merkle_proof good, p;
	unsigned char root1[32], root2[32], bad[32];
	assert_int_equal(qp_merkle_consistency_proof(&good, size1, size2, mem_get, &mem), QP_OK);
	ref_mth(root1, (const unsigned char(*)[32])leaves, size1);
	ref_mth(root2, (const unsigned char(*)[32])leaves, size2);
	assert_int_equal(good.len, 4);
	assert_int_equal(qp_merkle_verify_consistency(size1, size2, root1, root2, &good), QP_OK);

	for (size_t h = 0; h < good.len; h++)
		for (int bit = 0; bit < 256; bit += 41) {
			p = good;
			p.hash[h][bit / 8] ^= (unsigned char)(1u << (bit % 8));
			expect_verify_fail(qp_merkle_verify_consistency(size1, size2, root1, root2, &p),
					   "differs");
		}
	p = good;
	p.len--;
	expect_verify_fail(qp_merkle_verify_consistency(size1, size2, root1, root2, &p),
			   "consistency proof has 3 hashes, expected 4");
	p = good;
	memcpy(p.hash[p.len++], root2, 32);
	expect_verify_fail(qp_merkle_verify_consistency(size1, size2, root1, root2, &p),
			   "consistency proof has 5 hashes, expected 4");
	p.len = 0;
	expect_verify_fail(qp_merkle_verify_consistency(size1, size2, root1, root2, &p),
			   "consistency proof is empty, expected 4");
	p.len = QP_MERKLE_MAX_PROOF + 1;
	expect_verify_fail(qp_merkle_verify_consistency(size1, size2, root1, root2, &p),
			   "more than the maximum");

	memcpy(bad, root1, 32);
	bad[0] ^= 0x80;
	expect_verify_fail(qp_merkle_verify_consistency(size1, size2, bad, root2, &good),
			   "calculated root of size 6 differs from root1");
	memcpy(bad, root2, 32);
	bad[0] ^= 0x80;
	expect_verify_fail(qp_merkle_verify_consistency(size1, size2, root1, bad, &good),
			   "calculated root of size 13 differs from root2");
	expect_verify_fail(qp_merkle_verify_consistency(size1, size2, root2, root1, &good),
			   "differs from root1");
	/* Wrong sizes, each claimed with its genuine root. */
	for (size_t o1 = 1; o1 <= 16; o1++)
		for (size_t o2 = o1; o2 <= 16; o2++) {
			if (o1 == size1 && o2 == size2)
				continue;
			unsigned char r1[32], r2[32];
			ref_mth(r1, (const unsigned char(*)[32])leaves, o1);
			ref_mth(r2, (const unsigned char(*)[32])leaves, o2);
			assert_int_equal(qp_merkle_verify_consistency(o1, o2, r1, r2, &good), QP_EVERIFY);
		}
	expect_verify_fail(qp_merkle_verify_consistency(size1 + 1, size2, root1, root2, &good), "");
	expect_verify_fail(qp_merkle_verify_consistency(size2, size1, root1, root2, &good),
			   "size1 13 is greater than size2 6");
	/* Equal sizes, size 0. */
	p.len = 0;
	assert_int_equal(qp_merkle_verify_consistency(size2, size2, root2, root2, &p), QP_OK);
	expect_verify_fail(qp_merkle_verify_consistency(size2, size2, root1, root2, &p), "roots differ");
	expect_verify_fail(qp_merkle_verify_consistency(size2, size2, root2, root2, &good),
			   "has 4 hashes, expected none");
	unsigned char empty[32];
	crypto_hash_sha256(empty, (const unsigned char *)"", 0);
	expect_verify_fail(qp_merkle_verify_consistency(0, 0, empty, empty, &p), "empty tree");
	expect_verify_fail(qp_merkle_verify_consistency(0, size2, empty, root2, &p), "empty tree");
	/* Malformed calls. */
	assert_int_equal(qp_merkle_verify_consistency(1, 2, NULL, root2, &p), QP_EUSAGE);
	assert_int_equal(qp_merkle_verify_consistency(1, 2, root1, NULL, &p), QP_EUSAGE);
	assert_int_equal(qp_merkle_verify_consistency(1, 2, root1, root2, NULL), QP_EUSAGE);
}

static void test_generation_usage(void **state)
{
	qp_merkle_proof p;
	unsigned char root[32];
	rng_state = 9;
	build_random_tree(10);
	p.len = 99;
	assert_int_equal(qp_merkle_inclusion_proof(&p, 10, 10, mem_get, &mem), QP_EUSAGE);
	assert_error_contains("index 10 is beyond tree size 10");
	assert_int_equal(p.len, 0);
	assert_int_equal(qp_merkle_inclusion_proof(&p, 0, 0, mem_get, &mem), QP_EUSAGE);
	assert_int_equal(qp_merkle_consistency_proof(&p, 11, 10, mem_get, &mem), QP_EUSAGE);
	assert_error_contains("size1 11 is greater than size2 10");
	assert_int_equal(qp_merkle_consistency_proof(&p, 0, 10, mem_get, &mem), QP_EUSAGE);
	assert_error_contains("empty tree");
	assert_int_equal(qp_merkle_consistency_proof(&p, 0, 0, mem_get, &mem), QP_EUSAGE);
	/* Equal sizes: the empty proof, and no reads. */
	mem.gets = 0;
	p.len = 99;
	assert_int_equal(qp_merkle_consistency_proof(&p, 10, 10, mem_get, &mem), QP_OK);
	assert_int_equal(p.len, 0);
	assert_int_equal(mem.gets, 0);
	/* Size 0 root without reads; a one-leaf tree's proof is empty. */
	assert_int_equal(qp_merkle_root(root, 0, mem_get, &mem), QP_OK);
	assert_int_equal(mem.gets, 0);
	assert_int_equal(qp_merkle_inclusion_proof(&p, 0, 1, mem_get, &mem), QP_OK);
	assert_int_equal(p.len, 0);
	/* Missing arguments. */
	assert_int_equal(qp_merkle_inclusion_proof(NULL, 0, 1, mem_get, &mem), QP_EUSAGE);
	assert_int_equal(qp_merkle_inclusion_proof(&p, 0, 1, NULL, &mem), QP_EUSAGE);
	assert_int_equal(qp_merkle_consistency_proof(NULL, 1, 2, mem_get, &mem), QP_EUSAGE);
	assert_int_equal(qp_merkle_root(NULL, 1, mem_get, &mem), QP_EUSAGE);
	assert_int_equal(qp_merkle_root(root, 1, NULL, &mem), QP_EUSAGE);
	assert_int_equal(qp_merkle_append(10, root, mem_get, NULL, &mem), QP_EUSAGE);
	assert_int_equal(qp_merkle_append(10, NULL, mem_get, mem_put, &mem), QP_EUSAGE);
}

/* ---- O(log n) reads on a synthetic million-leaf store ----------------- */

struct synth {
	uint64_t size;
	unsigned long gets;
};

/* Returns a value derived from (level, index): nothing is computed or stored. */
static int synth_get(void *ctx, unsigned level, uint64_t index, unsigned char out[QP_HASH_LEN])
{
	struct synth *s = ctx;
	s->gets++;
	if (level >= 64 || index > (s->size >> level) - 1 || (s->size >> level) == 0)
		fail_msg("synthetic get of subtree (%u, %" PRIu64 ") outside the tree of size %" PRIu64,
			 level, index, s->size);
	memset(out, 0, QP_HASH_LEN);
	out[0] = (unsigned char)level;
	memcpy(out + 1, &index, sizeof(index));
	return QP_OK;
}

static unsigned ceil_log2(uint64_t n)
{
	unsigned b = 0;
	while (b < 64 && ((uint64_t)1 << b) < n)
		b++;
	return b;
}

static void test_read_bound(void **state)
{
	static const uint64_t sizes[] = {
	    1000000, 1048575, 1048577, 999999, 1099511627775ULL + 12345, (UINT64_C(1) << 62) - 1};
	qp_merkle_proof p;
	unsigned char root[32];
	unsigned long worst = 0, calls = 0;
	rng_state = 42;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint64_t n = sizes[s];
		const unsigned long bound = 2ul * ceil_log2(n) + 2;
		struct synth sy = {n, 0};

		assert_int_equal(qp_merkle_root(root, n, synth_get, &sy), QP_OK);
		assert_true(sy.gets <= bound);
		for (int t = 0; t < 300; t++) {
			uint64_t index = t == 0 ? 0 : t == 1 ? n - 1 : t == 2 ? n / 2 : rnd(n);
			sy.gets = 0;
			assert_int_equal(qp_merkle_inclusion_proof(&p, index, n, synth_get, &sy), QP_OK);
			if (sy.gets > bound)
				fail_msg("inclusion (%" PRIu64 ", %" PRIu64 "): %lu reads, bound %lu", index,
					 n, sy.gets, bound);
			worst = sy.gets > worst ? sy.gets : worst;
			calls++;

			uint64_t size1 = t == 0 ? 1 : t == 1 ? n - 1 : t == 2 ? n / 2 : 1 + rnd(n);
			/* Check against the smaller tree's bound too: reads stay inside size2. */
			sy.gets = 0;
			assert_int_equal(qp_merkle_consistency_proof(&p, size1, n, synth_get, &sy), QP_OK);
			if (sy.gets > bound)
				fail_msg("consistency (%" PRIu64 ", %" PRIu64 "): %lu reads, bound %lu",
					 size1, n, sy.gets, bound);
			worst = sy.gets > worst ? sy.gets : worst;
			calls++;
		}
	}
	/* The worst shape for a right-edge sibling: size 2^20 - 1, leaf 0. */
	struct synth sy = {1048575, 0};
	assert_int_equal(qp_merkle_inclusion_proof(&p, 0, sy.size, synth_get, &sy), QP_OK);
	assert_true(sy.gets <= 2 * 20 + 2);
	print_message("%lu proofs on synthetic trees, worst %lu reads\n", calls, worst);
}

/* ---- error propagation ----------------------------------------------- */

static int bad_get(void *ctx, unsigned level, uint64_t index, unsigned char out[QP_HASH_LEN])
{
	return 1; /* breaks the contract: positive */
}

static int any_put(void *ctx, unsigned level, uint64_t index, const unsigned char hash[QP_HASH_LEN])
{
	return QP_OK;
}

static int bad_put(void *ctx, unsigned level, uint64_t index, const unsigned char hash[QP_HASH_LEN])
{
	return 1;
}

static void test_error_propagation(void **state)
{
	qp_merkle_proof p;
	unsigned char root[32];
	rng_state = 10;
	build_random_tree(103);
	mem.fail_code = QP_EIO;

	/* Fail each read of each operation in turn: the code comes back unchanged. */
	for (int op = 0; op < 3; op++) {
		unsigned long n;
		for (n = 1;; n++) {
			mem.gets = 0;
			mem.fail_get_at = n;
			mem.limit = 100;
			int rc = op == 0   ? qp_merkle_root(root, 99, mem_get, &mem)
				 : op == 1 ? qp_merkle_inclusion_proof(&p, 37, 99, mem_get, &mem)
					   : qp_merkle_consistency_proof(&p, 37, 99, mem_get, &mem);
			if (rc == QP_OK)
				break;
			assert_int_equal(rc, QP_EIO);
			if (op > 0)
				assert_int_equal(p.len, 0);
		}
		assert_true(n > 2);
	}
	mem.fail_get_at = 0;

	/*
	 * append: leaf 103 completes (1, 51), (2, 25) and (3, 12), reading
	 * (0, 102), (1, 50) and (2, 24); fail each read and each write.
	 */
	unsigned char leaf[32];
	ref_leaf(leaf, "x", 1);
	mem.limit = UINT64_MAX;
	for (int what = 0; what < 2; what++)
		for (unsigned long n = 1; n <= (what == 0 ? 3u : 4u); n++) {
			mem.gets = mem.puts = 0;
			mem.fail_get_at = what == 0 ? n : 0;
			mem.fail_put_at = what == 1 ? n : 0;
			assert_int_equal(qp_merkle_append(103, leaf, mem_get, mem_put, &mem), QP_EIO);
			assert_int_equal(what == 0 ? mem.gets : mem.puts, n);
			mem.have[0][103] = mem.have[1][51] = mem.have[2][25] = mem.have[3][12] = 0;
		}
	mem.fail_get_at = mem.fail_put_at = 0;
	assert_int_equal(qp_merkle_append(103, leaf, mem_get, mem_put, &mem), QP_OK);
	assert_true(mem.have[3][12]);

	/* A callback that returns a positive value is a bug, reported as such. */
	assert_int_equal(qp_merkle_root(root, 5, bad_get, NULL), QP_EINTERNAL);
	assert_error_contains("get callback returned 1");
	assert_int_equal(qp_merkle_inclusion_proof(&p, 1, 5, bad_get, NULL), QP_EINTERNAL);
	assert_int_equal(qp_merkle_consistency_proof(&p, 1, 5, bad_get, NULL), QP_EINTERNAL);
	assert_int_equal(qp_merkle_append(1, leaf, bad_get, any_put, NULL), QP_EINTERNAL);
	assert_int_equal(qp_merkle_append(0, leaf, bad_get, bad_put, NULL), QP_EINTERNAL);
	assert_error_contains("put callback returned 1");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hashes),
	    cmocka_unit_test(test_reference_roots),
	    cmocka_unit_test(test_probes),
	    cmocka_unit_test(test_random_against_reference),
	    cmocka_unit_test(test_inclusion_tampered),
	    cmocka_unit_test(test_consistency_tampered),
	    cmocka_unit_test(test_generation_usage),
	    cmocka_unit_test(test_read_bound),
	    cmocka_unit_test(test_error_propagation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
