/*
 * rules.c - the dispatch of each entry type to its rules, after its body
 * is checked against the schema (schema.c).
 */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "registry_internal.h"
#include "store_log.h"

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
	{"household.correct", qp_rules_household_correct},
	{"household.erase", qp_rules_household_erase},
	{"home.add", qp_rules_home_add},
	{"home.status", qp_rules_home_status},
	{"home.activate", qp_rules_home_activate},
	{"home.correct", qp_rules_home_correct},
	{"parcel.add", qp_rules_parcel_add},
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
	int err = qp_schema_check_body(e);
	if (err != QP_OK)
		return err;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].type, e->type) == 0)
			return rules[i].apply(reg, e, idx);
	return qp_error_set(QP_EINVALID, "entries of type %s are not handled by this version of quanpiao",
			    e->type);
}
