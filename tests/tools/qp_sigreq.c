/*
 * qp_sigreq - sign an HTTP request as `quanpiao --server` does (RFC 9421,
 * quanpiao/httpsig.h), for the service tests:
 *
 *   qp_sigreq KEYFILE METHOD TARGET [CREATED [NONCE]]
 *
 * TARGET is the path with its query ("/v1/households/X?a=b"); CREATED the
 * Unix time, or +N / -N seconds from now (default now); NONCE default a
 * fresh one.  Prints the header lines "Signature-Input: ..." and
 * "Signature: ...".  The key file must be unencrypted (test keys are).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <quanpiao/quanpiao.h>

int main(int argc, char **argv)
{
	qp_key *key = NULL;
	char *input = NULL, *sig = NULL;
	if (argc < 4 || argc > 6) {
		fputs("usage: qp_sigreq KEYFILE METHOD TARGET [CREATED [NONCE]]\n", stderr);
		return 2;
	}
	int64_t created = (int64_t)time(NULL);
	if (argc > 4)
		created = argv[4][0] == '+' || argv[4][0] == '-' ? created + strtoll(argv[4], NULL, 10)
								 : strtoll(argv[4], NULL, 10);
	char *path = strdup(argv[3]), *query = strchr(path, '?');
	if (query)
		*query++ = '\0';
	if (qp_key_load(&key, argv[1], NULL) != QP_OK ||
	    qp_httpsig_sign(&input, &sig, key, argv[2], path, query, created, argc > 5 ? argv[5] : NULL) !=
		QP_OK) {
		fprintf(stderr, "qp_sigreq: %s\n", qp_error_last()->message);
		return 1;
	}
	printf("Signature-Input: %s\nSignature: %s\n", input, sig);
	free(input);
	free(sig);
	free(path);
	qp_key_free(key);
	return 0;
}
