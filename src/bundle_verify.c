/*
 * bundle_verify.c - verifying a certificate bundle, or a single
 * tlog-proof, offline: no registry, only the authority's public key (or,
 * for a proof, the log's).
 *
 * Trust flows from the authority key the caller holds: it must have
 * signed the genesis entry, which names it; it enrols every other key,
 * including the log key that signed the checkpoint; the checkpoint's root
 * commits to every entry through its inclusion proof.  Entries are
 * replayed in log order so each signature is judged by the keys as they
 * stood at that entry.  A bundle arrives from anywhere, so parsing is
 * strict: lengths are checked before use, numbers and base64 must be in
 * their one canonical spelling, and every failure names the section,
 * entry or check at fault.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "bundle_internal.h"
#include "canon.h"
#include "error.h"
#include "policy.h"
#include "quanpiao/cosign.h"
#include "quanpiao/ids.h"
#include "registry_internal.h"

#define B64	       sodium_base64_VARIANT_ORIGINAL
#define SIG_PREFIX     "\xE2\x80\x94 "
#define SIG_PREFIX_LEN 4
#define PROOF_HEADER   "c2sp.org/tlog-proof@v1\n"

/* ---- reading the format ------------------------------------------------------ */

typedef struct section {
	uint64_t index;
	const char *note, *proof;
	size_t note_len, proof_len;
} section;

typedef struct parsed {
	char cert[QP_CERT_ID_LEN + 1];
	const char *cp;
	size_t cp_len;
	section *s;
	size_t n;
	qp_bundle_status *st; /* the status sections, after the entries */
	size_t nst;
	int digest_ok;
} parsed;

/* The next line at *p (without its newline); QP_EVERIFY if there is none. */
static int next_line(const char **p, const char *end, const char **line, size_t *len, const char *what)
{
	*line = *p;
	*len = 0;
	const char *nl = *p < end ? memchr(*p, '\n', (size_t)(end - *p)) : NULL;
	if (nl == NULL)
		return qp_error_set(QP_EVERIFY, "%s is missing or cut short", what);
	*line = *p;
	*len = (size_t)(nl - *p);
	*p = nl + 1;
	return QP_OK;
}

/* A decimal without leading zeros, the whole of s[0..len). */
static int decimal(uint64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "<keyword> <n>\n" then n bytes; *data points at them. */
static int counted(const char **p, const char *end, const char *keyword, const char **data, size_t *len,
		   const char *what)
{
	const char *line;
	size_t line_len, k = strlen(keyword);
	uint64_t n;
	int err = next_line(p, end, &line, &line_len, what);
	if (err != QP_OK)
		return err;
	if (line_len <= k + 1 || memcmp(line, keyword, k) != 0 || line[k] != ' ' ||
	    decimal(&n, line + k + 1, line_len - k - 1) != 0)
		return qp_error_set(QP_EVERIFY, "%s: expected \"%s <length>\"", what, keyword);
	if (n > (uint64_t)(end - *p))
		return qp_error_set(QP_EVERIFY, "%s: %llu bytes announced, %zu left", what,
				    (unsigned long long)n, (size_t)(end - *p));
	*data = *p;
	*len = (size_t)n;
	*p += n;
	return QP_OK;
}

static int parse_bundle(parsed *b, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *line;
	size_t line_len, cap = 0;
	int err;
	memset(b, 0, sizeof(*b));
	if (len > QP_BUNDLE_MAX_SIZE)
		return qp_error_set(QP_EVERIFY, "bundle: %zu bytes is more than the limit of %u", len,
				    QP_BUNDLE_MAX_SIZE);
	if ((err = next_line(&p, end, &line, &line_len, "bundle: the header line")) != QP_OK)
		return err;
	if (line_len != strlen(QP_BUNDLE_HEADER) || memcmp(line, QP_BUNDLE_HEADER, line_len) != 0)
		return qp_error_set(QP_EVERIFY, "bundle: the first line must be %s", QP_BUNDLE_HEADER);
	if ((err = next_line(&p, end, &line, &line_len, "bundle: the certificate line")) != QP_OK)
		return err;
	if (line_len < 13 || line_len > 12 + QP_CERT_ID_LEN || memcmp(line, "certificate ", 12) != 0)
		return qp_error_set(QP_EVERIFY, "bundle: the second line must be \"certificate <number>\"");
	memcpy(b->cert, line + 12, line_len - 12);
	for (size_t i = 0; b->cert[i]; i++)
		if (b->cert[i] <= ' ' || b->cert[i] > '~')
			return qp_error_set(QP_EVERIFY, "bundle: the certificate number has a bad character");
	if ((err = counted(&p, end, "checkpoint", &b->cp, &b->cp_len, "bundle: the checkpoint section")) !=
	    QP_OK)
		return err;
	for (;;) {
		char what[64];
		if ((size_t)(end - p) >= 7 && memcmp(p, "sha256 ", 7) == 0)
			break;
		if ((size_t)(end - p) >= 7 && memcmp(p, "status ", 7) == 0) {
			if ((err = qp_bundle_status_parse(&b->st, &b->nst, &p, end)) != QP_OK)
				return err;
			continue;
		}
		if (b->nst > 0)
			return qp_error_set(QP_EVERIFY, "bundle: an entry section after the status sections");
		if (b->n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			section *grown = qp_realloc(b->s, ncap * sizeof(*grown));
			if (grown == NULL)
				return QP_ENOMEM;
			b->s = grown;
			cap = ncap;
		}
		section *s = &b->s[b->n];
		snprintf(what, sizeof(what), "bundle: entry section %zu", b->n + 1);
		if ((err = next_line(&p, end, &line, &line_len, what)) != QP_OK)
			return err;
		const char *sp = line_len > 6 ? memchr(line + 6, ' ', line_len - 6) : NULL;
		uint64_t n;
		if (line_len < 9 || memcmp(line, "entry ", 6) != 0 || sp == NULL ||
		    decimal(&s->index, line + 6, (size_t)(sp - line - 6)) != 0 ||
		    decimal(&n, sp + 1, (size_t)(line + line_len - sp - 1)) != 0)
			return qp_error_set(QP_EVERIFY, "%s: expected \"entry <index> <length>\"", what);
		if (n > (uint64_t)(end - p))
			return qp_error_set(QP_EVERIFY, "%s: %llu bytes announced, %zu left", what,
					    (unsigned long long)n, (size_t)(end - p));
		s->note = p;
		s->note_len = (size_t)n;
		p += n;
		if (b->n > 0 && s->index <= b->s[b->n - 1].index)
			return qp_error_set(QP_EVERIFY, "%s: entry %llu does not come after entry %llu", what,
					    (unsigned long long)s->index,
					    (unsigned long long)b->s[b->n - 1].index);
		snprintf(what, sizeof(what), "bundle: the proof of entry %llu", (unsigned long long)s->index);
		if ((err = counted(&p, end, "proof", &s->proof, &s->proof_len, what)) != QP_OK)
			return err;
		b->n++;
	}
	/* The digest line ends the bundle. */
	const char *digest = p;
	if ((err = next_line(&p, end, &line, &line_len, "bundle: the sha256 line")) != QP_OK)
		return err;
	if (line_len != 7 + 64 || p != end)
		return qp_error_set(QP_EVERIFY, "bundle: must end with one line \"sha256 <64 hex digits>\"");
	unsigned char sum[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(sum) + 1];
	crypto_hash_sha256(sum, (const unsigned char *)buf, (size_t)(digest - buf));
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	b->digest_ok = memcmp(hex, line + 7, 64) == 0;
	return QP_OK;
}

/* ---- notes, checkpoints and proofs ----------------------------------------------------- */

/* The note must be exactly its parts respelt: canonical base64 and nothing else. */
static int canonical_note(const qp_note *n, const char *msg, size_t len, const char *what)
{
	size_t at = n->text_len + 1;
	if (len < at || memcmp(msg, n->text, n->text_len) != 0 || msg[n->text_len] != '\n')
		return qp_error_set(QP_EVERIFY, "%s: not a canonical note", what);
	for (size_t i = 0; i < n->nsigs; i++) {
		const qp_note_sig *s = &n->sigs[i];
		size_t raw_len = 4 + s->sig_len, name_len = strlen(s->name);
		unsigned char *raw = qp_malloc(raw_len);
		char *b64 = qp_malloc(sodium_base64_ENCODED_LEN(raw_len, B64));
		int nomem = raw == NULL || b64 == NULL, ok = !nomem;
		if (ok) {
			raw[0] = (unsigned char)(s->id >> 24);
			raw[1] = (unsigned char)(s->id >> 16);
			raw[2] = (unsigned char)(s->id >> 8);
			raw[3] = (unsigned char)s->id;
			memcpy(raw + 4, s->sig, s->sig_len);
			sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(raw_len, B64), raw, raw_len, B64);
			size_t b64_len = strlen(b64), line_len = SIG_PREFIX_LEN + name_len + 1 + b64_len + 1;
			ok = len - at >= line_len && memcmp(msg + at, SIG_PREFIX, SIG_PREFIX_LEN) == 0 &&
			     memcmp(msg + at + SIG_PREFIX_LEN, s->name, name_len) == 0 &&
			     msg[at + SIG_PREFIX_LEN + name_len] == ' ' &&
			     memcmp(msg + at + SIG_PREFIX_LEN + name_len + 1, b64, b64_len) == 0 &&
			     msg[at + line_len - 1] == '\n';
			at += line_len;
		}
		qp_free(raw);
		qp_free(b64);
		if (nomem)
			return QP_ENOMEM;
		if (!ok)
			return qp_error_set(QP_EVERIFY, "%s: signature line %zu is not canonical", what,
					    i + 1);
	}
	if (at != len)
		return qp_error_set(QP_EVERIFY, "%s: not a canonical note", what);
	return QP_OK;
}

/*
 * Parse a c2sp.org/tlog-proof@v1: *index, the proof hashes, and the offset
 * of the checkpoint note.  strict refuses "extra" lines, which bundles
 * never carry.
 */
static int parse_proof(uint64_t *index, qp_merkle_proof *proof, size_t *cp_at, const char *text, size_t len,
		       int strict, const char *what)
{
	const char *p = text, *end = text + len, *line;
	size_t line_len;
	int err;
	proof->len = 0;
	if ((err = next_line(&p, end, &line, &line_len, what)) != QP_OK)
		return err;
	if (line_len + 1 != strlen(PROOF_HEADER) || memcmp(line, PROOF_HEADER, line_len) != 0)
		return qp_error_set(QP_EVERIFY, "%s: the first line must be c2sp.org/tlog-proof@v1", what);
	for (;;) {
		if ((err = next_line(&p, end, &line, &line_len, what)) != QP_OK)
			return err;
		if (strict || line_len < 6 || memcmp(line, "extra ", 6) != 0)
			break;
	}
	if (line_len < 7 || memcmp(line, "index ", 6) != 0 || decimal(index, line + 6, line_len - 6) != 0)
		return qp_error_set(QP_EVERIFY, "%s: expected \"index <N>\"", what);
	for (size_t k = 3;; k++) {
		char again[sodium_base64_ENCODED_LEN(QP_HASH_LEN, B64)];
		size_t got = 0;
		const char *b64_end = NULL;
		if ((err = next_line(&p, end, &line, &line_len, what)) != QP_OK)
			return err;
		if (line_len == 0)
			break;
		if (proof->len == QP_MERKLE_MAX_PROOF)
			return qp_error_set(QP_EVERIFY, "%s: more than %d hashes", what, QP_MERKLE_MAX_PROOF);
		unsigned char *h = proof->hash[proof->len];
		if (line_len != sizeof(again) - 1 ||
		    sodium_base642bin(h, QP_HASH_LEN, line, line_len, NULL, &got, &b64_end, B64) != 0 ||
		    got != QP_HASH_LEN || b64_end != line + line_len)
			return qp_error_set(QP_EVERIFY, "%s: line %zu is not the base64 of a hash", what, k);
		sodium_bin2base64(again, sizeof(again), h, QP_HASH_LEN, B64);
		if (memcmp(again, line, line_len) != 0)
			return qp_error_set(QP_EVERIFY, "%s: line %zu is not canonical base64", what, k);
		proof->len++;
	}
	*cp_at = (size_t)(p - text);
	return QP_OK;
}

/* Keep the current message as QP_EVERIFY with a prefix (QP_ENOMEM stays). */
static int as_verify(int err, const char *fmt, ...) QP_PRINTF(2, 3);
static int as_verify(int err, const char *fmt, ...)
{
	char prefix[256], msg[768];
	va_list ap;
	if (err == QP_ENOMEM || err == QP_OK)
		return err;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s", qp_error_last()->message);
	return qp_error_set(QP_EVERIFY, "%s: %s", prefix, msg);
}

int qp_bundle_verify_proof(uint64_t *index, qp_checkpoint *checkpoint, const char *proof, size_t proof_len,
			   const char *entry, size_t entry_len, const char *log_vkey)
{
	qp_verifier *log_v = NULL;
	qp_note *n = NULL;
	qp_merkle_proof path;
	size_t cp_at = 0;
	unsigned char leaf[QP_HASH_LEN];
	int err;
	*index = 0;
	memset(checkpoint, 0, sizeof(*checkpoint));
	if (proof == NULL || entry == NULL || log_vkey == NULL)
		return qp_error_set(QP_EUSAGE,
				    "qp_bundle_verify_proof: needs a proof, an entry and the log's key");
	if ((err = qp_verifier_parse(&log_v, log_vkey)) != QP_OK)
		return qp_error_prefix("log key");
	if (qp_verifier_type(log_v) != QP_KEY_TYPE_ED25519) {
		err = qp_error_set(QP_EINVALID, "log key: must be an Ed25519 (type 0x01) key");
		goto done;
	}
	if ((err = parse_proof(index, &path, &cp_at, proof, proof_len, 0, "proof")) != QP_OK)
		goto done;
	const qp_verifier *known = log_v;
	if ((err = qp_note_open(&n, proof + cp_at, proof_len - cp_at, &known, 1)) != QP_OK) {
		err = as_verify(err, "proof: checkpoint");
		goto done;
	}
	if ((err = qp_checkpoint_parse(checkpoint, n->text, n->text_len)) != QP_OK) {
		err = as_verify(err, "proof");
		goto done;
	}
	if (strcmp(checkpoint->origin, qp_verifier_name(log_v)) != 0) {
		err = qp_error_set(QP_EVERIFY, "proof: the checkpoint is of log %s, but the key is %s's",
				   checkpoint->origin, qp_verifier_name(log_v));
		goto done;
	}
	qp_merkle_leaf_hash(leaf, entry, entry_len);
	if ((err = qp_merkle_verify_inclusion(leaf, *index, checkpoint->size, &path, checkpoint->root)) !=
	    QP_OK)
		err = as_verify(err, "proof: entry %llu is not in the checkpoint's tree",
				(unsigned long long)*index);
done:
	qp_note_free(n);
	qp_verifier_free(log_v);
	return err;
}

/* ---- keys as the bundle's entries enrol and revoke them ------------------------------------ */

typedef struct bkey {
	char name[QP_KEY_NAME_MAX + 1];
	uint32_t id;
	qp_verifier *v;
	char role[16];
	char valid_until[11];
	int revoked;
	uint64_t revoked_at;
} bkey;

typedef struct vstate {
	const parsed *b;
	qp_checkpoint cp;
	qp_note *cp_note;
	char origin[256];
	char county[7], county_name[65];
	bkey *keys;
	size_t nkeys, kcap;
	cJSON *policy;
	qp_lineage *lin;
} vstate;

static int add_key(vstate *st, qp_verifier *v, const char *role, const char *valid_until)
{
	if (qp_grow((void **)&st->keys, &st->kcap, st->nkeys, sizeof(*st->keys)) != QP_OK) {
		qp_verifier_free(v);
		return QP_ENOMEM;
	}
	bkey *k = &st->keys[st->nkeys++];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", qp_verifier_name(v));
	k->id = qp_verifier_id(v);
	k->v = v;
	snprintf(k->role, sizeof(k->role), "%s", role);
	snprintf(k->valid_until, sizeof(k->valid_until), "%s", valid_until ? valid_until : "");
	return QP_OK;
}

static bkey *active_key(vstate *st, const char *name)
{
	for (size_t i = 0; i < st->nkeys; i++)
		if (!st->keys[i].revoked && strcmp(st->keys[i].name, name) == 0)
			return &st->keys[i];
	return NULL;
}

/* Raise QP_EVERIFY "entry N (type): <message>". */
static int bad(const qp_entry *e, uint64_t idx, const char *fmt, ...) QP_PRINTF(3, 4);
static int bad(const qp_entry *e, uint64_t idx, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return qp_error_set(QP_EVERIFY, "entry %llu (%s): %s", (unsigned long long)idx, e ? e->type : "?",
			    msg);
}

/* The signer of e, enrolled before it with the role its type needs, and its signature. */
static int check_signer(vstate *st, const qp_entry *e, uint64_t idx)
{
	bkey *k = NULL;
	for (size_t i = 0; i < st->nkeys && k == NULL; i++)
		if (st->keys[i].id == e->key_id && strcmp(st->keys[i].name, e->signer) == 0)
			k = &st->keys[i];
	if (k == NULL)
		return bad(e, idx,
			   "signer %s (key ID %08x) is not enrolled by any earlier entry in the bundle",
			   e->signer, e->key_id);
	const char *need = qp_entry_role(e->type);
	if (strcmp(k->role, need) != 0)
		return bad(e, idx, "signer %s has role %s; %s entries are signed by the %s's keys", k->name,
			   k->role, e->type, need);
	if (k->revoked)
		return bad(e, idx, "signer %s was revoked by entry %llu, before this entry", k->name,
			   (unsigned long long)k->revoked_at);
	if (k->valid_until[0] && strncmp(e->time, k->valid_until, 10) > 0)
		return bad(e, idx, "signer %s expired on %s; the entry is dated %.10s", k->name,
			   k->valid_until, e->time);
	const qp_note_sig *sig = &e->note->sigs[0];
	if (qp_verifier_type(k->v) != QP_KEY_TYPE_ED25519 || sig->sig_len != QP_SIGNATURE_LEN ||
	    qp_verifier_verify(k->v, sig->sig, e->note->text, e->note->text_len) != QP_OK)
		return bad(e, idx, "the signature by %s does not verify", k->name);
	return QP_OK;
}

static int body_err(const qp_entry *e, uint64_t idx, int err)
{
	if (err == QP_ENOMEM)
		return err;
	char msg[768];
	snprintf(msg, sizeof(msg), "%s", qp_error_last()->message);
	return bad(e, idx, "%s", msg);
}

static int do_genesis(vstate *st, const qp_entry *e, const qp_verifier *auth)
{
	const char *authority = qp_body_str(e, "authority"), *county = qp_body_str(e, "county");
	const char *county_name = qp_body_str(e, "county_name");
	qp_verifier *v = NULL;
	int err;
	if ((err = qp_schema_check_body(e)) != QP_OK)
		return body_err(e, 0, err);
	if (qp_ids_check_division(county, QP_DIVISION_COUNTY, "body.county") != QP_OK)
		return body_err(e, 0, QP_EINVALID);
	if ((err = qp_verifier_parse(&v, authority)) != QP_OK)
		return body_err(e, 0, err);
	int same = strcmp(qp_verifier_name(v), qp_verifier_name(auth)) == 0 &&
		   qp_verifier_id(v) == qp_verifier_id(auth) &&
		   qp_verifier_type(v) == qp_verifier_type(auth) &&
		   memcmp(qp_verifier_public(v), qp_verifier_public(auth), QP_PUBLIC_KEY_LEN) == 0;
	if (!same) {
		qp_verifier_free(v);
		return bad(e, 0, "the registry's authority is %s, not the key given (%s)", authority,
			   qp_verifier_name(auth));
	}
	const qp_note_sig *sig = &e->note->sigs[0];
	if (strcmp(e->signer, qp_verifier_name(v)) != 0 || e->key_id != qp_verifier_id(v) ||
	    sig->sig_len != QP_SIGNATURE_LEN ||
	    qp_verifier_verify(v, sig->sig, e->note->text, e->note->text_len) != QP_OK) {
		qp_verifier_free(v);
		return bad(e, 0, "not signed by the authority key it names");
	}
	if (qp_key_check_name(e->origin) != QP_OK || strlen(e->origin) >= sizeof(st->origin)) {
		qp_verifier_free(v);
		return bad(e, 0, "origin %s is not a valid log name", e->origin);
	}
	snprintf(st->origin, sizeof(st->origin), "%s", e->origin);
	snprintf(st->county, sizeof(st->county), "%s", county);
	snprintf(st->county_name, sizeof(st->county_name), "%s", county_name);
	return add_key(st, v, "authority", NULL);
}

static int do_enroll(vstate *st, const qp_entry *e, uint64_t idx)
{
	const char *role = qp_body_str(e, "role"), *vkey = qp_body_str(e, "vkey");
	const char *until = qp_body_str(e, "valid_until");
	qp_verifier *v = NULL;
	int err;
	if ((err = qp_schema_check_body(e)) != QP_OK)
		return body_err(e, idx, err);
	if (!qp_schema_member_allows(qp_schema_member_get(e->type, "role"), role))
		return bad(e, idx, "role must be officer, log or auditor, not %s", role);
	if (until && qp_ids_parse_date(NULL, until, "body.valid_until") != QP_OK)
		return body_err(e, idx, QP_EINVALID);
	if ((err = qp_verifier_parse(&v, vkey)) != QP_OK)
		return body_err(e, idx, err);
	const char *name = qp_verifier_name(v);
	const char *why = NULL;
	if (qp_verifier_type(v) != QP_KEY_TYPE_ED25519 && strcmp(role, "auditor") != 0)
		why = "only an auditor key may be other than Ed25519 (0x01)";
	else if (strcmp(role, "log") == 0 && strcmp(name, st->origin) != 0)
		why = "a log key must be named after the origin";
	else if (active_key(st, name) != NULL)
		why = "an active key of that name was enrolled before and not revoked";
	if (why) {
		err = bad(e, idx, "enrols %s: %s", name, why);
		qp_verifier_free(v);
		return err;
	}
	return add_key(st, v, role, until);
}

static int do_revoke(vstate *st, const qp_entry *e, uint64_t idx)
{
	const char *name = qp_body_str(e, "name");
	int err;
	if ((err = qp_schema_check_body(e)) != QP_OK)
		return body_err(e, idx, err);
	bkey *k = active_key(st, name);
	if (k == NULL)
		return bad(e, idx, "revokes %s, which has no active key", name);
	if (strcmp(k->role, "authority") == 0)
		return bad(e, idx, "revokes the authority key, which cannot be revoked");
	k->revoked = 1;
	k->revoked_at = idx;
	return QP_OK;
}

static int do_policy(vstate *st, const qp_entry *e, uint64_t idx)
{
	int err;
	if ((err = qp_schema_check_body(e)) != QP_OK)
		return body_err(e, idx, err);
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(e->body, "params");
	if ((err = qp_policy_validate(params)) != QP_OK)
		return body_err(e, idx, err);
	cJSON *copy = cJSON_Duplicate(params, 1);
	if (copy == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory");
	cJSON_Delete(st->policy);
	st->policy = copy;
	return QP_OK;
}

/* One section: its proof against the checkpoint, its signature, then what it does. */
static int do_section(vstate *st, const section *s, const qp_verifier *auth)
{
	qp_entry *e = NULL;
	qp_merkle_proof path;
	uint64_t index = 0;
	size_t cp_at = 0;
	unsigned char leaf[QP_HASH_LEN];
	char what[64];
	int err;

	snprintf(what, sizeof(what), "entry %llu: proof", (unsigned long long)s->index);
	if ((err = parse_proof(&index, &path, &cp_at, s->proof, s->proof_len, 1, what)) != QP_OK)
		return err;
	if (index != s->index)
		return qp_error_set(QP_EVERIFY, "%s is for entry %llu", what, (unsigned long long)index);
	if (s->proof_len - cp_at != st->b->cp_len || memcmp(s->proof + cp_at, st->b->cp, st->b->cp_len) != 0)
		return qp_error_set(QP_EVERIFY, "%s ends in another checkpoint than the bundle's", what);
	qp_merkle_leaf_hash(leaf, s->note, s->note_len);
	if ((err = qp_merkle_verify_inclusion(leaf, s->index, st->cp.size, &path, st->cp.root)) != QP_OK)
		return as_verify(err, "entry %llu: not in the checkpoint's tree (altered entry or proof)",
				 (unsigned long long)s->index);
	if ((err = qp_entry_parse(&e, s->note, s->note_len)) != QP_OK)
		return as_verify(err, "entry %llu", (unsigned long long)s->index);
	int genesis = strcmp(e->type, "registry.genesis") == 0;
	if (genesis != (s->index == 0)) {
		err = s->index == 0 ? bad(e, 0, "entry 0 must be the registry's genesis")
				    : bad(e, s->index, "only entry 0 may be a genesis entry");
		goto done;
	}
	if (genesis) {
		err = do_genesis(st, e, auth);
		goto done;
	}
	if (strcmp(e->origin, st->origin) != 0) {
		err = bad(e, s->index, "is for log %s, not %s", e->origin, st->origin);
		goto done;
	}
	if ((err = check_signer(st, e, s->index)) != QP_OK)
		goto done;
	if (strcmp(e->type, "key.enroll") == 0)
		err = do_enroll(st, e, s->index);
	else if (strcmp(e->type, "key.revoke") == 0)
		err = do_revoke(st, e, s->index);
	else if (strcmp(e->type, "policy.set") == 0)
		err = do_policy(st, e, s->index);
	else if (strcmp(e->type, "household.add") == 0)
		err = qp_lineage_household(st->lin, e, s->index);
	else if (strncmp(e->type, "cert.", 5) == 0)
		err = qp_lineage_apply(st->lin, e, s->index, st->policy);
	else
		err = bad(e, s->index, "does not belong in a certificate bundle");
done:
	qp_entry_free(e);
	return err;
}

/* Every signature on the checkpoint: the log key's, and cosignatures by enrolled auditors. */
static int check_checkpoint_sigs(vstate *st, qp_bundle_info *info)
{
	const qp_note *n = st->cp_note;
	int by_log = 0;
	if (strcmp(st->cp.origin, st->origin) != 0)
		return qp_error_set(QP_EVERIFY, "checkpoint: it is of log %s, the entries of %s",
				    st->cp.origin, st->origin);
	if ((info->cosigners = qp_calloc(n->nsigs ? n->nsigs : 1, sizeof(char *))) == NULL)
		return QP_ENOMEM;
	for (size_t i = 0; i < n->nsigs; i++) {
		const qp_note_sig *s = &n->sigs[i];
		bkey *k = NULL;
		int cosig = 0;
		for (size_t j = 0; j < st->nkeys && k == NULL; j++) {
			const bkey *c = &st->keys[j];
			if (strcmp(c->name, s->name) != 0)
				continue;
			if (strcmp(c->role, "log") == 0 && c->id == s->id)
				k = &st->keys[j];
			else if (strcmp(c->role, "auditor") == 0 &&
				 qp_key_compute_id(c->name, QP_KEY_TYPE_COSIGNATURE,
						   qp_verifier_public(c->v)) == s->id)
				k = &st->keys[j], cosig = 1;
		}
		if (k == NULL)
			return qp_error_set(
			    QP_EVERIFY,
			    "checkpoint: signature line %zu (%s, key ID %08x) is by no log or auditor key "
			    "the bundle enrols",
			    i + 1, s->name, s->id);
		if (k->revoked)
			return qp_error_set(QP_EVERIFY, "checkpoint: signed by %s, revoked by entry %llu",
					    k->name, (unsigned long long)k->revoked_at);
		if (!cosig) {
			if (s->sig_len != QP_SIGNATURE_LEN ||
			    qp_verifier_verify(k->v, s->sig, n->text, n->text_len) != QP_OK)
				return qp_error_set(QP_EVERIFY,
						    "checkpoint: the log's signature does not verify");
			by_log++;
			continue;
		}
		int err = qp_cosign_verify_sig(NULL, k->v, s, n->text, n->text_len);
		if (err != QP_OK)
			return as_verify(err, "checkpoint");
		if ((info->cosigners[info->cosignatures++] = qp_strdup(s->name)) == NULL)
			return QP_ENOMEM;
	}
	if (by_log != 1)
		return qp_error_set(QP_EVERIFY,
				    "checkpoint: needs exactly one signature by the log key %s, has %d",
				    st->origin, by_log);
	return QP_OK;
}

void qp_bundle_info_clear(qp_bundle_info *info)
{
	if (info == NULL)
		return;
	qp_cert_clear(&info->cert);
	for (size_t i = 0; info->lineage && i < info->lineage_len; i++)
		qp_free(info->lineage[i]);
	qp_free(info->lineage);
	for (size_t i = 0; info->cosigners && i < info->cosignatures; i++)
		qp_free(info->cosigners[i]);
	qp_free(info->cosigners);
	memset(info, 0, sizeof(*info));
}

int qp_bundle_verify(qp_bundle_info *info, const char *bundle, size_t bundle_len, const char *authority_vkey,
		     int64_t now)
{
	qp_verifier *auth = NULL;
	parsed b;
	vstate st;
	int err;

	qp_alloc_json_init();
	memset(&b, 0, sizeof(b));
	memset(&st, 0, sizeof(st));
	if (info == NULL || bundle == NULL || authority_vkey == NULL)
		return qp_error_set(QP_EUSAGE, "qp_bundle_verify: needs a bundle and the authority's key");
	memset(info, 0, sizeof(*info));
	if ((err = qp_verifier_parse(&auth, authority_vkey)) != QP_OK)
		return qp_error_prefix("authority key");
	if (qp_verifier_type(auth) != QP_KEY_TYPE_ED25519) {
		err = qp_error_set(QP_EINVALID, "authority key: must be an Ed25519 (type 0x01) key");
		goto done;
	}
	if ((err = parse_bundle(&b, bundle, bundle_len)) != QP_OK)
		goto done;
	st.b = &b;
	if ((err = qp_note_parse(&st.cp_note, b.cp, b.cp_len)) != QP_OK) {
		err = as_verify(err, "checkpoint");
		goto done;
	}
	if ((err = canonical_note(st.cp_note, b.cp, b.cp_len, "checkpoint")) != QP_OK)
		goto done;
	if ((err = qp_checkpoint_parse(&st.cp, st.cp_note->text, st.cp_note->text_len)) != QP_OK) {
		err = as_verify(err, "checkpoint");
		goto done;
	}
	if (b.n == 0 || b.s[0].index != 0) {
		err = qp_error_set(QP_EVERIFY, "bundle: entry 0, the genesis, is missing");
		goto done;
	}
	for (size_t i = 0; i < b.n; i++) {
		if (i == 1 && (err = qp_lineage_new(&st.lin, st.county)) != QP_OK)
			goto done;
		if ((err = do_section(&st, &b.s[i], auth)) != QP_OK)
			goto done;
	}
	if ((err = check_checkpoint_sigs(&st, info)) != QP_OK)
		goto done;
	if (st.lin == NULL) {
		err =
		    qp_error_set(QP_EVERIFY, "certificate %s: the bundle has no certificate entries", b.cert);
		goto done;
	}
	if ((err = qp_lineage_finish(st.lin, b.cert, now, info)) != QP_OK)
		goto done;
	/* The state the entries lead to is the state the checkpoint's status map commits to. */
	uint64_t *indexes = qp_calloc(b.n, sizeof(*indexes));
	if (indexes == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < b.n; i++)
		indexes[i] = b.s[i].index;
	err = qp_bundle_status_check(b.cert, &st.cp, b.st, b.nst, &info->cert, indexes, b.n);
	qp_free(indexes);
	if (err != QP_OK)
		goto done;
	if (!b.digest_ok) {
		err = qp_error_set(QP_EVERIFY,
				   "bundle: the sha256 line does not match the bundle's bytes (damaged "
				   "in transit or edited)");
		goto done;
	}
	info->checkpoint = st.cp;
	snprintf(info->county, sizeof(info->county), "%s", st.county);
	snprintf(info->county_name, sizeof(info->county_name), "%s", st.county_name);
	info->entries = b.n;
done:
	if (err != QP_OK)
		qp_bundle_info_clear(info);
	for (size_t i = 0; i < st.nkeys; i++)
		qp_verifier_free(st.keys[i].v);
	qp_free(st.keys);
	cJSON_Delete(st.policy);
	qp_lineage_free(st.lin);
	qp_note_free(st.cp_note);
	qp_free(b.s);
	qp_free(b.st);
	qp_verifier_free(auth);
	return err;
}
