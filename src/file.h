/*
 * file.h - writing a whole file so that it is either absent or complete
 * (private).
 */
#ifndef QP_SRC_FILE_H
#define QP_SRC_FILE_H

#include <stddef.h>
#include <sys/types.h>

enum {
	QP_FILE_NEW = 1u << 0,	   /* path must not exist: QP_ECONFLICT if it does, never replaced */
	QP_FILE_SYNC = 1u << 1,	   /* the data and the directory entry reach the disk before return */
	QP_FILE_PRIVATE = 1u << 2, /* mode 0600 whatever the umask (mode is then ignored) */
};

/*
 * Write data to path by way of a temporary file beside it ("PATH.tmpPID"),
 * made with mode (less the umask), then linked (QP_FILE_NEW) or renamed
 * into place: a crash or an error leaves path as it was and no temporary
 * file.  QP_EIO naming the file and the system's reason; QP_ECONFLICT when
 * QP_FILE_NEW finds path taken.
 */
int qp_file_write(const char *path, const void *data, size_t len, mode_t mode, unsigned flags);

#endif
