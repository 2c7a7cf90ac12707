// libFuzzer target over what the Kubernetes metadata module reads from outside: HTTP responses
// from the API server (head, chunked/length/close framing, whole bodies and event lines), the
// JSON objects inside them, and /proc/PID/cgroup contents.
//
// Input: a JSON document ('{' first, as the seed corpus test/cluster/metadata/replay/* is) is
// sent as a chunked watch stream and also decoded as a LIST; otherwise the first byte selects:
// 0 raw HTTP response read whole, 1 raw HTTP response read by lines, 2 a cgroup file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "cluster/metadata/cgroup_mapping.hpp"
#include "cluster/metadata/http_client.hpp"
#include "cluster/metadata/k8s_objects.hpp"

namespace {

using namespace wisp::cluster::metadata;
namespace json = wisp::pxl::json;

// Hands out the input in reads of varying size, then end of stream.
class memory_stream final : public byte_stream {
 public:
  explicit memory_stream(std::string bytes) : bytes_(std::move(bytes)) {}
  expected<std::size_t> read_some(char* buf, std::size_t n) override {
    std::size_t k = std::min<std::size_t>({n, bytes_.size() - pos_, 1 + pos_ * 31 % 509});
    std::memcpy(buf, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  status write_all(std::string_view) override { return ok(); }

 private:
  std::string bytes_;
  std::size_t pos_ = 0;
};

http_limits small_limits() {
  http_limits l;
  l.max_head_bytes = 4096;
  l.max_body_bytes = 1 << 20;
  l.max_line_bytes = 64 * 1024;
  return l;
}

void decode_all_kinds(const json::value_ref& v) {
  for (auto k : all_resource_kinds) {
    auto o = decode_object(k, v);
    if (o && meta_of(*o).uid.empty()) __builtin_trap();  // uid is required
  }
}

void read_lines(std::string wire) {
  auto r = http_response::open(std::make_unique<memory_stream>(std::move(wire)), {"/w", "h", ""},
                               small_limits());
  if (!r) return;
  for (int i = 0; i < 100000; ++i) {
    auto line = r->next_line();
    if (!line || line->what == body_line::kind::end) return;
    if (line->text.size() > small_limits().max_line_bytes + 2) __builtin_trap();
    auto ev = json::parse(line->text);
    if (!ev) continue;
    if (auto obj = json::member(ev->raw, "object")) decode_all_kinds(*obj);
  }
}

void read_whole(std::string wire) {
  auto r = http_response::open(std::make_unique<memory_stream>(std::move(wire)), {"/l", "h", ""},
                               small_limits());
  if (!r) return;
  auto body = r->read_body();
  if (body && body->size() > small_limits().max_body_bytes) __builtin_trap();
}

std::string chunked(std::string_view body, std::size_t chunk) {
  std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    auto part = body.substr(i, chunk);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size;
    out += part;
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view in{reinterpret_cast<const char*>(data), size};
  if (in[0] == '{') {
    read_lines(chunked(in, size % 97 + 1));
    if (auto doc = json::parse(in))
      if (auto items = json::member(doc->raw, "items"); items && items->kind == json::kind::array)
        json::for_each_element(*items, [](const json::value_ref& v) {
          decode_all_kinds(v);
          return true;
        });
    return 0;
  }
  std::string rest(in.substr(1));
  switch (static_cast<unsigned char>(in[0]) % 3) {
    case 0: read_whole(std::move(rest)); break;
    case 1: read_lines(std::move(rest)); break;
    default: {
      auto r = parse_proc_cgroup(rest);
      if (r && r->pod_uid.size() != 36) __builtin_trap();
    }
  }
  return 0;
}
