#include "bpf/socket_tracer_loader.hpp"

#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string>

#include "bpf/libbpf_util.hpp"
#include "bpf/socket_trace.skel.h"

namespace wisp::bpf {

std::uint32_t netns_inode() {
  struct stat st {};
  return ::stat("/proc/self/ns/net", &st) == 0 ? static_cast<std::uint32_t>(st.st_ino) : 0;
}
namespace {

/// Fills the kernel's local_addrs map. When it is full, the remaining addresses are left out:
/// their client-side data is then copied and dropped in user space, which is correct, only slower.
status add_local_addresses(bpf_map* map, const std::vector<std::string>& addresses) {
  for (const auto& text : addresses) {
    wisp_local_addr_key k{};
    if (inet_pton(AF_INET, text.c_str(), k.addr) == 1)
      k.family = AF_INET;
    else if (inet_pton(AF_INET6, text.c_str(), k.addr) == 1)
      k.family = AF_INET6;
    else
      return error{"set local addresses: '" + text + "' is not a numeric IPv4 or IPv6 address",
                   EINVAL};
    std::uint8_t one = 1;
    int err = bpf_map__update_elem(map, &k, sizeof k, &one, sizeof one, BPF_ANY);
    if (err == -E2BIG)
      break;
    if (err)
      return make_libbpf_error("set local address " + text, err);
  }
  return ok();
}

}  // namespace

void socket_tracer_loader::skeleton_deleter::operator()(socket_trace_bpf* s) const noexcept {
  socket_trace_bpf::destroy(s);
}

void socket_tracer_loader::ring_deleter::operator()(ring_buffer* rb) const noexcept {
  ring_buffer__free(rb);
}

socket_tracer_loader::~socket_tracer_loader() {
  // Rings read the maps the skeleton owns: free them first.
  data_rb_.reset();
  control_rb_.reset();
  skel_.reset();
}

expected<std::unique_ptr<socket_tracer_loader>>
socket_tracer_loader::start(const socket_tracer_options& opts) {
  if (!valid_ring_size(opts.data_ring_bytes) || !valid_ring_size(opts.control_ring_bytes))
    return error{"configure ring buffers: sizes must be powers of two of at least one page",
                 EINVAL};
  std::unique_ptr<socket_tracer_loader> self{new socket_tracer_loader()};
  self->time_base_ = time_base::capture();

  self->skel_.reset(socket_trace_bpf::open());
  if (!self->skel_)
    return make_libbpf_error("open socket_trace BPF object", errno);

  auto* skel = self->skel_.get();
  skel->rodata->self_tgid = opts.trace_self ? 0 : static_cast<std::uint32_t>(::getpid());
  skel->rodata->only_netns = opts.only_netns;
  skel->rodata->enabled_protocols = opts.protocols;
  if (!opts.local_addresses.empty())
    skel->rodata->skip_local_client_protocols = opts.server_side_protocols;
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0)
    return make_libbpf_error("count possible CPUs", ncpus);
  if (int err = bpf_map__set_max_entries(skel->maps.data_scratch, static_cast<std::uint32_t>(ncpus)))
    return make_libbpf_error("size data scratch map", err);
  if (int err = bpf_map__set_max_entries(skel->maps.data_events, opts.data_ring_bytes))
    return make_libbpf_error("size data ring buffer", err);
  if (int err = bpf_map__set_max_entries(skel->maps.control_events, opts.control_ring_bytes))
    return make_libbpf_error("size control ring buffer", err);

  if (int err = socket_trace_bpf::load(skel))
    return make_libbpf_error("load socket_trace programs (verifier log above)", err);
  if (auto st = add_local_addresses(skel->maps.local_addrs, opts.local_addresses); !st)
    return st.error_value();

  // One program at a time (not socket_trace_bpf::attach) so the error names the tracepoint.
  // The links go into the skeleton, whose destroy() detaches them.
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) {
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr)
      return make_libbpf_error(std::string{"attach "} + bpf_program__section_name(prog), errno);
    for (int k = 0; k < skel->skeleton->prog_cnt; ++k)
      if (*skel->skeleton->progs[k].prog == prog)
        *skel->skeleton->progs[k].link = link;
  }

  self->control_rb_.reset(ring_buffer__new(bpf_map__fd(skel->maps.control_events),
                                           &socket_tracer_loader::on_control, self.get(),
                                           nullptr));
  if (!self->control_rb_)
    return make_libbpf_error("create control ring buffer reader", errno);
  self->data_rb_.reset(ring_buffer__new(bpf_map__fd(skel->maps.data_events),
                                        &socket_tracer_loader::on_data, self.get(), nullptr));
  if (!self->data_rb_)
    return make_libbpf_error("create data ring buffer reader", errno);
  return self;
}

int socket_tracer_loader::on_control(void* ctx, void* data, std::size_t size) {
  auto* self = static_cast<socket_tracer_loader*>(ctx);
  control_record rec;
  auto st = decode_control({static_cast<const std::byte*>(data), size}, self->time_base_, rec);
  if (st != decode_status::ok) {
    ++self->user_.bad_records;
    return 0;
  }
  ++self->user_.records;
  if (rec.kind == WISP_EVENT_OPEN)
    self->staged_opens_.push_back(std::move(rec.open));
  else if (rec.kind == WISP_EVENT_STATS)
    self->staged_stats_.push_back(std::move(rec.close));
  else
    self->staged_closes_.push_back(std::move(rec.close));
  return 0;
}

int socket_tracer_loader::on_data(void* ctx, void* data, std::size_t size) {
  auto* self = static_cast<socket_tracer_loader*>(ctx);
  protocols::data_chunk chunk;
  auto st = decode_data({static_cast<const std::byte*>(data), size}, self->time_base_, chunk);
  if (st != decode_status::ok) {
    ++self->user_.bad_records;
    return 0;
  }
  ++self->user_.records;
  self->staged_data_.push_back(std::move(chunk));
  return 0;
}

status socket_tracer_loader::consume(ring_buffer* rb, std::size_t& records) {
  int n = ring_buffer__consume(rb);
  if (n == -EINTR)
    return ok();
  if (n < 0)
    return make_libbpf_error("read ring buffer", n);
  records += static_cast<std::size_t>(n);
  return ok();
}

expected<poll_result> socket_tracer_loader::poll(int timeout_ms, socket_event_sink& sink) {
  poll_result result;
  if (timeout_ms > 0) {
    pollfd fds[] = {{ring_buffer__epoll_fd(control_rb_.get()), POLLIN, 0},
                    {ring_buffer__epoll_fd(data_rb_.get()), POLLIN, 0}};
    if (::poll(fds, std::size(fds), timeout_ms) < 0 && errno != EINTR)
      return make_libbpf_error("wait for ring buffers", errno);
  }
  // Control, then data, then control again: an open is submitted before the data of its
  // connection, so every data record consumed here has its open consumed by the second pass.
  for (ring_buffer* rb : {control_rb_.get(), data_rb_.get(), control_rb_.get()})
    if (auto s = consume(rb, result.records); !s)
      return s.error_value();
  for (auto& ev : staged_opens_)
    sink.on_open(std::move(ev));
  for (auto& ev : staged_data_)
    sink.on_data(std::move(ev));
  for (auto& ev : staged_stats_)
    sink.on_stats(std::move(ev));
  for (auto& ev : staged_closes_)
    sink.on_close(std::move(ev));
  staged_opens_.clear();
  staged_data_.clear();
  staged_stats_.clear();
  staged_closes_.clear();
  return result;
}

expected<counter_values> socket_tracer_loader::counters() const {
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0)
    return make_libbpf_error("count possible CPUs", ncpus);
  counter_values out;
  out.per_cpu.assign(static_cast<std::size_t>(ncpus), counter_values::row{});
  out.user = user_;
  std::vector<std::uint64_t> values(static_cast<std::size_t>(ncpus));
  for (std::uint32_t c = 0; c < WISP_CNT__MAX; ++c) {
    int err = bpf_map__lookup_elem(skel_->maps.counters, &c, sizeof(c), values.data(),
                                   values.size() * sizeof(std::uint64_t), 0);
    if (err)
      return make_libbpf_error("read counters map", err);
    for (std::size_t cpu = 0; cpu < values.size(); ++cpu) {
      out.per_cpu[cpu][c] = values[cpu];
      out.total[c] += values[cpu];
    }
  }
  return out;
}

}  // namespace wisp::bpf
