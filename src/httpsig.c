/*
 * httpsig.c - HTTP Message Signatures (RFC 9421) with Ed25519: the one
 * definition of the signed request that quanpiaod checks and the CLI
 * makes (quanpiao/httpsig.h).  The parser accepts exactly the form the
 * header describes and nothing looser: a signature it cannot read whole
 * is refused, never skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "error.h"
#include "quanpiao/httpsig.h"

#define COMPONENTS "(\"@method\" \"@path\" \"@query\")"
#define LABEL_MAX  32

/* "<name>+<8 hex>" */
static int keyid_format(char *out, size_t cap, const char *name, uint32_t key_id)
{
	int n = snprintf(out, cap, "%s+%08x", name, key_id);
	return n > 0 && (size_t)n < cap ? QP_OK : qp_error_set(QP_EINVALID, "key name too long");
}

/* The signature base of RFC 9421 section 2.5 (malloc'd). */
static int build_base(char **out, size_t *out_len, const char *method, const char *path, const char *query,
		      const char *params, size_t params_len)
{
#define BASE_FMT "\"@method\": %s\n\"@path\": %s\n\"@query\": ?%s\n\"@signature-params\": %.*s"
	const char *q = query ? query : "";
	int n = snprintf(NULL, 0, BASE_FMT, method, path, q, (int)params_len, params);
	char *base = n > 0 ? qp_malloc((size_t)n + 1) : NULL;
	if (base == NULL)
		return QP_ENOMEM;
	snprintf(base, (size_t)n + 1, BASE_FMT, method, path, q, (int)params_len, params);
	*out = base;
	*out_len = (size_t)n;
	return QP_OK;
}

static int nonce_ok(const char *s, size_t len)
{
	if (len < QP_HTTPSIG_NONCE_MIN || len > QP_HTTPSIG_NONCE_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int qp_httpsig_sign(char **signature_input, char **signature, const qp_key *key, const char *method,
		    const char *path, const char *query, int64_t created, const char *nonce)
{
	char keyid[QP_KEY_NAME_MAX + 16], fresh[QP_HTTPSIG_NONCE_MAX + 1], params[512];
	unsigned char raw[16], sig[QP_SIGNATURE_LEN];
	char b64[sodium_base64_ENCODED_LEN(QP_SIGNATURE_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char *base = NULL;
	size_t base_len = 0;
	int err;
	*signature_input = *signature = NULL;
	if (nonce == NULL) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(fresh, sizeof(fresh), raw, sizeof(raw),
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		nonce = fresh;
	}
	if (!nonce_ok(nonce, strlen(nonce)))
		return qp_error_set(QP_EUSAGE,
				    "qp_httpsig_sign: the nonce must be %d to %d of A-Z a-z 0-9 - _",
				    QP_HTTPSIG_NONCE_MIN, QP_HTTPSIG_NONCE_MAX);
	if ((err = keyid_format(keyid, sizeof(keyid), qp_key_name(key), qp_key_id(key))) != QP_OK)
		return err;
	int n = snprintf(params, sizeof(params),
			 COMPONENTS ";created=%lld;nonce=\"%s\";keyid=\"%s\";alg=\"ed25519\"",
			 (long long)created, nonce, keyid);
	if (n < 0 || (size_t)n >= sizeof(params))
		return qp_error_set(QP_EINVALID, "the signature parameters are too long");
	if ((err = build_base(&base, &base_len, method, path, query, params, (size_t)n)) != QP_OK)
		return err;
	err = qp_key_sign(sig, key, base, base_len);
	qp_free(base);
	if (err != QP_OK)
		return err;
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	size_t in_len = strlen("sig1=") + (size_t)n + 1, s_len = strlen("sig1=::") + strlen(b64) + 1;
	*signature_input = malloc(in_len);
	*signature = malloc(s_len);
	if (*signature_input == NULL || *signature == NULL) {
		free(*signature_input);
		free(*signature);
		*signature_input = *signature = NULL;
		return QP_ENOMEM;
	}
	snprintf(*signature_input, in_len, "sig1=%s", params);
	snprintf(*signature, s_len, "sig1=:%s:", b64);
	return QP_OK;
}

/* The label before '=': an sf-key of lowercase letters, digits, '_', '-', '.', '*'. */
static size_t label_len(const char *s)
{
	size_t i = 0;
	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	while (i < LABEL_MAX && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
				 s[i] == '_' || s[i] == '-' || s[i] == '.' || s[i] == '*'))
		i++;
	return s[i] == '=' ? i : 0;
}

static int refuse(const char *why)
{
	return qp_error_set(QP_EPERM, "request signature: %s", why);
}

/* One ";name=value" parameter: value is an integer or a string without escapes. */
typedef struct param {
	const char *name;
	size_t name_len;
	const char *str; /* NULL for an integer */
	size_t str_len;
	long long num;
} param;

static int parse_param(const char **pp, param *out)
{
	const char *p = *pp;
	if (*p++ != ';')
		return -1;
	out->name = p;
	while (*p >= 'a' && *p <= 'z')
		p++;
	out->name_len = (size_t)(p - out->name);
	if (out->name_len == 0 || *p++ != '=')
		return -1;
	if (*p == '"') {
		out->str = ++p;
		while (*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\')
			p++;
		if (*p != '"')
			return -1;
		out->str_len = (size_t)(p - out->str);
		p++;
	} else {
		long long v = 0;
		const char *start = p;
		while (*p >= '0' && *p <= '9' && p - start < 15)
			v = v * 10 + (*p++ - '0');
		if (p == start || (*p >= '0' && *p <= '9'))
			return -1;
		out->str = NULL;
		out->num = v;
	}
	*pp = p;
	return 0;
}

static const char *last_plus(const char *s, size_t len)
{
	for (size_t i = len; i > 0; i--)
		if (s[i - 1] == '+')
			return s + i - 1;
	return NULL;
}

static int is(const param *p, const char *name)
{
	return p->name_len == strlen(name) && memcmp(p->name, name, p->name_len) == 0;
}

int qp_httpsig_parse(qp_httpsig *out, const char *signature_input, const char *signature, const char *method,
		     const char *path, const char *query, int64_t now)
{
	int have_created = 0, have_nonce = 0, have_keyid = 0, have_alg = 0, have_expires = 0;
	long long expires = 0;
	memset(out, 0, sizeof(*out));
	if (signature_input == NULL || signature == NULL)
		return refuse("both Signature-Input and Signature are needed");
	size_t ll = label_len(signature_input);
	if (ll == 0)
		return refuse("Signature-Input must be one label=(...) member");
	const char *params = signature_input + ll + 1, *p = params;
	if (strncmp(p, COMPONENTS, strlen(COMPONENTS)) != 0)
		return refuse("the covered components must be (\"@method\" \"@path\" \"@query\")");
	p += strlen(COMPONENTS);
	while (*p == ';') {
		param pr = {0};
		int dup = 0, bad = 0;
		if (parse_param(&p, &pr) != 0)
			return refuse("a malformed parameter in Signature-Input");
		if (is(&pr, "created")) {
			dup = have_created++;
			bad = pr.str != NULL;
			out->created = pr.num;
		} else if (is(&pr, "expires")) {
			dup = have_expires++;
			bad = pr.str != NULL;
			expires = pr.num;
		} else if (is(&pr, "nonce")) {
			dup = have_nonce++;
			bad = pr.str == NULL || !nonce_ok(pr.str, pr.str_len);
			if (!bad)
				memcpy(out->nonce, pr.str, pr.str_len);
		} else if (is(&pr, "alg")) {
			dup = have_alg++;
			bad = pr.str == NULL || pr.str_len != 7 || memcmp(pr.str, "ed25519", 7) != 0;
		} else if (is(&pr, "keyid")) {
			dup = have_keyid++;
			const char *plus = pr.str ? last_plus(pr.str, pr.str_len) : NULL;
			size_t nl = plus ? (size_t)(plus - pr.str) : 0;
			char hex[9] = "";
			bad = plus == NULL || nl == 0 || nl > QP_KEY_NAME_MAX || pr.str_len - nl - 1 != 8;
			if (!bad) {
				memcpy(out->key_name, pr.str, nl);
				memcpy(hex, plus + 1, 8);
				char *end = NULL;
				out->key_id = (uint32_t)strtoul(hex, &end, 16);
				bad = end != hex + 8 || strspn(hex, "0123456789abcdef") != 8;
			}
		} else {
			return refuse(
			    "Signature-Input has a parameter other than created, expires, nonce, keyid "
			    "and alg");
		}
		if (dup)
			return refuse("a parameter is given twice in Signature-Input");
		if (bad)
			return refuse(
			    "a parameter of Signature-Input is malformed (created and expires are "
			    "whole numbers, nonce 22 to 64 of A-Z a-z 0-9 - _, keyid NAME+KEYID, alg "
			    "\"ed25519\")");
	}
	if (*p != '\0')
		return refuse("Signature-Input must hold one signature and nothing after it");
	if (!have_created || !have_nonce || !have_keyid)
		return refuse("Signature-Input must have created, nonce and keyid");
	if (out->created > now + QP_HTTPSIG_SKEW)
		return refuse("created is in the future (check the clock)");
	if (now - out->created > QP_HTTPSIG_WINDOW)
		return qp_error_set(
		    QP_EPERM, "request signature: created %lld is older than the %d-second validity window",
		    (long long)out->created, QP_HTTPSIG_WINDOW);
	if (have_expires && expires < now)
		return refuse("the signature has expired");
	/* Signature: the same label, a byte sequence of 64 bytes. */
	if (strncmp(signature, signature_input, ll + 1) != 0 || signature[ll + 1] != ':')
		return refuse("Signature must be one member with the label of Signature-Input");
	const char *b64 = signature + ll + 2, *colon = strchr(b64, ':');
	size_t got = 0;
	if (colon == NULL || colon[1] != '\0' ||
	    sodium_base642bin(out->signature, sizeof(out->signature), b64, (size_t)(colon - b64), NULL, &got,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != QP_SIGNATURE_LEN)
		return refuse("Signature must be :base64 of 64 bytes:");
	return build_base(&out->base, &out->base_len, method, path, query, params, strlen(params));
}

int qp_httpsig_verify(const qp_httpsig *sig, const unsigned char public_key[QP_PUBLIC_KEY_LEN])
{
	if (sig->base == NULL || crypto_sign_verify_detached(sig->signature, (const unsigned char *)sig->base,
							     sig->base_len, public_key) != 0)
		return refuse("the signature does not verify with the enrolled key");
	return QP_OK;
}

void qp_httpsig_clear(qp_httpsig *sig)
{
	if (sig == NULL)
		return;
	qp_free(sig->base);
	memset(sig, 0, sizeof(*sig));
}
