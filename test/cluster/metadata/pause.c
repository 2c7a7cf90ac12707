/* The only program of the runc test's container rootfs: sleeps until killed. Linked static so
 * the rootfs needs nothing else. */
#include <unistd.h>

int main(void) {
  for (;;) pause();
}
