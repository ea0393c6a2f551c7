/*
 * policy.h - the registry's policy parameters (private).
 *
 * Every value of the policy table of docs/rules.md is a parameter published in a
 * signed policy.set entry; the body of that entry is {"params": {...}}.
 * The parameters in force when an entry is appended are the ones its
 * rules are checked against, by the registry and again by the audit.
 */
#ifndef QP_SRC_POLICY_H
#define QP_SRC_POLICY_H

#include <cjson/cJSON.h>

/* The default parameters, as canonical JSON (static string). */
const char *qp_policy_default_json(void);

/*
 * Check that params is a complete, well-typed parameter object: every
 * known member present with the right type and range, no unknown member.
 * QP_EINVALID naming the member at fault.
 */
int qp_policy_validate(const cJSON *params);

#endif
