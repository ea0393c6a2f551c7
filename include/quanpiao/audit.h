/*
 * quanpiao/audit.h - proving that nothing in a registry was altered.
 *
 * The audit replays the log, entry by entry, through the registry's rules
 * into a fresh registry, verifying every signature on all cores, and then
 * compares everything the registry stores with the replay: the entries,
 * the Merkle tree, every state table row by row, and every checkpoint
 * (signature, root, consistency with the one before).  The personal data
 * kept beside the log (quanpiao/personal.h) is checked against what the
 * log commits to: each row's values by their rules and against its
 * commitment, the data of each household present unless it was erased.
 * Rebuild is the same replay, kept as a new registry file, with the
 * personal data carried over from the old one.
 */
#ifndef QUANPIAO_AUDIT_H
#define QUANPIAO_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qp_audit_options {
	int jobs;             /* threads verifying signatures, the replay's among them; 0: one per core */
	const char *keep_dir; /* keep the replay and the newest checkpoint here, or NULL */
	const char *since;    /* incremental: a trusted checkpoint file in a directory kept by
				 an earlier audit (its replay.db beside it), or NULL for a full audit */
	/* Called now and then with entries done and the total; may be NULL. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	/* Called for each problem: where ("entry 17", "homes row ...") and what. */
	void (*problem)(void *ctx, const char *where, const char *what);
	void *ctx;
	/*
	 * An anchor: a checkpoint the auditor trusts, kept off this registry
	 * (a witness state directory, the checkpoint an earlier --keep saved,
	 * or a checkpoint note file; a directory means DIR/checkpoint), or
	 * NULL.  It must be a checkpoint of this registry's origin signed by
	 * one of its log keys (else QP_EINVALID, QP_ENOTFOUND if unreadable);
	 * the audit then proves the log extends it: at least its size, and the
	 * root of the log's first entries, hashed from the entries themselves,
	 * equal to its root.  A log that does not is a problem.  --since's
	 * checkpoint is checked the same way, before anything new is read.
	 */
	const char *trust;
} qp_audit_options;

typedef struct qp_audit_result {
	uint64_t entries;     /* entries checked (new ones only when incremental) */
	uint64_t from;        /* first entry checked */
	uint64_t checkpoints; /* checkpoints checked */
	uint64_t problems;    /* problems reported */
	uint64_t derived;     /* of them, in what is derived from the log's entries (state
				 tables, the tree, the columns stored beside each note): a
				 rebuild from the log repairs these; the others are in the
				 log itself (entries, signatures, checkpoints) */
	uint64_t signatures;  /* signatures verified */
	uint64_t personal;    /* of the problems, in the personal-data tables beside the log (a
				 value that fails its rules or its commitment, data missing or
				 not erased): neither the log nor a rebuild has these values, only
				 a backup of the file does */
	uint64_t personal_rows; /* personal-data rows checked (household heads and investors) */
	int no_personal_data;	/* the registry holds none by design (a --server client's mirror) */
	/*
	 * The access record beside the log (who read personal data): its rows
	 * checked, and the rows the largest checkpoint that checks commits to;
	 * the rows after them no signed checkpoint covers.  access: of the
	 * problems, in the access record (only a backup of the file restores it).
	 */
	uint64_t access_rows;
	uint64_t access_covered;
	uint64_t access;
	/* How much of the log a signature covers (docs/audit.md). */
	uint64_t log_size; /* entries in the log audited */
	uint64_t covered;  /* size of the largest stored checkpoint that checks (signature, root); the
			      entries after it no signed checkpoint covers */
	int anchored;	   /* an anchor (--trust, or --since's checkpoint) was given and checked */
	int anchor_ok;	   /* ... and the log extends it */
	uint64_t anchor_size;
	unsigned char anchor_root[32];
	char anchor_cosigners[512];   /* the enrolled auditors whose cosignatures on the anchor
					 verify, comma-separated (a line in an enrolled auditor's
					 name that does not verify refuses the anchor: QP_EPERM) */
	unsigned anchor_unknown_sigs; /* its other signature lines, by keys the registry does not
					 enrol (not checked) */
} qp_audit_result;

/*
 * Audit the registry.  Returns QP_OK if nothing is wrong, QP_EVERIFY if
 * problems were found (each reported through opt->problem), or another
 * code if the audit itself could not run (QP_EIO, QP_ENOMEM, QP_EINVALID
 * for a bad --since file, QP_ENOTFOUND when the kept replay is missing).
 */
QP_API int qp_audit(qp_audit_result *out, qp_registry *reg, const qp_audit_options *opt);

/*
 * Rebuild the registry from its log alone into a new file at out_path
 * (which must not exist): every entry checked and applied again, the
 * checkpoints copied once their roots are confirmed.  live_hash and
 * rebuilt_hash (65 bytes each, hex) get the SHA-256 content hashes of the
 * state tables of both; they are equal when the live state is what the
 * log says.  res (may be NULL) gets the counts of the audit the rebuild
 * is, problems and derived among them: when all problems are derived, the
 * log is intact and the rebuilt file is the registry repaired.
 *
 * The personal-data tables are not in the log: they are carried over from
 * reg's file row for row, whatever they hold, so that nothing is lost,
 * and each row is checked against the rebuilt registry's commitments as
 * the audit checks it.  A row that fails (res->personal), or that the
 * rebuilt file cannot take (an ID number held twice), is a problem: the
 * rebuild then returns QP_EVERIFY, though the file is written.
 *
 * Returns QP_OK, QP_EVERIFY if anything disagreed (with the first problem
 * as the message), or another error.
 */
QP_API int qp_registry_rebuild(char *live_hash, char *rebuilt_hash, qp_audit_result *res, qp_registry *reg,
			       const char *out_path);

/* The SHA-256 content hash (hex, 65 bytes) of the registry's state tables. */
QP_API int qp_registry_state_hash(char *out, qp_registry *reg);

#ifdef __cplusplus
}
#endif

#endif
