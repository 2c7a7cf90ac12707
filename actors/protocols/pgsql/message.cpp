#include "actors/protocols/pgsql/message.hpp"

#include <array>

namespace wisp::protocols::pgsql {
namespace {

constexpr std::string_view frontend_tags = "BCfDEHFPpQSXdc";
constexpr std::string_view backend_tags = "RK23CWGHDIEVvnNAt1sSTZdc";

struct tag_name {
  char tag;
  std::string_view name;
};

// Pixie's req_cmd strings (facts §1.2).
constexpr std::array<tag_name, 14> request_names{{
    {tag::copy_data, "Copy Data"},
    {tag::copy_done, "Copy Done"},
    {tag::query, "Query"},
    {tag::copy_fail, "Copy Fail"},
    {tag::close, "Close"},
    {tag::bind, "Bind"},
    {tag::password, "Password Message"},
    {tag::parse, "Parse"},
    {tag::describe, "Describe"},
    {tag::sync, "Sync"},
    {tag::execute, "Execute"},
    {tag::terminate, "Terminate"},
    {tag::flush, "Flush"},
    {tag::function_call, "Function Call"},
}};

}  // namespace

std::string_view request_name(char t) {
  for (const tag_name& n : request_names)
    if (n.tag == t) return n.name;
  return "Unknown";
}

bool is_tag(message_type type, char t) {
  std::string_view tags = type == message_type::request ? frontend_tags : backend_tags;
  return t != '\0' && tags.find(t) != std::string_view::npos;
}

}  // namespace wisp::protocols::pgsql
