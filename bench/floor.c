/* floor: the least a TCP connect scan can do, as the benchmarks' yardstick.
 *
 * One thread, one epoll set, non-blocking connect(2) to each port of one IPv4 address with
 * at most WINDOW in flight; SO_ERROR decides open / refused / other once the socket is
 * writable, and a connect still pending after TIMEOUT_MS counts as other (filtered). No
 * retries, no service work, no formatting beyond what bench/run.sh reads:
 *   stdout: open=N closed=N other=N
 *   stderr: one "open PORT local=LPORT peer=PPORT" line per open port
 * Connects are kept in the order they were started: with one timeout for all, the oldest
 * pending one is always the first to expire, so expiry costs O(1) per connect, not a sweep
 * of every fd.
 *
 * Build: cc -O2 -o floor bench/floor.c
 * Usage: floor IPV4 FIRST_PORT LAST_PORT WINDOW TIMEOUT_MS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct pending { int fd; int port; int64_t started; };

static int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long arg(const char *s, long lo, long hi, const char *what) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "floor: %s '%s': give %ld to %ld\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: floor IPV4 FIRST_PORT LAST_PORT WINDOW TIMEOUT_MS\n");
        return 2;
    }
    struct sockaddr_in to = { .sin_family = AF_INET };
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "floor: address '%s': give an IPv4 address\n", argv[1]);
        return 2;
    }
    int first = arg(argv[2], 1, 65535, "first port");
    int last = arg(argv[3], first, 65535, "last port");
    int window = arg(argv[4], 1, 1 << 20, "window");
    int64_t timeout = arg(argv[5], 1, 3600000, "timeout");

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if ((rlim_t)window + 16 > rl.rlim_cur) window = (int)rl.rlim_cur - 16;
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) { perror("floor: epoll_create1"); return 3; }
    /* Every connect in the order started (each port once); `head` is the oldest that may be
     * pending; for each fd its entry. In flight: at most `window`. */
    size_t ports = (size_t)(last - first + 1);
    struct pending *fifo = calloc(ports, sizeof *fifo);
    int *slot = malloc(sizeof(int) * (size_t)(rl.rlim_cur + 1));
    if (!fifo || !slot) { perror("floor: memory"); return 3; }
    size_t head = 0, tail = 0, inflight = 0;
    long open_n = 0, closed_n = 0, other_n = 0;
    int next = first;
    struct epoll_event ev[1024];

    while (next <= last || inflight > 0) {
        while (inflight < (size_t)window && next <= last) {
            int port = next++;
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) { perror("floor: socket"); other_n++; continue; }
            to.sin_port = htons(port);
            if (connect(fd, (struct sockaddr *)&to, sizeof to) == 0) {
                open_n++;
                fprintf(stderr, "open %d local=0 peer=%d\n", port, port);
                close(fd);
            } else if (errno == EINPROGRESS) {
                struct epoll_event e = { .events = EPOLLOUT, .data.fd = fd };
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
                fifo[tail] = (struct pending){ fd, port, now_ms() };
                slot[fd] = (int)tail++;
                inflight++;
            } else {
                if (errno == ECONNREFUSED) closed_n++; else other_n++;
                close(fd);
            }
        }
        int64_t t = now_ms();
        int wait = 0;
        while (head < tail && fifo[head].fd < 0) head++;
        if (head < tail) {
            int64_t left = fifo[head].started + timeout - t;
            wait = left > 0 ? (int)(left < 50 ? left : 50) : 0;
        }
        int n = epoll_wait(ep, ev, 1024, wait);
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            struct pending *p = &fifo[slot[fd]];
            if (err == 0) {
                struct sockaddr_in me, peer;
                socklen_t a = sizeof me, b = sizeof peer;
                getsockname(fd, (struct sockaddr *)&me, &a);
                getpeername(fd, (struct sockaddr *)&peer, &b);
                fprintf(stderr, "open %d local=%d peer=%d\n", p->port, ntohs(me.sin_port),
                        ntohs(peer.sin_port));
                open_n++;
            } else if (err == ECONNREFUSED) {
                closed_n++;
            } else {
                other_n++;
            }
            p->fd = -1; /* decided: skipped when the head reaches it */
            close(fd);
            inflight--;
        }
        /* Expire, oldest first, what is still pending past its deadline. */
        t = now_ms();
        while (head < tail && (fifo[head].fd < 0 || fifo[head].started + timeout <= t)) {
            if (fifo[head].fd >= 0) {
                other_n++;
                close(fifo[head].fd);
                fifo[head].fd = -1;
                inflight--;
            }
            head++;
        }
    }
    printf("open=%ld closed=%ld other=%ld\n", open_n, closed_n, other_n);
    return 0;
}
