/*
 * qp_slowclient - hostile slow clients against quanpiaod, and the answers
 * one other client gets meanwhile (tests/cli/test_service_slow.sh; issue 22).
 *
 *   qp_slowclient PORT SLOW GOOD
 *
 * SLOW sockets from 127.0.0.1 send a request line and then trickle header
 * bytes, one every 200 ms per socket, and come back when the service closes
 * them.  After 2 s, GOOD requests (GET /checkpoint, each on a new
 * connection) are sent from 127.0.0.2 one after another, 20 ms apart, each
 * waited for at most 5 s.  Prints one line:
 *
 *   held H refused R deadline D good G/N p50 X ms p99 Y ms max Z ms
 *
 * H: slow sockets open for more than 1 s at the end of the first 2 s; R: slow sockets closed
 * within 1 s of opening (the per-address bound); D: slow sockets closed
 * after more than 1 s (the header deadline); G of N good requests answered
 * 200.  Exit status 0 when it ran (the test judges the figures), 2 usage
 * or setup failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;
static atomic_int stop;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A socket from address from to 127.0.0.1:port; nonblocking when asked. */
static int dial(const char *from, int nonblock)
{
	struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	inet_pton(AF_INET, from, &src.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	dst.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

typedef struct slow {
	int fd;
	double opened;
	int sent; /* bytes of the request line sent */
} slow;

static int nslow, held, refused, deadline;

static void *attack(void *arg)
{
	(void)arg;
	static const char line[] = "GET /checkpoint HTTP/1.1\r\nHost: x\r\n";
	slow *s = calloc((size_t)nslow, sizeof(*s));
	double start = now(), last = 0;
	int counted = 0;
	for (int i = 0; i < nslow; i++) {
		s[i].fd = dial("127.0.0.1", 1);
		s[i].opened = now();
	}
	while (!atomic_load(&stop)) {
		double t = now();
		if (!counted && t - start > 2.0) {
			for (int i = 0; i < nslow; i++)
				held += s[i].fd >= 0 && t - s[i].opened > 1.0;
			counted = 1;
		}
		int tick = t - last >= 0.2;
		if (tick)
			last = t;
		for (int i = 0; i < nslow; i++) {
			char buf[512];
			if (s[i].fd < 0) {
				if (tick && (s[i].fd = dial("127.0.0.1", 1)) >= 0) {
					s[i].opened = t;
					s[i].sent = 0;
				}
				continue;
			}
			ssize_t n = recv(s[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			int gone =
			    n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN);
			if (!gone && tick) {
				/* The request line at once, then one header byte a tick: never a whole
				 * request. */
				const char *what = s[i].sent < (int)sizeof(line) - 1 ? line + s[i].sent : "x";
				size_t len = s[i].sent < (int)sizeof(line) - 1 ? strlen(what) : 1;
				ssize_t w = send(s[i].fd, what, len, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (w > 0)
					s[i].sent += (int)w;
				else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
					 errno != ENOTCONN)
					gone = 1;
			}
			if (gone) {
				if (t - s[i].opened <= 1.0)
					refused++;
				else
					deadline++;
				close(s[i].fd);
				s[i].fd = -1;
			}
		}
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	for (int i = 0; i < nslow; i++)
		if (s[i].fd >= 0)
			close(s[i].fd);
	free(s);
	return NULL;
}

/* One GET /checkpoint from 127.0.0.2 on a new connection: 1 if answered 200; its latency in *ms. */
static int good_request(double *ms)
{
	static const char req[] = "GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	double t0 = now();
	char buf[4096];
	size_t got = 0;
	int ok = 0, fd = dial("127.0.0.2", 0);
	if (fd >= 0) {
		struct timeval tv = {5, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(req) - 1) {
			ssize_t n;
			while (got < sizeof(buf) - 1 &&
			       (n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
				got += (size_t)n;
			buf[got] = '\0';
			ok = strncmp(buf, "HTTP/1.1 200", 12) == 0;
		}
		close(fd);
	}
	*ms = (now() - t0) * 1000.0;
	return ok;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (port = atoi(argv[1])) <= 0 || (nslow = atoi(argv[2])) < 0 || atoi(argv[3]) <= 0) {
		fputs("usage: qp_slowclient PORT SLOW GOOD\n", stderr);
		return 2;
	}
	int ngood = atoi(argv[3]), ok = 0;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nslow + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)nslow + 64 ? rl.rlim_max : (rlim_t)nslow + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pthread_t th;
	if (pthread_create(&th, NULL, attack, NULL) != 0)
		return 2;
	nanosleep(&(struct timespec){2, 100 * 1000 * 1000}, NULL);
	double *lat = calloc((size_t)ngood, sizeof(*lat));
	/* A service that stalls fails in bounded time: after 30 s the rest count as 5 s and failed. */
	double budget = now() + 30.0;
	for (int i = 0; i < ngood; i++) {
		if (now() > budget) {
			lat[i] = 5000.0;
			continue;
		}
		ok += good_request(&lat[i]);
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	qsort(lat, (size_t)ngood, sizeof(*lat), cmp);
	size_t p99 = (size_t)((double)ngood * 0.99);
	if (p99 >= (size_t)ngood)
		p99 = (size_t)ngood - 1;
	printf("held %d refused %d deadline %d good %d/%d p50 %.1f ms p99 %.1f ms max %.1f ms\n", held,
	       refused, deadline, ok, ngood, lat[ngood / 2], lat[p99], lat[ngood - 1]);
	free(lat);
	return 0;
}
