/*
 * certrules.c - the certificate rulebook (certrules.h): the rules of the
 * certificate entries, judged on plain values that the registry reads
 * from its store and the bundle verifier from a bundle's entries.
 */
#include <stdio.h>
#include <string.h>

#include "certrules.h"
#include "error.h"
#include "quanpiao/ids.h"
#include "registry_internal.h"

/* The bases each kind is issued on. */
static const char *const issue_bases[QP_CERT_KIND_COUNT][3] = {
    {"withdrawal", "entitlement", "legacy"},
    {"demolition", "legacy", NULL},
    {"reclamation", "legacy", NULL},
};

const char *const qp_certrules_transfer_rules[QP_TRANSFER_RULES] = {"same_village", "inheritance_only",
								    "collective_or_enterprise", "none"};
const char *const qp_certrules_purposes[QP_PURPOSES] = {"resettlement", "subsidy", "homestead", "rebuild",
							"quota"};

static void area_text(char *buf, size_t len, int64_t v)
{
	if (qp_ids_format_hundredths(buf, len, v) != QP_OK)
		snprintf(buf, len, "?");
}

static int64_t param_int(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

int qp_certrules_kind(qp_kind_rules *out, const cJSON *policy, qp_cert_kind kind)
{
	const cJSON *kp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(policy, "kinds"),
							   qp_cert_kind_name(kind));
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (kp == NULL)
		return qp_error_set(QP_ECORRUPT, "the policy has no parameters for %s",
				    qp_cert_kind_name(kind));
	const cJSON *transfer = cJSON_GetObjectItemCaseSensitive(kp, "transfer");
	out->max_area = param_int(kp, "max_area");
	out->validity_years = param_int(kp, "validity_years");
	out->transfer = cJSON_IsString(transfer) ? transfer->valuestring : "";
	out->redeem = cJSON_GetObjectItemCaseSensitive(kp, "redeem");
	out->per_home_cap = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(policy, "per_home_cap"));
	return QP_OK;
}

int qp_certrules_holder_form(const char **type, const char *holder, const char *county, const char *field)
{
	size_t n = strlen(holder);
	int err;
	*type = NULL;
	if (n == 12) {
		if ((err = qp_ids_check_division(holder, QP_DIVISION_VILLAGE, field)) != QP_OK)
			return err;
		*type = "collective";
		return QP_OK;
	}
	if (n == 18 && qp_ids_looks_like_uscc(holder)) {
		if ((err = qp_ids_check_uscc(holder, 0, field)) != QP_OK)
			return err;
		if (holder[0] == 'N' && holder[1] == '2')
			return qp_error_set(
			    QP_EINVALID,
			    "%s: a village collective holds certificates by its village code, not %s", field,
			    holder);
		*type = "enterprise";
		return QP_OK;
	}
	if (n == QP_RESIDENT_ID_LEN && qp_ids_check_resident(NULL, holder, NULL) == QP_OK)
		return qp_error_set(QP_EINVALID,
				    "%s: a household is named by its registry number (330681-H-0000001), not "
				    "by an ID number: personal data stays out of the log",
				    field);
	if ((err = qp_ids_check_household(holder, county, field)) != QP_OK)
		return err;
	*type = "household";
	return QP_OK;
}

/* ---- issue ------------------------------------------------------------------------------------- */

int qp_certrules_issue_terms(qp_issue *out, const qp_entry *e, const char *county)
{
	qp_issue *is = out;
	memset(is, 0, sizeof(*is));
	is->kind_name = qp_body_str(e, "kind");
	is->holder = qp_body_str(e, "holder");
	is->basis = qp_body_str(e, "basis");
	is->home = qp_body_str(e, "home");
	is->parcel = qp_body_str(e, "parcel");
	is->legacy_no = qp_body_str(e, "legacy_no");
	is->valid_until_given = qp_body_str(e, "valid_until");
	is->area = qp_body_num(e, "area", 0);
	snprintf(is->today, sizeof(is->today), "%.10s", e->time);
	if (is->holder == NULL || is->basis == NULL)
		return qp_error_set(QP_EINVALID, "body.holder and body.basis are needed");
	int err = qp_cert_kind_parse(&is->kind, is->kind_name);
	if (err != QP_OK)
		return err;
	const char *const *bases = issue_bases[is->kind];
	int basis_ok = 0;
	for (int i = 0; i < 3; i++)
		basis_ok |= bases[i] && strcmp(bases[i], is->basis) == 0;
	if (!basis_ok)
		return qp_error_set(QP_EINVALID, "a %s certificate is issued on %s%s%s%s, not %s",
				    is->kind_name, bases[0], bases[1] ? ", " : "", bases[1] ? bases[1] : "",
				    bases[2] ? ", legacy" : "", is->basis);
	is->legacy = strcmp(is->basis, "legacy") == 0;
	is->entitlement = strcmp(is->basis, "entitlement") == 0;
	if (is->legacy != (is->legacy_no != NULL))
		return qp_error_set(QP_EINVALID, "legacy_no is given exactly when the basis is legacy");
	if (is->home && is->parcel)
		return qp_error_set(QP_EINVALID,
				    "body.home and body.parcel are both given; a certificate comes from one");
	/* Reclaimed land with no home on it yields land tickets only: a parcel is not a homestead. */
	if (is->parcel && is->kind != QP_CERT_COLLECTIVE)
		return qp_error_set(QP_EINVALID,
				    "a %s certificate comes from a home; only a collective one comes from "
				    "reclaimed land (body.parcel)",
				    is->kind_name);
	if (is->entitlement && is->home)
		return qp_error_set(QP_EINVALID, "a guarantee on entitlement is issued without a home");
	if (!is->entitlement && is->home == NULL && is->parcel == NULL)
		return qp_error_set(
		    QP_EINVALID, "body.home is missing (the home the certificate comes from%s)",
		    is->kind == QP_CERT_COLLECTIVE ? ", or body.parcel: the reclaimed land" : "");
	if (is->parcel)
		return qp_ids_check_parcel(is->parcel, county, "body.parcel");
	if (is->home)
		return qp_ids_check_unit(is->home, county, "body.home");
	return QP_OK;
}

void qp_certrules_add_years(char out[11], const char *date, int64_t years)
{
	qp_date d;
	if (qp_ids_parse_date(&d, date, "date") != QP_OK) {
		out[0] = '\0';
		return;
	}
	d.year += (int)years;
	if (!qp_ids_date_exists(d.year, d.month, d.day))
		d.day = 28;
	qp_ids_format_date(out, &d);
}

int qp_certrules_issue_policy(char *valid_until, const qp_issue *is, const char *holder_type,
			      const qp_kind_rules *kr)
{
	char a[32], b[32];
	valid_until[0] = '\0';
	const char *want = is->kind == QP_CERT_COLLECTIVE ? "collective" : "household";
	if (strcmp(holder_type, want) != 0)
		return qp_error_set(QP_EINVALID, "a %s certificate is held by a %s, not a%s %s",
				    is->kind_name, want, holder_type[0] == 'e' ? "n" : "", holder_type);
	if (kr->max_area > 0 && is->area > kr->max_area) {
		area_text(a, sizeof(a), is->area);
		area_text(b, sizeof(b), kr->max_area);
		return qp_error_set(QP_EINVALID, "%s m² is over the policy's %s m² per %s certificate", a, b,
				    is->kind_name);
	}
	if (is->valid_until_given) {
		int err = qp_ids_parse_date(NULL, is->valid_until_given, "body.valid_until");
		if (err != QP_OK)
			return err;
		if (strcmp(is->valid_until_given, is->today) < 0)
			return qp_error_set(QP_EINVALID, "valid_until %s is before the issue date %s",
					    is->valid_until_given, is->today);
		snprintf(valid_until, 11, "%s", is->valid_until_given);
	} else if (kr->validity_years > 0) {
		qp_certrules_add_years(valid_until, is->today, kr->validity_years);
	}
	return QP_OK;
}

int qp_certrules_land_cap(const qp_issue *is, const qp_kind_rules *kr, int64_t issued, int64_t land_area)
{
	char a[32], b[32], l[32];
	if (!kr->per_home_cap || issued + is->area <= land_area)
		return QP_OK;
	area_text(a, sizeof(a), is->area);
	area_text(b, sizeof(b), issued);
	area_text(l, sizeof(l), land_area);
	return qp_error_set(QP_EINVALID,
			    "%s m² more would exceed %s %s's land area of %s m² (%s m² of %s issued and not "
			    "revoked)",
			    a, is->parcel ? "reclaimed parcel" : "home", is->parcel ? is->parcel : is->home,
			    l, b, is->kind_name);
}

void qp_certrules_issue_cert(qp_cert *c, const qp_issue *is, const char *id, const char *holder_type,
			     const char *valid_until, uint64_t idx)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->kind = is->kind;
	snprintf(c->holder, sizeof(c->holder), "%s", is->holder);
	snprintf(c->holder_type, sizeof(c->holder_type), "%s", holder_type);
	c->area = is->area;
	snprintf(c->home, sizeof(c->home), "%s", is->home ? is->home : "");
	snprintf(c->parcel, sizeof(c->parcel), "%s", is->parcel ? is->parcel : "");
	snprintf(c->basis, sizeof(c->basis), "%s", is->basis);
	c->state = QP_CERT_LIVE;
	snprintf(c->root, sizeof(c->root), "%s", id);
	snprintf(c->issued_on, sizeof(c->issued_on), "%s", is->today);
	snprintf(c->valid_until, sizeof(c->valid_until), "%s", valid_until);
	snprintf(c->legacy_no, sizeof(c->legacy_no), "%s", is->legacy_no ? is->legacy_no : "");
	c->created_at = idx;
}

/* ---- states ------------------------------------------------------------------------------------ */

int qp_certrules_expired(const qp_cert *c, const char *today)
{
	return c->state == QP_CERT_LIVE && c->valid_until[0] && today && strcmp(c->valid_until, today) < 0;
}

/* Refuse c if it was spent or revoked. */
static int not_ended(const qp_cert *c)
{
	if (c->state != QP_CERT_SPENT && c->state != QP_CERT_REVOKED)
		return QP_OK;
	return qp_error_set(QP_ECONFLICT, "certificate %s is already %s (by entry %llu)", c->id,
			    qp_cert_state_name(c->state), (unsigned long long)c->ended_at);
}

int qp_certrules_spendable(const qp_cert *c, const char *today)
{
	int err = not_ended(c);
	if (err != QP_OK)
		return err;
	if (c->state == QP_CERT_FROZEN)
		return qp_error_set(QP_ECONFLICT, "certificate %s is frozen (%s); unfreeze it first", c->id,
				    c->reason ? c->reason : "no reason given");
	if (qp_certrules_expired(c, today))
		return qp_error_set(QP_ECONFLICT, "certificate %s expired on %s", c->id, c->valid_until);
	return QP_OK;
}

int qp_certrules_revocable(const qp_cert *c)
{
	return not_ended(c);
}

int qp_certrules_freezable(const qp_cert *c, int freeze)
{
	if (c->state == (freeze ? QP_CERT_LIVE : QP_CERT_FROZEN))
		return QP_OK;
	return qp_error_set(QP_ECONFLICT, "certificate %s is %s, not %s", c->id, qp_cert_state_name(c->state),
			    freeze ? "live" : "frozen");
}

/* ---- transfers and redemptions ----------------------------------------------------------------- */

int qp_certrules_split(int64_t *area, int64_t *rest, const qp_entry *e, const qp_cert *c,
		       int whole_by_default)
{
	char a[32], b[32];
	*area = qp_body_num(e, "area", 0);
	*rest = 0;
	if (*area == 0 && whole_by_default)
		*area = c->area;
	if (*area > c->area) {
		area_text(a, sizeof(a), *area);
		area_text(b, sizeof(b), c->area);
		return qp_error_set(QP_EINVALID, "%s m² is more than the certificate's %s m²", a, b);
	}
	*rest = c->area - *area;
	if ((*rest > 0) != (cJSON_GetObjectItemCaseSensitive(e->body, "remainder_id") != NULL))
		return qp_error_set(QP_EINVALID,
				    "body.remainder_id is given exactly when part of the area remains");
	return QP_OK;
}

int qp_certrules_transfer(const qp_kind_rules *kr, const qp_cert *c, const char *to, const char *basis,
			  const char *to_type, const char *from_village, const char *to_village)
{
	const char *kind_name = qp_cert_kind_name(c->kind), *rule = kr->transfer;
	int r = 0;
	while (r < QP_TRANSFER_RULES && strcmp(rule, qp_certrules_transfer_rules[r]) != 0)
		r++;
	if (strcmp(to, c->holder) == 0)
		return qp_error_set(QP_EINVALID, "the certificate already belongs to that holder");
	switch (r) {
	case QP_TRANSFER_NONE:
		return qp_error_set(QP_EINVALID, "%s certificates are not transferable under the policy",
				    kind_name);
	case QP_TRANSFER_INHERITANCE_ONLY:
		if (strcmp(basis, "inheritance") != 0)
			return qp_error_set(QP_EINVALID,
					    "a %s certificate passes only by inheritance, not by %s",
					    kind_name, basis);
		if (strcmp(to_type, "household") != 0)
			return qp_error_set(QP_EINVALID, "a %s certificate passes only to a household",
					    kind_name);
		return QP_OK;
	case QP_TRANSFER_SAME_VILLAGE:
		if (strcmp(to_type, "household") != 0)
			return qp_error_set(QP_EINVALID,
					    "a %s certificate goes only to a household, not a%s %s",
					    kind_name, to_type[0] == 'e' ? "n" : "", to_type);
		if (strcmp(to_village, from_village) != 0)
			return qp_error_set(
			    QP_EINVALID,
			    "a %s certificate goes only to a household of the same village (%s, not %s)",
			    kind_name, from_village, to_village);
		return QP_OK;
	case QP_TRANSFER_COLLECTIVE_OR_ENTERPRISE:
		if (strcmp(to_type, "household") == 0)
			return qp_error_set(
			    QP_EINVALID,
			    "a %s certificate goes to another collective or an enterprise, not a person",
			    kind_name);
		return QP_OK;
	default:
		return qp_error_set(
		    QP_EINVALID,
		    "the policy's transfer rule for %s certificates, %s, is none the registry knows",
		    kind_name, rule[0] ? rule : "(none)");
	}
}

int qp_certrules_redeem_purpose(const qp_kind_rules *kr, const char *purpose)
{
	int allowed = 0;
	const cJSON *p;
	char list[128] = "";
	size_t used = 0;
	cJSON_ArrayForEach(p, kr->redeem)
	{
		if (!cJSON_IsString(p))
			continue;
		allowed |= strcmp(p->valuestring, purpose) == 0;
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", p->valuestring);
		if (w > 0 && (size_t)w < sizeof(list) - used)
			used += (size_t)w;
	}
	if (allowed)
		return QP_OK;
	return qp_error_set(QP_EINVALID, "a %s certificate is redeemed for %s, not %s",
			    qp_cert_kind_name(kr->kind), list[0] ? list : "nothing", purpose);
}

void qp_certrules_child(qp_cert *child, const qp_cert *parent, const char *id, const char *holder,
			const char *holder_type, const char *basis, int64_t area, const char *today,
			uint64_t idx)
{
	memset(child, 0, sizeof(*child));
	snprintf(child->id, sizeof(child->id), "%s", id);
	child->kind = parent->kind;
	snprintf(child->holder, sizeof(child->holder), "%s", holder);
	snprintf(child->holder_type, sizeof(child->holder_type), "%s", holder_type);
	child->area = area;
	snprintf(child->home, sizeof(child->home), "%s", parent->home);
	snprintf(child->parcel, sizeof(child->parcel), "%s", parent->parcel);
	snprintf(child->basis, sizeof(child->basis), "%s", basis);
	child->state = QP_CERT_LIVE;
	snprintf(child->parent, sizeof(child->parent), "%s", parent->id);
	snprintf(child->root, sizeof(child->root), "%s", parent->root);
	snprintf(child->issued_on, sizeof(child->issued_on), "%s", today);
	snprintf(child->valid_until, sizeof(child->valid_until), "%s", parent->valid_until);
	child->created_at = idx;
}
