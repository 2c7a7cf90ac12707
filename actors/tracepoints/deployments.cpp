#include "actors/tracepoints/deployments.hpp"

#include "schemas/node_asid.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <set>

#include "actors/sources/bpftrace/runner.hpp"
#include "actors/sources/bpftrace/selectors.hpp"
#include "actors/tracepoints/decode.hpp"
#include "actors/tracepoints/resolve.hpp"

namespace wisp::tracepoints {

namespace {

using schemas::data_type;

std::int64_t mono_to_wall_offset() {
  timespec mono{}, wall{};
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  ::clock_gettime(CLOCK_REALTIME, &wall);
  auto ns = [](const timespec& t) { return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; };
  return ns(wall) - ns(mono);
}

/// The file's identity: two paths to one executable attach one fetch program.
std::string file_identity(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return path;
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

capture_request::kind capture_kind(pxl::trace_output::kind k) {
  switch (k) {
    case pxl::trace_output::kind::arg: return capture_request::kind::arg;
    case pxl::trace_output::kind::ret: return capture_request::kind::ret;
    case pxl::trace_output::kind::latency: return capture_request::kind::latency;
  }
  return capture_request::kind::arg;
}

/// time_, upid, goid_ (Go) and the captures: the columns of a uprobe tracepoint's table.
schemas::relation uprobe_relation(const resolved_probe& p) {
  schemas::relation rel;
  rel.columns.push_back({"time_", data_type::time64ns, schemas::semantic_type::st_none, "time of the call"});
  rel.columns.push_back({"upid", data_type::uint128, schemas::semantic_type::st_upid, "the traced process"});
  if (p.lang == language::go)
    rel.columns.push_back({"goid_", data_type::int64, schemas::semantic_type::st_none, "goroutine id"});
  for (auto& c : capture_columns(p.captures)) rel.columns.push_back(std::move(c));
  return rel;
}

/// When a TTL that starts now ends; a TTL too long to add (ttl='2500000h') never ends.
std::int64_t expiry(std::int64_t now_ns, std::int64_t ttl_ns) {
  constexpr auto never = std::numeric_limits<std::int64_t>::max();
  return ttl_ns > never - now_ns ? never : now_ns + ttl_ns;
}

}  // namespace

std::string_view to_string(tracepoint_state s) {
  switch (s) {
    case tracepoint_state::pending: return "PENDING";
    case tracepoint_state::running: return "RUNNING";
    case tracepoint_state::failed: return "FAILED";
    case tracepoint_state::terminated: return "TERMINATED";
  }
  return "?";
}

/// One binary of a uprobe tracepoint: its resolution, its slot and its links per process.
struct deployments::binary_probe {
  std::string identity;
  resolved_probe probe;
  std::uint32_t slot = 0;
  std::map<std::int32_t, std::vector<bpf::uprobe_link>> links;  // by pid
  std::map<std::int32_t, std::uint64_t> start_ticks;           // by pid
};

struct deployments::tracepoint {
  pxl::tracepoint_mutation def;
  schemas::uint128 id;
  tracepoint_state state = tracepoint_state::pending;
  std::string message;
  std::string table;
  std::int64_t expires_ns = 0;
  schemas::relation rel;
  std::optional<schemas::row_batch> pending;  // rows not yet appended
  std::vector<std::unique_ptr<binary_probe>> binaries;
  std::unique_ptr<bpftrace::runner> runner;
  bool start_reported = false;
  std::uint64_t rows = 0;
  std::uint64_t events_since_tick = 0;
  std::int64_t last_tick_ns = 0;

  bool live() const { return state == tracepoint_state::pending || state == tracepoint_state::running; }
  std::size_t processes() const {
    std::size_t n = 0;
    for (const auto& b : binaries) n += b->links.size();
    return n;
  }
};

deployments::deployments(deployment_options opts, table_sink sink)
    : opts_(std::move(opts)), sink_(std::move(sink)), slot_used_(WISP_DT_MAX_SLOTS, false),
      mono_to_wall_ns_(mono_to_wall_offset()) {}

deployments::~deployments() {
  for (auto& tp : tracepoints_)
    if (tp->live()) detach(*tp, tracepoint_state::terminated, "agent stopped");
}

deployments::tracepoint* deployments::find(const std::string& name) {
  for (auto& tp : tracepoints_)
    if (tp->def.name == name) return tp.get();
  return nullptr;
}

std::size_t deployments::live() const {
  return static_cast<std::size_t>(std::count_if(tracepoints_.begin(), tracepoints_.end(),
                                                [](const auto& tp) { return tp->live(); }));
}

std::optional<std::uint32_t> deployments::take_slot() {
  for (std::uint32_t i = 0; i < slot_used_.size(); ++i)
    if (!slot_used_[i]) {
      slot_used_[i] = true;
      return i;
    }
  return std::nullopt;
}

upsert_result deployments::upsert(const pxl::tracepoint_mutation& m, std::int64_t now_ns) {
  if (tracepoint* old = find(m.name)) {
    if (old->live() && old->def.same_definition(m)) {
      old->expires_ns = expiry(now_ns, m.ttl_ns);  // the same definition again: only the TTL restarts
      return {upsert_result::kind::done, "", old->table};
    }
    if (old->live()) detach(*old, tracepoint_state::terminated, "replaced by a new definition");
    std::erase_if(tracepoints_, [&](const auto& tp) { return tp.get() == old; });
  }
  if (live() >= opts_.max_tracepoints)
    return {upsert_result::kind::failed,
            std::to_string(live()) + " tracepoints are running, the most this agent runs at once; "
                                     "delete one first (pxtrace.DeleteTracepoint)",
            ""};
  auto tp = std::make_unique<tracepoint>();
  tp->def = m;
  tp->id = {std::uint64_t{schemas::node_asid()} << 32, next_id_++};
  tp->expires_ns = expiry(now_ns, m.ttl_ns);
  tp->last_tick_ns = now_ns;
  auto& t = *tp;
  tracepoints_.push_back(std::move(tp));
  upsert_result r = t.def.symbol.empty() ? deploy_bpftrace(t) : deploy_uprobe(t);
  if (r.what == upsert_result::kind::failed) detach(t, tracepoint_state::failed, r.error);
  return r;
}

std::string deployments::remove(const std::string& name) {
  tracepoint* tp = find(name);
  if (tp == nullptr) {
    std::string known;
    for (const auto& t : tracepoints_) known += (known.empty() ? "" : ", ") + t->def.name;
    return "no tracepoint named '" + name + "'" + (known.empty() ? "" : " (there are: " + known + ")");
  }
  if (tp->live()) detach(*tp, tracepoint_state::terminated, "deleted");
  std::erase_if(tracepoints_, [&](const auto& t) { return t.get() == tp; });
  return "";
}

upsert_result deployments::deploy_uprobe(tracepoint& tp) {
  auto fail = [](std::string why) { return upsert_result{upsert_result::kind::failed, std::move(why), ""}; };
  if (!loader_) {
    if (!loader_error_.empty()) return fail(loader_error_);
    auto l = bpf::dyntrace_loader::start();
    if (!l) {
      loader_error_ = "cannot load the dynamic-tracing BPF program: " + l.error_value().what;
      return fail(loader_error_);
    }
    loader_ = std::move(l.value());
  }
  auto procs = select_processes(tp.def.target, schemas::node_asid(), opts_.proc_root);
  if (!procs) return fail(procs.error_value().what);
  if (procs->empty())
    return fail("the target pxtrace." + pxl::to_string(tp.def.target) + " matches no running process");

  probe_request req;
  req.symbol = tp.def.symbol;
  for (const auto& o : tp.def.outputs) req.captures.push_back({o.column, capture_kind(o.what), o.expr});
  std::string first_error;
  for (const auto& proc : *procs) {
    const auto identity = file_identity(proc.binary);
    if (std::any_of(tp.binaries.begin(), tp.binaries.end(), [&](const auto& b) { return b->identity == identity; }))
      continue;
    req.binary = proc.binary;
    auto resolved = resolve(req);
    if (!resolved) {
      if (first_error.empty()) first_error = resolved.error_value().what;
      continue;
    }
    auto rel = uprobe_relation(*resolved);
    if (!tp.binaries.empty() && rel != tp.rel) continue;  // another build with other types
    auto slot = take_slot();
    if (!slot) return fail("every dynamic-tracing slot (" + std::to_string(WISP_DT_MAX_SLOTS) + ") is in use");
    auto b = std::make_unique<binary_probe>();
    b->identity = identity;
    b->probe = std::move(*resolved);
    b->slot = *slot;
    if (auto st = loader_->set_program(b->slot, b->probe.program); !st) {
      slot_used_[b->slot] = false;
      return fail(st.error_value().what);
    }
    by_slot_[b->slot] = {&tp, b.get()};
    if (tp.binaries.empty()) tp.rel = rel;
    tp.binaries.push_back(std::move(b));
  }
  if (tp.binaries.empty()) return fail(first_error);
  tp.table = open_table(tp, tp.rel);
  if (auto err = attach_new_processes(tp); tp.processes() == 0)
    return fail(err.empty() ? "no process could be attached" : err);
  tp.state = tracepoint_state::running;
  tp.message = "attached to " + std::to_string(tp.processes()) + " process(es) at " + tp.binaries.front()->probe.symbol;
  return {upsert_result::kind::done, "", tp.table};
}

std::string deployments::attach_new_processes(tracepoint& tp) {
  auto procs = select_processes(tp.def.target, schemas::node_asid(), opts_.proc_root);
  if (!procs) return procs.error_value().what;
  std::string error;
  std::set<std::int32_t> alive;
  for (const auto& proc : *procs) {
    alive.insert(proc.pid);
    const auto identity = file_identity(proc.binary);
    auto it = std::find_if(tp.binaries.begin(), tp.binaries.end(), [&](const auto& b) { return b->identity == identity; });
    if (it == tp.binaries.end()) continue;  // a binary that did not resolve at upsert
    auto& b = **it;
    if (auto known = b.start_ticks.find(proc.pid); known != b.start_ticks.end() && known->second == proc.start_ticks)
      continue;
    b.links.erase(proc.pid);  // a reused pid
    std::vector<bpf::uprobe_link> links;
    auto add = [&](wisp_dt_site site, std::uint64_t offset) {
      auto l = loader_->attach(b.slot, site, proc.binary, offset, proc.pid);
      if (!l) {
        if (error.empty()) error = l.error_value().what;
        return false;
      }
      links.push_back(std::move(l.value()));
      return true;
    };
    bool ok = add(WISP_DT_SITE_ENTRY, b.probe.entry_offset);
    if (ok && b.probe.uretprobe) ok = add(WISP_DT_SITE_URETPROBE, b.probe.entry_offset);
    for (auto off : b.probe.ret_offsets)
      if (ok) ok = add(WISP_DT_SITE_RET_INSN, off);
    if (!ok) continue;  // its links detach as `links` goes
    b.links[proc.pid] = std::move(links);
    b.start_ticks[proc.pid] = proc.start_ticks;
  }
  for (auto& b : tp.binaries) {  // exited processes
    std::erase_if(b->links, [&](const auto& kv) { return !alive.contains(kv.first); });
    std::erase_if(b->start_ticks, [&](const auto& kv) { return !alive.contains(kv.first); });
  }
  return error;
}

upsert_result deployments::deploy_bpftrace(tracepoint& tp) {
  auto fail = [](std::string why) { return upsert_result{upsert_result::kind::failed, std::move(why), ""}; };
  const pxl::trace_program* chosen = nullptr;
  std::string why_not;
  for (const auto& p : tp.def.programs) {
    auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string_view>{s}; };
    auto verdict = bpftrace::check_kernel_selectors(opt(p.min_kernel), opt(p.max_kernel), opt(p.host_name));
    if (!verdict) return fail(verdict.error_value().what);
    if (verdict->matches) {
      chosen = &p;
      break;
    }
    why_not += (why_not.empty() ? "" : "; ") + verdict->reason;
  }
  if (chosen == nullptr) return fail("no program's selectors match this node: " + why_not);
  auto prog = bpftrace::program::parse(chosen->text);
  if (!prog) return fail("bpftrace program " + to_string(prog.error_value()));
  bpftrace::runner_options ro;
  ro.bpftrace_path = opts_.bpftrace_path;
  auto r = bpftrace::runner::start(*prog, ro);
  if (!r) return fail(r.error_value().what);
  tp.runner = std::move(r.value());
  tp.rel = prog->relation();
  tp.table = open_table(tp, tp.rel);
  tp.message = "bpftrace starting";
  return {upsert_result::kind::starting, "", tp.table};
}

std::string deployments::open_table(tracepoint& tp, const schemas::relation& rel) {
  const std::string& name = tp.def.table;
  auto it = tables_.find(name);
  if (it == tables_.end()) {
    tables_.emplace(name, std::make_pair(rel, 1));
    sink_.create(name, rel, std::nullopt);
    return name;
  }
  if (it->second.first == rel) return name;  // same columns: the rows go on in the same table
  const std::string old = name + "_v" + std::to_string(it->second.second);
  sink_.create(name, rel, old);
  it->second = {rel, it->second.second + 1};
  for (auto& other : tracepoints_)  // others still writing the old columns follow the old table
    if (other.get() != &tp && other->table == name) other->table = old;
  return name;
}

void deployments::detach(tracepoint& tp, tracepoint_state state, std::string why) {
  flush(tp);
  for (auto& b : tp.binaries) {
    b->links.clear();
    if (loader_) (void)loader_->clear_program(b->slot);
    slot_used_[b->slot] = false;
    by_slot_.erase(b->slot);
  }
  tp.binaries.clear();
  if (tp.runner) tp.runner->stop();
  tp.state = state;
  tp.message = std::move(why);
}

void deployments::tick(std::int64_t now_ns) {
  for (auto& tp : tracepoints_) {
    if (!tp->live()) continue;
    if (now_ns >= tp->expires_ns) {
      detach(*tp, tracepoint_state::terminated, "TTL expired");
      continue;
    }
    const auto elapsed_ns = std::max<std::int64_t>(now_ns - tp->last_tick_ns, 1);
    const auto rate = static_cast<std::uint64_t>(static_cast<double>(tp->events_since_tick) * 1e9 /
                                                 static_cast<double>(elapsed_ns));
    tp->events_since_tick = 0;
    tp->last_tick_ns = now_ns;
    if (rate > opts_.max_events_per_second) {
      detach(*tp, tracepoint_state::failed,
             "detached: " + std::to_string(rate) + " events/s is over the cap of " +
                 std::to_string(opts_.max_events_per_second) + " events/s per tracepoint");
      continue;
    }
    if (!tp->binaries.empty()) {
      (void)attach_new_processes(*tp);
      tp->message = "attached to " + std::to_string(tp->processes()) + " process(es)";
    }
  }
}

std::vector<std::pair<std::string, upsert_result>> deployments::poll() {
  std::vector<std::pair<std::string, upsert_result>> started;
  if (loader_) {
    auto on_event = [this](const wisp_dt_event& e, std::span<const std::uint8_t> payload) {
      auto owner = by_slot_.find(e.slot);
      if (owner == by_slot_.end()) {
        ++bad_events_;
        return;
      }
      auto& [tp, b] = owner->second;
      if (!tp->pending) tp->pending = schemas::make_empty_batch(tp->rel);
      auto& batch = *tp->pending;
      std::size_t col = 0;
      batch.columns[col++].push_int(static_cast<std::int64_t>(e.entry_ns) + mono_to_wall_ns_);
      std::uint64_t ticks = 0;
      if (auto it = b->start_ticks.find(static_cast<std::int32_t>(e.tgid)); it != b->start_ticks.end())
        ticks = it->second;
      batch.columns[col++].push_uint128({(std::uint64_t{schemas::node_asid()} << 32) | e.tgid, ticks});
      if (b->probe.lang == language::go) batch.columns[col++].push_int(e.goid);
      decode_faults_ += decode(b->probe.captures, e, payload, batch, col);
      ++tp->events_since_tick;
    };
    (void)loader_->poll(0, on_event);
  }
  for (auto& tp : tracepoints_) {
    if (tp->runner && tp->live()) {
      if (!tp->pending) tp->pending = tp->runner->make_batch();
      const auto before = tp->pending->num_rows();
      auto st = tp->runner->read_available(*tp->pending);
      tp->events_since_tick += tp->pending->num_rows() - before;
      if (!tp->start_reported && st != bpftrace::runner_state::starting) {
        tp->start_reported = true;
        if (st == bpftrace::runner_state::failed) {
          std::string why = "bpftrace: " + tp->runner->error_text();
          started.emplace_back(tp->def.name, upsert_result{upsert_result::kind::failed, why, ""});
          detach(*tp, tracepoint_state::failed, why);
          continue;
        }
        started.emplace_back(tp->def.name, upsert_result{upsert_result::kind::done, "", tp->table});
        tp->state = tracepoint_state::running;
        tp->message = "bpftrace running";
      }
      if (st == bpftrace::runner_state::exited) detach(*tp, tracepoint_state::terminated, "the bpftrace program exited");
      else if (st == bpftrace::runner_state::failed) detach(*tp, tracepoint_state::failed, "bpftrace: " + tp->runner->error_text());
    }
    flush(*tp);
  }
  return started;
}

void deployments::flush(tracepoint& tp) {
  if (!tp.pending || tp.pending->num_rows() == 0) return;
  tp.rows += tp.pending->num_rows();
  sink_.append(tp.table, std::move(*tp.pending));
  tp.pending.reset();
}

std::vector<tracepoint_status> deployments::status() const {
  std::vector<tracepoint_status> out;
  for (const auto& tp : tracepoints_)
    out.push_back({tp->id, tp->def.name, tp->state, tp->message, {tp->table}, tp->expires_ns,
                   tp->processes(), tp->rows});
  return out;
}

std::vector<wire::loss_counter> deployments::counters() const {
  constexpr const char* stage = "tracepoints";
  std::vector<wire::loss_counter> out;
  out.push_back({stage, "events_of_detached_slots", bad_events_});
  out.push_back({stage, "values_not_read (faulted reads)", decode_faults_});
  for (const auto& tp : tracepoints_) {
    for (const auto& b : tp->binaries) {
      if (!loader_) break;
      auto c = loader_->counters(b->slot);
      if (!c) continue;
      const std::string who = " (" + tp->def.name + ")";
      out.push_back({stage, "events_lost_ring_full" + who, (*c)[WISP_DT_CNT_RING_FULL]});
      out.push_back({stage, "calls_not_kept_too_many_in_flight" + who, (*c)[WISP_DT_CNT_PENDING_FULL]});
      out.push_back({stage, "returns_without_entry" + who, (*c)[WISP_DT_CNT_UNMATCHED_RETURN]});
    }
    if (tp->runner) {
      const auto& o = tp->runner->output();
      out.push_back({stage, "bpftrace_bad_lines (" + tp->def.name + ")", o.bad_lines});
      out.push_back({stage, "bpftrace_lost_events (" + tp->def.name + ")", o.lost_events});
    }
  }
  return out;
}

}  // namespace wisp::tracepoints
