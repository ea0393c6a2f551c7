/*
 * rules_certs.c - rules of certificate entries (docs/design.md §1): who may hold
 * each kind, the basis that must match the home's state, the per-home
 * cap, the policy's transfer rule, redemption purposes and validity, and
 * the exact conservation of area through transfers and redemptions.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/certs.h"
#include "quanpiao/ids.h"
#include "quanpiao/query.h"
#include "registry_internal.h"
#include "store_certs.h"
#include "store_homes.h"

/* The kind's parameters in the policy in force. */
static int kind_policy(qp_registry *reg, qp_cert_kind kind, const cJSON **out)
{
	const cJSON *policy;
	int err = qp_registry_policy_params(reg, &policy);
	if (err != QP_OK)
		return err;
	*out = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(policy, "kinds"),
						qp_cert_kind_name(kind));
	return *out ? QP_OK
		    : qp_error_set(QP_ECORRUPT, "the policy has no parameters for %s",
				   qp_cert_kind_name(kind));
}

static int64_t policy_int(const cJSON *kp, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(kp, name);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static const char *policy_str(const cJSON *kp, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(kp, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void area_text(char *buf, size_t len, int64_t v)
{
	if (qp_ids_format_hundredths(buf, len, v) != QP_OK)
		snprintf(buf, len, "?");
}

int qp_rules_holder_form(const char **type, const char *holder, const char *county, const char *field)
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

/*
 * Classify and check a holder by its form (qp_rules_holder_form), then in
 * the registry: a household must be registered and not erased, a
 * collective's village registered.  type gets "household" etc.; village
 * (13 bytes) gets the household's or collective's village, or "".
 */
static int check_holder(qp_registry *reg, const qp_entry *e, const char *field, const char *holder,
			char type[12], char village[13])
{
	char name[64];
	const char *form;
	village[0] = '\0';
	snprintf(name, sizeof(name), "%s: body.%s", e->type, field);
	int err = qp_rules_holder_form(&form, holder, reg->county, name);
	if (err != QP_OK)
		return err;
	snprintf(type, 12, "%s", form);
	if (strcmp(form, "enterprise") == 0)
		return QP_OK;
	if (strcmp(form, "collective") == 0) {
		qp_village v;
		if ((err = qp_store_village_get(reg->store, holder, &v)) == QP_ENOTFOUND)
			return qp_error_set(QP_EINVALID, "%s: unknown village %s", name, holder);
		if (err != QP_OK)
			return err;
		qp_village_clear(&v);
		snprintf(village, 13, "%s", holder);
		return QP_OK;
	}
	qp_household h;
	err = qp_store_household_get(reg->store, holder, &h);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_EINVALID, "%s: unknown household %s", name, holder);
	if (err != QP_OK)
		return err;
	if (h.erased) {
		err = qp_error_set(QP_EINVALID, "%s: household %s was erased by entry %llu", name, holder,
				   (unsigned long long)h.erased_at);
		qp_household_clear(&h);
		return err;
	}
	snprintf(village, 13, "%s", h.village);
	qp_household_clear(&h);
	return QP_OK;
}

/* The certificate named by body.cert, which must be live and not expired to be spent. */
static int spendable(qp_registry *reg, const qp_entry *e, const char *id, int allow_frozen, qp_cert *c)
{
	char today[11];
	snprintf(today, sizeof(today), "%.10s", e->time);
	int err = qp_store_cert_get(reg->store, id, today, c);
	if (err != QP_OK)
		return err;
	const char *why = NULL;
	if (c->state == QP_CERT_SPENT)
		why = "spent";
	else if (c->state == QP_CERT_REVOKED)
		why = "revoked";
	else if (c->state == QP_CERT_FROZEN && !allow_frozen)
		why = "frozen";
	if (why) {
		err = c->state == QP_CERT_FROZEN
			  ? qp_error_set(QP_ECONFLICT, "%s: certificate %s is frozen (%s); unfreeze it first",
					 e->type, id, c->reason ? c->reason : "no reason given")
			  : qp_error_set(QP_ECONFLICT, "%s: certificate %s is already %s (by entry %llu)",
					 e->type, id, why, (unsigned long long)c->ended_at);
	} else if (c->expired && !allow_frozen) {
		err = qp_error_set(QP_ECONFLICT, "%s: certificate %s expired on %s", e->type, id,
				   c->valid_until);
	}
	if (err != QP_OK)
		qp_cert_clear(c);
	return err;
}

/* Make a new certificate numbered in the entry's year, as a child of parent (or a root if NULL). */
static int create(qp_registry *reg, const qp_entry *e, uint64_t idx, qp_cert *c, const qp_cert *parent,
		  const char *village, const char *id_member, char *id_out)
{
	int year = (e->time[0] - '0') * 1000 + (e->time[1] - '0') * 100 + (e->time[2] - '0') * 10 +
		   (e->time[3] - '0');
	int64_t seq;
	if (parent)
		c->kind = parent->kind;
	int err = qp_store_cert_next_seq(reg->store, c->kind, year, &seq);
	if (err != QP_OK)
		return err;
	char id[64];
	snprintf(id, sizeof(id), "%.6s-%04u-%c-%06u", reg->county, (unsigned)year % 10000u,
		 qp_cert_kind_letter(c->kind), (unsigned)seq % 1000000u);
	snprintf(c->id, sizeof(c->id), "%.20s", id);
	/* The entry names every certificate it creates; the number must be the next one. */
	const char *claimed;
	if ((err = qp_body_numbered(e, id_member, &claimed)) != QP_OK)
		return err;
	if (strcmp(claimed, c->id) != 0) {
		reg->numbering_conflict = 1;
		return qp_error_set(
		    QP_ECONFLICT, "%s: certificate number %s in body.%s is not the next one (%s); sign again",
		    e->type, claimed, id_member, c->id);
	}
	snprintf(c->issued_on, sizeof(c->issued_on), "%.10s", e->time);
	c->created_at = idx;
	if (parent) {
		snprintf(c->parent, sizeof(c->parent), "%s", parent->id);
		snprintf(c->root, sizeof(c->root), "%s", parent->root);
		snprintf(c->home, sizeof(c->home), "%s", parent->home);
		snprintf(c->valid_until, sizeof(c->valid_until), "%s", parent->valid_until);
		c->kind = parent->kind;
	} else {
		snprintf(c->root, sizeof(c->root), "%s", c->id);
	}
	/* Statistics by place follow the home, or the holder's village without one. */
	char v[13] = "", t[10] = "";
	if (c->home[0]) {
		qp_home h;
		if ((err = qp_store_home_get(reg->store, c->home, &h)) != QP_OK)
			return err;
		snprintf(v, sizeof(v), "%s", h.village);
	} else if (village) {
		snprintf(v, sizeof(v), "%s", village);
	}
	if (v[0])
		snprintf(t, sizeof(t), "%.9s", v);
	if (id_out)
		snprintf(id_out, QP_CERT_ID_LEN + 1, "%s", c->id);
	return qp_store_cert_put(reg->store, c, year, seq, v[0] ? v : NULL, t[0] ? t : NULL);
}

/* ---- cert.issue ------------------------------------------------------------------------ */

static const char *const issue_bases[QP_CERT_KIND_COUNT][3] = {
    {"withdrawal", "entitlement", "legacy"},
    {"demolition", "legacy", NULL},
    {"reclamation", "legacy", NULL},
};

/* Add years to an ISO date (29 February becomes 28 February when needed). */
static void add_years(char out[11], const char *date, int64_t years)
{
	int y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
	int m = (date[5] - '0') * 10 + (date[6] - '0'), d = (date[8] - '0') * 10 + (date[9] - '0');
	y += (int)years;
	if (!qp_ids_date_exists(y, m, d))
		d = 28;
	qp_date when = {y, m, d};
	qp_ids_format_date(out, &when);
}

/* The home's state must be what the basis says happened to it. */
static int check_basis_state(qp_registry *reg, const qp_entry *e, const char *basis, const qp_home *h)
{
	char path[16];
	int err = qp_store_home_exit_path(reg->store, h->unit, path);
	if (err != QP_OK)
		return err;
	const char *need = NULL;
	int ok = 1;
	if (strcmp(basis, "withdrawal") == 0) {
		need = "withdrawn (or reclaimed after withdrawal)";
		ok = h->status == QP_HOME_WITHDRAWN ||
		     (h->status == QP_HOME_RECLAIMED && strcmp(path, "withdrawn") == 0);
	} else if (strcmp(basis, "demolition") == 0) {
		need = "demolished (or reclaimed after demolition)";
		ok = h->status == QP_HOME_DEMOLISHED ||
		     (h->status == QP_HOME_RECLAIMED && strcmp(path, "demolished") == 0);
	} else if (strcmp(basis, "reclamation") == 0) {
		need = "reclaimed";
		ok = h->status == QP_HOME_RECLAIMED;
	}
	if (!ok)
		return qp_error_set(QP_EINVALID, "%s: basis %s needs a home that is %s; %s is %s", e->type,
				    basis, need, h->unit, qp_home_status_name(h->status));
	return QP_OK;
}

int qp_rules_cert_issue(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *kind_name = qp_body_str(e, "kind"), *holder = qp_body_str(e, "holder");
	const char *basis = qp_body_str(e, "basis"), *home_unit = qp_body_str(e, "home");
	const char *legacy_no = qp_body_str(e, "legacy_no"), *valid_until = qp_body_str(e, "valid_until");
	int64_t area = qp_body_num(e, "area", 0), issued;
	qp_cert_kind kind;
	const cJSON *kp;
	qp_cert c;
	qp_home h;
	char holder_type[12], holder_village[13], a[32], b[32];
	int err;
	memset(&c, 0, sizeof(c));
	if ((err = qp_cert_kind_parse(&kind, kind_name)) != QP_OK)
		return qp_error_prefix("cert.issue");
	int basis_ok = 0;
	for (int i = 0; i < 3; i++)
		basis_ok |= issue_bases[kind][i] && strcmp(issue_bases[kind][i], basis) == 0;
	if (!basis_ok)
		return qp_error_set(QP_EINVALID, "cert.issue: a %s certificate is issued on %s%s%s%s, not %s",
				    kind_name, issue_bases[kind][0], issue_bases[kind][1] ? ", " : "",
				    issue_bases[kind][1] ? issue_bases[kind][1] : "",
				    issue_bases[kind][2] ? ", legacy" : "", basis);
	int legacy = strcmp(basis, "legacy") == 0, entitlement = strcmp(basis, "entitlement") == 0;
	if (legacy != (legacy_no != NULL))
		return qp_error_set(QP_EINVALID,
				    "cert.issue: legacy_no is given exactly when the basis is legacy");
	if ((err = check_holder(reg, e, "holder", holder, holder_type, holder_village)) != QP_OK)
		return err;
	const char *want_type = kind == QP_CERT_COLLECTIVE ? "collective" : "household";
	if (strcmp(holder_type, want_type) != 0)
		return qp_error_set(QP_EINVALID, "cert.issue: a %s certificate is held by a %s, not a%s %s",
				    kind_name, want_type, holder_type[0] == 'e' ? "n" : "", holder_type);
	if ((err = kind_policy(reg, kind, &kp)) != QP_OK)
		return err;
	int64_t max = policy_int(kp, "max_area");
	if (max > 0 && area > max) {
		area_text(a, sizeof(a), area);
		area_text(b, sizeof(b), max);
		return qp_error_set(QP_EINVALID,
				    "cert.issue: %s m² is over the policy's %s m² per %s certificate", a, b,
				    kind_name);
	}
	if (entitlement) {
		uint64_t live = 0;
		char had[QP_CERT_ID_LEN + 1], had_basis[16];
		if (home_unit)
			return qp_error_set(
			    QP_EINVALID, "cert.issue: a guarantee on entitlement is issued without a home");
		if ((err = qp_store_household_live_homes(reg->store, holder, &live)) != QP_OK)
			return err;
		if (live > 0)
			return qp_error_set(QP_EINVALID, "cert.issue: the household holds a home; "
							 "entitlement is for households without one");
		/* One homestead's guarantee per household: not again for a homestead it withdrew. */
		err = qp_store_household_guarantee(reg->store, holder, had, had_basis);
		if (err == QP_OK)
			return qp_error_set(QP_ECONFLICT,
					    "cert.issue: the household already received guarantee %s (on %s); a "
					    "household is guaranteed one homestead",
					    had, had_basis);
		if (err != QP_ENOTFOUND)
			return err;
	} else {
		if (home_unit == NULL)
			return qp_error_set(
			    QP_EINVALID,
			    "cert.issue: body.home is missing (the home the certificate comes from)");
		if ((err = qp_ids_check_unit(home_unit, reg->county, "cert.issue: body.home")) != QP_OK)
			return err;
		err = qp_store_home_get(reg->store, home_unit, &h);
		if (err == QP_ENOTFOUND)
			return qp_error_set(QP_EINVALID, "cert.issue: unknown home %s", home_unit);
		if (err != QP_OK)
			return err;
		if (!legacy && (err = check_basis_state(reg, e, basis, &h)) != QP_OK)
			return err;
		const char *owner = kind == QP_CERT_COLLECTIVE ? h.village : h.household;
		if (strcmp(owner, holder) != 0) {
			char m[32];
			snprintf(m, sizeof(m), "%s", owner);
			return qp_error_set(
			    QP_EINVALID,
			    "cert.issue: home %s belongs to %s; a %s certificate from it goes to %s",
			    home_unit, m, kind_name,
			    kind == QP_CERT_COLLECTIVE ? "its village" : "its household");
		}
		const cJSON *policy;
		if ((err = qp_registry_policy_params(reg, &policy)) != QP_OK)
			return err;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(policy, "per_home_cap"))) {
			if ((err = qp_store_home_cert_area(reg->store, home_unit, kind, &issued)) != QP_OK)
				return err;
			if (issued + area > h.land_area) {
				char l[32];
				area_text(a, sizeof(a), area);
				area_text(b, sizeof(b), issued);
				area_text(l, sizeof(l), h.land_area);
				return qp_error_set(QP_EINVALID,
						    "cert.issue: %s m² more would exceed home %s's land area "
						    "of %s m² (%s m² of %s issued and not revoked)",
						    a, home_unit, l, b, kind_name);
			}
		}
		snprintf(c.home, sizeof(c.home), "%s", home_unit);
	}
	char today[11];
	snprintf(today, sizeof(today), "%.10s", e->time);
	if (valid_until) {
		if ((err = qp_ids_parse_date(NULL, valid_until, "cert.issue: body.valid_until")) != QP_OK)
			return err;
		if (strcmp(valid_until, today) < 0)
			return qp_error_set(QP_EINVALID,
					    "cert.issue: valid_until %s is before the issue date %s",
					    valid_until, today);
		snprintf(c.valid_until, sizeof(c.valid_until), "%s", valid_until);
	} else if (policy_int(kp, "validity_years") > 0) {
		add_years(c.valid_until, today, policy_int(kp, "validity_years"));
	}
	if (legacy) {
		qp_cert_filter f = {NULL, -1, -1, NULL, NULL, 0};
		(void)f;
		snprintf(c.legacy_no, sizeof(c.legacy_no), "%s", legacy_no);
	}
	c.kind = kind;
	snprintf(c.holder, sizeof(c.holder), "%s", holder);
	snprintf(c.holder_type, sizeof(c.holder_type), "%s", holder_type);
	snprintf(c.basis, sizeof(c.basis), "%s", basis);
	c.area = area;
	char id[QP_CERT_ID_LEN + 1];
	if ((err = create(reg, e, idx, &c, NULL, holder_village, "id", id)) != QP_OK) {
		if (err == QP_ECONFLICT && legacy)
			return qp_error_set(QP_ECONFLICT,
					    "cert.issue: legacy number %s is already in the registry",
					    legacy_no);
		return err;
	}
	char m[32], summary[256];
	snprintf(m, sizeof(m), "%s", holder);
	area_text(a, sizeof(a), area);
	snprintf(summary, sizeof(summary), "issued %s m² to %s, basis %s%s%s%s%s", a, m, basis,
		 c.home[0] ? ", from home " : "", c.home, c.valid_until[0] ? ", valid until " : "",
		 c.valid_until);
	return qp_store_cert_event_put(reg->store, id, idx, summary);
}

/* ---- cert.transfer --------------------------------------------------------------------------- */

int qp_rules_transfer_allowed(const char *rule, qp_cert_kind kind, const char *basis, const char *to_type,
			      const char *from_village, const char *to_village)
{
	const char *kind_name = qp_cert_kind_name(kind);
	if (strcmp(rule, "none") == 0)
		return qp_error_set(QP_EINVALID, "%s certificates are not transferable under the policy",
				    kind_name);
	if (strcmp(rule, "inheritance_only") == 0) {
		if (strcmp(basis, "inheritance") != 0)
			return qp_error_set(QP_EINVALID,
					    "a %s certificate passes only by inheritance, not by %s",
					    kind_name, basis);
		if (strcmp(to_type, "household") != 0)
			return qp_error_set(QP_EINVALID, "a %s certificate passes only to a household",
					    kind_name);
		return QP_OK;
	}
	if (strcmp(rule, "same_village") == 0) {
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
	}
	if (strcmp(rule, "collective_or_enterprise") == 0) {
		if (strcmp(to_type, "household") == 0)
			return qp_error_set(
			    QP_EINVALID,
			    "a %s certificate goes to another collective or an enterprise, not a person",
			    kind_name);
		return QP_OK;
	}
	return qp_error_set(QP_EINVALID,
			    "the policy's transfer rule for %s certificates, %s, is none the registry knows",
			    kind_name, rule[0] ? rule : "(none)");
}

int qp_rules_cert_transfer(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *id = qp_body_str(e, "cert"), *to = qp_body_str(e, "to");
	const char *basis = qp_body_str(e, "basis");
	int64_t area = qp_body_num(e, "area", 0);
	const cJSON *kp;
	qp_cert c, child, rest;
	char to_type[12], to_village[13], from_type[12], from_village[13], a[32], b[32];
	int err;
	if ((err = spendable(reg, e, id, 0, &c)) != QP_OK)
		return err;
	if (area == 0)
		area = c.area;
	if (area > c.area) {
		area_text(a, sizeof(a), area);
		area_text(b, sizeof(b), c.area);
		err = qp_error_set(QP_EINVALID, "cert.transfer: %s m² is more than the certificate's %s m²",
				   a, b);
		goto done;
	}
	if ((area < c.area) != (cJSON_GetObjectItemCaseSensitive(e->body, "remainder_id") != NULL)) {
		err = qp_error_set(
		    QP_EINVALID,
		    "cert.transfer: body.remainder_id is given exactly when part of the area remains");
		goto done;
	}
	if ((err = check_holder(reg, e, "to", to, to_type, to_village)) != QP_OK ||
	    (err = check_holder(reg, e, "holder", c.holder, from_type, from_village)) != QP_OK ||
	    (err = kind_policy(reg, c.kind, &kp)) != QP_OK)
		goto done;
	if (strcmp(to, c.holder) == 0) {
		err = qp_error_set(QP_EINVALID,
				   "cert.transfer: the certificate already belongs to that holder");
		goto done;
	}
	if ((err = qp_rules_transfer_allowed(policy_str(kp, "transfer"), c.kind, basis, to_type, from_village,
					     to_village)) != QP_OK)
		qp_error_prefix("cert.transfer");
	if (err != QP_OK)
		goto done;

	memset(&child, 0, sizeof(child));
	snprintf(child.holder, sizeof(child.holder), "%s", to);
	snprintf(child.holder_type, sizeof(child.holder_type), "%s", to_type);
	snprintf(child.basis, sizeof(child.basis), "%s", basis);
	child.area = area;
	char cid[QP_CERT_ID_LEN + 1], rid[QP_CERT_ID_LEN + 1] = "";
	if ((err = qp_store_cert_end(reg->store, c.id, idx, "transfer", NULL)) != QP_OK ||
	    (err = create(reg, e, idx, &child, &c, to_village, "new_id", cid)) != QP_OK)
		goto done;
	if (area < c.area) {
		memset(&rest, 0, sizeof(rest));
		snprintf(rest.holder, sizeof(rest.holder), "%s", c.holder);
		snprintf(rest.holder_type, sizeof(rest.holder_type), "%s", c.holder_type);
		snprintf(rest.basis, sizeof(rest.basis), "remainder");
		rest.area = c.area - area;
		if ((err = create(reg, e, idx, &rest, &c, from_village, "remainder_id", rid)) != QP_OK)
			goto done;
	}
	char m[32], summary[320];
	snprintf(m, sizeof(m), "%s", to);
	area_text(a, sizeof(a), area);
	snprintf(summary, sizeof(summary), "transferred %s m² to %s by %s as %s%s%s", a, m, basis, cid,
		 rid[0] ? ", remainder " : "", rid);
	if ((err = qp_store_cert_event_put(reg->store, c.id, idx, summary)) != QP_OK)
		goto done;
	snprintf(summary, sizeof(summary), "created from %s: %s m² to %s by %s", c.id, a, m, basis);
	if ((err = qp_store_cert_event_put(reg->store, cid, idx, summary)) != QP_OK)
		goto done;
	if (rid[0]) {
		area_text(b, sizeof(b), c.area - area);
		snprintf(m, sizeof(m), "%s", c.holder);
		snprintf(summary, sizeof(summary), "created from %s: remainder %s m² kept by %s", c.id, b, m);
		err = qp_store_cert_event_put(reg->store, rid, idx, summary);
	}
done:
	qp_cert_clear(&c);
	return err;
}

/* ---- cert.redeem ---------------------------------------------------------------------------------- */

int qp_rules_cert_redeem(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *id = qp_body_str(e, "cert"), *purpose = qp_body_str(e, "purpose");
	const char *note = qp_body_str(e, "note");
	int64_t area = qp_body_num(e, "area", 0);
	const cJSON *kp;
	qp_cert c, rest;
	char a[32], b[32];
	int err;
	if ((err = spendable(reg, e, id, 0, &c)) != QP_OK)
		return err;
	if ((err = kind_policy(reg, c.kind, &kp)) != QP_OK)
		goto done;
	int allowed = 0;
	const cJSON *p;
	char list[128] = "";
	size_t used = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(kp, "redeem"))
	{
		if (!cJSON_IsString(p))
			continue;
		allowed |= strcmp(p->valuestring, purpose) == 0;
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", p->valuestring);
		if (w > 0 && (size_t)w < sizeof(list) - used)
			used += (size_t)w;
	}
	if (!allowed) {
		err = qp_error_set(QP_EINVALID, "cert.redeem: a %s certificate is redeemed for %s, not %s",
				   qp_cert_kind_name(c.kind), list[0] ? list : "nothing", purpose);
		goto done;
	}
	if (area > c.area) {
		area_text(a, sizeof(a), area);
		area_text(b, sizeof(b), c.area);
		err = qp_error_set(QP_EINVALID, "cert.redeem: %s m² is more than the certificate's %s m²", a,
				   b);
		goto done;
	}
	if ((area < c.area) != (cJSON_GetObjectItemCaseSensitive(e->body, "remainder_id") != NULL)) {
		err = qp_error_set(
		    QP_EINVALID,
		    "cert.redeem: body.remainder_id is given exactly when part of the area remains");
		goto done;
	}
	char rid[QP_CERT_ID_LEN + 1] = "", village[13] = "";
	if ((err = qp_store_cert_end(reg->store, c.id, idx, "redeem", NULL)) != QP_OK ||
	    (err = qp_store_redemption_put(reg->store, idx, c.id, area, purpose, note)) != QP_OK)
		goto done;
	if (area < c.area) {
		char type[12];
		if ((err = check_holder(reg, e, "holder", c.holder, type, village)) != QP_OK)
			goto done;
		memset(&rest, 0, sizeof(rest));
		snprintf(rest.holder, sizeof(rest.holder), "%s", c.holder);
		snprintf(rest.holder_type, sizeof(rest.holder_type), "%s", c.holder_type);
		snprintf(rest.basis, sizeof(rest.basis), "remainder");
		rest.area = c.area - area;
		if ((err = create(reg, e, idx, &rest, &c, village, "remainder_id", rid)) != QP_OK)
			goto done;
	}
	char summary[700];
	area_text(a, sizeof(a), area);
	snprintf(summary, sizeof(summary), "redeemed %s m² for %s (%s)%s%s", a, purpose, note,
		 rid[0] ? ", remainder " : "", rid);
	if ((err = qp_store_cert_event_put(reg->store, c.id, idx, summary)) != QP_OK)
		goto done;
	if (rid[0]) {
		area_text(b, sizeof(b), c.area - area);
		snprintf(summary, sizeof(summary), "created from %s: remainder %s m² after redemption", c.id,
			 b);
		err = qp_store_cert_event_put(reg->store, rid, idx, summary);
	}
done:
	qp_cert_clear(&c);
	return err;
}

/* ---- cert.revoke, cert.freeze, cert.unfreeze ------------------------------------------------------------
 */

int qp_rules_cert_revoke(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *id = qp_body_str(e, "cert"), *reason = qp_body_str(e, "reason");
	qp_cert c;
	int err;
	if ((err = spendable(reg, e, id, 1, &c)) != QP_OK)
		return err;
	qp_cert_clear(&c);
	if ((err = qp_store_cert_end(reg->store, id, idx, "revoke", reason)) != QP_OK)
		return err;
	char summary[600];
	snprintf(summary, sizeof(summary), "revoked (%s)", reason);
	return qp_store_cert_event_put(reg->store, id, idx, summary);
}

static int freeze(qp_registry *reg, const qp_entry *e, uint64_t idx, int frozen)
{
	const char *id = qp_body_str(e, "cert"), *reason = qp_body_str(e, "reason");
	qp_cert c;
	int err;
	char today[11];
	snprintf(today, sizeof(today), "%.10s", e->time);
	if ((err = qp_store_cert_get(reg->store, id, today, &c)) != QP_OK)
		return err;
	qp_cert_state state = c.state;
	qp_cert_clear(&c);
	if (state != (frozen ? QP_CERT_LIVE : QP_CERT_FROZEN))
		return qp_error_set(QP_ECONFLICT, "%s: certificate %s is %s, not %s", e->type, id,
				    qp_cert_state_name(state), frozen ? "live" : "frozen");
	if ((err = qp_store_cert_freeze(reg->store, id, frozen, reason)) != QP_OK)
		return err;
	char summary[600];
	snprintf(summary, sizeof(summary), "%s%s%s%s", frozen ? "frozen" : "unfrozen", reason ? " (" : "",
		 reason ? reason : "", reason ? ")" : "");
	return qp_store_cert_event_put(reg->store, id, idx, summary);
}

int qp_rules_cert_freeze(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	return freeze(reg, e, idx, 1);
}

int qp_rules_cert_unfreeze(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	return freeze(reg, e, idx, 0);
}

/* ---- numbering for signers ---------------------------------------------------------------------------- */

/* Set member name of body to the id of kind's number seq in year. */
static int set_id(qp_registry *reg, cJSON *body, const char *name, qp_cert_kind kind, int year, int64_t seq)
{
	char id[64];
	snprintf(id, sizeof(id), "%.6s-%04u-%c-%06u", reg->county, (unsigned)year % 10000u,
		 qp_cert_kind_letter(kind), (unsigned)seq % 1000000u);
	cJSON_DeleteItemFromObjectCaseSensitive(body, name);
	return cJSON_AddStringToObject(body, name, id) ? QP_OK : qp_error_set(QP_ENOMEM, "out of memory");
}

int qp_registry_number_certs(qp_registry *reg, const char *type, cJSON *body, int64_t now)
{
	char when[QP_TIME_LEN + 1], today[11];
	qp_time_format(when, now);
	snprintf(today, sizeof(today), "%.10s", when);
	int year = (when[0] - '0') * 1000 + (when[1] - '0') * 100 + (when[2] - '0') * 10 + (when[3] - '0');
	int issue = strcmp(type, "cert.issue") == 0, transfer = strcmp(type, "cert.transfer") == 0;
	int redeem = strcmp(type, "cert.redeem") == 0;
	qp_cert_kind kind;
	int64_t seq;
	int err;
	if (strcmp(type, "household.add") == 0) {
		char number[QP_HOUSEHOLD_NUMBER_LEN + 1];
		if ((err = qp_registry_next_household_number(number, reg)) != QP_OK)
			return err;
		cJSON_DeleteItemFromObjectCaseSensitive(body, "number");
		return cJSON_AddStringToObject(body, "number", number)
			   ? QP_OK
			   : qp_error_set(QP_ENOMEM, "out of memory");
	}
	if (!issue && !transfer && !redeem)
		return QP_OK;
	if (issue) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(body, "kind");
		if (!cJSON_IsString(k) || qp_cert_kind_parse(&kind, k->valuestring) != QP_OK)
			return QP_OK; /* the rules will say what is wrong */
		if ((err = qp_store_cert_next_seq(reg->store, kind, year, &seq)) != QP_OK)
			return err;
		return set_id(reg, body, "id", kind, year, seq);
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(body, "cert");
	const cJSON *area = cJSON_GetObjectItemCaseSensitive(body, "area");
	qp_cert c;
	if (!cJSON_IsString(id) || qp_store_cert_get(reg->store, id->valuestring, today, &c) != QP_OK)
		return QP_OK;
	kind = c.kind;
	int partial = cJSON_IsNumber(area) && area->valuedouble < (double)c.area;
	qp_cert_clear(&c);
	if ((err = qp_store_cert_next_seq(reg->store, kind, year, &seq)) != QP_OK)
		return err;
	if (transfer && (err = set_id(reg, body, "new_id", kind, year, seq++)) != QP_OK)
		return err;
	cJSON_DeleteItemFromObjectCaseSensitive(body, "remainder_id");
	return partial ? set_id(reg, body, "remainder_id", kind, year, seq) : QP_OK;
}
