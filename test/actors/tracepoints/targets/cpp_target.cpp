// A C++ program whose functions the dynamic-tracing tests probe: a class method, overloads,
// std::string by value and by reference, a struct by value and by pointer. Each call's
// arguments and results are printed on stdout ("call NAME key=value ...", "ret NAME ...")
// around the call, so that a test knows what a probe must have seen. Usage: cpp_target N
#include <cstdio>
#include <cstdlib>
#include <string>

namespace shop {

struct item {  // 16 bytes: two INTEGER eightbytes
  long id;
  int qty;
};

class cart {
 public:
  explicit cart(std::string owner) : owner_(std::move(owner)) {}
  long total(int extra) const;
  long add(item it);
  long add(const item* it, int times);
  std::string greet(const std::string& who) const;

  std::string owner_;
  long count_ = 0;
};

// Defined out of the class with external linkage and noipa, so that -O2 keeps the ABI (no .isra
// clones) and callers store everything the target prints.
__attribute__((noipa)) long cart::total(int extra) const { return count_ * 10 + extra; }

__attribute__((noipa)) long cart::add(item it) {
  count_ += it.qty;
  return count_;
}

__attribute__((noipa)) long cart::add(const item* it, int times) {
  count_ += it->qty * times;
  return count_;
}

__attribute__((noipa)) std::string cart::greet(const std::string& who) const {
  return owner_ + " greets " + who;
}

__attribute__((noipa)) long describe(std::string name, item it, const item* ip) {
  return static_cast<long>(name.size()) + it.id + ip->qty;
}

}  // namespace shop

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 3;
  shop::cart c{"owner-with-a-long-name-beyond-sso"};
  for (int i = 0; i < iterations; ++i) {
    std::printf("call total this.count_=%ld this.owner_=%s extra=%d\n", c.count_,
                c.owner_.c_str(), 5 + i);
    long r = c.total(5 + i);
    std::printf("ret total $0=%ld\n", r);

    shop::item it{100 + i, 2 + i};
    std::printf("call add1 it.id=%ld it.qty=%d\n", it.id, it.qty);
    r = c.add(it);
    std::printf("ret add1 $0=%ld\n", r);

    shop::item it2{200 + i, -3 - i};
    std::printf("call add2 it.id=%ld it.qty=%d times=%d\n", it2.id, it2.qty, 4 + i);
    r = c.add(&it2, 4 + i);
    std::printf("ret add2 $0=%ld\n", r);

    std::string who = i % 2 ? "bob" : "alice-" + std::to_string(i);
    std::printf("call greet who=%s\n", who.c_str());
    std::string g = c.greet(who);
    std::printf("ret greet $0=%s\n", g.c_str());

    std::string name = "name" + std::to_string(i * 7);
    shop::item a{300 + i, 9}, b{400 + i, 11 + i};
    std::printf("call describe name=%s it.id=%ld it.qty=%d ip.id=%ld ip.qty=%d\n", name.c_str(),
                a.id, a.qty, b.id, b.qty);
    r = shop::describe(name, a, &b);
    std::printf("ret describe $0=%ld\n", r);
    std::fflush(stdout);
  }
  return 0;
}
