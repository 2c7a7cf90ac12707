/* Target of tracepoint_e2e_test (built at -O0 and -O2): calls compute() and slow() in a loop,
 * each value derived from the round number, until it is killed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct item {
  long id;
  int qty;
  const char *label;
};

__attribute__((noinline, noipa)) long compute(long a, const struct item *it, const char *name) {
  return a * it->qty + (long)strlen(name);
}

__attribute__((noinline, noipa)) int slow(int ms) {
  usleep((useconds_t)ms * 1000);
  return ms;
}

int main(int argc, char **argv) {
  int period_ms = argc > 1 ? atoi(argv[1]) : 20;
  for (long i = 0;; i++) {
    struct item it = {i, (int)(i % 7) + 1, "widget"};
    compute(i, &it, i % 2 ? "order" : "refund");
    if (i % 5 == 0) slow(20);
    usleep((useconds_t)period_ms * 1000);
  }
}
