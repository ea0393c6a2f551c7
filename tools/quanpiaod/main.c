/*
 * main.c - quanpiaod: serve a registry over HTTP (docs/design.md §4).
 *
 *   quanpiaod --db PATH --listen ADDRESS:PORT --log-key FILE [--threads N]
 *             [--max-body BYTES] [--max-header BYTES] [--max-connections N]
 *             [--timeout SECONDS] [--max-batch N] [--passphrase-file FILE]
 *             [--max-per-address N] [--header-timeout SECONDS] [--verify-page FILE]
 *
 * Prints "quanpiaod: listening on http://ADDRESS:PORT" on stdout once it
 * accepts connections (port 0 picks a free port, so tests read it there).
 * SIGTERM or SIGINT: stop accepting, finish the requests in progress and
 * commit the writes in flight, then exit 0.  The log key's passphrase
 * comes from --passphrase-file or QUANPIAO_PASSPHRASE (a service has no
 * terminal to ask on); it is kept in sodium_malloc memory and wiped.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "server.h"

#define PASS_MAX 1024

static void usage(FILE *f)
{
	fputs(
	    "usage: quanpiaod --db PATH --listen ADDRESS:PORT --log-key FILE [options]\n\n"
	    "Serve a quanpiao registry over HTTP: signed entries are appended with group commit,\n"
	    "reads run in parallel.  See docs/service.md.\n\n"
	    "Options:\n"
	    "  --db PATH                the registry file (QUANPIAO_DB)\n"
	    "  --listen ADDRESS:PORT    numeric address and port, e.g. 127.0.0.1:8080 or [::1]:8080;\n"
	    "                           port 0 picks a free one (printed on stdout)\n"
	    "  --log-key FILE           the registry's log key (signs checkpoints)\n"
	    "  --passphrase-file FILE   the log key's passphrase (or QUANPIAO_PASSPHRASE)\n"
	    "  --threads N              request threads, each with its own read connection (default: cores)\n"
	    "  --max-body BYTES         largest request body (default 65536)\n"
	    "  --max-header BYTES       memory for a request's line and headers (default 16384)\n"
	    "  --max-connections N      open connections at once (default 1024)\n"
	    "  --max-per-address N      open connections from one client address at once (default 256)\n"
	    "  --header-timeout SECONDS a request line and headers must arrive within this long (default "
	    "10)\n"
	    "  --timeout SECONDS        drop a connection idle this long (default 15)\n"
	    "  --max-batch N            entries per group commit (default 1024)\n"
	    "  --drain SECONDS          on SIGTERM, wait this long for requests in progress (default 30)\n"
	    "  --verify-page FILE       serve FILE (a page web/mkverify made) at /verify\n"
	    "  --help                   this help\n\n"
	    "Exit status: 0 after a clean shutdown, 2 usage, 4 log key refused, 10 I/O or internal error.\n",
	    f);
}

static int parse_uint(const char *opt, const char *text, unsigned long long min, unsigned long long max,
		      unsigned long long *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = (text[0] >= '0' && text[0] <= '9') ? strtoull(text, &end, 10) : 0;
	if (end == NULL || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "quanpiaod: %s: \"%s\" is not a whole number from %llu to %llu\n", opt, text,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Read the passphrase (first line) into sodium memory; NULL with a message on failure. */
static char *passphrase(const char *file, int *code)
{
	char *pass = sodium_malloc(PASS_MAX);
	const char *env = getenv("QUANPIAO_PASSPHRASE");
	if (pass == NULL)
		return NULL;
	if (file) {
		/* Checked as a key file is: readable by group or others is refused (exit 4). */
		if (qp_passphrase_file_read(pass, PASS_MAX, file) != QP_OK) {
			fprintf(stderr, "quanpiaod: --passphrase-file: %s\n", qp_error_last()->message);
			*code = qp_error_last()->code == QP_EPERM ? 4
				: qp_error_last()->code == QP_EIO ? 10
								  : 2;
			sodium_free(pass);
			return NULL;
		}
	} else if (env) {
		snprintf(pass, PASS_MAX, "%s", env);
	} else {
		pass[0] = '\0';
	}
	return pass;
}

static int load_log_key(const char *path, const char *pass_file, qp_key **out)
{
	int encrypted = 0, err;
	int code = 10;
	char *pass = NULL;
	if ((err = qp_key_file_encrypted(&encrypted, path)) != QP_OK)
		goto fail;
	if (encrypted) {
		if ((pass = passphrase(pass_file, &code)) == NULL)
			return code;
		if (pass[0] == '\0') {
			fprintf(stderr,
				"quanpiaod: %s is encrypted: give --passphrase-file or QUANPIAO_PASSPHRASE\n",
				path);
			sodium_free(pass);
			return 2;
		}
	}
	err = qp_key_load(out, path, pass);
	if (pass)
		sodium_free(pass);
	if (err == QP_OK)
		return 0;
fail:
	fprintf(stderr, "quanpiaod: %s\n", qp_error_last()->message);
	return err == QP_EPERM ? 4 : err == QP_EINVALID || err == QP_ENOTFOUND ? 2 : 10;
}

/* Take option a with value v: 0 done, 1 unknown, -1 bad or missing value (reported). */
static int set_option(qpd_config *cfg, const char *a, const char *v)
{
	static const struct {
		const char *name;
		unsigned long long min, max;
	} numeric[] = {
	    {"--threads", 1, 256},
	    {"--max-body", 1024, QP_NOTE_MAX_SIZE + 65536},
	    {"--max-header", 4096, 1 << 20},
	    {"--max-connections", 1, 60000},
	    {"--timeout", 1, 3600},
	    {"--max-batch", 1, 100000},
	    {"--drain", 0, 3600},
	    {"--max-per-address", 1, 60000},
	    {"--header-timeout", 1, 3600},
	};
	const char **text = strcmp(a, "--db") == 0		  ? &cfg->db_path
			    : strcmp(a, "--listen") == 0	  ? &cfg->listen
			    : strcmp(a, "--log-key") == 0	  ? &cfg->log_key_path
			    : strcmp(a, "--passphrase-file") == 0 ? &cfg->passphrase_file
			    : strcmp(a, "--verify-page") == 0	  ? &cfg->verify_page
								  : NULL;
	size_t k = 0, nnum = sizeof(numeric) / sizeof(numeric[0]);
	while (text == NULL && k < nnum && strcmp(a, numeric[k].name) != 0)
		k++;
	if (text == NULL && k == nnum)
		return 1;
	if (v == NULL) {
		fprintf(stderr, "quanpiaod: option %s needs a value\n", a);
		return -1;
	}
	if (text) {
		*text = v;
		return 0;
	}
	unsigned long long n;
	if (parse_uint(a, v, numeric[k].min, numeric[k].max, &n) != 0)
		return -1;
	switch (k) {
	case 0: cfg->threads = (unsigned)n; break;
	case 1: cfg->max_body = (size_t)n; break;
	case 2: cfg->max_header = (size_t)n; break;
	case 3: cfg->max_connections = (unsigned)n; break;
	case 4: cfg->timeout = (unsigned)n; break;
	case 5: cfg->max_batch = (unsigned)n; break;
	case 6: cfg->drain_seconds = (unsigned)n; break;
	case 7: cfg->max_per_address = (unsigned)n; break;
	default: cfg->header_timeout = (unsigned)n; break;
	}
	return 0;
}

/* Read the verifier page (at most 1 MiB) for /verify; 0, or the exit status. */
static int load_verify_page(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "quanpiaod: --verify-page %s: %s\n", path, strerror(errno));
		return 2;
	}
	size_t cap = 1u << 20;
	char *page = malloc(cap + 1);
	size_t len = page ? fread(page, 1, cap + 1, f) : 0;
	int bad = page == NULL || ferror(f);
	fclose(f);
	if (bad || len == 0 || len > cap) {
		fprintf(stderr, "quanpiaod: --verify-page %s: %s\n", path,
			page == NULL ? "out of memory"
			: bad	     ? "cannot read it"
			: len == 0   ? "the file is empty"
				     : "more than 1 MiB: not a verifier page");
		free(page);
		return page == NULL || bad ? 10 : 2;
	}
	qpd_set_verify_page(page, len);
	return 0;
}

int main(int argc, char **argv)
{
	int rc;
	qpd_config cfg = {
	    .db_path = getenv("QUANPIAO_DB"),
	    .threads = 0,
	    .max_body = 65536,
	    .max_header = 16384,
	    .max_connections = 1024,
	    .max_per_address = 256,
	    .header_timeout = 10,
	    .timeout = 15,
	    .max_batch = 1024,
	    .drain_seconds = 30,
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		int r = set_option(&cfg, a, i + 1 < argc ? argv[i + 1] : NULL);
		if (r == 1)
			fprintf(stderr, "quanpiaod: unknown option %s (see quanpiaod --help)\n", a);
		if (r != 0)
			return 2;
		i++;
	}
	if (cfg.db_path == NULL || cfg.listen == NULL || cfg.log_key_path == NULL) {
		fputs("quanpiaod: --db, --listen and --log-key are needed\n", stderr);
		usage(stderr);
		return 2;
	}
	if (cfg.threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		cfg.threads = cores > 0 && cores < 256 ? (unsigned)cores : 2;
	}
	qpd_auth_start();
	if (sodium_init() < 0) {
		fputs("quanpiaod: libsodium failed to initialise\n", stderr);
		return 10;
	}
	if (cfg.verify_page && (rc = load_verify_page(cfg.verify_page)) != 0)
		return rc;

	/*
	 * The signals are taken by sigwait in this thread alone: block them
	 * before any thread starts, so every thread inherits the mask.  A
	 * client that goes away must not kill the service with SIGPIPE.
	 */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	qp_key *log_key = NULL;
	qpd_writer *writer = NULL;
	qpd_server *srv = NULL;
	int err;
	if ((rc = load_log_key(cfg.log_key_path, cfg.passphrase_file, &log_key)) != 0)
		return rc;
	if ((err = qpd_writer_start(&writer, cfg.db_path, log_key, cfg.max_batch)) != QP_OK) {
		fprintf(stderr, "quanpiaod: %s\n", qp_error_last()->message);
		qp_key_free(log_key);
		return err == QP_EPERM ? 4 : err == QP_ENOTFOUND ? 2 : 10;
	}
	qpd_reader_init(cfg.db_path);
	qpd_auth_ready();
	if (qpd_server_start(&srv, &cfg, writer) != 0) {
		qpd_writer_free(writer);
		qp_key_free(log_key);
		return 10;
	}
	printf("quanpiaod: listening on %s\n", qpd_server_address(srv));
	fflush(stdout);

	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	fprintf(stderr, "quanpiaod: %s: finishing the requests in progress\n",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	qpd_server_drain(srv);
	if (qpd_server_wait_idle(srv, cfg.drain_seconds) != 0)
		fputs("quanpiaod: requests still in progress after the drain time; closing them\n", stderr);
	/* Every queued write is committed (and its request resumed) before the writer ends. */
	qpd_writer_stop(writer);
	/* The answers of the last writes may still be on their way out. */
	(void)qpd_server_wait_idle(srv, 2);
	qpd_server_stop(srv);
	/* Only now: a request read to its end after the writer stopped still submits (and gets 503). */
	qpd_writer_free(writer);
	qp_key_free(log_key);
	fputs("quanpiaod: stopped\n", stderr);
	return 0;
}
