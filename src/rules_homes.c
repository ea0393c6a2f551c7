/*
 * rules_homes.c - rules of the officers' entries about villages,
 * households and homes (docs/design.md §1): identifiers valid and in the county,
 * references that exist, one household one homestead, the home
 * lifecycle, leases of idle homes within the policy's term, corrections
 * that keep the old value in the history.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/ids.h"
#include "quanpiao/personal.h"
#include "quanpiao/query.h"
#include "quanpiao/schema.h"
#include "registry_internal.h"
#include "schema_internal.h"
#include "store_certs.h"
#include "store_homes.h"

/* A referenced village that must exist (a missing one is a rejected input, exit 3). */
static int need_village(qp_registry *reg, const qp_entry *e, const char *code, qp_village *out)
{
	int err = qp_store_village_get(reg->store, code, out);
	if (err == QP_ENOTFOUND)
		err = qp_error_set(QP_EINVALID, "%s: unknown village %s (add it with village add)", e->type,
				   code);
	return err;
}

static int need_home(qp_registry *reg, const char *unit, qp_home *out)
{
	return qp_store_home_get(reg->store, unit, out);
}

static void area_text(char *buf, size_t len, int64_t v)
{
	if (qp_ids_format_hundredths(buf, len, v) != QP_OK)
		snprintf(buf, len, "?");
}

/* ---- village.add ---------------------------------------------------------------- */

int qp_rules_village_add(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *code = qp_body_str(e, "code"), *name = qp_body_str(e, "name");
	const char *uscc = qp_body_str(e, "uscc");
	qp_village v;
	int err;
	if ((err = qp_ids_check_division(code, QP_DIVISION_VILLAGE, "village.add: body.code")) != QP_OK)
		return err;
	if (strncmp(code, reg->county, 6) != 0)
		return qp_error_set(QP_EINVALID,
				    "village.add: village %s is not in this registry's county %s", code,
				    reg->county);
	if (uscc && (err = qp_ids_check_uscc(uscc, QP_USCC_COLLECTIVE, "village.add: body.uscc")) != QP_OK)
		return err;
	err = qp_store_village_get(reg->store, code, &v);
	if (err == QP_OK) {
		err =
		    qp_error_set(QP_ECONFLICT, "village.add: village %s (%s) was already added by entry %llu",
				 code, v.name, (unsigned long long)v.added_at);
		qp_village_clear(&v);
		return err;
	}
	if (err != QP_ENOTFOUND)
		return err;
	return qp_store_village_put(reg->store, code, name, uscc, idx);
}

/* ---- village.correct ---------------------------------------------------------------- */

/*
 * A village's name or its collective's credit code set right.  The code
 * is the village's identity and is never corrected; the entry says why.
 */
int qp_rules_village_correct(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *code = qp_body_str(e, "code"), *name = qp_body_str(e, "name");
	const char *uscc = qp_body_str(e, "uscc");
	qp_village v;
	int err;
	if (name == NULL && uscc == NULL)
		return qp_error_set(QP_EINVALID, "village.correct: body.name or body.uscc (or both) must be given");
	if ((err = qp_ids_check_division(code, QP_DIVISION_VILLAGE, "village.correct: body.code")) != QP_OK)
		return err;
	if (uscc && (err = qp_ids_check_uscc(uscc, QP_USCC_COLLECTIVE, "village.correct: body.uscc")) != QP_OK)
		return err;
	if ((err = qp_store_village_get(reg->store, code, &v)) == QP_ENOTFOUND)
		return qp_error_set(QP_ENOTFOUND, "village.correct: no village %s in the registry", code);
	if (err != QP_OK)
		return err;
	const char *new_name = name ? name : v.name, *new_uscc = uscc ? uscc : v.uscc;
	if (strcmp(new_name, v.name) == 0 && (new_uscc == v.uscc || (new_uscc && v.uscc && strcmp(new_uscc, v.uscc) == 0)))
		err = qp_error_set(QP_EINVALID, "village.correct: village %s already has that %s", code,
				   name && uscc ? "name and credit code" : name ? "name" : "credit code");
	else
		err = qp_store_village_correct(reg->store, code, new_name, new_uscc, idx);
	qp_village_clear(&v);
	return err;
}

/* ---- household.add ------------------------------------------------------------------ */

/* 64 lowercase hex digits. */
static int check_commitment(const char *field, const char *c)
{
	for (size_t i = 0; i < QP_COMMITMENT_LEN; i++)
		if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f')))
			return qp_error_set(QP_EINVALID,
					    "%s must be %d lowercase hexadecimal digits (docs/format.md, "
					    "Personal data)",
					    field, QP_COMMITMENT_LEN);
	return QP_OK;
}

/*
 * A household: its number the next one, its village known, and a
 * commitment to its head's personal data, which the store holds beside the
 * log when the entry came with it (qp_registry_submit, a served append):
 * the append checks the data against the commitment (registry.c).
 */
int qp_rules_household_add(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *commitment = qp_body_str(e, "commitment"), *village = qp_body_str(e, "village");
	int64_t members = qp_body_num(e, "members", 1);
	qp_village v;
	int err;
	if ((err = check_commitment("household.add: body.commitment", commitment)) != QP_OK)
		return err;
	if ((err = need_village(reg, e, village, &v)) != QP_OK)
		return err;
	qp_village_clear(&v);
	/* The entry names the household's number; it must be the next one, like a certificate's. */
	const char *claimed;
	char next[QP_HOUSEHOLD_NUMBER_LEN + 1];
	if ((err = qp_body_numbered(e, "number", &claimed)) != QP_OK)
		return err;
	if (qp_ids_check_household(claimed, reg->county, NULL) != QP_OK)
		return qp_error_set(QP_EINVALID,
				    "household.add: body.number %s is not a household number of county %s "
				    "(%s-H- and 7 digits)",
				    claimed, reg->county, reg->county);
	if ((err = qp_registry_next_household_number(next, reg)) != QP_OK)
		return err;
	if (strcmp(claimed, next) != 0) {
		reg->numbering_conflict = 1;
		return qp_error_set(
		    QP_ECONFLICT,
		    "household.add: household number %s in body.number is not the next one (%s); "
		    "sign again",
		    claimed, next);
	}
	return qp_store_household_put(reg->store, claimed, village, (int)members, commitment, idx);
}

/* A household named by an entry (body.<member>): registered, and not erased. */
static int need_household(qp_registry *reg, const qp_entry *e, const char *member, const char *number,
			  qp_household *out)
{
	char field[64];
	snprintf(field, sizeof(field), "%s: body.%s", e->type, member);
	int err = qp_ids_check_household(number, reg->county, field);
	if (err == QP_OK && (err = qp_store_household_get(reg->store, number, out)) == QP_ENOTFOUND)
		return qp_error_set(QP_EINVALID, "%s: unknown household %s (add it with household add)",
				    field, number);
	if (err == QP_OK && out->erased) {
		err = qp_error_set(QP_EINVALID, "%s: household %s was erased by entry %llu", field, number,
				   (unsigned long long)out->erased_at);
		qp_household_clear(out);
	}
	return err;
}

/* ---- household.correct ------------------------------------------------------------------ */

/*
 * A household's number of members, or its head's name, set right.  The
 * name is personal data: the entry carries a new commitment to the head's
 * ID number and the right name (fresh salt), which replaces the
 * household's; the data itself comes beside the entry and replaces the
 * file's (qp_registry_personal_apply).  The earlier values stay in the log.
 */
int qp_rules_household_correct(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *number = qp_body_str(e, "household"), *field = qp_body_str(e, "field");
	const char *commitment = qp_body_str(e, "commitment");
	int is_name = strcmp(field, "name") == 0;
	int has_value = cJSON_GetObjectItemCaseSensitive(e->body, "value") != NULL;
	qp_household h;
	int err;
	if (is_name && (commitment == NULL || has_value))
		return qp_error_set(
		    QP_EINVALID,
		    "household.correct: a name correction carries body.commitment (to the head's "
		    "ID number and the right name) and no body.value");
	if (!is_name && (commitment != NULL || !has_value))
		return qp_error_set(QP_EINVALID,
				    "household.correct: a members correction carries body.value and no "
				    "body.commitment");
	if (is_name && (err = check_commitment("household.correct: body.commitment", commitment)) != QP_OK)
		return err;
	if ((err = need_household(reg, e, "household", number, &h)) != QP_OK)
		return err;
	int64_t members = qp_body_num(e, "value", 0);
	if (is_name ? strcmp(h.commitment, commitment) == 0 : h.members == members)
		err = qp_error_set(QP_EINVALID, "household.correct: household %s already has that %s", number,
				   is_name ? "commitment" : "number of members");
	qp_household_clear(&h);
	if (err != QP_OK)
		return err;
	return qp_store_household_correct(reg->store, number, is_name ? 0 : (int)members,
					  is_name ? commitment : NULL, idx);
}

/* ---- household.erase -------------------------------------------------------------- */

/*
 * A household's personal data erased (PIPL art. 47): only once it holds
 * nothing live, since a live certificate or home must stay traceable to a
 * person.  The commitment and the entries that name the number stay.
 */
int qp_rules_household_erase(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *number = qp_body_str(e, "household");
	qp_household h;
	uint64_t homes = 0, certs = 0;
	int err = need_household(reg, e, "household", number, &h);
	if (err != QP_OK)
		return err;
	qp_household_clear(&h);
	if ((err = qp_store_household_live_homes(reg->store, number, &homes)) != QP_OK ||
	    (err = qp_store_holder_live_certs(reg->store, number, &certs)) != QP_OK)
		return err;
	if (homes > 0 || certs > 0)
		return qp_error_set(QP_ECONFLICT,
				    "household.erase: household %s still holds %llu live or frozen "
				    "certificate(s) and %llu home(s) in use, idle or activated; its personal "
				    "data is erased once it holds none",
				    number, (unsigned long long)certs, (unsigned long long)homes);
	return qp_store_household_erase(reg->store, number, idx);
}

int qp_registry_next_household_number(char out[QP_HOUSEHOLD_NUMBER_LEN + 1], qp_registry *reg)
{
	int64_t seq;
	out[0] = '\0';
	int err = qp_store_household_next_seq(reg->store, &seq);
	if (err == QP_OK)
		snprintf(out, QP_HOUSEHOLD_NUMBER_LEN + 1, "%.6s-H-%07u", reg->county,
			 (unsigned)seq % 10000000u);
	return err;
}

/* ---- home.add --------------------------------------------------------------------------- */

static int is_live(qp_home_status s)
{
	return s == QP_HOME_IN_USE || s == QP_HOME_IDLE || s == QP_HOME_ACTIVATED;
}

/* One household, one homestead: a second live home is refused unless the policy turns it off. */
static int check_one_home(qp_registry *reg, const qp_entry *e, const char *household)
{
	const cJSON *policy;
	uint64_t live = 0;
	int err = qp_registry_policy_params(reg, &policy);
	if (err != QP_OK)
		return err;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(policy, "one_household_one_home")))
		return QP_OK;
	if ((err = qp_store_household_live_homes(reg->store, household, &live)) != QP_OK)
		return err;
	if (live > 0)
		return qp_error_set(QP_EINVALID,
				    "%s: household %s already holds a home that is in use, idle or activated "
				    "(one household, one homestead: 一户一宅)",
				    e->type, household);
	return QP_OK;
}

int qp_rules_home_add(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *unit = qp_body_str(e, "unit"), *village = qp_body_str(e, "village");
	const char *household = qp_body_str(e, "household"), *status_name = qp_body_str(e, "status");
	int64_t land = qp_body_num(e, "land_area", 0), floor_area = qp_body_num(e, "floor_area", -1);
	int64_t built = qp_body_num(e, "built", 0);
	qp_home h, old;
	qp_village v;
	qp_household hh;
	int err;
	memset(&h, 0, sizeof(h));
	if ((err = qp_ids_check_unit(unit, reg->county, "home.add: body.unit")) != QP_OK)
		return err;
	if (unit[12] != 'J' || unit[13] != 'C')
		return qp_error_set(
		    QP_EINVALID, "home.add: unit %s is not on a rural homestead (parcel type JC, not %.2s)",
		    unit, unit + 12);
	if (unit[19] != 'F')
		return qp_error_set(QP_EINVALID,
				    "home.add: unit %s is not a building (fixture type F, not %c)", unit,
				    unit[19]);
	if ((err = qp_home_status_parse(&h.status, status_name)) != QP_OK)
		return qp_error_prefix("home.add");
	if (h.status != QP_HOME_IN_USE && h.status != QP_HOME_IDLE && h.status != QP_HOME_DILAPIDATED)
		return qp_error_set(QP_EINVALID,
				    "home.add: a home is added as in_use, idle or dilapidated, not %s",
				    status_name);
	if ((err = need_village(reg, e, village, &v)) != QP_OK)
		return err;
	qp_village_clear(&v);
	if ((err = need_household(reg, e, "household", household, &hh)) != QP_OK)
		return err;
	int same_village = strcmp(hh.village, village) == 0;
	char hv[13];
	snprintf(hv, sizeof(hv), "%s", hh.village);
	qp_household_clear(&hh);
	if (!same_village)
		return qp_error_set(QP_EINVALID, "home.add: the household belongs to village %s, not %s", hv,
				    village);
	err = need_home(reg, unit, &old);
	if (err == QP_OK)
		return qp_error_set(QP_ECONFLICT, "home.add: home %s was already added by entry %llu", unit,
				    (unsigned long long)old.added_at);
	if (err != QP_ENOTFOUND)
		return err;
	/* A parcel is either homes or reclaimed land, never both. */
	char parcel[QP_PARCEL_CODE_LEN + 1];
	qp_store_parcel reclaimed;
	snprintf(parcel, sizeof(parcel), "%.*s", QP_PARCEL_CODE_LEN, unit);
	if ((err = qp_store_parcel_get(reg->store, parcel, &reclaimed)) == QP_OK)
		return qp_error_set(QP_ECONFLICT,
				    "home.add: parcel %s was registered as reclaimed land by entry %llu; no "
				    "home is added on it",
				    parcel, (unsigned long long)reclaimed.added_at);
	if (err != QP_ENOTFOUND)
		return err;
	if (is_live(h.status) && (err = check_one_home(reg, e, household)) != QP_OK)
		return err;

	snprintf(h.unit, sizeof(h.unit), "%s", unit);
	snprintf(h.village, sizeof(h.village), "%s", village);
	snprintf(h.household, sizeof(h.household), "%s", household);
	h.land_area = land;
	h.floor_area = floor_area;
	h.built = (int)built;
	h.added_at = h.updated_at = idx;
	if ((err = qp_store_home_put(reg->store, &h)) != QP_OK)
		return err;
	char a[32], summary[256];
	area_text(a, sizeof(a), land);
	snprintf(summary, sizeof(summary), "added as %s: land %s m², village %s, household %s", status_name,
		 a, village, household);
	return qp_store_home_event_put(reg->store, unit, idx, summary);
}

/* ---- parcel.add ------------------------------------------------------------------------------ */

/*
 * Reclaimed land: a homestead parcel (JC) of the county whose building is
 * gone and was never registered, in a registered village, not registered
 * before, with no registered home on it (a land ticket from a parcel with
 * a home comes from that home).  Its state is reclaimed: the only state
 * reclaimed land has.
 */
int qp_rules_parcel_add(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *parcel = qp_body_str(e, "parcel"), *village = qp_body_str(e, "village");
	const char *state = qp_body_str(e, "state");
	qp_store_parcel p, old;
	qp_village v;
	char unit[QP_UNIT_CODE_LEN + 1];
	int homes = 0, err;
	memset(&p, 0, sizeof(p));
	if ((err = qp_ids_check_parcel(parcel, reg->county, "parcel.add: body.parcel")) != QP_OK)
		return err;
	if (parcel[12] != 'J' || parcel[13] != 'C')
		return qp_error_set(
		    QP_EINVALID, "parcel.add: parcel %s is not a rural homestead (parcel type JC, not %.2s)",
		    parcel, parcel + 12);
	if (strcmp(state, "reclaimed") != 0) /* the schema allows no other; said again where it is used */
		return qp_error_set(QP_EINVALID, "parcel.add: reclaimed land is in state reclaimed, not %s",
				    state);
	if ((err = need_village(reg, e, village, &v)) != QP_OK)
		return err;
	qp_village_clear(&v);
	if ((err = qp_store_parcel_get(reg->store, parcel, &old)) == QP_OK)
		return qp_error_set(QP_ECONFLICT,
				    "parcel.add: parcel %s was already registered by entry %llu", parcel,
				    (unsigned long long)old.added_at);
	if (err != QP_ENOTFOUND)
		return err;
	if ((err = qp_store_parcel_homes(reg->store, parcel, unit, &homes)) != QP_OK)
		return err;
	if (homes > 0)
		return qp_error_set(QP_ECONFLICT,
				    "parcel.add: home %s stands on parcel %s; a land ticket from the parcel "
				    "comes from that home (home status %s reclaimed)",
				    unit, parcel, unit);
	snprintf(p.parcel, sizeof(p.parcel), "%s", parcel);
	snprintf(p.village, sizeof(p.village), "%s", village);
	p.land_area = qp_body_num(e, "land_area", 0);
	p.added_at = idx;
	return qp_store_parcel_put(reg->store, &p);
}

/* ---- home.status ------------------------------------------------------------------------------ */

/* The lifecycle of docs/design.md §1; activation goes through home.activate. */
static const unsigned transitions[QP_HOME_STATUS_COUNT] = {
    [QP_HOME_IN_USE] = 1u << QP_HOME_IDLE | 1u << QP_HOME_DILAPIDATED | 1u << QP_HOME_WITHDRAWN,
    [QP_HOME_IDLE] = 1u << QP_HOME_IN_USE | 1u << QP_HOME_DILAPIDATED | 1u << QP_HOME_WITHDRAWN,
    [QP_HOME_ACTIVATED] = 1u << QP_HOME_IDLE,
    [QP_HOME_DILAPIDATED] = 1u << QP_HOME_WITHDRAWN | 1u << QP_HOME_DEMOLISHED,
    [QP_HOME_WITHDRAWN] = 1u << QP_HOME_RECLAIMED,
    [QP_HOME_DEMOLISHED] = 1u << QP_HOME_RECLAIMED,
    [QP_HOME_RECLAIMED] = 0,
};

static void allowed_list(char *buf, size_t len, qp_home_status from)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int s = 0; s < QP_HOME_STATUS_COUNT; s++)
		if (transitions[from] & (1u << s)) {
			int w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
					 qp_home_status_name((qp_home_status)s));
			if (w < 0 || (size_t)w >= len - n)
				break;
			n += (size_t)w;
		}
	if (from == QP_HOME_IDLE && n < len)
		snprintf(buf + n, len - n, " (and activated, by home activate)");
	if (buf[0] == '\0')
		snprintf(buf, len, "none (%s is final)", qp_home_status_name(from));
}

int qp_rules_home_status(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *unit = qp_body_str(e, "unit"), *status_name = qp_body_str(e, "status");
	const char *reason = qp_body_str(e, "reason");
	qp_home h;
	qp_home_status to;
	int err;
	if ((err = qp_home_status_parse(&to, status_name)) != QP_OK)
		return qp_error_prefix("home.status");
	if ((err = need_home(reg, unit, &h)) != QP_OK)
		return err;
	if (!(transitions[h.status] & (1u << to))) {
		char allowed[160];
		allowed_list(allowed, sizeof(allowed), h.status);
		return qp_error_set(QP_EINVALID, "home.status: home %s cannot go from %s to %s; allowed: %s",
				    unit, qp_home_status_name(h.status), status_name, allowed);
	}
	if ((err = qp_store_home_set_status(
		 reg->store, unit, to, idx,
		 to == QP_HOME_WITHDRAWN || to == QP_HOME_DEMOLISHED ? status_name : NULL)) != QP_OK)
		return err;
	char summary[700];
	snprintf(summary, sizeof(summary), "status %s -> %s%s%s%s", qp_home_status_name(h.status),
		 status_name, reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
	return qp_store_home_event_put(reg->store, unit, idx, summary);
}

/* ---- home.activate ------------------------------------------------------------------------------ */

/*
 * An enterprise by name and credit code, or a person by the commitment to
 * their ID number and name (never the data: docs/format.md).
 */
static int check_investor(const char *investor, const char *id, const char *commitment)
{
	if (commitment)
		return investor || id
			   ? qp_error_set(QP_EINVALID, "home.activate: body.investor_commitment (a person) "
						       "comes without body.investor and body.investor_id")
			   : check_commitment("home.activate: body.investor_commitment", commitment);
	if (investor == NULL || id == NULL)
		return qp_error_set(QP_EINVALID,
				    "home.activate: an enterprise investor needs body.investor and "
				    "body.investor_id; a person, body.investor_commitment");
	if (!qp_ids_looks_like_uscc(id))
		return qp_error_set(
		    QP_EINVALID, "home.activate: body.investor_id is a person's ID number: a person investor "
				 "is named by body.investor_commitment, personal data stays out of the log");
	return qp_ids_check_uscc(id, 0, "home.activate: body.investor_id");
}

int qp_rules_home_activate(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *unit = qp_body_str(e, "unit"), *investor = qp_body_str(e, "investor");
	const char *investor_id = qp_body_str(e, "investor_id"), *start = qp_body_str(e, "start");
	const char *commitment = qp_body_str(e, "investor_commitment");
	const char *use = qp_body_str(e, "use"), *deal_no = qp_body_str(e, "deal_no");
	int64_t years = qp_body_num(e, "years", 0), rent = qp_body_num(e, "rent", 0);
	int64_t investment = qp_body_num(e, "investment", 0), min_years, max_years;
	const cJSON *policy;
	qp_home h;
	int err;
	if ((err = check_investor(investor, investor_id, commitment)) != QP_OK)
		return err;
	if ((err = qp_ids_parse_date(NULL, start, "home.activate: body.start")) != QP_OK)
		return err;
	if ((err = qp_activation_use_check(use)) != QP_OK)
		return qp_error_prefix("home.activate");
	if ((err = qp_registry_policy_params(reg, &policy)) != QP_OK)
		return err;
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(policy, "activation");
	min_years = (int64_t)cJSON_GetObjectItemCaseSensitive(act, "min_years")->valuedouble;
	max_years = (int64_t)cJSON_GetObjectItemCaseSensitive(act, "max_years")->valuedouble;
	if (years < min_years || years > max_years)
		return qp_error_set(
		    QP_EINVALID,
		    "home.activate: a lease term of %lld years is outside the policy's %lld to %lld",
		    (long long)years, (long long)min_years, (long long)max_years);
	if ((err = need_home(reg, unit, &h)) != QP_OK)
		return err;
	if (h.status != QP_HOME_IDLE)
		return qp_error_set(QP_EINVALID, "home.activate: only idle homes can be activated; %s is %s",
				    unit, qp_home_status_name(h.status));

	qp_activation a;
	memset(&a, 0, sizeof(a));
	a.index = idx;
	snprintf(a.unit, sizeof(a.unit), "%s", unit);
	a.investor = (char *)(uintptr_t)investor;
	snprintf(a.investor_id, sizeof(a.investor_id), "%s", investor_id ? investor_id : "");
	a.investor_person = commitment != NULL;
	snprintf(a.investor_commitment, sizeof(a.investor_commitment), "%s", commitment ? commitment : "");
	snprintf(a.start, sizeof(a.start), "%s", start);
	a.years = (int)years;
	a.rent = rent;
	a.investment = investment;
	snprintf(a.use, sizeof(a.use), "%s", use);
	a.deal_no = (char *)(uintptr_t)deal_no;
	char township[10];
	snprintf(township, sizeof(township), "%.9s", h.village);
	if ((err = qp_store_activation_put(reg->store, &a, h.village, township)) != QP_OK ||
	    (err = qp_store_home_set_status(reg->store, unit, QP_HOME_ACTIVATED, idx, NULL)) != QP_OK)
		return err;
	char r[32], inv[32], summary[512];
	area_text(r, sizeof(r), rent);
	area_text(inv, sizeof(inv), investment);
	snprintf(summary, sizeof(summary),
		 "status idle -> activated: leased to %s from %s for %lld years, rent %s yuan/year, "
		 "investment %s yuan, use %s",
		 investor ? investor : "a person", start, (long long)years, r, inv, use);
	return qp_store_home_event_put(reg->store, unit, idx, summary);
}

/* ---- home.correct ----------------------------------------------------------------------------------- */

int qp_rules_home_correct(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *unit = qp_body_str(e, "unit"), *field = qp_body_str(e, "field");
	const char *reason = qp_body_str(e, "reason");
	int64_t value, old, lo, hi;
	qp_home h;
	int err;
	/* body.value has the range of the member of home.add it corrects. */
	int is_built = strcmp(field, "built") == 0;
	if ((err = qp_schema_limits("home.add", field, &lo, &hi)) != QP_OK ||
	    (err = qp_body_int(e, "value", lo, hi, 0, 0, &value)) != QP_OK)
		return err;
	if ((err = need_home(reg, unit, &h)) != QP_OK)
		return err;
	old = is_built ? h.built : strcmp(field, "land_area") == 0 ? h.land_area : h.floor_area;
	if (strcmp(field, "land_area") == 0) {
		/* Certificates already issued from the home bound how small it can be made. */
		for (int k = 0; k < QP_CERT_KIND_COUNT; k++) {
			int64_t issued = 0;
			if ((err = qp_store_home_cert_area(reg->store, unit, (qp_cert_kind)k, &issued)) !=
			    QP_OK)
				return err;
			if (value < issued) {
				char i[32];
				area_text(i, sizeof(i), issued);
				return qp_error_set(QP_EINVALID,
						    "home.correct: %s m² of %s certificates were issued from "
						    "%s; its land area cannot be less",
						    i, qp_cert_kind_name((qp_cert_kind)k), unit);
			}
		}
	}
	if (old == value)
		return qp_error_set(QP_EINVALID, "home.correct: %s of %s is already that value", field, unit);
	if ((err = qp_store_home_set_field(reg->store, unit, field, value, idx)) != QP_OK)
		return err;
	char was[32], now[32], summary[700];
	if (is_built) {
		if (old > 0)
			snprintf(was, sizeof(was), "%lld", (long long)old);
		else
			snprintf(was, sizeof(was), "(none)");
		snprintf(now, sizeof(now), "%lld", (long long)value);
	} else {
		if (old >= 0)
			area_text(was, sizeof(was), old);
		else
			snprintf(was, sizeof(was), "(none)");
		area_text(now, sizeof(now), value);
	}
	snprintf(summary, sizeof(summary), "corrected %s: %s -> %s (%s)", field, was, now, reason);
	return qp_store_home_event_put(reg->store, unit, idx, summary);
}
