// Throwaway keep-alive (m)TLS HTTP/1.1 load client for profiling warden-sidecar.
// usage: mtls_load HOST PORT CONNS SECONDS RATE(0=closed loop) CERT KEY CA [--plain]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *host; static int port, conns, plain; static double seconds, rate;
static SSL_CTX *ctx;
static const char *BODY = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"read_file\",\"arguments\":{\"path\":\"/workspace/notes/a.txt\"}}}";
static char req[2048]; static int reqlen;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

typedef struct { int fd; SSL *ssl; char buf[65536]; size_t len, pos; } io;
static int io_read(io *c) {
  if (c->pos > 0) { memmove(c->buf, c->buf + c->pos, c->len - c->pos); c->len -= c->pos; c->pos = 0; }
  int n = plain ? (int)read(c->fd, c->buf + c->len, sizeof c->buf - c->len) : SSL_read(c->ssl, c->buf + c->len, (int)(sizeof c->buf - c->len));
  if (n <= 0) return -1;
  c->len += n; return n;
}
static int io_write(io *c, const char *p, int n) { return plain ? (int)write(c->fd, p, n) : SSL_write(c->ssl, p, n); }
// Finds "\r\n" from pos, reading more as needed; returns index of line end.
static long line_end(io *c) {
  for (;;) {
    char *e = memmem(c->buf + c->pos, c->len - c->pos, "\r\n", 2);
    if (e) return e - c->buf;
    if (io_read(c) < 0) return -1;
  }
}
static int need(io *c, size_t n) { while (c->len - c->pos < n) if (io_read(c) < 0) return -1; return 0; }
// Reads one response; returns status or -1.
static int read_response(io *c) {
  long e = line_end(c); if (e < 0) return -1;
  int status = atoi(c->buf + c->pos + 9);
  c->pos = e + 2;
  long clen = -1; int chunked = 0;
  for (;;) {
    e = line_end(c); if (e < 0) return -1;
    char *l = c->buf + c->pos; size_t ll = e - c->pos;
    c->pos = e + 2;
    if (ll == 0) break;
    if (ll > 15 && strncasecmp(l, "content-length:", 15) == 0) clen = strtol(l + 15, NULL, 10);
    if (ll > 18 && strncasecmp(l, "transfer-encoding:", 18) == 0 && strstr(l, "chunked") && strstr(l, "chunked") < l + ll) chunked = 1;
  }
  if (chunked) {
    for (;;) {
      e = line_end(c); if (e < 0) return -1;
      long sz = strtol(c->buf + c->pos, NULL, 16);
      c->pos = e + 2;
      if (need(c, sz + 2) < 0) return -1;
      c->pos += sz + 2;
      if (sz == 0) break;
    }
  } else if (clen > 0) {
    if (need(c, clen) < 0) return -1;
    c->pos += clen;
  }
  return status;
}

typedef struct { double *lat; long n, cap, errors, non200; } result;

static void *worker(void *arg) {
  result *r = arg;
  io *c = calloc(1, sizeof *c);
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1; setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(c->fd, (void *)&a, sizeof a)) { perror("connect"); exit(1); }
  if (!plain) {
    c->ssl = SSL_new(ctx); SSL_set_fd(c->ssl, c->fd);
    if (SSL_connect(c->ssl) != 1) { ERR_print_errors_fp(stderr); exit(1); }
  }
  // MTLS_LOAD_PAUSE: seconds to wait after the handshake (a profiler can start counting without it).
  if (getenv("MTLS_LOAD_PAUSE")) sleep(atoi(getenv("MTLS_LOAD_PAUSE")));
  double interval = rate > 0 ? conns / rate : 0;
  double start = now(), next = start;
  while (now() - start < seconds) {
    if (interval > 0) {
      double t = now();
      if (t < next) { struct timespec s = {0, (long)((next - t) * 1e9)}; nanosleep(&s, NULL); }
    }
    double sent = interval > 0 ? next : now();
    if (io_write(c, req, reqlen) != reqlen) { r->errors++; break; }
    int st = read_response(c);
    double done = now();
    if (st < 0) { r->errors++; break; }
    if (st != 200) r->non200++;
    if (r->n == r->cap) { r->cap = r->cap ? r->cap * 2 : 65536; r->lat = realloc(r->lat, r->cap * sizeof(double)); }
    r->lat[r->n++] = done - sent;
    next += interval;
  }
  return NULL;
}
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
  if (argc < 9) { fprintf(stderr, "usage\n"); return 2; }
  host = argv[1]; port = atoi(argv[2]); conns = atoi(argv[3]); seconds = atof(argv[4]); rate = atof(argv[5]);
  plain = argc > 9 && strcmp(argv[9], "--plain") == 0;
  reqlen = snprintf(req, sizeof req, "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-06-18\r\nContent-Length: %zu\r\n\r\n%s", strlen(BODY), BODY);
  if (!plain) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, argv[6]) != 1 || SSL_CTX_use_PrivateKey_file(ctx, argv[7], SSL_FILETYPE_PEM) != 1 || SSL_CTX_load_verify_locations(ctx, argv[8], NULL) != 1) { ERR_print_errors_fp(stderr); return 1; }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  }
  pthread_t t[256]; result r[256]; memset(r, 0, sizeof r);
  for (int i = 0; i < conns; ++i) pthread_create(&t[i], NULL, worker, &r[i]);
  long total = 0, errors = 0, non200 = 0;
  for (int i = 0; i < conns; ++i) { pthread_join(t[i], NULL); total += r[i].n; errors += r[i].errors; non200 += r[i].non200; }
  double *all = malloc((total + 1) * sizeof(double)); long k = 0;
  for (int i = 0; i < conns; ++i) { memcpy(all + k, r[i].lat, r[i].n * sizeof(double)); k += r[i].n; }
  qsort(all, total, sizeof(double), cmp);
  #define P(q) (total ? all[(long)((q) * (total - 1))] * 1e3 : 0)
  printf("requests=%ld rps=%.0f errors=%ld non200=%ld p50=%.3fms p90=%.3fms p99=%.3fms max=%.3fms\n", total, total / seconds, errors, non200, P(0.5), P(0.9), P(0.99), P(1.0));
  return 0;
}
