/*
 * rules.c - the dispatch of each entry type to its rules, and the helpers
 * the rules share for reading entry bodies strictly.
 */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "registry_internal.h"
#include "store_log.h"

int qp_body_members(const qp_entry *e, const char *const *required, size_t nreq, const char *const *optional,
		    size_t nopt)
{
	for (const cJSON *m = e->body->child; m; m = m->next) {
		int known = 0;
		for (size_t i = 0; i < nreq; i++)
			known |= strcmp(m->string, required[i]) == 0;
		for (size_t i = 0; i < nopt; i++)
			known |= strcmp(m->string, optional[i]) == 0;
		if (!known)
			return qp_error_set(QP_EINVALID, "%s: unknown member body.%s", e->type, m->string);
	}
	for (size_t i = 0; i < nreq; i++)
		if (!cJSON_GetObjectItemCaseSensitive(e->body, required[i]))
			return qp_error_set(QP_EINVALID, "%s: body.%s is missing", e->type, required[i]);
	return QP_OK;
}

int qp_body_text(const qp_entry *e, const char *name, size_t max, int optional, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, name);
	*out = NULL;
	if (v == NULL && optional)
		return QP_OK;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' || strlen(v->valuestring) > max)
		return qp_error_set(QP_EINVALID, "%s: body.%s must be text of 1 to %zu bytes", e->type, name,
				    max);
	for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return qp_error_set(QP_EINVALID, "%s: body.%s contains a control character", e->type,
					    name);
	*out = v->valuestring;
	return QP_OK;
}

int qp_body_int(const qp_entry *e, const char *name, int64_t lo, int64_t hi, int optional, int64_t dflt,
		int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->body, name);
	*out = dflt;
	if (v == NULL && optional)
		return QP_OK;
	/* Canonical JSON holds integers only, at most 2^53 - 1: exact in a double. */
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo || v->valuedouble > (double)hi)
		return qp_error_set(QP_EINVALID, "%s: body.%s must be an integer from %lld to %lld", e->type,
				    name, (long long)lo, (long long)hi);
	*out = (int64_t)v->valuedouble;
	return QP_OK;
}

int qp_registry_policy_params(qp_registry *reg, const cJSON **out)
{
	if (reg->policy == NULL) {
		char *text = NULL;
		int err = qp_store_policy_current(reg->store, NULL, &text);
		if (err != QP_OK)
			return err;
		int perr = QP_OK;
		reg->policy = qp_json_parse(text, strlen(text), NULL, &perr);
		qp_free(text);
		if (reg->policy == NULL && perr == QP_ENOMEM)
			return qp_error_set(QP_ENOMEM, "out of memory reading the policy in force");
		if (reg->policy == NULL)
			return qp_error_set(QP_ECORRUPT, "the policy in force is damaged in the store");
	}
	*out = reg->policy;
	return QP_OK;
}

static const struct {
	const char *type;
	int (*apply)(qp_registry *reg, const qp_entry *e, uint64_t idx);
} rules[] = {
	/* clang-format off */
	{"registry.genesis", qp_rules_genesis},
	{"policy.set", qp_rules_policy_set},
	{"key.enroll", qp_rules_key_enroll},
	{"key.revoke", qp_rules_key_revoke},
	{"village.add", qp_rules_village_add},
	{"village.correct", qp_rules_village_correct},
	{"household.add", qp_rules_household_add},
	{"home.add", qp_rules_home_add},
	{"home.status", qp_rules_home_status},
	{"home.activate", qp_rules_home_activate},
	{"home.correct", qp_rules_home_correct},
	{"cert.issue", qp_rules_cert_issue},
	{"cert.transfer", qp_rules_cert_transfer},
	{"cert.redeem", qp_rules_cert_redeem},
	{"cert.revoke", qp_rules_cert_revoke},
	{"cert.freeze", qp_rules_cert_freeze},
	{"cert.unfreeze", qp_rules_cert_unfreeze},
	/* clang-format on */
};

int qp_rules_apply(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].type, e->type) == 0)
			return rules[i].apply(reg, e, idx);
	return qp_error_set(QP_EINVALID, "entries of type %s are not handled by this version of quanpiao",
			    e->type);
}
