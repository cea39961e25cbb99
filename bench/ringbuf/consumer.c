// Baseline consumer: plain libbpf with a callback that reads the sequence number of each event (same
// work as the bpfkit raw consumer). Prints one JSON line of measurements.
// usage: consumer BPF_OBJECT PRODUCER N [WAKEUP_EVERY [POLICY]]
// POLICY "event": ring_buffer__poll after every wake-up (libbpf's usual loop).
// POLICY "timer": bpfkit's default drain policy written in C: wait in ring_buffer__poll, and while a
// drain finds records, sleep 1 ms and drain again with ring_buffer__consume; the first drain that finds
// nothing goes back to waiting. Comparing like with like needs the same policy on both sides.
// Every 64th event's latency (now - its bpf_ktime_get_ns stamp, both CLOCK_MONOTONIC) is sampled.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LAT_SAMPLES 65536

static uint64_t count, last_seq, order_errors, wakeups;
static uint64_t lat[MAX_LAT_SAMPLES];
static size_t nlat;

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_event(void *ctx, void *data, size_t len)
{
  uint64_t seq = ((const uint64_t *)data)[1];
  if (count && seq <= last_seq)
    order_errors++;
  last_seq = seq;
  if ((count & 63) == 0 && nlat < MAX_LAT_SAMPLES)
    lat[nlat++] = now_ns() - ((const uint64_t *)data)[0];
  count++;
  return 0;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t percentile(double p)
{
  if (!nlat)
    return 0;
  qsort(lat, nlat, sizeof(lat[0]), cmp_u64);
  return lat[(size_t)(p * (nlat - 1))];
}

/* One wait-and-drain step of the chosen policy; returns the records consumed, or <0 on error. */
static int drain_step(struct ring_buffer *rb, int timer)
{
  int r = ring_buffer__poll(rb, 100);
  if (r <= 0 || !timer)
    return r;
  int total = r;
  for (;;) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
    int n = ring_buffer__consume(rb);
    if (n <= 0)
      return total;
    wakeups++;
    total += n;
  }
}

static uint64_t cpu_ns(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static void die(const char *what)
{
  perror(what);
  exit(1);
}

int main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: %s BPF_OBJECT PRODUCER N [WAKEUP_EVERY]\n", argv[0]);
    return 2;
  }
  int go[2];
  if (pipe(go))
    die("pipe");
  pid_t child = fork();
  if (child < 0)
    die("fork");
  if (child == 0) {
    dup2(go[0], 0);
    close(go[1]);
    execl(argv[2], argv[2], argv[3], (char *)NULL);
    _exit(127);
  }
  close(go[0]);

  struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
  if (!obj)
    die("bpf_object__open_file");
  struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
  size_t sz = 0;
  uint32_t *cfg = rodata ? (uint32_t *)bpf_map__initial_value(rodata, &sz) : NULL;
  if (!cfg || sz < 8)
    die("no .rodata");
  cfg[0] = (uint32_t)child;
  cfg[1] = argc > 4 ? (uint32_t)atoi(argv[4]) : 0;
  if (bpf_object__load(obj))
    die("bpf_object__load");
  struct bpf_program *prog = bpf_object__next_program(obj, NULL);
  struct bpf_link *link = bpf_program__attach(prog);
  if (!link)
    die("bpf_program__attach");
  struct ring_buffer *rb =
      ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), on_event, NULL, NULL);
  if (!rb)
    die("ring_buffer__new");
  int bss = bpf_object__find_map_fd_by_name(obj, ".bss");

  uint64_t t0 = now_ns(), c0 = cpu_ns();
  if (write(go[1], "g", 1) != 1)
    die("write");
  int timer = argc > 5 && argv[5][0] == 't';
  int exited = 0;
  uint64_t counters[2] = {0, 0};
  uint32_t zero = 0;
  for (;;) {
    int r = drain_step(rb, timer);
    if (r < 0 && r != -4)
      die("ring_buffer__poll");
    if (r > 0)
      wakeups++;
    if (!exited && waitpid(child, NULL, WNOHANG) == child)
      exited = 1;
    if (exited) {
      // Events submitted without a wake-up (sampled mode) are collected here.
      ring_buffer__consume(rb);
      bpf_map_lookup_elem(bss, &zero, counters);
      if (count + counters[1] >= counters[0])
        break;
    }
  }
  uint64_t wall = now_ns() - t0, cpu = cpu_ns() - c0;
  printf("{\"events\":%llu,\"produced\":%llu,\"dropped\":%llu,\"wallNs\":%llu,\"cpuNs\":%llu,"
         "\"orderErrors\":%llu,\"wakeups\":%llu,\"latP50Ns\":%llu,\"latP99Ns\":%llu}\n",
         (unsigned long long)count, (unsigned long long)counters[0], (unsigned long long)counters[1],
         (unsigned long long)wall, (unsigned long long)cpu, (unsigned long long)order_errors,
         (unsigned long long)wakeups, (unsigned long long)percentile(0.5),
         (unsigned long long)percentile(0.99));
  ring_buffer__free(rb);
  bpf_link__destroy(link);
  bpf_object__close(obj);
  return 0;
}
