/* A shared object for tracepoint_e2e_test's pxtrace.SharedObject target. */
#include <string.h>

__attribute__((noinline, noipa)) int greet(const char *who, int times) { return (int)strlen(who) * times; }
