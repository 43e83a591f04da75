/* serve/listeners.h - internal: the HTTP threads' listening sockets (one per
 * thread, all on one port) and the CPU each thread keeps to. */
#ifndef HS_SERVE_LISTENERS_H
#define HS_SERVE_LISTENERS_H

#include "hashsweep/serve.h"
#include "serve/http.h"

#define LISTENERS_MAX SERVE_MAX_THREADS

typedef struct http_listeners {
  unsigned n;
  int fd[LISTENERS_MAX];
  int cpu[LISTENERS_MAX]; /* the CPU thread i keeps to; -1: any */
  int port;               /* the port bound (the one asked, or a free one for 0) */
} http_listeners;

/* Whether the HTTP threads keep to CPUs: `mode` (hs_serve_affinity), an
 * address on loopback, how many CPUs this process may run on, and whether
 * the kernel steers by CPU (Linux 6.1 and later). */
int listeners_pinned(int mode, const http_addr *a);

/* Binds n listening sockets to the address, each with SO_REUSEPORT: the
 * kernel spreads new connections over them. With `pinned`, listener i
 * takes the connections whose packets CPU cpu[i] receives (SO_INCOMING_CPU)
 * and thread i is to run on that CPU. A port another socket already
 * listens on is refused (SO_REUSEPORT alone would share it). On failure
 * the error names the address (`shown`) and the cause. */
hs_status listeners_open(const http_addr *a, const char *shown, unsigned n, int pinned,
                         http_listeners *l);
/* Closes those still open (fd >= 0). */
void listeners_close(http_listeners *l);

#endif
