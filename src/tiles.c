/*
 * tiles.c - the log as c2sp.org/tlog-tiles: tile paths, tile contents
 * from the stored tree and log, and a static copy of the whole log.
 *
 * The stored tree keeps every complete subtree's hash by (level, idx), so
 * a hash tile of level L is a run of stored nodes of tree level 8*L; an
 * entry bundle is a run of entries, as signed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "file.h"
#include "quanpiao/cosign.h"
#include "quanpiao/log.h"
#include "quanpiao/tiles.h"
#include "registry_internal.h"
#include "store_log.h"
#include "store_witness.h"

/* ---- paths ------------------------------------------------------------------------------- */

/* Parse one decimal number of exactly len digits (len 1 to 3 for groups, 1 to 3 for W). */
static int digits(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 1;
}

int qp_tile_parse_path(qp_tile *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	if (path == NULL || strncmp(path, "tile/", 5) != 0)
		return qp_error_set(QP_EINVALID, "tile path: must start with tile/");
	const char *p = path + 5;
	if (strncmp(p, "entries/", 8) == 0) {
		out->level = QP_TILE_ENTRIES;
		p += 8;
	} else {
		/* The level: 0 to 63, no leading zero. */
		const char *slash = strchr(p, '/');
		uint64_t level = 0;
		size_t n = slash ? (size_t)(slash - p) : 0;
		if (n == 0 || n > 2 || (n == 2 && p[0] == '0') || !digits(p, n, &level) ||
		    level > QP_TILE_LEVEL_MAX)
			return qp_error_set(QP_EINVALID, "tile path: the level must be a number from 0 to %d",
					    QP_TILE_LEVEL_MAX);
		out->level = (int)level;
		p = slash + 1;
	}
	/* N: "x" groups of three digits, then a last group of three. */
	uint64_t index = 0;
	int groups = 0;
	for (;;) {
		int more = *p == 'x';
		uint64_t g;
		if (more)
			p++;
		if (!digits(p, 3, &g) || (more ? p[3] != '/' : (p[3] != '\0' && p[3] != '.')))
			return qp_error_set(QP_EINVALID,
					    "tile path: the index must be groups of three digits, all but the "
					    "last starting with x (x001/x234/067)");
		if (++groups > 7 || index > (UINT64_MAX - g) / 1000)
			return qp_error_set(QP_EINVALID, "tile path: the index is too large");
		index = index * 1000 + g;
		p += 3;
		if (!more)
			break;
		p++; /* the slash */
	}
	out->index = index;
	out->width = QP_TILE_WIDTH;
	if (*p == '\0')
		return QP_OK;
	uint64_t w = 0;
	size_t n = strlen(p + 3);
	if (strncmp(p, ".p/", 3) != 0 || n == 0 || n > 3 || p[3] == '0' || !digits(p + 3, n, &w) ||
	    w >= QP_TILE_WIDTH)
		return qp_error_set(QP_EINVALID, "tile path: a partial tile ends in .p/<W>, W from 1 to %d",
				    QP_TILE_WIDTH - 1);
	out->width = (unsigned)w;
	return QP_OK;
}

int qp_tile_path(char *buf, size_t buf_len, const qp_tile *t)
{
	if (buf == NULL || buf_len < QP_TILE_PATH_MAX || t == NULL)
		return qp_error_set(QP_EUSAGE, "qp_tile_path: needs a buffer of %d bytes and a tile",
				    QP_TILE_PATH_MAX);
	if (t->level < QP_TILE_ENTRIES || t->level > QP_TILE_LEVEL_MAX || t->width < 1 || t->width > QP_TILE_WIDTH)
		return qp_error_set(QP_EINVALID, "not a tile: level %d, width %u", t->level, t->width);
	char groups[8][4];
	int n = 0;
	uint64_t v = t->index;
	do {
		snprintf(groups[n++], sizeof(groups[0]), "%03u", (unsigned)(v % 1000));
		v /= 1000;
	} while (v > 0);
	size_t used = 0;
	if (t->level == QP_TILE_ENTRIES)
		used = (size_t)snprintf(buf, buf_len, "tile/entries/");
	else
		used = (size_t)snprintf(buf, buf_len, "tile/%d/", t->level);
	while (n-- > 0)
		used += (size_t)snprintf(buf + used, buf_len - used, "%s%s%s", n > 0 ? "x" : "", groups[n],
					 n > 0 ? "/" : "");
	if (t->width < QP_TILE_WIDTH)
		snprintf(buf + used, buf_len - used, ".p/%u", t->width);
	return QP_OK;
}

/* ---- contents ---------------------------------------------------------------------------- */

/* How many hashes (or entries) the level has in a tree of size entries. */
static uint64_t level_count(int level, uint64_t size)
{
	if (level == QP_TILE_ENTRIES || level == 0)
		return size;
	unsigned shift = (unsigned)level * QP_TILE_HEIGHT;
	return shift >= 64 ? 0 : size >> shift;
}

struct bundle {
	unsigned char *buf;
	size_t len;
};

static int add_entry(void *ctx, const qp_log_item *item)
{
	struct bundle *b = ctx;
	if (item->note_len > QP_TILE_ENTRY_MAX)
		return qp_error_set(QP_EINVALID,
				    "entry %llu has %zu bytes, more than the %u an entry bundle can hold",
				    (unsigned long long)item->index, item->note_len, QP_TILE_ENTRY_MAX);
	b->buf[b->len++] = (unsigned char)(item->note_len >> 8);
	b->buf[b->len++] = (unsigned char)item->note_len;
	memcpy(b->buf + b->len, item->note, item->note_len);
	b->len += item->note_len;
	return QP_OK;
}

static int tile_read(unsigned char **out, size_t *out_len, qp_registry *reg, const qp_tile *t, uint64_t size)
{
	*out = NULL;
	*out_len = 0;
	uint64_t n = 0;
	int err = qp_log_size(&n, reg);
	if (err != QP_OK)
		return err;
	if (size > n)
		return qp_error_set(QP_EINVALID, "size %llu is beyond the log's %llu entries",
				    (unsigned long long)size, (unsigned long long)n);
	if (t->level < QP_TILE_ENTRIES || t->level > QP_TILE_LEVEL_MAX || t->width < 1 || t->width > QP_TILE_WIDTH ||
	    t->index > (UINT64_MAX - QP_TILE_WIDTH) / QP_TILE_WIDTH)
		return qp_error_set(QP_EINVALID, "not a tile: level %d, width %u", t->level, t->width);
	uint64_t first = t->index * QP_TILE_WIDTH;
	if (first + t->width > level_count(t->level, size))
		return qp_error_set(QP_ENOTFOUND, "the tree of %llu entries has no such tile",
				    (unsigned long long)size);
	if (t->level == QP_TILE_ENTRIES) {
		struct bundle b = {qp_malloc((size_t)t->width * (2 + QP_TILE_ENTRY_MAX)), 0};
		if (b.buf == NULL)
			return QP_ENOMEM;
		if ((err = qp_log_entries(reg, first, first + t->width, add_entry, &b)) != QP_OK) {
			qp_free(b.buf);
			return err;
		}
		unsigned char *shrunk = qp_realloc(b.buf, b.len ? b.len : 1);
		if (shrunk == NULL) {
			qp_free(b.buf);
			return QP_ENOMEM;
		}
		*out = shrunk;
		*out_len = b.len;
		return QP_OK;
	}
	unsigned char *buf = qp_malloc((size_t)t->width * QP_HASH_LEN);
	if (buf == NULL)
		return QP_ENOMEM;
	for (unsigned i = 0; i < t->width; i++) {
		if ((err = qp_store_node_get(reg->store, (unsigned)t->level * QP_TILE_HEIGHT, first + i,
					     buf + (size_t)i * QP_HASH_LEN)) != QP_OK) {
			qp_free(buf);
			return err == QP_ENOTFOUND ? qp_error_set(QP_ECORRUPT, "the stored tree lacks a node of "
									     "level %d, a damaged registry",
								  t->level * QP_TILE_HEIGHT)
						   : err;
		}
	}
	*out = buf;
	*out_len = (size_t)t->width * QP_HASH_LEN;
	return QP_OK;
}

/* A tile reads up to 256 nodes or entries: in one read transaction (one snapshot, one lock). */
int qp_tile_read(unsigned char **out, size_t *out_len, qp_registry *reg, const qp_tile *t, uint64_t size)
{
	int started = 0, err = qp_store_snapshot_begin(reg->store, &started);
	if (err == QP_OK)
		err = tile_read(out, out_len, reg, t, size);
	qp_store_snapshot_end(reg->store, started);
	return err;
}

/* ---- a static copy ----------------------------------------------------------------------- */

/* mkdir -p of the directories in path (up to its last slash). */
static int make_parents(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		int bad = mkdir(path, 0755) != 0 && errno != EEXIST;
		*p = '/';
		if (bad)
			return qp_error_set(QP_EIO, "%s: cannot create the directory: %s", path, strerror(errno));
	}
	return QP_OK;
}

/* Write tile t of the tree of size into dir, unless it is full and already there. */
static int write_tile(qp_tiles_stats *st, qp_registry *reg, const char *dir, const qp_tile *t, uint64_t size)
{
	char rel[QP_TILE_PATH_MAX], path[4200];
	struct stat sb;
	int err = qp_tile_path(rel, sizeof(rel), t);
	if (err != QP_OK)
		return err;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path))
		return qp_error_set(QP_EINVALID, "%s: the path is too long", dir);
	/* A full hash tile has a known size; a full entry bundle is trusted if it is not empty. */
	if (t->width == QP_TILE_WIDTH && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (t->level == QP_TILE_ENTRIES ? sb.st_size > 0 : sb.st_size == QP_TILE_WIDTH * QP_HASH_LEN)) {
		st->kept++;
		return QP_OK;
	}
	unsigned char *data = NULL;
	size_t len = 0;
	if ((err = qp_tile_read(&data, &len, reg, t, size)) != QP_OK)
		return err;
	if ((err = make_parents(path)) == QP_OK && (err = qp_file_write(path, data, len, 0644, 0)) == QP_OK) {
		st->written++;
		st->bytes += len;
		if (t->width < QP_TILE_WIDTH)
			st->partial++;
	}
	qp_free(data);
	return err;
}

int qp_tiles_write(qp_tiles_stats *out, qp_registry *reg, const char *dir,
		   void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	return qp_tiles_write_at(out, reg, dir, QP_LOG_LATEST, progress, ctx);
}

int qp_tiles_write_at(qp_tiles_stats *out, qp_registry *reg, const char *dir, uint64_t at,
		      void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	qp_tiles_stats st;
	memset(&st, 0, sizeof(st));
	if (out)
		memset(out, 0, sizeof(*out));
	if (dir == NULL || dir[0] == '\0')
		return qp_error_set(QP_EUSAGE, "qp_tiles_write: needs a directory");
	char *note = NULL;
	size_t note_len = 0;
	uint64_t size = 0;
	int err = qp_log_checkpoint_cosigned(&note, &note_len, &size, NULL, reg, at);
	if (err == QP_ENOTFOUND && at != QP_LOG_LATEST)
		err = qp_error_set(QP_ENOTFOUND, "no checkpoint of size %llu is signed",
				   (unsigned long long)at);
	if (err != QP_OK)
		return err;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		err = qp_error_set(QP_EIO, "%s: cannot create the directory: %s", dir, strerror(errno));
		goto done;
	}
	st.size = size;
	/* Every tile of every level, entry bundles first. */
	uint64_t total = 0, done_n = 0;
	for (int level = QP_TILE_ENTRIES; level <= QP_TILE_LEVEL_MAX && level_count(level, size) > 0; level++)
		total += (level_count(level, size) + QP_TILE_WIDTH - 1) / QP_TILE_WIDTH;
	for (int level = QP_TILE_ENTRIES; err == QP_OK && level <= QP_TILE_LEVEL_MAX; level++) {
		uint64_t count = level_count(level, size);
		if (count == 0)
			break;
		for (uint64_t n = 0; err == QP_OK && n * QP_TILE_WIDTH < count; n++) {
			uint64_t left = count - n * QP_TILE_WIDTH;
			qp_tile t = {level, n, left >= QP_TILE_WIDTH ? QP_TILE_WIDTH : (unsigned)left};
			err = write_tile(&st, reg, dir, &t, size);
			if (progress && (++done_n % 256 == 0 || done_n == total))
				progress(ctx, done_n, total);
		}
	}
	if (err == QP_OK) {
		char path[4200];
		if ((size_t)snprintf(path, sizeof(path), "%s/checkpoint", dir) >= sizeof(path))
			err = qp_error_set(QP_EINVALID, "%s: the path is too long", dir);
		else
			err = qp_file_write(path, note, note_len, 0644, 0);
	}
	if (err == QP_OK && out)
		*out = st;
done:
	free(note);
	return err;
}
