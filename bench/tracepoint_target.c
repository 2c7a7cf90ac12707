/* Target of bench/tracepoint_overhead.py: calls work() at a fixed rate for a fixed time and
 * prints the calls made, the wall time, the CPU time it used (user + system: a uprobe's trap and
 * its BPF program run in the calling thread, as system time) and the time spent inside the calls
 * (clock read before and after each: the entry and return probes run in between).
 *   tracepoint_target RATE SECONDS WARMUP_SECONDS
 * The warm-up lets an agent attach to the process first. Between calls it spins on the clock so
 * that the rate is kept without sleeping (a sleep would hide the probe's cost in idle time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct item {
  long id;
  int qty;
  const char *label;
};

__attribute__((noinline, noipa)) long work(long a, const struct item *it, const char *name) {
  return a * it->qty + (long)strlen(name);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
         (double)u.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: tracepoint_target RATE SECONDS WARMUP_SECONDS\n");
    return 2;
  }
  const double rate = atof(argv[1]), seconds = atof(argv[2]);
  usleep((useconds_t)(atof(argv[3]) * 1e6));
  const double start = now_s(), cpu0 = cpu_s(), spacing = 1.0 / rate;
  long calls = 0, sum = 0;
  double in_calls = 0;
  struct item it = {1, 3, "widget"};
  for (double next = start; next < start + seconds; next += spacing) {
    double t = now_s();
    while (t < next) t = now_s();
    it.id = calls;
    sum += work(calls, &it, "order");
    in_calls += now_s() - t;
    ++calls;
  }
  printf("calls %ld wall %.6f cpu %.6f in_calls %.6f sum %ld\n", calls, now_s() - start, cpu_s() - cpu0,
         in_calls, sum);
  return 0;
}
