#pragma once
// Tables made at run time (tracepoint and bpftrace tables): name -> relation and shard, shared
// by the actor that creates them (the tracepoint manager) and the ones that read them (the
// query broker compiling and running queries). Thread-safe; a table once listed stays readable
// under some name for the life of the daemon (a new version renames the old one).

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/tables/table_shard.hpp"
#include "schemas/relation.hpp"

namespace wisp::tables {

class table_directory {
 public:
  struct entry {
    schemas::relation rel;
    table_shard_actor shard;
    std::string desc;
  };

  /// Adds or replaces `name`.
  void put(const std::string& name, entry e) {
    std::lock_guard lock{mu_};
    tables_.insert_or_assign(name, std::move(e));
  }
  /// Moves `from` to the name `to` (a replaced version keeps its data under a new name).
  void rename(const std::string& from, const std::string& to) {
    std::lock_guard lock{mu_};
    auto it = tables_.find(from);
    if (it == tables_.end()) return;
    auto e = std::move(it->second);
    tables_.erase(it);
    tables_.insert_or_assign(to, std::move(e));
  }
  std::optional<entry> find(std::string_view name) const {
    std::lock_guard lock{mu_};
    auto it = tables_.find(name);
    if (it == tables_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> names() const {
    std::lock_guard lock{mu_};
    std::vector<std::string> out;
    for (const auto& [n, e] : tables_) out.push_back(n);
    return out;
  }
  std::vector<table_shard_actor> shards() const {
    std::lock_guard lock{mu_};
    std::vector<table_shard_actor> out;
    for (const auto& [n, e] : tables_) out.push_back(e.shard);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, entry, std::less<>> tables_;
};

}  // namespace wisp::tables
