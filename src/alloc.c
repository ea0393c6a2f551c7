/*
 * alloc.c - allocation with failure injection for tests.
 *
 * The counters are process-wide atomics: fault-injection tests run one
 * thread, and in production the counters cost one relaxed increment.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"

static atomic_ulong alloc_count;
static atomic_ulong fail_at; /* 0 = never; else the count that fails */
static atomic_int fail_sticky;

static int should_fail(void)
{
	unsigned long n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
	unsigned long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
	if (at == 0)
		return 0;
	if (n == at)
		return 1;
	return n > at && atomic_load_explicit(&fail_sticky, memory_order_relaxed);
}

/* Failed allocations on this thread (a parser that returns NULL asks). */
static _Thread_local unsigned long failures;

static void *oom(void)
{
	failures++;
	qp_error_set(QP_ENOMEM, "out of memory");
	return NULL;
}

void *qp_malloc(size_t size)
{
	if (should_fail())
		return oom();
	void *p = malloc(size ? size : 1);
	return p ? p : oom();
}

void *qp_calloc(size_t count, size_t size)
{
	if (should_fail())
		return oom();
	void *p = calloc(count ? count : 1, size ? size : 1);
	return p ? p : oom();
}

void *qp_realloc(void *ptr, size_t size)
{
	if (should_fail())
		return oom();
	void *p = realloc(ptr, size ? size : 1);
	return p ? p : oom();
}

void qp_free(void *ptr)
{
	free(ptr);
}

char *qp_strndup(const char *s, size_t len)
{
	char *p = qp_malloc(len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *qp_strdup(const char *s)
{
	return qp_strndup(s, strlen(s));
}

unsigned long qp_alloc_fail_at(unsigned long n, int sticky)
{
	unsigned long made = atomic_exchange(&alloc_count, 0);
	atomic_store(&fail_sticky, sticky);
	atomic_store(&fail_at, n);
	return made;
}

unsigned long qp_alloc_failures(void)
{
	return failures;
}

static void json_hooks(void)
{
	cJSON_Hooks h = {qp_malloc, qp_free};
	cJSON_InitHooks(&h);
}

void qp_alloc_json_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, json_hooks);
}

cJSON *qp_json_parse(const char *text, size_t len, const char **end, int *err)
{
	qp_alloc_json_init();
	unsigned long before = failures;
	const char *stop = NULL;
	cJSON *j = text ? cJSON_ParseWithLengthOpts(text, len, &stop, 0) : NULL;
	if (end)
		*end = stop;
	if (err)
		*err = j ? QP_OK : failures != before ? QP_ENOMEM : QP_EINVALID;
	return j;
}

int qp_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return QP_OK;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (size == 0 || ncap > SIZE_MAX / size || ncap < *cap)
		return qp_error_set(QP_ENOMEM, "out of memory: an array of %zu elements", ncap);
	void *p = qp_realloc(*arr, ncap * size);
	if (p == NULL)
		return QP_ENOMEM;
	*arr = p;
	*cap = ncap;
	return QP_OK;
}

/* ---- the growing text buffer (buf.h) ---------------------------------------------------- */

void qp_buf_add(qp_buf *b, const void *s, size_t n)
{
	if (b->err)
		return;
	if (n > SIZE_MAX / 2 - b->len - 1) {
		b->err = qp_error_set(QP_ENOMEM, "out of memory: a text of more than %zu bytes", b->len);
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *grown = qp_realloc(b->p, cap);
		if (grown == NULL) {
			b->err = QP_ENOMEM;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void qp_buf_str(qp_buf *b, const char *s)
{
	qp_buf_add(b, s, strlen(s));
}

void qp_buf_u64(qp_buf *b, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	qp_buf_add(b, num, (size_t)n);
}

int qp_buf_finish(qp_buf *b, char **out, size_t *out_len)
{
	if (b->err) {
		qp_free(b->p);
		b->p = NULL;
		*out = NULL;
		return qp_error_set(QP_ENOMEM, "out of memory");
	}
	*out = b->p;
	if (out_len)
		*out_len = b->len;
	return QP_OK;
}
