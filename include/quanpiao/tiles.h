/*
 * quanpiao/tiles.h - the log as static tiles (c2sp.org/tlog-tiles).
 *
 * A tile of level L is up to 256 consecutive hashes of the tree's level
 * 8*L (each the root of a complete subtree of 256^L entries); an entry
 * bundle is up to 256 consecutive entries, each prefixed with its length
 * as a big-endian 16-bit number.  Tile N of a level covers hashes (or
 * entries) [256*N, 256*N + W); a full tile has W = 256, a partial one
 * fewer.  Their paths, below the log's prefix:
 *
 *     tile/<L>/<N>[.p/<W>]          tile/entries/<N>[.p/<W>]
 *
 * where <N> is written in groups of three digits, every group but the last
 * prefixed with "x" (1234067 -> x001/x234/067).  Full tiles never change:
 * they can be served with immutable caching, from any web server or
 * object store, with no quanpiao process (qp_tiles_write).
 */
#ifndef QUANPIAO_TILES_H
#define QUANPIAO_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QP_TILE_HEIGHT	  8
#define QP_TILE_WIDTH	  256
#define QP_TILE_ENTRIES	  (-1)	/* the level of an entry bundle */
#define QP_TILE_LEVEL_MAX 63
#define QP_TILE_PATH_MAX  96
/* The largest entry an entry bundle can hold (its length is 16 bits). */
#define QP_TILE_ENTRY_MAX 65535u

typedef struct qp_tile {
	int level;	/* 0..QP_TILE_LEVEL_MAX, or QP_TILE_ENTRIES */
	uint64_t index; /* N */
	unsigned width; /* W, 1..QP_TILE_WIDTH (QP_TILE_WIDTH: a full tile) */
} qp_tile;

/*
 * Parse a tile path ("tile/0/x001/234", "tile/entries/000.p/7"; no
 * leading slash).  Only the canonical spelling is accepted: three digits
 * per group, no empty or extra group, W from 1 to 255 after ".p/".
 * QP_EINVALID naming what is wrong.
 */
QP_API int qp_tile_parse_path(qp_tile *out, const char *path);

/* Write t's path into buf (at least QP_TILE_PATH_MAX bytes). QP_EINVALID if t is not a tile. */
QP_API int qp_tile_path(char *buf, size_t buf_len, const qp_tile *t);

/*
 * The bytes of tile t of the tree of the first size entries (size at most
 * the log's size): W hashes of 32 bytes, or W length-prefixed entries.
 * *out is malloc'd (free with free()).  QP_ENOTFOUND if the tree of that
 * size does not have the tile (not yet W hashes or entries there);
 * QP_EINVALID if an entry is longer than QP_TILE_ENTRY_MAX.
 */
QP_API int qp_tile_read(unsigned char **out, size_t *out_len, qp_registry *reg, const qp_tile *t, uint64_t size);

/* What qp_tiles_write did. */
typedef struct qp_tiles_stats {
	uint64_t size;	   /* the checkpoint's tree size */
	uint64_t written;  /* tiles and bundles written */
	uint64_t kept;	   /* full ones already there, left as they were */
	uint64_t partial;  /* of those written, partial ones */
	uint64_t bytes;	   /* bytes written */
} qp_tiles_stats;

/*
 * Write the latest signed checkpoint of the registry as a static log in
 * dir (created if missing): every full and partial hash tile and entry
 * bundle of its tree, then dir/checkpoint (with its cosignatures), last,
 * so that a reader of the directory never sees a checkpoint whose tiles
 * are not all there.  Every file is written to a temporary name and
 * renamed.  Full tiles already in dir are kept, unread (they never change):
 * run it again after each checkpoint to bring dir up to date.  A full
 * tile whose file has the wrong size is written again.  progress (may be
 * NULL) is called now and then with the tiles done and to do.
 * QP_ENOTFOUND if no checkpoint has been signed; QP_EIO if dir cannot be
 * written.
 */
QP_API int qp_tiles_write(qp_tiles_stats *out, qp_registry *reg, const char *dir,
			  void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

/*
 * The same for the stored checkpoint of size (QP_LOG_LATEST: the latest):
 * its tree's tiles and the checkpoint, as a static host that publishes
 * only checkpoints its witnesses cosigned needs (qp_log_cosigned_size).
 * QP_ENOTFOUND if no checkpoint of that size was signed.
 */
QP_API int qp_tiles_write_at(qp_tiles_stats *out, qp_registry *reg, const char *dir, uint64_t size,
			     void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

#ifdef __cplusplus
}
#endif

#endif
