/*
 * entry.h - log entries: their text, parsing and the type table (private).
 *
 * An entry is a signed note whose text is exactly two lines:
 *     quanpiao/entry/v1
 *     {"body":{...},"origin":"...","signer":"...","time":"...","type":"..."}
 * The JSON is canonical (canon.h) and has exactly those five members.
 * The note carries exactly one signature, by the key named in "signer".
 */
#ifndef QP_SRC_ENTRY_H
#define QP_SRC_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "quanpiao/note.h"

#define QP_ENTRY_HEADER "quanpiao/entry/v1"
#define QP_ENTRY_MAX_SIZE (64u * 1024u) /* whole signed note */

/* A parsed entry.  Strings point into json; all owned by the entry. */
typedef struct qp_entry {
	qp_note *note;      /* the parsed note (signature not verified) */
	cJSON *json;        /* the whole JSON line                      */
	const char *type;   /* "cert.issue"                             */
	const char *signer; /* key name                                 */
	const char *origin;
	const char *time; /* "2026-11-28T10:00:00Z"                 */
	int64_t unix_time;
	const cJSON *body; /* an object                                */
	uint32_t key_id;   /* from the signature line                  */
} qp_entry;

/*
 * Parse a signed entry note strictly (shape, canonical JSON, known type,
 * one signature by the named signer).  Does not verify the signature.
 * QP_EINVALID with the rule broken.  *out owns the entry.
 */
int qp_entry_parse(qp_entry **out, const char *note, size_t note_len);

void qp_entry_free(qp_entry *entry);

/*
 * Build the note text of an entry (both lines, final newline) from its
 * parts; body must be a JSON object.  *out is qp_malloc'd.
 */
int qp_entry_text(char **out, size_t *out_len, const char *origin, const char *type, const char *signer,
		  const char *time, const cJSON *body);

/* The role that may sign entries of type, or NULL if the type is unknown. */
const char *qp_entry_role(const char *type);

/* Nonzero if type is an entry type of docs/design.md §3. */
int qp_entry_type_known(const char *type);

#endif
