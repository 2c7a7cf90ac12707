/* Dynamic tracing: the contract between the generic uprobe program (dyntrace.bpf.c) and user
 * space (the resolver in actors/tracepoints that writes fetch programs, the loader that attaches
 * them, the decoder that turns events into rows). Plain C, shared by both sides.
 *
 * One pre-compiled program, `dt_probe`, is attached once per (tracepoint, binary) entry address,
 * and once per return site: a uretprobe for C, C++ and Rust, or a uprobe on each RET instruction
 * for Go (a uretprobe would corrupt a Go stack that moves). The attach cookie names the program
 * slot and the kind of site (WISP_DT_COOKIE). The program looks its fetch program up in the
 * `dt_programs` array and runs it: a few ops over a four-entry register file that load registers,
 * add offsets, dereference user memory and store or copy values into the event payload at
 * offsets the resolver chose. Nothing is compiled on the node, nothing is written to the traced
 * process.
 *
 * Entry-only tracepoints emit one event per call from the entry site. A tracepoint with return
 * values or latency keeps the entry payload in `dt_pending` (keyed by slot, thread or goroutine,
 * and the frame's stack pointer) until a return site of the same frame runs its own ops and emits
 * the whole event. */
#ifndef WISP_BPF_DYNTRACE_H
#define WISP_BPF_DYNTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define WISP_DT_MAX_SLOTS 256      /* programs (tracepoint x binary) live at once */
#define WISP_DT_MAX_OPS 64         /* ops per site (a power of two: the program masks) */
#define WISP_DT_REGS 4             /* entries of the op register file */
#define WISP_DT_PAYLOAD 2048       /* payload bytes per event; offsets below this */
#define WISP_DT_MAX_COPY 1024      /* bytes one COPY, STR or BYTES op may write */
#define WISP_DT_MAX_PENDING 2048   /* calls in flight (entered, not yet returned) */

/* Site kinds, in the cookie's bits 16..23. */
enum wisp_dt_site {
  WISP_DT_SITE_ENTRY = 0,   /* function entry (uprobe): sp points at the return address */
  WISP_DT_SITE_URETPROBE = 1, /* after return (uretprobe): sp is the entry sp + 8 */
  WISP_DT_SITE_RET_INSN = 2,  /* a RET instruction (Go): sp is the entry sp again */
};

/* cookie = slot | site << 16 */
#define WISP_DT_COOKIE(slot, site) ((__u64)(slot) | ((__u64)(site) << 16))

/* Op codes. r[] is the register file (WISP_DT_REGS entries of 64 bits, zero at start), `dst` and
 * `src` index it unless stated; `out` is a payload offset; a failed user-memory read sets bit
 * `cap` of the event's fault mask and leaves zeros. */
enum wisp_dt_opcode {
  WISP_DT_OP_END = 0,
  WISP_DT_OP_REG = 1,   /* r[dst] = CPU register number `src` (DWARF x86-64 numbering: 0 rax,
                           1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8..15 r8..r15,
                           16 the return address column = rip) */
  WISP_DT_OP_ADD = 2,   /* r[dst] = r[src] + off */
  WISP_DT_OP_LOAD = 3,  /* r[dst] = zero-extended `size` (1, 2, 4, 8) bytes at r[src] + off */
  WISP_DT_OP_STORE = 4, /* payload[out .. out+size) = low `size` bytes of r[src] */
  WISP_DT_OP_COPY = 5,  /* payload[out .. out+max) = `max` bytes of user memory at r[src] + off */
  WISP_DT_OP_STR = 6,   /* payload[out] = u16 length n, payload[out+2 .. out+2+n) = the
                           NUL-terminated string at r[src] + off, at most max - 2 bytes */
  WISP_DT_OP_BYTES = 7, /* payload[out] = u16 n = min(r[dst], max - 2), then n bytes at
                           r[src] + off (a Go string or slice, a std::string's data) */
};

struct wisp_dt_op {
  __u8 code; /* enum wisp_dt_opcode */
  __u8 dst;
  __u8 src;
  __u8 size;
  __s32 off;
  __u16 out;
  __u16 max;
  __u8 cap; /* capture index (0..63): the fault bit this op sets */
  __u8 pad[3];
};

/* One op, every field given (the resolver's code generator and tests build them this way). */
static inline struct wisp_dt_op wisp_dt_make_op(__u8 code, __u8 dst, __u8 src, __u8 size, __s32 off,
                                                __u16 out, __u16 max, __u8 cap) {
  struct wisp_dt_op o = {code, dst, src, size, off, out, max, cap, {0, 0, 0}};
  return o;
}

/* Program flags. */
#define WISP_DT_LOADED 8U     /* set on every program the loader writes (an empty slot is 0) */
#define WISP_DT_HAS_RETURN 1U /* entry keeps the payload; return sites emit */
#define WISP_DT_KEY_GOID 2U   /* pair entry and return by goroutine id, not thread and sp */
#define WISP_DT_IS_GO 4U      /* read the goroutine id from r14 (g) + goid_offset */

struct wisp_dt_program {
  __u32 flags;
  __u32 goid_offset;  /* offset of goid in runtime.g (Go) */
  __u16 payload_len;  /* bytes of payload every event carries (<= WISP_DT_PAYLOAD) */
  __u8 n_entry;       /* ops of entry[] in use */
  __u8 n_return;      /* ops of ret[] in use */
  __u32 pad;
  struct wisp_dt_op entry[WISP_DT_MAX_OPS];
  struct wisp_dt_op ret[WISP_DT_MAX_OPS];
};

/* A ring-buffer record: this header, then payload_len bytes. */
struct wisp_dt_event {
  __u32 slot;
  __u32 tgid;
  __u32 tid;
  __u32 payload_len;
  __u64 entry_ns;  /* bpf_ktime_get_ns() at entry (boot-time clock base: monotonic) */
  __u64 return_ns; /* at return; 0 for entry-only programs */
  __s64 goid;      /* Go goroutine id, -1 otherwise */
  __u64 faults;    /* bit i: a read of capture i failed */
};

/* Per-slot counters (a per-CPU array, WISP_DT_MAX_SLOTS rows of WISP_DT_CNT__MAX). */
enum wisp_dt_counter {
  WISP_DT_CNT_CALLS = 0,        /* entry sites run */
  WISP_DT_CNT_EVENTS,           /* events written to the ring */
  WISP_DT_CNT_RING_FULL,        /* events lost: ring buffer full */
  WISP_DT_CNT_NO_PROGRAM,       /* site ran for a slot with no program */
  WISP_DT_CNT_PENDING_FULL,     /* entries not kept: too many calls in flight */
  WISP_DT_CNT_UNMATCHED_RETURN, /* return sites with no entry (entered before attach) */
  WISP_DT_CNT_FAULTS,           /* events with at least one failed read */
  WISP_DT_CNT__MAX
};

#endif
