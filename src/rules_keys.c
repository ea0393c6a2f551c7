/*
 * rules_keys.c - rules of the authority's entries: registry.genesis,
 * key.enroll, key.revoke and policy.set.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "canon.h"
#include "error.h"
#include "policy.h"
#include "quanpiao/ids.h"
#include "registry_internal.h"
#include "store_log.h"

int qp_rules_genesis(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *authority = qp_body_str(e, "authority"), *county = qp_body_str(e, "county");
	const char *county_name = qp_body_str(e, "county_name");
	qp_verifier *v = NULL;
	int err;
	if ((err = qp_ids_check_division(county, QP_DIVISION_COUNTY, "registry.genesis: body.county")) !=
	    QP_OK)
		return err;
	if (qp_key_check_name(e->origin) != QP_OK)
		return qp_error_set(QP_EINVALID, "registry.genesis: origin must be a valid key name");
	if ((err = qp_verifier_parse(&v, authority)) != QP_OK)
		return err;
	err = qp_store_key_put(reg->store, qp_verifier_name(v), qp_verifier_id(v), authority, "authority",
			       idx, NULL);
	qp_verifier_free(v);
	if (err == QP_OK && (err = qp_store_meta_set(reg->store, "origin", e->origin)) == QP_OK &&
	    (err = qp_store_meta_set(reg->store, "county", county)) == QP_OK &&
	    (err = qp_store_meta_set(reg->store, "county_name", county_name)) == QP_OK)
		err = qp_store_meta_set(reg->store, "authority", authority);
	return err;
}

int qp_rules_key_enroll(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *role = qp_body_str(e, "role"), *vkey = qp_body_str(e, "vkey");
	const char *until = qp_body_str(e, "valid_until");
	qp_verifier *v = NULL;
	qp_store_key_row row;
	int err;
	if (!qp_schema_member_allows(qp_schema_member_get(e->type, "role"), role))
		return qp_error_set(
		    QP_EINVALID, "key.enroll: role must be officer, log or auditor, not \"%s\"%s", role,
		    strcmp(role, "authority") == 0 ? " (the authority is named by the genesis entry)" : "");
	if (until) {
		qp_date d;
		if ((err = qp_ids_parse_date(&d, until, "key.enroll: body.valid_until")) != QP_OK)
			return err;
		if (strncmp(until, e->time, 10) < 0)
			return qp_error_set(QP_EINVALID,
					    "key.enroll: valid_until %s is before the entry's date %.10s",
					    until, e->time);
	}
	if ((err = qp_verifier_parse(&v, vkey)) != QP_OK)
		return qp_error_prefix("key.enroll: body.vkey");
	const char *name = qp_verifier_name(v);
	if (qp_verifier_type(v) != QP_KEY_TYPE_ED25519 && strcmp(role, "auditor") != 0) {
		err = qp_error_set(QP_EINVALID, "key.enroll: a %s key must be an Ed25519 (type 0x01) key",
				   role);
		goto done;
	}
	if (strcmp(role, "log") == 0 && strcmp(name, reg->origin) != 0) {
		err = qp_error_set(QP_EINVALID,
				   "key.enroll: a log key must be named after the origin %s, not %s",
				   reg->origin, name);
		goto done;
	}
	err = qp_store_key_active(reg->store, name, &row);
	if (err == QP_OK) {
		err = qp_error_set(
		    QP_ECONFLICT,
		    "key.enroll: %s already has an active key (enrolled by entry %llu); revoke it first",
		    name, (unsigned long long)row.enrolled_idx);
		qp_store_key_row_clear(&row);
		goto done;
	}
	if (err != QP_ENOTFOUND)
		goto done;
	err = qp_store_key_put(reg->store, name, qp_verifier_id(v), vkey, role, idx, until);
	qp_registry_forget_keys(reg);
done:
	qp_verifier_free(v);
	return err;
}

int qp_rules_key_revoke(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *name = qp_body_str(e, "name"), *reason = qp_body_str(e, "reason");
	qp_store_key_row row;
	int err = qp_store_key_active(reg->store, name, &row);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_ENOTFOUND, "key.revoke: no active key is named %s", name);
	if (err != QP_OK)
		return err;
	int authority = strcmp(row.role, "authority") == 0;
	qp_store_key_row_clear(&row);
	if (authority)
		return qp_error_set(QP_EINVALID, "key.revoke: the authority key cannot be revoked");
	err = qp_store_key_revoke(reg->store, name, idx, reason);
	qp_registry_forget_keys(reg);
	return err;
}

int qp_rules_policy_set(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	char *text = NULL;
	size_t len = 0;
	int err;
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(e->body, "params");
	if ((err = qp_policy_validate(params)) != QP_OK)
		return err;
	if ((err = qp_canon_encode(&text, &len, params)) != QP_OK)
		return err;
	err = qp_store_policy_put(reg->store, idx, text);
	qp_free(text);
	cJSON_Delete(reg->policy);
	reg->policy = NULL;
	return err;
}
