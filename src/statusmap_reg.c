/*
 * statusmap_reg.c - the status map of a registry: its root, proofs as of a
 * signed checkpoint, and status proofs, written and verified offline.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "quanpiao/bundle.h"
#include "quanpiao/cosign.h"
#include "quanpiao/log.h"
#include "quanpiao/note.h"
#include "quanpiao/statusmap.h"
#include "registry_internal.h"
#include "store_log.h"
#include "store_statusmap.h"

#define STATUS_HEADER "quanpiao/status/v1"

int qp_statusmap_root(unsigned char out[QP_HASH_LEN], qp_registry *reg)
{
	return qp_store_statusmap_root(reg->store, UINT64_MAX, out);
}

int qp_statusmap_prove(qp_statusmap_proof *proof, char **record, size_t *record_len, qp_registry *reg,
		       const char *id, uint64_t size)
{
	unsigned char key[QP_HASH_LEN];
	uint64_t n = 0;
	*record = NULL;
	*record_len = 0;
	int err = qp_store_log_size(reg->store, &n);
	if (err != QP_OK)
		return err;
	if (size > n)
		return qp_error_set(QP_EINVALID, "size %llu is beyond the log's %llu entries",
				    (unsigned long long)size, (unsigned long long)n);
	char value[QP_STATUSMAP_RECORD_MAX];
	size_t value_len = 0;
	qp_statusmap_key(key, id);
	if ((err = qp_store_statusmap_prove(reg->store, key, size, proof, value, &value_len)) == QP_OK &&
	    proof->leaf && memcmp(proof->leaf_key, key, QP_HASH_LEN) == 0) {
		if ((*record = qp_malloc(value_len + 1)) == NULL) {
			err = qp_error_set(QP_ENOMEM, "out of memory proving a status");
		} else {
			memcpy(*record, value, value_len);
			(*record)[value_len] = '\0';
			*record_len = value_len;
		}
	}
	return err;
}

/* ---- status proofs: writing ------------------------------------------------------------------ */

static void sb_section(qp_buf *b, const char *head, const char *s, size_t n)
{
	char line[96];
	int k = snprintf(line, sizeof(line), "%s %zu\n", head, n);
	qp_buf_add(b, line, (size_t)k);
	qp_buf_add(b, s, n);
}

int qp_statusmap_status_proof(char **out, size_t *out_len, qp_registry *reg, const char *id)
{
	return qp_statusmap_status_proof_at(out, out_len, reg, id, QP_LOG_LATEST);
}

int qp_statusmap_status_proof_at(char **out, size_t *out_len, qp_registry *reg, const char *id, uint64_t at)
{
	char *cp = NULL, *record = NULL, *map = NULL, *entry = NULL, *tlog = NULL;
	size_t cp_len = 0, record_len = 0, map_len = 0, entry_len = 0, tlog_len = 0, ncos = 0;
	uint64_t size = 0;
	qp_note *n = NULL;
	qp_checkpoint c;
	qp_statusmap_proof *proof = qp_malloc(sizeof(*proof));
	qp_buf b = {0};
	int err;
	*out = NULL;
	if (proof == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory proving a status");
	if ((err = qp_cert_check_id(id)) != QP_OK || (err = qp_store_begin_read(reg->store)) != QP_OK)
		goto free;
	err = qp_log_checkpoint_cosigned(&cp, &cp_len, &size, &ncos, reg, at);
	if (err == QP_ENOTFOUND && at != QP_LOG_LATEST)
		err = qp_error_set(QP_ENOTFOUND, "no checkpoint of size %llu is signed",
				   (unsigned long long)at);
	else if (err == QP_ENOTFOUND)
		err = qp_error_set(QP_EINVALID,
				   "no checkpoint is signed yet; sign one with 'quanpiao log sign'");
	if (err != QP_OK)
		goto done;
	if ((err = qp_note_parse(&n, cp, cp_len)) != QP_OK ||
	    (err = qp_checkpoint_parse(&c, n->text, n->text_len)) != QP_OK)
		goto done;
	if (!c.have_map) {
		err =
		    qp_error_set(QP_EINVALID,
				 "the %scheckpoint (size %llu) has no status-map line; sign a newer one with "
				 "'quanpiao log sign'",
				 at == QP_LOG_LATEST ? "latest " : "", (unsigned long long)size);
		goto done;
	}
	if ((err = qp_statusmap_prove(proof, &record, &record_len, reg, id, size)) != QP_OK ||
	    (err = qp_statusmap_proof_text(&map, &map_len, proof)) != QP_OK)
		goto done;
	qp_buf_add(&b, STATUS_HEADER "\ncertificate ", strlen(STATUS_HEADER "\ncertificate "));
	qp_buf_add(&b, id, strlen(id));
	qp_buf_add(&b, "\n", 1);
	sb_section(&b, "checkpoint", cp, cp_len);
	sb_section(&b, "map", map, map_len);
	if (record) {
		qp_statusmap_record r;
		if ((err = qp_statusmap_record_parse(&r, record, record_len)) != QP_OK) {
			err = qp_error_set(QP_ECORRUPT, "certificate %s: its stored status record is damaged",
					   id);
			goto done;
		}
		if ((err = qp_log_entry(&entry, &entry_len, reg, r.entry)) != QP_OK ||
		    (err = qp_log_tlog_proof(&tlog, &tlog_len, reg, r.entry, size)) != QP_OK)
			goto done;
		char head[48];
		sb_section(&b, "record", record, record_len);
		snprintf(head, sizeof(head), "entry %llu", (unsigned long long)r.entry);
		sb_section(&b, head, entry, entry_len);
		sb_section(&b, "proof", tlog, tlog_len);
	}
	if (b.err)
		err = qp_error_set(QP_ENOMEM, "out of memory writing a status proof");
done:
	qp_store_end_read(reg->store);
free:
	if (err == QP_OK) {
		*out = b.p;
		if (out_len)
			*out_len = b.len;
	} else {
		qp_free(b.p);
	}
	qp_note_free(n);
	qp_free(cp);
	qp_free(record);
	qp_free(map);
	qp_free(entry);
	qp_free(tlog);
	qp_free(proof);
	return err;
}

/* ---- status proofs: verifying ---------------------------------------------------------------- */

/* One section "<name>[ <index>] <n>\n" and its n bytes; QP_ENOTFOUND if the next one is not name. */
static int section(const char **body, size_t *len, uint64_t *index, const char **p, const char *end,
		   const char *name)
{
	size_t nl = strlen(name);
	const char *eol = *p < end ? memchr(*p, '\n', (size_t)(end - *p)) : NULL;
	if (eol == NULL || (size_t)(eol - *p) <= nl || memcmp(*p, name, nl) != 0 || (*p)[nl] != ' ')
		return QP_ENOTFOUND;
	const char *s = *p + nl + 1;
	uint64_t v[2] = {0, 0};
	int nv = 0;
	while (s < eol && nv < 2) {
		const char *start = s;
		while (s < eol && *s >= '0' && *s <= '9' && s - start < 19)
			v[nv] = v[nv] * 10 + (uint64_t)(*s++ - '0');
		if (s == start || (*start == '0' && s - start > 1))
			break;
		nv++;
		if (s < eol && *s == ' ')
			s++;
		else
			break;
	}
	int want = index ? 2 : 1;
	if (s != eol || nv != want)
		return qp_error_set(QP_EINVALID, "status proof: the %s line is malformed", name);
	uint64_t n = v[want - 1];
	if (n > (uint64_t)(end - eol - 1))
		return qp_error_set(QP_EINVALID, "status proof: the %s section is cut short", name);
	if (index)
		*index = v[0];
	*body = eol + 1;
	*len = (size_t)n;
	*p = eol + 1 + n;
	return QP_OK;
}

/* QP_EVERIFY: "certificate <id>: <what><the last error's message>". */
static int verify_failure(const char *id, const char *what)
{
	char m[512];
	snprintf(m, sizeof(m), "%s", qp_error_last()->message);
	return qp_error_set(QP_EVERIFY, "certificate %s: %s%s", id, what, m);
}

static int witnesses_check(size_t *count, const char *cp, size_t cp_len, const char *id,
			   const char *const *witness_keys, size_t n)
{
	int err = QP_OK;
	for (size_t w = 0; w < n && err == QP_OK; w++) {
		qp_verifier *v = NULL;
		if ((err = qp_verifier_parse(&v, witness_keys[w])) != QP_OK)
			return qp_error_prefix("witness key");
		/* Try each signature line; one must be this witness's cosignature. */
		int ok = 0;
		const char *p = cp, *end = cp + cp_len;
		while (p < end && !ok) {
			const char *eol = memchr(p, '\n', (size_t)(end - p));
			if (eol == NULL)
				break;
			if (eol - p > 4 && memcmp(p, "\xe2\x80\x94 ", 4) == 0 &&
			    qp_cosign_verify(NULL, v, p, (size_t)(eol - p), cp, cp_len) == QP_OK)
				ok = 1;
			p = eol + 1;
		}
		if (!ok)
			err = qp_error_set(QP_EVERIFY,
					   "certificate %s: the checkpoint has no valid cosignature by %s",
					   id, qp_verifier_name(v));
		qp_verifier_free(v);
	}
	*count = n;
	return err;
}

int qp_statusmap_status_verify(qp_status_result *out, const char *text, size_t len, const char *log_key,
			       const char *const *witness_keys, size_t nwitness)
{
	const char *p = text, *end = text + len, *cp = NULL, *map = NULL, *rec = NULL, *entry = NULL,
		   *tlog = NULL;
	size_t cp_len = 0, map_len = 0, rec_len = 0, entry_len = 0, tlog_len = 0;
	uint64_t entry_idx = 0;
	qp_verifier *log_v = NULL;
	qp_note *n = NULL;
	qp_checkpoint c;
	qp_statusmap_proof *proof = qp_malloc(sizeof(*proof));
	const char *id = out->id;
	int err;
	memset(out, 0, sizeof(*out));
	if (proof == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory verifying a status proof");
	size_t hl = strlen(STATUS_HEADER "\ncertificate ");
	const char *eol = len > hl ? memchr(text + hl, '\n', len - hl) : NULL;
	if (eol == NULL || memcmp(text, STATUS_HEADER "\ncertificate ", hl) != 0 ||
	    (size_t)(eol - text - hl) == 0 || (size_t)(eol - text - hl) > QP_CERT_ID_LEN) {
		err = qp_error_set(QP_EINVALID, "status proof: must begin with %s and a certificate line",
				   STATUS_HEADER);
		goto done;
	}
	memcpy(out->id, text + hl, (size_t)(eol - text - hl));
	for (const char *s = out->id; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7F) {
			err = qp_error_set(QP_EINVALID,
					   "status proof: the certificate number holds a control byte");
			goto done;
		}
	p = eol + 1;
	if ((err = section(&cp, &cp_len, NULL, &p, end, "checkpoint")) != QP_OK ||
	    (err = section(&map, &map_len, NULL, &p, end, "map")) != QP_OK) {
		if (err == QP_ENOTFOUND)
			err = qp_error_set(QP_EINVALID, "status proof: needs a checkpoint and a map section");
		goto done;
	}
	err = section(&rec, &rec_len, NULL, &p, end, "record");
	if (err == QP_OK && ((err = section(&entry, &entry_len, &entry_idx, &p, end, "entry")) != QP_OK ||
			     (err = section(&tlog, &tlog_len, NULL, &p, end, "proof")) != QP_OK)) {
		if (err == QP_ENOTFOUND)
			err = qp_error_set(QP_EINVALID,
					   "status proof: a record needs its entry and proof sections");
		goto done;
	}
	if (err != QP_OK && err != QP_ENOTFOUND)
		goto done;
	if (p != end) {
		err = qp_error_set(QP_EINVALID, "status proof: text after the last section");
		goto done;
	}
	/* The checkpoint: signed by the log, cosigned by each witness asked for. */
	if ((err = qp_verifier_parse(&log_v, log_key)) != QP_OK) {
		err = qp_error_prefix("log key");
		goto done;
	}
	const qp_verifier *known = log_v;
	if ((err = qp_note_open(&n, cp, cp_len, &known, 1)) != QP_OK ||
	    (err = qp_checkpoint_parse(&c, n->text, n->text_len)) != QP_OK) {
		err = verify_failure(id, "the checkpoint: ");
		goto done;
	}
	if (strcmp(c.origin, qp_verifier_name(log_v)) != 0) {
		err = qp_error_set(QP_EVERIFY, "certificate %s: the checkpoint is of log %s, not %s", id,
				   c.origin, qp_verifier_name(log_v));
		goto done;
	}
	if (!c.have_map) {
		err = qp_error_set(QP_EVERIFY, "certificate %s: the checkpoint commits to no status map", id);
		goto done;
	}
	out->size = c.size;
	out->cosignatures = n->nsigs > 0 ? n->nsigs - 1 : 0;
	size_t checked = 0;
	if ((err = witnesses_check(&checked, cp, cp_len, id, witness_keys, nwitness)) != QP_OK)
		goto done;
	/* The map: the record (or its absence) against the checkpoint's map root. */
	if ((err = qp_statusmap_proof_parse(proof, map, map_len)) != QP_OK)
		goto done;
	if ((err = qp_statusmap_proof_verify(proof, c.map_root, id, rec, rec_len)) != QP_OK)
		goto done;
	if (rec == NULL) {
		/* Proven absent: a buyer is shown no certificate, and verification fails naming it. */
		err = qp_error_set(QP_EVERIFY,
				   "certificate %s: the map at checkpoint %llu holds no such certificate", id,
				   (unsigned long long)c.size);
		goto done;
	}
	if ((err = qp_statusmap_record_parse(&out->record, rec, rec_len)) != QP_OK)
		goto done;
	if (strcmp(out->record.id, id) != 0) {
		err = qp_error_set(QP_EVERIFY, "certificate %s: the record is of certificate %s", id,
				   out->record.id);
		goto done;
	}
	out->present = 1;
	/* The entry that last changed it: in the checkpoint's tree, and naming the certificate. */
	if (entry_idx != out->record.entry) {
		err = qp_error_set(QP_EVERIFY,
				   "certificate %s: the record names entry %llu, the proof entry %llu", id,
				   (unsigned long long)out->record.entry, (unsigned long long)entry_idx);
		goto done;
	}
	uint64_t idx = 0;
	qp_checkpoint c2;
	char *key = NULL;
	if ((err = qp_verifier_string(&key, log_v)) != QP_OK)
		goto done;
	err = qp_bundle_verify_proof(&idx, &c2, tlog, tlog_len, entry, entry_len, key);
	qp_free(key);
	if (err != QP_OK) {
		char what[48];
		snprintf(what, sizeof(what), "entry %llu: ", (unsigned long long)entry_idx);
		err = verify_failure(id, what);
		goto done;
	}
	if (idx != entry_idx || c2.size != c.size || sodium_memcmp(c2.root, c.root, QP_HASH_LEN) != 0) {
		err = qp_error_set(QP_EVERIFY,
				   "certificate %s: the entry's proof is against another checkpoint", id);
		goto done;
	}
	char quoted[QP_CERT_ID_LEN + 3];
	snprintf(quoted, sizeof(quoted), "\"%s\"", id);
	if (memmem(entry, entry_len, quoted, strlen(quoted)) == NULL)
		err = qp_error_set(QP_EVERIFY, "certificate %s: entry %llu does not name it", id,
				   (unsigned long long)entry_idx);
done:
	if (err != QP_OK)
		out->present = 0;
	qp_note_free(n);
	qp_verifier_free(log_v);
	qp_free(proof);
	return err;
}
