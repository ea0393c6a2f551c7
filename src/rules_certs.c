/*
 * rules_certs.c - the registry's append path for certificate entries
 * (docs/design.md §1).  The rules are the rulebook's (certrules.c), the
 * same that the offline bundle verifier judges by; this file reads the
 * state they are judged on from the store -- the certificate, the holder's
 * registration and village, the home's state, land area and what was
 * issued from it, the household's homes and guarantee -- and writes what
 * an accepted entry changes: the certificates, their numbers and events.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "certrules.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/certs.h"
#include "quanpiao/ids.h"
#include "quanpiao/query.h"
#include "registry_internal.h"
#include "store_certs.h"
#include "store_homes.h"

/* The kind's parameters in the policy in force. */
static int kind_rules(qp_registry *reg, qp_cert_kind kind, qp_kind_rules *out)
{
	const cJSON *policy;
	int err = qp_registry_policy_params(reg, &policy);
	return err != QP_OK ? err : qp_certrules_kind(out, policy, kind);
}

static void area_text(char *buf, size_t len, int64_t v)
{
	if (qp_ids_format_hundredths(buf, len, v) != QP_OK)
		snprintf(buf, len, "?");
}

/* Put "cert.issue: " etc. in front of the rulebook's message. */
static int refuse(const qp_entry *e, int err)
{
	return err == QP_ENOMEM ? err : qp_error_prefix("%s", e->type);
}

/*
 * Classify and check a holder by its form (the rulebook's), then in the
 * registry: a household must be registered and not erased, a
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
	int err = qp_certrules_holder_form(&form, holder, reg->county, name);
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
		return qp_error_set(QP_EINVALID, "%s: unknown household %s (add it with household add)", name,
				    holder);
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

/* The certificate body.cert names, as of the entry's date. */
static int named_cert(qp_registry *reg, const qp_entry *e, const char *id, qp_cert *c)
{
	char today[11];
	snprintf(today, sizeof(today), "%.10s", e->time);
	return qp_store_cert_get(reg->store, id, today, c);
}

/* The certificate body.cert names, which must be live and not expired to be spent. */
static int spendable(qp_registry *reg, const qp_entry *e, const char *id, qp_cert *c)
{
	char today[11];
	snprintf(today, sizeof(today), "%.10s", e->time);
	int err = named_cert(reg, e, id, c);
	if (err != QP_OK)
		return err;
	if ((err = qp_certrules_spendable(c, today)) != QP_OK) {
		qp_cert_clear(c);
		return refuse(e, err);
	}
	return QP_OK;
}

static int entry_year(const qp_entry *e)
{
	return (e->time[0] - '0') * 1000 + (e->time[1] - '0') * 100 + (e->time[2] - '0') * 10 +
	       (e->time[3] - '0');
}

/*
 * The number of the next certificate of kind in the entry's year, which
 * the entry must name in body.<id_member>: id (QP_CERT_ID_LEN + 1 bytes)
 * gets it, *seq its sequence number.
 */
static int next_id(qp_registry *reg, const qp_entry *e, qp_cert_kind kind, const char *id_member, char *id,
		   int64_t *seq)
{
	int year = entry_year(e);
	int err = qp_store_cert_next_seq(reg->store, kind, year, seq);
	if (err != QP_OK)
		return err;
	char full[64];
	snprintf(full, sizeof(full), "%.6s-%04u-%c-%06u", reg->county, (unsigned)year % 10000u,
		 qp_cert_kind_letter(kind), (unsigned)*seq % 1000000u);
	snprintf(id, QP_CERT_ID_LEN + 1, "%.20s", full);
	/* The entry names every certificate it creates; the number must be the next one. */
	const char *claimed;
	if ((err = qp_body_numbered(e, id_member, &claimed)) != QP_OK)
		return err;
	if (strcmp(claimed, id) != 0) {
		reg->numbering_conflict = 1;
		return qp_error_set(
		    QP_ECONFLICT, "%s: certificate number %s in body.%s is not the next one (%s); sign again",
		    e->type, claimed, id_member, id);
	}
	return QP_OK;
}

/*
 * Store the new certificate c, numbered seq in the entry's year; statistics by place follow its home or
 * reclaimed land (place: its village, when the caller has read it), or village without either.
 */
static int store_new(qp_registry *reg, const qp_entry *e, const qp_cert *c, int64_t seq, const char *village,
		     const char *place)
{
	char v[13] = "", t[10] = "";
	int err;
	if ((c->home[0] || c->parcel[0]) && place && place[0]) {
		snprintf(v, sizeof(v), "%s", place);
	} else if (c->home[0]) {
		qp_home h;
		if ((err = qp_store_home_get(reg->store, c->home, &h)) != QP_OK)
			return err;
		snprintf(v, sizeof(v), "%s", h.village);
	} else if (c->parcel[0]) {
		qp_store_parcel p;
		if ((err = qp_store_parcel_get(reg->store, c->parcel, &p)) != QP_OK)
			return err;
		snprintf(v, sizeof(v), "%s", p.village);
	} else if (village) {
		snprintf(v, sizeof(v), "%s", village);
	}
	if (v[0])
		snprintf(t, sizeof(t), "%.9s", v);
	return qp_store_cert_put(reg->store, c, entry_year(e), seq, v[0] ? v : NULL, t[0] ? t : NULL);
}

/* Create certificate body.<id_member> from parent, held by holder by basis, with area. */
static int create_child(qp_registry *reg, const qp_entry *e, uint64_t idx, const qp_cert *parent,
			const char *id_member, const char *holder, const char *holder_type, const char *basis,
			int64_t area, const char *village, char *id)
{
	char today[11];
	int64_t seq;
	qp_cert c;
	snprintf(today, sizeof(today), "%.10s", e->time);
	int err = next_id(reg, e, parent->kind, id_member, id, &seq);
	if (err != QP_OK)
		return err;
	qp_certrules_child(&c, parent, id, holder, holder_type, basis, area, today, idx);
	return store_new(reg, e, &c, seq, village, NULL);
}

/* ---- cert.issue ------------------------------------------------------------------------ */

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

/* A guarantee on entitlement: for a household with no home, once. */
static int check_entitlement(qp_registry *reg, const qp_issue *is)
{
	uint64_t live = 0;
	char had[QP_CERT_ID_LEN + 1], had_basis[16];
	int err = qp_store_household_live_homes(reg->store, is->holder, &live);
	if (err != QP_OK)
		return err;
	if (live > 0)
		return qp_error_set(QP_EINVALID, "cert.issue: the household holds a home; "
						 "entitlement is for households without one");
	/* One homestead's guarantee per household: not again for a homestead it withdrew. */
	err = qp_store_household_guarantee(reg->store, is->holder, had, had_basis);
	if (err == QP_OK)
		return qp_error_set(QP_ECONFLICT,
				    "cert.issue: the household already received guarantee %s (on %s); a "
				    "household is guaranteed one homestead",
				    had, had_basis);
	return err == QP_ENOTFOUND ? QP_OK : err;
}

/*
 * The home an issue comes from: registered, in the state its basis needs, the holder's, under the cap;
 * village (13 bytes) gets the home's.
 */
static int check_home(qp_registry *reg, const qp_entry *e, const qp_issue *is, const qp_kind_rules *kr,
		      char village[13])
{
	qp_home h;
	int64_t issued;
	int err = qp_store_home_get(reg->store, is->home, &h);
	if (err == QP_OK)
		snprintf(village, 13, "%s", h.village);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_EINVALID, "cert.issue: unknown home %s", is->home);
	if (err != QP_OK)
		return err;
	if (!is->legacy && (err = check_basis_state(reg, e, is->basis, &h)) != QP_OK)
		return err;
	const char *owner = is->kind == QP_CERT_COLLECTIVE ? h.village : h.household;
	if (strcmp(owner, is->holder) != 0) {
		char m[32];
		snprintf(m, sizeof(m), "%s", owner);
		return qp_error_set(QP_EINVALID,
				    "cert.issue: home %s belongs to %s; a %s certificate from it goes to %s",
				    is->home, m, is->kind_name,
				    is->kind == QP_CERT_COLLECTIVE ? "its village" : "its household");
	}
	if (kr->per_home_cap &&
	    (err = qp_store_home_cert_area(reg->store, is->home, is->kind, &issued)) != QP_OK)
		return err;
	if (kr->per_home_cap && (err = qp_certrules_land_cap(is, kr, issued, h.land_area)) != QP_OK)
		return refuse(e, err);
	return QP_OK;
}

/*
 * The reclaimed land an issue comes from: registered (parcel.add), the
 * holder's village's, under the cap (the rulebook's, as for a home);
 * village (13 bytes) gets the parcel's.
 */
static int check_parcel(qp_registry *reg, const qp_entry *e, const qp_issue *is, const qp_kind_rules *kr,
			char village[13])
{
	qp_store_parcel p;
	int64_t issued = 0;
	int err = qp_store_parcel_get(reg->store, is->parcel, &p);
	if (err == QP_OK)
		snprintf(village, 13, "%s", p.village);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_EINVALID,
				    "cert.issue: parcel %s is not registered as reclaimed land (parcel add)",
				    is->parcel);
	if (err != QP_OK)
		return err;
	if (strcmp(p.village, is->holder) != 0)
		return qp_error_set(QP_EINVALID,
				    "cert.issue: reclaimed parcel %s belongs to village %s; a %s certificate "
				    "from it goes to its village",
				    is->parcel, p.village, is->kind_name);
	if (kr->per_home_cap &&
	    (err = qp_store_parcel_cert_area(reg->store, is->parcel, is->kind, &issued)) != QP_OK)
		return err;
	if (kr->per_home_cap && (err = qp_certrules_land_cap(is, kr, issued, p.land_area)) != QP_OK)
		return refuse(e, err);
	return QP_OK;
}

int qp_rules_cert_issue(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	qp_issue is;
	qp_kind_rules kr;
	qp_cert c;
	char holder_type[12], holder_village[13], place[13] = "", valid_until[11], a[32];
	char id[QP_CERT_ID_LEN + 1];
	int64_t seq;
	int err;
	if ((err = qp_certrules_issue_terms(&is, e, reg->county)) != QP_OK)
		return refuse(e, err);
	if ((err = check_holder(reg, e, "holder", is.holder, holder_type, holder_village)) != QP_OK ||
	    (err = kind_rules(reg, is.kind, &kr)) != QP_OK)
		return err;
	if ((err = qp_certrules_issue_policy(valid_until, &is, holder_type, &kr)) != QP_OK)
		return refuse(e, err);
	err = is.entitlement ? check_entitlement(reg, &is)
	      : is.parcel    ? check_parcel(reg, e, &is, &kr, place)
			     : check_home(reg, e, &is, &kr, place);
	if (err != QP_OK)
		return err;
	if ((err = next_id(reg, e, is.kind, "id", id, &seq)) != QP_OK)
		return err;
	qp_certrules_issue_cert(&c, &is, id, holder_type, valid_until, idx);
	if ((err = store_new(reg, e, &c, seq, holder_village, place)) != QP_OK) {
		if (err == QP_ECONFLICT && is.legacy)
			return qp_error_set(QP_ECONFLICT,
					    "cert.issue: legacy number %s is already in the registry",
					    is.legacy_no);
		return err;
	}
	char m[32], summary[256];
	snprintf(m, sizeof(m), "%s", is.holder);
	area_text(a, sizeof(a), is.area);
	snprintf(summary, sizeof(summary), "issued %s m² to %s, basis %s%s%s%s%s%s%s", a, m, is.basis,
		 c.home[0] ? ", from home " : "", c.home, c.parcel[0] ? ", from reclaimed parcel " : "",
		 c.parcel, c.valid_until[0] ? ", valid until " : "", c.valid_until);
	return qp_store_cert_event_put(reg->store, id, idx, summary);
}

/* ---- cert.transfer --------------------------------------------------------------------------- */

int qp_rules_cert_transfer(qp_registry *reg, const qp_entry *e, uint64_t idx)
{
	const char *id = qp_body_str(e, "cert"), *to = qp_body_str(e, "to");
	const char *basis = qp_body_str(e, "basis");
	int64_t area, rest;
	qp_kind_rules kr;
	qp_cert c;
	char to_type[12], to_village[13], from_type[12], from_village[13], a[32], b[32];
	int err;
	if ((err = spendable(reg, e, id, &c)) != QP_OK)
		return err;
	if ((err = qp_certrules_split(&area, &rest, e, &c, 1)) != QP_OK) {
		refuse(e, err);
		goto done;
	}
	if ((err = check_holder(reg, e, "to", to, to_type, to_village)) != QP_OK ||
	    (err = check_holder(reg, e, "holder", c.holder, from_type, from_village)) != QP_OK ||
	    (err = kind_rules(reg, c.kind, &kr)) != QP_OK)
		goto done;
	if ((err = qp_certrules_transfer(&kr, &c, to, basis, to_type, from_village, to_village)) != QP_OK) {
		refuse(e, err);
		goto done;
	}
	char cid[QP_CERT_ID_LEN + 1], rid[QP_CERT_ID_LEN + 1] = "";
	if ((err = qp_store_cert_end(reg->store, &c, idx, "transfer", NULL)) != QP_OK ||
	    (err = create_child(reg, e, idx, &c, "new_id", to, to_type, basis, area, to_village, cid)) !=
		QP_OK ||
	    (rest > 0 && (err = create_child(reg, e, idx, &c, "remainder_id", c.holder, c.holder_type,
					     "remainder", rest, from_village, rid)) != QP_OK))
		goto done;
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
		area_text(b, sizeof(b), rest);
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
	int64_t area, rest;
	qp_kind_rules kr;
	qp_cert c;
	char a[32], b[32];
	int err;
	if ((err = spendable(reg, e, id, &c)) != QP_OK)
		return err;
	if ((err = kind_rules(reg, c.kind, &kr)) != QP_OK)
		goto done;
	if ((err = qp_certrules_redeem_purpose(&kr, purpose)) != QP_OK ||
	    (err = qp_certrules_split(&area, &rest, e, &c, 0)) != QP_OK) {
		refuse(e, err);
		goto done;
	}
	char rid[QP_CERT_ID_LEN + 1] = "", village[13] = "";
	if ((err = qp_store_cert_end(reg->store, &c, idx, "redeem", NULL)) != QP_OK ||
	    (err = qp_store_redemption_put(reg->store, idx, c.id, area, purpose, note)) != QP_OK)
		goto done;
	if (rest > 0) {
		char type[12];
		if ((err = check_holder(reg, e, "holder", c.holder, type, village)) != QP_OK ||
		    (err = create_child(reg, e, idx, &c, "remainder_id", c.holder, c.holder_type, "remainder",
					rest, village, rid)) != QP_OK)
			goto done;
	}
	char summary[700];
	area_text(a, sizeof(a), area);
	snprintf(summary, sizeof(summary), "redeemed %s m² for %s (%s)%s%s", a, purpose, note,
		 rid[0] ? ", remainder " : "", rid);
	if ((err = qp_store_cert_event_put(reg->store, c.id, idx, summary)) != QP_OK)
		goto done;
	if (rid[0]) {
		area_text(b, sizeof(b), rest);
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
	if ((err = named_cert(reg, e, id, &c)) != QP_OK)
		return err;
	if ((err = qp_certrules_revocable(&c)) == QP_OK)
		err = qp_store_cert_end(reg->store, &c, idx, "revoke", reason);
	else
		err = refuse(e, err);
	qp_cert_clear(&c);
	if (err != QP_OK)
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
	if ((err = named_cert(reg, e, id, &c)) != QP_OK)
		return err;
	if ((err = qp_certrules_freezable(&c, frozen)) == QP_OK)
		err = qp_store_cert_freeze(reg->store, &c, idx, frozen, reason);
	else
		err = refuse(e, err);
	qp_cert_clear(&c);
	if (err != QP_OK)
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
