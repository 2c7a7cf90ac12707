#pragma once
// Which agents a distributed query still waits for (design §6 step 4). Each stream of the
// broker's plan has its producers (pxl::distributed_plan::producers); a stream is complete when
// every producer ended it, or was lost, stalled (no message for `stall_timeout`) or failed its
// fragment. Whatever made a result partial becomes a warning naming the agent, so the query
// ends within a bounded time with the rows it has, never hangs.
//
// Pure logic; the broker's query actor owns one and feeds it the gateway's events.

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "schemas/wire.hpp"

namespace wisp::cluster {

class stream_tracker {
 public:
  /// `names`: how warnings name each ASID ("node-1 (asid 3)").
  stream_tracker(const std::map<std::string, std::set<std::uint32_t>>& producers,
                 std::map<std::uint32_t, std::string> names, std::int64_t now_ns);

  /// Streams that no agent produces: complete from the start.
  std::vector<std::string> initially_complete() const;

  /// A batch arrived: true when it is expected (from a producer of a stream still open).
  bool on_batch(std::uint32_t asid, const std::string& stream, std::int64_t now_ns);

  /// An end of stream; an empty `stream` ends all of the agent's streams (it could not run its
  /// fragment at all). `losses`: the agent's loss counters as it ended the stream. Returns the
  /// streams now complete.
  std::vector<std::string> on_end(std::uint32_t asid, const std::string& stream, wire::status code,
                                  const std::string& error, std::int64_t now_ns,
                                  const std::vector<wire::loss_counter>& losses = {});

  /// The agent is gone (`why`: "was lost", ...): its open streams end without it.
  std::vector<std::string> on_lost(std::uint32_t asid, const std::string& why);

  /// Agents silent for `timeout` while they have open streams are given up on.
  std::vector<std::string> check_stalls(std::int64_t now_ns, std::chrono::nanoseconds timeout);

  bool all_complete() const;
  const std::vector<std::string>& warnings() const { return warnings_; }
  /// The ASIDs the query ran on.
  std::set<std::uint32_t> agents() const;
  /// The agent's loss counters: the freshest of its last heartbeat's and of those its ends of
  /// stream carried. Counters only grow, so the larger value of each is the later one. A counter
  /// named more than once in one report (one per parser shard) is their sum.
  std::vector<wire::loss_counter> losses(std::uint32_t asid, const std::vector<wire::loss_counter>& heartbeat) const;

 private:
  std::string name_of(std::uint32_t asid) const;
  std::vector<std::string> drop(std::uint32_t asid, const std::string& stream);  // completed streams

  std::map<std::string, std::set<std::uint32_t>> open_;  // stream -> producers not ended yet
  std::map<std::uint32_t, std::string> names_;
  std::map<std::uint32_t, std::int64_t> last_heard_;  // by ASID
  using counter_key = std::pair<std::string, std::string>;  // stage, name
  std::map<std::uint32_t, std::map<counter_key, std::uint64_t>> end_losses_;  // by ASID
  std::vector<std::string> warnings_;
};

}  // namespace wisp::cluster
