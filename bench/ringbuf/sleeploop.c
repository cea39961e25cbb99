// The event-loop floor, C side: sleep 1 ms, wake, repeat, for argv[1] ms; prints the number of trips
// and the CPU they took, as JSON. Nothing else runs, so this is what a 1 ms drain timer costs alone.
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  long long ms = argc > 1 ? atoll(argv[1]) : 2000, start = now_ms(), trips = 0;
  struct timespec one = {0, 1000000};
  while (now_ms() - start < ms) {
    nanosleep(&one, NULL);
    trips++;
  }
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  long long us = r.ru_utime.tv_sec * 1000000LL + r.ru_utime.tv_usec + r.ru_stime.tv_sec * 1000000LL + r.ru_stime.tv_usec;
  printf("{\"trips\":%lld,\"cpuNs\":%lld}\n", trips, us * 1000);
  return 0;
}
