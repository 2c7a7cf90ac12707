// SPDX-License-Identifier: GPL-2.0
/* Dynamic tracing: one generic uprobe program for every tracepoint (bpf/dyntrace.h has the
 * contract). The attach cookie names the program slot and the site kind; the program runs the
 * slot's fetch ops with bpf_loop (verified once, whatever the program), reads user memory only
 * through bpf_probe_read_user* with bounded sizes and never writes to the traced process. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/dyntrace.h"

char LICENSE[] SEC("license") = "GPL";

#define DT_DWARF_REGS 17 /* rax .. r15 and the return address column (rip) */

/* An event under construction: the ring-buffer record layout, with room for the last copy op to
 * overrun payload_len (it never overruns the buffer). */
struct dt_record {
  struct wisp_dt_event hdr;
  __u8 payload[WISP_DT_PAYLOAD + WISP_DT_MAX_COPY + 2];
};

struct dt_pending_key {
  __u32 slot;
  __u32 pad;
  __u64 id; /* goroutine id, or the kernel's pid_tgid */
  __u64 sp; /* the frame's stack pointer at entry; 0 when keyed by goroutine */
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, WISP_DT_MAX_SLOTS);
  __type(key, __u32);
  __type(value, struct wisp_dt_program);
} dt_programs SEC(".maps");

/* Calls in flight. LRU: an entry whose return never comes (a thread that exits, a longjmp) is
 * evicted by newer ones instead of filling the map for good. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, WISP_DT_MAX_PENDING);
  __type(key, struct dt_pending_key);
  __type(value, struct dt_record);
} dt_pending SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct dt_record);
} dt_scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, WISP_DT_MAX_SLOTS * WISP_DT_CNT__MAX);
  __type(key, __u32);
  __type(value, __u64);
} dt_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 << 20); /* resized by the loader */
} dt_events SEC(".maps");

static __always_inline void count(__u32 slot, __u32 counter) {
  __u32 key = slot * WISP_DT_CNT__MAX + counter;
  __u64* v = bpf_map_lookup_elem(&dt_counters, &key);
  if (v)
    *v += 1;
}

/* State of one run of a site's ops, on the program's stack, shared with the bpf_loop callback. */
struct dt_run {
  const struct wisp_dt_op* ops;
  __u8* payload;
  __u64 cpu[DT_DWARF_REGS];
  __u64 r[WISP_DT_REGS];
  __u64 faults;
  __u32 n_ops;
};

static __always_inline void fault(struct dt_run* run, const struct wisp_dt_op* op) {
  run->faults |= 1ULL << (op->cap & 63);
}

static long dt_step(__u32 i, void* data) {
  struct dt_run* run = data;
  if (i >= run->n_ops)
    return 1;
  const struct wisp_dt_op* op = &run->ops[i & (WISP_DT_MAX_OPS - 1)];
  __u32 dst = op->dst & (WISP_DT_REGS - 1);
  __u32 src = op->src & (WISP_DT_REGS - 1);
  __u32 out = op->out;
  if (out >= WISP_DT_PAYLOAD)
    return 1;
  __u8* at = run->payload + out;
  __u64 addr = run->r[src] + (__s64)op->off;

  switch (op->code) {
  case WISP_DT_OP_END:
    return 1;
  case WISP_DT_OP_REG: {
    __u32 reg = op->src;
    if (reg >= DT_DWARF_REGS)
      return 1;
    run->r[dst] = run->cpu[reg];
    return 0;
  }
  case WISP_DT_OP_ADD:
    run->r[dst] = addr;
    return 0;
  case WISP_DT_OP_LOAD: {
    __u64 v = 0;
    __u32 size = op->size;
    if (size == 0 || size > 8)
      return 1;
    if (bpf_probe_read_user(&v, size, (const void*)addr) != 0) {
      v = 0;
      fault(run, op);
    }
    run->r[dst] = v;
    return 0;
  }
  case WISP_DT_OP_STORE: {
    __u32 size = op->size;
    if (size == 0 || size > 8)
      return 1;
    bpf_probe_read_kernel(at, size, &run->r[src]);
    return 0;
  }
  case WISP_DT_OP_COPY: {
    __u32 n = op->max;
    if (n == 0 || n > WISP_DT_MAX_COPY)
      return 1;
    if (bpf_probe_read_user(at, n, (const void*)addr) != 0)
      fault(run, op); /* the helper zero-fills on failure */
    return 0;
  }
  case WISP_DT_OP_STR: {
    __u32 n = op->max;
    if (n <= 2 || n > WISP_DT_MAX_COPY)
      return 1;
    long got = bpf_probe_read_user_str(at + 2, n - 2, (const void*)addr);
    __u16 len = 0;
    if (got > 0)
      len = (__u16)(got - 1); /* the count includes the NUL */
    else if (addr != 0)
      fault(run, op); /* a NULL char* is an empty string, not a fault */
    bpf_probe_read_kernel(at, sizeof len, &len);
    return 0;
  }
  case WISP_DT_OP_BYTES: {
    __u32 cap_bytes = op->max;
    if (cap_bytes <= 2 || cap_bytes > WISP_DT_MAX_COPY)
      return 1;
    __u64 want = run->r[dst];
    __u32 n = cap_bytes - 2;
    if (want < n)
      n = (__u32)want;
    __u16 len = (__u16)n;
    if (n > 0 && n <= WISP_DT_MAX_COPY - 2 &&
        bpf_probe_read_user(at + 2, n, (const void*)addr) != 0) {
      fault(run, op);
      len = 0;
    }
    bpf_probe_read_kernel(at, sizeof len, &len);
    return 0;
  }
  default:
    return 1;
  }
}

static __always_inline void load_cpu(struct dt_run* run, struct pt_regs* ctx) {
  run->cpu[0] = ctx->ax;
  run->cpu[1] = ctx->dx;
  run->cpu[2] = ctx->cx;
  run->cpu[3] = ctx->bx;
  run->cpu[4] = ctx->si;
  run->cpu[5] = ctx->di;
  run->cpu[6] = ctx->bp;
  run->cpu[7] = ctx->sp;
  run->cpu[8] = ctx->r8;
  run->cpu[9] = ctx->r9;
  run->cpu[10] = ctx->r10;
  run->cpu[11] = ctx->r11;
  run->cpu[12] = ctx->r12;
  run->cpu[13] = ctx->r13;
  run->cpu[14] = ctx->r14;
  run->cpu[15] = ctx->r15;
  run->cpu[16] = ctx->ip;
  run->faults = 0;
}

/* Runs `n` ops (at most WISP_DT_MAX_OPS) with the CPU registers of ctx, writing into payload. */
static __always_inline void run_ops(struct dt_run* run, struct pt_regs* ctx, const struct wisp_dt_op* ops,
                                    __u32 n, __u8* payload) {
  if (n > WISP_DT_MAX_OPS)
    n = WISP_DT_MAX_OPS;
  load_cpu(run, ctx);
  run->ops = ops;
  run->n_ops = n;
  run->payload = payload;
  run->r[0] = run->r[1] = run->r[2] = run->r[3] = 0;
  bpf_loop(WISP_DT_MAX_OPS, dt_step, run, 0);
}


static __always_inline __u32 event_size(const struct wisp_dt_program* prog) {
  __u32 len = prog->payload_len;
  if (len > WISP_DT_PAYLOAD)
    len = WISP_DT_PAYLOAD;
  return sizeof(struct wisp_dt_event) + len;
}

static __always_inline void emit(__u32 slot, struct dt_record* rec, __u32 size) {
  if (size > sizeof(struct wisp_dt_event) + WISP_DT_PAYLOAD)
    return;
  if (bpf_ringbuf_output(&dt_events, rec, size, 0) != 0) {
    count(slot, WISP_DT_CNT_RING_FULL);
    return;
  }
  count(slot, WISP_DT_CNT_EVENTS);
  if (rec->hdr.faults)
    count(slot, WISP_DT_CNT_FAULTS);
}

static __always_inline __s64 read_goid(const struct wisp_dt_program* prog, struct pt_regs* ctx) {
  if (!(prog->flags & WISP_DT_IS_GO))
    return -1;
  __s64 goid = -1;
  /* Go's register ABI keeps the current g in r14. */
  if (bpf_probe_read_user(&goid, sizeof goid, (const void*)(ctx->r14 + prog->goid_offset)) != 0)
    return -1;
  return goid;
}

static __always_inline void pending_key(struct dt_pending_key* key, __u32 slot,
                                        const struct wisp_dt_program* prog, __s64 goid,
                                        __u64 entry_sp) {
  key->slot = slot;
  key->pad = 0;
  if (prog->flags & WISP_DT_KEY_GOID) {
    key->id = (__u64)goid;
    key->sp = 0;
  } else {
    key->id = bpf_get_current_pid_tgid();
    key->sp = entry_sp;
  }
}

static __always_inline int on_entry(struct pt_regs* ctx, __u32 slot,
                                    const struct wisp_dt_program* prog) {
  __u32 zero = 0;
  struct dt_record* rec = bpf_map_lookup_elem(&dt_scratch, &zero);
  if (!rec)
    return 0;
  count(slot, WISP_DT_CNT_CALLS);
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  rec->hdr.slot = slot;
  rec->hdr.tgid = pid_tgid >> 32;
  rec->hdr.tid = (__u32)pid_tgid;
  rec->hdr.payload_len = event_size(prog) - sizeof(struct wisp_dt_event);
  rec->hdr.entry_ns = bpf_ktime_get_ns();
  rec->hdr.return_ns = 0;
  rec->hdr.goid = read_goid(prog, ctx);

  struct dt_run run;
  run_ops(&run, ctx, prog->entry, prog->n_entry, rec->payload);
  rec->hdr.faults = run.faults;

  if (!(prog->flags & WISP_DT_HAS_RETURN)) {
    emit(slot, rec, event_size(prog));
    return 0;
  }
  struct dt_pending_key key;
  pending_key(&key, slot, prog, rec->hdr.goid, ctx->sp);
  if (bpf_map_update_elem(&dt_pending, &key, rec, BPF_ANY) != 0)
    count(slot, WISP_DT_CNT_PENDING_FULL);
  return 0;
}

static __always_inline int on_return(struct pt_regs* ctx, __u32 slot, __u32 site,
                                     const struct wisp_dt_program* prog) {
  /* The entry's stack pointer: a uretprobe runs after RET popped the return address; a probe
   * on the RET instruction runs before it, with sp where it was at entry. */
  __u64 entry_sp = site == WISP_DT_SITE_URETPROBE ? ctx->sp - 8 : ctx->sp;
  struct dt_pending_key key;
  pending_key(&key, slot, prog, read_goid(prog, ctx), entry_sp);
  struct dt_record* rec = bpf_map_lookup_elem(&dt_pending, &key);
  if (!rec) {
    count(slot, WISP_DT_CNT_UNMATCHED_RETURN);
    return 0;
  }
  rec->hdr.return_ns = bpf_ktime_get_ns();

  struct dt_run run;
  run_ops(&run, ctx, prog->ret, prog->n_return, rec->payload);
  rec->hdr.faults |= run.faults;
  emit(slot, rec, event_size(prog));
  bpf_map_delete_elem(&dt_pending, &key);
  return 0;
}

SEC("uprobe")
int dt_probe(struct pt_regs* ctx) {
  __u64 cookie = bpf_get_attach_cookie(ctx);
  __u32 slot = cookie & 0xffff;
  __u32 site = (cookie >> 16) & 0xff;
  if (slot >= WISP_DT_MAX_SLOTS)
    return 0;
  const struct wisp_dt_program* prog = bpf_map_lookup_elem(&dt_programs, &slot);
  if (!prog || !(prog->flags & WISP_DT_LOADED)) {
    count(slot, WISP_DT_CNT_NO_PROGRAM);
    return 0;
  }
  if (site == WISP_DT_SITE_ENTRY)
    return on_entry(ctx, slot, prog);
  return on_return(ctx, slot, site, prog);
}
