/*
 * test_keys.c - Ed25519 keys, verifier-key strings and secret key files.
 *
 * Key encodings are pinned to known answers: RFC 8032 section 7.1 (seed,
 * public key, signature), the C2SP signed-note example verifier and the
 * PeterNeumann signer/verifier pair of Go's sumdb/note.  Key files are
 * attacked the way a careless officer or a hostile file would: wrong
 * modes, symlinks, truncation at every length, edited lines, KDF limits
 * out of range, and every allocation failing in turn.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <quanpiao/error.h>
#include <quanpiao/keys.h>

#include "alloc.h"
#include "keys_internal.h"
#include "testutil.h"

#define PASS "correct horse battery staple"

/* ---- helpers ------------------------------------------------------- */

static char *data_path(const char *name)
{
	const char *dir = getenv("QP_TEST_DATA");
	assert_non_null(dir);
	return tu_path(dir, name);
}

static void hex_decode(unsigned char *out, size_t out_len, const char *hex)
{
	size_t len = 0;
	assert_int_equal(sodium_hex2bin(out, out_len, hex, strlen(hex), NULL, &len, NULL), 0);
	assert_int_equal(len, out_len);
}

/* Write a file with mode 0600 whatever the umask, as a key file must be. */
static void write_private(const char *path, const void *data, size_t len)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0600), 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}


static void assert_same_key(const qp_key *a, const qp_key *b)
{
	unsigned char sa[QP_SIGNATURE_LEN], sb[QP_SIGNATURE_LEN];
	assert_string_equal(qp_key_name(a), qp_key_name(b));
	assert_int_equal(qp_key_id(a), qp_key_id(b));
	assert_memory_equal(qp_key_public(a), qp_key_public(b), QP_PUBLIC_KEY_LEN);
	/* Ed25519 is deterministic: equal signatures mean equal secret keys. */
	assert_int_equal(qp_key_sign(sa, a, "msg", 3), QP_OK);
	assert_int_equal(qp_key_sign(sb, b, "msg", 3), QP_OK);
	assert_memory_equal(sa, sb, sizeof(sa));
}

/* Replace the first occurrence of from by to in the file at path (kept 0600). */
static void edit_file(const char *path, const char *from, const char *to)
{
	size_t len;
	char *data = (char *)tu_read(path, &len);
	assert_non_null(data);
	char *buf = malloc(len + strlen(to) + 1);
	assert_non_null(buf);
	memcpy(buf, data, len);
	buf[len] = '\0';
	char *at = strstr(buf, from);
	assert_non_null(at);
	size_t pre = (size_t)(at - buf), from_len = strlen(from), to_len = strlen(to);
	memcpy(buf + pre, to, to_len);
	memcpy(buf + pre + to_len, data + pre + from_len, len - pre - from_len);
	write_private(path, buf, len - from_len + to_len);
	free(buf);
	free(data);
}

static void expect_load_error(const char *path, const char *pass, int code, const char *needle)
{
	qp_key *key = (qp_key *)&key; /* must be reset to NULL */
	assert_int_equal(qp_key_load(&key, path, pass), code);
	assert_null(key);
	assert_error_contains(needle);
}

/* ---- fixture for key files ------------------------------------------ */

typedef struct fixture {
	char *dir;
	char *path;   /* key file inside dir */
	char *backup; /* copy taken before an attempt */
	qp_key *key;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = tu_mkdtemp();
	f->path = tu_path(f->dir, "officer.key");
	f->backup = tu_path(f->dir, "backup");
	f->key = tu_seeded_key("330681.officer.zhang-wei", 0x42);
	qp_key_set_kdf_limits(crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	qp_alloc_fail_at(0, 0);
	qp_key_set_kdf_limits(0, 0);
	qp_key_free(f->key);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->path);
	free(f->backup);
	free(f);
	return 0;
}

/* ---- names and IDs -------------------------------------------------- */

static void test_check_name(void **state)
{
	char long_name[QP_KEY_NAME_MAX + 2];

	assert_int_equal(qp_key_check_name("330681.officer.zhang-wei"), QP_OK);
	assert_int_equal(qp_key_check_name("example.com/foo"), QP_OK);
	assert_int_equal(qp_key_check_name("!~"), QP_OK);
	memset(long_name, 'a', QP_KEY_NAME_MAX);
	long_name[QP_KEY_NAME_MAX] = '\0';
	assert_int_equal(qp_key_check_name(long_name), QP_OK);
	long_name[QP_KEY_NAME_MAX] = 'a';
	long_name[QP_KEY_NAME_MAX + 1] = '\0';
	assert_int_equal(qp_key_check_name(long_name), QP_EINVALID);
	assert_error_contains("longer than 128 bytes");

	assert_int_equal(qp_key_check_name(NULL), QP_EINVALID);
	assert_error_contains("missing");
	assert_int_equal(qp_key_check_name(""), QP_EINVALID);
	assert_error_contains("key name is empty");
	assert_int_equal(qp_key_check_name("zhang wei"), QP_EINVALID);
	assert_error_contains("a space at byte 6");
	assert_int_equal(qp_key_check_name("a+b"), QP_EINVALID);
	assert_error_contains("'+' at byte 2");
	assert_int_equal(qp_key_check_name("tab\there"), QP_EINVALID);
	assert_error_contains("byte 0x09 at byte 4");
	assert_int_equal(qp_key_check_name("del\x7f"), QP_EINVALID);
	assert_error_contains("byte 0x7F");
	assert_int_equal(qp_key_check_name("\xe5\xbc\xa0"), QP_EINVALID);
	assert_error_contains("byte 0xE5 at byte 1");
}

static void test_compute_id(void **state)
{
	/* SHA-256 by hand over the signed-note rule, compared with the library. */
	qp_key *key = tu_seeded_key("a.b", 7);
	unsigned char buf[3 + 2 + QP_PUBLIC_KEY_LEN], digest[32];
	memcpy(buf, "a.b\n\x01", 5);
	memcpy(buf + 5, qp_key_public(key), QP_PUBLIC_KEY_LEN);
	crypto_hash_sha256(digest, buf, sizeof(buf));
	uint32_t want =
	    (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 | digest[3];
	assert_int_equal(qp_key_id(key), want);
	assert_int_equal(qp_key_compute_id("a.b", QP_KEY_TYPE_ED25519, qp_key_public(key)), want);
	assert_int_not_equal(qp_key_compute_id("a.b", QP_KEY_TYPE_COSIGNATURE, qp_key_public(key)), want);
	qp_key_free(key);
}

/* ---- known answers -------------------------------------------------- */

static void test_rfc8032(void **state)
{
	char *path = data_path("ed25519-rfc8032.txt");
	FILE *f = fopen(path, "r");
	char line[1024];
	int tests = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char num[8], seed_hex[80], pub_hex[80], msg_hex[256], sig_hex[160];
		unsigned char seed[32], pub[32], msg[128], sig[64], got[64];
		size_t msg_len = 0;
		qp_key *key = NULL;
		qp_verifier *v = NULL;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(
		    sscanf(line, "%7s %79s %79s %255s %159s", num, seed_hex, pub_hex, msg_hex, sig_hex), 5);
		hex_decode(seed, sizeof(seed), seed_hex);
		hex_decode(pub, sizeof(pub), pub_hex);
		hex_decode(sig, sizeof(sig), sig_hex);
		if (strcmp(msg_hex, "-") != 0) {
			msg_len = strlen(msg_hex) / 2;
			hex_decode(msg, msg_len, msg_hex);
		}

		assert_int_equal(qp_key_from_seed(&key, "rfc8032", seed), QP_OK);
		assert_memory_equal(qp_key_public(key), pub, 32);
		assert_int_equal(qp_key_sign(got, key, msg_len ? msg : NULL, msg_len), QP_OK);
		assert_memory_equal(got, sig, 64);

		assert_int_equal(qp_key_verifier(&v, key), QP_OK);
		assert_int_equal(qp_verifier_verify(v, sig, msg_len ? msg : NULL, msg_len), QP_OK);
		sig[0] ^= 1;
		assert_int_equal(qp_verifier_verify(v, sig, msg_len ? msg : NULL, msg_len), QP_EVERIFY);
		assert_error_contains("signature by rfc8032 does not verify");
		sig[0] ^= 1;
		assert_int_equal(qp_verifier_verify(v, sig, "x", 1), QP_EVERIFY);
		qp_verifier_free(v);
		qp_key_free(key);
		tests++;
	}
	fclose(f);
	free(path);
	assert_int_equal(tests, 3);
}

static void test_example_vkey(void **state)
{
	char *path = data_path("signed-note-example.vkey");
	size_t len;
	char *text = (char *)tu_read(path, &len);
	qp_verifier *v = NULL;
	char *s = NULL;

	assert_non_null(text);
	text = realloc(text, len + 1);
	text[len] = '\0';
	assert_int_equal(qp_verifier_parse(&v, text), QP_OK); /* with its final newline */
	assert_string_equal(qp_verifier_name(v), "example.com/foo");
	assert_int_equal(qp_verifier_id(v), 0x530d903a);
	assert_int_equal(qp_verifier_type(v), QP_KEY_TYPE_ED25519);
	assert_int_equal(qp_key_compute_id("example.com/foo", 1, qp_verifier_public(v)), 0x530d903a);
	assert_int_equal(qp_verifier_string(&s, v), QP_OK);
	assert_string_equal(s, "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
	free(s);
	qp_verifier_free(v);
	free(text);
	free(path);
}

/* Go sumdb/note's test pair (golang.org/x/mod/sumdb/note, the package documentation's example). */
#define PETER_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

static void test_peter_neumann(void **state)
{
	const char *p = PETER_SKEY + strlen("PRIVATE+KEY+");
	const char *plus = strchr(p, '+');
	char name[64];
	unsigned char raw[33];
	size_t raw_len = 0;
	qp_key *key = NULL;
	qp_verifier *v = NULL, *parsed = NULL;
	char *s = NULL;

	assert_non_null(plus);
	memcpy(name, p, (size_t)(plus - p));
	name[plus - p] = '\0';
	assert_string_equal(name, "PeterNeumann");
	assert_memory_equal(plus + 1, "c74f20a3+", 9);
	const char *b64 = plus + 10;
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), NULL, &raw_len, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(raw_len, 33);
	assert_int_equal(raw[0], 0x01);

	assert_int_equal(qp_key_from_seed(&key, name, raw + 1), QP_OK);
	assert_int_equal(qp_key_id(key), 0xc74f20a3);
	assert_int_equal(qp_key_verifier(&v, key), QP_OK);
	assert_int_equal(qp_verifier_string(&s, v), QP_OK);
	assert_string_equal(s, PETER_VKEY);

	assert_int_equal(qp_verifier_parse(&parsed, PETER_VKEY), QP_OK);
	assert_memory_equal(qp_verifier_public(parsed), qp_key_public(key), QP_PUBLIC_KEY_LEN);
	assert_int_equal(qp_verifier_id(parsed), 0xc74f20a3);

	free(s);
	qp_verifier_free(parsed);
	qp_verifier_free(v);
	qp_key_free(key);
	sodium_memzero(raw, sizeof(raw));
}

/* ---- verifier strings ----------------------------------------------- */

static void test_verifier_parse_whitespace(void **state)
{
	static const char *ok[] = {
	    PETER_VKEY,
	    PETER_VKEY "\n",
	    "  " PETER_VKEY " \r\n",
	    "\t" PETER_VKEY "\n\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		qp_verifier *v = NULL;
		assert_int_equal(qp_verifier_parse(&v, ok[i]), QP_OK);
		assert_string_equal(qp_verifier_name(v), "PeterNeumann");
		qp_verifier_free(v);
	}
}

/* A verifier string for arbitrary raw bytes, with the correct ID unless id is given. */
static void make_vkey(char *out, size_t size, const char *name, const unsigned char *raw, size_t raw_len,
		      const char *id_text)
{
	char b64[128], id[16];
	sodium_bin2base64(b64, sizeof(b64), raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
	if (id_text == NULL) {
		snprintf(id, sizeof(id), "%08x",
			 raw_len == 33 ? qp_key_compute_id(name, raw[0], raw + 1) : 0u);
		id_text = id;
	}
	snprintf(out, size, "%s+%s+%s", name, id_text, b64);
}

static void expect_parse_error(const char *text, const char *needle)
{
	qp_verifier *v = (qp_verifier *)&v;
	assert_int_equal(qp_verifier_parse(&v, text), QP_EINVALID);
	assert_null(v);
	assert_error_contains(needle);
}

static void test_verifier_parse_errors(void **state)
{
	unsigned char raw[40];
	char vkey[256];

	expect_parse_error(NULL, "missing");
	expect_parse_error("", "verifier key is empty");
	expect_parse_error(" \n", "verifier key is empty");
	expect_parse_error("PeterNeumann", "three parts separated by '+'");
	expect_parse_error("PeterNeumann+c74f20a3", "found only one '+'");
	expect_parse_error("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name is empty");
	expect_parse_error("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "space at byte 6");
	expect_parse_error("Peter\x01+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "byte 0x01");
	expect_parse_error("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "8 hex digits");
	expect_parse_error("PeterNeumann+c74f20a33+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "8 hex digits");
	expect_parse_error("PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "character 7 is not one");
	expect_parse_error("PeterNeumann+c74f20a3+", "key after the second '+' is empty");
	expect_parse_error("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!",
			   "not valid base64");
	expect_parse_error("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWA",
			   "not valid base64");
	expect_parse_error("PeterNeumann+c74f20a3+ARpc2Qc UPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "not valid base64");
	expect_parse_error("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW==",
			   "not valid base64");
	/* Go's manglings: a longer key with adjusted ID, an unknown algorithm with adjusted ID. */
	/* (sodium also refuses the non-zero padding bits of "EY==", which Go's decoder accepts.) */
	expect_parse_error("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
			   "not valid base64");
	expect_parse_error("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "unknown key type 0x65");
	/* A key one byte short, with padding. */
	memset(raw, 0x01, sizeof(raw));
	make_vkey(vkey, sizeof(vkey), "short", raw, 32, NULL);
	expect_parse_error(vkey, "decodes to 32 bytes; expected 33");
	make_vkey(vkey, sizeof(vkey), "long", raw, 39, NULL);
	expect_parse_error(vkey, "decodes to 39 bytes; expected 33");
	/* Far too long. */
	char huge[400];
	memset(huge, 'A', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memcpy(huge, "n+00000000+", 11);
	expect_parse_error(huge, "characters long");
	/* Type 0x02 with a matching ID. */
	raw[0] = 0x02;
	make_vkey(vkey, sizeof(vkey), "two", raw, 33, NULL);
	expect_parse_error(vkey, "unknown key type 0x02");
	/* The ID of another key. */
	expect_parse_error("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "key ID c74f20a4 does not match the key (expected c74f20a3)");
	expect_parse_error("PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			   "key ID c74f20a3 does not match the key");
	/* Every single-byte change of a good key is refused (as in Go's tests). */
	char b[] = PETER_VKEY;
	for (size_t i = 0; i < strlen(b); i++) {
		qp_verifier *v = NULL;
		b[i]++;
		assert_int_not_equal(qp_verifier_parse(&v, b), QP_OK);
		assert_null(v);
		b[i]--;
	}
	/* So is every proper substring that does not only drop whitespace. */
	for (size_t i = 0; i < strlen(b); i++) {
		for (size_t j = i + 1; j <= strlen(b); j++) {
			char sub[128];
			qp_verifier *v = NULL;
			if (i == 0 && j == strlen(b))
				continue;
			memcpy(sub, b + i, j - i);
			sub[j - i] = '\0';
			assert_int_not_equal(qp_verifier_parse(&v, sub), QP_OK);
			assert_null(v);
		}
	}
	assert_int_equal(qp_verifier_parse(NULL, PETER_VKEY), QP_EUSAGE);
}

static void test_verifier_cosignature(void **state)
{
	qp_key *key = tu_seeded_key("witness.example", 9);
	unsigned char raw[33], sig[QP_SIGNATURE_LEN];
	char vkey[256], *s = NULL;
	qp_verifier *v = NULL;

	raw[0] = QP_KEY_TYPE_COSIGNATURE;
	memcpy(raw + 1, qp_key_public(key), QP_PUBLIC_KEY_LEN);
	make_vkey(vkey, sizeof(vkey), "witness.example", raw, 33, NULL);
	assert_int_equal(qp_verifier_parse(&v, vkey), QP_OK);
	assert_int_equal(qp_verifier_type(v), QP_KEY_TYPE_COSIGNATURE);
	assert_int_not_equal(qp_verifier_id(v), qp_key_id(key));
	assert_int_equal(qp_verifier_string(&s, v), QP_OK);
	assert_string_equal(s, vkey);
	assert_int_equal(qp_key_sign(sig, key, "m", 1), QP_OK);
	assert_int_equal(qp_verifier_verify(v, sig, "m", 1), QP_EUSAGE);
	assert_error_contains("cosignature");
	free(s);
	qp_verifier_free(v);
	qp_key_free(key);
}

static void test_generate(void **state)
{
	qp_key *a = NULL, *b = NULL;
	qp_verifier *va = NULL;
	unsigned char sig[QP_SIGNATURE_LEN];

	assert_int_equal(qp_key_generate(&a, "330681.officer.a"), QP_OK);
	assert_int_equal(qp_key_generate(&b, "330681.officer.a"), QP_OK);
	assert_memory_not_equal(qp_key_public(a), qp_key_public(b), QP_PUBLIC_KEY_LEN);
	assert_int_equal(qp_key_compute_id("330681.officer.a", 1, qp_key_public(a)), qp_key_id(a));
	assert_int_equal(qp_key_verifier(&va, a), QP_OK);
	assert_int_equal(qp_key_sign(sig, a, "entry", 5), QP_OK);
	assert_int_equal(qp_verifier_verify(va, sig, "entry", 5), QP_OK);
	assert_int_equal(qp_key_sign(sig, b, "entry", 5), QP_OK);
	assert_int_equal(qp_verifier_verify(va, sig, "entry", 5), QP_EVERIFY);
	qp_verifier_free(va);
	qp_key_free(a);
	qp_key_free(b);

	a = (qp_key *)&a;
	assert_int_equal(qp_key_generate(&a, "bad name"), QP_EINVALID);
	assert_null(a);
	assert_int_equal(qp_key_generate(&a, NULL), QP_EINVALID);
	assert_int_equal(qp_key_generate(NULL, "x"), QP_EUSAGE);
	assert_int_equal(qp_key_from_seed(&a, "x", NULL), QP_EUSAGE);
	assert_int_equal(qp_key_sign(sig, NULL, "m", 1), QP_EUSAGE);
	assert_int_equal(qp_verifier_verify(NULL, sig, "m", 1), QP_EUSAGE);
	assert_null(qp_key_name(NULL));
	assert_int_equal(qp_key_id(NULL), 0);
	qp_key_free(NULL);
	qp_verifier_free(NULL);
}

/* ---- key files ------------------------------------------------------ */

static mode_t file_mode(const char *path)
{
	struct stat sb;
	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static void test_file_encrypted_roundtrip(void **state)
{
	fixture *f = *state;
	qp_key *back = NULL;
	int enc = -1;
	size_t len;

	assert_int_equal(qp_key_save(f->key, f->path, PASS), QP_OK);
	assert_int_equal(file_mode(f->path), 0600);
	char *text = (char *)tu_read(f->path, &len);
	text = realloc(text, len + 1);
	text[len] = '\0';
	static const char head[] =
	    "quanpiao secret key v1\nname: 330681.officer.zhang-wei\nvkey: 330681.officer.zhang-wei+";
	assert_true(strncmp(text, head, strlen(head)) == 0);
	assert_non_null(strstr(text, "\nkdf: argon2id13 opslimit=1 memlimit=8192 salt="));
	assert_non_null(strstr(text, "\ncipher: xchacha20poly1305 nonce="));
	assert_non_null(strstr(text, "\nsealed: "));
	assert_null(strstr(text, "seed:"));
	free(text);

	assert_int_equal(qp_key_file_encrypted(&enc, f->path), QP_OK);
	assert_int_equal(enc, 1);
	assert_int_equal(qp_key_load(&back, f->path, PASS), QP_OK);
	assert_same_key(back, f->key);
	qp_key_free(back);
}

static void test_file_default_limits(void **state)
{
	fixture *f = *state;
	char want[128];
	size_t len;

	qp_key_set_kdf_limits(0, 0);
	assert_int_equal(qp_key_save(f->key, f->path, PASS), QP_OK);
	char *text = (char *)tu_read(f->path, &len);
	text = realloc(text, len + 1);
	text[len] = '\0';
	snprintf(want, sizeof(want), "opslimit=%llu memlimit=%zu ",
		 (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
		 (size_t)crypto_pwhash_MEMLIMIT_INTERACTIVE);
	assert_non_null(strstr(text, want));
	free(text);
	qp_key *back = NULL;
	assert_int_equal(qp_key_load(&back, f->path, PASS), QP_OK);
	assert_same_key(back, f->key);
	qp_key_free(back);
}

static void test_file_clear_roundtrip(void **state)
{
	fixture *f = *state;
	qp_key *back = NULL;
	int enc = -1;
	size_t len;

	assert_int_equal(qp_key_save(f->key, f->path, NULL), QP_OK);
	assert_int_equal(file_mode(f->path), 0600);
	char *text = (char *)tu_read(f->path, &len);
	text = realloc(text, len + 1);
	text[len] = '\0';
	/* Seed 0x42 * 32 in base64. */
	assert_non_null(strstr(text, "\nseed: QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\n"));
	assert_null(strstr(text, "kdf:"));
	free(text);
	assert_int_equal(qp_key_file_encrypted(&enc, f->path), QP_OK);
	assert_int_equal(enc, 0);
	assert_int_equal(qp_key_load(&back, f->path, NULL), QP_OK);
	assert_same_key(back, f->key);
	qp_key_free(back);
	/* A passphrase is ignored for a clear file. */
	assert_int_equal(qp_key_load(&back, f->path, "whatever"), QP_OK);
	assert_same_key(back, f->key);
	qp_key_free(back);
}

static void test_file_wrong_passphrase(void **state)
{
	fixture *f = *state;
	char want[512];
	assert_int_equal(qp_key_save(f->key, f->path, PASS), QP_OK);
	snprintf(want, sizeof(want), "wrong passphrase for %s", f->path);
	expect_load_error(f->path, "correct horse battery stapler", QP_EPERM, want);
	expect_load_error(f->path, "", QP_EPERM, want);
	snprintf(want, sizeof(want), "%s is passphrase-protected; give a passphrase", f->path);
	expect_load_error(f->path, NULL, QP_EPERM, want);
}

static void test_file_empty_passphrase(void **state)
{
	fixture *f = *state;
	assert_int_equal(qp_key_save(f->key, f->path, ""), QP_EINVALID);
	assert_error_contains("empty passphrase");
	assert_false(tu_exists(f->path));
	assert_int_equal(qp_key_save(NULL, f->path, NULL), QP_EUSAGE);
	assert_int_equal(qp_key_save(f->key, "", NULL), QP_EUSAGE);
	assert_int_equal(qp_key_load(NULL, f->path, NULL), QP_EUSAGE);
}

static void test_file_modes(void **state)
{
	fixture *f = *state;
	static const mode_t bad[] = {0640, 0604, 0644, 0660, 0602, 0620, 0610, 0601, 0666};
	char want[512];
	qp_key *back = NULL;

	assert_int_equal(qp_key_save(f->key, f->path, PASS), QP_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int enc = -1;
		assert_int_equal(chmod(f->path, bad[i]), 0);
		snprintf(want, sizeof(want),
			 "%s is readable or writable by group or others (mode %04o); chmod 600 it", f->path,
			 (unsigned)bad[i]);
		expect_load_error(f->path, PASS, QP_EPERM, want);
		assert_int_equal(qp_key_file_encrypted(&enc, f->path), QP_EPERM);
	}
	/* Owner-only modes are fine. */
	assert_int_equal(chmod(f->path, 0400), 0);
	assert_int_equal(qp_key_load(&back, f->path, PASS), QP_OK);
	qp_key_free(back);
}

static void test_file_truncated(void **state)
{
	fixture *f = *state;
	char *copy = tu_path(f->dir, "cut.key");

	for (int encrypted = 0; encrypted <= 1; encrypted++) {
		size_t len;
		unlink(f->path);
		assert_int_equal(qp_key_save(f->key, f->path, encrypted ? PASS : NULL), QP_OK);
		unsigned char *data = tu_read(f->path, &len);
		assert_non_null(data);
		for (size_t n = 0; n < len; n++) {
			qp_key *key = (qp_key *)&key;
			write_private(copy, data, n);
			assert_int_equal(qp_key_load(&key, copy, PASS), QP_EINVALID);
			assert_null(key);
			if (n > 0)
				assert_error_contains("damaged or truncated key file");
		}
		free(data);
	}
	write_private(copy, "", 0);
	expect_load_error(copy, PASS, QP_EINVALID, "the file is empty");
	free(copy);
}

static void test_file_edited(void **state)
{
	fixture *f = *state;
	qp_key *other = tu_seeded_key("330681.officer.li-na", 0x43);
	qp_key *same_name = tu_seeded_key("330681.officer.zhang-wei", 0x44);
	qp_verifier *v = NULL;
	char *vkey = NULL, *other_vkey = NULL, *same_name_vkey = NULL, line[512], line2[512];

	assert_int_equal(qp_key_verifier(&v, f->key), QP_OK);
	assert_int_equal(qp_verifier_string(&vkey, v), QP_OK);
	qp_verifier_free(v);
	assert_int_equal(qp_key_verifier(&v, other), QP_OK);
	assert_int_equal(qp_verifier_string(&other_vkey, v), QP_OK);
	qp_verifier_free(v);
	assert_int_equal(qp_key_verifier(&v, same_name), QP_OK);
	assert_int_equal(qp_verifier_string(&same_name_vkey, v), QP_OK);
	qp_verifier_free(v);

	for (int encrypted = 0; encrypted <= 1; encrypted++) {
		const char *pass = encrypted ? PASS : NULL;
		unlink(f->backup);
		assert_int_equal(qp_key_save(f->key, f->backup, pass), QP_OK);

		/* The name line alone. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		edit_file(f->path, "name: 330681.officer.zhang-wei", "name: 330681.officer.li-na");
		expect_load_error(f->path, pass, QP_EINVALID, "key file damaged: the name line says");

		/* An invalid name. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		edit_file(f->path, "name: 330681.officer.zhang-wei", "name: 330681 officer");
		expect_load_error(f->path, pass, QP_EINVALID, "line 2 (name): key name contains a space");

		/* Name and vkey of another key: the additional data or the seed no longer match. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		snprintf(line, sizeof(line), "vkey: %s", vkey);
		snprintf(line2, sizeof(line2), "vkey: %s", other_vkey);
		edit_file(f->path, line, line2);
		edit_file(f->path, "name: 330681.officer.zhang-wei", "name: 330681.officer.li-na");
		if (encrypted)
			expect_load_error(f->path, pass, QP_EPERM, "wrong passphrase");
		else
			expect_load_error(f->path, pass, QP_EINVALID, "does not match the vkey line");

		/* The vkey of another key with the same name. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		snprintf(line2, sizeof(line2), "vkey: %s", same_name_vkey);
		edit_file(f->path, line, line2);
		expect_load_error(f->path, pass, encrypted ? QP_EPERM : QP_EINVALID,
				  encrypted ? "wrong passphrase" : "secret key does not match the vkey line");

		/* A vkey with a bad ID. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		edit_file(f->path, "zhang-wei+", "zhang-wei+0");
		expect_load_error(f->path, pass, QP_EINVALID, "line 3 (vkey)");

		/* Another header. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		edit_file(f->path, "quanpiao secret key v1", "quanpiao secret key v2");
		expect_load_error(f->path, pass, QP_EINVALID, "unsupported key file version");
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		edit_file(f->path, "quanpiao secret key v1", "-----BEGIN PRIVATE KEY");
		expect_load_error(f->path, pass, QP_EINVALID, "not a quanpiao secret key file");

		/* An extra line. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		{
			size_t len;
			unsigned char *data = tu_read(f->path, &len);
			data = realloc(data, len + 6);
			memcpy(data + len, "extra\n", 6);
			write_private(f->path, data, len + 6);
			free(data);
		}
		expect_load_error(f->path, pass, QP_EINVALID, "unexpected bytes after line");

		/* A NUL byte. */
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		{
			size_t len;
			unsigned char *data = tu_read(f->path, &len);
			data[len - 1] = '\0';
			write_private(f->path, data, len);
			free(data);
		}
		expect_load_error(f->path, pass, QP_EINVALID, "NUL byte");
	}

	/* Clear file: a seed of the wrong length. */
	unlink(f->path);
	assert_int_equal(qp_key_save(f->key, f->path, NULL), QP_OK);
	edit_file(f->path, "seed: QkJC", "seed: QkJCQkJC");
	expect_load_error(f->path, NULL, QP_EINVALID, "the seed is not base64 of 32 bytes");
	unlink(f->path);
	assert_int_equal(qp_key_save(f->key, f->path, NULL), QP_OK);
	edit_file(f->path, "seed: ", "seeds: ");
	expect_load_error(f->path, NULL, QP_EINVALID, "line 4 must start with 'seed: ' or 'kdf: '");

	/* Encrypted file: hostile or broken KDF and cipher fields. */
	static const struct {
		const char *from, *to;
		int code;
		const char *needle;
	} cases[] = {
	    {"opslimit=1 ", "opslimit=5 ", QP_EINVALID, "opslimit 5 is outside the accepted range [1, 4]"},
	    {"opslimit=1 ", "opslimit=0 ", QP_EINVALID, "opslimit 0 is outside"},
	    {"opslimit=1 ", "opslimit=99999999999999999999 ", QP_EINVALID, "expected 'opslimit=<number> '"},
	    {"opslimit=1 ", "opslimit= ", QP_EINVALID, "expected 'opslimit=<number> '"},
	    {"opslimit=1 ", "opslimit=-1 ", QP_EINVALID, "expected 'opslimit=<number> '"},
	    {"memlimit=8192 ", "memlimit=100000000000 ", QP_EINVALID, "memlimit 100000000000 is outside"},
	    {"memlimit=8192 ", "memlimit=8191 ", QP_EINVALID, "memlimit 8191 is outside"},
	    {"memlimit=8192 ", "memlimit=16384 ", QP_EPERM, "wrong passphrase"},
	    {"argon2id13", "argon2i13", QP_EINVALID, "unsupported kdf"},
	    {"xchacha20poly1305", "aes256gcm", QP_EINVALID, "line 5: expected"},
	    {"salt=", "salt=AAAA", QP_EINVALID, "the salt is not base64 of 16 bytes"},
	    {"nonce=", "nonce=AAAA", QP_EINVALID, "the nonce is not base64 of 24 bytes"},
	    {"sealed: ", "sealed: AAAA", QP_EINVALID, "the sealed seed is not base64 of 48 bytes"},
	    {"sealed: ", "sealed:  ", QP_EINVALID, "the sealed seed is not base64"},
	    {"cipher: ", "cypher: ", QP_EINVALID, "line 5 must start with 'cipher: '"},
	    {"sealed: ", "sealed ", QP_EINVALID, "line 6 must start with 'sealed: '"},
	};
	unlink(f->backup);
	assert_int_equal(qp_key_save(f->key, f->backup, PASS), QP_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		edit_file(f->path, cases[i].from, cases[i].to);
		expect_load_error(f->path, PASS, cases[i].code, cases[i].needle);
	}
	/* One flipped character of the sealed seed (kept valid base64). */
	{
		size_t len;
		tu_copy(f->backup, f->path);
		chmod(f->path, 0600);
		char *data = (char *)tu_read(f->path, &len);
		char *at = strstr(data, "sealed: ") + 8 + 10;
		*at = *at == 'A' ? 'B' : 'A';
		write_private(f->path, data, len);
		free(data);
		expect_load_error(f->path, PASS, QP_EPERM, "wrong passphrase");
	}

	free(vkey);
	free(other_vkey);
	free(same_name_vkey);
	qp_key_free(other);
	qp_key_free(same_name);
}

static void test_file_exists(void **state)
{
	fixture *f = *state;
	char want[512];
	qp_key *other = tu_seeded_key("other", 1);

	assert_int_equal(qp_key_save(f->key, f->path, PASS), QP_OK);
	tu_copy(f->path, f->backup);
	snprintf(want, sizeof(want), "%s already exists; refusing to overwrite a key", f->path);
	assert_int_equal(qp_key_save(other, f->path, PASS), QP_ECONFLICT);
	assert_error_contains(want);
	assert_int_equal(qp_key_save(other, f->path, NULL), QP_ECONFLICT);
	assert_true(tu_same_file(f->path, f->backup));
	assert_int_equal(file_mode(f->path), 0600);

	/* Not a file at all. */
	assert_int_equal(qp_key_save(f->key, f->dir, NULL), QP_ECONFLICT);
	qp_key_free(other);
}

static void test_file_symlink(void **state)
{
	fixture *f = *state;
	char *target = tu_path(f->dir, "target.key");
	char *link = tu_path(f->dir, "link.key");

	/* A dangling symlink: saving must not create its target. */
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(qp_key_save(f->key, link, PASS), QP_ECONFLICT);
	assert_false(tu_exists(target));
	unlink(link);

	/* A symlink to a good key file: loading refuses to follow it. */
	assert_int_equal(qp_key_save(f->key, target, NULL), QP_OK);
	tu_copy(target, f->backup);
	assert_int_equal(symlink(target, link), 0);
	expect_load_error(link, NULL, QP_EPERM, "symbolic link");
	int enc;
	assert_int_equal(qp_key_file_encrypted(&enc, link), QP_EPERM);
	assert_int_equal(qp_key_save(f->key, link, NULL), QP_ECONFLICT);
	assert_true(tu_same_file(target, f->backup));

	free(target);
	free(link);
}

static void test_file_umask(void **state)
{
	fixture *f = *state;
	static const mode_t masks[] = {0, 0022, 0277, 0777};
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		mode_t old = umask(masks[i]);
		unlink(f->path);
		int rc = qp_key_save(f->key, f->path, i % 2 ? PASS : NULL);
		umask(old);
		assert_int_equal(rc, QP_OK);
		assert_int_equal(file_mode(f->path), 0600);
		qp_key *back = NULL;
		assert_int_equal(qp_key_load(&back, f->path, PASS), QP_OK);
		qp_key_free(back);
	}
}

static void test_file_not_a_key(void **state)
{
	fixture *f = *state;
	char want[512];
	int enc = -1;

	snprintf(want, sizeof(want), "%s: no such key file", f->path);
	expect_load_error(f->path, NULL, QP_ENOTFOUND, want);
	assert_int_equal(qp_key_file_encrypted(&enc, f->path), QP_ENOTFOUND);

	/* A directory, owner-only. */
	assert_int_equal(chmod(f->dir, 0700), 0);
	expect_load_error(f->dir, NULL, QP_EINVALID, "not a regular file");

	/* A FIFO must neither hang nor be read. */
	char *fifo = tu_path(f->dir, "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_load_error(fifo, NULL, QP_EINVALID, "not a regular file");
	unlink(fifo);
	free(fifo);

	/* Too large. */
	size_t big = 16385;
	char *data = malloc(big);
	memset(data, 'x', big);
	write_private(f->path, data, big);
	expect_load_error(f->path, NULL, QP_EINVALID, "too large for a key file");
	/* Exactly the limit is read, then refused as not a key file. */
	write_private(f->path, data, big - 1);
	expect_load_error(f->path, NULL, QP_EINVALID, "not a quanpiao secret key file");
	free(data);

	/* Some other text. */
	write_private(f->path, "hello\n", 6);
	expect_load_error(f->path, NULL, QP_EINVALID, "not a quanpiao secret key file");
	write_private(f->path, "quanpiao secret key v1\n", 23);
	expect_load_error(f->path, NULL, QP_EINVALID, "line 2 (name) is missing");
	write_private(f->path, "quanpiao secret key v1\nname: a\nvkey: ", 37);
	expect_load_error(f->path, NULL, QP_EINVALID, "line 3 (vkey) is incomplete");
}

/* ---- allocation failures -------------------------------------------- */

/* Fail the 1st, 2nd, ... allocation of load until it succeeds; each failure is QP_ENOMEM. */
static void load_until_success(const char *path, const char *pass, const qp_key *want)
{
	unsigned long n;
	for (n = 1; n < 1000; n++) {
		qp_key *key = (qp_key *)&key;
		qp_alloc_fail_at(n, 0);
		int rc = qp_key_load(&key, path, pass);
		qp_alloc_fail_at(0, 0);
		if (rc == QP_OK) {
			assert_same_key(key, want);
			qp_key_free(key);
			break;
		}
		assert_int_equal(rc, QP_ENOMEM);
		assert_null(key);
	}
	assert_true(n > 1 && n < 1000);
}

static void test_alloc_failures(void **state)
{
	fixture *f = *state;
	unsigned long n;

	/* qp_key_save: nothing is left behind. */
	for (n = 1; n < 1000; n++) {
		qp_alloc_fail_at(n, 0);
		int rc = qp_key_save(f->key, f->path, PASS);
		qp_alloc_fail_at(0, 0);
		if (rc == QP_OK)
			break;
		assert_int_equal(rc, QP_ENOMEM);
		assert_false(tu_exists(f->path));
	}
	assert_true(n > 1 && n < 1000);
	load_until_success(f->path, PASS, f->key);
	unlink(f->path);
	assert_int_equal(qp_key_save(f->key, f->path, NULL), QP_OK);
	load_until_success(f->path, NULL, f->key);

	/* qp_verifier_parse and qp_verifier_string. */
	for (n = 1; n < 1000; n++) {
		qp_verifier *v = (qp_verifier *)&v;
		qp_alloc_fail_at(n, 0);
		int rc = qp_verifier_parse(&v, PETER_VKEY "\n");
		qp_alloc_fail_at(0, 0);
		if (rc == QP_OK) {
			char *s = (char *)&s;
			qp_alloc_fail_at(1, 0);
			rc = qp_verifier_string(&s, v);
			qp_alloc_fail_at(0, 0);
			assert_int_equal(rc, QP_ENOMEM);
			assert_null(s);
			qp_verifier_free(v);
			break;
		}
		assert_int_equal(rc, QP_ENOMEM);
		assert_null(v);
	}
	assert_true(n > 1 && n < 1000);

	/* Making keys. */
	for (n = 1; n < 1000; n++) {
		qp_key *key = (qp_key *)&key;
		qp_alloc_fail_at(n, 0);
		int rc = qp_key_generate(&key, "gen");
		qp_alloc_fail_at(0, 0);
		if (rc == QP_OK) {
			qp_key_free(key);
			break;
		}
		assert_int_equal(rc, QP_ENOMEM);
		assert_null(key);
	}
	assert_true(n > 1 && n < 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_name),
	    cmocka_unit_test(test_compute_id),
	    cmocka_unit_test(test_rfc8032),
	    cmocka_unit_test(test_example_vkey),
	    cmocka_unit_test(test_peter_neumann),
	    cmocka_unit_test(test_verifier_parse_whitespace),
	    cmocka_unit_test(test_verifier_parse_errors),
	    cmocka_unit_test(test_verifier_cosignature),
	    cmocka_unit_test(test_generate),
	    cmocka_unit_test_setup_teardown(test_file_encrypted_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_default_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_clear_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_wrong_passphrase, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_empty_passphrase, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_edited, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_exists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_symlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_umask, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_not_a_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
