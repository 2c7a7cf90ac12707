#pragma once
// Builders of DNS wire bytes for tests (RFC 1035 §4.1).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "test/actors/protocols/int_wire.hpp"

namespace wisp::protocols::dns::wire {

inline constexpr std::uint16_t query_flags = 0x0100;     // RD
inline constexpr std::uint16_t response_flags = 0x8180;  // QR, RD, RA
inline constexpr std::uint16_t type_a = 1;
inline constexpr std::uint16_t type_cname = 5;
inline constexpr std::uint16_t type_txt = 16;
inline constexpr std::uint16_t type_aaaa = 28;

using protocols::test::be16;

/// "www.example" -> 3www7example0 ("" is the root).
inline std::string name(std::string_view dotted) {
  std::string out;
  while (!dotted.empty()) {
    std::size_t dot = dotted.find('.');
    std::string_view label = dotted.substr(0, dot);
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  out.push_back('\0');
  return out;
}

/// A compression pointer to offset `at` of the message.
inline std::string pointer(std::uint16_t at) { return be16(static_cast<std::uint16_t>(0xc000 | at)); }

inline std::string wire_header(std::uint16_t txid, std::uint16_t flags, std::uint16_t qd, std::uint16_t an,
                          std::uint16_t ns = 0, std::uint16_t ar = 0) {
  return be16(txid) + be16(flags) + be16(qd) + be16(an) + be16(ns) + be16(ar);
}

/// A question: wire name, type, class IN.
inline std::string wire_question(const std::string& wire_name, std::uint16_t type) {
  return wire_name + be16(type) + be16(1);
}

/// A resource record: wire name, type, class IN, TTL 60, RDLENGTH, RDATA.
inline std::string rr(const std::string& wire_name, std::uint16_t type, const std::string& rdata) {
  return wire_name + be16(type) + be16(1) + be16(0) + be16(60) + be16(static_cast<std::uint16_t>(rdata.size())) +
         rdata;
}

inline std::string ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)};
}

/// A query for one name.
inline std::string query(std::uint16_t txid, std::string_view qname, std::uint16_t type) {
  return wire_header(txid, query_flags, 1, 0) + wire_question(name(qname), type);
}

/// The answer to query(txid, qname, type) with one A record for the name (compressed).
inline std::string a_response(std::uint16_t txid, std::string_view qname, const std::string& addr) {
  return wire_header(txid, response_flags, 1, 1) + wire_question(name(qname), type_a) + rr(pointer(12), type_a, addr);
}

/// TCP framing: the 2-byte length, then the message.
inline std::string tcp(const std::string& msg) { return be16(static_cast<std::uint16_t>(msg.size())) + msg; }

}  // namespace wisp::protocols::dns::wire
