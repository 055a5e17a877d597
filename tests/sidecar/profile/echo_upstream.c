// Minimal HTTP/1.1 keep-alive upstream for profiling: answers every request with a fixed JSON-RPC result.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <strings.h>

#define BUF 65536
typedef struct { int fd; char buf[BUF]; size_t len; } conn;
static const char *BODY = "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hello from the echo upstream\"}]},\"jsonrpc\":\"2.0\",\"id\":1}";

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 3901;
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1; setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 1024)) { perror("bind"); return 1; }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  char resp[1024];
  int rlen = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(BODY), BODY);
  struct epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(ep, evs, 64, -1);
    for (int i = 0; i < n; ++i) {
      conn *c = evs[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conn *nc = calloc(1, sizeof *nc); nc->fd = fd;
          struct epoll_event e = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        }
        continue;
      }
      ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);
      if (r <= 0) { close(c->fd); free(c); continue; }
      c->len += r;
      for (;;) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end) break;
        size_t hlen = end + 4 - c->buf, clen = 0;
        for (char *p = c->buf; p < end; ) {
          char *eol = memmem(p, end - p + 2, "\r\n", 2);
          if (!eol) break;
          if (eol - p > 15 && strncasecmp(p, "content-length:", 15) == 0) clen = strtoul(p + 15, NULL, 10);
          p = eol + 2;
        }
        if (c->len < hlen + clen) break;
        if (write(c->fd, resp, rlen) != rlen) { break; }
        memmove(c->buf, c->buf + hlen + clen, c->len - hlen - clen);
        c->len -= hlen + clen;
      }
    }
  }
}
