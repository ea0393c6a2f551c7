/*
 * test_tiles.c - the log as c2sp.org/tlog-tiles (quanpiao/tiles.h): tile
 * paths, tile contents against the stored tree and log, and the static
 * copy of the log.  Go's x/mod tlog reads the same tiles in cli_conformance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "quanpiao/cosign.h"
#include "quanpiao/error.h"
#include "quanpiao/log.h"
#include "quanpiao/merkle.h"
#include "quanpiao/registry.h"
#include "quanpiao/tiles.h"
#include "clock.h"
#include "entry.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define T0     1795000000

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *log, *officer;
	qp_registry *reg;
} fx;

/* n village.add entries, numbered from first (200 villages to a town). */
static void villages(fx *f, int first, int n)
{
	for (int i = first; i < first + n; i++) {
		char body[128];
		snprintf(body, sizeof(body), "{\"code\":\"330681%03d%03d\",\"name\":\"村%d\"}", 101 + i / 200,
			 200 + i % 200, i);
		if (qp_registry_submit(f->reg, f->officer, "village.add", body, NULL) != QP_OK)
			fail_msg("village.add %d: %s", i, qp_error_last()->message);
	}
}

static void sign(fx *f)
{
	char *note = NULL;
	size_t len = 0;
	assert_int_equal(qp_log_sign(&note, &len, f->reg, f->log), QP_OK);
	free(note);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->authority = tu_seeded_key("330681.authority", 1);
	f->log = tu_seeded_key(ORIGIN, 2);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, f->log);
	tu_enroll(f->reg, f->authority, f->officer, "officer");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_clock_set(0);
	qp_registry_free(f->reg);
	qp_key_free(f->authority);
	qp_key_free(f->log);
	qp_key_free(f->officer);
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* ---- paths ------------------------------------------------------------------------------- */

static void test_paths(void **state)
{
	(void)state;
	static const struct {
		int level;
		uint64_t index;
		unsigned width;
		const char *path;
	} good[] = {
	    {0, 0, 256, "tile/0/000"},
	    {0, 1234067, 256, "tile/0/x001/x234/067"},
	    {1, 1234067, 8, "tile/1/x001/x234/067.p/8"},
	    {63, 999, 255, "tile/63/999.p/255"},
	    {QP_TILE_ENTRIES, 5, 1, "tile/entries/005.p/1"},
	    {QP_TILE_ENTRIES, 1000, 256, "tile/entries/x001/000"},
	    {2, UINT64_MAX / 256, 256, "tile/2/x072/x057/x594/x037/x927/935"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		qp_tile t;
		char buf[QP_TILE_PATH_MAX];
		assert_int_equal(qp_tile_parse_path(&t, good[i].path), QP_OK);
		assert_int_equal(t.level, good[i].level);
		assert_true(t.index == good[i].index);
		assert_int_equal(t.width, good[i].width);
		assert_int_equal(qp_tile_path(buf, sizeof(buf), &t), QP_OK);
		assert_string_equal(buf, good[i].path);
	}
	/* Only the canonical spelling. */
	static const char *bad[] = {
	    "",
	    "tile/",
	    "/tile/0/000",
	    "tiles/0/000",
	    "tile/00/000",
	    "tile/64/000",
	    "tile/-1/000",
	    "tile/0/00",
	    "tile/0/0000",
	    "tile/0/x000",
	    "tile/0/001/002",
	    "tile/0/x001",
	    "tile/0/x001/",
	    "tile/0/xx01/002",
	    "tile/0/000.p/0",
	    "tile/0/000.p/256",
	    "tile/0/000.p/007",
	    "tile/0/000.p/",
	    "tile/0/000.p/12a",
	    "tile/0/000.q/5",
	    "tile/0/000/",
	    "tile/entries/",
	    "tile/entries/12",
	    "tile/data/000",
	    "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
	    "tile/0/x018/x446/x744/x073/x709/x551/616",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		qp_tile t;
		if (qp_tile_parse_path(&t, bad[i]) != QP_EINVALID)
			fail_msg("accepted the tile path \"%s\"", bad[i]);
		assert_error_contains("tile path");
	}
	qp_tile t = {0, 0, 256};
	char small[8], buf[QP_TILE_PATH_MAX];
	assert_int_equal(qp_tile_path(small, sizeof(small), &t), QP_EUSAGE);
	t.width = 0;
	assert_int_equal(qp_tile_path(buf, sizeof(buf), &t), QP_EINVALID);
	t.width = 257;
	assert_int_equal(qp_tile_path(buf, sizeof(buf), &t), QP_EINVALID);
	t.width = 1;
	t.level = 64;
	assert_int_equal(qp_tile_path(buf, sizeof(buf), &t), QP_EINVALID);
}

/* ---- contents ---------------------------------------------------------------------------- */

/* Every hash tile matches the stored tree, and an entry bundle is the entries, length-prefixed. */
static void test_read(void **state)
{
	fx *f = *state;
	villages(f, 0, 300); /* with genesis and the enrolment: 304 entries */
	uint64_t size = tu_log_size(f->reg);
	assert_true(size == 304);
	unsigned char *data = NULL;
	size_t len = 0;

	/* Level 0: tile 0 full, tile 1 has 48 hashes; each the leaf hash of its entry. */
	qp_tile t = {0, 1, 48};
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t, size), QP_OK);
	assert_int_equal(len, 48 * QP_HASH_LEN);
	for (unsigned i = 0; i < 48; i++) {
		char *note = NULL;
		size_t note_len = 0;
		unsigned char leaf[QP_HASH_LEN];
		assert_int_equal(qp_log_entry(&note, &note_len, f->reg, 256 + i), QP_OK);
		qp_merkle_leaf_hash(leaf, note, note_len);
		assert_memory_equal(data + i * QP_HASH_LEN, leaf, QP_HASH_LEN);
		free(note);
	}
	free(data);
	/* A narrower partial tile is the prefix; a wider one is not there yet. */
	t.width = 7;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t, size), QP_OK);
	assert_int_equal(len, 7 * QP_HASH_LEN);
	free(data);
	t.width = 49;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t, size), QP_ENOTFOUND);
	assert_null(data);
	t.width = 256;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t, size), QP_ENOTFOUND);
	/* Against an older size, the tile has fewer hashes. */
	t.width = 48;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t, 300), QP_ENOTFOUND);
	t.width = 44;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t, 300), QP_OK);
	free(data);
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t, size + 1), QP_EINVALID);

	/* Level 1: one hash so far, the root of the first 256 entries. */
	qp_tile t1 = {1, 0, 1};
	unsigned char root[QP_HASH_LEN];
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t1, size), QP_OK);
	assert_int_equal(qp_log_root(root, f->reg, 256), QP_OK);
	assert_int_equal(len, QP_HASH_LEN);
	assert_memory_equal(data, root, QP_HASH_LEN);
	free(data);
	t1.width = 2;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t1, size), QP_ENOTFOUND);
	qp_tile t2 = {2, 0, 1};
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &t2, size), QP_ENOTFOUND);

	/* Entry bundle 1: entries 256..303, each after its 16-bit big-endian length. */
	qp_tile e = {QP_TILE_ENTRIES, 1, 48};
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &e, size), QP_OK);
	size_t at = 0;
	for (unsigned i = 0; i < 48; i++) {
		char *note = NULL;
		size_t note_len = 0;
		assert_int_equal(qp_log_entry(&note, &note_len, f->reg, 256 + i), QP_OK);
		assert_true(at + 2 + note_len <= len);
		assert_int_equal(((size_t)data[at] << 8) | data[at + 1], note_len);
		assert_memory_equal(data + at + 2, note, note_len);
		at += 2 + note_len;
		free(note);
	}
	assert_int_equal(at, len);
	free(data);
	e.width = 49;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &e, size), QP_ENOTFOUND);

	/* Not a tile. */
	qp_tile nt = {0, 0, 0};
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &nt, size), QP_EINVALID);
	nt.width = 1;
	nt.index = UINT64_MAX;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &nt, size), QP_EINVALID);
	nt.index = 0;
	nt.level = -2;
	assert_int_equal(qp_tile_read(&data, &len, f->reg, &nt, size), QP_EINVALID);
}

/* An entry an entry bundle cannot hold is refused when it is parsed: the limits are one. */
static void test_entry_limit(void **state)
{
	(void)state;
	assert_int_equal(QP_ENTRY_MAX_SIZE, QP_TILE_ENTRY_MAX);
	size_t len = QP_TILE_ENTRY_MAX + 1;
	char *big = malloc(len);
	assert_non_null(big);
	memset(big, 'a', len);
	qp_entry *e = NULL;
	assert_int_equal(qp_entry_parse(&e, big, len), QP_EINVALID);
	assert_error_contains("65536 bytes is more than the limit of 65535");
	assert_null(e);
	free(big);
}

/* ---- the static copy --------------------------------------------------------------------- */

static unsigned char *slurp(fx *f, const char *rel, size_t *len)
{
	char *p = tu_path(f->dir, rel);
	unsigned char *data = tu_read(p, len);
	free(p);
	return data;
}

static void test_write(void **state)
{
	fx *f = *state;
	char *out = tu_path(f->dir, "static");
	qp_tiles_stats st;
	/* Nothing signed yet. */
	assert_int_equal(qp_tiles_write(&st, f->reg, out, NULL, NULL), QP_ENOTFOUND);
	villages(f, 0, 260);
	sign(f); /* 264 entries */
	assert_int_equal(qp_tiles_write(&st, f->reg, out, NULL, NULL), QP_OK);
	assert_true(st.size == 264);
	/* entries 000 and 001.p/8, level 0 000 and 001.p/8, level 1 000.p/1 */
	assert_true(st.written == 5 && st.partial == 3 && st.kept == 0);
	size_t len = 0;
	unsigned char *cp = slurp(f, "static/checkpoint", &len);
	char *want = NULL;
	size_t want_len = 0;
	assert_int_equal(qp_log_checkpoint_cosigned(&want, &want_len, NULL, NULL, f->reg, QP_LOG_LATEST), QP_OK);
	assert_int_equal(len, want_len);
	assert_memory_equal(cp, want, len);
	free(cp);
	free(want);
	unsigned char *tile = slurp(f, "static/tile/0/001.p/8", &len);
	assert_non_null(tile);
	assert_int_equal(len, 8 * QP_HASH_LEN);
	free(tile);
	tile = slurp(f, "static/tile/1/000.p/1", &len);
	unsigned char root[QP_HASH_LEN];
	assert_int_equal(qp_log_root(root, f->reg, 256), QP_OK);
	assert_memory_equal(tile, root, QP_HASH_LEN);
	free(tile);

	/* Again after more entries: the full tiles are kept, new partial ones written, old ones stay. */
	villages(f, 260, 10);
	sign(f); /* 274 */
	assert_int_equal(qp_tiles_write(&st, f->reg, out, NULL, NULL), QP_OK);
	assert_true(st.size == 274 && st.kept == 2 && st.written == 3 && st.partial == 3);
	tile = slurp(f, "static/tile/0/001.p/18", &len);
	assert_int_equal(len, 18 * QP_HASH_LEN);
	free(tile);
	tile = slurp(f, "static/tile/0/001.p/8", &len);
	assert_non_null(tile);
	free(tile);
	/* A full tile of the wrong size is written again. */
	char *damaged = tu_path(out, "tile/0/000");
	tu_write(damaged, "short", 5);
	assert_int_equal(qp_tiles_write(&st, f->reg, out, NULL, NULL), QP_OK);
	assert_true(st.kept == 1 && st.written == 4);
	tile = tu_read(damaged, &len);
	assert_int_equal(len, 256 * QP_HASH_LEN);
	free(tile);
	free(damaged);

	/* A directory that cannot be made. */
	char *blocked = tu_path(f->dir, "file");
	tu_write(blocked, "x", 1);
	char *under = tu_path(blocked, "static");
	assert_int_equal(qp_tiles_write(&st, f->reg, under, NULL, NULL), QP_EIO);
	assert_error_contains("cannot create the directory");
	assert_int_equal(qp_tiles_write(&st, f->reg, "", NULL, NULL), QP_EUSAGE);
	free(under);
	free(blocked);
	free(out);
}

static unsigned long progress_calls;
static uint64_t progress_last, progress_total;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	progress_calls++;
	progress_last = done;
	progress_total = total;
}

static void test_write_progress(void **state)
{
	fx *f = *state;
	villages(f, 0, 20);
	sign(f);
	char *out = tu_path(f->dir, "static");
	qp_tiles_stats st;
	progress_calls = 0;
	assert_int_equal(qp_tiles_write(&st, f->reg, out, on_progress, NULL), QP_OK);
	/* 24 entries: one entry bundle and one level-0 tile; the last call says all done. */
	assert_true(progress_calls >= 1 && progress_last == 2 && progress_total == 2);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	    cmocka_unit_test(test_entry_limit),
	    cmocka_unit_test_setup_teardown(test_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_progress, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
