#include "actors/sources/bpftrace/output.hpp"

#include <time.h>

#include <charconv>
#include <optional>
#include <utility>

#include "actors/sources/bpftrace/program.hpp"
#include "pxl/json.hpp"

namespace wisp::bpftrace {

namespace json = pxl::json;

std::int64_t realtime_offset_ns() {
  auto ns = [](clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  };
  // The monotonic reading is bracketed by two realtime ones; their midpoint is the realtime
  // instant that matches it best.
  const std::int64_t before = ns(CLOCK_REALTIME);
  const std::int64_t mono = ns(CLOCK_MONOTONIC);
  const std::int64_t after = ns(CLOCK_REALTIME);
  return before + (after - before) / 2 - mono;
}

namespace {

/// One column's value while a text is being matched.
struct field {
  std::int64_t number = 0;
  std::string_view text;
};

bool is_space(char c) { return c == ' '; }

/// Walks a printf_format over one printf text (see output.hpp for the rule).
class matcher {
 public:
  matcher(const printf_format& f, std::string_view text, std::vector<field>& out)
      : f_(f), t_(text), out_(out) {
    out_.assign(f.columns.size(), field{});
  }

  bool run() {
    const std::string_view first = f_.literals.front();
    if (t_.substr(0, first.size()) != first) return fail(0, "expected \"" + std::string{first} + "\"");
    return column(0, first.size());
  }
  const std::string& reason() const { return reason_; }

 private:
  bool fail(std::size_t at, std::string why) {
    if (at >= furthest_) {
      furthest_ = at;
      reason_ = "at byte " + std::to_string(at) + ": " + std::move(why);
    }
    return false;
  }

  /// Matches column c at `at` and everything after it.
  bool column(std::size_t c, std::size_t at) {
    if (++steps_ > max_match_steps) {
      exhausted_ = true;
      return fail(at, "too many ways to split the text (over " +
                          std::to_string(max_match_steps) + " steps)");
    }
    const format_column& col = f_.columns[c];
    const std::string_view next = f_.literals[c + 1];
    const bool last = c + 1 == f_.columns.size();
    if (is_integer(col.spec.conv)) {
      auto end = integer(col, at, out_[c].number);
      if (!end) return false;
      return after(c, *end, next, last);
    }
    if (last) {
      // The final literal must end the text; the string takes everything before it.
      if (t_.size() < at + next.size() || t_.substr(t_.size() - next.size()) != next)
        return fail(at, "expected the text to end with \"" + std::string{next} + "\"");
      out_[c].text = unpad(col.spec, t_.substr(at, t_.size() - next.size() - at));
      return true;
    }
    for (std::size_t end = t_.find(next, at); end != std::string_view::npos;
         end = t_.find(next, end + 1)) {
      out_[c].text = unpad(col.spec, t_.substr(at, end - at));
      if (column(c + 1, end + next.size())) return true;
      if (exhausted_) return false;
    }
    return fail(at, "no \"" + std::string{next} + "\" after column " + col.name);
  }

  /// After column c ended at `end`: the next literal, then the next column or the end.
  bool after(std::size_t c, std::size_t end, std::string_view next, bool last) {
    if (t_.substr(end, next.size()) != next)
      return fail(end, "expected \"" + std::string{next} + "\" after column " +
                           f_.columns[c].name);
    const std::size_t resume = end + next.size();
    if (last) return resume == t_.size() || fail(resume, "unexpected text after the last column");
    return column(c + 1, resume);
  }

  /// Reads an integer column at `at`; the offset after it (and its padding).
  std::optional<std::size_t> integer(const format_column& col, std::size_t at, std::int64_t& v) {
    const specifier& s = col.spec;
    std::size_t p = at;
    if (s.width > 0 && !s.left_justify)
      while (p < t_.size() && is_space(t_[p])) ++p;
    const char* first = t_.data() + p;
    const char* last = t_.data() + t_.size();
    std::from_chars_result r{};
    switch (s.conv) {
      case conversion::signed_decimal: r = std::from_chars(first, last, v, 10); break;
      case conversion::pointer:
        if (t_.substr(p, 5) == "(nil)") {
          v = 0;
          r = {first + 5, std::errc{}};
          break;
        }
        if (t_.substr(p, 2) != "0x") {
          fail(p, "expected a pointer (0x... or (nil)) for column " + col.name);
          return std::nullopt;
        }
        r = unsigned_value(first + 2, last, 16, v);
        break;
      case conversion::unsigned_decimal: r = unsigned_value(first, last, 10, v); break;
      case conversion::hex_lower:
      case conversion::hex_upper: r = unsigned_value(first, last, 16, v); break;
      case conversion::octal: r = unsigned_value(first, last, 8, v); break;
      default: break;
    }
    if (r.ec == std::errc::result_out_of_range) {
      fail(p, "integer out of range for column " + col.name);
      return std::nullopt;
    }
    if (r.ec != std::errc{}) {
      fail(p, "expected an integer for column " + col.name);
      return std::nullopt;
    }
    std::size_t end = static_cast<std::size_t>(r.ptr - t_.data());
    if (s.left_justify)
      while (end < t_.size() && end - at < s.width && is_space(t_[end])) ++end;
    return end;
  }

  /// Unsigned text of any width up to 64 bits, kept as its two's-complement int64 (as Pixie
  /// stores bpftrace's unsigned integers).
  static std::from_chars_result unsigned_value(const char* first, const char* last, int base,
                                               std::int64_t& v) {
    std::uint64_t u = 0;
    auto r = std::from_chars(first, last, u, base);
    if (r.ec == std::errc{}) v = static_cast<std::int64_t>(u);
    return r;
  }

  static std::string_view unpad(const specifier& s, std::string_view v) {
    if (s.width == 0 || v.size() > s.width) return v;
    if (s.left_justify) {
      while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
    } else {
      while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
    }
    return v;
  }

  const printf_format& f_;
  std::string_view t_;
  std::vector<field>& out_;
  std::size_t steps_ = 0;
  bool exhausted_ = false;
  std::size_t furthest_ = 0;
  std::string reason_;
};

/// A record's "type" and "data" members.
struct record {
  std::string type;
  json::value_ref data;
};

std::optional<record> read_record(std::string_view line) {
  auto doc = json::parse(line);
  if (!doc || doc->kind != json::kind::object) return std::nullopt;
  record r;
  bool typed = false;
  json::for_each_member(*doc, [&](std::string_view key, const json::value_ref& v) {
    if (json::key_equals(key, "type") && v.kind == json::kind::string) {
      r.type = json::decode_string(v.raw);
      typed = true;
    } else if (json::key_equals(key, "data")) {
      r.data = v;
    }
    return true;
  });
  if (!typed) return std::nullopt;
  return r;
}

/// A number member of a record's data object ({"probes": 2}, {"events": 7}).
std::optional<std::int64_t> data_number(const json::value_ref& data, std::string_view key) {
  std::optional<std::int64_t> out;
  if (data.kind != json::kind::object) return out;
  json::for_each_member(data, [&](std::string_view k, const json::value_ref& v) {
    if (json::key_equals(k, key)) out = json::to_int64(v);
    return !out;
  });
  return out;
}

}  // namespace

output_parser::output_parser(printf_format format, std::int64_t realtime_offset)
    : format_(std::move(format)), realtime_offset_(realtime_offset) {}

schemas::row_batch output_parser::make_batch() const {
  return schemas::make_empty_batch(to_relation(format_));
}

line_kind output_parser::consume_line(std::string_view line, schemas::row_batch& out) {
  ++counters_.lines;
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
    ++counters_.messages;  // bpftrace prints blank lines when it exits
    return line_kind::message;
  }
  auto rec = read_record(line);
  if (!rec) {
    record_bad(line, "not a JSON record of bpftrace -f json");
    return line_kind::bad;
  }
  if (rec->type == "printf") {
    if (rec->data.kind != json::kind::string) {
      record_bad(line, "printf record without a string \"data\"");
      return line_kind::bad;
    }
    const std::string text = json::decode_string(rec->data.raw);
    if (text == std::string{attach_marker} + "\n") {
      ++counters_.messages;
      return line_kind::attach_marker;
    }
    return consume_printf(text, out) ? line_kind::row : line_kind::bad;
  }
  if (rec->type == "attached_probes") {
    counters_.attached_probes = static_cast<std::uint64_t>(data_number(rec->data, "probes").value_or(0));
    ++counters_.messages;
    return line_kind::attached;
  }
  if (rec->type == "lost_events") {
    const auto lost = data_number(rec->data, "events");
    if (!lost || *lost < 0) {
      record_bad(line, "lost_events record without an event count");
      return line_kind::bad;
    }
    counters_.lost_events += static_cast<std::uint64_t>(*lost);
    return line_kind::lost_events;
  }
  ++counters_.messages;
  return line_kind::message;
}

bool output_parser::consume_printf(std::string_view text, schemas::row_batch& out) {
  std::vector<field> fields;
  matcher m{format_, text, fields};
  if (!m.run()) {
    record_bad(text, m.reason());
    return false;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const format_column& col = format_.columns[i];
    if (col.type == schemas::data_type::time64ns) {
      std::int64_t wall = 0;
      if (__builtin_add_overflow(fields[i].number, realtime_offset_, &wall)) {
        record_bad(text, "time_ value out of range");
        return false;
      }
      fields[i].number = wall;
    }
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (is_integer(format_.columns[i].spec.conv)) {
      out.columns[i].push_int(fields[i].number);
    } else {
      out.columns[i].push_string(fields[i].text);
    }
  }
  ++counters_.rows;
  return true;
}

void output_parser::record_bad(std::string_view text, std::string reason) {
  ++counters_.bad_lines;
  if (bad_.size() < kept_bad_lines) bad_.push_back({std::string{text}, std::move(reason)});
}

}  // namespace wisp::bpftrace
