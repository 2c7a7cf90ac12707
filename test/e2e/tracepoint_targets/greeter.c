/* Calls greet() of libgreet.so in a loop until it is killed (tracepoint_e2e_test). */
#include <stdlib.h>
#include <unistd.h>

int greet(const char *who, int times);

int main(int argc, char **argv) {
  int period_ms = argc > 1 ? atoi(argv[1]) : 20;
  for (int i = 0;; i++) {
    greet(i % 2 ? "ada" : "grace", i % 5 + 1);
    usleep((useconds_t)period_ms * 1000);
  }
}
