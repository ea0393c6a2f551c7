/*
 * server.h - the HTTP side of quanpiaod (server.c).
 */
#ifndef QPD_SERVER_H
#define QPD_SERVER_H

#include "service.h"

typedef struct qpd_server qpd_server;

/*
 * Listen on cfg->listen and serve, handing writes to writer (borrowed).
 * Returns 0, or -1 after printing why.  cfg must outlive the server.
 */
int qpd_server_start(qpd_server **out, const qpd_config *cfg, qpd_writer *writer);

/* "http://127.0.0.1:8080": the address bound (with the port chosen for port 0). */
const char *qpd_server_address(const qpd_server *srv);

/* Stop accepting connections; new requests on open ones get 503. */
void qpd_server_drain(qpd_server *srv);

/* Wait until no request is in progress; -1 if seconds passed first. */
int qpd_server_wait_idle(qpd_server *srv, double seconds);

/* Close every connection and stop the threads.  NULL is fine. */
void qpd_server_stop(qpd_server *srv);

#endif
