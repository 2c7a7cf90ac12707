#pragma once
// Union (df.append): the rows of every parent, with each parent's columns put in the output's
// order. Without a time_ column batches pass through in arrival order (unchanged when the
// parent's columns are already in order). With one, the parents are merged by time_: a row is
// released once every parent that has not ended has a row at least as late waiting, so the
// output stays in time_ order when each parent is (ties: lower parent first). A parent that is
// not in order still has all its rows emitted exactly once.

#include <deque>
#include <vector>

#include "actors/exec/operator.hpp"

namespace wisp::exec {

class union_operator final : public operator_logic {
 public:
  explicit union_operator(pxl::union_op op);

  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t parent) override;
  std::vector<schemas::row_batch_ptr> end_of_input(std::size_t parent) override;
  std::vector<schemas::row_batch_ptr> finish() override;

 private:
  struct input {
    std::deque<schemas::row_batch_ptr> batches;  // in output column order
    std::size_t cursor = 0;                      // first unreleased row of batches.front()
    bool ended = false;
  };

  schemas::row_batch_ptr remap(schemas::row_batch_ptr in, std::size_t parent) const;
  std::vector<schemas::row_batch_ptr> drain();
  std::int64_t head_time(const input& in) const;

  pxl::union_op op_;
  std::vector<input> inputs_;
};

}  // namespace wisp::exec
