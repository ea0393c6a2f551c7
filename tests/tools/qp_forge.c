/*
 * qp_forge - sign an arbitrary entry for tests: any origin, type, time and
 * body, with any key.  The CLI never lets an officer choose these, so tests
 * use this to present the registry with entries it must refuse.
 *
 * usage: qp_forge KEYFILE ORIGIN TYPE TIME BODY_JSON
 * The key's passphrase, if any, comes from QUANPIAO_PASSPHRASE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "entry.h"
#include "quanpiao/quanpiao.h"

int main(int argc, char **argv)
{
	qp_key *key = NULL;
	const qp_key *signer = NULL;
	char *text = NULL, *note = NULL;
	size_t text_len = 0, note_len = 0;
	if (argc != 6) {
		fputs("usage: qp_forge KEYFILE ORIGIN TYPE TIME BODY_JSON\n", stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 10;
	cJSON *body = cJSON_Parse(argv[5]);
	int rc = body ? qp_key_load(&key, argv[1], getenv("QUANPIAO_PASSPHRASE")) : QP_EINVALID;
	signer = key;
	if (rc == QP_OK)
		rc = qp_entry_text(&text, &text_len, argv[2], argv[3], qp_key_name(key), argv[4], body);
	if (rc == QP_OK)
		rc = qp_note_sign(&note, &note_len, text, text_len, &signer, 1);
	if (rc == QP_OK)
		fwrite(note, 1, note_len, stdout);
	else
		fprintf(stderr, "qp_forge: %s\n", qp_error_last()->message);
	cJSON_Delete(body);
	qp_free(text);
	free(note);
	qp_key_free(key);
	return rc == QP_OK ? 0 : 1;
}
