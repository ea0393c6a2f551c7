/*
 * service_mirror.c - a verified local copy of a served registry
 * (quanpiao/mirror.h): replaying served entries through the same checks
 * as an append, keeping served checkpoints only when their signature and
 * root hold, and numbering certificates the way qp_registry_submit does.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/cosign.h"
#include "quanpiao/log.h"
#include "quanpiao/mirror.h"
#include "quanpiao/note.h"
#include "registry_internal.h"
#include "store_audit.h"
#include "store_log.h"

int qp_mirror_open(qp_registry **out, const char *path)
{
	struct stat sb;
	qp_registry *reg;
	uint64_t size = 0;
	int err;

	*out = NULL;
	/* A mirror holds the log alone, never personal data: the audit then asks for none. */
	if (stat(path, &sb) != 0) {
		if ((err = qp_registry_create_empty(out, path)) == QP_OK &&
		    (err = qp_store_mark_no_personal_data((*out)->store)) != QP_OK) {
			qp_registry_free(*out);
			*out = NULL;
		}
		return err;
	}
	if ((reg = qp_calloc(1, sizeof(*reg))) == NULL)
		return QP_ENOMEM;
	if ((err = qp_store_open(&reg->store, path, 0)) != QP_OK)
		goto fail;
	/* An empty mirror (its first sync never committed) has no genesis facts yet. */
	if ((err = qp_store_log_size(reg->store, &size)) != QP_OK)
		goto fail;
	if (size > 0 && (err = qp_registry_load_meta(reg)) != QP_OK)
		goto fail;
	/* One whose marking was cut short; a file with entries is marked or is no mirror of ours. */
	if (size == 0 && (err = qp_store_mark_no_personal_data(reg->store)) != QP_OK)
		goto fail;
	*out = reg;
	return QP_OK;
fail:
	qp_registry_free(reg);
	return err;
}

int qp_mirror_apply(qp_registry *reg, uint64_t first, const char *const *notes, const size_t *note_lens,
		    size_t n)
{
	uint64_t size;
	int err;

	qp_registry_forget_keys(reg);
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		return err;
	if ((err = qp_store_log_size(reg->store, &size)) != QP_OK)
		goto fail;
	if (first > size) {
		err = qp_error_set(QP_EINVALID,
				   "mirror: entry %llu follows a gap (the mirror has %llu entries)",
				   (unsigned long long)first, (unsigned long long)size);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t idx = first + i, got = 0;
		if (idx < size) {
			/* Another sync got here first: what it stored must be the same bytes. */
			char *have = NULL;
			size_t have_len = 0;
			if ((err = qp_store_entry_get(reg->store, idx, &have, &have_len)) != QP_OK)
				goto fail;
			int same = have_len == note_lens[i] && memcmp(have, notes[i], have_len) == 0;
			qp_free(have);
			if (!same) {
				err = qp_error_set(
				    QP_EVERIFY,
				    "mirror: the served entry %llu differs from the one served before",
				    (unsigned long long)idx);
				goto fail;
			}
			continue;
		}
		/* Entries accepted long ago are replayed as they are: no future-time check. */
		qp_apply ap = {.flags = QP_APPLY_NO_CLOCK};
		if ((err = qp_registry_apply(reg, notes[i], note_lens[i], &got, &ap)) != QP_OK) {
			if (err != QP_EIO && err != QP_ENOMEM) {
				/* Copy first: the message must not be formatted into itself. */
				char why[1024];
				snprintf(why, sizeof(why), "%s", qp_error_last()->message);
				err = qp_error_set(QP_EVERIFY, "mirror: the served entry %llu does not replay: %s",
						   (unsigned long long)idx, why);
			}
			goto fail;
		}
		if (got != idx) {
			err = qp_error_set(QP_EINTERNAL, "mirror: entry %llu landed at %llu",
					   (unsigned long long)idx, (unsigned long long)got);
			goto fail;
		}
	}
	if ((err = qp_store_commit(reg->store)) != QP_OK)
		goto fail;
	return QP_OK;
fail:
	qp_store_rollback(reg->store);
	qp_registry_forget_keys(reg);
	return err;
}

/* The verifier of the registry's active log key (named like the origin). */
static int log_verifier(qp_registry *reg, qp_verifier **out)
{
	qp_store_key_row row;
	int err = qp_store_key_active(reg->store, reg->origin, &row);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_EVERIFY, "mirror: the registry has no active log key %s", reg->origin);
	if (err != QP_OK)
		return err;
	if (strcmp(row.role, "log") != 0)
		err = qp_error_set(QP_EVERIFY, "mirror: key %s has role %s, not log", row.name, row.role);
	else
		err = qp_verifier_parse(out, row.vkey);
	qp_store_key_row_clear(&row);
	return err;
}

int qp_mirror_checkpoint(qp_registry *reg, const char *note, size_t note_len)
{
	qp_note *opened = NULL;
	qp_verifier *v = NULL;
	qp_checkpoint cp;
	unsigned char root[QP_HASH_LEN];
	uint64_t size = 0, have_size = 0;
	char *have = NULL;
	size_t have_len = 0;
	int err;

	if (reg->origin == NULL)
		return qp_error_set(QP_EINVALID, "mirror: no entries yet, so no checkpoint can be checked");
	if ((err = log_verifier(reg, &v)) != QP_OK)
		return err;
	const qp_verifier *known[1] = {v};
	if ((err = qp_note_open(&opened, note, note_len, known, 1)) != QP_OK) {
		if (err == QP_EVERIFY)
			qp_error_prefix("mirror: the served checkpoint");
		goto done;
	}
	if ((err = qp_checkpoint_parse(&cp, opened->text, opened->text_len)) != QP_OK)
		goto done;
	if (strcmp(cp.origin, reg->origin) != 0) {
		err = qp_error_set(QP_EVERIFY, "mirror: the served checkpoint is for %s, not %s", cp.origin,
				   reg->origin);
		goto done;
	}
	if ((err = qp_log_size(&size, reg)) != QP_OK)
		goto done;
	if (cp.size > size) {
		err = qp_error_set(QP_EINVALID,
				   "mirror: the checkpoint of size %llu is beyond its %llu entries",
				   (unsigned long long)cp.size, (unsigned long long)size);
		goto done;
	}
	if ((err = qp_log_root(root, reg, cp.size)) != QP_OK)
		goto done;
	if (sodium_memcmp(root, cp.root, QP_HASH_LEN) != 0) {
		err = qp_error_set(QP_EVERIFY,
				   "mirror: the served checkpoint of size %llu has a root other than the one "
				   "its entries give; the service's log is not what it signed",
				   (unsigned long long)cp.size);
		goto done;
	}
	/* The note as the log signed it: the text, the blank line and the log's signature line. */
	const char *sigs = note + opened->text_len + 1, *end = note + note_len, *line_end = sigs;
	const char *log_line = NULL;
	size_t log_line_len = 0;
	while (sigs < end) {
		const char *nl = memchr(sigs, '\n', (size_t)(end - sigs));
		line_end = nl ? nl + 1 : end;
		size_t len = (size_t)(line_end - sigs);
		/* "— <name> ": the log's line names the origin. */
		size_t dash = sizeof("\xE2\x80\x94 ") - 1, on = strlen(reg->origin);
		if (log_line == NULL && len > dash + on + 1 && memcmp(sigs + dash, reg->origin, on) == 0 &&
		    sigs[dash + on] == ' ') {
			log_line = sigs;
			log_line_len = len;
		}
		sigs = line_end;
	}
	if (log_line == NULL) {
		err = qp_error_set(QP_EVERIFY, "mirror: the served checkpoint has no line by the log key");
		goto done;
	}
	err = qp_store_checkpoint_get(reg->store, cp.size, &have_size, &have, &have_len);
	if (err == QP_ENOTFOUND) {
		char *log_note = qp_malloc(opened->text_len + 1 + log_line_len + 1);
		if (log_note == NULL) {
			err = QP_ENOMEM;
			goto done;
		}
		memcpy(log_note, note, opened->text_len + 1);
		memcpy(log_note + opened->text_len + 1, log_line, log_line_len);
		size_t log_note_len = opened->text_len + 1 + log_line_len;
		log_note[log_note_len] = '\0';
		if ((err = qp_store_begin(reg->store)) == QP_OK) {
			err = qp_store_checkpoint_put(reg->store, cp.size, root, log_note, log_note_len);
			if (err == QP_OK)
				err = qp_store_commit(reg->store);
			else
				qp_store_rollback(reg->store);
		}
		qp_free(log_note);
		if (err != QP_OK)
			goto done;
	} else if (err != QP_OK) {
		goto done;
	}
	/* Cosignatures: each is checked by the library; one it refuses is simply not kept. */
	for (const char *p = note + opened->text_len + 1; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (p != log_line)
			(void)qp_log_add_cosignature(reg, p, (size_t)(next - p), cp.size);
		p = next;
	}
	qp_error_clear();
	err = QP_OK;
done:
	qp_free(have);
	qp_note_free(opened);
	qp_verifier_free(v);
	return err;
}

int qp_mirror_number(char **body_out, qp_registry *reg, const char *type, const char *body_json)
{
	cJSON *body = NULL;
	*body_out = NULL;
	int err = qp_entry_body_parse(&body, body_json);
	if (err != QP_OK)
		return err;
	err = type ? qp_registry_number_certs(reg, type, body, qp_clock_now()) : QP_OK;
	if (err == QP_OK) {
		char *text = cJSON_PrintUnformatted(body);
		if (text == NULL)
			err = qp_error_set(QP_ENOMEM, "out of memory numbering the entry");
		else
			*body_out = text;
	}
	cJSON_Delete(body);
	return err;
}
