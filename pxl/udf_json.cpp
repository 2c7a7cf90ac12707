// JSON UDFs (facts §7 "JSON"): px.pluck*, split, script references, and the helpers that read
// JSON-array-valued fields (has_value, cidrs_contain_ip). Malformed JSON never fails a query:
// it gives "", 0 or false, as in Pixie.

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "pxl/functions.hpp"
#include "pxl/json.hpp"
#include "schemas/json.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;
using namespace signature_types;

// pluck(json, key): the member as text ("" when missing, null, or the document is invalid).
struct pluck_op {
  std::string buf;
  std::string_view operator()(std::string_view doc, std::string_view key) {
    auto v = json::member(doc, key);
    if (!v) return {};
    if (v->kind == json::kind::number || v->kind == json::kind::boolean) return v->raw;
    buf = json::to_text(*v);
    return buf;
  }
};
struct pluck_int64_op {
  std::int64_t operator()(std::string_view doc, std::string_view key) const {
    auto v = json::member(doc, key);
    return v ? json::to_int64(*v).value_or(0) : 0;
  }
};
struct pluck_float64_op {
  double operator()(std::string_view doc, std::string_view key) const {
    auto v = json::member(doc, key);
    return v ? json::to_double(*v).value_or(0.0) : 0.0;
  }
};
// pluck_array(json_array, index): element `index` as text, "" when out of range or invalid.
struct pluck_array_op {
  std::string buf;
  std::string_view operator()(std::string_view doc, std::int64_t index) {
    auto v = json::element(doc, index);
    if (!v) return {};
    buf = json::to_text(*v);
    return buf;
  }
};
// split(s, delimiter) -> JSON array of the pieces; an empty delimiter splits every byte.
struct split_op {
  std::string buf;
  std::string_view operator()(std::string_view s, std::string_view delim) {
    buf = "[";
    auto piece = [&](std::string_view p) {
      if (buf.size() > 1) buf += ',';
      schemas::append_json_string(buf, p);
    };
    if (delim.empty()) {
      for (std::size_t i = 0; i < s.size(); ++i) piece(s.substr(i, 1));
    } else {
      while (true) {
        auto p = s.find(delim);
        piece(s.substr(0, p));
        if (p == std::string_view::npos) break;
        s.remove_prefix(p + delim.size());
      }
    }
    buf += ']';
    return buf;
  }
};

// has_value(field, value): the field equals the value or is a JSON array holding it (pods behind
// several services have such fields, facts §2.4).
struct has_value_op {
  bool operator()(std::string_view field, std::string_view value) const {
    if (field == value) return true;
    if (!field.starts_with('[')) return false;
    auto root = json::parse(field);
    if (!root || root->kind != json::kind::array) return false;
    bool found = false;
    json::for_each_element(*root, [&](const json::value_ref& v) {
      found = v.kind == json::kind::string && json::decode_string(v.raw) == value;
      return !found;
    });
    return found;
  }
};

// An IPv4 or IPv6 network in CIDR notation.
struct cidr {
  int family = 0;
  std::array<unsigned char, 16> addr{};
  int prefix = 0;
};

std::optional<cidr> parse_ip(std::string_view text, int prefix_or_full) {
  std::string s{text};
  cidr c;
  if (inet_pton(AF_INET, s.c_str(), c.addr.data()) == 1) {
    c.family = AF_INET;
    c.prefix = prefix_or_full < 0 ? 32 : prefix_or_full;
    return c.prefix <= 32 ? std::optional{c} : std::nullopt;
  }
  if (inet_pton(AF_INET6, s.c_str(), c.addr.data()) == 1) {
    c.family = AF_INET6;
    c.prefix = prefix_or_full < 0 ? 128 : prefix_or_full;
    return c.prefix <= 128 ? std::optional{c} : std::nullopt;
  }
  return std::nullopt;
}

std::optional<cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return parse_ip(text, -1);
  int prefix = 0;
  auto bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3) return std::nullopt;
  for (char c : bits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  return parse_ip(text.substr(0, slash), prefix);
}

bool contains(const cidr& net, const cidr& ip) {
  if (net.family != ip.family) return false;
  int full = net.prefix / 8, rest = net.prefix % 8;
  if (std::memcmp(net.addr.data(), ip.addr.data(), static_cast<std::size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (net.addr[static_cast<std::size_t>(full)] & mask) == (ip.addr[static_cast<std::size_t>(full)] & mask);
}

// cidrs_contain_ip(cidrs_json, ip): true if the IP is in one of the networks of the JSON array.
struct cidrs_contain_ip_op {
  std::string cidrs_text;
  std::vector<cidr> nets;
  bool ready = false;
  bool operator()(std::string_view cidrs_json, std::string_view ip_text) {
    if (!ready || cidrs_json != cidrs_text) {
      cidrs_text.assign(cidrs_json);
      nets.clear();
      if (auto root = json::parse(cidrs_json); root && root->kind == json::kind::array)
        json::for_each_element(*root, [&](const json::value_ref& v) {
          if (v.kind == json::kind::string)
            if (auto c = parse_cidr(json::decode_string(v.raw))) nets.push_back(*c);
          return true;
        });
      ready = true;
    }
    auto ip = parse_ip(ip_text, -1);
    if (!ip) return false;
    return std::any_of(nets.begin(), nets.end(), [&](const cidr& n) { return contains(n, *ip); });
  }
};

std::string_view string_at(const kernel_arg& a, std::size_t row) {
  return a.column ? a.column->strings().at(row) : std::string_view{std::get<std::string>(a.constant->value)};
}

// _script_reference(label, script, name1, value1, ...) -> {"label":..,"script":..,"args":{..}}:
// the deep link a UI renders for a cell (facts §2.7).
void script_reference_kernel(std::span<const kernel_arg> args, std::size_t rows,
                             schemas::column& out) {
  std::string buf;
  auto& strings = out.strings();
  for (std::size_t row = 0; row < rows; ++row) {
    buf = "{\"label\":";
    schemas::append_json_string(buf, string_at(args[0], row));
    buf += ",\"script\":";
    schemas::append_json_string(buf, string_at(args[1], row));
    buf += ",\"args\":{";
    for (std::size_t k = 2; k + 1 < args.size(); k += 2) {
      if (k > 2) buf += ',';
      schemas::append_json_string(buf, string_at(args[k], row));
      buf += ':';
      schemas::append_json_string(buf, string_at(args[k + 1], row));
    }
    buf += "}}";
    strings.push_back(buf);
  }
}

// Up to this many name/value pairs in one script reference.
constexpr std::size_t max_script_reference_args = 16;

}  // namespace

void register_json_udfs(function_registry& r) {
  r.add(make_udf<s_, pluck_op, s_, s_>("pluck"));
  r.add(make_udf<i_, pluck_int64_op, s_, s_>("pluck_int64"));
  r.add(make_udf<f_, pluck_float64_op, s_, s_>("pluck_float64"));
  r.add(make_udf<s_, pluck_array_op, s_, i_>("pluck_array"));
  r.add(make_udf<s_, split_op, s_, s_>("split"));
  for (const char* name : {"has_value", "has_service_name", "has_service_id"})
    r.add(make_udf<b_, has_value_op, s_, s_>(name));
  r.add(make_udf<b_, cidrs_contain_ip_op, s_, s_>("cidrs_contain_ip"));

  // The compiler turns px.script_reference(label, script, {name: value, ...}) into
  // _script_reference(label, script, name, value, ...); both names take the flat form.
  for (const char* name : {"_script_reference", "script_reference"}) {
    for (std::size_t pairs = 0; pairs <= max_script_reference_args; ++pairs) {
      udf_def f;
      f.name = name;
      f.args.assign(2 + 2 * pairs, s_);
      f.result = s_;
      f.semantic = semantic_rule::fixed;
      f.semantic_value = schemas::semantic_type::st_script_reference;
      f.kernel = &script_reference_kernel;
      r.add(std::move(f));
    }
  }
}

}  // namespace wisp::pxl
