#pragma once
// Limit: forwards the first n rows. It stays open until one row more than n has arrived, so
// that it can tell a cut result (truncated()) from one that fits exactly, then reports done()
// so sources can stop.

#include "actors/exec/operator.hpp"

namespace wisp::exec {

class limit_operator final : public operator_logic {
 public:
  explicit limit_operator(std::int64_t n) : limit_(n < 0 ? 0 : static_cast<std::size_t>(n)) {}
  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t) override;
  std::vector<schemas::row_batch_ptr> finish() override { return {}; }
  bool done() const override { return truncated(); }
  bool truncated() const override { return seen_ > limit_; }

 private:
  std::size_t limit_;
  std::size_t emitted_ = 0;
  std::size_t seen_ = 0;  // rows received, counted up to limit_ + 1
};

}  // namespace wisp::exec
