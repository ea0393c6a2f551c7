/* version.c - the library version. */
#include "quanpiao/version.h"

const char *qp_version(void)
{
	return QP_VERSION_STRING;
}
