/*
 * migrations.h - the schema migrations embedded at build time (private).
 * The table is generated from migrations/NNNN_name.sql by embed.py.
 */
#ifndef QP_SRC_MIGRATIONS_H
#define QP_SRC_MIGRATIONS_H

#include <stddef.h>

typedef struct qp_migration {
	int version;	  /* 1, 2, 3 ... in order, no gaps */
	const char *name; /* "0001_registry"               */
	const char *sql;  /* the file's text, NUL-terminated */
	size_t sql_len;
} qp_migration;

extern const qp_migration qp_migrations[];
extern const int qp_migrations_count;

#endif
