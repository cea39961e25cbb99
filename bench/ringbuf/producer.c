// Benchmark producer: waits for one byte on stdin (the consumer points its BPF filter at us
// first), then makes N raw getppid() system calls as fast as it can.
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 2000000;
  char go;
  if (read(0, &go, 1) != 1)
    return 3;
  for (long i = 0; i < n; i++)
    syscall(SYS_getppid);
  return 0;
}
