#pragma once
// Loads dyntrace.bpf.c, the one generic uprobe program of dynamic tracing (bpf/dyntrace.h), writes
// fetch programs into its slots, attaches it to function entries and return sites, and reads its
// events. The tracepoint manager (actors/tracepoints) owns one loader and calls it from its own
// thread only; the class is not thread-safe. Destroying it frees the maps; links are owned by the
// caller (uprobe_link) and must be destroyed first or together.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "bpf/dyntrace.h"
#include "bpf/error.hpp"

struct bpf_link;
struct ring_buffer;
struct dyntrace_bpf;

namespace wisp::bpf {

struct dyntrace_options {
  /// Ring buffer of events: a power of two and a multiple of the page size.
  std::uint32_t ring_bytes = 4U << 20;
};

/// One attached uprobe or uretprobe; detaches when destroyed.
class uprobe_link {
 public:
  uprobe_link() = default;
  explicit uprobe_link(bpf_link* l) : link_(l) {}
  explicit operator bool() const noexcept { return link_ != nullptr; }

 private:
  struct deleter {
    void operator()(bpf_link* l) const noexcept;
  };
  std::unique_ptr<bpf_link, deleter> link_;
};

using dyntrace_counters = std::array<std::uint64_t, WISP_DT_CNT__MAX>;  // by enum wisp_dt_counter

/// Receives each event: its header and its payload (header.payload_len bytes).
using dyntrace_sink = std::function<void(const wisp_dt_event&, std::span<const std::uint8_t>)>;

class dyntrace_loader {
 public:
  [[nodiscard]] static expected<std::unique_ptr<dyntrace_loader>> start(
      const dyntrace_options& opts = {});
  ~dyntrace_loader();
  dyntrace_loader(const dyntrace_loader&) = delete;
  dyntrace_loader& operator=(const dyntrace_loader&) = delete;

  /// Writes the fetch program of `slot` (WISP_DT_LOADED is added) and zeroes its counters.
  [[nodiscard]] status set_program(std::uint32_t slot, const wisp_dt_program& program);
  /// Empties `slot`: sites still attached to it count no_program and do nothing else.
  [[nodiscard]] status clear_program(std::uint32_t slot);

  /// Attaches the program at `file_offset` of `binary` for `slot` and `site` (a uretprobe for
  /// WISP_DT_SITE_URETPROBE), in process `pid` only, or in every process mapping the binary when
  /// pid is -1.
  [[nodiscard]] expected<uprobe_link> attach(std::uint32_t slot, wisp_dt_site site,
                                             const std::string& binary, std::uint64_t file_offset,
                                             int pid);

  /// Waits up to timeout_ms (0: do not wait) and hands every available event to `sink`.
  /// Returns how many records were consumed.
  [[nodiscard]] expected<std::size_t> poll(int timeout_ms, const dyntrace_sink& sink);

  /// The slot's counters summed over CPUs.
  [[nodiscard]] expected<dyntrace_counters> counters(std::uint32_t slot) const;

  /// Records shorter than their header or payload_len (never expected; counted, skipped).
  std::uint64_t bad_records() const noexcept { return bad_records_; }

 private:
  struct skeleton_deleter {
    void operator()(dyntrace_bpf* s) const noexcept;
  };
  struct ring_deleter {
    void operator()(ring_buffer* rb) const noexcept;
  };
  dyntrace_loader() = default;
  static int on_record(void* ctx, void* data, std::size_t size);
  [[nodiscard]] status zero_counters(std::uint32_t slot);

  std::unique_ptr<dyntrace_bpf, skeleton_deleter> skel_;
  std::unique_ptr<ring_buffer, ring_deleter> rb_;
  const dyntrace_sink* sink_ = nullptr;  // set during poll()
  std::uint64_t bad_records_ = 0;
  int ncpus_ = 0;
};

}  // namespace wisp::bpf
