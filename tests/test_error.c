/* test_error.c - the per-thread last error and the allocation hook. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "testutil.h"

static void test_set_and_clear(void **state)
{
	qp_error_clear();
	assert_int_equal(qp_error_last()->code, QP_OK);
	assert_string_equal(qp_error_last()->message, "");
	assert_int_equal(qp_error_set(QP_EINVALID, "--area: has %d decimal places", 3), QP_EINVALID);
	assert_int_equal(qp_error_last()->code, QP_EINVALID);
	assert_string_equal(qp_error_last()->message, "--area: has 3 decimal places");
	qp_error_clear();
	assert_int_equal(qp_error_last()->code, QP_OK);
	assert_string_equal(qp_error_last()->message, "");
}

static void test_prefix(void **state)
{
	qp_error_set(QP_ENOTFOUND, "no such home");
	assert_int_equal(qp_error_prefix("row %d", 7), QP_ENOTFOUND);
	assert_string_equal(qp_error_last()->message, "row 7: no such home");
}

static void test_long_message_cut_at_utf8_boundary(void **state)
{
	char big[3000];
	/* 3-byte characters, so a cut at 1023 bytes would split one. */
	size_t n = 0;
	while (n + 3 < sizeof(big)) {
		memcpy(big + n, "权", 3);
		n += 3;
	}
	big[n] = '\0';
	qp_error_set(QP_EINVALID, "x%s", big);
	const char *m = qp_error_last()->message;
	size_t len = strlen(m);
	assert_true(len < 1024);
	assert_true(len > 1000);
	/* 'x' then whole characters only. */
	assert_int_equal((len - 1) % 3, 0);
	qp_error_prefix("%s", big);
	len = strlen(qp_error_last()->message);
	assert_int_equal(len % 3, 0);
}

static void *other_thread(void *arg)
{
	int *seen = arg;
	seen[0] = qp_error_last()->code;
	qp_error_set(QP_EIO, "thread error");
	seen[1] = qp_error_last()->code;
	return NULL;
}

static void test_per_thread(void **state)
{
	int seen[2] = {99, 99};
	pthread_t t;
	qp_error_set(QP_ECONFLICT, "main thread error");
	assert_int_equal(pthread_create(&t, NULL, other_thread, seen), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(seen[0], QP_OK);
	assert_int_equal(seen[1], QP_EIO);
	assert_int_equal(qp_error_last()->code, QP_ECONFLICT);
	assert_string_equal(qp_error_last()->message, "main thread error");
}

static void test_strerror(void **state)
{
	const int codes[] = {QP_OK,	   QP_EVERIFY,	QP_EUSAGE,   QP_EINVALID, QP_EPERM,  QP_ECONFLICT,
			     QP_ENOTFOUND, QP_ECORRUPT, QP_EVERSION, QP_EIO,	  QP_ENOMEM, QP_EINTERNAL};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_non_null(qp_strerror(codes[i]));
		assert_string_not_equal(qp_strerror(codes[i]), "unknown error");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(qp_strerror(codes[i]), qp_strerror(codes[j]));
	}
	assert_string_equal(qp_strerror(-99), "unknown error");
	assert_string_equal(qp_strerror(QP_EINVALID), "input rejected");
}

static void test_alloc_failure_injection(void **state)
{
	qp_alloc_fail_at(0, 0);
	void *a = qp_malloc(10), *b = qp_calloc(2, 8);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(qp_alloc_fail_at(2, 0), 2);
	char *c = qp_strdup("ok");
	assert_non_null(c);
	qp_error_clear();
	assert_null(qp_malloc(1));
	assert_int_equal(qp_error_last()->code, QP_ENOMEM);
	/* Not sticky: the next one works. */
	void *d = qp_realloc(NULL, 4);
	assert_non_null(d);
	qp_alloc_fail_at(1, 1);
	assert_null(qp_strndup("abc", 2));
	assert_null(qp_realloc(d, 64));
	assert_null(qp_calloc(1, 1));
	qp_alloc_fail_at(0, 0);
	char *e = qp_strndup("abcdef", 3);
	assert_string_equal(e, "abc");
	qp_free(a);
	qp_free(b);
	qp_free(c);
	qp_free(d);
	qp_free(e);
	qp_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_and_clear),
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_long_message_cut_at_utf8_boundary),
	    cmocka_unit_test(test_per_thread),
	    cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_alloc_failure_injection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
