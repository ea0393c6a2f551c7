/*
 * registry_personal.c - personal data beside the log (docs/format.md,
 * "Personal data").
 *
 * An entry about a person (quanpiao/schema.h, qp_schema_personal) is
 * written by officers with the person's ID number and name; before it is
 * signed they are taken out of the body into a qp_personal with a fresh
 * salt, and the body gets the commitment to them.  The append stores the
 * data in the personal-data tables, in the same transaction, once it
 * matches the signed commitment.  Entries that name a household take its
 * registry number; given the head's ID number instead, the number is
 * looked up here before signing.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "error.h"
#include "quanpiao/ids.h"
#include "quanpiao/personal.h"
#include "registry_internal.h"
#include "store_homes.h"

/* Nonzero if value is shaped as a resident ID number (18 digits, or 17 and X), not a credit code. */
static int resident_shaped(const char *value)
{
	return value && strlen(value) == QP_RESIDENT_ID_LEN && !qp_ids_looks_like_uscc(value);
}

int qp_personal_take(qp_personal *out, int *found, const char *type, cJSON *body)
{
	const qp_schema_entry *s = qp_schema_entry_get(type);
	*found = 0;
	memset(out, 0, sizeof(*out));
	if (s == NULL || s->personal == NULL || !cJSON_IsObject(body))
		return QP_OK;
	const qp_schema_personal *p = s->personal;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(body, p->id_member);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, p->name_member);
	if (id == NULL && name == NULL)
		return QP_OK; /* already committed, or not about a person */
	if (!cJSON_IsString(id) || !cJSON_IsString(name))
		return qp_error_set(QP_EINVALID, "%s: body.%s and body.%s must both be text", type,
				    p->id_member, p->name_member);
	if (p->when_resident && !resident_shaped(id->valuestring))
		return QP_OK; /* an enterprise: its name and credit code are not personal data */
	if (cJSON_GetObjectItemCaseSensitive(body, p->commitment))
		return qp_error_set(QP_EINVALID,
				    "%s: body.%s comes instead of body.%s and body.%s, not with them", type,
				    p->commitment, p->id_member, p->name_member);
	char id_field[64], name_field[64];
	snprintf(id_field, sizeof(id_field), "%s: body.%s", type, p->id_member);
	snprintf(name_field, sizeof(name_field), "%s: body.%s", type, p->name_member);
	int err = qp_personal_init_as(out, id->valuestring, name->valuestring, id_field, name_field);
	if (err != QP_OK)
		return err;
	char commitment[QP_COMMITMENT_LEN + 1];
	if ((err = qp_personal_commit(commitment, out)) != QP_OK) {
		qp_personal_clear(out);
		return err;
	}
	/* Their bytes are not left behind in the freed strings. */
	sodium_memzero(id->valuestring, strlen(id->valuestring));
	sodium_memzero(name->valuestring, strlen(name->valuestring));
	cJSON_DeleteItemFromObjectCaseSensitive(body, p->id_member);
	cJSON_DeleteItemFromObjectCaseSensitive(body, p->name_member);
	if (!cJSON_AddStringToObject(body, p->commitment, commitment)) {
		qp_personal_clear(out);
		return qp_error_set(QP_ENOMEM, "out of memory");
	}
	*found = 1;
	return QP_OK;
}

int qp_personal_split(char **body_out, qp_personal *out, int *found, const char *type, const char *body_json)
{
	cJSON *body = NULL;
	*body_out = NULL;
	*found = 0;
	int err = qp_entry_body_parse(&body, body_json);
	if (err != QP_OK)
		return err;
	if ((err = qp_personal_take(out, found, type, body)) == QP_OK &&
	    (*body_out = cJSON_PrintUnformatted(body)) == NULL)
		err = qp_error_set(QP_ENOMEM, "out of memory");
	if (err != QP_OK && *found)
		qp_personal_clear(out);
	if (err != QP_OK)
		*found = 0;
	cJSON_Delete(body);
	return err;
}

int qp_households_resolve_json(const char *type, cJSON *body, qp_household_lookup lookup, void *ctx)
{
	const qp_schema_entry *s = qp_schema_entry_get(type);
	for (size_t i = 0; s && i < s->n_members; i++) {
		const qp_schema_member *m = &s->members[i];
		if (m->format != QP_FORMAT_HOUSEHOLD && m->format != QP_FORMAT_HOLDER)
			continue;
		cJSON *v = cJSON_GetObjectItemCaseSensitive(body, m->name);
		if (!cJSON_IsString(v) || !resident_shaped(v->valuestring))
			continue;
		char norm[QP_RESIDENT_ID_LEN + 1], number[QP_HOUSEHOLD_NUMBER_LEN + 1], field[96];
		snprintf(field, sizeof(field), "%s: body.%s", type, m->name);
		int err = qp_ids_check_resident(norm, v->valuestring, field);
		if (err != QP_OK)
			return err;
		if ((err = lookup(ctx, norm, number)) == QP_ENOTFOUND) {
			char masked[QP_RESIDENT_ID_LEN + 1];
			qp_ids_mask_resident(masked, norm);
			err = qp_error_set(QP_EINVALID, "%s: no household with ID number %s in the registry",
					   field, masked);
		}
		sodium_memzero(norm, sizeof(norm));
		if (err != QP_OK)
			return err;
		/* The ID number's bytes are not left behind in the freed string. */
		sodium_memzero(v->valuestring, strlen(v->valuestring));
		if (!cJSON_ReplaceItemInObjectCaseSensitive(body, m->name, cJSON_CreateString(number)))
			return qp_error_set(QP_ENOMEM, "out of memory");
	}
	return QP_OK;
}

int qp_households_resolve(char **body_out, const char *type, const char *body_json,
			  qp_household_lookup lookup, void *ctx)
{
	cJSON *body = NULL;
	*body_out = NULL;
	int err = qp_entry_body_parse(&body, body_json);
	if (err != QP_OK)
		return err;
	if ((err = qp_households_resolve_json(type, body, lookup, ctx)) == QP_OK &&
	    (*body_out = cJSON_PrintUnformatted(body)) == NULL)
		err = qp_error_set(QP_ENOMEM, "out of memory");
	cJSON_Delete(body);
	return err;
}

static int store_lookup(void *store, const char *id_number, char number[QP_HOUSEHOLD_NUMBER_LEN + 1])
{
	return qp_store_household_find(store, id_number, number);
}

int qp_registry_resolve_households(qp_registry *reg, const char *type, cJSON *body)
{
	return qp_households_resolve_json(type, body, store_lookup, reg->store);
}

int qp_registry_personal_apply(qp_registry *reg, const qp_entry *e, uint64_t idx, const qp_personal *pd,
			       int required)
{
	const qp_schema_entry *s = qp_schema_entry_get(e->type);
	const char *member = s && s->personal ? s->personal->commitment : NULL;
	const char *commitment = member ? qp_body_str(e, member) : NULL;
	char have[QP_COMMITMENT_LEN + 1];
	int err;
	if (commitment == NULL) {
		if (pd)
			return qp_error_set(
			    QP_EINVALID,
			    "%s: the entry commits to no personal data, so none is stored with it", e->type);
		return QP_OK;
	}
	if (pd == NULL)
		return required
			   ? qp_error_set(QP_EINVALID,
					  "%s: body.%s commits to personal data that did not come with the "
					  "entry; append it with its personal data (as the CLI does)",
					  e->type, member)
			   : QP_OK;
	if ((err = qp_personal_check(pd)) != QP_OK)
		return qp_error_prefix("%s: the personal data", e->type);
	if ((err = qp_personal_commit(have, pd)) != QP_OK)
		return err;
	if (strcmp(have, commitment) != 0)
		return qp_error_set(QP_EINVALID, "%s: the personal data given does not match body.%s",
				    e->type, member);
	if (strcmp(e->type, "household.correct") == 0) /* the same head, the right name */
		return qp_store_personal_replace(reg->store, qp_body_str(e, "household"), pd);
	if (strcmp(e->type, "household.add") != 0)
		return qp_store_investor_put(reg->store, idx, pd);
	const char *number = qp_body_str(e, "number");
	char other[QP_HOUSEHOLD_NUMBER_LEN + 1];
	err = qp_store_household_find(reg->store, pd->id_number, other);
	if (err == QP_OK) {
		char m[QP_RESIDENT_ID_LEN + 1];
		qp_ids_mask_resident(m, pd->id_number);
		return qp_error_set(QP_ECONFLICT,
				    "household.add: the head of household %s has ID number %s already", other,
				    m);
	}
	if (err != QP_ENOTFOUND)
		return err;
	return qp_store_personal_put(reg->store, number, pd);
}
