/* testutil.c - helpers for the unit tests. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <quanpiao/error.h>
#include <quanpiao/keys.h>
#include <quanpiao/log.h>

#include "testutil.h"

char *tu_mkdtemp(void)
{
	const char *base = getenv("QP_TEST_TMP");
	char tmpl[4096];
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(tmpl, sizeof(tmpl), "%s/qp-test-XXXXXX", base);
	char *dir = mkdtemp(tmpl);
	assert_non_null(dir);
	char *copy = strdup(dir);
	assert_non_null(copy);
	return copy;
}

void tu_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = tu_path(dir, e->d_name);
		struct stat sb;
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			tu_rmdir(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

char *tu_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

unsigned char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*len = 0;
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

void tu_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void tu_copy(const char *from, const char *to)
{
	size_t len;
	unsigned char *data = tu_read(from, &len);
	assert_non_null(data);
	tu_write(to, data, len);
	free(data);
}

int tu_same_file(const char *a, const char *b)
{
	size_t la, lb;
	unsigned char *da = tu_read(a, &la), *db = tu_read(b, &lb);
	int same = (da == NULL) == (db == NULL) && la == lb && (la == 0 || memcmp(da, db, la) == 0);
	free(da);
	free(db);
	return same;
}

int tu_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

void tu_assert_error_contains(const char *needle, const char *file, int line)
{
	const char *msg = qp_error_last()->message;
	if (strstr(msg, needle) == NULL) {
		print_error("%s:%d: error message \"%s\" does not contain \"%s\"\n", file, line, msg, needle);
		_fail(file, line);
	}
}

struct qp_key *tu_seeded_key(const char *name, unsigned char fill)
{
	unsigned char seed[QP_SEED_LEN];
	qp_key *key = NULL;
	memset(seed, fill, sizeof(seed));
	assert_int_equal(qp_key_from_seed(&key, name, seed), QP_OK);
	return key;
}

char *tu_vkey(const qp_key *k)
{
	qp_verifier *v = NULL;
	char *s = NULL;
	assert_int_equal(qp_key_verifier(&v, k), QP_OK);
	assert_int_equal(qp_verifier_string(&s, v), QP_OK);
	qp_verifier_free(v);
	return s;
}

qp_registry *tu_registry_create(const char *path, const char *origin, const qp_key *authority, const qp_key *log)
{
	qp_registry *reg = NULL;
	char *lv = tu_vkey(log);
	qp_genesis g = {origin, "330681", "诸暨市", lv};
	if (qp_registry_create(&reg, path, &g, authority) != QP_OK)
		fail_msg("creating %s: %s", path, qp_error_last()->message);
	free(lv);
	return reg;
}

char *tu_enroll_body(const qp_key *k, const char *role, const char *until)
{
	char *v = tu_vkey(k), body[1024];
	if (until)
		snprintf(body, sizeof(body), "{\"role\":\"%s\",\"valid_until\":\"%s\",\"vkey\":\"%s\"}", role, until,
			 v);
	else
		snprintf(body, sizeof(body), "{\"role\":\"%s\",\"vkey\":\"%s\"}", role, v);
	free(v);
	char *out = strdup(body);
	assert_non_null(out);
	return out;
}

void tu_enroll(qp_registry *reg, const qp_key *authority, const qp_key *k, const char *role)
{
	char *body = tu_enroll_body(k, role, NULL);
	if (qp_registry_submit(reg, authority, "key.enroll", body, NULL) != QP_OK)
		fail_msg("key.enroll %s: %s", role, qp_error_last()->message);
	free(body);
}

uint64_t tu_log_size(qp_registry *reg)
{
	uint64_t n = 0;
	assert_int_equal(qp_log_size(&n, reg), QP_OK);
	return n;
}
