/*
 * note.c - signed notes (c2sp.org/signed-note): strict parsing, verifying
 * and signing.
 *
 * A message is split at its last blank line ("\n\n"): the text before it
 * (through its final newline) is what each signature covers, the lines
 * after it are "— <name> <base64(key ID || signature)>\n".  Notes arrive
 * from the network and from files, so the parser is strict and says which
 * rule a message breaks; it never trusts a length it has not checked.
 * The reference is Go's golang.org/x/mod/sumdb/note; we are stricter in
 * three places, all about text no registry writes: the text may contain
 * no control character at all but newline (Go allows DEL and the C1
 * controls), key names are printable ASCII (qp_key_check_name), and a
 * text that is a lone newline counts as empty.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "error.h"
#include "keys_internal.h"
#include "note_internal.h"
#include "quanpiao/note.h"

#define SIG_PREFIX     "\xE2\x80\x94 " /* U+2014 EM DASH, one space */
#define SIG_PREFIX_LEN 4
#define SIG_ID_LEN     4
#define B64	       sodium_base64_VARIANT_ORIGINAL

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code point in *cp, or 0 if invalid. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		*cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		*cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F; /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		*cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F; /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	return len;
}

/* The text rules: non-empty, valid UTF-8, no control characters but '\n', ends in '\n'. */
static int check_text(const char *text, size_t len)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t i = 0;

	if (len == 0 || (len == 1 && t[0] == '\n'))
		return qp_error_set(QP_EINVALID, "note text is empty");
	while (i < len) {
		unsigned long cp;
		size_t n = utf8_next(t + i, len - i, &cp);
		if (n == 0)
			return qp_error_set(QP_EINVALID, "note text is not valid UTF-8 at byte %zu", i + 1);
		if ((cp < 0x20 && cp != '\n') || (cp >= 0x7F && cp <= 0x9F))
			return qp_error_set(
			    QP_EINVALID,
			    "note text contains a control character (U+%04lX) at byte %zu; only "
			    "newline is allowed",
			    cp, i + 1);
		i += n;
	}
	if (t[len - 1] != '\n')
		return qp_error_set(QP_EINVALID, "note text does not end in a newline");
	return QP_OK;
}

/* Parse one signature line (len bytes, without its '\n') into sig. */
static int parse_sig_line(qp_note_sig *sig, const char *line, size_t len, size_t lineno)
{
	const char *end = line + len, *name, *space, *b64, *b64_end = NULL;
	size_t name_len, b64_len, bin_len = 0, max;
	unsigned char *bin;

	if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return qp_error_set(QP_EINVALID, "signature line %zu does not start with U+2014 and a space",
				    lineno);
	name = line + SIG_PREFIX_LEN;
	if (name < end && *name == ' ')
		return qp_error_set(QP_EINVALID, "signature line %zu has more than one space after U+2014",
				    lineno);
	space = memchr(name, ' ', (size_t)(end - name));
	if (space == NULL)
		return qp_error_set(QP_EINVALID,
				    "signature line %zu has no space between the key name and the signature",
				    lineno);
	name_len = (size_t)(space - name);
	if (qp_key_check_name_len(name, name_len) != QP_OK)
		return qp_error_prefix("signature line %zu", lineno);
	b64 = space + 1;
	b64_len = (size_t)(end - b64);
	if (b64_len == 0)
		return qp_error_set(QP_EINVALID, "signature line %zu has no signature after the key name",
				    lineno);
	if (*b64 == ' ')
		return qp_error_set(
		    QP_EINVALID,
		    "signature line %zu has more than one space between the key name and the signature",
		    lineno);
	max = b64_len / 4 * 3 + 3;
	if ((bin = qp_malloc(max)) == NULL)
		return QP_ENOMEM;
	if (sodium_base642bin(bin, max, b64, b64_len, NULL, &bin_len, &b64_end, B64) != 0 || b64_end != end) {
		qp_free(bin);
		return qp_error_set(
		    QP_EINVALID,
		    "signature line %zu: the signature is not valid base64 (standard alphabet, with "
		    "padding)",
		    lineno);
	}
	if (bin_len < SIG_ID_LEN + 1) {
		qp_free(bin);
		return qp_error_set(
		    QP_EINVALID,
		    "signature line %zu: the signature decodes to %zu bytes; at least %d are needed "
		    "(a 4-byte key ID and the signature)",
		    lineno, bin_len, SIG_ID_LEN + 1);
	}
	if ((sig->name = qp_strndup(name, name_len)) == NULL) {
		qp_free(bin);
		return QP_ENOMEM;
	}
	sig->id = (uint32_t)bin[0] << 24 | (uint32_t)bin[1] << 16 | (uint32_t)bin[2] << 8 | bin[3];
	memmove(bin, bin + SIG_ID_LEN, bin_len - SIG_ID_LEN);
	sig->sig = bin;
	sig->sig_len = bin_len - SIG_ID_LEN;
	sig->by = NULL;
	return QP_OK;
}

void qp_note_free(qp_note *note)
{
	if (note == NULL)
		return;
	for (size_t i = 0; i < note->nsigs; i++) {
		qp_free(note->sigs[i].name);
		qp_free(note->sigs[i].sig);
	}
	qp_free(note->sigs);
	qp_free(note->text);
	qp_free(note);
}

int qp_note_parse(qp_note **out, const char *msg, size_t msg_len)
{
	size_t split = 0, text_len, sigs_at, nlines = 0, at, lineno;
	qp_note *note = NULL;
	int found = 0, err;

	if (out == NULL || (msg == NULL && msg_len > 0))
		return qp_error_set(QP_EUSAGE, "qp_note_parse: no place for the note or no message given");
	*out = NULL;
	if (msg_len == 0)
		return qp_error_set(QP_EINVALID, "note is empty");
	if (msg_len > QP_NOTE_MAX_SIZE)
		return qp_error_set(QP_EINVALID, "note is %zu bytes; at most %u are allowed", msg_len,
				    (unsigned)QP_NOTE_MAX_SIZE);

	/* The text ends at the last blank line; signature lines cannot contain one. */
	for (size_t i = msg_len - 1; i >= 1; i--) {
		if (msg[i] == '\n' && msg[i - 1] == '\n') {
			split = i - 1;
			found = 1;
			break;
		}
	}
	if (!found)
		return qp_error_set(QP_EINVALID,
				    "note has no blank line between its text and its signatures");
	text_len = split + 1;
	sigs_at = split + 2;
	if ((err = check_text(msg, text_len)) != QP_OK)
		return err;
	if (sigs_at == msg_len)
		return qp_error_set(QP_EINVALID,
				    "note has no signature lines after its last blank line (a note ends with "
				    "its signature lines)");
	for (at = sigs_at; at < msg_len; at++)
		nlines += msg[at] == '\n';
	if (msg[msg_len - 1] != '\n')
		nlines++;
	if (nlines > QP_NOTE_MAX_SIGS)
		return qp_error_set(QP_EINVALID, "note has %zu signature lines; at most %d are allowed",
				    nlines, QP_NOTE_MAX_SIGS);

	if ((note = qp_calloc(1, sizeof(*note))) == NULL)
		return QP_ENOMEM;
	if ((note->text = qp_strndup(msg, text_len)) == NULL)
		goto nomem;
	note->text_len = text_len;
	if ((note->sigs = qp_calloc(nlines, sizeof(*note->sigs))) == NULL)
		goto nomem;

	for (at = sigs_at, lineno = 1; at < msg_len; lineno++) {
		const char *line = msg + at;
		const char *nl = memchr(line, '\n', msg_len - at);
		if (nl == NULL) {
			if (lineno > 1 &&
			    (msg_len - at < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0))
				err = qp_error_set(
				    QP_EINVALID,
				    "note has %zu unexpected bytes after signature line %zu (a note "
				    "ends with the newline of its last signature line)",
				    msg_len - at, lineno - 1);
			else
				err = qp_error_set(
				    QP_EINVALID,
				    "signature line %zu does not end in a newline (a note ends with "
				    "the newline of its last signature line)",
				    lineno);
			goto fail;
		}
		if ((err = parse_sig_line(&note->sigs[note->nsigs], line, (size_t)(nl - line), lineno)) !=
		    QP_OK)
			goto fail;
		note->nsigs++;
		at = (size_t)(nl - msg) + 1;
	}
	*out = note;
	return QP_OK;
nomem:
	err = QP_ENOMEM;
fail:
	qp_note_free(note);
	return err;
}

/* "a, b, c" of the signers' names for a message, cut with "..." to fit. */
static void signer_list(char *buf, size_t size, const qp_note *note)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < note->nsigs; i++) {
		const char *sep = i > 0 ? ", " : "";
		size_t need = strlen(sep) + strlen(note->sigs[i].name);
		if (len + need + 4 >= size) {
			snprintf(buf + len, size - len, "%s...", sep);
			return;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, note->sigs[i].name);
	}
}

int qp_note_open(qp_note **out, const char *msg, size_t msg_len, const qp_verifier *const *known,
		 size_t nknown)
{
	qp_note *note = NULL;
	size_t verified = 0;
	int err;

	if (out == NULL)
		return qp_error_set(QP_EUSAGE, "qp_note_open: no place for the note given");
	*out = NULL;
	if (known == NULL && nknown > 0)
		return qp_error_set(QP_EUSAGE, "qp_note_open: %zu known verifiers but no array", nknown);
	if ((err = qp_note_parse(&note, msg, msg_len)) != QP_OK)
		return err;

	for (size_t i = 0; i < note->nsigs; i++) {
		qp_note_sig *sig = &note->sigs[i];
		int is_known = 0;
		/*
		 * Two known keys with one name and ID would take a collision of
		 * the 32-bit ID; both are trusted, so either may verify.
		 */
		for (size_t j = 0; j < nknown && sig->by == NULL; j++) {
			const qp_verifier *v = known[j];
			if (v == NULL || qp_verifier_type(v) != QP_KEY_TYPE_ED25519 ||
			    qp_verifier_id(v) != sig->id || strcmp(qp_verifier_name(v), sig->name) != 0)
				continue;
			is_known = 1;
			if (sig->sig_len == QP_SIGNATURE_LEN &&
			    qp_verifier_verify(v, sig->sig, note->text, note->text_len) == QP_OK)
				sig->by = v;
		}
		if (is_known && sig->by == NULL) {
			err = qp_error_set(QP_EVERIFY, "signature by %s does not verify", sig->name);
			qp_note_free(note);
			return err;
		}
		verified += sig->by != NULL;
	}
	if (verified == 0) {
		char names[768];
		signer_list(names, sizeof(names), note);
		err = qp_error_set(QP_EVERIFY, "no signature by a known key (signed by: %s)", names);
		qp_note_free(note);
		return err;
	}
	*out = note;
	return QP_OK;
}

/* The note of text signed by each key; given, if not NULL, holds the one key's signature already made. */
size_t qp_note_sig_line(char *buf, size_t cap, const qp_key *key, const unsigned char sig[QP_SIGNATURE_LEN])
{
	unsigned char raw[SIG_ID_LEN + QP_SIGNATURE_LEN];
	char b64[sodium_base64_ENCODED_LEN(SIG_ID_LEN + QP_SIGNATURE_LEN, B64)];
	const size_t b64_len = sizeof(b64) - 1;
	uint32_t id = qp_key_id(key);
	const char *name = qp_key_name(key);
	size_t name_len = strlen(name), at = 0;
	if (SIG_PREFIX_LEN + name_len + 1 + b64_len + 1 > cap)
		return 0;
	raw[0] = (unsigned char)(id >> 24);
	raw[1] = (unsigned char)(id >> 16);
	raw[2] = (unsigned char)(id >> 8);
	raw[3] = (unsigned char)id;
	memcpy(raw + SIG_ID_LEN, sig, QP_SIGNATURE_LEN);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), B64);
	memcpy(buf + at, SIG_PREFIX, SIG_PREFIX_LEN);
	at += SIG_PREFIX_LEN;
	memcpy(buf + at, name, name_len);
	at += name_len;
	buf[at++] = ' ';
	memcpy(buf + at, b64, b64_len);
	at += b64_len;
	buf[at++] = '\n';
	return at;
}

static int note_build(char **out, size_t *out_len, const char *text, size_t text_len, const qp_key *const *keys,
		      size_t nkeys, const unsigned char *given)
{
	const size_t b64_len = sodium_base64_ENCODED_LEN(SIG_ID_LEN + QP_SIGNATURE_LEN, B64) - 1;
	size_t total, at;
	char *buf;
	int err;

	if (out == NULL || out_len == NULL)
		return qp_error_set(QP_EUSAGE, "qp_note_sign: no place for the note given");
	*out = NULL;
	*out_len = 0;
	if (text == NULL && text_len > 0)
		return qp_error_set(QP_EUSAGE, "qp_note_sign: no text given");
	if (keys == NULL || nkeys == 0)
		return qp_error_set(QP_EUSAGE, "qp_note_sign: no keys given");
	if (nkeys > QP_NOTE_MAX_SIGS)
		return qp_error_set(QP_EUSAGE, "qp_note_sign: %zu keys; a note holds at most %d signatures",
				    nkeys, QP_NOTE_MAX_SIGS);
	if ((err = check_text(text, text_len)) != QP_OK)
		return err;

	total = text_len + 1;
	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i] == NULL)
			return qp_error_set(QP_EUSAGE, "qp_note_sign: key %zu is missing", i + 1);
		total += SIG_PREFIX_LEN + strlen(qp_key_name(keys[i])) + 1 + b64_len + 1;
	}
	if (total > QP_NOTE_MAX_SIZE)
		return qp_error_set(QP_EINVALID, "the signed note would be %zu bytes; at most %u are allowed",
				    total, (unsigned)QP_NOTE_MAX_SIZE);

	if ((buf = qp_malloc(total + 1)) == NULL)
		return QP_ENOMEM;
	memcpy(buf, text, text_len);
	buf[text_len] = '\n';
	at = text_len + 1;
	for (size_t i = 0; i < nkeys; i++) {
		unsigned char sig[QP_SIGNATURE_LEN];
		if (given)
			memcpy(sig, given, QP_SIGNATURE_LEN);
		else if ((err = qp_key_sign(sig, keys[i], text, text_len)) != QP_OK) {
			qp_free(buf);
			return err;
		}
		at += qp_note_sig_line(buf + at, total + 1 - at, keys[i], sig);
	}
	buf[at] = '\0';
	*out = buf;
	*out_len = at;
	return QP_OK;
}

int qp_note_sign(char **out, size_t *out_len, const char *text, size_t text_len, const qp_key *const *keys,
		 size_t nkeys)
{
	return note_build(out, out_len, text, text_len, keys, nkeys, NULL);
}

int qp_note_sign_given(char **out, size_t *out_len, const char *text, size_t text_len, const qp_key *key,
		       const unsigned char sig[QP_SIGNATURE_LEN])
{
	if (sig == NULL)
		return qp_error_set(QP_EUSAGE, "qp_note_sign_given: no signature given");
	return note_build(out, out_len, text, text_len, &key, 1, sig);
}
