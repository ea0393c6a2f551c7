/*
 * entry.h - log entries: their text, parsing and the type table (private).
 *
 * An entry is a signed note whose text is exactly two lines:
 *     quanpiao/entry/v2
 *     {"body":{...},"log":{"root":"...","size":N},"origin":"...","signer":"...","time":"...","type":"..."}
 * The JSON is canonical (canon.h) and has exactly those six members; "log"
 * is the state of this log (tree size, base64 root hash) its signer had
 * seen (docs/format.md).  The note carries exactly one signature, by the
 * key named in "signer".
 */
#ifndef QP_SRC_ENTRY_H
#define QP_SRC_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "quanpiao/note.h"
#include "quanpiao/tiles.h"

#define QP_ENTRY_HEADER "quanpiao/entry/v2"
/* The header of the format before v2: refused with a message that names it. */
#define QP_ENTRY_HEADER_V1 "quanpiao/entry/v1"
#define QP_ENTRY_MAX_SIZE QP_TILE_ENTRY_MAX /* whole signed note: an entry bundle gives it 16 bits */

/* A state of the log: its size and the RFC 6962 root hash of its first size entries. */
typedef struct qp_log_state {
	uint64_t size;
	unsigned char root[32];
} qp_log_state;

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
	qp_log_state log;  /* the log state it names                   */
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
 * Parse an entry body given as JSON text (callers of the public API write
 * bodies so): *out is a cJSON object to cJSON_Delete, or QP_EINVALID ("entry
 * body must be a JSON object") or QP_ENOMEM.
 */
int qp_entry_body_parse(cJSON **out, const char *body_json);

/*
 * Build the note text of an entry (both lines, final newline) from its
 * parts; body must be a JSON object, log the state the entry names.
 * *out is qp_malloc'd.
 */
int qp_entry_text(char **out, size_t *out_len, const char *origin, const char *type, const char *signer,
		  const char *time, const qp_log_state *log, const cJSON *body);

/* The role that may sign entries of type, or NULL if the type is unknown. */
const char *qp_entry_role(const char *type);

/* Nonzero if type is an entry type of docs/design.md §3. */
int qp_entry_type_known(const char *type);

#endif
