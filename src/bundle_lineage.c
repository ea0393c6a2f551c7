/*
 * bundle_lineage.c - replaying a bundle's certificate entries offline.
 *
 * The registry judged each certificate entry against its whole state
 * (homes, households, the per-home cap); a bundle has only the entries of
 * one lineage, so this replays what the entries themselves can show: the
 * numbers each entry claims for the certificates it creates, the state
 * each certificate must be in to be spent, frozen or revoked, the
 * conservation of area through transfers and redemptions, and the parts
 * of the policy in force that need no other state (area limits, the
 * transfer rule, redemption purposes, validity), each judged by the
 * rulebook the registry appends by (certrules.c).  What is left is the
 * certificate as of the checkpoint: holder, area, kind, state.
 *
 * Households are named by their registry numbers (330681-H-0000001); the
 * bundle carries the household.add entry of each household a certificate
 * entry names, which gives its village (for the transfer rule
 * same_village) and nothing personal: the entry holds a commitment, not
 * the head's ID number or name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "bundle_internal.h"
#include "certrules.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/ids.h"
#include "registry_internal.h"

/* What one applied entry did: the certificate it named and those it created. */
typedef struct applied {
	uint64_t idx;
	const char *type; /* one of cert_types */
	char named[QP_CERT_ID_LEN + 1];
	char created[2][QP_CERT_ID_LEN + 1];
} applied;

/* A household as its household.add entry in the bundle gives it. */
typedef struct household {
	char number[QP_HOUSEHOLD_NUMBER_LEN + 1];
	char village[13];
	uint64_t idx;
	int named; /* a certificate entry names it */
} household;

struct qp_lineage {
	char county[7];
	household *hh;
	size_t nhh, hhcap;
	qp_cert *certs;
	size_t n, cap;
	applied *ev;
	size_t nev, evcap;
};

static const char *const cert_types[] = {"cert.issue",	"cert.transfer", "cert.redeem",
					 "cert.revoke", "cert.freeze",	 "cert.unfreeze"};

int qp_lineage_new(qp_lineage **out, const char *county)
{
	*out = qp_calloc(1, sizeof(**out));
	if (*out == NULL)
		return QP_ENOMEM;
	snprintf((*out)->county, sizeof((*out)->county), "%s", county ? county : "");
	return QP_OK;
}

void qp_lineage_free(qp_lineage *l)
{
	if (l == NULL)
		return;
	qp_certs_free(l->certs, l->n);
	qp_free(l->ev);
	qp_free(l->hh);
	qp_free(l);
}

/* Raise QP_EVERIFY "entry N (type): <message>". */
static int bad(const qp_entry *e, uint64_t idx, const char *fmt, ...) QP_PRINTF(3, 4);
static int bad(const qp_entry *e, uint64_t idx, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return qp_error_set(QP_EVERIFY, "entry %llu (%s): %s", (unsigned long long)idx, e->type, msg);
}

/* A body helper failed: keep its message, as a verification failure of this entry. */
static int bad_body(const qp_entry *e, uint64_t idx, int err)
{
	if (err == QP_ENOMEM)
		return err;
	char msg[768];
	snprintf(msg, sizeof(msg), "%s", qp_error_last()->message);
	return bad(e, idx, "%s", msg);
}

static qp_cert *find(qp_lineage *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->certs[i].id, id) == 0)
			return &l->certs[i];
	return NULL;
}

/* The household numbered number, if the bundle adds it. */
static household *find_household(qp_lineage *l, const char *number)
{
	for (size_t i = 0; i < l->nhh; i++)
		if (strcmp(l->hh[i].number, number) == 0)
			return &l->hh[i];
	return NULL;
}

/*
 * A holder as the registry classifies it by its form (the rulebook's qp_certrules_holder_form):
 * *type gets "household", "collective" or "enterprise", village its village
 * ("" for an enterprise).  A household's household.add must be in the
 * bundle: it gives the village.
 */
static int holder_form(qp_lineage *l, const qp_entry *e, uint64_t idx, const char *field, const char *h,
		       const char **type, char village[13])
{
	int err = qp_certrules_holder_form(type, h, l->county, field);
	village[0] = '\0';
	if (err != QP_OK)
		return bad_body(e, idx, err);
	if (strcmp(*type, "collective") == 0) {
		snprintf(village, 13, "%s", h);
	} else if (strcmp(*type, "household") == 0) {
		household *hh = find_household(l, h);
		if (hh == NULL)
			return bad(e, idx, "%s names household %s, which no household.add in the bundle adds",
				   field, h);
		hh->named = 1;
		snprintf(village, 13, "%s", hh->village);
	}
	return QP_OK;
}

int qp_lineage_household(qp_lineage *l, const qp_entry *e, uint64_t idx)
{
	int err;
	if ((err = qp_schema_check_body(e)) != QP_OK)
		return bad_body(e, idx, err);
	const char *number = qp_body_str(e, "number"), *village = qp_body_str(e, "village");
	if (number == NULL)
		return bad(e, idx, "body.number is missing");
	if (qp_ids_check_household(number, l->county, "body.number") != QP_OK ||
	    qp_ids_check_division(village, QP_DIVISION_VILLAGE, "body.village") != QP_OK)
		return bad_body(e, idx, QP_EINVALID);
	if (strncmp(village, l->county, 6) != 0)
		return bad(e, idx, "body.village %s is not a village of county %s", village, l->county);
	const household *dup = find_household(l, number);
	if (dup != NULL)
		return bad(e, idx, "adds household %s, which entry %llu added", number,
			   (unsigned long long)dup->idx);
	if ((err = qp_grow((void **)&l->hh, &l->hhcap, l->nhh, sizeof(*l->hh))) != QP_OK)
		return err;
	household *h = &l->hh[l->nhh++];
	memset(h, 0, sizeof(*h));
	snprintf(h->number, sizeof(h->number), "%s", number);
	snprintf(h->village, sizeof(h->village), "%s", village);
	h->idx = idx;
	return QP_OK;
}

/* The date part of the entry's time, "YYYY-MM-DD". */
static void entry_date(char out[11], const qp_entry *e)
{
	snprintf(out, 11, "%.10s", e->time);
}

/* The kind's parameters in the policy in force. */
static int kind_rules(const qp_entry *e, uint64_t idx, const cJSON *policy, qp_cert_kind kind,
		      qp_kind_rules *out)
{
	int err = qp_certrules_kind(out, policy, kind);
	return err != QP_OK ? bad_body(e, idx, err) : QP_OK;
}

/*
 * A number an entry claims for a certificate it creates: the registry's
 * form county-year-letter-sequence, in the entry's year and the kind's
 * letter, and not used before.
 */
static int check_new_id(qp_lineage *l, const qp_entry *e, uint64_t idx, const char *member, const char *id,
			qp_cert_kind kind)
{
	char want[QP_CERT_ID_LEN + 1];
	snprintf(want, sizeof(want), "%.6s-%.4s-%c-", l->county, e->time, qp_cert_kind_letter(kind));
	int ok = strlen(id) == QP_CERT_ID_LEN && strncmp(id, want, 14) == 0 && strcmp(id + 14, "000000") != 0;
	for (size_t i = 14; ok && i < QP_CERT_ID_LEN; i++)
		ok = id[i] >= '0' && id[i] <= '9';
	if (!ok)
		return bad(e, idx, "body.%s %s is not a %s number of %s in %.4s (%sNNNNNN)", member, id,
			   qp_cert_kind_name(kind), l->county, e->time, want);
	if (find(l, id) != NULL)
		return bad(e, idx, "body.%s %s was already created by an earlier entry", member, id);
	return QP_OK;
}

/* Make room for and return a new certificate (its contents are the caller's to fill). */
static qp_cert *new_cert(qp_lineage *l)
{
	if (qp_grow((void **)&l->certs, &l->cap, l->n, sizeof(*l->certs)) != QP_OK)
		return NULL;
	return &l->certs[l->n++];
}

/* A child of parent (found again by its number: new_cert may move it) created by entry e. */
static int child(qp_lineage *l, const qp_entry *e, uint64_t idx, const char *pid, const char *id,
		 const char *holder, const char *holder_type, const char *basis, int64_t area)
{
	char today[11], h[sizeof(((qp_cert *)0)->holder)], ht[sizeof(((qp_cert *)0)->holder_type)];
	snprintf(h, sizeof(h), "%s", holder); /* holder may point into the parent */
	snprintf(ht, sizeof(ht), "%s", holder_type);
	entry_date(today, e);
	qp_cert *c = new_cert(l);
	if (c == NULL)
		return QP_ENOMEM;
	qp_certrules_child(c, find(l, pid), id, h, ht, basis, area, today, idx);
	return QP_OK;
}

/* The certificate body.cert names, which must be in the lineage so far. */
static int named(qp_lineage *l, const qp_entry *e, uint64_t idx, const char *id, qp_cert **out)
{
	*out = find(l, id);
	if (*out == NULL)
		return bad(e, idx, "names certificate %s, which no earlier entry in the bundle created", id);
	return QP_OK;
}

/* A certificate a transfer or redemption spends: the rulebook's, on the entry's date. */
static int spendable(const qp_entry *e, uint64_t idx, const qp_cert *c)
{
	char today[11];
	entry_date(today, e);
	int err = qp_certrules_spendable(c, today);
	return err != QP_OK ? bad_body(e, idx, err) : QP_OK;
}

/* Spend c by entry idx ("transfer" or "redeem"). */
static void spend(qp_cert *c, uint64_t idx, const char *by)
{
	c->state = QP_CERT_SPENT;
	c->ended_at = idx;
	snprintf(c->ended_by, sizeof(c->ended_by), "%s", by);
	qp_free(c->reason);
	c->reason = NULL;
}

static int apply_issue(qp_lineage *l, const qp_entry *e, uint64_t idx, const cJSON *policy, applied *a)
{
	qp_issue is;
	qp_kind_rules kr;
	const char *id, *form = NULL;
	char village[13], valid_until[11];
	int err;
	if ((err = qp_body_numbered(e, "id", &id)) != QP_OK ||
	    (err = qp_certrules_issue_terms(&is, e, l->county)) != QP_OK)
		return bad_body(e, idx, err);
	if ((err = holder_form(l, e, idx, "body.holder", is.holder, &form, village)) != QP_OK ||
	    (err = kind_rules(e, idx, policy, is.kind, &kr)) != QP_OK)
		return err;
	if ((err = qp_certrules_issue_policy(valid_until, &is, form, &kr)) != QP_OK)
		return bad_body(e, idx, err);
	if ((err = check_new_id(l, e, idx, "id", id, is.kind)) != QP_OK)
		return err;
	qp_cert *c = new_cert(l);
	if (c == NULL)
		return QP_ENOMEM;
	qp_certrules_issue_cert(c, &is, id, form, valid_until, idx);
	snprintf(a->created[0], sizeof(a->created[0]), "%s", id);
	return QP_OK;
}

static int apply_transfer(qp_lineage *l, const qp_entry *e, uint64_t idx, const cJSON *policy, applied *a)
{
	const char *id = qp_body_str(e, "cert"), *to = qp_body_str(e, "to"), *basis = qp_body_str(e, "basis");
	const char *rest_id = qp_body_str(e, "remainder_id"), *new_id;
	int64_t area, rest;
	qp_kind_rules kr;
	qp_cert *c;
	int err;
	if ((err = qp_body_numbered(e, "new_id", &new_id)) != QP_OK)
		return bad_body(e, idx, err);
	snprintf(a->named, sizeof(a->named), "%s", id);
	if ((err = named(l, e, idx, id, &c)) != QP_OK || (err = spendable(e, idx, c)) != QP_OK)
		return err;
	if ((err = qp_certrules_split(&area, &rest, e, c, 1)) != QP_OK)
		return bad_body(e, idx, err);
	const char *to_type = NULL, *from_type = NULL;
	char to_village[13], from_village[13];
	if ((err = holder_form(l, e, idx, "body.to", to, &to_type, to_village)) != QP_OK ||
	    (err = holder_form(l, e, idx, "its holder", c->holder, &from_type, from_village)) != QP_OK ||
	    (err = kind_rules(e, idx, policy, c->kind, &kr)) != QP_OK)
		return err;
	if ((err = qp_certrules_transfer(&kr, c, to, basis, to_type, from_village, to_village)) != QP_OK)
		return bad_body(e, idx, err);
	if ((err = check_new_id(l, e, idx, "new_id", new_id, c->kind)) != QP_OK ||
	    (rest_id && (err = check_new_id(l, e, idx, "remainder_id", rest_id, c->kind)) != QP_OK))
		return err;
	if (rest_id && strcmp(rest_id, new_id) == 0)
		return bad(e, idx, "body.new_id and body.remainder_id are the same number");
	char pid[QP_CERT_ID_LEN + 1];
	snprintf(pid, sizeof(pid), "%s", c->id);
	spend(c, idx, "transfer");
	if ((err = child(l, e, idx, pid, new_id, to, to_type, basis, area)) != QP_OK ||
	    (rest > 0 && (err = child(l, e, idx, pid, rest_id, find(l, pid)->holder,
				      find(l, pid)->holder_type, "remainder", rest)) != QP_OK))
		return err;
	snprintf(a->created[0], sizeof(a->created[0]), "%s", new_id);
	snprintf(a->created[1], sizeof(a->created[1]), "%s", rest_id ? rest_id : "");
	return QP_OK;
}

static int apply_redeem(qp_lineage *l, const qp_entry *e, uint64_t idx, const cJSON *policy, applied *a)
{
	const char *id = qp_body_str(e, "cert"), *purpose = qp_body_str(e, "purpose");
	const char *rest_id = qp_body_str(e, "remainder_id");
	int64_t area, rest;
	qp_kind_rules kr;
	qp_cert *c;
	int err;
	snprintf(a->named, sizeof(a->named), "%s", id);
	if ((err = named(l, e, idx, id, &c)) != QP_OK || (err = spendable(e, idx, c)) != QP_OK ||
	    (err = kind_rules(e, idx, policy, c->kind, &kr)) != QP_OK)
		return err;
	if ((err = qp_certrules_redeem_purpose(&kr, purpose)) != QP_OK ||
	    (err = qp_certrules_split(&area, &rest, e, c, 0)) != QP_OK)
		return bad_body(e, idx, err);
	if (rest_id && (err = check_new_id(l, e, idx, "remainder_id", rest_id, c->kind)) != QP_OK)
		return err;
	char pid[QP_CERT_ID_LEN + 1];
	snprintf(pid, sizeof(pid), "%s", c->id);
	spend(c, idx, "redeem");
	if (rest > 0 &&
	    (err = child(l, e, idx, pid, rest_id, c->holder, c->holder_type, "remainder", rest)) != QP_OK)
		return err;
	snprintf(a->created[0], sizeof(a->created[0]), "%s", rest_id ? rest_id : "");
	return QP_OK;
}

/* cert.revoke, cert.freeze (freeze = 1) and cert.unfreeze (freeze = 0). */
static int apply_state(qp_lineage *l, const qp_entry *e, uint64_t idx, int revoke, int freeze, applied *a)
{
	const char *id = qp_body_str(e, "cert"), *reason = qp_body_str(e, "reason");
	qp_cert *c;
	int err;
	snprintf(a->named, sizeof(a->named), "%s", id);
	if ((err = named(l, e, idx, id, &c)) != QP_OK)
		return err;
	err = revoke ? qp_certrules_revocable(c) : qp_certrules_freezable(c, freeze);
	if (err != QP_OK)
		return bad_body(e, idx, err);
	char *why = NULL;
	if (reason && (why = qp_strdup(reason)) == NULL)
		return QP_ENOMEM;
	qp_free(c->reason);
	c->reason = why;
	if (revoke) {
		c->state = QP_CERT_REVOKED;
		c->ended_at = idx;
		snprintf(c->ended_by, sizeof(c->ended_by), "revoke");
	} else {
		c->state = freeze ? QP_CERT_FROZEN : QP_CERT_LIVE;
	}
	return QP_OK;
}

int qp_lineage_apply(qp_lineage *l, const qp_entry *e, uint64_t idx, const cJSON *policy)
{
	applied a;
	int err, which = -1;
	for (size_t i = 0; i < sizeof(cert_types) / sizeof(cert_types[0]); i++)
		if (strcmp(e->type, cert_types[i]) == 0)
			which = (int)i;
	if (which < 0)
		return bad(e, idx, "is not a certificate entry");
	if (!cJSON_IsObject(policy))
		return bad(e, idx, "no policy is in force: the bundle has no policy.set entry before it");
	if ((err = qp_schema_check_body(e)) != QP_OK)
		return bad_body(e, idx, err);
	memset(&a, 0, sizeof(a));
	a.idx = idx;
	a.type = cert_types[which];
	switch (which) {
	case 0: err = apply_issue(l, e, idx, policy, &a); break;
	case 1: err = apply_transfer(l, e, idx, policy, &a); break;
	case 2: err = apply_redeem(l, e, idx, policy, &a); break;
	case 3: err = apply_state(l, e, idx, 1, 0, &a); break;
	case 4: err = apply_state(l, e, idx, 0, 1, &a); break;
	default: err = apply_state(l, e, idx, 0, 0, &a); break;
	}
	if (err != QP_OK)
		return err;
	if ((err = qp_grow((void **)&l->ev, &l->evcap, l->nev, sizeof(*l->ev))) != QP_OK)
		return err;
	l->ev[l->nev++] = a;
	return QP_OK;
}

static int in_list(char **list, size_t n, const char *id)
{
	for (size_t i = 0; id[0] && i < n; i++)
		if (strcmp(list[i], id) == 0)
			return 1;
	return 0;
}

int qp_lineage_finish(qp_lineage *l, const char *cert_id, int64_t now, qp_bundle_info *info)
{
	const qp_cert *c = find(l, cert_id);
	size_t depth = 0;
	if (c == NULL)
		return qp_error_set(QP_EVERIFY,
				    "certificate %s: no entry in the bundle creates it (the bundle is for "
				    "another certificate or an entry is missing)",
				    cert_id);
	for (const qp_cert *p = c; p; p = p->parent[0] ? find(l, p->parent) : NULL) {
		if (++depth > l->n)
			return qp_error_set(QP_EVERIFY, "certificate %s: its ancestry loops", cert_id);
	}
	char **lin = qp_calloc(depth, sizeof(*lin));
	if (lin == NULL)
		return QP_ENOMEM;
	size_t k = depth;
	for (const qp_cert *p = c; p; p = p->parent[0] ? find(l, p->parent) : NULL)
		if ((lin[--k] = qp_strdup(p->id)) == NULL) {
			for (size_t i = 0; i < depth; i++)
				qp_free(lin[i]);
			qp_free(lin);
			return QP_ENOMEM;
		}
	info->lineage = lin;
	info->lineage_len = depth;
	/* Every certificate entry must be about the lineage: nothing else belongs in this bundle. */
	for (size_t i = 0; i < l->nev; i++) {
		const applied *a = &l->ev[i];
		if (!in_list(lin, depth, a->named) && !in_list(lin, depth, a->created[0]) &&
		    !in_list(lin, depth, a->created[1]))
			return qp_error_set(QP_EVERIFY,
					    "entry %llu (%s): is not part of certificate %s's history",
					    (unsigned long long)a->idx, a->type, cert_id);
	}
	/* Every household.add must be of a household a certificate entry names. */
	for (size_t i = 0; i < l->nhh; i++)
		if (!l->hh[i].named)
			return qp_error_set(
			    QP_EVERIFY,
			    "entry %llu (household.add): household %s is named by no certificate "
			    "entry of certificate %s's history",
			    (unsigned long long)l->hh[i].idx, l->hh[i].number, cert_id);
	if (c->parent[0] == '\0' && strcmp(c->root, c->id) != 0)
		return qp_error_set(QP_EINTERNAL, "certificate %s: broken root", cert_id);
	info->cert = *c;
	info->cert.reason = NULL;
	if (c->reason && (info->cert.reason = qp_strdup(c->reason)) == NULL)
		return QP_ENOMEM;
	char today[QP_TIME_LEN + 1];
	qp_time_format(today, now ? now : qp_clock_now());
	today[10] = '\0';
	info->cert.expired = qp_certrules_expired(c, today);
	return QP_OK;
}
