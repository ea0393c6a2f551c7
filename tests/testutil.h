/*
 * testutil.h - small helpers shared by the unit tests: scratch
 * directories, whole-file reads and byte comparison.
 */
#ifndef QP_TESTUTIL_H
#define QP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Make a fresh scratch directory; returns a malloc'd path.  Fails the test on error. */
char *tu_mkdtemp(void);

/* Remove a scratch directory and everything in it (one level deep). */
void tu_rmdir(const char *dir);

/* Join dir and name into a malloc'd path. */
char *tu_path(const char *dir, const char *name);

/* Read a whole file into malloc'd memory; *len gets its size.  NULL if missing. */
unsigned char *tu_read(const char *path, size_t *len);

/* Write len bytes to path, replacing it. */
void tu_write(const char *path, const void *data, size_t len);

/* Copy a file. */
void tu_copy(const char *from, const char *to);

/* Nonzero if the two files have identical bytes (both missing counts as equal). */
int tu_same_file(const char *a, const char *b);

/* Nonzero if path exists. */
int tu_exists(const char *path);

struct qp_key;
/* A key whose 32-byte seed is fill repeated (deterministic test keys). */
struct qp_key *tu_seeded_key(const char *name, unsigned char fill);

/* The C2SP verifier key string of k (malloc'd; free it); asserts on failure. */
char *tu_vkey(const struct qp_key *k);

struct qp_registry;
/*
 * A new registry at path for origin (county 330681 诸暨市), its genesis
 * signed by authority and naming log's verifier key; asserts on failure.
 */
struct qp_registry *tu_registry_create(const char *path, const char *origin, const struct qp_key *authority,
				       const struct qp_key *log);

/* The key.enroll body of k for role, with valid_until when until is not NULL (malloc'd; free it). */
char *tu_enroll_body(const struct qp_key *k, const char *role, const char *until);

/* authority enrols k for role in reg; asserts on failure. */
void tu_enroll(struct qp_registry *reg, const struct qp_key *authority, const struct qp_key *k, const char *role);

/* The number of entries in reg's log; asserts on failure. */
uint64_t tu_log_size(struct qp_registry *reg);

/* Assert that the last library error's message contains needle. */
#define assert_error_contains(needle) tu_assert_error_contains(needle, __FILE__, __LINE__)
void tu_assert_error_contains(const char *needle, const char *file, int line);

#endif
