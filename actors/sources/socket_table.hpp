#pragma once
// Role of connections the socket tracer first saw on a data syscall (opened before the agent
// started, WISP_OPEN_INFERRED): server if the local port is a TCP listening port in the process's
// network namespace, else client. Listening ports come from /proc/<pid>/net/tcp and tcp6, cached
// per network namespace and re-read after a refresh interval.
//
// Owned by the socket_tracer actor; not thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "schemas/canonical.hpp"

namespace wisp::sources {

/// The TCP socket state of a listening socket in /proc/net/tcp ("0A").
inline constexpr unsigned tcp_state_listen = 0x0A;

struct proc_net_tcp_parse {
  std::vector<std::uint16_t> listening_ports;  // local ports of sockets in state LISTEN
  std::size_t lines = 0;                       // socket lines seen (header excluded)
  std::size_t bad_lines = 0;                   // lines skipped as malformed
};

/// Parses the contents of /proc/<pid>/net/tcp or tcp6. Malformed lines are counted and skipped.
proc_net_tcp_parse parse_proc_net_tcp(std::string_view contents);

/// File access behind the table, replaceable in tests.
class proc_reader {
 public:
  virtual ~proc_reader() = default;
  /// The whole file, or nullopt when it cannot be read (process gone, no permission).
  virtual std::optional<std::string> read_file(const std::string& path) = 0;
  /// Inode of /proc/<pid>/ns/net, or nullopt when the process is gone.
  virtual std::optional<std::uint64_t> netns_of(std::uint32_t pid) = 0;
};

/// Reads the real /proc.
class host_proc_reader final : public proc_reader {
 public:
  explicit host_proc_reader(std::string proc_root = "/proc");
  std::optional<std::string> read_file(const std::string& path) override;
  std::optional<std::uint64_t> netns_of(std::uint32_t pid) override;

 private:
  std::string root_;
};

class socket_table {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds default_refresh{5};

  socket_table(std::unique_ptr<proc_reader> reader, std::string proc_root = "/proc",
               clock::duration refresh = default_refresh);

  /// Role of an inferred connection of process `pid` whose local port is `local_port`; unknown
  /// when the process's namespace cannot be read.
  schemas::trace_role infer_role(std::uint32_t pid, std::uint16_t local_port, clock::time_point now);

  /// Malformed lines seen across all reads.
  std::size_t bad_lines() const noexcept { return bad_lines_; }

 private:
  struct netns_entry {
    std::unordered_set<std::uint16_t> listening;
    clock::time_point loaded;
  };

  std::unique_ptr<proc_reader> reader_;
  std::string root_;
  clock::duration refresh_;
  std::unordered_map<std::uint64_t, netns_entry> by_netns_;
  std::size_t bad_lines_ = 0;
};

}  // namespace wisp::sources
