#pragma once
// The tracepoints of one node: what the tracepoint manager actor does, as a plain class (no
// CAF) that tests drive directly. It deploys uprobe tracepoints (resolve, one fetch program per
// binary in a slot of the generic BPF program, links per process) and bpftrace tracepoints (one
// runner each), follows the target's processes as they start and exit, expires TTLs, caps the
// event rate, and turns events into rows of the tracepoint's table.
//
// Tables: a tracepoint writes to the table it names. A changed definition whose columns differ
// makes a new version of the table instead of failing (Pixie's known limitation): the table's
// name then reads the new version and the old one stays readable as "<table>_v<N>".
//
// One owner thread; not thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/tracepoints/probe.hpp"
#include "actors/tracepoints/proc_targets.hpp"
#include "bpf/dyntrace_loader.hpp"
#include "pxl/mutation.hpp"
#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"
#include "schemas/wire.hpp"

namespace wisp::bpftrace {
class runner;
}

namespace wisp::tracepoints {

/// Pixie's tracepoint states (GetTracepointStatus).
enum class tracepoint_state : std::uint8_t { pending, running, failed, terminated };
std::string_view to_string(tracepoint_state s);

struct tracepoint_status {
  schemas::uint128 id;
  std::string name;
  tracepoint_state state = tracepoint_state::pending;
  std::string message;              // why failed or terminated, or what runs
  std::vector<std::string> tables;  // the output table(s) the tracepoint writes
  std::int64_t expires_ns = 0;      // wall clock
  std::uint64_t processes = 0;      // processes attached now
  std::uint64_t rows = 0;           // rows written so far
};

/// Where rows go: the manager actor creates shards and appends batches.
struct table_sink {
  /// A new table (or a new version under the same name; `replaced_as` names the old one then).
  std::function<void(const std::string& name, const schemas::relation& rel,
                     const std::optional<std::string>& replaced_as)>
      create;
  std::function<void(const std::string& name, schemas::row_batch batch)> append;
};

struct deployment_options {
  std::size_t max_tracepoints = 32;                 // live at once
  std::uint64_t max_events_per_second = 200'000;    // per tracepoint; over it: detached, failed
  std::string bpftrace_path;                        // empty: found on PATH
  std::string proc_root = "/proc";
};

/// The answer to an upsert: done (running, or only its TTL was reset), failed with a reason, or
/// starting (a bpftrace program compiling: the outcome comes from poll()).
struct upsert_result {
  enum class kind : std::uint8_t { done, failed, starting } what = kind::done;
  std::string error;
  std::string table;
};

class deployments {
 public:
  deployments(deployment_options opts, table_sink sink);
  ~deployments();
  deployments(const deployments&) = delete;
  deployments& operator=(const deployments&) = delete;

  upsert_result upsert(const pxl::tracepoint_mutation& m, std::int64_t now_ns);
  /// Detaches and forgets the tracepoint; its tables stay. Empty, or why not.
  std::string remove(const std::string& name);

  /// Follows processes (attach to new ones, drop exited ones), expires TTLs and applies the
  /// event-rate cap. Call about once a second.
  void tick(std::int64_t now_ns);
  /// Reads every available event and bpftrace line into rows. Returns the outcomes of bpftrace
  /// upserts that finished starting since the last call (tracepoint name, result).
  std::vector<std::pair<std::string, upsert_result>> poll();

  std::vector<tracepoint_status> status() const;
  /// Kernel and user-space drop counters, for the results' loss rows.
  std::vector<wire::loss_counter> counters() const;

 private:
  struct binary_probe;
  struct tracepoint;

  tracepoint* find(const std::string& name);
  upsert_result deploy_uprobe(tracepoint& tp);
  upsert_result deploy_bpftrace(tracepoint& tp);
  std::string attach_new_processes(tracepoint& tp);
  void detach(tracepoint& tp, tracepoint_state state, std::string why);
  std::string open_table(tracepoint& tp, const schemas::relation& rel);
  void flush(tracepoint& tp);
  std::optional<std::uint32_t> take_slot();
  std::size_t live() const;

  deployment_options opts_;
  table_sink sink_;
  std::unique_ptr<bpf::dyntrace_loader> loader_;  // started at the first uprobe tracepoint
  std::string loader_error_;
  std::vector<std::unique_ptr<tracepoint>> tracepoints_;
  std::vector<bool> slot_used_;
  std::map<std::uint32_t, std::pair<tracepoint*, binary_probe*>> by_slot_;
  std::map<std::string, std::pair<schemas::relation, int>> tables_;  // name -> columns, version
  std::int64_t mono_to_wall_ns_ = 0;
  std::uint64_t next_id_ = 1;
  std::uint64_t bad_events_ = 0;     // events of a slot no tracepoint owns (just detached)
  std::uint64_t decode_faults_ = 0;  // captured values whose read failed
};

}  // namespace wisp::tracepoints
