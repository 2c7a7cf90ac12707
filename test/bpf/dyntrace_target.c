/* Target of dyntrace_test: prints the addresses of its traced functions, waits for a line on
 * stdin (the test attaches meanwhile), calls them with values derived from the loop index, then
 * prints "done". Built with -O0 -fno-inline so every call is a real call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pair {
  long a;
  int b;
  char name[16];
};

long dt_add(long a, long b) { return a + b; }

int dt_greet(const char* who, const struct pair* p) {
  return (who ? (int)strlen(who) : -1) + (p ? p->b : 0);
}

long dt_sleep(long us) {
  usleep((useconds_t)us);
  return us;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  printf("dt_add %p\ndt_greet %p\ndt_sleep %p\n", (void*)&dt_add, (void*)&dt_greet,
         (void*)&dt_sleep);
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof line, stdin))
    return 1;
  long sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += dt_add(i, 1000 + i);
    struct pair p = {.a = 7L * i, .b = i % 10};
    snprintf(p.name, sizeof p.name, "name-%d", i);
    sum += dt_greet(i % 3 == 0 ? NULL : "hello", i % 4 == 0 ? NULL : &p);
  }
  sum += dt_sleep(20000);
  printf("done %ld\n", sum);
  fflush(stdout);
  return 0;
}
