#include "bpf/dyntrace_loader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "bpf/dyntrace.skel.h"
#include "bpf/libbpf_util.hpp"

namespace wisp::bpf {

void uprobe_link::deleter::operator()(bpf_link* l) const noexcept { bpf_link__destroy(l); }

void dyntrace_loader::skeleton_deleter::operator()(dyntrace_bpf* s) const noexcept {
  dyntrace_bpf::destroy(s);
}

void dyntrace_loader::ring_deleter::operator()(ring_buffer* rb) const noexcept {
  ring_buffer__free(rb);
}

dyntrace_loader::~dyntrace_loader() {
  rb_.reset();
  skel_.reset();
}

expected<std::unique_ptr<dyntrace_loader>> dyntrace_loader::start(const dyntrace_options& opts) {
  if (!valid_ring_size(opts.ring_bytes))
    return error{"configure dyntrace ring buffer: size must be a power of two of at least one page",
                 EINVAL};
  std::unique_ptr<dyntrace_loader> self{new dyntrace_loader()};
  self->ncpus_ = libbpf_num_possible_cpus();
  if (self->ncpus_ <= 0)
    return make_libbpf_error("count possible CPUs", self->ncpus_);
  self->skel_.reset(dyntrace_bpf::open());
  if (!self->skel_)
    return make_libbpf_error("open dyntrace BPF object", errno);
  auto* skel = self->skel_.get();
  if (int err = bpf_map__set_max_entries(skel->maps.dt_events, opts.ring_bytes))
    return make_libbpf_error("size dyntrace ring buffer", err);
  if (int err = dyntrace_bpf::load(skel))
    return make_libbpf_error("load dyntrace program (verifier log above)", err);
  self->rb_.reset(ring_buffer__new(bpf_map__fd(skel->maps.dt_events), &dyntrace_loader::on_record,
                                   self.get(), nullptr));
  if (!self->rb_)
    return make_libbpf_error("create dyntrace ring buffer reader", errno);
  return self;
}

status dyntrace_loader::set_program(std::uint32_t slot, const wisp_dt_program& program) {
  if (slot >= WISP_DT_MAX_SLOTS)
    return error{"set dyntrace program: slot " + std::to_string(slot) + " out of range", EINVAL};
  if (program.payload_len > WISP_DT_PAYLOAD || program.n_entry > WISP_DT_MAX_OPS ||
      program.n_return > WISP_DT_MAX_OPS)
    return error{"set dyntrace program: payload or op count over the limits of bpf/dyntrace.h",
                 EINVAL};
  if (auto st = zero_counters(slot); !st)
    return st;
  wisp_dt_program p = program;
  p.flags |= WISP_DT_LOADED;
  if (int err = bpf_map__update_elem(skel_->maps.dt_programs, &slot, sizeof slot, &p, sizeof p,
                                     BPF_ANY))
    return make_libbpf_error("set dyntrace program " + std::to_string(slot), err);
  return ok();
}

status dyntrace_loader::clear_program(std::uint32_t slot) {
  if (slot >= WISP_DT_MAX_SLOTS)
    return error{"clear dyntrace program: slot " + std::to_string(slot) + " out of range", EINVAL};
  wisp_dt_program empty{};
  if (int err = bpf_map__update_elem(skel_->maps.dt_programs, &slot, sizeof slot, &empty,
                                     sizeof empty, BPF_ANY))
    return make_libbpf_error("clear dyntrace program " + std::to_string(slot), err);
  return ok();
}

expected<uprobe_link> dyntrace_loader::attach(std::uint32_t slot, wisp_dt_site site,
                                              const std::string& binary,
                                              std::uint64_t file_offset, int pid) {
  LIBBPF_OPTS(bpf_uprobe_opts, opts);
  opts.bpf_cookie = WISP_DT_COOKIE(slot, site);
  opts.retprobe = site == WISP_DT_SITE_URETPROBE;
  bpf_link* link = bpf_program__attach_uprobe_opts(skel_->progs.dt_probe, pid, binary.c_str(),
                                                   file_offset, &opts);
  if (link == nullptr) {
    int err = errno;
    char where[64];
    std::snprintf(where, sizeof where, "+0x%llx (pid %d)",
                  static_cast<unsigned long long>(file_offset), pid);
    return make_libbpf_error(
        std::string{opts.retprobe ? "attach uretprobe at " : "attach uprobe at "} + binary + where,
        err);
  }
  return uprobe_link{link};
}

int dyntrace_loader::on_record(void* ctx, void* data, std::size_t size) {
  auto* self = static_cast<dyntrace_loader*>(ctx);
  wisp_dt_event hdr;
  if (size < sizeof hdr) {
    ++self->bad_records_;
    return 0;
  }
  std::memcpy(&hdr, data, sizeof hdr);
  if (hdr.payload_len > size - sizeof hdr || hdr.slot >= WISP_DT_MAX_SLOTS) {
    ++self->bad_records_;
    return 0;
  }
  (*self->sink_)(hdr, {static_cast<const std::uint8_t*>(data) + sizeof hdr, hdr.payload_len});
  return 0;
}

expected<std::size_t> dyntrace_loader::poll(int timeout_ms, const dyntrace_sink& sink) {
  sink_ = &sink;
  int n = timeout_ms > 0 ? ring_buffer__poll(rb_.get(), timeout_ms) : ring_buffer__consume(rb_.get());
  sink_ = nullptr;
  if (n == -EINTR)
    return std::size_t{0};
  if (n < 0)
    return make_libbpf_error("read dyntrace ring buffer", n);
  return static_cast<std::size_t>(n);
}

expected<dyntrace_counters> dyntrace_loader::counters(std::uint32_t slot) const {
  dyntrace_counters total{};
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(ncpus_));
  for (std::uint32_t c = 0; c < WISP_DT_CNT__MAX; ++c) {
    std::uint32_t key = slot * WISP_DT_CNT__MAX + c;
    if (int err = bpf_map__lookup_elem(skel_->maps.dt_counters, &key, sizeof key, per_cpu.data(),
                                       per_cpu.size() * sizeof(std::uint64_t), 0))
      return make_libbpf_error("read dyntrace counters", err);
    for (auto v : per_cpu)
      total[c] += v;
  }
  return total;
}

status dyntrace_loader::zero_counters(std::uint32_t slot) {
  std::vector<std::uint64_t> zeros(static_cast<std::size_t>(ncpus_), 0);
  for (std::uint32_t c = 0; c < WISP_DT_CNT__MAX; ++c) {
    std::uint32_t key = slot * WISP_DT_CNT__MAX + c;
    if (int err = bpf_map__update_elem(skel_->maps.dt_counters, &key, sizeof key, zeros.data(),
                                       zeros.size() * sizeof(std::uint64_t), BPF_ANY))
      return make_libbpf_error("zero dyntrace counters", err);
  }
  return ok();
}

}  // namespace wisp::bpf
