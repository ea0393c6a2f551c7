/*
 * legacy_gen - a realistic legacy export, as the county's old land-ticket
 * system writes one, for the import and audit benches (and for tests that
 * want many good rows to mix their defects into).
 *
 * A household's homestead yields one to five tickets over the years: a
 * withdrawn homestead (宅基地退出) pieces of guarantee and, once reclaimed,
 * land tickets (地票) on the same unit; a dilapidated house (危旧房权益保全)
 * pieces of retention; reclaimed land (复垦) land tickets only.  About a
 * third of the tickets were used (已使用: the import redeems them) or
 * cancelled (已注销: revoked), so most entries an import makes are
 * certificate entries: about 2.55 entries per row (ENTRIES_PER_ROW).
 *
 * Every row is good under docs/import.md: three date spellings, area
 * suffixes, quoted notes with commas and quotes, the homestead's land area
 * (宅基地面积) large enough for the per-home cap, and an extra column.
 * Deterministic: the same seed writes the same file.
 */
#ifndef QP_BENCH_LEGACY_GEN_H
#define QP_BENCH_LEGACY_GEN_H

#include <stdint.h>
#include <stdio.h>

/* Entries an import makes per row of this mix, near enough to size a registry by. */
#define QP_LEGACY_ENTRIES_PER_ROW 2.55

/* One row, each field as the export spells it (CSV quoting left to the writer). */
typedef struct qp_legacy_row {
	char legacy_no[24], type[24], holder_name[32], holder_id[24], village[16], unit[32];
	char area[40], issued_on[32], valid_until[32], status[16], note[128], land_area[40];
	char archive_no[24]; /* the extra column 原档案号 */
} qp_legacy_row;

typedef struct qp_legacy_gen {
	uint32_t x;    /* the random state */
	uint64_t row;  /* rows made */
	uint64_t home; /* households (one homestead each) begun */
	int year_now;  /* issue dates lie before it */
	/* The household under way: its kind, tickets left, and the areas of each kind issued. */
	int group, left;
	unsigned land_area, piece;
} qp_legacy_gen;

/* The header row (with its line end). */
extern const char qp_legacy_header[];

void qp_legacy_gen_init(qp_legacy_gen *g, uint32_t seed);
/* The next row. */
void qp_legacy_gen_next(qp_legacy_gen *g, qp_legacy_row *r);
/* Write r as a CSV line (fields quoted where they need it); 0, or -1 on a write error. */
int qp_legacy_csv_row(FILE *f, const qp_legacy_row *r);
/* Write a whole export of rows rows to path; 0, or -1 (errno set). */
int qp_legacy_write_file(const char *path, uint64_t rows, uint32_t seed);

#endif
