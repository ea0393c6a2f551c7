/*
 * qp_forge - sign an arbitrary entry for tests: any origin, type, time,
 * body and named log state, with any key.  The CLI never lets an officer
 * choose these, so tests use this to present the registry with entries it
 * must refuse.
 *
 * usage: qp_forge KEYFILE ORIGIN TYPE TIME BODY_JSON [LOG_SIZE LOG_ROOT]
 * The entry names the log state LOG_SIZE, LOG_ROOT (base64) if given, else
 * the current state of the registry at QP_FORGE_DB, QUANPIAO_DB or
 * ./registry.db (opened read-only), else (no such file) the empty log.
 * The key's passphrase, if any, comes from QUANPIAO_PASSPHRASE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "entry.h"
#include "error.h"
#include "quanpiao/quanpiao.h"
#include "registry_internal.h"

/* The state named on the command line, or the registry's current one. */
static int log_state(qp_log_state *out, int argc, char **argv)
{
	memset(out, 0, sizeof(*out));
	if (argc == 8) {
		char *end = NULL;
		size_t len = 0;
		out->size = strtoull(argv[6], &end, 10);
		if (end == argv[6] || *end != '\0' ||
		    sodium_base642bin(out->root, sizeof(out->root), argv[7], strlen(argv[7]), NULL, &len,
				      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    len != sizeof(out->root))
			return qp_error_set(QP_EUSAGE,
					    "LOG_SIZE must be an integer and LOG_ROOT base64 of 32 bytes");
		return QP_OK;
	}
	const char *db = getenv("QP_FORGE_DB");
	if (db == NULL || db[0] == '\0')
		db = getenv("QUANPIAO_DB");
	if (db == NULL || db[0] == '\0')
		db = "registry.db";
	if (access(db, F_OK) != 0) {
		crypto_hash_sha256(out->root, (const unsigned char *)"", 0);
		return QP_OK;
	}
	qp_registry *reg = NULL;
	int rc = qp_registry_open(&reg, db, QP_STORE_READONLY);
	if (rc == QP_OK)
		rc = qp_registry_log_state(out, reg);
	qp_registry_free(reg);
	return rc;
}

int main(int argc, char **argv)
{
	qp_key *key = NULL;
	const qp_key *signer = NULL;
	char *text = NULL, *note = NULL;
	size_t text_len = 0, note_len = 0;
	qp_log_state log;
	if (argc != 6 && argc != 8) {
		fputs("usage: qp_forge KEYFILE ORIGIN TYPE TIME BODY_JSON [LOG_SIZE LOG_ROOT]\n", stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 10;
	cJSON *body = cJSON_Parse(argv[5]);
	int rc = body ? qp_key_load(&key, argv[1], getenv("QUANPIAO_PASSPHRASE")) : QP_EINVALID;
	signer = key;
	if (rc == QP_OK)
		rc = log_state(&log, argc, argv);
	if (rc == QP_OK)
		rc = qp_entry_text(&text, &text_len, argv[2], argv[3], qp_key_name(key), argv[4], &log, body);
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
