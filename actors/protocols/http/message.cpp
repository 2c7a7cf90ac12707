#include "actors/protocols/http/message.hpp"

#include <algorithm>

namespace wisp::protocols::http {
namespace {

constexpr std::int64_t first_interim_status = 100;
constexpr std::int64_t switching_protocols = 101;
constexpr std::int64_t first_final_status = 200;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char x, char y) { return lower(x) == lower(y); });
  return it != haystack.end() || needle.empty();
}

std::optional<std::string_view> message::find_header(std::string_view name) const {
  for (const header& h : headers)
    if (iequals(h.name, name)) return std::string_view{h.value};
  return std::nullopt;
}

bool message::is_interim() const {
  // 101 ends the HTTP exchange (the connection switches protocol), so it is the final response.
  return type == message_type::response && status >= first_interim_status &&
         status < first_final_status && status != switching_protocols;
}

}  // namespace wisp::protocols::http
