/* serve/http.h - internal: the libmicrohttpd daemon (serve/http.c). */
#ifndef HS_SERVE_HTTP_H
#define HS_SERVE_HTTP_H

#include <netinet/in.h>

#include "serve/server.h"

/* The HTTP threads: one libmicrohttpd daemon each, on its own listening
 * socket (serve/listeners.h). */
typedef struct http_server http_server;

typedef struct http_addr {
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
  int ipv6;
  int loopback;
} http_addr;

/* "127.0.0.1:8080", "[::1]:0", "localhost:8080", "0.0.0.0:80". */
hs_status http_parse_listen(const char *listen, http_addr *a);
/* Starts listening; *port is the port bound. */
hs_status http_start(serve_ctx *c, const http_addr *a, http_server **out, int *port);
/* Requests begun (a request line arrived) and not over. */
int http_requests_in_flight(serve_ctx *c);
/* Drains the requests in flight (at most 30 s) and stops. */
void http_stop(serve_ctx *c, http_server *s);

#endif
