/*
 * policy.c - default policy parameters and their validation.
 *
 * Areas are integer hundredths of m² (16000 = 160.00 m²); 0 means "no
 * limit" for max_area and "never expires" for validity_years.
 * time_skew_seconds is how far an entry may be dated before the log's time
 * (docs/format.md); its default is QP_CLOCK_SKEW_SECONDS.
 */
#include <stdio.h>
#include <string.h>

#include "certrules.h"
#include "error.h"
#include "policy.h"
#include "quanpiao/certs.h"
#include "quanpiao/registry.h"
#include "quanpiao/schema.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char default_json[] =
	"{\"activation\":{\"max_years\":20,\"min_years\":1},"
	"\"kinds\":{"
	"\"collective\":{\"max_area\":0,\"redeem\":[\"quota\"],\"transfer\":\"collective_or_enterprise\","
	"\"validity_years\":0},"
	"\"guarantee\":{\"max_area\":16000,\"redeem\":[\"homestead\",\"resettlement\",\"subsidy\"],"
	"\"transfer\":\"same_village\",\"validity_years\":0},"
	"\"retention\":{\"max_area\":16000,\"redeem\":[\"rebuild\"],\"transfer\":\"inheritance_only\","
	"\"validity_years\":10}},"
	"\"one_household_one_home\":true,\"per_home_cap\":true,"
	"\"time_skew_seconds\":" STR(QP_CLOCK_SKEW_SECONDS) "}";

const char *qp_policy_default_json(void)
{
	return default_json;
}

/* Only the listed members, each present. */
static int check_members(const cJSON *obj, const char *path, const char *const *names, size_t n)
{
	if (!cJSON_IsObject(obj))
		return qp_error_set(QP_EINVALID, "policy: %s must be an object", path);
	for (const cJSON *m = obj->child; m; m = m->next) {
		size_t i = 0;
		while (i < n && strcmp(m->string, names[i]) != 0)
			i++;
		if (i == n)
			return qp_error_set(QP_EINVALID, "policy: %s has an unknown parameter \"%s\"", path, m->string);
	}
	for (size_t i = 0; i < n; i++)
		if (cJSON_GetObjectItemCaseSensitive(obj, names[i]) == NULL)
			return qp_error_set(QP_EINVALID, "policy: %s lacks the parameter \"%s\"", path, names[i]);
	return QP_OK;
}

static int check_int(const cJSON *obj, const char *path, const char *name, double lo, double hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != (double)(long long)v->valuedouble)
		return qp_error_set(QP_EINVALID, "policy: %s.%s must be an integer from %.0f to %.0f", path, name, lo,
				    hi);
	return QP_OK;
}

static int check_choice(const cJSON *v, const char *what, const char *const *choices, size_t n)
{
	if (cJSON_IsString(v))
		for (size_t i = 0; i < n; i++)
			if (strcmp(v->valuestring, choices[i]) == 0)
				return QP_OK;
	return qp_error_set(QP_EINVALID, "policy: %s is not one of the allowed values", what);
}

int qp_policy_validate(const cJSON *params)
{
	static const char *const top[] = {"activation", "kinds", "one_household_one_home", "per_home_cap",
					  "time_skew_seconds"};
	static const char *const activation[] = {"max_years", "min_years"};
	static const char *const kind_members[] = {"max_area", "redeem", "transfer", "validity_years"};
	const char *kinds[QP_CERT_KIND_COUNT];
	int err;
	char path[64];

	for (int i = 0; i < QP_CERT_KIND_COUNT; i++)
		kinds[i] = qp_cert_kind_name((qp_cert_kind)i);

	if ((err = check_members(params, "params", top, sizeof(top) / sizeof(top[0]))) != QP_OK ||
	    (err = check_int(params, "params", "time_skew_seconds", 0, QP_TIME_SKEW_MAX_SECONDS)) != QP_OK)
		return err;
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(params, "activation");
	if ((err = check_members(act, "activation", activation, 2)) != QP_OK ||
	    (err = check_int(act, "activation", "min_years", 1, QP_POLICY_LEASE_YEARS_MAX)) != QP_OK ||
	    (err = check_int(act, "activation", "max_years", 1, QP_POLICY_LEASE_YEARS_MAX)) != QP_OK)
		return err;
	if (cJSON_GetObjectItemCaseSensitive(act, "min_years")->valuedouble >
	    cJSON_GetObjectItemCaseSensitive(act, "max_years")->valuedouble)
		return qp_error_set(QP_EINVALID, "policy: activation.min_years is larger than max_years");
	for (size_t i = 0; i < 2; i++) {
		const char *flag = i ? "per_home_cap" : "one_household_one_home";
		if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(params, flag)))
			return qp_error_set(QP_EINVALID, "policy: %s must be true or false", flag);
	}
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(params, "kinds");
	if ((err = check_members(k, "kinds", kinds, QP_CERT_KIND_COUNT)) != QP_OK)
		return err;
	for (size_t i = 0; i < QP_CERT_KIND_COUNT; i++) {
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(k, kinds[i]);
		snprintf(path, sizeof(path), "kinds.%s", kinds[i]);
		if ((err = check_members(kind, path, kind_members, 4)) != QP_OK ||
		    (err = check_int(kind, path, "max_area", 0, (double)QP_AREA_MAX)) != QP_OK ||
		    (err = check_int(kind, path, "validity_years", 0, QP_POLICY_VALIDITY_YEARS_MAX)) != QP_OK)
			return err;
		char what[96];
		snprintf(what, sizeof(what), "%s.transfer", path);
		if ((err = check_choice(cJSON_GetObjectItemCaseSensitive(kind, "transfer"), what,
					qp_certrules_transfer_rules, QP_TRANSFER_RULES)) != QP_OK)
			return err;
		const cJSON *redeem = cJSON_GetObjectItemCaseSensitive(kind, "redeem");
		snprintf(what, sizeof(what), "%s.redeem", path);
		if (!cJSON_IsArray(redeem))
			return qp_error_set(QP_EINVALID, "policy: %s must be a list", what);
		for (const cJSON *p = redeem->child; p; p = p->next)
			if ((err = check_choice(p, what, qp_certrules_purposes, QP_PURPOSES)) != QP_OK)
				return err;
	}
	return QP_OK;
}
