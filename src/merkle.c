/* merkle.c - placeholder until the module lands. */
typedef int qp_placeholder_merkle;
