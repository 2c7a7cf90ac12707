// Protocol helpers (facts §1.3 and §7): names of the enum values stored in the protocol
// tables, and SQL normalisation. The name tables are protocol facts (RFCs, wire specs) and
// Pixie's spelling of them.

#include <algorithm>
#include <cctype>

#include "pxl/functions.hpp"
#include "pxl/json.hpp"
#include "schemas/json.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;
using namespace signature_types;

struct enum_name {
  std::int64_t value;
  const char* name;
};

// traffic_protocol_t numbering (facts §1.3).
constexpr enum_name protocols[] = {
    {0, "Unknown"}, {1, "HTTP"},  {2, "HTTP2"},  {3, "MySQL"}, {4, "CQL"},
    {5, "PGSQL"},   {6, "DNS"},   {7, "Redis"},  {8, "NATS"},  {9, "Mongo"},
    {10, "Kafka"},  {11, "Mux"},  {12, "AMQP"},  {13, "TLS"}};

constexpr enum_name http_statuses[] = {
    {100, "Continue"}, {101, "Switching Protocols"}, {102, "Processing"}, {103, "Early Hints"},
    {200, "OK"}, {201, "Created"}, {202, "Accepted"}, {203, "Non-Authoritative Information"},
    {204, "No Content"}, {205, "Reset Content"}, {206, "Partial Content"},
    {207, "Multi-Status"}, {208, "Already Reported"}, {226, "IM Used"},
    {300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Found"},
    {303, "See Other"}, {304, "Not Modified"}, {305, "Use Proxy"},
    {307, "Temporary Redirect"}, {308, "Permanent Redirect"}, {400, "Bad Request"},
    {401, "Unauthorized"}, {402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"},
    {405, "Method Not Allowed"}, {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"}, {408, "Request Timeout"}, {409, "Conflict"},
    {410, "Gone"}, {411, "Length Required"}, {412, "Precondition Failed"},
    {413, "Content Too Large"}, {414, "URI Too Long"}, {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"}, {417, "Expectation Failed"}, {421, "Misdirected Request"},
    {422, "Unprocessable Content"}, {423, "Locked"}, {424, "Failed Dependency"},
    {425, "Too Early"}, {426, "Upgrade Required"}, {428, "Precondition Required"},
    {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"}, {500, "Internal Server Error"},
    {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
    {504, "Gateway Timeout"}, {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"}, {507, "Insufficient Storage"}, {508, "Loop Detected"},
    {510, "Not Extended"}, {511, "Network Authentication Required"}};

constexpr enum_name mysql_commands[] = {
    {0x00, "Sleep"}, {0x01, "Quit"}, {0x02, "InitDB"}, {0x03, "Query"}, {0x04, "FieldList"},
    {0x05, "CreateDB"}, {0x06, "DropDB"}, {0x07, "Refresh"}, {0x08, "Shutdown"},
    {0x09, "Statistics"}, {0x0a, "ProcessInfo"}, {0x0b, "Connect"}, {0x0c, "ProcessKill"},
    {0x0d, "Debug"}, {0x0e, "Ping"}, {0x0f, "Time"}, {0x10, "DelayedInsert"},
    {0x11, "ChangeUser"}, {0x12, "BinlogDump"}, {0x13, "TableDump"}, {0x14, "ConnectOut"},
    {0x15, "RegisterSlave"}, {0x16, "StmtPrepare"}, {0x17, "StmtExecute"},
    {0x18, "StmtSendLongData"}, {0x19, "StmtClose"}, {0x1a, "StmtReset"}, {0x1b, "SetOption"},
    {0x1c, "StmtFetch"}, {0x1d, "Daemon"}, {0x1e, "BinlogDumpGTID"}, {0x1f, "ResetConnection"}};

constexpr enum_name kafka_api_keys[] = {
    {0, "Produce"}, {1, "Fetch"}, {2, "ListOffsets"}, {3, "Metadata"}, {4, "LeaderAndIsr"},
    {5, "StopReplica"}, {6, "UpdateMetadata"}, {7, "ControlledShutdown"}, {8, "OffsetCommit"},
    {9, "OffsetFetch"}, {10, "FindCoordinator"}, {11, "JoinGroup"}, {12, "Heartbeat"},
    {13, "LeaveGroup"}, {14, "SyncGroup"}, {15, "DescribeGroups"}, {16, "ListGroups"},
    {17, "SaslHandshake"}, {18, "ApiVersions"}, {19, "CreateTopics"}, {20, "DeleteTopics"},
    {21, "DeleteRecords"}, {22, "InitProducerId"}, {23, "OffsetForLeaderEpoch"},
    {24, "AddPartitionsToTxn"}, {25, "AddOffsetsToTxn"}, {26, "EndTxn"},
    {27, "WriteTxnMarkers"}, {28, "TxnOffsetCommit"}, {29, "DescribeAcls"}, {30, "CreateAcls"},
    {31, "DeleteAcls"}, {32, "DescribeConfigs"}, {33, "AlterConfigs"},
    {34, "AlterReplicaLogDirs"}, {35, "DescribeLogDirs"}, {36, "SaslAuthenticate"},
    {37, "CreatePartitions"}, {38, "CreateDelegationToken"}, {39, "RenewDelegationToken"},
    {40, "ExpireDelegationToken"}, {41, "DescribeDelegationToken"}, {42, "DeleteGroups"},
    {43, "ElectLeaders"}, {44, "IncrementalAlterConfigs"},
    {45, "AlterPartitionReassignments"}, {46, "ListPartitionReassignments"},
    {47, "OffsetDelete"}, {48, "DescribeClientQuotas"}, {49, "AlterClientQuotas"},
    {50, "DescribeUserScramCredentials"}, {51, "AlterUserScramCredentials"}, {56, "AlterIsr"},
    {57, "UpdateFeatures"}, {60, "DescribeCluster"}, {61, "DescribeProducers"}};

constexpr enum_name cql_opcodes[] = {
    {0x00, "Error"}, {0x01, "Startup"}, {0x02, "Ready"}, {0x03, "Authenticate"},
    {0x05, "Options"}, {0x06, "Supported"}, {0x07, "Query"}, {0x08, "Result"},
    {0x09, "Prepare"}, {0x0a, "Execute"}, {0x0b, "Register"}, {0x0c, "Event"},
    {0x0d, "Batch"}, {0x0e, "AuthChallenge"}, {0x0f, "AuthResponse"}, {0x10, "AuthSuccess"}};

constexpr enum_name dns_rcodes[] = {
    {0, "NOERROR"}, {1, "FORMERR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"}, {4, "NOTIMP"},
    {5, "REFUSED"}, {6, "YXDOMAIN"}, {7, "YXRRSET"}, {8, "NXRRSET"}, {9, "NOTAUTH"},
    {10, "NOTZONE"}, {11, "DSOTYPENI"}, {16, "BADVERS"}, {17, "BADKEY"}, {18, "BADTIME"},
    {19, "BADMODE"}, {20, "BADNAME"}, {21, "BADALG"}, {22, "BADTRUNC"}, {23, "BADCOOKIE"}};

constexpr enum_name amqp_frame_types[] = {
    {1, "Frame method"}, {2, "Content Header"}, {3, "Content Body"}, {8, "Heartbeat"}};

constexpr enum_name mux_frame_types[] = {
    {1, "Treq"}, {-1, "Rreq"}, {2, "Tdispatch"}, {-2, "Rdispatch"}, {64, "Tdrain"},
    {-64, "Rdrain"}, {65, "Tping"}, {-65, "Rping"}, {66, "Tdiscarded"}, {-66, "Rdiscarded"},
    {67, "Tlease"}, {68, "Tinit"}, {-68, "Rinit"}, {-128, "Rerr"}, {127, "Rerr (legacy)"},
    {-62, "Tdiscarded (legacy)"}};

constexpr enum_name grpc_status_codes[] = {
    {0, "OK"}, {1, "CANCELLED"}, {2, "UNKNOWN"}, {3, "INVALID_ARGUMENT"},
    {4, "DEADLINE_EXCEEDED"}, {5, "NOT_FOUND"}, {6, "ALREADY_EXISTS"},
    {7, "PERMISSION_DENIED"}, {8, "RESOURCE_EXHAUSTED"}, {9, "FAILED_PRECONDITION"},
    {10, "ABORTED"}, {11, "OUT_OF_RANGE"}, {12, "UNIMPLEMENTED"}, {13, "INTERNAL"},
    {14, "UNAVAILABLE"}, {15, "DATA_LOSS"}, {16, "UNAUTHENTICATED"}};

// AMQP 0-9-1 classes and methods: the name is the class name followed by the method's.
constexpr enum_name amqp_classes[] = {{10, "Connection"}, {20, "Channel"}, {40, "Exchange"},
                                      {50, "Queue"},      {60, "Basic"},   {90, "Tx"}};
struct amqp_method {
  std::int64_t class_id;
  std::int64_t method_id;
  const char* name;
};
constexpr amqp_method amqp_methods[] = {
    {10, 10, "Start"}, {10, 11, "Start-ok"}, {10, 20, "Secure"}, {10, 21, "Secure-ok"},
    {10, 30, "Tune"}, {10, 31, "Tune-ok"}, {10, 40, "Open"}, {10, 41, "Open-ok"},
    {10, 50, "Close"}, {10, 51, "Close-ok"}, {20, 10, "Open"}, {20, 11, "Open-ok"},
    {20, 20, "Flow"}, {20, 21, "Flow-ok"}, {20, 40, "Close"}, {20, 41, "Close-ok"},
    {40, 10, "Declare"}, {40, 11, "Declare-ok"}, {40, 20, "Delete"}, {40, 21, "Delete-ok"},
    {50, 10, "Declare"}, {50, 11, "Declare-ok"}, {50, 20, "Bind"}, {50, 21, "Bind-ok"},
    {50, 30, "Purge"}, {50, 31, "Purge-ok"}, {50, 40, "Delete"}, {50, 41, "Delete-ok"},
    {50, 50, "Unbind"}, {50, 51, "Unbind-ok"}, {60, 10, "Qos"}, {60, 11, "Qos-ok"},
    {60, 20, "Consume"}, {60, 21, "Consume-ok"}, {60, 30, "Cancel"}, {60, 31, "Cancel-ok"},
    {60, 40, "Publish"}, {60, 50, "Return"}, {60, 60, "Deliver"}, {60, 70, "Get"},
    {60, 71, "Get-ok"}, {60, 72, "Get-empty"}, {60, 80, "Ack"}, {60, 90, "Reject"},
    {60, 100, "Recover-async"}, {60, 110, "Recover"}, {60, 111, "Recover-ok"},
    {90, 10, "Select"}, {90, 11, "Select-ok"}, {90, 20, "Commit"}, {90, 21, "Commit-ok"},
    {90, 30, "Rollback"}, {90, 31, "Rollback-ok"}};

template <std::size_t N>
const char* lookup(const enum_name (&table)[N], std::int64_t v) {
  auto it = std::find_if(std::begin(table), std::end(table), [v](const auto& e) { return e.value == v; });
  return it == std::end(table) ? nullptr : it->name;
}

// How an unknown value is shown.
enum class fallback : std::uint8_t { number, unassigned, invalid_in_parens, unknown_in_parens };

template <const auto& Table, fallback Fallback>
struct enum_name_op {
  std::string buf;
  std::string_view operator()(std::int64_t v) {
    if (const char* name = lookup(Table, v)) return name;
    switch (Fallback) {
      case fallback::number: buf = std::to_string(v); break;
      case fallback::unassigned: buf = "Unassigned"; break;
      case fallback::invalid_in_parens: buf = "Invalid (" + std::to_string(v) + ")"; break;
      case fallback::unknown_in_parens: buf = "Unknown (" + std::to_string(v) + ")"; break;
    }
    return buf;
  }
};

struct amqp_method_name_op {
  std::string buf;
  std::string_view operator()(std::int64_t class_id, std::int64_t method_id) {
    const char* cls = lookup(amqp_classes, class_id);
    if (class_id != 0 && method_id == 0) return cls ? cls : "Unknown";
    for (const auto& m : amqp_methods) {
      if (m.class_id == class_id && m.method_id == method_id) {
        buf = std::string{cls} + m.name;
        return buf;
      }
    }
    return "Unknown";
  }
};

// ---- SQL normalisation ----

enum class sql_dialect : std::uint8_t { mysql, pgsql };

struct normalized_sql {
  std::string query;
  std::vector<std::string> params;
  std::string error;  // non-empty: the only member written
};

std::string to_json(const normalized_sql& n) {
  std::string out = "{";
  if (!n.error.empty()) {
    out += "\"error\":";
    schemas::append_json_string(out, n.error);
  } else {
    out += "\"query\":";
    schemas::append_json_string(out, n.query);
    out += ",\"params\":[";
    for (std::size_t i = 0; i < n.params.size(); ++i) {
      if (i) out += ',';
      schemas::append_json_string(out, n.params[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += n;
  }
  return true;
}

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Replaces every literal (strings, numbers, hex/bit/escape strings, TRUE/FALSE) by a
// placeholder and collects it as a parameter; existing placeholders (MySQL `?`, Postgres `$n`)
// take their value from `bound` (an EXECUTE's parameters). MySQL placeholders are `?`,
// Postgres ones `$1, $2, ...` in order of appearance. Comments, identifiers and named
// variables (@x) are kept.
normalized_sql normalize_sql(std::string_view sql, sql_dialect dialect,
                             const std::vector<std::string>& bound) {
  normalized_sql out;
  if (!valid_utf8(sql)) {
    out.error = "Invalid UTF-8 byte sequence in SQL query";
    return out;
  }
  std::size_t next_param = 1, next_bound = 0;
  auto placeholder = [&](std::string value) {
    out.query += dialect == sql_dialect::mysql ? "?" : "$" + std::to_string(next_param);
    ++next_param;
    out.params.push_back(std::move(value));
  };
  auto take_bound = [&](std::size_t index) {
    if (index >= bound.size()) {
      out.error = "Query has more parameter placeholders in it than parameter values were passed in";
      return false;
    }
    placeholder(bound[index]);
    return true;
  };
  std::size_t i = 0;
  auto quoted_end = [&](std::size_t open) {  // index just past the closing quote
    char q = sql[open];
    std::size_t j = open + 1;
    while (j < sql.size()) {
      if (sql[j] == '\\' && dialect == sql_dialect::mysql) {
        j += 2;
      } else if (sql[j] == q) {
        if (j + 1 < sql.size() && sql[j + 1] == q) {
          j += 2;
        } else {
          return j + 1;
        }
      } else {
        ++j;
      }
    }
    return std::string_view::npos;
  };
  while (i < sql.size()) {
    char c = sql[i];
    bool after_ident = i > 0 && ident_char(sql[i - 1]);
    if (c == '-' && sql.substr(i, 2) == "--") {
      auto e = sql.find('\n', i);
      e = e == std::string_view::npos ? sql.size() : e;
      out.query += sql.substr(i, e - i);
      i = e;
    } else if (c == '/' && sql.substr(i, 2) == "/*") {
      auto e = sql.find("*/", i + 2);
      e = e == std::string_view::npos ? sql.size() : e + 2;
      out.query += sql.substr(i, e - i);
      i = e;
    } else if (c == '\'' || (c == '"' && dialect == sql_dialect::mysql)) {
      auto e = quoted_end(i);
      if (e == std::string_view::npos) {
        out.error = "unterminated string literal";
        return out;
      }
      placeholder(std::string{sql.substr(i, e - i)});
      i = e;
    } else if (c == '"' || c == '`') {
      auto e = quoted_end(i);
      e = e == std::string_view::npos ? sql.size() : e;
      out.query += sql.substr(i, e - i);
      i = e;
    } else if (!after_ident && std::string_view{"xXbBeEnN"}.find(c) != std::string_view::npos &&
               i + 1 < sql.size() && sql[i + 1] == '\'') {
      auto e = quoted_end(i + 1);
      if (e == std::string_view::npos) {
        out.error = "unterminated string literal";
        return out;
      }
      placeholder(std::string{sql.substr(i, e - i)});
      i = e;
    } else if (!after_ident && (std::isdigit(static_cast<unsigned char>(c)) ||
                                (c == '.' && i + 1 < sql.size() &&
                                 std::isdigit(static_cast<unsigned char>(sql[i + 1]))))) {
      std::size_t j = i;
      if (sql.substr(i, 2) == "0x" || sql.substr(i, 2) == "0X") {
        j += 2;
        while (j < sql.size() && std::isxdigit(static_cast<unsigned char>(sql[j]))) ++j;
      } else {
        while (j < sql.size() && (std::isdigit(static_cast<unsigned char>(sql[j])) || sql[j] == '.')) ++j;
        if (j < sql.size() && (sql[j] == 'e' || sql[j] == 'E')) {
          std::size_t k = j + 1;
          if (k < sql.size() && (sql[k] == '+' || sql[k] == '-')) ++k;
          if (k < sql.size() && std::isdigit(static_cast<unsigned char>(sql[k]))) {
            j = k;
            while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
          }
        }
      }
      placeholder(std::string{sql.substr(i, j - i)});
      i = j;
    } else if (c == '?' && dialect == sql_dialect::mysql) {
      if (!take_bound(next_bound++)) return out;
      ++i;
    } else if (c == '$' && dialect == sql_dialect::pgsql && !after_ident && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      std::size_t j = i + 1, n = 0;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])) && n < 100000)
        n = n * 10 + static_cast<std::size_t>(sql[j++] - '0');
      if (n == 0 || !take_bound(n - 1)) {
        if (out.error.empty()) out.error = "Placeholder $0 invalid";
        return out;
      }
      i = j;
    } else if (ident_char(c) || c == '@') {
      std::size_t j = i + 1;
      while (j < sql.size() && (ident_char(sql[j]) || sql[j] == '@')) ++j;
      auto word = sql.substr(i, j - i);
      std::string lower;
      for (char w : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(w)));
      if (!after_ident && (lower == "true" || lower == "false"))
        placeholder(std::string{word});
      else
        out.query += word;
      i = j;
    } else {
      out.query += c;
      ++i;
    }
  }
  return out;
}

// An EXECUTE as the protocol tables record it: "query=[<sql>] params=[<v1>, <v2>, ...]".
void split_execute(std::string_view text, std::string_view& query, std::vector<std::string>& params) {
  if (text.starts_with("query=[")) text.remove_prefix(7);
  auto close = text.find(']');
  query = text.substr(0, close);
  text.remove_prefix(close == std::string_view::npos ? text.size() : close);
  if (text.starts_with("] params=[")) text.remove_prefix(10);
  auto last = text.rfind(']');
  text = text.substr(0, last);
  while (true) {
    auto p = text.find(", ");
    params.emplace_back(text.substr(0, p));
    if (p == std::string_view::npos) break;
    text.remove_prefix(p + 2);
  }
}

constexpr std::int64_t mysql_query_cmd = 0x03;
constexpr std::int64_t mysql_execute_cmd = 0x17;

struct normalize_mysql_op {
  std::string buf;
  std::string_view operator()(std::string_view sql, std::int64_t cmd) {
    std::vector<std::string> params;
    normalized_sql n;
    if (cmd == mysql_execute_cmd) {
      std::string_view query;
      split_execute(sql, query, params);
      n = normalize_sql(query, sql_dialect::mysql, params);
    } else if (cmd == mysql_query_cmd) {
      n = normalize_sql(sql, sql_dialect::mysql, params);
    } else {
      n.error = "cmd_code must be one of '3' or '23'";
    }
    buf = to_json(n);
    return buf;
  }
};

struct normalize_pgsql_op {
  std::string buf;
  std::string_view operator()(std::string_view sql, std::string_view cmd) {
    std::vector<std::string> params;
    normalized_sql n;
    if (cmd == "Execute") {
      std::string_view query;
      split_execute(sql, query, params);
      n = normalize_sql(query, sql_dialect::pgsql, params);
    } else if (cmd == "Query") {
      n = normalize_sql(sql, sql_dialect::pgsql, params);
    } else {
      n.error = "cmd_code must be one of 'Query' or 'Execute'";
    }
    buf = to_json(n);
    return buf;
  }
};

}  // namespace

void register_protocol_udfs(function_registry& r) {
  using f = fallback;
  r.add(make_udf<s_, enum_name_op<protocols, f::invalid_in_parens>, i_>("protocol_name"));
  r.add(make_udf<s_, enum_name_op<http_statuses, f::unassigned>, i_>(
      "http_resp_message", semantic_rule::fixed, schemas::semantic_type::st_http_resp_message));
  r.add(make_udf<s_, enum_name_op<mysql_commands, f::number>, i_>("mysql_command_name"));
  r.add(make_udf<s_, enum_name_op<kafka_api_keys, f::number>, i_>("kafka_api_key_name"));
  r.add(make_udf<s_, enum_name_op<cql_opcodes, f::number>, i_>("cql_opcode_name"));
  r.add(make_udf<s_, enum_name_op<dns_rcodes, f::number>, i_>("dns_rcode_name"));
  r.add(make_udf<s_, enum_name_op<amqp_frame_types, f::number>, i_>("amqp_frame_type_name"));
  r.add(make_udf<s_, enum_name_op<mux_frame_types, f::unknown_in_parens>, i_>("mux_frame_type_name"));
  r.add(make_udf<s_, enum_name_op<grpc_status_codes, f::number>, i_>("grpc_status_code_to_str"));
  r.add(make_udf<s_, amqp_method_name_op, i_, i_>("amqp_method_name"));
  r.add(make_udf<s_, normalize_mysql_op, s_, i_>("normalize_mysql"));
  r.add(make_udf<s_, normalize_pgsql_op, s_, s_>("normalize_pgsql"));
}

}  // namespace wisp::pxl
