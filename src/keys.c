/*
 * keys.c - Ed25519 keys, verifier-key strings and secret key files.
 *
 * A qp_key keeps its name, key ID and public key in ordinary memory and
 * its secret half (the 32-byte seed and libsodium's 64-byte secret key) in
 * sodium_malloc memory: guard pages, locked out of swap, made read-only
 * once filled (so that two threads may sign with one key), wiped by
 * sodium_free.  Anything else that holds a secret for a moment (a derived
 * key, base64 of a seed, a key file's bytes) is wiped before it is freed.
 *
 * Key files are text so that an officer can see what a file is:
 *
 *	quanpiao secret key v1
 *	name: <name>
 *	vkey: <verifier-key string>
 *	kdf: argon2id13 opslimit=<n> memlimit=<n> salt=<base64>
 *	cipher: xchacha20poly1305 nonce=<base64>
 *	sealed: <base64 of the sealed 32-byte seed>
 *
 * or, stored in clear on request, the first three lines and "seed: <base64>".
 * The first three lines are the additional data of the AEAD, so a file
 * whose name or vkey was edited does not decrypt.  Loading refuses files
 * that others can read, symlinks, oversized files and KDF limits that
 * would let a hostile file make us burn memory or time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "error.h"
#include "file.h"
#include "keys_internal.h"
#include "quanpiao/keys.h"

#define KEYFILE_HEADER "quanpiao secret key v1"
#define KEYFILE_MAX    16384 /* bytes; a real key file is under 1 KiB */
#define KEYFILE_BUILD  1024  /* room for the longest file we write    */
#define VKEY_RAW_LEN   (1 + QP_PUBLIC_KEY_LEN)
#define B64	       sodium_base64_VARIANT_ORIGINAL

#define SALT_LEN   crypto_pwhash_argon2id_SALTBYTES
#define NONCE_LEN  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define KEK_LEN	   crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SEALED_LEN (QP_SEED_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)

/* The secret half, in sodium_malloc memory. */
typedef struct key_secret {
	unsigned char seed[QP_SEED_LEN];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
} key_secret;

struct qp_key {
	char name[QP_KEY_NAME_MAX + 1];
	uint32_t id;
	unsigned char pub[QP_PUBLIC_KEY_LEN];
	key_secret *secret;
};

struct qp_verifier {
	char name[QP_KEY_NAME_MAX + 1];
	uint32_t id;
	uint8_t type;
	unsigned char pub[QP_PUBLIC_KEY_LEN];
};

/* Limits for new key files; 0 = default (see qp_key_set_kdf_limits). */
static unsigned long long kdf_opslimit;
static size_t kdf_memlimit;

static const unsigned char empty_msg[1];

void qp_key_set_kdf_limits(unsigned long long opslimit, size_t memlimit)
{
	kdf_opslimit = opslimit;
	kdf_memlimit = memlimit;
}

static int sodium_ready(void)
{
	if (sodium_init() < 0)
		return qp_error_set(QP_EINTERNAL, "libsodium failed to initialise");
	return QP_OK;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly b64_len base64 characters (standard alphabet, padded) into at most max bytes. */
static int b64_decode(unsigned char *bin, size_t max, size_t *bin_len, const char *b64, size_t b64_len)
{
	const char *end = NULL;
	*bin_len = 0;
	if (b64_len == 0)
		return -1;
	if (sodium_base642bin(bin, max, b64, b64_len, NULL, bin_len, &end, B64) != 0 || end != b64 + b64_len)
		return -1;
	return 0;
}

/* ---- names and key IDs --------------------------------------------- */

int qp_key_check_name_len(const char *name, size_t len)
{
	static const char rule[] = "names are 1-128 bytes of printable ASCII without spaces or '+'";
	if (name == NULL || len == 0)
		return qp_error_set(QP_EINVALID, "key name is empty; %s", rule);
	if (len > QP_KEY_NAME_MAX)
		return qp_error_set(QP_EINVALID, "key name is longer than %d bytes; %s", QP_KEY_NAME_MAX,
				    rule);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '+')
			return qp_error_set(QP_EINVALID, "key name contains '+' at byte %zu; %s", i + 1,
					    rule);
		if (c == ' ')
			return qp_error_set(QP_EINVALID, "key name contains a space at byte %zu; %s", i + 1,
					    rule);
		if (c < 0x21 || c > 0x7E)
			return qp_error_set(QP_EINVALID, "key name contains byte 0x%02X at byte %zu; %s", c,
					    i + 1, rule);
	}
	return QP_OK;
}

int qp_key_check_name(const char *name)
{
	if (name == NULL)
		return qp_error_set(QP_EINVALID, "key name is missing");
	return qp_key_check_name_len(name, strnlen(name, QP_KEY_NAME_MAX + 1));
}

static uint32_t compute_id(const char *name, size_t name_len, uint8_t type, const unsigned char *pub)
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char sep[2] = {0x0A, type};

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, name_len);
	crypto_hash_sha256_update(&st, sep, sizeof(sep));
	crypto_hash_sha256_update(&st, pub, QP_PUBLIC_KEY_LEN);
	crypto_hash_sha256_final(&st, digest);
	return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 | digest[3];
}

uint32_t qp_key_compute_id(const char *name, uint8_t type, const unsigned char pub[QP_PUBLIC_KEY_LEN])
{
	if (name == NULL || pub == NULL)
		return 0;
	return compute_id(name, strlen(name), type, pub);
}

/* ---- keys in memory ------------------------------------------------- */

/* A key named name with its secret memory allocated and zeroed (the caller fills the seed), or NULL
 * when out of memory (the error set). */
static qp_key *key_alloc(const char *name, size_t name_len)
{
	qp_key *key = qp_calloc(1, sizeof(*key));
	if (key == NULL) {
		qp_error_set(QP_ENOMEM, "out of memory for a key");
		return NULL;
	}
	key->secret = sodium_malloc(sizeof(*key->secret));
	if (key->secret == NULL) {
		qp_free(key);
		qp_error_set(QP_ENOMEM, "out of memory for a secret key (sodium_malloc)");
		return NULL;
	}
	sodium_memzero(key->secret, sizeof(*key->secret));
	memcpy(key->name, name, name_len);
	key->name[name_len] = '\0';
	return key;
}

/* Derive the key pair from the seed already in key->secret, then make the secret read-only. */
static void key_finish(qp_key *key)
{
	crypto_sign_seed_keypair(key->pub, key->secret->sk, key->secret->seed);
	key->id = compute_id(key->name, strlen(key->name), QP_KEY_TYPE_ED25519, key->pub);
	/* Defence in depth only: a failure leaves the memory writable, which is how it started. */
	(void)sodium_mprotect_readonly(key->secret);
}

static int key_new(qp_key **out, const char *name, const unsigned char *seed)
{
	qp_key *key = NULL;
	int err;

	if (out == NULL)
		return qp_error_set(QP_EUSAGE, "qp_key: no place for the key given");
	*out = NULL;
	if ((err = qp_key_check_name(name)) != QP_OK)
		return err;
	if ((err = sodium_ready()) != QP_OK)
		return err;
	if ((key = key_alloc(name, strlen(name))) == NULL)
		return QP_ENOMEM;
	if (seed != NULL)
		memcpy(key->secret->seed, seed, QP_SEED_LEN);
	else
		randombytes_buf(key->secret->seed, QP_SEED_LEN);
	key_finish(key);
	*out = key;
	return QP_OK;
}

int qp_key_generate(qp_key **out, const char *name)
{
	return key_new(out, name, NULL);
}

int qp_key_from_seed(qp_key **out, const char *name, const unsigned char seed[QP_SEED_LEN])
{
	if (seed == NULL) {
		if (out != NULL)
			*out = NULL;
		return qp_error_set(QP_EUSAGE, "qp_key_from_seed: no seed given");
	}
	return key_new(out, name, seed);
}

void qp_key_free(qp_key *key)
{
	if (key == NULL)
		return;
	if (key->secret != NULL)
		sodium_free(key->secret); /* wipes it */
	sodium_memzero(key, sizeof(*key));
	qp_free(key);
}

const char *qp_key_name(const qp_key *key)
{
	return key != NULL ? key->name : NULL;
}

uint32_t qp_key_id(const qp_key *key)
{
	return key != NULL ? key->id : 0;
}

const unsigned char *qp_key_public(const qp_key *key)
{
	return key != NULL ? key->pub : NULL;
}

int qp_key_sign(unsigned char sig[QP_SIGNATURE_LEN], const qp_key *key, const void *msg, size_t len)
{
	if (sig == NULL || key == NULL || (msg == NULL && len > 0))
		return qp_error_set(QP_EUSAGE, "qp_key_sign: no signature buffer, key or message given");
	if (crypto_sign_detached(sig, NULL, len > 0 ? msg : empty_msg, len, key->secret->sk) != 0)
		return qp_error_set(QP_EINTERNAL, "Ed25519 signing failed");
	return QP_OK;
}

/* ---- verifiers ------------------------------------------------------ */

static int verifier_new(qp_verifier **out, const char *name, size_t name_len, uint8_t type,
			const unsigned char *pub)
{
	qp_verifier *v = qp_calloc(1, sizeof(*v));
	*out = NULL;
	if (v == NULL)
		return QP_ENOMEM;
	memcpy(v->name, name, name_len);
	v->name[name_len] = '\0';
	v->type = type;
	memcpy(v->pub, pub, QP_PUBLIC_KEY_LEN);
	v->id = compute_id(v->name, name_len, type, pub);
	*out = v;
	return QP_OK;
}

int qp_key_verifier(qp_verifier **out, const qp_key *key)
{
	if (out == NULL || key == NULL) {
		if (out != NULL)
			*out = NULL;
		return qp_error_set(QP_EUSAGE, "qp_key_verifier: no key given");
	}
	return verifier_new(out, key->name, strlen(key->name), QP_KEY_TYPE_ED25519, key->pub);
}

int qp_verifier_parse_len(qp_verifier **out, const char *text, size_t len)
{
	const char *end = text + len, *plus1, *plus2, *key64;
	unsigned char raw[2 * VKEY_RAW_LEN];
	size_t name_len, raw_len, key64_len;
	uint32_t id = 0, want;
	int err;

	*out = NULL;
	if (len == 0)
		return qp_error_set(QP_EINVALID, "verifier key is empty");
	plus1 = memchr(text, '+', len);
	plus2 = plus1 != NULL ? memchr(plus1 + 1, '+', (size_t)(end - plus1 - 1)) : NULL;
	if (plus2 == NULL)
		return qp_error_set(QP_EINVALID,
				    "verifier key must be three parts separated by '+' "
				    "(<name>+<8 hex digit key ID>+<base64 key>); found %s",
				    plus1 == NULL ? "no '+'" : "only one '+'");
	name_len = (size_t)(plus1 - text);
	if ((err = qp_key_check_name_len(text, name_len)) != QP_OK)
		return qp_error_prefix("verifier key");
	if (plus2 - plus1 - 1 != 8)
		return qp_error_set(QP_EINVALID,
				    "verifier key: key ID must be 8 hex digits, found %zu characters",
				    (size_t)(plus2 - plus1 - 1));
	for (int i = 0; i < 8; i++) {
		int h = hex_value(plus1[1 + i]);
		if (h < 0)
			return qp_error_set(
			    QP_EINVALID, "verifier key: key ID must be 8 hex digits; character %d is not one",
			    i + 1);
		id = id << 4 | (uint32_t)h;
	}
	key64 = plus2 + 1;
	key64_len = (size_t)(end - key64);
	if (key64_len == 0)
		return qp_error_set(QP_EINVALID, "verifier key: the key after the second '+' is empty");
	if (key64_len > 2 * sodium_base64_ENCODED_LEN(VKEY_RAW_LEN, B64))
		return qp_error_set(QP_EINVALID,
				    "verifier key: the key is %zu characters long; base64 of %d bytes has 44",
				    key64_len, VKEY_RAW_LEN);
	if (b64_decode(raw, sizeof(raw), &raw_len, key64, key64_len) != 0)
		return qp_error_set(
		    QP_EINVALID,
		    "verifier key: the key is not valid base64 (standard alphabet, with padding)");
	if (raw_len != VKEY_RAW_LEN)
		return qp_error_set(QP_EINVALID,
				    "verifier key: the key decodes to %zu bytes; expected %d "
				    "(a type byte and a 32-byte public key)",
				    raw_len, VKEY_RAW_LEN);
	if (raw[0] != QP_KEY_TYPE_ED25519 && raw[0] != QP_KEY_TYPE_COSIGNATURE)
		return qp_error_set(
		    QP_EINVALID,
		    "verifier key: unknown key type 0x%02x (expected 0x01 Ed25519 or 0x04 cosignature)",
		    raw[0]);
	want = compute_id(text, name_len, raw[0], raw + 1);
	if (want != id)
		return qp_error_set(QP_EINVALID,
				    "verifier key: key ID %08x does not match the key (expected %08x)", id,
				    want);
	return verifier_new(out, text, name_len, raw[0], raw + 1);
}

int qp_verifier_parse(qp_verifier **out, const char *text)
{
	const char *end;

	if (out == NULL)
		return qp_error_set(QP_EUSAGE, "qp_verifier_parse: no place for the verifier given");
	*out = NULL;
	if (text == NULL)
		return qp_error_set(QP_EINVALID, "verifier key is missing");
	end = text + strlen(text);
	while (text < end && is_space(*text))
		text++;
	while (end > text && is_space(end[-1]))
		end--;
	return qp_verifier_parse_len(out, text, (size_t)(end - text));
}

/* "<name>+<id>+<base64(type || pub)>" into new memory. */
static int vkey_string(char **out, const char *name, uint32_t id, uint8_t type, const unsigned char *pub)
{
	unsigned char raw[VKEY_RAW_LEN];
	char b64[sodium_base64_ENCODED_LEN(VKEY_RAW_LEN, B64)];
	size_t size;
	char *s;

	raw[0] = type;
	memcpy(raw + 1, pub, QP_PUBLIC_KEY_LEN);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), B64);
	size = strlen(name) + 1 + 8 + 1 + strlen(b64) + 1;
	if ((s = qp_malloc(size)) == NULL)
		return QP_ENOMEM;
	snprintf(s, size, "%s+%08x+%s", name, (unsigned)id, b64);
	*out = s;
	return QP_OK;
}

int qp_verifier_string(char **out, const qp_verifier *v)
{
	if (out == NULL || v == NULL) {
		if (out != NULL)
			*out = NULL;
		return qp_error_set(QP_EUSAGE, "qp_verifier_string: no verifier given");
	}
	*out = NULL;
	return vkey_string(out, v->name, v->id, v->type, v->pub);
}

void qp_verifier_free(qp_verifier *v)
{
	qp_free(v);
}

const char *qp_verifier_name(const qp_verifier *v)
{
	return v != NULL ? v->name : NULL;
}

uint32_t qp_verifier_id(const qp_verifier *v)
{
	return v != NULL ? v->id : 0;
}

uint8_t qp_verifier_type(const qp_verifier *v)
{
	return v != NULL ? v->type : 0;
}

const unsigned char *qp_verifier_public(const qp_verifier *v)
{
	return v != NULL ? v->pub : NULL;
}

int qp_verifier_verify(const qp_verifier *v, const unsigned char sig[QP_SIGNATURE_LEN], const void *msg,
		       size_t len)
{
	int err;

	if (v == NULL || sig == NULL || (msg == NULL && len > 0))
		return qp_error_set(QP_EUSAGE, "qp_verifier_verify: no verifier, signature or message given");
	if (v->type != QP_KEY_TYPE_ED25519)
		return qp_error_set(QP_EUSAGE, "%s is a cosignature key (type 0x%02x), not an Ed25519 signer",
				    v->name, v->type);
	if ((err = sodium_ready()) != QP_OK)
		return err;
	if (crypto_sign_verify_detached(sig, len > 0 ? msg : empty_msg, len, v->pub) != 0)
		return qp_error_set(QP_EVERIFY, "signature by %s does not verify", v->name);
	return QP_OK;
}

/* ---- key files: writing --------------------------------------------- */

/* Append to a fixed buffer; the caller sized it for the longest file. */
typedef struct textbuf {
	char *data;
	size_t len, cap;
} textbuf;

static int tb_printf(textbuf *tb, const char *fmt, ...) QP_PRINTF(2, 3);
static int tb_printf(textbuf *tb, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(tb->data + tb->len, tb->cap - tb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= tb->cap - tb->len)
		return qp_error_set(QP_EINTERNAL, "key file text does not fit its buffer");
	tb->len += (size_t)n;
	return QP_OK;
}

/* The KDF of key files: Argon2id, the derived key in sodium_malloc memory. */
static int derive_kek(unsigned char **out, const char *passphrase, const unsigned char *salt,
		      unsigned long long opslimit, size_t memlimit)
{
	unsigned char *kek = sodium_malloc(KEK_LEN);
	*out = NULL;
	if (kek == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory for a key-encryption key (sodium_malloc)");
	if (crypto_pwhash(kek, KEK_LEN, passphrase, strlen(passphrase), salt, opslimit, memlimit,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_free(kek);
		return qp_error_set(QP_ENOMEM,
				    "not enough memory to derive the key from the passphrase "
				    "(Argon2id, memlimit %zu bytes)",
				    memlimit);
	}
	*out = kek;
	return QP_OK;
}

/* Add the kdf, cipher and sealed lines; tb holds the first three lines (the additional data). */
static int seal_seed(textbuf *tb, const qp_key *key, const char *passphrase)
{
	unsigned long long opslimit =
	    kdf_opslimit ? kdf_opslimit : crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
	size_t memlimit = kdf_memlimit ? kdf_memlimit : crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
	unsigned char salt[SALT_LEN], nonce[NONCE_LEN], sealed[SEALED_LEN];
	char salt64[sodium_base64_ENCODED_LEN(SALT_LEN, B64)];
	char nonce64[sodium_base64_ENCODED_LEN(NONCE_LEN, B64)];
	char sealed64[sodium_base64_ENCODED_LEN(SEALED_LEN, B64)];
	unsigned long long sealed_len = 0;
	unsigned char *kek = NULL;
	int err;

	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if ((err = derive_kek(&kek, passphrase, salt, opslimit, memlimit)) != QP_OK)
		return err;
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, &sealed_len, key->secret->seed, QP_SEED_LEN,
						   (const unsigned char *)tb->data, tb->len, NULL, nonce,
						   kek);
	sodium_free(kek);
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt), B64);
	sodium_bin2base64(nonce64, sizeof(nonce64), nonce, sizeof(nonce), B64);
	sodium_bin2base64(sealed64, sizeof(sealed64), sealed, (size_t)sealed_len, B64);
	return tb_printf(tb,
			 "kdf: argon2id13 opslimit=%llu memlimit=%zu salt=%s\n"
			 "cipher: xchacha20poly1305 nonce=%s\n"
			 "sealed: %s\n",
			 opslimit, memlimit, salt64, nonce64, sealed64);
}

int qp_key_save(const qp_key *key, const char *path, const char *passphrase)
{
	textbuf tb = {NULL, 0, KEYFILE_BUILD};
	char *vkey = NULL;
	int err;

	if (key == NULL || path == NULL || path[0] == '\0')
		return qp_error_set(QP_EUSAGE, "qp_key_save: no key or path given");
	if (passphrase != NULL && passphrase[0] == '\0')
		return qp_error_set(QP_EINVALID,
				    "%s: empty passphrase; give one, or none for a clear key file", path);
	if ((err = sodium_ready()) != QP_OK)
		return err;
	if ((err = vkey_string(&vkey, key->name, key->id, QP_KEY_TYPE_ED25519, key->pub)) != QP_OK)
		return err;
	if ((tb.data = qp_malloc(tb.cap)) == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	if ((err = tb_printf(&tb, "%s\nname: %s\nvkey: %s\n", KEYFILE_HEADER, key->name, vkey)) != QP_OK)
		goto done;
	if (passphrase != NULL) {
		err = seal_seed(&tb, key, passphrase);
	} else {
		char seed64[sodium_base64_ENCODED_LEN(QP_SEED_LEN, B64)];
		sodium_bin2base64(seed64, sizeof(seed64), key->secret->seed, QP_SEED_LEN, B64);
		err = tb_printf(&tb, "seed: %s\n", seed64);
		sodium_memzero(seed64, sizeof(seed64));
	}
	if (err == QP_OK &&
	    (err = qp_file_write(path, tb.data, tb.len, 0600,
				 QP_FILE_NEW | QP_FILE_SYNC | QP_FILE_PRIVATE)) == QP_ECONFLICT)
		err = qp_error_set(QP_ECONFLICT, "%s already exists; refusing to overwrite a key", path);
done:
	if (tb.data != NULL) {
		sodium_memzero(tb.data, tb.cap);
		qp_free(tb.data);
	}
	qp_free(vkey);
	return err;
}

/* ---- key files: reading --------------------------------------------- */

/* The group and other permission bits of mode in words: "group read, others read". */
static void describe_open_bits(char *out, size_t cap, unsigned mode)
{
	static const struct {
		unsigned bit;
		const char *name;
	} bits[] = {{S_IRGRP, "group read"},  {S_IWGRP, "group write"},	 {S_IXGRP, "group execute"},
		    {S_IROTH, "others read"}, {S_IWOTH, "others write"}, {S_IXOTH, "others execute"}};
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if ((mode & bits[i].bit) != 0 && len < cap)
			len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", bits[i].name);
}

/*
 * Open a secret file (a key file, a passphrase file: what names it) safely
 * and read it whole into *out (NUL-terminated; wipe before freeing).  One
 * rule for both: no symlink, a regular file, no permission bit for group
 * or others, at most KEYFILE_MAX bytes.
 */
static int read_private_file(const char *path, const char *what, char **out, size_t *out_len)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int fd, err = QP_OK;

	*out = NULL;
	*out_len = 0;
	/* O_NONBLOCK: opening a FIFO planted at path must not hang us. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return qp_error_set(QP_ENOTFOUND, "%s: no such %s", path, what);
		if (errno == ELOOP || errno == EMLINK)
			return qp_error_set(QP_EPERM, "%s is a symbolic link; refusing to follow it to a %s",
					    path, what);
		if (errno == EACCES)
			return qp_error_set(QP_EPERM, "%s: %s", path, strerror(errno));
		return qp_error_set(QP_EIO, "cannot open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &sb) != 0) {
		err = qp_error_set(QP_EIO, "cannot stat %s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = qp_error_set(QP_EINVALID, "%s is not a regular file, so not a %s", path, what);
		goto done;
	}
	if ((sb.st_mode & 077) != 0) {
		char bits[96];
		describe_open_bits(bits, sizeof(bits), (unsigned)sb.st_mode);
		err = qp_error_set(
		    QP_EPERM,
		    "%s is readable or writable by group or others (mode %04o); chmod 600 it (set: %s)", path,
		    (unsigned)(sb.st_mode & 07777), bits);
		goto done;
	}
	if (sb.st_size > KEYFILE_MAX) {
		err = qp_error_set(QP_EINVALID, "%s is too large for a %s (%lld bytes; at most %d)", path,
				   what, (long long)sb.st_size, KEYFILE_MAX);
		goto done;
	}
	if ((buf = qp_malloc(KEYFILE_MAX + 2)) == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	/* Read one byte past the limit to notice a file that grew since fstat. */
	while (len <= KEYFILE_MAX) {
		ssize_t n = read(fd, buf + len, KEYFILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = qp_error_set(QP_EIO, "cannot read %s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > KEYFILE_MAX) {
		err = qp_error_set(QP_EINVALID, "%s is too large for a %s (more than %d bytes)", path, what,
				   KEYFILE_MAX);
		goto done;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
done:
	if (buf != NULL) {
		sodium_memzero(buf, KEYFILE_MAX + 2);
		qp_free(buf);
	}
	close(fd);
	return err;
}

/* A key file's fields, pointing into the file's bytes. */
typedef struct keyfile {
	const char *path;
	const char *name, *vkey;
	size_t name_len, vkey_len;
	size_t ad_len; /* bytes of the first three lines */
	int encrypted;
	const char *seed64, *salt64, *nonce64, *sealed64;
	size_t seed64_len, salt64_len, nonce64_len, sealed64_len;
	unsigned long long opslimit, memlimit;
} keyfile;

static int damaged(const keyfile *kf, const char *fmt, ...) QP_PRINTF(2, 3);
static int damaged(const keyfile *kf, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return qp_error_set(QP_EINVALID, "%s: damaged or truncated key file: %s", kf->path, what);
}

/* A cursor over the file's bytes. */
typedef struct cursor {
	const char *p, *end;
	int lineno;
} cursor;

/* If the line starts with prefix, step over it. */
static int eat(const char **p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	if ((size_t)(end - *p) < n || memcmp(*p, prefix, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* A decimal number of at most 19 digits up to the next space or the end. */
static int eat_number(const char **p, const char *end, unsigned long long *out)
{
	unsigned long long v = 0;
	int digits = 0;
	while (*p < end && **p >= '0' && **p <= '9') {
		if (++digits > 19)
			return 0;
		v = v * 10 + (unsigned long long)(**p - '0');
		(*p)++;
	}
	*out = v;
	return digits > 0 && (*p == end || **p == ' ');
}

/*
 * The next whole line, which must start with prefix (unless NULL); [*p, *end)
 * is the rest of it.  Fails on a missing or incomplete line.
 */
static int field_line(const keyfile *kf, cursor *c, const char *what, const char *prefix, const char **p,
		      const char **end)
{
	const char *nl;
	c->lineno++;
	if (c->p == c->end)
		return damaged(kf, "line %d (%s) is missing", c->lineno, what);
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (nl == NULL)
		return damaged(kf, "line %d (%s) is incomplete: no newline at the end of the file", c->lineno,
			       what);
	*p = c->p;
	*end = nl;
	c->p = nl + 1;
	if (prefix != NULL && !eat(p, *end, prefix))
		return damaged(kf, "line %d must start with '%s'", c->lineno, prefix);
	return QP_OK;
}

/* Split a key file into its fields, checking its shape (not yet its crypto). */
static int parse_key_file(keyfile *kf, const char *buf, size_t len)
{
	const size_t header_len = strlen(KEYFILE_HEADER);
	cursor c = {buf, buf + len, 0};
	const char *p, *end;
	size_t n;
	int err;

	if (len == 0)
		return damaged(kf, "the file is empty");
	if (memchr(buf, '\0', len) != NULL)
		return damaged(kf, "the file contains a NUL byte");
	/* Tell a cut-off header from some other file before taking line 1 whole. */
	end = memchr(buf, '\n', len);
	n = end != NULL ? (size_t)(end - buf) : len;
	if (end == NULL && n < header_len && memcmp(buf, KEYFILE_HEADER, n) == 0)
		return damaged(kf, "line 1 (the header) is incomplete");
	if (n != header_len || memcmp(buf, KEYFILE_HEADER, n) != 0) {
		if (n > 20 && memcmp(buf, "quanpiao secret key ", 20) == 0)
			return qp_error_set(QP_EINVALID,
					    "%s: unsupported key file version '%.*s' (expected '%s')",
					    kf->path, (int)(n > 64 ? 64 : n), buf, KEYFILE_HEADER);
		return qp_error_set(QP_EINVALID,
				    "%s: not a quanpiao secret key file (it must start with '%s')", kf->path,
				    KEYFILE_HEADER);
	}
	if ((err = field_line(kf, &c, "the header", NULL, &p, &end)) != QP_OK)
		return err;

	if ((err = field_line(kf, &c, "name", "name: ", &p, &end)) != QP_OK)
		return err;
	kf->name = p;
	kf->name_len = (size_t)(end - p);
	if (qp_key_check_name_len(kf->name, kf->name_len) != QP_OK)
		return qp_error_prefix("%s: damaged key file: line 2 (name)", kf->path);

	if ((err = field_line(kf, &c, "vkey", "vkey: ", &p, &end)) != QP_OK)
		return err;
	kf->vkey = p;
	kf->vkey_len = (size_t)(end - p);
	kf->ad_len = (size_t)(c.p - buf);

	if ((err = field_line(kf, &c, "seed or kdf", NULL, &p, &end)) != QP_OK)
		return err;
	if (eat(&p, end, "seed: ")) {
		kf->seed64 = p;
		kf->seed64_len = (size_t)(end - p);
	} else if (eat(&p, end, "kdf: ")) {
		kf->encrypted = 1;
		if (!eat(&p, end, "argon2id13 "))
			return damaged(kf, "line 4: unsupported kdf (expected 'argon2id13')");
		if (!eat(&p, end, "opslimit=") || !eat_number(&p, end, &kf->opslimit) || !eat(&p, end, " "))
			return damaged(kf, "line 4: expected 'opslimit=<number> '");
		if (!eat(&p, end, "memlimit=") || !eat_number(&p, end, &kf->memlimit) || !eat(&p, end, " "))
			return damaged(kf, "line 4: expected 'memlimit=<number> '");
		if (!eat(&p, end, "salt="))
			return damaged(kf, "line 4: expected 'salt=<base64>'");
		kf->salt64 = p;
		kf->salt64_len = (size_t)(end - p);

		if ((err = field_line(kf, &c, "cipher", "cipher: ", &p, &end)) != QP_OK)
			return err;
		if (!eat(&p, end, "xchacha20poly1305 nonce="))
			return damaged(kf, "line 5: expected 'xchacha20poly1305 nonce=<base64>'");
		kf->nonce64 = p;
		kf->nonce64_len = (size_t)(end - p);

		if ((err = field_line(kf, &c, "sealed", "sealed: ", &p, &end)) != QP_OK)
			return err;
		kf->sealed64 = p;
		kf->sealed64_len = (size_t)(end - p);
	} else {
		return damaged(kf, "line 4 must start with 'seed: ' or 'kdf: '");
	}
	if (c.p != c.end)
		return damaged(kf, "unexpected bytes after line %d", c.lineno);
	return QP_OK;
}

/* Turn the sealed seed back into key->secret->seed. */
static int unseal_seed(qp_key *key, const keyfile *kf, const char *buf, const char *passphrase)
{
	unsigned char salt[SALT_LEN], nonce[NONCE_LEN], sealed[SEALED_LEN];
	unsigned long long seed_len = 0;
	unsigned char *kek = NULL;
	size_t n;
	int err, rc;

	if (kf->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    kf->opslimit > crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE)
		return qp_error_set(
		    QP_EINVALID, "%s: kdf opslimit %llu is outside the accepted range [%llu, %llu]", kf->path,
		    kf->opslimit, (unsigned long long)crypto_pwhash_argon2id_OPSLIMIT_MIN,
		    (unsigned long long)crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE);
	if (kf->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    kf->memlimit > crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE)
		return qp_error_set(
		    QP_EINVALID, "%s: kdf memlimit %llu is outside the accepted range [%llu, %llu]", kf->path,
		    kf->memlimit, (unsigned long long)crypto_pwhash_argon2id_MEMLIMIT_MIN,
		    (unsigned long long)crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE);
	if (b64_decode(salt, sizeof(salt), &n, kf->salt64, kf->salt64_len) != 0 || n != SALT_LEN)
		return damaged(kf, "the salt is not base64 of %d bytes", SALT_LEN);
	if (b64_decode(nonce, sizeof(nonce), &n, kf->nonce64, kf->nonce64_len) != 0 || n != NONCE_LEN)
		return damaged(kf, "the nonce is not base64 of %d bytes", NONCE_LEN);
	if (b64_decode(sealed, sizeof(sealed), &n, kf->sealed64, kf->sealed64_len) != 0 || n != SEALED_LEN)
		return damaged(kf, "the sealed seed is not base64 of %d bytes", SEALED_LEN);
	if (passphrase == NULL)
		return qp_error_set(QP_EPERM, "%s is passphrase-protected; give a passphrase", kf->path);
	if ((err = derive_kek(&kek, passphrase, salt, kf->opslimit, (size_t)kf->memlimit)) != QP_OK)
		return err;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(key->secret->seed, &seed_len, NULL, sealed,
							sizeof(sealed), (const unsigned char *)buf,
							kf->ad_len, nonce, kek);
	sodium_free(kek);
	if (rc != 0 || seed_len != QP_SEED_LEN)
		return qp_error_set(QP_EPERM, "wrong passphrase for %s (or the file was altered)", kf->path);
	return QP_OK;
}

/* Build the key that the parsed file holds. */
static int load_parsed(qp_key **out, keyfile *kf, const char *buf, const char *passphrase)
{
	qp_verifier *v = NULL;
	qp_key *key = NULL;
	size_t n;
	int err;

	if (qp_verifier_parse_len(&v, kf->vkey, kf->vkey_len) != QP_OK) {
		err = qp_error_last()->code;
		if (err != QP_ENOMEM)
			qp_error_prefix("%s: damaged key file: line 3 (vkey)", kf->path);
		return err;
	}
	if (v->type != QP_KEY_TYPE_ED25519) {
		err = damaged(kf, "the vkey line is not an Ed25519 key (type 0x%02x)", v->type);
		goto done;
	}
	if (strlen(v->name) != kf->name_len || memcmp(v->name, kf->name, kf->name_len) != 0) {
		err = qp_error_set(
		    QP_EINVALID,
		    "%s: key file damaged: the name line says '%.*s' but the vkey line is for '%s'", kf->path,
		    (int)kf->name_len, kf->name, v->name);
		goto done;
	}
	if ((key = key_alloc(kf->name, kf->name_len)) == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	err = QP_OK;
	if (kf->encrypted) {
		err = unseal_seed(key, kf, buf, passphrase);
	} else if (b64_decode(key->secret->seed, QP_SEED_LEN, &n, kf->seed64, kf->seed64_len) != 0 ||
		   n != QP_SEED_LEN) {
		err = damaged(kf, "the seed is not base64 of %d bytes", QP_SEED_LEN);
	}
	if (err != QP_OK)
		goto done;
	key_finish(key);
	if (sodium_memcmp(key->pub, v->pub, QP_PUBLIC_KEY_LEN) != 0) {
		err = qp_error_set(QP_EINVALID,
				   "%s: key file damaged: the secret key does not match the vkey line",
				   kf->path);
		goto done;
	}
	*out = key;
	key = NULL;
done:
	qp_key_free(key);
	qp_verifier_free(v);
	return err;
}

/* Wipe (it may hold a clear seed) and free a key file's bytes. */
static void drop_file(char *buf, size_t len)
{
	if (buf != NULL)
		sodium_memzero(buf, len);
	qp_free(buf);
}

/* Read and split the key file at path; on success *buf holds its bytes (free with drop_file). */
static int open_key_file(keyfile *kf, char **buf, size_t *len, const char *path)
{
	int err;
	memset(kf, 0, sizeof(*kf));
	kf->path = path;
	if ((err = read_private_file(path, "key file", buf, len)) == QP_OK &&
	    (err = parse_key_file(kf, *buf, *len)) != QP_OK) {
		drop_file(*buf, *len);
		*buf = NULL;
	}
	return err;
}

int qp_key_load(qp_key **out, const char *path, const char *passphrase)
{
	keyfile kf;
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (out == NULL || path == NULL || path[0] == '\0') {
		if (out != NULL)
			*out = NULL;
		return qp_error_set(QP_EUSAGE, "qp_key_load: no key file given");
	}
	*out = NULL;
	if ((err = sodium_ready()) != QP_OK || (err = open_key_file(&kf, &buf, &len, path)) != QP_OK)
		return err;
	err = load_parsed(out, &kf, buf, passphrase);
	drop_file(buf, len);
	return err;
}

int qp_key_file_encrypted(int *out, const char *path)
{
	keyfile kf;
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (out == NULL || path == NULL || path[0] == '\0')
		return qp_error_set(QP_EUSAGE, "qp_key_file_encrypted: no key file given");
	*out = 0;
	if ((err = open_key_file(&kf, &buf, &len, path)) != QP_OK)
		return err;
	*out = kf.encrypted;
	drop_file(buf, len);
	return QP_OK;
}

int qp_passphrase_file_read(char *buf, size_t cap, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int err;
	if (cap == 0)
		return qp_error_set(QP_EUSAGE, "qp_passphrase_file_read: no room");
	buf[0] = '\0';
	if ((err = read_private_file(path, "passphrase file", &text, &len)) != QP_OK)
		return err;
	size_t n = strcspn(text, "\n");
	if (n > 0 && text[n - 1] == '\r')
		n--;
	if (n >= cap)
		err = qp_error_set(QP_EINVALID, "%s: the passphrase is longer than %zu bytes", path, cap - 1);
	else {
		memcpy(buf, text, n);
		buf[n] = '\0';
	}
	sodium_memzero(text, len);
	qp_free(text);
	return err;
}
