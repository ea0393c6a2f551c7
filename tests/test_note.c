/*
 * test_note.c - signed notes (c2sp.org/signed-note).
 *
 * Known answers come from the C2SP example note and from Go's
 * golang.org/x/mod/sumdb/note tests (the PeterNeumann and EnochRoot keys,
 * whose notes any C2SP verifier accepts), so our output is checked byte for
 * byte against another implementation.  Then every parsing rule is broken
 * once, and every allocation of sign, parse and open fails in turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <quanpiao/error.h>
#include <quanpiao/keys.h>
#include <quanpiao/note.h>

#include "alloc.h"
#include "note_internal.h"
#include "testutil.h"

/* ---- known answers from Go's sumdb/note tests ---------------------- */

#define PETER_SKEY_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz" /* 0x01 || seed */
#define PETER_VKEY     "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define ENOCH_VKEY     "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define GO_TEXT                                                                                              \
	"If you think cryptography is the answer to your problem,\n"                                         \
	"then you don't know what your problem is.\n"
#define PETER_SIG                                                                                            \
	"\xE2\x80\x94 PeterNeumann "                                                                         \
	"x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG                                                                                            \
	"\xE2\x80\x94 EnochRoot "                                                                            \
	"rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

/* ---- helpers ------------------------------------------------------- */

static char *read_data(const char *name, size_t *len)
{
	const char *dir = getenv("QP_TEST_DATA");
	assert_non_null(dir);
	char *path = tu_path(dir, name);
	unsigned char *data = tu_read(path, len);
	assert_non_null(data);
	free(path);
	char *text = realloc(data, *len + 1);
	assert_non_null(text);
	text[*len] = '\0';
	return text;
}

static qp_verifier *parse_vkey(const char *s)
{
	qp_verifier *v = NULL;
	assert_int_equal(qp_verifier_parse(&v, s), QP_OK);
	return v;
}


static qp_key *peter_key(void)
{
	unsigned char raw[33];
	size_t len = 0;
	qp_key *key = NULL;
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), PETER_SKEY_B64, strlen(PETER_SKEY_B64), NULL,
					   &len, NULL, sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(len, 33);
	assert_int_equal(qp_key_from_seed(&key, "PeterNeumann", raw + 1), QP_OK);
	sodium_memzero(raw, sizeof(raw));
	return key;
}

static qp_verifier *verifier_of(const qp_key *key)
{
	qp_verifier *v = NULL;
	assert_int_equal(qp_key_verifier(&v, key), QP_OK);
	return v;
}

static char *sign_str(const char *text, const qp_key *const *keys, size_t nkeys)
{
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(qp_note_sign(&out, &len, text, strlen(text), keys, nkeys), QP_OK);
	assert_int_equal(strlen(out), len);
	return out;
}

static void expect_open_error(const char *msg, size_t len, const qp_verifier *const *known, size_t nknown,
			      int code, const char *needle)
{
	qp_note *note = (qp_note *)&note;
	assert_int_equal(qp_note_open(&note, msg, len, known, nknown), code);
	assert_null(note);
	assert_error_contains(needle);
}

/* Parse and open must both refuse a malformed message with the same rule. */
static void expect_malformed(const char *msg, size_t len, const char *needle)
{
	qp_note *note = (qp_note *)&note;
	assert_int_equal(qp_note_parse(&note, msg, len), QP_EINVALID);
	assert_null(note);
	assert_error_contains(needle);
	expect_open_error(msg, len, NULL, 0, QP_EINVALID, needle);
}

/* Flip one base64 character (to another valid one) at offset at of the first signature after "prefix". */
static char *corrupt_sig(const char *msg, const char *prefix, size_t at)
{
	char *copy = strdup(msg);
	assert_non_null(copy);
	char *p = strstr(copy, prefix);
	assert_non_null(p);
	p += strlen(prefix) + at;
	*p = *p == 'A' ? 'B' : 'A';
	return copy;
}

/* ---- known answers -------------------------------------------------- */

static void test_example_note(void **state)
{
	size_t msg_len, vkey_len;
	char *msg = read_data("signed-note-example.txt", &msg_len);
	char *vkey = read_data("signed-note-example.vkey", &vkey_len);
	qp_verifier *v = parse_vkey(vkey);
	const qp_verifier *known[] = {v};
	qp_note *note = NULL;

	assert_int_equal(qp_verifier_id(v), 0x530d903a);
	assert_int_equal(qp_note_open(&note, msg, msg_len, known, 1), QP_OK);
	assert_string_equal(note->text, "This is an example message.\n");
	assert_int_equal(note->text_len, strlen("This is an example message.\n"));
	assert_int_equal(note->nsigs, 1);
	assert_string_equal(note->sigs[0].name, "example.com/foo");
	assert_int_equal(note->sigs[0].id, 0x530d903a);
	assert_int_equal(note->sigs[0].sig_len, QP_SIGNATURE_LEN);
	assert_ptr_equal(note->sigs[0].by, v);
	qp_note_free(note);

	/* Parsing alone verifies nothing. */
	assert_int_equal(qp_note_parse(&note, msg, msg_len), QP_OK);
	assert_int_equal(note->nsigs, 1);
	assert_null(note->sigs[0].by);
	qp_note_free(note);

	/* One altered byte of the text. */
	msg[5] = 'X';
	expect_open_error(msg, msg_len, known, 1, QP_EVERIFY, "signature by example.com/foo does not verify");

	qp_verifier_free(v);
	free(msg);
	free(vkey);
}

static void test_go_sign_known_answer(void **state)
{
	qp_key *peter = peter_key();
	const qp_key *keys[] = {peter};
	char *msg = sign_str(GO_TEXT, keys, 1);
	assert_string_equal(msg, GO_TEXT "\n" PETER_SIG);
	free(msg);
	qp_key_free(peter);
}

static void test_go_open(void **state)
{
	static const char msg[] = GO_TEXT "\n" PETER_SIG ENOCH_SIG;
	qp_verifier *peter = parse_vkey(PETER_VKEY), *enoch = parse_vkey(ENOCH_VKEY);
	const qp_verifier *both[] = {peter, enoch}, *only_peter[] = {peter}, *only_enoch[] = {enoch};
	qp_note *note = NULL;

	assert_int_equal(qp_note_open(&note, msg, strlen(msg), only_peter, 1), QP_OK);
	assert_string_equal(note->text, GO_TEXT);
	assert_int_equal(note->nsigs, 2);
	assert_ptr_equal(note->sigs[0].by, peter);
	assert_null(note->sigs[1].by);
	assert_string_equal(note->sigs[1].name, "EnochRoot");
	assert_int_equal(note->sigs[1].id, 0xaf0cfe78);
	qp_note_free(note);

	assert_int_equal(qp_note_open(&note, msg, strlen(msg), both, 2), QP_OK);
	assert_ptr_equal(note->sigs[0].by, peter);
	assert_ptr_equal(note->sigs[1].by, enoch);
	qp_note_free(note);

	assert_int_equal(qp_note_open(&note, msg, strlen(msg), only_enoch, 1), QP_OK);
	assert_null(note->sigs[0].by);
	assert_ptr_equal(note->sigs[1].by, enoch);
	qp_note_free(note);

	expect_open_error(msg, strlen(msg), NULL, 0, QP_EVERIFY,
			  "no signature by a known key (signed by: PeterNeumann, EnochRoot)");

	qp_verifier_free(peter);
	qp_verifier_free(enoch);
}

/* ---- signing and opening ------------------------------------------- */

static void test_roundtrip_one(void **state)
{
	qp_key *k = tu_seeded_key("330681.officer.zhang-wei", 1);
	qp_verifier *v = verifier_of(k);
	const qp_key *keys[] = {k};
	const qp_verifier *known[] = {v};
#define ENTRY_TEXT "quanpiao/entry/v1\n{\"body\":{},\"type\":\"cert.issue\"}\n"
	static const char text[] = ENTRY_TEXT;
	char *msg = sign_str(text, keys, 1);
	qp_note *note = NULL;

	assert_true(strncmp(msg, ENTRY_TEXT "\n\xE2\x80\x94 330681.officer.zhang-wei ",
			    strlen(text) + 1 + 4 + 25) == 0);
	assert_int_equal(msg[strlen(msg) - 1], '\n');
	assert_int_equal(qp_note_open(&note, msg, strlen(msg), known, 1), QP_OK);
	assert_string_equal(note->text, text);
	assert_int_equal(note->nsigs, 1);
	assert_int_equal(note->sigs[0].id, qp_key_id(k));
	assert_ptr_equal(note->sigs[0].by, v);
	qp_note_free(note);

	/* Ed25519 is deterministic: signing again gives the same bytes. */
	char *again = sign_str(text, keys, 1);
	assert_string_equal(again, msg);
	free(again);

	free(msg);
	qp_verifier_free(v);
	qp_key_free(k);
}

static void test_roundtrip_three(void **state)
{
	qp_key *k[3] = {tu_seeded_key("a.officer", 1), tu_seeded_key("b.log", 2), tu_seeded_key("c.auditor", 3)};
	qp_verifier *v[3] = {verifier_of(k[0]), verifier_of(k[1]), verifier_of(k[2])};
	const qp_key *keys[] = {k[0], k[1], k[2]};
	const qp_verifier *known[] = {v[2], v[0], v[1]}, *only_b[] = {v[1]};
	static const char text[] = "330681\n42\nabcdefghij=\n";
	char *msg = sign_str(text, keys, 3);
	qp_note *note = NULL;

	/* Lines in the order of the keys. */
	const char *a = strstr(msg, "\n\xE2\x80\x94 a.officer ");
	const char *b = strstr(msg, "\n\xE2\x80\x94 b.log ");
	const char *c = strstr(msg, "\n\xE2\x80\x94 c.auditor ");
	assert_true(a != NULL && b != NULL && c != NULL && a < b && b < c);
	assert_ptr_equal(a, msg + strlen(text));

	assert_int_equal(qp_note_open(&note, msg, strlen(msg), known, 3), QP_OK);
	assert_int_equal(note->nsigs, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(note->sigs[i].name, qp_key_name(k[i]));
		assert_int_equal(note->sigs[i].id, qp_key_id(k[i]));
		assert_ptr_equal(note->sigs[i].by, v[i]);
	}
	qp_note_free(note);

	assert_int_equal(qp_note_open(&note, msg, strlen(msg), only_b, 1), QP_OK);
	assert_null(note->sigs[0].by);
	assert_ptr_equal(note->sigs[1].by, v[1]);
	assert_null(note->sigs[2].by);
	qp_note_free(note);

	/* A bad signature by a known key fails the note even when others verify. */
	char *bad = corrupt_sig(msg, "\xE2\x80\x94 c.auditor ", 20);
	expect_open_error(bad, strlen(bad), known, 3, QP_EVERIFY, "signature by c.auditor does not verify");
	/* ... and is just unknown to someone who does not know that key. */
	assert_int_equal(qp_note_open(&note, bad, strlen(bad), only_b, 1), QP_OK);
	qp_note_free(note);
	free(bad);

	for (int i = 0; i < 3; i++) {
		qp_verifier_free(v[i]);
		qp_key_free(k[i]);
	}
	free(msg);
}

static void test_open_unknown_and_mismatch(void **state)
{
	qp_key *k = tu_seeded_key("330681.officer.zhang-wei", 1);
	qp_key *impostor = tu_seeded_key("330681.officer.zhang-wei", 2); /* same name, another key */
	qp_key *other = tu_seeded_key("330681.officer.li-na", 3);
	qp_verifier *vi = verifier_of(impostor), *vo = verifier_of(other), *vk = verifier_of(k);
	const qp_key *keys[] = {k, other};
	char *msg = sign_str("text\n", keys, 1), *msg2 = sign_str("text\n", keys, 2);
	qp_note *note = NULL;

	assert_int_not_equal(qp_verifier_id(vi), qp_key_id(k));
	{
		const qp_verifier *known[] = {vo};
		expect_open_error(msg, strlen(msg), known, 1, QP_EVERIFY,
				  "no signature by a known key (signed by: 330681.officer.zhang-wei)");
	}
	{
		/* Same name, different key ID: unknown, not a bad signature. */
		const qp_verifier *known[] = {vi};
		expect_open_error(msg, strlen(msg), known, 1, QP_EVERIFY, "no signature by a known key");
		const qp_verifier *known2[] = {vi, vo};
		assert_int_equal(qp_note_open(&note, msg2, strlen(msg2), known2, 2), QP_OK);
		assert_null(note->sigs[0].by);
		assert_ptr_equal(note->sigs[1].by, vo);
		qp_note_free(note);
	}
	{
		/* NULL entries in the known list are skipped. */
		const qp_verifier *known[] = {NULL, vk};
		assert_int_equal(qp_note_open(&note, msg, strlen(msg), known, 2), QP_OK);
		assert_ptr_equal(note->sigs[0].by, vk);
		qp_note_free(note);
	}
	{
		/* A cosignature verifier of the same key and name is not an Ed25519 note verifier. */
		unsigned char raw[33];
		char b64[64], vkey[256];
		raw[0] = QP_KEY_TYPE_COSIGNATURE;
		memcpy(raw + 1, qp_key_public(k), 32);
		sodium_bin2base64(b64, sizeof(b64), raw, 33, sodium_base64_VARIANT_ORIGINAL);
		snprintf(vkey, sizeof(vkey), "330681.officer.zhang-wei+%08x+%s",
			 qp_key_compute_id("330681.officer.zhang-wei", QP_KEY_TYPE_COSIGNATURE, raw + 1),
			 b64);
		qp_verifier *vc = parse_vkey(vkey);
		const qp_verifier *known[] = {vc};
		expect_open_error(msg, strlen(msg), known, 1, QP_EVERIFY, "no signature by a known key");
		qp_verifier_free(vc);
	}
	{
		/* A known key's signature line cut to 5 bytes (ID + 1) parses but does not verify. */
		unsigned char raw[5] = {0, 0, 0, 0, 0xAA};
		char b64[16], bad[256];
		uint32_t id = qp_key_id(k);
		raw[0] = (unsigned char)(id >> 24);
		raw[1] = (unsigned char)(id >> 16);
		raw[2] = (unsigned char)(id >> 8);
		raw[3] = (unsigned char)id;
		sodium_bin2base64(b64, sizeof(b64), raw, 5, sodium_base64_VARIANT_ORIGINAL);
		snprintf(bad, sizeof(bad), "text\n\n\xE2\x80\x94 330681.officer.zhang-wei %s\n", b64);
		assert_int_equal(qp_note_parse(&note, bad, strlen(bad)), QP_OK);
		assert_int_equal(note->sigs[0].sig_len, 1);
		qp_note_free(note);
		const qp_verifier *known[] = {vk};
		expect_open_error(bad, strlen(bad), known, 1, QP_EVERIFY,
				  "signature by 330681.officer.zhang-wei does not verify");
	}
	{
		/* The same signature twice is fine; both lines verify. */
		char *dup = malloc(strlen(msg) * 2);
		const char *line = strstr(msg, "\n\n") + 2;
		snprintf(dup, strlen(msg) * 2, "%s%s", msg, line);
		const qp_verifier *known[] = {vk};
		assert_int_equal(qp_note_open(&note, dup, strlen(dup), known, 1), QP_OK);
		assert_int_equal(note->nsigs, 2);
		assert_ptr_equal(note->sigs[1].by, vk);
		qp_note_free(note);
		free(dup);
	}
	assert_int_equal(qp_note_open(NULL, msg, strlen(msg), NULL, 0), QP_EUSAGE);
	assert_int_equal(qp_note_open(&note, msg, strlen(msg), NULL, 1), QP_EUSAGE);
	qp_note_free(NULL);

	free(msg);
	free(msg2);
	qp_verifier_free(vi);
	qp_verifier_free(vo);
	qp_verifier_free(vk);
	qp_key_free(k);
	qp_key_free(impostor);
	qp_key_free(other);
}

static void test_texts(void **state)
{
	/* Blank lines inside or at the end of the text, and UTF-8, survive a round trip. */
	static const char *texts[] = {
	    "a\n\nb\n",
	    "a\n\n",
	    "\n\nx\n",
	    "\xe6\xb5\x99(2026)"
	    "\xe8\xaf\xb8\xe6\x9a\xa8\xe5\xb8\x82\xe4\xbf\x9d\xe9\x9a\x9c\xe6\x9d\x83\xe7\xa5\xa8\n",
	    "\xf0\x9f\x8f\xa0 U+1F3E0, \xef\xbf\xbd U+FFFD, \xc2\xa0 U+00A0, ~\n",
	};
	qp_key *k = tu_seeded_key("k", 5);
	qp_verifier *v = verifier_of(k);
	const qp_key *keys[] = {k};
	const qp_verifier *known[] = {v};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *msg = sign_str(texts[i], keys, 1);
		qp_note *note = NULL;
		assert_int_equal(qp_note_open(&note, msg, strlen(msg), known, 1), QP_OK);
		assert_string_equal(note->text, texts[i]);
		assert_int_equal(note->text_len, strlen(texts[i]));
		qp_note_free(note);
		free(msg);
	}
	qp_verifier_free(v);
	qp_key_free(k);
}

/* ---- strict parsing ------------------------------------------------- */

static void test_parse_rules(void **state)
{
	qp_key *k = tu_seeded_key("alice", 7);
	const qp_key *keys[] = {k};
	char *good = sign_str("hello\n", keys, 1);
	const char *sigline = good + strlen("hello\n\n"); /* "— alice <b64>\n" */
	const char *b64 = sigline + strlen("\xE2\x80\x94 alice ");
	char msg[4096];
	size_t n;

	/* The good note parses. */
	qp_note *note = NULL;
	assert_int_equal(qp_note_parse(&note, good, strlen(good)), QP_OK);
	qp_note_free(note);

	/* Whole-message rules. */
	expect_malformed(good, 0, "note is empty");
	expect_malformed(good, strlen(good) - 1, "signature line 1 does not end in a newline");
	snprintf(msg, sizeof(msg), "hello\n%s", sigline);
	expect_malformed(msg, strlen(msg), "no blank line between its text and its signatures");
	expect_malformed("hello\n\n", 7, "no signature lines after its last blank line");
	snprintf(msg, sizeof(msg), "%s\n", good);
	expect_malformed(msg, strlen(msg), "no signature lines after its last blank line");
	snprintf(msg, sizeof(msg), "%sXYZ", good);
	expect_malformed(msg, strlen(msg), "3 unexpected bytes after signature line 1");
	snprintf(msg, sizeof(msg), "%sUnexpected line.\n", good);
	expect_malformed(msg, strlen(msg), "signature line 2 does not start with U+2014 and a space");
	snprintf(msg, sizeof(msg), "\n\n%s", sigline);
	expect_malformed(msg, strlen(msg), "note text is empty");

	/* Text rules: control characters and UTF-8, with the byte at fault. */
	static const struct {
		const char *text;
		size_t len;
		const char *needle;
	} texts[] = {
	    {"hel\rlo\n", 7, "control character (U+000D) at byte 4"},
	    {"hel\tlo\n", 7, "control character (U+0009) at byte 4"},
	    {"hel\0lo\n", 7, "control character (U+0000) at byte 4"},
	    {"\x1b[31m\n", 6, "control character (U+001B) at byte 1"},
	    {"del\x7f\n", 5, "control character (U+007F) at byte 4"},
	    {"c1\xc2\x85\n", 5, "control character (U+0085) at byte 3"},
	    {"\xff\n", 2, "not valid UTF-8 at byte 1"},
	    {"ab\xc0\xaf\n", 5, "not valid UTF-8 at byte 3"},	      /* overlong '/' */
	    {"ab\xe0\x80\xaf\n", 6, "not valid UTF-8 at byte 3"},     /* overlong */
	    {"ab\xed\xa0\x80\n", 6, "not valid UTF-8 at byte 3"},     /* surrogate */
	    {"ab\xf4\x90\x80\x80\n", 7, "not valid UTF-8 at byte 3"}, /* above U+10FFFF */
	    {"ab\xe2\x80\n", 5, "not valid UTF-8 at byte 3"},	      /* cut short */
	    {"ab\x80\n", 4, "not valid UTF-8 at byte 3"},	      /* lone continuation */
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		memcpy(msg, texts[i].text, texts[i].len);
		n = texts[i].len;
		msg[n++] = '\n';
		memcpy(msg + n, sigline, strlen(sigline));
		n += strlen(sigline);
		expect_malformed(msg, n, texts[i].needle);
	}

	/* Signature line rules. */
	static const struct {
		const char *before; /* the good base64 goes between before and after */
		int b64;
		const char *after, *needle;
	} lines[] = {
	    {"- alice ", 1, "\n", "signature line 1 does not start with U+2014 and a space"},
	    {"\xE2\x80\x93 alice ", 1, "\n", "signature line 1 does not start with U+2014 and a space"},
	    {"\xE2\x80\x94"
	     "alice ",
	     1, "\n", "signature line 1 does not start with U+2014 and a space"},
	    {"\xE2\x80\x94  alice ", 1, "\n", "more than one space after U+2014"},
	    {"\xE2\x80\x94 alice  ", 1, "\n", "more than one space between the key name and the signature"},
	    {"\xE2\x80\x94 alice", 1, "\n", "no space between the key name and the signature"},
	    {"\xE2\x80\x94 alice ", 0, "\n", "no signature after the key name"},
	    {"\xE2\x80\x94 al+ice ", 1, "\n", "signature line 1: key name contains '+' at byte 3"},
	    {"\xE2\x80\x94 al\xc3\xa9 ", 1, "\n", "signature line 1: key name contains byte 0xC3"},
	    {"\xE2\x80\x94 alice ", 1, " \n", "not valid base64"},
	    {"\xE2\x80\x94 alice ", 1, "\r\n", "not valid base64"},
	    {"\xE2\x80\x94 alice !!!!", 0, "\n", "not valid base64"},
	    {"\xE2\x80\x94 alice AAAAAAA", 0, "\n", "not valid base64"},  /* no padding */
	    {"\xE2\x80\x94 alice AAAAAAA=", 1, "\n", "not valid base64"}, /* data after padding */
	    {"\xE2\x80\x94 alice AAAAAA==", 0, "\n", "decodes to 4 bytes; at least 5 are needed"},
	    {"\xE2\x80\x94 alice AA==", 0, "\n", "decodes to 1 bytes"},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(msg, sizeof(msg), "hello\n\n%s%.*s%s", lines[i].before,
			 lines[i].b64 ? (int)(strlen(b64) - 1) : 0, b64, lines[i].after);
		expect_malformed(msg, strlen(msg), lines[i].needle);
	}
	/* The rule on line 2 names line 2. */
	snprintf(msg, sizeof(msg), "%s- alice x\n", good);
	expect_malformed(msg, strlen(msg), "signature line 2 does not start");

	/* Size limits. */
	char *big = malloc(QP_NOTE_MAX_SIZE + 1);
	memset(big, 'a', QP_NOTE_MAX_SIZE + 1);
	expect_malformed(big, QP_NOTE_MAX_SIZE + 1, "at most 1048576 are allowed");
	free(big);

	/* At most QP_NOTE_MAX_SIGS signature lines. */
	size_t cap = 8 + (QP_NOTE_MAX_SIGS + 1) * strlen(sigline);
	char *many = malloc(cap);
	n = 0;
	memcpy(many, "hello\n\n", 7);
	n = 7;
	for (int i = 0; i < QP_NOTE_MAX_SIGS; i++) {
		memcpy(many + n, sigline, strlen(sigline));
		n += strlen(sigline);
	}
	qp_verifier *v = verifier_of(k);
	const qp_verifier *known[] = {v};
	assert_int_equal(qp_note_open(&note, many, n, known, 1), QP_OK);
	assert_int_equal(note->nsigs, QP_NOTE_MAX_SIGS);
	qp_note_free(note);
	memcpy(many + n, sigline, strlen(sigline));
	n += strlen(sigline);
	expect_malformed(many, n, "note has 101 signature lines; at most 100 are allowed");
	free(many);

	assert_int_equal(qp_note_parse(NULL, good, strlen(good)), QP_EUSAGE);
	assert_int_equal(qp_note_parse(&note, NULL, 5), QP_EUSAGE);

	qp_verifier_free(v);
	free(good);
	qp_key_free(k);
}

static void test_sign_rules(void **state)
{
	qp_key *k = tu_seeded_key("alice", 7);
	const qp_key *keys[] = {k}, *with_null[] = {k, NULL};
	char *out = (char *)&out;
	size_t len = 99;

	static const struct {
		const char *text;
		size_t len;
		const char *needle;
	} bad[] = {
	    {"", 0, "note text is empty"},
	    {"\n", 1, "note text is empty"},
	    {"abc", 3, "note text does not end in a newline"},
	    {"a\r\n", 3, "control character (U+000D) at byte 2"},
	    {"a\tb\n", 4, "control character (U+0009) at byte 2"},
	    {"a\0b\n", 4, "control character (U+0000) at byte 2"},
	    {"\xc3\x28\n", 3, "not valid UTF-8 at byte 1"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(qp_note_sign(&out, &len, bad[i].text, bad[i].len, keys, 1), QP_EINVALID);
		assert_null(out);
		assert_int_equal(len, 0);
		assert_error_contains(bad[i].needle);
		out = (char *)&out;
	}
	assert_int_equal(qp_note_sign(&out, &len, "a\n", 2, keys, 0), QP_EUSAGE);
	assert_int_equal(qp_note_sign(&out, &len, "a\n", 2, NULL, 1), QP_EUSAGE);
	assert_int_equal(qp_note_sign(&out, &len, "a\n", 2, with_null, 2), QP_EUSAGE);
	assert_int_equal(qp_note_sign(&out, &len, NULL, 2, keys, 1), QP_EUSAGE);
	assert_int_equal(qp_note_sign(NULL, &len, "a\n", 2, keys, 1), QP_EUSAGE);
	assert_int_equal(qp_note_sign(&out, NULL, "a\n", 2, keys, 1), QP_EUSAGE);

	const qp_key *too_many[QP_NOTE_MAX_SIGS + 1];
	for (int i = 0; i <= QP_NOTE_MAX_SIGS; i++)
		too_many[i] = k;
	assert_int_equal(qp_note_sign(&out, &len, "a\n", 2, too_many, QP_NOTE_MAX_SIGS + 1), QP_EUSAGE);
	assert_int_equal(qp_note_sign(&out, &len, "a\n", 2, too_many, QP_NOTE_MAX_SIGS), QP_OK);
	free(out);

	/* A text that would make a note over the size limit. */
	char *big = malloc(QP_NOTE_MAX_SIZE);
	memset(big, 'a', QP_NOTE_MAX_SIZE);
	big[QP_NOTE_MAX_SIZE - 1] = '\n';
	assert_int_equal(qp_note_sign(&out, &len, big, QP_NOTE_MAX_SIZE, keys, 1), QP_EINVALID);
	assert_error_contains("at most 1048576 are allowed");
	assert_null(out);
	free(big);
	qp_key_free(k);
}

/* ---- allocation failures -------------------------------------------- */

static void test_alloc_failures(void **state)
{
	qp_key *k[3] = {tu_seeded_key("a", 1), tu_seeded_key("b", 2), tu_seeded_key("c", 3)};
	qp_verifier *v[3] = {verifier_of(k[0]), verifier_of(k[1]), verifier_of(k[2])};
	const qp_key *keys[] = {k[0], k[1], k[2]};
	const qp_verifier *known[] = {v[0], v[1], v[2]};
	static const char text[] = "origin\n7\nroot=\n";
	char *msg = NULL;
	size_t msg_len = 0;
	unsigned long n;
	int rc;

	for (n = 1; n < 1000; n++) {
		char *out = (char *)&out;
		size_t len = 99;
		qp_alloc_fail_at(n, 0);
		rc = qp_note_sign(&out, &len, text, strlen(text), keys, 3);
		qp_alloc_fail_at(0, 0);
		if (rc == QP_OK) {
			msg = out;
			msg_len = len;
			break;
		}
		assert_int_equal(rc, QP_ENOMEM);
		assert_null(out);
		assert_int_equal(len, 0);
	}
	assert_true(n > 1 && n < 1000);

	for (int verify = 0; verify <= 1; verify++) {
		for (n = 1; n < 1000; n++) {
			qp_note *note = (qp_note *)&note;
			qp_alloc_fail_at(n, 0);
			rc = verify ? qp_note_open(&note, msg, msg_len, known, 3)
				    : qp_note_parse(&note, msg, msg_len);
			qp_alloc_fail_at(0, 0);
			if (rc == QP_OK) {
				assert_int_equal(note->nsigs, 3);
				qp_note_free(note);
				break;
			}
			assert_int_equal(rc, QP_ENOMEM);
			assert_null(note);
		}
		/* note, text, sigs, and a name and a signature per line */
		assert_int_equal(n, 1 + 3 + 2 * 3);
	}

	free(msg);
	for (int i = 0; i < 3; i++) {
		qp_verifier_free(v[i]);
		qp_key_free(k[i]);
	}
}

/* A note from a signature made elsewhere, and its signature line alone, equal the note qp_note_sign makes. */
static void test_sign_given(void **state)
{
	(void)state;
	static const char text[] = "quanpiao/entry/v1\n{\"x\":1}\n";
	const size_t len = sizeof(text) - 1;
	qp_key *k = tu_seeded_key("330681.officer.zhang-wei", 1);
	const qp_key *keys[1] = {k};
	char *want = NULL, *got = NULL, line[QP_NOTE_SIG_LINE_MAX];
	size_t want_len = 0, got_len = 0;
	unsigned char sig[QP_SIGNATURE_LEN];
	assert_int_equal(qp_note_sign(&want, &want_len, text, len, keys, 1), QP_OK);
	assert_int_equal(qp_key_sign(sig, k, text, len), QP_OK);
	assert_int_equal(qp_note_sign_given(&got, &got_len, text, len, k, sig), QP_OK);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
	/* The note is the text, an empty line and the signature line. */
	size_t n = qp_note_sig_line(line, sizeof(line), k, sig);
	assert_int_equal(len + 1 + n, want_len);
	assert_memory_equal(want, text, len);
	assert_int_equal(want[len], '\n');
	assert_memory_equal(want + len + 1, line, n);
	/* Exactly n bytes are enough; one fewer is refused, with nothing written past them. */
	assert_int_equal(qp_note_sig_line(line, n, k, sig), n);
	memset(line, 'z', sizeof(line));
	assert_int_equal(qp_note_sig_line(line, n - 1, k, sig), 0);
	assert_int_equal(line[0], 'z');
	assert_int_equal(qp_note_sign_given(&got, &got_len, text, len, k, NULL), QP_EUSAGE);
	qp_free(want);
	qp_free(got);
	qp_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_note),    cmocka_unit_test(test_go_sign_known_answer),
	    cmocka_unit_test(test_go_open),	    cmocka_unit_test(test_roundtrip_one),
	    cmocka_unit_test(test_roundtrip_three), cmocka_unit_test(test_open_unknown_and_mismatch),
	    cmocka_unit_test(test_texts),	    cmocka_unit_test(test_parse_rules),
	    cmocka_unit_test(test_sign_rules),	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_sign_given),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
