/*
 * file.c - writing a whole file so that it is either absent or complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "file.h"

/* Sync the directory that holds path, so that a new name in it survives a crash. */
static int sync_dir(const char *path)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return EINVAL;
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int e = fsync(fd) != 0 && errno != EINVAL ? errno : 0; /* some file systems cannot sync a directory */
	close(fd);
	return e;
}

/* Put tmp in place as path: a new name (never replacing one) or a rename. */
static int place(const char *tmp, const char *path, unsigned flags)
{
	if (!(flags & QP_FILE_NEW))
		return rename(tmp, path) == 0 ? 0 : errno;
	if (link(tmp, path) == 0)
		return 0;
	/* A file system without hard links: rename, after a look (no longer atomic). */
	if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK)
		return errno;
	struct stat sb;
	if (lstat(path, &sb) == 0)
		return EEXIST;
	return rename(tmp, path) == 0 ? 0 : errno;
}

int qp_file_write(const char *path, const void *data, size_t len, mode_t mode, unsigned flags)
{
	char tmp[4200];
	const char *doing = "write";
	const unsigned char *p = data;
	struct stat sb;
	int fd, e = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= sizeof(tmp))
		return qp_error_set(QP_EINVALID, "%s: the path is too long", path);
	if ((flags & QP_FILE_NEW) && lstat(path, &sb) == 0)
		return qp_error_set(QP_ECONFLICT, "%s already exists", path);
	unlink(tmp); /* one left by a crash of a process with this number */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  (flags & QP_FILE_PRIVATE) ? 0600 : mode);
	if (fd < 0)
		return qp_error_set(QP_EIO, "cannot create %s: %s", path, strerror(errno));
	if ((flags & QP_FILE_PRIVATE) && fchmod(fd, 0600) != 0) {
		doing = "set the mode of";
		goto fail;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if ((flags & QP_FILE_SYNC) && fsync(fd) != 0) {
		doing = "sync";
		goto fail;
	}
	e = close(fd) != 0 ? errno : 0;
	fd = -1;
	if (e != 0) {
		errno = e;
		doing = "close";
		goto fail;
	}
	if ((e = place(tmp, path, flags)) != 0) {
		unlink(tmp);
		if (e == EEXIST && (flags & QP_FILE_NEW))
			return qp_error_set(QP_ECONFLICT, "%s already exists", path);
		return qp_error_set(QP_EIO, "cannot write %s: %s", path, strerror(e));
	}
	if (flags & QP_FILE_NEW)
		unlink(tmp);
	if ((flags & QP_FILE_SYNC) && (e = sync_dir(path)) != 0)
		return qp_error_set(QP_EIO, "cannot sync the directory of %s: %s", path, strerror(e));
	return QP_OK;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return qp_error_set(QP_EIO, "cannot %s %s: %s", doing, path, strerror(e));
}
