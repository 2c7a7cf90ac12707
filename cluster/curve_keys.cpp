#include "cluster/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <zmq.h>

namespace wisp::cluster {

namespace {

constexpr mode_t secret_mode = 0600;
constexpr mode_t public_mode = 0644;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// O_EXCL: an existing key file is never replaced (it may be the only copy of a deployed key).
std::string write_new_file(const std::filesystem::path& file, const std::string& text, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return "cannot create " + file.string() + ": " + std::strerror(errno);
  // The umask may have removed bits; the secret file must be exactly 0600 either way.
  std::string err;
  if (::fchmod(fd, mode) != 0) err = "cannot chmod " + file.string() + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (err.empty() && done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) err = "cannot write " + file.string() + ": " + std::strerror(errno);
    else done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 && err.empty()) err = "cannot close " + file.string() + ": " + std::strerror(errno);
  return err;
}

std::optional<std::string> read_text(const std::filesystem::path& file, std::string& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err = "cannot read " + file.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text{std::istreambuf_iterator<char>(in), {}};
  if (in.bad()) {
    err = "cannot read " + file.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return text;
}

}  // namespace

bool curve_available() { return zmq_has("curve") != 0; }

std::optional<curve_keypair> generate_keypair(std::string& err) {
  if (!curve_available()) {
    err = "the installed libzmq has no CURVE support (zmq_has(\"curve\") is false)";
    return std::nullopt;
  }
  char pub[z85_key_chars + 1] = {};
  char sec[z85_key_chars + 1] = {};
  if (zmq_curve_keypair(pub, sec) != 0) {
    err = std::string{"zmq_curve_keypair failed: "} + zmq_strerror(zmq_errno());
    return std::nullopt;
  }
  return curve_keypair{pub, sec};
}

std::optional<std::string> z85_key_bytes(std::string_view z85) {
  if (z85.size() != z85_key_chars) return std::nullopt;
  const std::string text{z85};  // zmq_z85_decode wants a NUL-terminated string
  std::string out(curve_key_bytes, '\0');
  if (!zmq_z85_decode(reinterpret_cast<std::uint8_t*>(out.data()), text.c_str())) return std::nullopt;
  return out;
}

std::string write_keypair(const std::filesystem::path& dir, const std::string& name, const curve_keypair& keys) {
  if (name.empty() || name.find('/') != std::string::npos) return "key name '" + name + "' must be a plain file name";
  const auto secret = dir / (name + ".key");
  const auto pub = dir / (name + ".pub");
  std::error_code ec;
  if (std::filesystem::exists(pub, ec)) return "cannot create " + pub.string() + ": it exists (not overwritten)";
  if (auto e = write_new_file(secret, keys.secret_z85 + "\n", secret_mode); !e.empty()) return e;
  if (auto e = write_new_file(pub, keys.public_z85 + "\n", public_mode); !e.empty()) {
    std::filesystem::remove(secret, ec);  // half a key pair is of no use
    return e;
  }
  return {};
}

std::optional<std::string> read_key_file(const std::filesystem::path& file, std::string& err) {
  auto text = read_text(file, err);
  if (!text) return std::nullopt;
  std::string_view rest{*text};
  int line_no = 0;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    auto line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (!z85_key_bytes(line)) {
      err = file.string() + ":" + std::to_string(line_no) + ": not a Z85 CURVE key (40 characters)";
      return std::nullopt;
    }
    return std::string{line};
  }
  err = file.string() + ": holds no key";
  return std::nullopt;
}

std::optional<curve_keypair> read_keypair(const std::filesystem::path& base, std::string& err) {
  auto sec = read_key_file(base.string() + ".key", err);
  if (!sec) return std::nullopt;
  auto pub = read_key_file(base.string() + ".pub", err);
  if (!pub) return std::nullopt;
  return curve_keypair{std::move(*pub), std::move(*sec)};
}

std::optional<key_allowlist> parse_allowlist(std::string_view text, const std::string& origin, std::string& err) {
  key_allowlist keys;
  int line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty()) continue;
    // '#' is a Z85 character but never the first of a key (a group's first character encodes
    // at most 2^32 / 85^4 = 82, '%'), so a line that starts with it is a comment.
    if (line.front() == '#') continue;
    const auto end = line.find_first_of(" \t");
    auto bytes = z85_key_bytes(line.substr(0, end));
    const auto tail = end == std::string_view::npos ? std::string_view{} : trim(line.substr(end));
    if (!bytes || (!tail.empty() && tail.front() != '#')) {
      err = origin + ":" + std::to_string(line_no) + ": '" + std::string{line.substr(0, 60)} +
            "' is not a Z85 CURVE public key (40 characters) optionally followed by a # comment";
      return std::nullopt;
    }
    keys.insert(std::move(*bytes));
  }
  return keys;
}

std::optional<key_allowlist> read_allowlist(const std::filesystem::path& file, std::string& err) {
  auto text = read_text(file, err);
  if (!text) return std::nullopt;
  return parse_allowlist(*text, file.string(), err);
}

}  // namespace wisp::cluster
