/* A C program whose functions the dynamic-tracing tests probe. Each call's arguments and
 * results are printed on stdout ("call NAME key=value ...", "ret NAME key=value ...") around
 * the call, so that a test knows what a probe must have seen. Usage: c_target ITERATIONS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* noipa: the calling convention stays the ABI's, and callers do not drop stores that the
 * callee (as gcc's IPA sees it) never reads, so that memory holds what is printed. */

enum color { red = 1, green = 2, blue = 40000 };

struct point { /* 16 bytes: two INTEGER eightbytes, passed in two registers */
  int x;
  long y;
};

struct pair { /* 8 bytes: both members in one register */
  int a;
  int b;
};

struct order { /* 56 bytes: MEMORY class, passed on the stack */
  long id;
  short qty;
  unsigned char flags;
  char tag[12];
  double price;
  const char *note;
  enum color color;
};

__attribute__((noipa)) long c_add(int a, long b, short c, unsigned char d, _Bool flag,
                                     unsigned long long e) {
  return a + b + c + d + flag + (long)e;
}

__attribute__((noipa)) long c_point(struct point p, const struct point *pp, const char *name,
                                       struct pair q) {
  return p.x + p.y + pp->x + pp->y + (long)strlen(name) + q.a + q.b;
}

__attribute__((noipa)) long c_order(int n, struct order o, const struct order *po,
                                       enum color color) {
  return n + o.id + po->qty + (long)color;
}

__attribute__((noipa)) struct point c_make(long x) {
  struct point p = {(int)(x * 2), x * 3};
  return p;
}

__attribute__((noipa)) struct order c_make_order(long id, const char *note) {
  struct order o;
  memset(&o, 0, sizeof o);
  o.id = id;
  o.qty = (short)(id % 7);
  o.price = 2.5 * (double)id;
  o.note = note;
  o.color = green;
  snprintf(o.tag, sizeof o.tag, "T%ld", id);
  return o;
}

__attribute__((noipa)) long c_many(long a1, long a2, long a3, long a4, long a5, long a6,
                                      long a7, int a8) {
  return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8;
}

__attribute__((noipa)) double c_scale(double f, int n) { return f * n; }

/* Only ever inlined: no out-of-line instance in the binary. */
static inline __attribute__((always_inline)) long c_inlined(long v) { return v * 5 + 1; }

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 3;
  static const char *names[] = {"alpha", "beta", "gamma"};
  for (int i = 0; i < iterations; ++i) {
    int a = -5 - i;
    long b = 1000000000000L + i;
    short c = (short)(-300 - i);
    unsigned char d = (unsigned char)(250 + i);
    _Bool flag = i % 2 == 0;
    unsigned long long e = 18000000000000000000ULL + (unsigned long long)i;
    printf("call c_add a=%d b=%ld c=%d d=%u flag=%d e=%lld\n", a, b, c, d, flag, (long long)e);
    long r = c_add(a, b, c, d, flag, e);
    printf("ret c_add $0=%ld\n", r);

    struct point p = {7 + i, -70000000000L - i};
    struct point pp = {-8 - i, 80 + i};
    struct pair q = {-1 - i, 2 + i};
    const char *name = names[i % 3];
    printf("call c_point p.x=%d p.y=%ld pp.x=%d pp.y=%ld name=%s q.a=%d q.b=%d\n", p.x, p.y,
           pp.x, pp.y, name, q.a, q.b);
    r = c_point(p, &pp, name, q);
    printf("ret c_point $0=%ld\n", r);

    struct order o;
    memset(&o, 0, sizeof o);
    o.id = 500 + i;
    o.qty = (short)(3 + i);
    o.flags = 0x80;
    snprintf(o.tag, sizeof o.tag, "tag-%d", i);
    o.price = 9.25 + i;
    o.note = names[(i + 1) % 3];
    o.color = blue;
    struct order po = o;
    po.id = 600 + i;
    po.qty = (short)(-4 - i);
    printf("call c_order n=%d o.id=%ld o.qty=%d o.flags=%d o.tag=%s o.price=%g o.note=%s "
           "o.color=%d po.id=%ld po.qty=%d color=%d\n",
           i, o.id, o.qty, o.flags, o.tag, o.price, o.note, (int)o.color, po.id, po.qty,
           (int)red);
    r = c_order(i, o, &po, red);
    printf("ret c_order $0=%ld\n", r);

    printf("call c_make x=%d\n", 11 + i);
    struct point m = c_make(11 + i);
    printf("ret c_make $0.x=%d $0.y=%ld\n", m.x, m.y);

    printf("call c_make_order id=%d note=%s\n", 20 + i, names[i % 3]);
    struct order mo = c_make_order(20 + i, names[i % 3]);
    printf("ret c_make_order $0.id=%ld $0.qty=%d $0.tag=%s $0.price=%g $0.note=%s\n", mo.id,
           mo.qty, mo.tag, mo.price, mo.note);

    printf("call c_many a1=%d a6=%d a7=%d a8=%d\n", 1 + i, 6 + i, 7 + i, -8 - i);
    r = c_many(1 + i, 2 + i, 3 + i, 4 + i, 5 + i, 6 + i, 7 + i, -8 - i);
    printf("ret c_many $0=%ld\n", r);

    printf("call c_scale n=%d\n", i);
    double s = c_scale(1.5, i);
    printf("ret c_scale $0=%g\n", s);

    printf("inlined %ld\n", c_inlined(i));
    fflush(stdout);
  }
  return 0;
}
