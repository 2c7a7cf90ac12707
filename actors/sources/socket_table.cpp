#include "actors/sources/socket_table.hpp"

#include <sys/stat.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace wisp::sources {
namespace {

constexpr int hex_base = 16;

std::string_view next_field(std::string_view& line) {
  std::size_t b = line.find_first_not_of(" \t");
  if (b == std::string_view::npos) {
    line = {};
    return {};
  }
  std::size_t e = line.find_first_of(" \t", b);
  std::string_view f = line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
  line = e == std::string_view::npos ? std::string_view{} : line.substr(e);
  return f;
}

template <class T>
bool parse_hex(std::string_view s, T& out) {
  if (s.empty())
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, hex_base);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

proc_net_tcp_parse parse_proc_net_tcp(std::string_view contents) {
  proc_net_tcp_parse out;
  bool header = true;
  while (!contents.empty()) {
    std::size_t nl = contents.find('\n');
    std::string_view line = contents.substr(0, nl);
    contents = nl == std::string_view::npos ? std::string_view{} : contents.substr(nl + 1);
    if (header) {  // "  sl  local_address rem_address   st ..."
      header = false;
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    ++out.lines;
    std::string_view rest = line;
    std::string_view slot = next_field(rest);
    std::string_view local = next_field(rest);
    std::string_view remote = next_field(rest);
    std::string_view state = next_field(rest);
    std::size_t colon = local.rfind(':');
    std::uint16_t port = 0;
    unsigned st = 0;
    if (slot.empty() || slot.back() != ':' || colon == std::string_view::npos || remote.empty() ||
        !parse_hex(local.substr(colon + 1), port) || !parse_hex(state, st)) {
      ++out.bad_lines;
      continue;
    }
    if (st == tcp_state_listen)
      out.listening_ports.push_back(port);
  }
  return out;
}

host_proc_reader::host_proc_reader(std::string proc_root) : root_(std::move(proc_root)) {}

std::optional<std::string> host_proc_reader::read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::uint64_t> host_proc_reader::netns_of(std::uint32_t pid) {
  struct stat st {};
  if (::stat((root_ + "/" + std::to_string(pid) + "/ns/net").c_str(), &st) != 0)
    return std::nullopt;
  return static_cast<std::uint64_t>(st.st_ino);
}

socket_table::socket_table(std::unique_ptr<proc_reader> reader, std::string proc_root,
                           clock::duration refresh)
    : reader_(std::move(reader)), root_(std::move(proc_root)), refresh_(refresh) {}

schemas::trace_role socket_table::infer_role(std::uint32_t pid, std::uint16_t local_port,
                                             clock::time_point now) {
  auto ns = reader_->netns_of(pid);
  if (!ns)
    return schemas::trace_role::unknown;
  auto it = by_netns_.find(*ns);
  if (it == by_netns_.end() || now - it->second.loaded >= refresh_) {
    netns_entry entry;
    entry.loaded = now;
    bool any = false;
    for (const char* file : {"tcp", "tcp6"}) {
      auto text = reader_->read_file(root_ + "/" + std::to_string(pid) + "/net/" + file);
      if (!text)
        continue;
      any = true;
      auto parsed = parse_proc_net_tcp(*text);
      bad_lines_ += parsed.bad_lines;
      entry.listening.insert(parsed.listening_ports.begin(), parsed.listening_ports.end());
    }
    if (!any)
      return schemas::trace_role::unknown;
    it = by_netns_.insert_or_assign(*ns, std::move(entry)).first;
  }
  return it->second.listening.contains(local_port) ? schemas::trace_role::server
                                                   : schemas::trace_role::client;
}

}  // namespace wisp::sources
