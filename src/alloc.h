/*
 * alloc.h - the one place where the library allocates memory (private).
 *
 * Every allocation of libquanpiao goes through these functions so that a
 * test can make the Nth allocation fail and check that each failure path
 * returns QP_ENOMEM, leaks nothing and leaves the registry as it was.
 * They raise QP_ENOMEM themselves, so callers only propagate it.
 */
#ifndef QP_SRC_ALLOC_H
#define QP_SRC_ALLOC_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* malloc/calloc/realloc that set QP_ENOMEM and return NULL on failure. */
void *qp_malloc(size_t size);
void *qp_calloc(size_t count, size_t size);
void *qp_realloc(void *ptr, size_t size);
/* Free what the functions above returned; NULL is fine. */
void qp_free(void *ptr);
/*
 * Make room for one more element in *arr, an array of n elements of size
 * bytes with room for *cap: when n == *cap it doubles (16 at first),
 * moving *arr and updating *cap.  QP_OK, or QP_ENOMEM with *arr and *cap
 * as they were.
 */
int qp_grow(void **arr, size_t *cap, size_t n, size_t size);
/* Copy a NUL-terminated string (or its first len bytes) into new memory. */
char *qp_strdup(const char *s);
char *qp_strndup(const char *s, size_t len);

/*
 * Test hook: make the allocation n calls from now fail (n = 1 fails the
 * next one), and every later one too if sticky is set.  n = 0 turns
 * failure injection off.  Returns how many allocations were made since
 * the last call, so a test can first count, then fail each in turn.
 */
unsigned long qp_alloc_fail_at(unsigned long n, int sticky);

/* How many allocations have failed on this thread so far. */
unsigned long qp_alloc_failures(void);

/*
 * cJSON allocates through qp_malloc too (installed once, process-wide), so
 * that its allocations fail under the test hook and a parse that runs out
 * of memory can be told from bad input.  qp_json_parse calls it.
 */
void qp_alloc_json_init(void);

/*
 * Parse the first len bytes of text (NULL gives NULL).  On failure *err
 * (if not NULL) is QP_ENOMEM if memory ran out, else QP_EINVALID; nothing
 * is raised, the caller words the error.  *end (if not NULL) is where
 * cJSON stopped.
 */
cJSON *qp_json_parse(const char *text, size_t len, const char **end, int *err);

#endif
