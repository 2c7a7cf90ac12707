#pragma once
// mysql records as one line each, for comparing with expected lists in tests.

#include <string>
#include <vector>

#include "actors/protocols/mysql/stitch.hpp"

namespace wisp::protocols::mysql::test_text {

/// "<command name>: <req_body> -> <status> <resp_body>", what the record's row shows.
inline std::vector<std::string> texts(const std::vector<record>& rs) {
  static constexpr const char* status[] = {"unknown", "none", "OK", "Err"};
  std::vector<std::string> v;
  for (const record& r : rs) {
    v.push_back(std::string{command_name(r.req_cmd)} + ": " + r.req_body + " -> " +
                status[static_cast<int>(r.status)] + " " + r.resp_body);
  }
  return v;
}

}  // namespace wisp::protocols::mysql::test_text
