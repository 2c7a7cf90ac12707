#include "actors/protocols/mysql/message.hpp"

#include <array>

namespace wisp::protocols::mysql {
namespace {

struct command_info {
  std::string_view name;
  std::size_t min_length;  // payload bytes, command byte included
  bool fixed;              // exactly min_length (no free-form data after the fixed fields)
};

// Payload lengths from the protocol's command descriptions; "fixed" commands carry nothing
// beyond their fields.
constexpr std::array<command_info, cmd::last + 1> commands{{
    {"Sleep", 1, true},
    {"Quit", 1, true},
    {"InitDB", 1, false},
    {"Query", 1, false},
    {"FieldList", 2, false},
    {"CreateDB", 1, false},
    {"DropDB", 1, false},
    {"Refresh", 2, true},
    {"Shutdown", 1, false},  // an optional shutdown type byte
    {"Statistics", 1, true},
    {"ProcessInfo", 1, true},
    {"Connect", 1, true},
    {"ProcessKill", 5, true},
    {"Debug", 1, true},
    {"Ping", 1, true},
    {"Time", 1, true},
    {"DelayedInsert", 1, true},
    {"ChangeUser", 2, false},
    {"BinlogDump", 11, false},
    {"TableDump", 3, false},
    {"ConnectOut", 1, true},
    {"RegisterSlave", 18, false},
    {"StmtPrepare", 1, false},
    {"StmtExecute", 10, false},
    {"StmtSendLongData", 7, false},
    {"StmtClose", 5, true},
    {"StmtReset", 5, true},
    {"SetOption", 3, true},
    {"StmtFetch", 9, true},
    {"Daemon", 1, true},
    {"BinlogDumpGTID", 19, false},
    {"ResetConnection", 1, true},
}};

}  // namespace

bool plausible_command(std::uint8_t command, std::size_t payload_length, std::size_t max_length) {
  if (command > cmd::last) return false;
  const command_info& c = commands[command];
  if (c.fixed) return payload_length == c.min_length;
  return payload_length >= c.min_length && payload_length <= max_length;
}

std::string_view command_name(std::uint8_t command) {
  return command <= cmd::last ? commands[command].name : "Unknown";
}

}  // namespace wisp::protocols::mysql
