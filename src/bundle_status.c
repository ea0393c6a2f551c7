/*
 * bundle_status.c - a bundle's status sections: the record of the
 * certificate (and of its children) in the checkpoint's status map, with
 * the map proof.  An inclusion proof shows an entry is in the log, not
 * that no later entry changed the certificate; the map, which the
 * checkpoint commits to, says what the certificate's state is, so a
 * bundle with its spending or freezing entry cut out no longer verifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bundle_internal.h"
#include "error.h"
#include "quanpiao/statusmap.h"

/* "<keyword> [<id> ]<n>\n": the id (if id is not NULL) and n; QP_EVERIFY otherwise. */
static int head(const char **p, const char *end, const char *keyword, char *id, size_t *n)
{
	size_t k = strlen(keyword);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (nl == NULL || (size_t)(nl - *p) <= k + 1 || memcmp(*p, keyword, k) != 0 || (*p)[k] != ' ')
		return QP_EVERIFY;
	const char *s = *p + k + 1;
	if (id) {
		const char *sp = memchr(s, ' ', (size_t)(nl - s));
		if (sp == NULL || sp == s || (size_t)(sp - s) > QP_CERT_ID_LEN)
			return QP_EVERIFY;
		memcpy(id, s, (size_t)(sp - s));
		id[sp - s] = '\0';
		s = sp + 1;
	}
	uint64_t v = 0;
	if (s == nl || (*s == '0' && nl - s > 1) || nl - s > 9)
		return QP_EVERIFY;
	for (; s < nl; s++) {
		if (*s < '0' || *s > '9')
			return QP_EVERIFY;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > (uint64_t)(end - nl - 1))
		return QP_EVERIFY;
	*n = (size_t)v;
	*p = nl + 1;
	return QP_OK;
}

int qp_bundle_status_parse(qp_bundle_status **st, size_t *n, const char **p, const char *end)
{
	qp_bundle_status s;
	memset(&s, 0, sizeof(s));
	if (head(p, end, "status", s.id, &s.record_len) != QP_OK)
		return qp_error_set(
		    QP_EVERIFY, "bundle: status section %zu: expected \"status <number> <length>\"", *n + 1);
	s.record = *p;
	*p += s.record_len;
	if (head(p, end, "map", NULL, &s.map_len) != QP_OK)
		return qp_error_set(QP_EVERIFY, "bundle: status section of %s: expected \"map <length>\"",
				    s.id);
	s.map = *p;
	*p += s.map_len;
	qp_bundle_status *grown = qp_realloc(*st, (*n + 1) * sizeof(*grown));
	if (grown == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory reading a bundle");
	grown[*n] = s;
	*st = grown;
	(*n)++;
	return QP_OK;
}

static int has_index(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == x;
}

int qp_bundle_status_check(const char *cert, const qp_checkpoint *cp, const qp_bundle_status *st, size_t n,
			   const qp_cert *c, const uint64_t *indexes, size_t nidx)
{
	const qp_bundle_status *mine = NULL;
	qp_statusmap_proof *proof = NULL;
	qp_statusmap_record r, own;
	int err = QP_OK;
	if (n > 0 && !cp->have_map)
		return qp_error_set(
		    QP_EVERIFY,
		    "certificate %s: status sections, but the checkpoint commits to no status map", cert);
	if (!cp->have_map)
		return QP_OK; /* a checkpoint signed before there was a map: nothing to prove against */
	if ((proof = qp_malloc(sizeof(*proof))) == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory verifying a bundle");
	for (size_t i = 0; i < n && err == QP_OK; i++) {
		for (size_t k = 0; k < i; k++)
			if (strcmp(st[k].id, st[i].id) == 0)
				err =
				    qp_error_set(QP_EVERIFY, "certificate %s: two status sections", st[i].id);
		if (err != QP_OK)
			break;
		if ((err = qp_statusmap_proof_parse(proof, st[i].map, st[i].map_len)) != QP_OK) {
			char m[400];
			snprintf(m, sizeof(m), "%s", qp_error_last()->message);
			err = qp_error_set(QP_EVERIFY, "certificate %s: %s", st[i].id, m);
			break;
		}
		if ((err = qp_statusmap_proof_verify(proof, cp->map_root, st[i].id, st[i].record,
						     st[i].record_len)) != QP_OK ||
		    (err = qp_statusmap_record_parse(&r, st[i].record, st[i].record_len)) != QP_OK) {
			if (err == QP_EINVALID)
				err = qp_error_set(
				    QP_EVERIFY, "certificate %s: its status record is malformed", st[i].id);
			break;
		}
		if (strcmp(r.id, st[i].id) != 0) {
			err = qp_error_set(QP_EVERIFY, "certificate %s: the status record is of %s", st[i].id,
					   r.id);
			break;
		}
		if (strcmp(st[i].id, cert) == 0) {
			mine = &st[i];
			own = r;
		}
	}
	qp_free(proof);
	if (err != QP_OK)
		return err;
	if (mine == NULL)
		return qp_error_set(
		    QP_EVERIFY,
		    "certificate %s: the bundle carries no proof of its state in the checkpoint's "
		    "status map",
		    cert);
	/* The entries lead to the state the map holds, through the entry the map names. */
	const char *said = qp_cert_state_name(own.state), *led = qp_cert_state_name(c->state);
	if (own.state != c->state || own.kind != c->kind || own.area != c->area ||
	    strcmp(own.holder, c->holder) != 0 || strcmp(own.valid_until, c->valid_until) != 0)
		return qp_error_set(
		    QP_EVERIFY,
		    "certificate %s: the bundle's entries lead to %s, %lld.%02lld m², held by %s; the "
		    "checkpoint's status map holds %s, %lld.%02lld m², held by %s, last changed by entry "
		    "%llu: an entry is missing, extra or altered",
		    cert, led, (long long)(c->area / 100), (long long)(c->area % 100), c->holder, said,
		    (long long)(own.area / 100), (long long)(own.area % 100), own.holder,
		    (unsigned long long)own.entry);
	if (!has_index(indexes, nidx, own.entry))
		return qp_error_set(
		    QP_EVERIFY,
		    "certificate %s: the checkpoint's status map says entry %llu last changed it, and the "
		    "bundle does not hold that entry: an entry is missing",
		    cert, (unsigned long long)own.entry);
	return QP_OK;
}
