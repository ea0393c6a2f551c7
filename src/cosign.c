/*
 * cosign.c - witness cosignatures (c2sp.org/tlog-cosignature) and the
 * registry's store of them.
 *
 * A witness promises never to cosign two checkpoints of one log that are
 * not consistent with each other.  qp_cosign_check is that promise's test:
 * the new checkpoint must be signed by the log and extend the last one the
 * witness cosigned.  The registry then keeps each auditor's cosignature
 * line and prints it under the checkpoint, so that whoever fetches a
 * checkpoint sees which witnesses vouch for it.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/cosign.h"
#include "quanpiao/note.h"
#include "registry_internal.h"
#include "store_log.h"
#include "store_witness.h"

#define SIG_PREFIX     "\xE2\x80\x94 " /* U+2014 EM DASH, one space */
#define SIG_PREFIX_LEN 4
#define B64	       sodium_base64_VARIANT_ORIGINAL
#define COSIGN_HEADER  "cosignature/v1\ntime "

/* ---- the signed message ------------------------------------------------------ */

/* The text of a checkpoint note, or the bare text itself when it has no signatures. */
static int checkpoint_text(qp_note **note, const char **text, size_t *text_len, const char *msg, size_t len)
{
	qp_checkpoint cp;
	int err;
	*note = NULL;
	int has_sigs = 0;
	for (size_t i = 1; i < len; i++)
		has_sigs |= msg[i] == '\n' && msg[i - 1] == '\n';
	if (has_sigs) {
		if ((err = qp_note_parse(note, msg, len)) != QP_OK)
			return qp_error_prefix("checkpoint");
		*text = (*note)->text;
		*text_len = (*note)->text_len;
	} else {
		*text = msg;
		*text_len = len;
	}
	if ((err = qp_checkpoint_parse(&cp, *text, *text_len)) != QP_OK) {
		qp_note_free(*note);
		*note = NULL;
	}
	return err;
}

/* "cosignature/v1\ntime <t>\n" || text, in new memory. */
static int signed_message(unsigned char **msg, size_t *msg_len, uint64_t t, const char *text, size_t text_len)
{
	char head[64];
	int n = snprintf(head, sizeof(head), COSIGN_HEADER "%llu\n", (unsigned long long)t);
	*msg = qp_malloc((size_t)n + text_len);
	if (*msg == NULL)
		return QP_ENOMEM;
	memcpy(*msg, head, (size_t)n);
	memcpy(*msg + n, text, text_len);
	*msg_len = (size_t)n + text_len;
	return QP_OK;
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

static uint64_t get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int qp_cosign_verifier(qp_verifier **out, const qp_verifier *v)
{
	unsigned char raw[1 + QP_PUBLIC_KEY_LEN];
	char b64[sodium_base64_ENCODED_LEN(sizeof(raw), B64)];
	char text[QP_KEY_NAME_MAX + 16 + sizeof(b64)];
	*out = NULL;
	if (v == NULL)
		return qp_error_set(QP_EUSAGE, "qp_cosign_verifier: no verifier given");
	const char *name = qp_verifier_name(v);
	raw[0] = QP_KEY_TYPE_COSIGNATURE;
	memcpy(raw + 1, qp_verifier_public(v), QP_PUBLIC_KEY_LEN);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), B64);
	snprintf(text, sizeof(text), "%s+%08x+%s", name,
		 qp_key_compute_id(name, QP_KEY_TYPE_COSIGNATURE, qp_verifier_public(v)), b64);
	return qp_verifier_parse(out, text);
}

int qp_cosign_sign(char **line, size_t *line_len, const qp_key *key, const char *checkpoint_note,
		   size_t note_len, uint64_t timestamp)
{
	qp_note *note = NULL;
	const char *text;
	size_t text_len, msg_len;
	unsigned char *msg = NULL, raw[QP_COSIGNATURE_LEN];
	char b64[sodium_base64_ENCODED_LEN(QP_COSIGNATURE_LEN, B64)];
	int err;

	*line = NULL;
	if (key == NULL || checkpoint_note == NULL)
		return qp_error_set(QP_EUSAGE, "qp_cosign_sign: needs a key and a checkpoint");
	if ((err = checkpoint_text(&note, &text, &text_len, checkpoint_note, note_len)) != QP_OK)
		return err;
	if (timestamp == 0)
		timestamp = (uint64_t)qp_clock_now();
	if ((err = signed_message(&msg, &msg_len, timestamp, text, text_len)) != QP_OK)
		goto done;
	const char *name = qp_key_name(key);
	put_be(raw, qp_key_compute_id(name, QP_KEY_TYPE_COSIGNATURE, qp_key_public(key)), 4);
	put_be(raw + 4, timestamp, 8);
	if ((err = qp_key_sign(raw + 12, key, msg, msg_len)) != QP_OK)
		goto done;
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), B64);
	size_t n = SIG_PREFIX_LEN + strlen(name) + 1 + strlen(b64) + 1;
	if ((*line = qp_malloc(n + 1)) == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	snprintf(*line, n + 1, SIG_PREFIX "%s %s\n", name, b64);
	if (line_len)
		*line_len = n;
done:
	qp_free(msg);
	qp_note_free(note);
	return err;
}

/* A parsed cosignature line. */
typedef struct cosig {
	char name[QP_KEY_NAME_MAX + 1];
	uint32_t id;
	uint64_t timestamp;
	unsigned char sig[QP_SIGNATURE_LEN];
} cosig;

/* Parse "— <name> <base64>" with an optional final newline; the base64 must be canonical. */
static int parse_line(cosig *c, const char *line, size_t len)
{
	unsigned char raw[QP_COSIGNATURE_LEN + 3];
	char again[sodium_base64_ENCODED_LEN(QP_COSIGNATURE_LEN, B64)];
	size_t raw_len = 0;
	const char *b64_end = NULL;
	if (line == NULL)
		return qp_error_set(QP_EUSAGE, "no cosignature line given");
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (memchr(line, '\n', len) != NULL)
		return qp_error_set(QP_EINVALID, "cosignature: must be a single signature line");
	if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return qp_error_set(QP_EINVALID,
				    "cosignature: the line does not start with U+2014 and a space");
	const char *name = line + SIG_PREFIX_LEN, *end = line + len;
	const char *space = memchr(name, ' ', (size_t)(end - name));
	if (space == NULL || space == name || (size_t)(space - name) > QP_KEY_NAME_MAX)
		return qp_error_set(QP_EINVALID,
				    "cosignature: needs a key name, one space and the signature");
	memcpy(c->name, name, (size_t)(space - name));
	c->name[space - name] = '\0';
	if (qp_key_check_name(c->name) != QP_OK)
		return qp_error_prefix("cosignature");
	const char *b64 = space + 1;
	size_t b64_len = (size_t)(end - b64);
	if (b64_len != sizeof(again) - 1 ||
	    sodium_base642bin(raw, sizeof(raw), b64, b64_len, NULL, &raw_len, &b64_end, B64) != 0 ||
	    b64_end != end || raw_len != QP_COSIGNATURE_LEN)
		return qp_error_set(
		    QP_EINVALID,
		    "cosignature: the signature must be the base64 of %d bytes (key ID, timestamp, "
		    "Ed25519 signature)",
		    QP_COSIGNATURE_LEN);
	sodium_bin2base64(again, sizeof(again), raw, QP_COSIGNATURE_LEN, B64);
	if (memcmp(again, b64, b64_len) != 0)
		return qp_error_set(QP_EINVALID, "cosignature: the base64 is not in canonical form");
	c->id = (uint32_t)get_be(raw, 4);
	c->timestamp = get_be(raw + 4, 8);
	memcpy(c->sig, raw + 12, QP_SIGNATURE_LEN);
	if (c->timestamp > (uint64_t)INT64_MAX)
		return qp_error_set(QP_EINVALID, "cosignature: timestamp %llu is beyond 2^63 - 1",
				    (unsigned long long)c->timestamp);
	return QP_OK;
}

/* Verify a parsed cosignature with public key pub over the checkpoint text. */
static int verify_parsed(const cosig *c, const unsigned char pub[QP_PUBLIC_KEY_LEN], const char *text,
			 size_t text_len)
{
	unsigned char *msg = NULL;
	size_t msg_len = 0;
	int err = signed_message(&msg, &msg_len, c->timestamp, text, text_len);
	if (err != QP_OK)
		return err;
	if (crypto_sign_verify_detached(c->sig, msg, msg_len, pub) != 0)
		err = qp_error_set(QP_EVERIFY, "the cosignature by %s does not verify over this checkpoint",
				   c->name);
	qp_free(msg);
	return err;
}

int qp_cosign_verify(uint64_t *timestamp, const qp_verifier *v, const char *line, size_t line_len,
		     const char *checkpoint_note, size_t note_len)
{
	cosig c;
	qp_note *note = NULL;
	const char *text;
	size_t text_len;
	int err;
	if (timestamp)
		*timestamp = 0;
	if (v == NULL || checkpoint_note == NULL)
		return qp_error_set(QP_EUSAGE, "qp_cosign_verify: needs a verifier and a checkpoint");
	if ((err = parse_line(&c, line, line_len)) != QP_OK)
		return err;
	const unsigned char *pub = qp_verifier_public(v);
	uint32_t want = qp_key_compute_id(qp_verifier_name(v), QP_KEY_TYPE_COSIGNATURE, pub);
	if (strcmp(c.name, qp_verifier_name(v)) != 0)
		return qp_error_set(QP_EVERIFY, "the cosignature is by %s, not %s", c.name,
				    qp_verifier_name(v));
	if (c.id != want)
		return qp_error_set(QP_EVERIFY, "the cosignature by %s has key ID %08x; the key's is %08x",
				    c.name, c.id, want);
	if ((err = checkpoint_text(&note, &text, &text_len, checkpoint_note, note_len)) != QP_OK)
		return err;
	err = verify_parsed(&c, pub, text, text_len);
	if (err == QP_OK && timestamp)
		*timestamp = c.timestamp;
	qp_note_free(note);
	return err;
}

int qp_cosign_verify_sig(uint64_t *timestamp, const qp_verifier *v, const qp_note_sig *s, const char *text,
			 size_t text_len)
{
	cosig c;
	if (timestamp)
		*timestamp = 0;
	if (v == NULL || s == NULL || text == NULL)
		return qp_error_set(QP_EUSAGE, "qp_cosign_verify_sig: needs a verifier, a signature and a text");
	const unsigned char *pub = qp_verifier_public(v);
	uint32_t want = qp_key_compute_id(qp_verifier_name(v), QP_KEY_TYPE_COSIGNATURE, pub);
	if (strcmp(s->name, qp_verifier_name(v)) != 0)
		return qp_error_set(QP_EVERIFY, "the cosignature is by %s, not %s", s->name, qp_verifier_name(v));
	if (s->id != want)
		return qp_error_set(QP_EVERIFY, "the cosignature by %s has key ID %08x; the key's is %08x",
				    s->name, s->id, want);
	if (s->sig_len != QP_COSIGNATURE_LEN - 4)
		return qp_error_set(QP_EVERIFY, "the cosignature by %s has %zu bytes after its key ID, not %d",
				    s->name, s->sig_len, QP_COSIGNATURE_LEN - 4);
	snprintf(c.name, sizeof(c.name), "%s", s->name);
	c.id = s->id;
	c.timestamp = get_be(s->sig, 8);
	memcpy(c.sig, s->sig + 8, QP_SIGNATURE_LEN);
	if (c.timestamp > (uint64_t)INT64_MAX)
		return qp_error_set(QP_EVERIFY, "the cosignature by %s: timestamp %llu is beyond 2^63 - 1",
				    s->name, (unsigned long long)c.timestamp);
	int err = verify_parsed(&c, pub, text, text_len);
	if (err == QP_OK && timestamp)
		*timestamp = c.timestamp;
	return err;
}

/* ---- the witness's checks ---------------------------------------------------------- */

/* Parse a decimal without leading zeros (the whole of s[0..len)). */
static int parse_decimal(uint64_t *out, const char *s, size_t len)
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

int qp_cosign_parse_request(uint64_t *old_size, qp_merkle_proof *proof, size_t *note_offset, const char *body,
			    size_t body_len)
{
	const char *p = body, *end = body + body_len;
	proof->len = 0;
	*old_size = 0;
	*note_offset = 0;
	const char *nl = body ? memchr(p, '\n', body_len) : NULL;
	if (nl == NULL || nl - p < 5 || memcmp(p, "old ", 4) != 0 ||
	    parse_decimal(old_size, p + 4, (size_t)(nl - p - 4)) != 0)
		return qp_error_set(QP_EINVALID, "witness request: the first line must be \"old <size>\"");
	p = nl + 1;
	for (size_t line = 2;; line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return qp_error_set(QP_EINVALID,
					    "witness request: no blank line before the checkpoint");
		if (nl == p)
			break;
		if (proof->len == QP_MERKLE_MAX_PROOF)
			return qp_error_set(QP_EINVALID, "witness request: more than %d proof hashes",
					    QP_MERKLE_MAX_PROOF);
		size_t got = 0;
		const char *b64_end = NULL;
		char again[sodium_base64_ENCODED_LEN(QP_HASH_LEN, B64)];
		unsigned char *h = proof->hash[proof->len];
		if ((size_t)(nl - p) != sizeof(again) - 1 ||
		    sodium_base642bin(h, QP_HASH_LEN, p, (size_t)(nl - p), NULL, &got, &b64_end, B64) != 0 ||
		    got != QP_HASH_LEN || b64_end != nl)
			return qp_error_set(QP_EINVALID,
					    "witness request: line %zu is not the base64 of a hash", line);
		sodium_bin2base64(again, sizeof(again), h, QP_HASH_LEN, B64);
		if (memcmp(again, p, sizeof(again) - 1) != 0)
			return qp_error_set(QP_EINVALID, "witness request: line %zu is not canonical base64",
					    line);
		proof->len++;
		p = nl + 1;
	}
	*note_offset = (size_t)(nl + 1 - body);
	if (*note_offset >= body_len)
		return qp_error_set(QP_EINVALID, "witness request: no checkpoint after the blank line");
	return QP_OK;
}

static void root_text(char *out, size_t len, const unsigned char root[QP_HASH_LEN])
{
	sodium_bin2base64(out, len, root, QP_HASH_LEN, B64);
}

int qp_cosign_check(qp_checkpoint *out, const char *note, size_t note_len, const qp_verifier *log_v,
		    const qp_checkpoint *old, const qp_merkle_proof *proof)
{
	qp_note *n = NULL;
	char a[sodium_base64_ENCODED_LEN(QP_HASH_LEN, B64)], b[sizeof(a)], why[512];
	int err;

	memset(out, 0, sizeof(*out));
	if (note == NULL || log_v == NULL)
		return qp_error_set(QP_EUSAGE, "qp_cosign_check: needs a checkpoint and the log's key");
	if ((err = qp_note_open(&n, note, note_len, &log_v, 1)) != QP_OK)
		return qp_error_prefix("checkpoint");
	err = qp_checkpoint_parse(out, n->text, n->text_len);
	qp_note_free(n);
	if (err != QP_OK)
		return err;
	if (strcmp(out->origin, qp_verifier_name(log_v)) != 0)
		return qp_error_set(QP_EVERIFY, "checkpoint: origin %s is not the log key's name %s",
				    out->origin, qp_verifier_name(log_v));
	if (old == NULL || old->size == 0)
		return QP_OK;
	why[0] = '\0';
	if (strcmp(old->origin, out->origin) != 0) {
		snprintf(why, sizeof(why), "they are of different logs");
	} else if (out->size < old->size) {
		snprintf(why, sizeof(why), "the log shrank");
	} else if (out->size == old->size) {
		if (sodium_memcmp(out->root, old->root, QP_HASH_LEN) != 0)
			snprintf(why, sizeof(why), "the same size with a different root");
		else if (proof && proof->len != 0)
			snprintf(why, sizeof(why), "a proof between equal checkpoints must be empty");
	} else if (proof == NULL ||
		   qp_merkle_verify_consistency(old->size, out->size, old->root, out->root, proof) != QP_OK) {
		snprintf(why, sizeof(why), "the consistency proof does not verify: %s",
			 proof ? qp_error_last()->message : "no proof given");
	}
	if (why[0] == '\0')
		return QP_OK;
	root_text(a, sizeof(a), out->root);
	root_text(b, sizeof(b), old->root);
	return qp_error_set(
	    QP_EVERIFY,
	    "inconsistent checkpoints: %s size %llu root %s does not extend %s size %llu root %s (%s); "
	    "a split view or a rewritten log",
	    out->origin, (unsigned long long)out->size, a, old->origin, (unsigned long long)old->size, b,
	    why);
}

/* ---- the registry's store of cosignatures ------------------------------------------- */

/*
 * Find the auditor key named name whose public key is pub (when not NULL)
 * or whose cosignature key ID is id, and check it may cosign the
 * checkpoint of size now: an unrevoked, unexpired auditor key enrolled
 * by an entry the checkpoint covers (so whoever holds the checkpoint can
 * learn the key from the log).  An unrevoked match wins over a revoked
 * one.  pub_out gets its public key.
 */
static int find_cosigner(qp_registry *reg, const char *name, const unsigned char *pub, uint32_t id,
			 uint64_t size, unsigned char pub_out[QP_PUBLIC_KEY_LEN])
{
	qp_store_key_row *rows = NULL, *match = NULL;
	size_t n = 0;
	int named = 0;
	int err = qp_store_keys_all(reg->store, &rows, &n);
	if (err != QP_OK)
		return err;
	for (size_t i = 0; i < n; i++) {
		qp_verifier *v = NULL;
		if (strcmp(rows[i].name, name) != 0)
			continue;
		named = 1;
		if ((err = qp_verifier_parse(&v, rows[i].vkey)) != QP_OK) {
			if (err != QP_ENOMEM)
				err = qp_error_set(QP_ECORRUPT, "enrolled key %s is damaged in the store",
						   name);
			goto done;
		}
		const unsigned char *kp = qp_verifier_public(v);
		int hit = pub ? sodium_memcmp(kp, pub, QP_PUBLIC_KEY_LEN) == 0
			      : qp_key_compute_id(name, QP_KEY_TYPE_COSIGNATURE, kp) == id;
		if (hit && (match == NULL || match->revoked)) {
			match = &rows[i];
			memcpy(pub_out, kp, QP_PUBLIC_KEY_LEN);
		}
		qp_verifier_free(v);
	}
	char today[QP_TIME_LEN + 1];
	qp_time_format(today, qp_clock_now());
	if (match == NULL && named)
		err = pub ? qp_error_set(QP_EPERM,
					 "key %s is enrolled in this registry with another public key", name)
			  : qp_error_set(QP_EPERM,
					 "no key of %s enrolled in this registry has cosignature key ID %08x",
					 name, id);
	else if (match == NULL)
		err = qp_error_set(QP_EPERM, "key %s is not enrolled in this registry", name);
	else if (strcmp(match->role, "auditor") != 0)
		err = qp_error_set(QP_EPERM, "key %s has role %s; only auditor keys cosign checkpoints", name,
				   match->role);
	else if (match->revoked)
		err = qp_error_set(QP_EPERM, "auditor key %s was revoked by entry %llu", name,
				   (unsigned long long)match->revoked_idx);
	else if (match->valid_until && strncmp(today, match->valid_until, 10) > 0)
		err = qp_error_set(QP_EPERM, "auditor key %s expired on %s", name, match->valid_until);
	else if (match->enrolled_idx >= size)
		err = qp_error_set(
		    QP_EPERM,
		    "auditor key %s was enrolled by entry %llu, which the checkpoint of size %llu "
		    "does not cover; sign a newer checkpoint with 'quanpiao log sign' first",
		    name, (unsigned long long)match->enrolled_idx, (unsigned long long)size);
done:
	qp_store_key_rows_free(rows, n);
	return err;
}

int qp_log_check_cosigner(qp_registry *reg, const char *name, const unsigned char pub[QP_PUBLIC_KEY_LEN],
			  uint64_t size)
{
	unsigned char got[QP_PUBLIC_KEY_LEN];
	char *cp = NULL;
	size_t cp_len = 0;
	if (reg == NULL || name == NULL || pub == NULL)
		return qp_error_set(QP_EUSAGE, "qp_log_check_cosigner: needs a registry, a name and a key");
	int err = qp_store_checkpoint_get(reg->store, size, &size, &cp, &cp_len);
	qp_free(cp);
	return err == QP_OK ? find_cosigner(reg, name, pub, 0, size, got) : err;
}

int qp_log_add_cosignature(qp_registry *reg, const char *line, size_t line_len, uint64_t size)
{
	cosig c;
	qp_note *note = NULL;
	char *cp = NULL, *stored = NULL;
	size_t cp_len = 0;
	uint64_t cp_size = 0;
	unsigned char pub[QP_PUBLIC_KEY_LEN];
	int err;

	if (reg == NULL)
		return qp_error_set(QP_EUSAGE, "qp_log_add_cosignature: no registry given");
	if ((err = parse_line(&c, line, line_len)) != QP_OK)
		return err;
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		return err;
	if ((err = qp_store_checkpoint_get(reg->store, size, &cp_size, &cp, &cp_len)) != QP_OK ||
	    (err = find_cosigner(reg, c.name, NULL, c.id, cp_size, pub)) != QP_OK)
		goto fail;
	if ((err = qp_note_parse(&note, cp, cp_len)) != QP_OK) {
		if (err != QP_ENOMEM)
			err = qp_error_set(QP_ECORRUPT, "the checkpoint of size %llu is damaged in the store",
					   (unsigned long long)cp_size);
		goto fail;
	}
	if ((err = verify_parsed(&c, pub, note->text, note->text_len)) != QP_OK) {
		if (err == QP_EVERIFY)
			err = qp_error_set(
			    QP_EPERM,
			    "the cosignature by %s does not verify over the checkpoint of size %llu", c.name,
			    (unsigned long long)cp_size);
		goto fail;
	}
	if (c.timestamp > (uint64_t)qp_clock_now() + QP_ENTRY_MAX_FUTURE_SECONDS) {
		err = qp_error_set(QP_EINVALID,
				   "the cosignature by %s is dated %llu, more than %d minutes ahead", c.name,
				   (unsigned long long)c.timestamp, QP_ENTRY_MAX_FUTURE_SECONDS / 60);
		goto fail;
	}
	/* Store the line exactly as parsed, with one final newline. */
	size_t n = line_len && line[line_len - 1] == '\n' ? line_len - 1 : line_len;
	if ((stored = qp_strndup(line, n + 1)) == NULL) {
		err = QP_ENOMEM;
		goto fail;
	}
	stored[n] = '\n';
	stored[n + 1] = '\0';
	if ((err = qp_store_cosignature_put(reg->store, cp_size, c.name, c.id, c.timestamp, stored, NULL)) !=
		QP_OK ||
	    (err = qp_store_commit(reg->store)) != QP_OK)
		goto fail;
	goto done;
fail:
	qp_store_rollback(reg->store);
done:
	qp_free(stored);
	qp_free(cp);
	qp_note_free(note);
	return err;
}

int qp_log_checkpoint_cosigned(char **note, size_t *note_len, uint64_t *size_out, size_t *cosignatures,
			       qp_registry *reg, uint64_t size)
{
	char *cp = NULL, *lines = NULL;
	size_t cp_len = 0, lines_len = 0, count = 0;
	uint64_t got = 0;
	int err, started = 0;

	*note = NULL;
	if (cosignatures)
		*cosignatures = 0;
	if ((err = qp_store_snapshot_begin(reg->store, &started)) != QP_OK)
		return err;
	if ((err = qp_store_checkpoint_get(reg->store, size, &got, &cp, &cp_len)) != QP_OK)
		goto done;
	/* One line is the log's; a note holds at most QP_NOTE_MAX_SIGS. */
	if ((err = qp_store_cosignatures(reg->store, got, QP_NOTE_MAX_SIGS - 1, &lines, &lines_len,
					 &count)) != QP_OK)
		goto done;
	char *all = qp_realloc(cp, cp_len + lines_len + 1);
	if (all == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	cp = all;
	memcpy(cp + cp_len, lines, lines_len);
	cp_len += lines_len;
	cp[cp_len] = '\0';
	*note = cp;
	cp = NULL;
	if (note_len)
		*note_len = cp_len;
	if (size_out)
		*size_out = got;
	if (cosignatures)
		*cosignatures = count;
done:
	qp_store_snapshot_end(reg->store, started);
	qp_free(cp);
	qp_free(lines);
	return err;
}

int qp_log_cosigned_size(uint64_t *size, qp_registry *reg, size_t min)
{
	if (min < 1 || min > QP_NOTE_MAX_SIGS - 1)
		return qp_error_set(QP_EINVALID, "cosignatures: %zu is not a number from 1 to %d", min,
				    QP_NOTE_MAX_SIGS - 1);
	return qp_store_cosigned_size(reg->store, min, size);
}
