#pragma once
// CURVE key pairs and the allowlist of client keys (ZeroMQ CURVE, RFC 26 / ZMTP 3.x).
//
// Files: `NAME.key` holds the secret key and `NAME.pub` the public key, each one Z85 line (40
// characters); the secret file is created 0600 and never overwritten. An allowlist file holds
// one Z85 public key per line, optionally followed by blanks and a `# comment`; a line that
// starts with `#` is a comment (Z85 uses `#` inside keys, never as their first character); blank
// lines are ignored. Pure functions plus file I/O; any thread.

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace wisp::cluster {

inline constexpr std::size_t z85_key_chars = 40;
inline constexpr std::size_t curve_key_bytes = 32;

struct curve_keypair {
  std::string public_z85;
  std::string secret_z85;
};

/// True when libzmq was built with CURVE (zmq_has("curve")).
bool curve_available();

/// A fresh key pair, or nullopt and the reason in `err` (libzmq without CURVE).
[[nodiscard]] std::optional<curve_keypair> generate_keypair(std::string& err);

/// The 32 key bytes of a Z85 key, or nullopt when `z85` is not a 40-character Z85 string.
[[nodiscard]] std::optional<std::string> z85_key_bytes(std::string_view z85);

/// Writes DIR/NAME.key (0600) and DIR/NAME.pub (0644); refuses to overwrite either. Empty on
/// success, else one line: which file and why.
[[nodiscard]] std::string write_keypair(const std::filesystem::path& dir, const std::string& name,
                                        const curve_keypair& keys);

/// Reads one Z85 key file (NAME.key or NAME.pub): its first non-blank line.
[[nodiscard]] std::optional<std::string> read_key_file(const std::filesystem::path& file, std::string& err);

/// Reads NAME.key and NAME.pub beside each other (`base` is DIR/NAME).
[[nodiscard]] std::optional<curve_keypair> read_keypair(const std::filesystem::path& base, std::string& err);

/// Allowlisted public keys, as their 32 raw bytes (what ZAP hands the handler).
using key_allowlist = std::set<std::string>;

/// Parses allowlist text; `origin` names it in errors ("file:line: ..."). A bad line is an error,
/// not skipped: a typo must not silently lock an agent out.
[[nodiscard]] std::optional<key_allowlist> parse_allowlist(std::string_view text, const std::string& origin,
                                                           std::string& err);
[[nodiscard]] std::optional<key_allowlist> read_allowlist(const std::filesystem::path& file, std::string& err);

}  // namespace wisp::cluster
