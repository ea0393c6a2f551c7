/*
 * qp_tamper - alter a registry the way an attacker with write access to the
 * file could, for the audit's tamper tests.
 *
 *   qp_tamper append DB NOTEFILE          store an entry without any rule
 *                                         (leaf and tree nodes made right)
 *   qp_tamper checkpoint DB LOGKEY SIZE   sign and store a checkpoint of SIZE
 *                                         whose root is that of SIZE - 1
 *   qp_tamper submit DB KEY TYPE BODY     no tampering: an entry as officers
 *                                         write it (ID numbers, names), through
 *                                         qp_registry_submit and every rule, for
 *                                         fixtures the CLI has no command for
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quanpiao/quanpiao.h"
#include "store_log.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);
	*len = f && buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (f)
		fclose(f);
	if (buf)
		buf[*len] = '\0';
	return buf;
}

static int fail(const char *what)
{
	fprintf(stderr, "qp_tamper: %s: %s\n", what, qp_error_last()->message);
	return 1;
}

int main(int argc, char **argv)
{
	qp_store *store = NULL;
	if (sodium_init() < 0 || argc < 4)
		return fputs("usage: qp_tamper append DB NOTE | checkpoint DB LOGKEY SIZE | submit DB KEY "
			     "TYPE BODY\n",
			     stderr),
		       2;
	if (strcmp(argv[1], "submit") == 0) {
		qp_registry *reg = NULL;
		qp_key *key = NULL;
		uint64_t idx = 0;
		if (argc != 6)
			return 2;
		if (qp_registry_open(&reg, argv[2], 0) != QP_OK ||
		    qp_key_load(&key, argv[3], getenv("QUANPIAO_PASSPHRASE")) != QP_OK ||
		    qp_registry_submit(reg, key, argv[4], argv[5], &idx) != QP_OK) {
			qp_key_free(key);
			qp_registry_free(reg);
			return fail("submit");
		}
		printf("appended entry %llu\n", (unsigned long long)idx);
		qp_key_free(key);
		qp_registry_free(reg);
		return 0;
	}
	if (qp_store_open(&store, argv[2], 0) != QP_OK)
		return fail("open");
	int rc = 0;
	if (strcmp(argv[1], "append") == 0) {
		size_t len;
		char *note = slurp(argv[3], &len);
		uint64_t size;
		unsigned char leaf[QP_HASH_LEN];
		qp_merkle_leaf_hash(leaf, note, len);
		if (qp_store_begin(store) != QP_OK || qp_store_log_size(store, &size) != QP_OK ||
		    qp_store_entry_put(store, size, note, len, leaf, "village.add", "tampered", "2026-01-01T00:00:00Z") !=
			    QP_OK ||
		    qp_merkle_append(size, leaf, qp_store_node_get, qp_store_node_put, store) != QP_OK ||
		    qp_store_commit(store) != QP_OK)
			rc = fail("append");
		else
			printf("stored entry %llu\n", (unsigned long long)size);
		free(note);
	} else if (strcmp(argv[1], "checkpoint") == 0 && argc == 5) {
		qp_key *key = NULL;
		char text[512], *note = NULL, *origin = NULL;
		size_t note_len = 0;
		unsigned char root[QP_HASH_LEN];
		char b64[64];
		uint64_t size = strtoull(argv[4], NULL, 10);
		if (qp_key_load(&key, argv[3], getenv("QUANPIAO_PASSPHRASE")) != QP_OK ||
		    qp_store_meta_get(store, "origin", &origin) != QP_OK ||
		    qp_merkle_root(root, size - 1, qp_store_node_get, store) != QP_OK)
			return fail("checkpoint");
		sodium_bin2base64(b64, sizeof(b64), root, sizeof(root), sodium_base64_VARIANT_ORIGINAL);
		snprintf(text, sizeof(text), "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
		const qp_key *k = key;
		if (qp_note_sign(&note, &note_len, text, strlen(text), &k, 1) != QP_OK ||
		    qp_store_checkpoint_put(store, size, root, note, note_len) != QP_OK)
			rc = fail("checkpoint");
		free(note);
		free(origin);
		qp_key_free(key);
	} else {
		rc = 2;
	}
	qp_store_free(store);
	return rc;
}
