/*
 * personal.c - a household head's personal data and the commitment to it
 * that household.add carries (quanpiao/personal.h, docs/format.md).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "canon.h"
#include "error.h"
#include "quanpiao/personal.h"
#include "quanpiao/text.h"
#include "registry_internal.h"

static int check_name(const char *name, const char *field)
{
	return qp_text_check(field, name, QP_NAME_MAX_LEN, 0);
}

static int check_values(qp_personal *out, const char *id_number, const char *name, const char *id_field,
			const char *name_field)
{
	char norm[QP_RESIDENT_ID_LEN + 1];
	int err = qp_ids_check_resident(norm, id_number, id_field);
	if (err == QP_OK)
		err = check_name(name, name_field);
	if (err == QP_OK && out) {
		memcpy(out->id_number, norm, sizeof(out->id_number));
		snprintf(out->name, sizeof(out->name), "%s", name);
	}
	return err;
}

int qp_personal_init_as(qp_personal *out, const char *id_number, const char *name, const char *id_field,
			const char *name_field)
{
	memset(out, 0, sizeof(*out));
	int err = check_values(out, id_number, name, id_field, name_field);
	if (err != QP_OK) {
		qp_personal_clear(out);
		return err;
	}
	randombytes_buf(out->salt, sizeof(out->salt));
	return QP_OK;
}

int qp_personal_init(qp_personal *out, const char *id_number, const char *name)
{
	return qp_personal_init_as(out, id_number, name, "ID number", "name");
}

int qp_personal_check(const qp_personal *p)
{
	char norm[QP_RESIDENT_ID_LEN + 1];
	int err = check_values(NULL, p->id_number, p->name, "ID number", "name");
	/* A stored ID number is the normalised one: the commitment is over exactly these bytes. */
	if (err == QP_OK && qp_ids_check_resident(norm, p->id_number, NULL) == QP_OK &&
	    strcmp(norm, p->id_number) != 0)
		err = qp_error_set(QP_EINVALID, "ID number: the check character must be upper-case X");
	return err;
}

int qp_personal_commit(char out[QP_COMMITMENT_LEN + 1], const qp_personal *p)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char *json = NULL;
	size_t json_len = 0;
	out[0] = '\0';
	cJSON *doc = cJSON_CreateObject();
	int err = doc && cJSON_AddStringToObject(doc, "id_number", p->id_number) &&
			  cJSON_AddStringToObject(doc, "name", p->name)
		      ? qp_canon_encode(&json, &json_len, doc)
		      : qp_error_set(QP_ENOMEM, "out of memory");
	cJSON_Delete(doc);
	if (err != QP_OK)
		return err;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, p->salt, sizeof(p->salt));
	crypto_hash_sha256_update(&st, (const unsigned char *)json, json_len);
	crypto_hash_sha256_final(&st, hash);
	sodium_memzero(json, json_len);
	qp_free(json);
	sodium_bin2hex(out, QP_COMMITMENT_LEN + 1, hash, sizeof(hash));
	return QP_OK;
}

void qp_personal_salt_hex(char out[2 * QP_SALT_LEN + 1], const qp_personal *p)
{
	sodium_bin2hex(out, 2 * QP_SALT_LEN + 1, p->salt, sizeof(p->salt));
}

int qp_personal_salt_parse(qp_personal *p, const char *hex)
{
	size_t got = 0;
	const char *end = NULL;
	if (hex == NULL || strlen(hex) != 2 * QP_SALT_LEN ||
	    sodium_hex2bin(p->salt, sizeof(p->salt), hex, strlen(hex), NULL, &got, &end) != 0 ||
	    got != QP_SALT_LEN || *end != '\0')
		return qp_error_set(QP_EINVALID, "salt: must be %d hexadecimal digits", 2 * QP_SALT_LEN);
	return QP_OK;
}

void qp_personal_clear(qp_personal *p)
{
	sodium_memzero(p, sizeof(*p));
}
