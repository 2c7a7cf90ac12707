#pragma once
// A small JSON reader and writer for the JSON-in-a-string values PxL functions take and return
// (px.pluck*, quantiles, script references, SQL normalisation). The reader validates a whole
// document (RFC 8259; nesting limited to max_depth so hostile input cannot exhaust the stack)
// and hands out views into it, without building a tree or allocating. Pure functions; any
// thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wisp::pxl::json {

enum class kind : std::uint8_t { null, boolean, number, string, array, object };

/// One JSON value: its kind and its exact text inside the document (strings keep their quotes).
struct value_ref {
  json::kind kind = json::kind::null;
  std::string_view raw;
};

inline constexpr int max_depth = 256;

/// The document's single value (surrounding whitespace allowed), or nullopt if the text is not
/// valid JSON.
std::optional<value_ref> parse(std::string_view text);
/// As parse; on invalid text also sets `error_offset` to where validation stopped.
std::optional<value_ref> parse(std::string_view text, std::size_t& error_offset);

/// Calls f(key, value) for each member of a valid object in document order while f returns
/// true. `key` is the raw key token (quotes included); compare with key_equals.
template <class F>
void for_each_member(const value_ref& object, F&& f);
/// Calls f(value) for each element of a valid array while f returns true.
template <class F>
void for_each_element(const value_ref& array, F&& f);

/// True if the raw key token (with quotes and escapes) decodes to `key`.
bool key_equals(std::string_view raw_key, std::string_view key);

/// The first member named `key` of `doc`'s top-level object; nullopt if `doc` is not valid
/// JSON, not an object, or has no such member.
std::optional<value_ref> member(std::string_view doc, std::string_view key);
/// Element `index` of `doc`'s top-level array (nullopt as for member, or out of range).
std::optional<value_ref> element(std::string_view doc, std::int64_t index);

/// A raw string token's decoded text (escapes resolved, \u surrogate pairs to UTF-8).
std::string decode_string(std::string_view raw);
/// A value as text the way px.pluck returns it: a string's decoded text, "" for null, anything
/// else in compact JSON (whitespace outside strings removed).
std::string to_text(const value_ref& v);
std::optional<double> to_double(const value_ref& v);
/// An integer-valued number exactly; a fractional number truncated toward zero (saturating).
std::optional<std::int64_t> to_int64(const value_ref& v);

/// Appends a number the way JSON writers print doubles: shortest round-trip digits, with ".0"
/// on integral values; NaN and infinities (not JSON) as null.
void append_number(std::string& out, double v);

namespace detail {

/// Recursive-descent validator over one document. `value` consumes one value at pos_.
class scanner {
 public:
  explicit scanner(std::string_view text) : s_(text) {}
  bool value(value_ref& out, int depth);
  void skip_ws();
  bool at_end() {
    skip_ws();
    return pos_ == s_.size();
  }
  bool consume(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool string_token(std::string_view& raw);
  /// Offset of the next unread character: after a failed value(), where the text went wrong.
  std::size_t position() const { return pos_; }

 private:
  bool number();
  bool literal(std::string_view word);
  bool container(char close, int depth);

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace detail

template <class F>
void for_each_member(const value_ref& object, F&& f) {
  detail::scanner sc{object.raw};
  sc.consume('{');
  if (sc.consume('}')) return;
  do {
    std::string_view key;
    value_ref v;
    sc.skip_ws();
    if (!sc.string_token(key) || !sc.consume(':') || !sc.value(v, 1)) return;
    if (!f(key, v)) return;
  } while (sc.consume(','));
}

template <class F>
void for_each_element(const value_ref& array, F&& f) {
  detail::scanner sc{array.raw};
  sc.consume('[');
  if (sc.consume(']')) return;
  do {
    value_ref v;
    if (!sc.value(v, 1)) return;
    if (!f(v)) return;
  } while (sc.consume(','));
}

}  // namespace wisp::pxl::json
