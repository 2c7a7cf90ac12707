#include "actors/protocols/kafka/decode.hpp"

#include <array>
#include <limits>
#include <span>

#include "actors/protocols/kafka/message.hpp"
#include "schemas/json.hpp"

namespace wisp::protocols::kafka {

std::uint64_t reader::uvarint() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {  // Kafka's unsigned varints hold 32 bits
    std::string_view b = take(1);
    if (b.empty()) return 0;
    auto byte = static_cast<unsigned char>(b[0]);
    v |= std::uint64_t{byte & 0x7fU} << shift;
    if ((byte & 0x80U) == 0) return v;
  }
  fail();
  return 0;
}

namespace {

// Length prefix of a string, byte string or array: -1 for null, failed for a negative length
// other than -1.
std::int64_t length_prefix(reader& r, bool compact, std::size_t width) {
  if (compact) return static_cast<std::int64_t>(r.uvarint()) - 1;
  return r.sint(width);
}

}  // namespace

std::optional<std::string_view> reader::string(bool compact) {
  std::int64_t n = length_prefix(*this, compact, 2);
  if (n < -1) fail();
  if (n < 0 || failed()) return std::nullopt;
  return take(static_cast<std::size_t>(n));
}

std::optional<std::string_view> reader::bytes(bool compact) {
  std::int64_t n = length_prefix(*this, compact, 4);
  if (n < -1) fail();
  if (n < 0 || failed()) return std::nullopt;
  return take(static_cast<std::size_t>(n));
}

std::int64_t reader::array_count(bool compact) {
  std::int64_t n = length_prefix(*this, compact, 4);
  // Every element takes at least one byte: a larger count is a lie, whatever the element.
  if (n < -1 || (n > 0 && static_cast<std::uint64_t>(n) > remaining())) fail();
  return failed() ? 0 : n;
}

void reader::skip_tagged_fields() {
  std::uint64_t n = uvarint();
  for (std::uint64_t i = 0; i < n && !failed(); ++i) {
    (void)uvarint();  // tag
    (void)take(uvarint());
  }
}

namespace {

enum class kind : std::uint8_t {
  i8, i16, i32, i64, boolean, uuid,
  string,        // nullable or not: null renders as ""
  bytes,         // opaque bytes: {"size":N}
  records,       // a record set: {"size":N}
  structs,       // array of structs (children); null renders as []
  i32s, i64s, strings,  // arrays of scalars
};

constexpr std::int16_t any = std::numeric_limits<std::int16_t>::max();

struct field {
  std::string_view name;
  kind k;
  std::int16_t min_version = 0;
  std::int16_t max_version = any;
  std::span<const field> children = {};
};

using fields = std::span<const field>;

// ---- Field tables (Kafka protocol specification). ----

// Produce (flexible from v9).
constexpr field produce_partition_req[] = {{"index", kind::i32}, {"records", kind::records}};
constexpr field produce_topic_req[] = {{"name", kind::string}, {"partition_data", kind::structs, 0, any, produce_partition_req}};
constexpr field produce_req[] = {{"transactional_id", kind::string, 3},
                                 {"acks", kind::i16},
                                 {"timeout_ms", kind::i32},
                                 {"topic_data", kind::structs, 0, any, produce_topic_req}};
constexpr field produce_record_error[] = {{"batch_index", kind::i32}, {"batch_index_error_message", kind::string}};
constexpr field produce_partition_resp[] = {{"index", kind::i32},
                                            {"error_code", kind::i16},
                                            {"base_offset", kind::i64},
                                            {"log_append_time_ms", kind::i64, 2},
                                            {"log_start_offset", kind::i64, 5},
                                            {"record_errors", kind::structs, 8, any, produce_record_error},
                                            {"error_message", kind::string, 8}};
constexpr field produce_topic_resp[] = {{"name", kind::string}, {"partition_responses", kind::structs, 0, any, produce_partition_resp}};
constexpr field produce_resp[] = {{"responses", kind::structs, 0, any, produce_topic_resp}, {"throttle_time_ms", kind::i32, 1}};

// Fetch (flexible from v12).
constexpr field fetch_partition_req[] = {{"partition", kind::i32},
                                         {"current_leader_epoch", kind::i32, 9},
                                         {"fetch_offset", kind::i64},
                                         {"last_fetched_epoch", kind::i32, 12},
                                         {"log_start_offset", kind::i64, 5},
                                         {"partition_max_bytes", kind::i32}};
constexpr field fetch_topic_req[] = {{"topic", kind::string, 0, 12},
                                     {"topic_id", kind::uuid, 13},
                                     {"partitions", kind::structs, 0, any, fetch_partition_req}};
constexpr field fetch_forgotten[] = {{"topic", kind::string, 7, 12}, {"topic_id", kind::uuid, 13}, {"partitions", kind::i32s}};
constexpr field fetch_req[] = {{"replica_id", kind::i32},
                               {"max_wait_ms", kind::i32},
                               {"min_bytes", kind::i32},
                               {"max_bytes", kind::i32, 3},
                               {"isolation_level", kind::i8, 4},
                               {"session_id", kind::i32, 7},
                               {"session_epoch", kind::i32, 7},
                               {"topics", kind::structs, 0, any, fetch_topic_req},
                               {"forgotten_topics_data", kind::structs, 7, any, fetch_forgotten},
                               {"rack_id", kind::string, 11}};
constexpr field fetch_aborted[] = {{"producer_id", kind::i64}, {"first_offset", kind::i64}};
constexpr field fetch_partition_resp[] = {{"partition_index", kind::i32},
                                          {"error_code", kind::i16},
                                          {"high_watermark", kind::i64},
                                          {"last_stable_offset", kind::i64, 4},
                                          {"log_start_offset", kind::i64, 5},
                                          {"aborted_transactions", kind::structs, 4, any, fetch_aborted},
                                          {"preferred_read_replica", kind::i32, 11},
                                          {"records", kind::records}};
constexpr field fetch_topic_resp[] = {{"topic", kind::string, 0, 12},
                                      {"topic_id", kind::uuid, 13},
                                      {"partitions", kind::structs, 0, any, fetch_partition_resp}};
constexpr field fetch_resp[] = {{"throttle_time_ms", kind::i32, 1},
                                {"error_code", kind::i16, 7},
                                {"session_id", kind::i32, 7},
                                {"responses", kind::structs, 0, any, fetch_topic_resp}};

// ListOffsets (flexible from v6).
constexpr field list_offsets_partition_req[] = {{"partition_index", kind::i32},
                                                {"current_leader_epoch", kind::i32, 4},
                                                {"timestamp", kind::i64},
                                                {"max_num_offsets", kind::i32, 0, 0}};
constexpr field list_offsets_topic_req[] = {{"name", kind::string}, {"partitions", kind::structs, 0, any, list_offsets_partition_req}};
constexpr field list_offsets_req[] = {{"replica_id", kind::i32},
                                      {"isolation_level", kind::i8, 2},
                                      {"topics", kind::structs, 0, any, list_offsets_topic_req}};
constexpr field list_offsets_partition_resp[] = {{"partition_index", kind::i32},
                                                 {"error_code", kind::i16},
                                                 {"old_style_offsets", kind::i64s, 0, 0},
                                                 {"timestamp", kind::i64, 1},
                                                 {"offset", kind::i64, 1},
                                                 {"leader_epoch", kind::i32, 4}};
constexpr field list_offsets_topic_resp[] = {{"name", kind::string}, {"partitions", kind::structs, 0, any, list_offsets_partition_resp}};
constexpr field list_offsets_resp[] = {{"throttle_time_ms", kind::i32, 2}, {"topics", kind::structs, 0, any, list_offsets_topic_resp}};

// Metadata (flexible from v9).
constexpr field metadata_topic_req[] = {{"topic_id", kind::uuid, 10}, {"name", kind::string}};
constexpr field metadata_req[] = {{"topics", kind::structs, 0, any, metadata_topic_req},
                                  {"allow_auto_topic_creation", kind::boolean, 4},
                                  {"include_cluster_authorized_operations", kind::boolean, 8, 10},
                                  {"include_topic_authorized_operations", kind::boolean, 8}};
constexpr field metadata_broker[] = {{"node_id", kind::i32}, {"host", kind::string}, {"port", kind::i32}, {"rack", kind::string, 1}};
constexpr field metadata_partition[] = {{"error_code", kind::i16},
                                        {"partition_index", kind::i32},
                                        {"leader_id", kind::i32},
                                        {"leader_epoch", kind::i32, 7},
                                        {"replica_nodes", kind::i32s},
                                        {"isr_nodes", kind::i32s},
                                        {"offline_replicas", kind::i32s, 5}};
constexpr field metadata_topic_resp[] = {{"error_code", kind::i16},
                                         {"name", kind::string},
                                         {"topic_id", kind::uuid, 10},
                                         {"is_internal", kind::boolean, 1},
                                         {"partitions", kind::structs, 0, any, metadata_partition},
                                         {"topic_authorized_operations", kind::i32, 8}};
constexpr field metadata_resp[] = {{"throttle_time_ms", kind::i32, 3},
                                   {"brokers", kind::structs, 0, any, metadata_broker},
                                   {"cluster_id", kind::string, 2},
                                   {"controller_id", kind::i32, 1},
                                   {"topics", kind::structs, 0, any, metadata_topic_resp},
                                   {"cluster_authorized_operations", kind::i32, 8, 10}};

// OffsetCommit (flexible from v8).
constexpr field offset_commit_partition_req[] = {{"partition_index", kind::i32},
                                                 {"committed_offset", kind::i64},
                                                 {"committed_leader_epoch", kind::i32, 6},
                                                 {"commit_timestamp", kind::i64, 1, 1},
                                                 {"committed_metadata", kind::string}};
constexpr field offset_commit_topic_req[] = {{"name", kind::string}, {"partitions", kind::structs, 0, any, offset_commit_partition_req}};
constexpr field offset_commit_req[] = {{"group_id", kind::string},
                                       {"generation_id", kind::i32, 1},
                                       {"member_id", kind::string, 1},
                                       {"group_instance_id", kind::string, 7},
                                       {"retention_time_ms", kind::i64, 2, 4},
                                       {"topics", kind::structs, 0, any, offset_commit_topic_req}};
constexpr field offset_commit_partition_resp[] = {{"partition_index", kind::i32}, {"error_code", kind::i16}};
constexpr field offset_commit_topic_resp[] = {{"name", kind::string}, {"partitions", kind::structs, 0, any, offset_commit_partition_resp}};
constexpr field offset_commit_resp[] = {{"throttle_time_ms", kind::i32, 3}, {"topics", kind::structs, 0, any, offset_commit_topic_resp}};

// OffsetFetch (flexible from v6; groups batched from v8).
constexpr field offset_fetch_topic_req[] = {{"name", kind::string}, {"partition_indexes", kind::i32s}};
constexpr field offset_fetch_group_req[] = {{"group_id", kind::string},
                                            {"member_id", kind::string, 9},
                                            {"member_epoch", kind::i32, 9},
                                            {"topics", kind::structs, 0, any, offset_fetch_topic_req}};
constexpr field offset_fetch_req[] = {{"group_id", kind::string, 0, 7},
                                      {"topics", kind::structs, 0, 7, offset_fetch_topic_req},
                                      {"groups", kind::structs, 8, any, offset_fetch_group_req},
                                      {"require_stable", kind::boolean, 7}};
constexpr field offset_fetch_partition_resp[] = {{"partition_index", kind::i32},
                                                 {"committed_offset", kind::i64},
                                                 {"committed_leader_epoch", kind::i32, 5},
                                                 {"metadata", kind::string},
                                                 {"error_code", kind::i16}};
constexpr field offset_fetch_topic_resp[] = {{"name", kind::string}, {"partitions", kind::structs, 0, any, offset_fetch_partition_resp}};
constexpr field offset_fetch_group_resp[] = {{"group_id", kind::string},
                                             {"topics", kind::structs, 0, any, offset_fetch_topic_resp},
                                             {"error_code", kind::i16}};
constexpr field offset_fetch_resp[] = {{"throttle_time_ms", kind::i32, 3},
                                       {"topics", kind::structs, 0, 7, offset_fetch_topic_resp},
                                       {"error_code", kind::i16, 2, 7},
                                       {"groups", kind::structs, 8, any, offset_fetch_group_resp}};

// FindCoordinator (flexible from v3; batched keys from v4).
constexpr field find_coordinator_req[] = {{"key", kind::string, 0, 3}, {"key_type", kind::i8, 1}, {"coordinator_keys", kind::strings, 4}};
constexpr field find_coordinator_entry[] = {{"key", kind::string},        {"node_id", kind::i32},
                                            {"host", kind::string},       {"port", kind::i32},
                                            {"error_code", kind::i16},    {"error_message", kind::string}};
constexpr field find_coordinator_resp[] = {{"throttle_time_ms", kind::i32, 1},
                                           {"error_code", kind::i16, 0, 3},
                                           {"error_message", kind::string, 1, 3},
                                           {"node_id", kind::i32, 0, 3},
                                           {"host", kind::string, 0, 3},
                                           {"port", kind::i32, 0, 3},
                                           {"coordinators", kind::structs, 4, any, find_coordinator_entry}};

// JoinGroup (flexible from v6).
constexpr field join_group_protocol[] = {{"name", kind::string}, {"metadata", kind::bytes}};
constexpr field join_group_req[] = {{"group_id", kind::string},
                                    {"session_timeout_ms", kind::i32},
                                    {"rebalance_timeout_ms", kind::i32, 1},
                                    {"member_id", kind::string},
                                    {"group_instance_id", kind::string, 5},
                                    {"protocol_type", kind::string},
                                    {"protocols", kind::structs, 0, any, join_group_protocol},
                                    {"reason", kind::string, 8}};
constexpr field join_group_member[] = {{"member_id", kind::string}, {"group_instance_id", kind::string, 5}, {"metadata", kind::bytes}};
constexpr field join_group_resp[] = {{"throttle_time_ms", kind::i32, 2},
                                     {"error_code", kind::i16},
                                     {"generation_id", kind::i32},
                                     {"protocol_type", kind::string, 7},
                                     {"protocol_name", kind::string},
                                     {"leader", kind::string},
                                     {"skip_assignment", kind::boolean, 9},
                                     {"member_id", kind::string},
                                     {"members", kind::structs, 0, any, join_group_member}};

// Heartbeat (flexible from v4).
constexpr field heartbeat_req[] = {{"group_id", kind::string},
                                   {"generation_id", kind::i32},
                                   {"member_id", kind::string},
                                   {"group_instance_id", kind::string, 3}};
constexpr field heartbeat_resp[] = {{"throttle_time_ms", kind::i32, 1}, {"error_code", kind::i16}};

// SyncGroup (flexible from v4).
constexpr field sync_group_assignment[] = {{"member_id", kind::string}, {"assignment", kind::bytes}};
constexpr field sync_group_req[] = {{"group_id", kind::string},
                                    {"generation_id", kind::i32},
                                    {"member_id", kind::string},
                                    {"group_instance_id", kind::string, 3},
                                    {"protocol_type", kind::string, 5},
                                    {"protocol_name", kind::string, 5},
                                    {"assignments", kind::structs, 0, any, sync_group_assignment}};
constexpr field sync_group_resp[] = {{"throttle_time_ms", kind::i32, 1},
                                     {"error_code", kind::i16},
                                     {"protocol_type", kind::string, 5},
                                     {"protocol_name", kind::string, 5},
                                     {"assignment", kind::bytes}};

// ApiVersions (flexible from v3; its response header is always v0).
constexpr field api_versions_req[] = {{"client_software_name", kind::string, 3}, {"client_software_version", kind::string, 3}};
constexpr field api_versions_key[] = {{"api_key", kind::i16}, {"min_version", kind::i16}, {"max_version", kind::i16}};
constexpr field api_versions_resp[] = {{"error_code", kind::i16},
                                       {"api_keys", kind::structs, 0, any, api_versions_key},
                                       {"throttle_time_ms", kind::i32, 1}};

struct api_schema {
  std::int16_t key;
  std::int16_t max_version;    // highest version decoded
  std::int16_t first_flexible;
  fields request;
  fields response;
};

constexpr std::array<api_schema, 11> schemas{{
  {api::produce, 9, 9, produce_req, produce_resp},
  {api::fetch, 13, 12, fetch_req, fetch_resp},
  {api::list_offsets, 7, 6, list_offsets_req, list_offsets_resp},
  {api::metadata, 12, 9, metadata_req, metadata_resp},
  {api::offset_commit, 8, 8, offset_commit_req, offset_commit_resp},
  {api::offset_fetch, 9, 6, offset_fetch_req, offset_fetch_resp},
  {api::find_coordinator, 4, 3, find_coordinator_req, find_coordinator_resp},
  {api::join_group, 9, 6, join_group_req, join_group_resp},
  {api::heartbeat, 4, 4, heartbeat_req, heartbeat_resp},
  {api::sync_group, 5, 4, sync_group_req, sync_group_resp},
  {api::api_versions, 3, 3, api_versions_req, api_versions_resp},
}};

const api_schema* find_schema(std::int16_t key, std::int16_t version) {
  for (const api_schema& s : schemas)
    if (s.key == key) return version >= 0 && version <= s.max_version ? &s : nullptr;
  return nullptr;
}

// ---- The table interpreter. ----

class renderer {
 public:
  renderer(reader& r, std::int16_t version, bool flexible, std::size_t max_json_bytes, std::string& out)
      : r_(r), version_(version), flexible_(flexible), max_(max_json_bytes), out_(out) {}

  /// Appends {...}; false if decoding stopped (bytes ended or broke the schema, or the output
  /// reached its limit); the braces opened are closed either way.
  bool object(fields fs) {
    out_ += '{';
    bool first = true;
    bool ok = true;
    for (const field& f : fs) {
      if (version_ < f.min_version || version_ > f.max_version) continue;
      std::size_t mark = out_.size();
      if (!first) out_ += ',';
      schemas::append_json_string(out_, f.name);
      out_ += ':';
      bool nested = f.k == kind::structs || f.k == kind::i32s || f.k == kind::i64s || f.k == kind::strings;
      if (!value(f) || r_.failed() || out_.size() > max_) {
        // A scalar the bytes did not hold is left out; a nested value keeps what it decoded.
        if (r_.failed() && !nested) out_.resize(mark);
        ok = false;
        break;
      }
      first = false;
    }
    if (ok && flexible_) r_.skip_tagged_fields();
    out_ += '}';
    return ok && !r_.failed();
  }

 private:
  bool value(const field& f) {
    switch (f.k) {
      case kind::i8: number(r_.sint(1)); return true;
      case kind::i16: number(r_.sint(2)); return true;
      case kind::i32: number(r_.sint(4)); return true;
      case kind::i64: number(r_.sint(8)); return true;
      case kind::boolean: out_ += r_.sint(1) != 0 ? "true" : "false"; return true;
      case kind::uuid: uuid(r_.take(16)); return true;
      case kind::string: schemas::append_json_string(out_, r_.string(flexible_).value_or("")); return true;
      case kind::bytes:
      case kind::records:
        out_ += "{\"size\":";
        number(static_cast<std::int64_t>(r_.bytes(flexible_).value_or("").size()));
        out_ += '}';
        return true;
      case kind::structs: return array(f);
      case kind::i32s:
      case kind::i64s:
      case kind::strings: return array(f);
    }
    return false;
  }

  bool array(const field& f) {
    std::int64_t n = r_.array_count(flexible_);
    out_ += '[';
    bool ok = !r_.failed();
    for (std::int64_t i = 0; i < n && ok; ++i) {
      if (i) out_ += ',';
      switch (f.k) {
        case kind::structs: ok = object(f.children); break;
        case kind::i32s: number(r_.sint(4)); break;
        case kind::i64s: number(r_.sint(8)); break;
        default: schemas::append_json_string(out_, r_.string(flexible_).value_or("")); break;
      }
      ok = ok && !r_.failed() && out_.size() <= max_;
    }
    out_ += ']';
    return ok;
  }

  void number(std::int64_t v) { out_ += std::to_string(v); }

  void uuid(std::string_view b) {
    static constexpr char hex[] = "0123456789abcdef";
    out_ += '"';
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) out_ += '-';
      auto c = static_cast<unsigned char>(b[i]);
      out_ += hex[c >> 4];
      out_ += hex[c & 0xf];
    }
    out_ += '"';
  }

  reader& r_;
  std::int16_t version_;
  bool flexible_;
  std::size_t max_;
  std::string& out_;
};

}  // namespace

bool decodable(std::int16_t api_key, std::int16_t api_version) { return find_schema(api_key, api_version) != nullptr; }

bool flexible(std::int16_t api_key, std::int16_t api_version) {
  const api_schema* s = find_schema(api_key, api_version);
  return s != nullptr && api_version >= s->first_flexible;
}

std::string decode_body(message_type type, std::int16_t api_key, std::int16_t api_version, std::string_view bytes,
                        bool cut, std::size_t max_json_bytes) {
  const api_schema* s = find_schema(api_key, api_version);
  if (s == nullptr) return {};
  bool flex = api_version >= s->first_flexible;
  reader r{bytes};
  // A flexible response header (v1) ends with tagged fields; ApiVersions always uses v0.
  if (type == message_type::response && flex && api_key != api::api_versions) r.skip_tagged_fields();
  std::string out;
  renderer rd{r, api_version, flex, max_json_bytes, out};
  if (rd.object(type == message_type::request ? s->request : s->response) || out.size() > max_json_bytes)
    return out;
  // Decoding stopped: say why inside the object (the renderer closed every brace it opened).
  out.pop_back();
  if (out.size() > 1) out += ',';
  out += cut && r.failed() ? "\"truncated\":true}" : "\"error\":true}";
  return out;
}

}  // namespace wisp::protocols::kafka
