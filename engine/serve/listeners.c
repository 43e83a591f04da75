/* serve/listeners.c - the HTTP threads' listening sockets (listeners.h).
 *
 * Why one socket per thread, and why steered by CPU: an HTTP thread answers
 * every request of the connections it accepted, and each answer wakes the
 * client. With the threads sharing one accept queue, a thread serves
 * clients on every CPU, so most wakeups cross CPUs, and on a virtual
 * machine a cross-CPU wakeup is an interprocessor interrupt, a VM exit.
 * Bench: 10^7 entries, wrk at 64 connections on this 2-core VM, 10 runs:
 * lookup p99 2.2-5.9 ms (in two groups, by how the connections happened
 * to fall) against 2.3-2.5 ms with the sockets steered, the threads kept
 * to their CPUs and connections following their clients (http.c,
 * should_follow; bench/RESULTS.md, run 4). Behind a local reverse proxy (loopback: what
 * `auto` covers) a connection's packets are received on the CPU of the
 * proxy worker that sends them, so each thread serves the proxy workers of
 * its own CPU. On a network address the CPU that receives a flow is the
 * NIC's choice (RSS); a single-queue NIC would steer everything to one
 * thread, so there it is asked for explicitly (`on`). */
#include "serve/listeners.h"

#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"

/* The CPUs this process may run on (its affinity mask: taskset, cgroup
 * cpusets), in order; how many. */
static unsigned allowed_cpus(int *cpus, unsigned max) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return 0;
  unsigned n = 0;
  for (int c = 0; c < CPU_SETSIZE && n < max; c++)
    if (CPU_ISSET(c, &set))
      cpus[n++] = c;
  return n;
}

/* Linux steers connections to the listener whose SO_INCOMING_CPU is the
 * receiving CPU from 6.1 on; before, within an SO_REUSEPORT group, it
 * hashed them regardless. Kept threads with hashed connections would be the
 * worst of both: half of the connections on the wrong CPU, and each of
 * those asked to reconnect (http.c, should_follow), again and again. */
static int kernel_steers(void) {
  struct utsname u;
  int major = 0, minor = 0;
  if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
    return 0;
  return major > 6 || (major == 6 && minor >= 1);
}

int listeners_pinned(int mode, const http_addr *a) {
  int cpus[2];
  if (mode == HS_SERVE_AFFINITY_OFF || allowed_cpus(cpus, 2) < 2)
    return 0;
  if (mode != HS_SERVE_AFFINITY_ON && !a->loopback)
    return 0;
  if (!kernel_steers()) {
    if (mode == HS_SERVE_AFFINITY_ON)
      log_warn("serve: --cpu-affinity on needs Linux 6.1 or later to steer connections by CPU: "
               "off");
    return 0;
  }
  return 1;
}

static int bind_one(const http_addr *a, int port, int reuseport, int cpu) {
  int fd = socket(a->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  /* SO_REUSEADDR: a restart binds while the last run's connections linger
   * in TIME_WAIT (it never lets two listeners share a port on Linux). */
  int ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
           (!reuseport || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0) &&
           (!a->ipv6 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0);
  if (ok && cpu >= 0 && setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, sizeof cpu) != 0)
    log_debug("serve: SO_INCOMING_CPU unsupported here (%s): connections not steered",
              strerror(errno));
  if (ok) {
    if (a->ipv6) {
      struct sockaddr_in6 sa = a->v6;
      sa.sin6_port = htons((uint16_t)port);
      ok = bind(fd, (const struct sockaddr *)&sa, sizeof sa) == 0;
    } else {
      struct sockaddr_in sa = a->v4;
      sa.sin_port = htons((uint16_t)port);
      ok = bind(fd, (const struct sockaddr *)&sa, sizeof sa) == 0;
    }
  }
  if (!ok) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static int bound_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
    return -1;
  return ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                  : ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

hs_status listeners_open(const http_addr *a, const char *shown, unsigned n, int pinned,
                         http_listeners *l) {
  memset(l, 0, sizeof *l);
  for (unsigned i = 0; i < LISTENERS_MAX; i++)
    l->fd[i] = l->cpu[i] = -1;
  HS_CHECK(n >= 1 && n <= LISTENERS_MAX, HS_ERR_INVALID_ARG, "serve: 1 to %d HTTP threads",
           LISTENERS_MAX);
  int cpus[LISTENERS_MAX];
  unsigned ncpu = pinned ? allowed_cpus(cpus, LISTENERS_MAX) : 0;
  int port = a->ipv6 ? ntohs(a->v6.sin6_port) : ntohs(a->v4.sin_port);
  if (port != 0) {
    /* A plain bind fails where anything listens already: without this a
     * second server on the port would join the group and take half of the
     * connections. */
    int probe = bind_one(a, port, 0, -1);
    if (probe < 0)
      return error_set(HS_ERR_IO, "cannot listen on %s: %s", shown, strerror(errno));
    close(probe);
  }
  l->n = n;
  for (unsigned i = 0; i < n; i++) {
    int cpu = ncpu ? cpus[i % ncpu] : -1;
    int fd = bind_one(a, port, 1, cpu);
    if (fd < 0 || listen(fd, 1024) != 0) {
      int e = errno;
      if (fd >= 0)
        close(fd);
      listeners_close(l);
      return error_set(HS_ERR_IO, "cannot listen on %s: %s", shown, strerror(e));
    }
    l->fd[i] = fd;
    l->cpu[i] = cpu;
    if (port == 0 && (port = bound_port(fd)) <= 0) { /* the rest join the free port found */
      int e = errno;
      listeners_close(l);
      return error_set(HS_ERR_IO, "cannot listen on %s: %s", shown, strerror(e));
    }
  }
  l->port = port;
  return HS_OK;
}

void listeners_close(http_listeners *l) {
  for (unsigned i = 0; i < l->n; i++)
    if (l->fd[i] >= 0) {
      close(l->fd[i]);
      l->fd[i] = -1;
    }
}
