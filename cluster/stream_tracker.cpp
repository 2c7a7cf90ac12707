#include "cluster/stream_tracker.hpp"

#include <algorithm>

namespace wisp::cluster {

namespace {
/// One report's counters by stage and name; a name reported more than once (by each of a
/// protocol's parser shards) adds up.
std::map<std::pair<std::string, std::string>, std::uint64_t> totals(const std::vector<wire::loss_counter>& report) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> out;
  for (const auto& l : report) out[{l.stage, l.name}] += l.value;
  return out;
}
}  // namespace

stream_tracker::stream_tracker(const std::map<std::string, std::set<std::uint32_t>>& producers,
                               std::map<std::uint32_t, std::string> names, std::int64_t now_ns)
    : open_(producers), names_(std::move(names)) {
  for (const auto& [stream, asids] : producers)
    for (auto a : asids) last_heard_[a] = now_ns;
}

std::vector<std::string> stream_tracker::initially_complete() const {
  std::vector<std::string> out;
  for (const auto& [stream, asids] : open_)
    if (asids.empty()) out.push_back(stream);
  return out;
}

bool stream_tracker::on_batch(std::uint32_t asid, const std::string& stream, std::int64_t now_ns) {
  auto it = open_.find(stream);
  if (it == open_.end() || !it->second.contains(asid)) return false;
  last_heard_[asid] = now_ns;
  return true;
}

std::vector<std::string> stream_tracker::on_end(std::uint32_t asid, const std::string& stream, wire::status code,
                                                const std::string& error, std::int64_t now_ns,
                                                const std::vector<wire::loss_counter>& losses) {
  if (!last_heard_.contains(asid)) return {};
  last_heard_[asid] = now_ns;
  auto& kept = end_losses_[asid];
  for (const auto& [k, total] : totals(losses)) kept[k] = std::max(kept[k], total);
  if (code != wire::status::ok || !error.empty())
    warnings_.push_back("agent " + name_of(asid) + (stream.empty() ? "" : ", stream " + stream) + ": " +
                        (error.empty() ? "failed" : error) + " (its rows are missing)");
  return drop(asid, stream);
}

std::vector<std::string> stream_tracker::on_lost(std::uint32_t asid, const std::string& why) {
  bool open = false;
  for (const auto& [stream, asids] : open_) open = open || asids.contains(asid);
  if (!open) return {};
  warnings_.push_back("agent " + name_of(asid) + " " + why + " mid-query: the result lacks its rows");
  return drop(asid, {});
}

std::vector<std::string> stream_tracker::check_stalls(std::int64_t now_ns, std::chrono::nanoseconds timeout) {
  std::vector<std::string> done;
  for (const auto& [asid, heard] : last_heard_)
    if (now_ns - heard >= timeout.count())
      for (auto& s : on_lost(asid, "stalled (nothing for " +
                                       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                                       " s)"))
        done.push_back(std::move(s));
  return done;
}

bool stream_tracker::all_complete() const {
  for (const auto& [stream, asids] : open_)
    if (!asids.empty()) return false;
  return true;
}

std::set<std::uint32_t> stream_tracker::agents() const {
  std::set<std::uint32_t> out;
  for (const auto& [asid, t] : last_heard_) out.insert(asid);
  return out;
}

std::vector<wire::loss_counter> stream_tracker::losses(std::uint32_t asid,
                                                       const std::vector<wire::loss_counter>& heartbeat) const {
  auto merged = totals(heartbeat);
  if (auto it = end_losses_.find(asid); it != end_losses_.end())
    for (const auto& [k, v] : it->second) merged[k] = std::max(merged[k], v);
  std::vector<wire::loss_counter> out;
  for (const auto& [k, v] : merged) out.push_back({k.first, k.second, v});
  return out;
}

std::string stream_tracker::name_of(std::uint32_t asid) const {
  auto it = names_.find(asid);
  const std::string n = it == names_.end() ? std::string{} : it->second;
  return (n.empty() ? "" : n + " ") + "(asid " + std::to_string(asid) + ")";
}

std::vector<std::string> stream_tracker::drop(std::uint32_t asid, const std::string& stream) {
  std::vector<std::string> done;
  for (auto& [name, asids] : open_) {
    if (!stream.empty() && name != stream) continue;
    if (asids.erase(asid) > 0 && asids.empty()) done.push_back(name);
  }
  return done;
}

}  // namespace wisp::cluster
