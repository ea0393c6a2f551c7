/*
 * quanpiao/httpsig.h - HTTP Message Signatures (RFC 9421) with Ed25519, as
 * quanpiaod and `quanpiao --server` use them to authenticate a read of
 * personal data (docs/service.md, "Who may read what").
 *
 * A signed request carries two headers:
 *
 *   Signature-Input: sig1=("@method" "@path" "@query");created=1765000000;
 *                    nonce="<22 to 64 of A-Z a-z 0-9 - _>";keyid="<name>+<key ID, 8 hex>";alg="ed25519"
 *   Signature: sig1=:<base64 of the 64-byte Ed25519 signature>:
 *
 * over the signature base of RFC 9421 section 2.5:
 *
 *   "@method": GET
 *   "@path": /v1/households/330681-H-0000001
 *   "@query": ?limit=100            ("?" alone when there is none)
 *   "@signature-params": ("@method" "@path" "@query");created=...;nonce="...";keyid="...";alg="ed25519"
 *
 * Exactly these components, in this order; created within the validity
 * window (QP_HTTPSIG_WINDOW seconds old at most, QP_HTTPSIG_SKEW ahead at
 * most); each nonce once (the service keeps the nonces of the window).
 */
#ifndef QUANPIAO_HTTPSIG_H
#define QUANPIAO_HTTPSIG_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/keys.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QP_HTTPSIG_WINDOW    60 /* seconds a signed request stays valid after created */
#define QP_HTTPSIG_SKEW	     5	/* seconds created may be ahead of the service's clock */
#define QP_HTTPSIG_NONCE_MIN 22
#define QP_HTTPSIG_NONCE_MAX 64

/* A parsed signed request. */
typedef struct qp_httpsig {
	char key_name[QP_KEY_NAME_MAX + 1];
	uint32_t key_id;
	int64_t created;
	char nonce[QP_HTTPSIG_NONCE_MAX + 1];
	unsigned char signature[QP_SIGNATURE_LEN];
	char *base; /* the signature base (malloc'd) */
	size_t base_len;
} qp_httpsig;

/*
 * Sign a request: the two header values (malloc'd; free with free()).
 * query is the raw query without its "?" (NULL or "" when none); nonce
 * NULL draws a fresh random one.
 */
QP_API int qp_httpsig_sign(char **signature_input, char **signature, const qp_key *key, const char *method,
			   const char *path, const char *query, int64_t created, const char *nonce);

/*
 * Parse the two header values of a request with this method, raw path and
 * raw query (without "?"; NULL when none) into *out, and check created
 * against now and the window.  QP_EPERM with the reason (malformed header,
 * other components, too old, from the future) otherwise.  Free with
 * qp_httpsig_clear.
 */
QP_API int qp_httpsig_parse(qp_httpsig *out, const char *signature_input, const char *signature,
			    const char *method, const char *path, const char *query, int64_t now);

/* Verify the parsed signature with the signer's Ed25519 public key; QP_EPERM if it does not hold. */
QP_API int qp_httpsig_verify(const qp_httpsig *sig, const unsigned char public_key[QP_PUBLIC_KEY_LEN]);

QP_API void qp_httpsig_clear(qp_httpsig *sig);

#ifdef __cplusplus
}
#endif

#endif
