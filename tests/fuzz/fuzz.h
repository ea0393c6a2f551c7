/*
 * fuzz.h - what the fuzz targets share: the libFuzzer entry point and a
 * fixed registry fixture (keys from fixed seeds, a fixed clock, a small
 * state of villages, households, homes and certificates), so that a seed
 * written by mkseeds is exactly as valid when a target reads it back.
 *
 * Each target (fuzz_<name>.c) defines LLVMFuzzerTestOneInput.  It is
 * linked either with libFuzzer (-fsanitize=fuzzer, the fuzzing option) or
 * with replay.c, a main that feeds it every file of a corpus directory;
 * the replay programs are ordinary tests.
 */
#ifndef QP_FUZZ_H
#define QP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/quanpiao.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ORIGIN "zhuji.example/quanpiao"
#define FZ_T0	  1795000000 /* 2026-11-18T...Z: the clock of every target */

/* The fixture's identifiers (valid check characters, one county). */
#define FZ_V1	      "330681101201"
#define FZ_V2	      "330681102203"
#define FZ_H1	      "330681197001010016"
#define FZ_H2	      "330681197001010024"
#define FZ_H3	      "330681197001010032"
#define FZ_H4	      "330681197001010040"
#define FZ_H5	      "330681195505050047"	     /* V2, no home */
#define FZ_U_WD	      "330681001002JC00001F00010001" /* H1, withdrawn, 120.00 */
#define FZ_U_DM	      "330681001002JC00002F00010001" /* H2, demolished, 100.00 */
#define FZ_U_RC	      "330681001002JC00003F00010001" /* H2, reclaimed, 300.00 */
#define FZ_U_IU	      "330681001002JC00004F00010001" /* H3 (V2), in use */
#define FZ_U_ID	      "330681001002JC00005F00010001" /* H4, idle */
#define FZ_ENTERPRISE "91350100M000100Y43"

/* The fixture's keys, made once from fixed seeds (never freed). */
typedef struct fz_keys {
	qp_key *authority; /* seed 0x01, "330681.authority" */
	qp_key *log;	   /* seed 0x02, FZ_ORIGIN          */
	qp_key *officer;   /* seed 0x03, "330681.officer.li" */
	qp_key *auditor;   /* seed 0x04, "330681.auditor.wang" */
} fz_keys;

/* sodium_init, the fixed clock, and the keys.  Aborts if anything fails. */
const fz_keys *fz_init(void);

/* The verifier-key string of key (malloc'd; free with free()). */
char *fz_vkey(const qp_key *key);

/*
 * Create the fixture registry at path (which must not exist): genesis,
 * the officer and the auditor enrolled, two villages, five households,
 * five homes in various states, certificates of each kind (one of them
 * transferred in part) and a checkpoint cosigned by the auditor.  *out
 * owns the open registry.  Aborts on failure.
 */
qp_registry *fz_registry_create(const char *path);

/*
 * The fixture registry shared by the targets that append: made once in a
 * scratch directory (removed at exit) and put back as it was first made
 * by every call.  Returns the open registry (owned here; valid until the
 * next call).
 */
qp_registry *fz_registry_reset(void);

/* The shared registry's file (for a second connection to it, as a reader). */
const char *fz_registry_path(void);

/* The shared registry's scratch directory (for the targets' own files). */
const char *fz_scratch_dir(void);

/* A fresh scratch directory (under $TMPDIR, else /dev/shm or /tmp); malloc'd path. */
char *fz_tmpdir(void);

/* Remove dir and the files in it (one level). */
void fz_rmdir(const char *dir);

/*
 * Nonzero if $QP_FUZZ_KNOWN (a comma-separated list) names bug: the
 * target then skips the check that a reported, not yet fixed library bug
 * fails, so that fuzzing can go on past it.  Unset in the test suite.
 */
int fz_known(const char *bug);

/* Abort with a message if err is not QP_OK. */
void fz_check(int err, const char *what);

#endif
