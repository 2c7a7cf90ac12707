// Target of tracepoint_e2e_test: a C++ method with a std::string argument, called in a loop.
#include <unistd.h>

#include <cstdlib>
#include <string>

class Cart {
 public:
  __attribute__((noinline, noipa)) long add(const std::string& sku, int qty) {
    total_ += qty;
    return static_cast<long>(sku.size()) * qty;
  }

 private:
  long total_ = 0;
};

int main(int argc, char** argv) {
  int period_ms = argc > 1 ? std::atoi(argv[1]) : 20;
  Cart cart;
  for (int i = 0;; i++) {
    cart.add("sku-" + std::to_string(i % 100), i % 9 + 1);
    usleep(static_cast<useconds_t>(period_ms) * 1000);
  }
}
