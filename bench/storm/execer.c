// Exec storm generator for bench/tools: runs PROG MARKER (one child at a time) every 2 ms until a
// byte arrives on stdin (so the bench can see that a tracer is attached), then runs PROG TAG N
// times, one after the other, each waited for.
// usage: execer PROG MARKER TAG N
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void run(char *prog, char *word)
{
  char *argv[] = {prog, word, NULL};
  pid_t pid;
  int status;
  if (posix_spawn(&pid, prog, NULL, NULL, argv, environ) == 0)
    waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
  if (argc < 5)
    return 2;
  long n = atol(argv[4]);
  struct pollfd in = {.fd = 0, .events = POLLIN};
  while (poll(&in, 1, 2) == 0)
    run(argv[1], argv[2]);
  char go;
  if (read(0, &go, 1) != 1)
    return 3;
  for (long i = 0; i < n; i++)
    run(argv[1], argv[3]);
  return 0;
}
