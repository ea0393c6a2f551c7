/*
 * quanpiao/store.h - the registry file.
 *
 * A registry is one SQLite database in WAL mode, marked with its own
 * application id so that no other file is mistaken for one.  Its schema is
 * built by numbered migrations embedded in the library; each is applied in
 * its own transaction and recorded with the SHA-256 of its text, so a file
 * made by a different build of the program is recognised, not damaged.
 * Opening refuses, without changing a byte, a file that is not a registry,
 * one that is truncated or damaged, one whose schema is newer than this
 * program, and one whose recorded migrations differ from this program's.
 */
#ifndef QUANPIAO_STORE_H
#define QUANPIAO_STORE_H

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One open registry file: one SQLite connection, opened without SQLite's
 * own per-call locking.  Use a qp_store (and a qp_registry) from one thread
 * at a time; threads that work in parallel open their own.
 */
typedef struct qp_store qp_store;

/* Flags for qp_store_open. */
#define QP_STORE_CREATE	  0x1 /* create the file if it does not exist      */
#define QP_STORE_READONLY 0x2 /* open read-only; fails if it needs upgrade */

/* The SQLite application id of registry files ("qpia"). */
#define QP_STORE_APPLICATION_ID 0x71706961

/*
 * Open the registry at path, creating it with QP_STORE_CREATE, and bring
 * its schema up to date.  On success *out owns the open registry; free it
 * with qp_store_free.  On failure *out is NULL and nothing on disk has
 * changed (a file this call created is removed again).  Errors:
 * QP_ENOTFOUND (no such file without CREATE), QP_ECORRUPT (not a registry,
 * truncated, damaged, or migrations that differ from this program's),
 * QP_EVERSION (newer schema), QP_ECONFLICT (locked by another process past
 * the busy timeout, or with CREATE another process made the file first),
 * QP_EIO, QP_ENOMEM.
 */
QP_API int qp_store_open(qp_store **out, const char *path, unsigned flags);

/* Close the registry and free it.  NULL is fine. */
QP_API void qp_store_free(qp_store *store);

/* The schema version of the open registry (the last migration applied). */
QP_API int qp_store_schema_version(const qp_store *store);

/* The schema version this program builds (its newest migration). */
QP_API int qp_store_latest_version(void);

/* The path the registry was opened with; owned by store. */
QP_API const char *qp_store_path(const qp_store *store);

/*
 * The permission bits (of mode & 077) by which users other than the owner
 * may read or write the registry file or its -wal file, or 0 when both are
 * private to their owner, as a new registry is (mode 0600).  The file holds
 * personal data (names, ID numbers): quanpiao and quanpiaod warn when this
 * is not 0.  A file that cannot be examined counts as private here (opening
 * it reported any real error).
 */
QP_API unsigned qp_store_shared_mode(const qp_store *store);

#ifdef __cplusplus
}
#endif

#endif
