#include "actors/protocols/redis/format.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

#include "schemas/json.hpp"

namespace wisp::protocols::redis {
namespace {

// The commands Pixie recognises in a request and the argument names it renders them with
// (Redis' documented syntax as Pixie reduces it; facts, kept as data). An argument list is:
//   name       one required argument
//   [name]     one optional argument
//   name...    every remaining argument, as an array
//   a+b...     every remaining argument as repeated (a, b) groups: "a b":[{"a":..},{"b":..},..]
// An empty list means the arguments are shown as a JSON array: the command takes none, or its
// syntax has tokens or choices that Pixie does not name (SET, EVALSHA and SSCAN have their
// own rules below).
struct command_entry {
  std::string_view name;
  std::string_view args;
};

constexpr std::array command_table = std::to_array<command_entry>({
    {"ACL LOAD", ""},
    {"ACL SAVE", ""},
    {"ACL LIST", ""},
    {"ACL USERS", ""},
    {"ACL GETUSER", "username"},
    {"ACL SETUSER", ""},
    {"ACL DELUSER", "username..."},
    {"ACL CAT", "[categoryname]"},
    {"ACL GENPASS", "[bits]"},
    {"ACL WHOAMI", ""},
    {"ACL LOG", ""},
    {"ACL HELP", ""},
    {"APPEND", "key value"},
    {"AUTH", "[username] password"},
    {"BGREWRITEAOF", ""},
    {"BGSAVE", ""},
    {"BITCOUNT", ""},
    {"BITFIELD", ""},
    {"BITOP", "operation destkey key..."},
    {"BITPOS", "key bit [start] [end]"},
    {"BLPOP", "key... timeout"},
    {"BRPOP", "key... timeout"},
    {"BRPOPLPUSH", "source destination timeout"},
    {"BLMOVE", ""},
    {"BZPOPMIN", "key... timeout"},
    {"BZPOPMAX", "key... timeout"},
    {"CLIENT CACHING", ""},
    {"CLIENT ID", ""},
    {"CLIENT INFO", ""},
    {"CLIENT KILL", ""},
    {"CLIENT LIST", ""},
    {"CLIENT GETNAME", ""},
    {"CLIENT GETREDIR", ""},
    {"CLIENT UNPAUSE", ""},
    {"CLIENT PAUSE", ""},
    {"CLIENT REPLY", ""},
    {"CLIENT SETNAME", ""},
    {"CLIENT TRACKING", ""},
    {"CLIENT TRACKINGINFO", ""},
    {"CLIENT UNBLOCK", ""},
    {"CLUSTER ADDSLOTS", "slot..."},
    {"CLUSTER BUMPEPOCH", ""},
    {"CLUSTER COUNT-FAILURE-REPORTS", ""},
    {"CLUSTER COUNTKEYSINSLOT", "slot"},
    {"CLUSTER DELSLOTS", "slot..."},
    {"CLUSTER FAILOVER", ""},
    {"CLUSTER FLUSHSLOTS", ""},
    {"CLUSTER FORGET", ""},
    {"CLUSTER GETKEYSINSLOT", "slot count"},
    {"CLUSTER INFO", ""},
    {"CLUSTER KEYSLOT", "key"},
    {"CLUSTER MEET", "ip port"},
    {"CLUSTER MYID", ""},
    {"CLUSTER NODES", ""},
    {"CLUSTER REPLICATE", ""},
    {"CLUSTER RESET", ""},
    {"CLUSTER SAVECONFIG", ""},
    {"CLUSTER SET-CONFIG-EPOCH", ""},
    {"CLUSTER SETSLOT", ""},
    {"CLUSTER SLAVES", ""},
    {"CLUSTER REPLICAS", ""},
    {"CLUSTER SLOTS", ""},
    {"COMMAND", ""},
    {"COMMAND COUNT", ""},
    {"COMMAND GETKEYS", ""},
    {"COMMAND INFO", ""},
    {"CONFIG GET", "parameter"},
    {"CONFIG REWRITE", ""},
    {"CONFIG SET", "parameter value"},
    {"CONFIG RESETSTAT", ""},
    {"COPY", ""},
    {"DBSIZE", ""},
    {"DEBUG OBJECT", "key"},
    {"DEBUG SEGFAULT", ""},
    {"DECR", "key"},
    {"DECRBY", "key decrement"},
    {"DEL", "key..."},
    {"DISCARD", ""},
    {"DUMP", "key"},
    {"ECHO", "message"},
    {"EVAL", "script numkeys key... arg..."},
    {"EVALSHA", "sha1 numkeys key... arg..."},
    {"EXEC", ""},
    {"EXISTS", "key..."},
    {"EXPIRE", "key seconds"},
    {"EXPIREAT", "key timestamp"},
    {"FAILOVER", ""},
    {"FLUSHALL", ""},
    {"FLUSHDB", ""},
    {"GEOADD", ""},
    {"GEOHASH", "key member..."},
    {"GEOPOS", "key member..."},
    {"GEODIST", ""},
    {"GEORADIUS", ""},
    {"GEORADIUSBYMEMBER", ""},
    {"GEOSEARCH", ""},
    {"GEOSEARCHSTORE", ""},
    {"GET", "key"},
    {"GETBIT", "key offset"},
    {"GETDEL", "key"},
    {"GETEX", ""},
    {"GETRANGE", "key start end"},
    {"GETSET", "key value"},
    {"HDEL", "key field..."},
    {"HELLO", ""},
    {"HEXISTS", "key field"},
    {"HGET", "key field"},
    {"HGETALL", "key"},
    {"HINCRBY", "key field increment"},
    {"HINCRBYFLOAT", "key field increment"},
    {"HKEYS", "key"},
    {"HLEN", "key"},
    {"HMGET", "key field..."},
    {"HMSET", "key field+value..."},
    {"HSET", "key field+value..."},
    {"HSETNX", "key field value"},
    {"HRANDFIELD", ""},
    {"HSTRLEN", "key field"},
    {"HVALS", "key"},
    {"INCR", "key"},
    {"INCRBY", "key increment"},
    {"INCRBYFLOAT", "key increment"},
    {"INFO", "[section]"},
    {"LOLWUT", ""},
    {"KEYS", "pattern"},
    {"LASTSAVE", ""},
    {"LINDEX", "key index"},
    {"LINSERT", ""},
    {"LLEN", "key"},
    {"LPOP", "key [count]"},
    {"LPOS", ""},
    {"LPUSH", "key element..."},
    {"LPUSHX", "key element..."},
    {"LRANGE", "key start stop"},
    {"LREM", "key count element"},
    {"LSET", "key index element"},
    {"LTRIM", "key start stop"},
    {"MEMORY DOCTOR", ""},
    {"MEMORY HELP", ""},
    {"MEMORY MALLOC-STATS", ""},
    {"MEMORY PURGE", ""},
    {"MEMORY STATS", ""},
    {"MEMORY USAGE", ""},
    {"MGET", "key..."},
    {"MIGRATE", ""},
    {"MODULE LIST", ""},
    {"MODULE LOAD", ""},
    {"MODULE UNLOAD", "name"},
    {"MONITOR", ""},
    {"MOVE", "key db"},
    {"MSET", "key+value..."},
    {"MSETNX", "key+value..."},
    {"MULTI", ""},
    {"OBJECT", ""},
    {"PERSIST", "key"},
    {"PEXPIRE", "key milliseconds"},
    {"PEXPIREAT", ""},
    {"PFADD", "key element..."},
    {"PFCOUNT", "key..."},
    {"PFMERGE", "destkey sourcekey..."},
    {"PING", "[message]"},
    {"PSETEX", "key milliseconds value"},
    {"PSUBSCRIBE", "pattern..."},
    {"PUBSUB", ""},
    {"PTTL", "key"},
    {"PUBLISH", "channel message"},
    {"PUNSUBSCRIBE", ""},
    {"QUIT", ""},
    {"RANDOMKEY", ""},
    {"READONLY", ""},
    {"READWRITE", ""},
    {"RENAME", "key newkey"},
    {"RENAMENX", "key newkey"},
    {"RESET", ""},
    {"RESTORE", ""},
    {"ROLE", ""},
    {"RPOP", "key [count]"},
    {"RPOPLPUSH", "source destination"},
    {"LMOVE", ""},
    {"RPUSH", "key element..."},
    {"RPUSHX", "key element..."},
    {"SADD", "key member..."},
    {"SAVE", ""},
    {"SCARD", "key"},
    {"SCRIPT DEBUG", ""},
    {"SCRIPT EXISTS", "sha1..."},
    {"SCRIPT FLUSH", ""},
    {"SCRIPT KILL", ""},
    {"SCRIPT LOAD", "script"},
    {"SDIFF", "key..."},
    {"SDIFFSTORE", "destination key..."},
    {"SELECT", "index"},
    {"SET", ""},
    {"SETBIT", "key offset value"},
    {"SETEX", "key seconds value"},
    {"SETNX", "key value"},
    {"SETRANGE", "key offset value"},
    {"SHUTDOWN", ""},
    {"SINTER", "key..."},
    {"SINTERSTORE", "destination key..."},
    {"SISMEMBER", "key member"},
    {"SMISMEMBER", "key member..."},
    {"SLAVEOF", "host port"},
    {"REPLICAOF", "host port"},
    {"SLOWLOG", "subcommand [argument]"},
    {"SMEMBERS", "key"},
    {"SMOVE", "source destination member"},
    {"SORT", ""},
    {"SPOP", "key [count]"},
    {"SRANDMEMBER", "key [count]"},
    {"SREM", "key member..."},
    {"STRALGO", ""},
    {"STRLEN", "key"},
    {"SUBSCRIBE", "channel..."},
    {"SUNION", "key..."},
    {"SUNIONSTORE", "destination key..."},
    {"SWAPDB", "index1 index2"},
    {"SYNC", ""},
    {"PSYNC", "replicationid offset"},
    {"TIME", ""},
    {"TOUCH", "key..."},
    {"TTL", "key"},
    {"TYPE", "key"},
    {"UNSUBSCRIBE", ""},
    {"UNLINK", "key..."},
    {"UNWATCH", ""},
    {"WAIT", "numreplicas timeout"},
    {"WATCH", "key..."},
    {"ZADD", ""},
    {"ZCARD", "key"},
    {"ZCOUNT", "key min max"},
    {"ZDIFF", ""},
    {"ZDIFFSTORE", "destination numkeys key..."},
    {"ZINCRBY", "key increment member"},
    {"ZINTER", ""},
    {"ZINTERSTORE", ""},
    {"ZLEXCOUNT", "key min max"},
    {"ZPOPMAX", "key [count]"},
    {"ZPOPMIN", "key [count]"},
    {"ZRANDMEMBER", ""},
    {"ZRANGESTORE", ""},
    {"ZRANGE", ""},
    {"ZRANGEBYLEX", ""},
    {"ZREVRANGEBYLEX", ""},
    {"ZRANGEBYSCORE", ""},
    {"ZRANK", "key member"},
    {"ZREM", "key member..."},
    {"ZREMRANGEBYLEX", "key min max"},
    {"ZREMRANGEBYRANK", "key start stop"},
    {"ZREMRANGEBYSCORE", "key min max"},
    {"ZREVRANGE", ""},
    {"ZREVRANGEBYSCORE", ""},
    {"ZREVRANK", "key member"},
    {"ZSCORE", "key member"},
    {"ZUNION", ""},
    {"ZMSCORE", "key member..."},
    {"ZUNIONSTORE", ""},
    {"SCAN", ""},
    {"SSCAN", ""},
    {"HSCAN", ""},
    {"ZSCAN", ""},
    {"XINFO", ""},
    {"XADD", ""},
    {"XTRIM", ""},
    {"XDEL", ""},
    {"XRANGE", ""},
    {"XREVRANGE", ""},
    {"XLEN", "key"},
    {"XREAD", ""},
    {"XGROUP", ""},
    {"XREADGROUP", ""},
    {"XACK", ""},
    {"XCLAIM", ""},
    {"XAUTOCLAIM", ""},
    {"XPENDING", ""},
    {"LATENCY DOCTOR", ""},
    {"LATENCY GRAPH", "event"},
    {"LATENCY HISTORY", "event"},
    {"LATENCY LATEST", ""},
    {"LATENCY RESET", ""},
    {"LATENCY HELP", ""},
    {"SENTINEL", ""},
    {"REPLCONF ACK", "offset"},
});

enum class arg_format : std::uint8_t { fixed, optional, list };

struct arg_desc {
  std::string name;
  arg_format format = arg_format::fixed;
  std::vector<std::string> fields;  // list: the names of one repeated group
};

using arg_list = std::vector<arg_desc>;

arg_list parse_arg_list(std::string_view spec) {
  constexpr std::string_view list_marker = "...";
  arg_list out;
  while (!spec.empty()) {
    std::size_t sp = spec.find(' ');
    std::string_view tok = spec.substr(0, sp);
    spec = sp == std::string_view::npos ? std::string_view{} : spec.substr(sp + 1);
    arg_desc d;
    if (tok.front() == '[') {
      d.format = arg_format::optional;
      d.name.assign(tok.substr(1, tok.size() - 2));
    } else if (tok.ends_with(list_marker)) {
      d.format = arg_format::list;
      std::string_view group = tok.substr(0, tok.size() - list_marker.size());
      for (std::size_t start = 0;;) {
        std::size_t plus = group.find('+', start);
        d.fields.emplace_back(group.substr(start, plus - start));
        if (plus == std::string_view::npos) break;
        start = plus + 1;
      }
      for (const std::string& f : d.fields) d.name += (d.name.empty() ? "" : " ") + f;
    } else {
      d.name.assign(tok);
    }
    out.push_back(std::move(d));
  }
  return out;
}

struct command_info {
  std::string_view name;
  arg_list args;
};

const std::unordered_map<std::string, command_info>& commands() {
  static const std::unordered_map<std::string, command_info> table = [] {
    std::unordered_map<std::string, command_info> t;
    for (const command_entry& e : command_table) t.emplace(std::string{e.name}, command_info{e.name, parse_arg_list(e.args)});
    return t;
  }();
  return table;
}

std::string upper(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; });
  return out;
}

using word_iter = const std::string*;

// A JSON object built member by member; a rule that does not apply abandons it.
class object_writer {
 public:
  explicit object_writer(std::size_t cap) : out_{cap} { out_.push_back('{'); }
  capped_string& key(std::string_view k) {
    if (members_++ > 0) out_.push_back(',');
    out_.append_json_string(k);
    out_.push_back(':');
    return out_;
  }
  void value(std::string_view k, std::string_view v) { key(k).append_json_string(v); }
  void array(std::string_view k, word_iter first, word_iter last) { append_json_array(key(k), first, last); }
  capped_string finish() {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  capped_string out_;
  std::size_t members_ = 0;
};

constexpr std::string_view set_command = "SET";
constexpr std::string_view evalsha_command = "EVALSHA";
constexpr std::string_view sscan_command = "SSCAN";

// SET key value [EX s|PX ms|EXAT t|PXAT t|KEEPTTL] [NX|XX] [GET]: options as one array, an
// expiry kept together with its value ("EX 60").
std::optional<capped_string> format_set(word_iter first, word_iter last, std::size_t cap) {
  constexpr std::size_t min_args = 2;
  constexpr std::array<std::string_view, 4> expiry_tokens{"EX", "PX", "EXAT", "PXAT"};
  if (last - first < static_cast<std::ptrdiff_t>(min_args)) return std::nullopt;
  std::vector<std::string> options;
  for (word_iter it = first + min_args; it != last; ++it) {
    if (std::find(expiry_tokens.begin(), expiry_tokens.end(), upper(*it)) != expiry_tokens.end()) {
      if (it + 1 == last) return std::nullopt;
      options.push_back(*it + " " + *(it + 1));
      ++it;
    } else {
      options.push_back(*it);
    }
  }
  object_writer w{cap};
  w.value("key", first[0]);
  w.value("value", first[1]);
  w.array("options", options.data(), options.data() + options.size());
  return w.finish();
}

// EVALSHA sha1 numkeys key... arg...: the words after numkeys split in two equal halves.
std::optional<capped_string> format_evalsha(word_iter first, word_iter last, std::size_t cap) {
  constexpr std::ptrdiff_t min_args = 4;
  std::ptrdiff_t n = last - first;
  if (n < min_args || n % 2 != 0) return std::nullopt;
  word_iter mid = first + 2 + (n - 2) / 2;
  object_writer w{cap};
  w.value("sha1", first[0]);
  w.value("numkeys", first[1]);
  w.array("key", first + 2, mid);
  w.array("value", mid, last);
  return w.finish();
}

// SSCAN key cursor [MATCH pattern] [COUNT count].
std::optional<capped_string> format_sscan(word_iter first, word_iter last, std::size_t cap) {
  constexpr std::ptrdiff_t min_args = 2;
  if (last - first < min_args) return std::nullopt;
  object_writer w{cap};
  w.value("key", first[0]);
  w.value("cursor", first[1]);
  for (word_iter it = first + min_args; it != last; it += 2) {
    if (it + 1 == last) return std::nullopt;
    std::string token = upper(*it);
    if (token == "MATCH") {
      w.value("pattern", *(it + 1));
    } else if (token == "COUNT") {
      w.value("count", *(it + 1));
    } else {
      return std::nullopt;
    }
  }
  return w.finish();
}

// The generic rule: arguments in order of the command's argument list; words left over after
// the list are not shown.
std::optional<capped_string> format_by_list(const arg_list& args, word_iter first, word_iter last,
                                            std::size_t cap) {
  if (args.empty()) return std::nullopt;
  object_writer w{cap};
  for (const arg_desc& d : args) {
    switch (d.format) {
      case arg_format::fixed:
        if (first == last) return std::nullopt;
        w.value(d.name, *first++);
        break;
      case arg_format::optional:
        if (first != last) w.value(d.name, *first++);
        break;
      case arg_format::list: {
        if (first == last) return std::nullopt;
        std::size_t n = static_cast<std::size_t>(last - first);
        if (d.fields.size() == 1) {
          w.array(d.name, first, last);
        } else if (n % d.fields.size() == 0) {
          // Each value in its own object, keyed by its field name in the group.
          capped_string& out = w.key(d.name);
          out.push_back('[');
          for (std::size_t i = 0; i < n; ++i) {
            if (i > 0) out.push_back(',');
            out.push_back('{');
            out.append_json_string(d.fields[i % d.fields.size()]);
            out.push_back(':');
            out.append_json_string(first[i]);
            out.push_back('}');
          }
          out.push_back(']');
        } else {
          return std::nullopt;
        }
        first = last;
        break;
      }
    }
  }
  return w.finish();
}

std::optional<capped_string> format_args(const command_info& cmd, word_iter first, word_iter last,
                                         std::size_t cap) {
  std::optional<capped_string> special;
  if (cmd.name == set_command) special = format_set(first, last, cap);
  if (cmd.name == evalsha_command) special = format_evalsha(first, last, cap);
  if (cmd.name == sscan_command) special = format_sscan(first, last, cap);
  if (special) return special;
  return format_by_list(cmd.args, first, last, cap);
}

}  // namespace

void capped_string::append(std::string_view s) {
  std::size_t room = cap_ > text_.size() ? cap_ - text_.size() : 0;
  std::size_t keep = std::min(room, s.size());
  text_.append(s.substr(0, keep));
  cut_ += s.size() - keep;
}

void capped_string::append_json_string(std::string_view s) {
  // An escaped byte is never shorter than the byte, so only `room` bytes of s can show.
  std::size_t room = cap_ > text_.size() ? cap_ - text_.size() : 0;
  std::size_t used = std::min(room, s.size());
  push_back('"');
  append(schemas::json_escape(s.substr(0, used)));
  cut_ += s.size() - used;
  push_back('"');
}

void append_json_array(capped_string& out, const std::string* first, const std::string* last) {
  out.push_back('[');
  for (const std::string* it = first; it != last; ++it) {
    if (it != first) out.push_back(',');
    out.append_json_string(*it);
  }
  out.push_back(']');
}

formatted_request format_request(const std::vector<std::string>& words, std::size_t cap) {
  word_iter first = words.data();
  word_iter last = words.data() + words.size();
  const command_info* cmd = nullptr;
  if (words.size() >= 2) {
    auto it = commands().find(upper(words[0] + " " + words[1]));
    if (it != commands().end()) {
      cmd = &it->second;
      first += 2;
    }
  }
  if (cmd == nullptr && !words.empty()) {
    auto it = commands().find(upper(words[0]));
    if (it != commands().end()) {
      cmd = &it->second;
      first += 1;
    }
  }
  formatted_request out;
  std::optional<capped_string> args;
  if (cmd != nullptr) {
    out.command.assign(cmd->name);
    args = format_args(*cmd, first, last, cap);
  }
  if (!args) {
    args.emplace(cap);
    append_json_array(*args, first, last);
  }
  out.bytes_cut = args->cut();
  out.args = args->take();
  return out;
}

}  // namespace wisp::protocols::redis
