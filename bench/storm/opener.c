// Storm generator for bench/storm: opens a marker path every 2 ms until a byte arrives on stdin (so
// the bench can see that a tracer is attached), then opens and closes PATH N times, at RATE opens
// per second (paced per millisecond against an absolute clock) or as fast as it can with RATE 0.
// usage: opener MARKER PATH N RATE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void open_close(const char *path)
{
  int fd = open(path, O_RDONLY);
  if (fd >= 0)
    close(fd);
}

int main(int argc, char **argv)
{
  if (argc < 5)
    return 2;
  const char *marker = argv[1], *path = argv[2];
  long n = atol(argv[3]), rate = atol(argv[4]);
  struct pollfd in = {.fd = 0, .events = POLLIN};
  while (poll(&in, 1, 2) == 0)
    open_close(marker);
  char go;
  if (read(0, &go, 1) != 1)
    return 3;
  if (rate <= 0) {
    for (long i = 0; i < n; i++)
      open_close(path);
    return 0;
  }
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  double per_ms = rate / 1000.0, owed = 0;
  for (long done = 0; done < n;) {
    owed += per_ms;
    for (; owed >= 1 && done < n; owed--, done++)
      open_close(path);
    next.tv_nsec += 1000000;
    if (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  return 0;
}
