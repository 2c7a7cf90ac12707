// SPDX-License-Identifier: GPL-2.0
/* Socket tracer: syscall exit tracepoints only (this fleet has no kprobes or fentry). Each probe
 * reads the syscall's arguments from the registers the task entered the kernel with, sees the
 * result, finds or creates the connection, infers the protocol and copies the bytes into the data
 * ring buffer. No enter probes: one program run per syscall instead of two, and no per-thread
 * argument map. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/socket_trace.h"

char LICENSE[] SEC("license") = "GPL";

#define WISP_AF_INET 2
#define WISP_AF_INET6 10
#define WISP_S_IFMT 0170000
#define WISP_S_IFSOCK 0140000
#define WISP_SOCK_DGRAM 2
#define WISP_TCP_CLOSE 7 /* TCP_CLOSE of the kernel's include/net/tcp_states.h */
#define WISP_EINPROGRESS 115
#define WISP_MAX_CONNS 131072
#define WISP_MAX_LOCAL_ADDRS 256
#define WISP_MAX_CPUS 1024
/* iovecs inspected for protocol inference (the first non-empty one wins). */
#define WISP_INFER_IOV 3
/* Bytes inspected for protocol inference: a DNS header behind a TCP length prefix is the
 * longest need (14). Checks that need a byte further in (the end of the buffer, a Query's
 * terminator) read it separately. */
#define WISP_PEEK_SIZE 16

/* Set by the loader before load. */
const volatile __u32 self_tgid = 0;
/* Non-zero: only processes in the network namespace of this inode number are traced (one agent
 * per namespace on a shared kernel, as the cluster tests run them). */
const volatile __u32 only_netns = 0;
/* Bit (1 << protocol) set: inference may decide for that protocol (user space has a parser). */
const volatile __u32 enabled_protocols = 1U << WISP_PROTO_HTTP;
/* Bit (1 << protocol) set: the client side of a connection to one of this host's addresses is
 * not copied, because the server side of the same exchange is traced and is what user space
 * records (its role policy for these protocols). Positions still advance and bytes are counted. */
const volatile __u32 skip_local_client_protocols = 0;

#define CONN_REMOTE_LOCAL 1 /* the remote address is one of this host's (map local_addrs) */
#define CONN_SKIP 2         /* not copied: see skip_local_client_protocols */
/* Bit (CONN_PREFIX << dir): the direction's last syscall, protocol still unknown, moved exactly
 * 4 bytes, kept in conn_info.prefix (a Kafka size field read or written apart from its
 * message, as Java clients and brokers do). */
#define CONN_PREFIX 4
/* Bit (CONN_PREFIX_SEND << dir): inference used that prefix; its 4 bytes are sent before the
 * data of the next copy so that the stream starts at the message's first byte. */
#define CONN_PREFIX_SEND 16
/* A datagram (UDP) socket: of the protocols Wisp parses only DNS runs over one. The TCP
 * protocols' header checks are not tried, because a random DNS query id can pass one (an id of
 * 0x85xx before a query's flags, question count and EDNS record reads as a CQL v5 ERROR frame). */
#define CONN_DATAGRAM 64

struct conn_info {
  struct wisp_conn_id id;
  __u64 wr_pos; /* egress stream position == bytes written so far */
  __u64 rd_pos;
  __u32 role;
  __u16 protocol;
  __u16 flags; /* CONN_* */
  __u64 sk;    /* the struct sock, key of sock_conns */
  __u8 prefix[2][4]; /* by direction: see CONN_PREFIX */
};

struct syscall_args {
  __u32 syscall; /* enum wisp_syscall */
  __s32 fd;
  __u64 buf;   /* buffer, iovec array, msghdr or mmsghdr array */
  __u64 count; /* length, iovec count or message count */
  __u64 peer_addr; /* the datagram's sockaddr, or 0 */
  __u32 peer_len; /* its length as the syscall left it */
};

/* Scratch space for building one data event: the event, plus room so that a copy of up to
 * WISP_MAX_MSG_SIZE bytes at any offset below WISP_MAX_MSG_SIZE stays inside the value, which is
 * what the verifier can check when iovecs are gathered into one event. Too large for a per-CPU
 * map (32 KiB limit), so an array indexed by CPU; the loader sizes it to the possible CPUs. */
struct data_scratch_slot {
  struct wisp_data_event ev;
  char spill[WISP_MAX_MSG_SIZE];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WISP_MAX_CONNS);
  __type(key, __u64); /* tgid << 32 | fd */
  __type(value, struct conn_info);
} conns SEC(".maps");

/* struct sock -> conns key, so that a socket the kernel closes without a close() of ours (the
 * process exited, or was killed) still ends its connection (see exit_sock_state). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WISP_MAX_CONNS);
  __type(key, __u64);
  __type(value, __u64);
} sock_conns SEC(".maps");

/* Written by the loader: this host's addresses. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WISP_MAX_LOCAL_ADDRS);
  __type(key, struct wisp_local_addr_key);
  __type(value, __u8);
} local_addrs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, WISP_MAX_CPUS);
  __type(key, __u32);
  __type(value, struct data_scratch_slot);
} data_scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, WISP_CNT__MAX);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

/* Sizes are set by the loader (bpf_map__set_max_entries) before load. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 24);
} data_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} control_events SEC(".maps");

enum msg_kind { MSG_UNKNOWN = 0, MSG_REQUEST = 1, MSG_RESPONSE = 2 };

struct inference {
  __u32 protocol;
  __u32 kind; /* enum msg_kind */
};

static __always_inline void count(__u32 which, __u64 n) {
  __u64 *v = bpf_map_lookup_elem(&counters, &which);
  if (v)
    *v += n;
}

static __always_inline __u64 conn_key(__u32 tgid, __s32 fd) {
  return ((__u64)tgid << 32) | (__u32)fd;
}

static __always_inline __u64 tgid_start_ns(void) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  if (bpf_core_field_exists(task->start_boottime))
    return BPF_CORE_READ(task, group_leader, start_boottime);
  return BPF_CORE_READ(task, group_leader, start_time);
}

/* The struct sock behind fd, or NULL unless fd is an AF_INET/AF_INET6 socket. */
static __always_inline struct sock *inet_sock_of_fd(__s32 fd) {
  if (fd < 0)
    return NULL;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt)
    return NULL;
  if ((__u32)fd >= BPF_CORE_READ(fdt, max_fds))
    return NULL;
  struct file **fds = BPF_CORE_READ(fdt, fd);
  struct file *file = NULL;
  if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
    return NULL;
  umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
  if ((mode & WISP_S_IFMT) != WISP_S_IFSOCK)
    return NULL;
  struct socket *sock = BPF_CORE_READ(file, private_data);
  if (!sock)
    return NULL;
  struct sock *sk = BPF_CORE_READ(sock, sk);
  if (!sk)
    return NULL;
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  if (family != WISP_AF_INET && family != WISP_AF_INET6)
    return NULL;
  return sk;
}

static __always_inline void read_addrs(struct sock *sk, struct wisp_addr *local,
                                       struct wisp_addr *remote) {
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  local->family = family;
  remote->family = family;
  local->port = BPF_CORE_READ(sk, __sk_common.skc_num);
  remote->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  /* Read through typed temporaries: BPF_CORE_READ_INTO sizes the copy by the destination,
   * which for a byte array would be one byte. */
  if (family == WISP_AF_INET) {
    __be32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
    __be32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
    __builtin_memcpy(local->addr, &l, sizeof(l));
    __builtin_memcpy(remote->addr, &r, sizeof(r));
  } else {
    struct in6_addr l = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
    struct in6_addr r = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
    __builtin_memcpy(local->addr, &l, sizeof(l));
    __builtin_memcpy(remote->addr, &r, sizeof(r));
  }
}

static __always_inline bool is_local_addr(const struct wisp_addr *a) {
  struct wisp_local_addr_key k = {};
  k.family = a->family;
  __builtin_memcpy(k.addr, a->addr, sizeof(k.addr));
  return bpf_map_lookup_elem(&local_addrs, &k) != NULL;
}

/* A close or stats event of ci, on the control ring. */
static __always_inline void emit_totals(struct conn_info *ci, __u32 type, __u64 ts) {
  struct wisp_close_event ev = {};
  ev.hdr.type = type;
  ev.hdr.ts_ns = ts;
  ev.hdr.conn = ci->id;
  ev.wr_bytes = ci->wr_pos;
  ev.rd_bytes = ci->rd_pos;
  ev.protocol = ci->protocol;
  ev.role = ci->role;
  if (bpf_ringbuf_output(&control_events, &ev, sizeof(ev), 0))
    count(WISP_CNT_CONTROL_LOST, 1);
  else
    count(WISP_CNT_CONTROL_EVENTS, 1);
}

/* The connection's close event, and it is forgotten. */
static __always_inline void end_conn(struct conn_info *ci, __u64 key, __u64 ts) {
  emit_totals(ci, WISP_EVENT_CLOSE, ts);
  __u64 sk = ci->sk;
  __u64 *mapped = bpf_map_lookup_elem(&sock_conns, &sk);
  if (mapped && *mapped == key)
    bpf_map_delete_elem(&sock_conns, &sk);
  bpf_map_delete_elem(&conns, &key);
}

/* Starts tracking fd and emits the open event; a stale entry with the same key (another socket)
 * is ended first, with a close event.
 * Returns the map entry, or NULL when fd is not an inet socket or the map is full. */
static __always_inline struct conn_info *open_conn(__u32 tgid, __s32 fd, __u32 role, __u32 source,
                                                   __u64 ts) {
  struct sock *sk = inet_sock_of_fd(fd);
  if (!sk)
    return NULL;
  __u64 key = conn_key(tgid, fd);
  struct conn_info *old = bpf_map_lookup_elem(&conns, &key);
  if (old) {
    if (old->sk == (__u64)sk)
      return old; /* the same socket: a second connect() reporting the first one's completion */
    end_conn(old, key, ts); /* fd reused: the old connection ended without a close() we saw */
  }
  struct conn_info ci = {};
  ci.id.tgid = tgid;
  ci.id.fd = fd;
  ci.id.tgid_start_ns = tgid_start_ns();
  ci.id.generation = ts;
  ci.role = role;
  ci.protocol = WISP_PROTO_UNKNOWN;
  ci.sk = (__u64)sk;
  struct wisp_open_event ev = {};
  ev.hdr.type = WISP_EVENT_OPEN;
  ev.hdr.ts_ns = ts;
  ev.hdr.conn = ci.id;
  read_addrs(sk, &ev.local, &ev.remote);
  if (is_local_addr(&ev.remote))
    ci.flags |= CONN_REMOTE_LOCAL;
  if (BPF_CORE_READ(sk, sk_type) == WISP_SOCK_DGRAM)
    ci.flags |= CONN_DATAGRAM;
  ev.role = role;
  ev.source = source;
  if (bpf_map_update_elem(&conns, &key, &ci, BPF_ANY)) {
    count(WISP_CNT_CONN_MAP_FULL, 1);
    return NULL;
  }
  bpf_map_update_elem(&sock_conns, &ci.sk, &key, BPF_ANY);
  if (bpf_ringbuf_output(&control_events, &ev, sizeof(ev), 0))
    count(WISP_CNT_CONTROL_LOST, 1);
  else
    count(WISP_CNT_CONTROL_EVENTS, 1);
  return bpf_map_lookup_elem(&conns, &key);
}

/* ---- Protocol inference: one function per protocol, gated by a rodata flag. ---- */

static __always_inline bool starts_with(const char *b, __u32 n, const char *p, __u32 plen) {
  if (n < plen)
    return false;
#pragma unroll
  for (__u32 i = 0; i < WISP_PEEK_SIZE; i++) {
    if (i >= plen)
      break;
    if (b[i] != p[i])
      return false;
  }
  return true;
}

static __always_inline __u32 infer_http(const char *b, __u32 n) {
  if (starts_with(b, n, "HTTP/1.", 7))
    return MSG_RESPONSE;
  if (starts_with(b, n, "GET ", 4) || starts_with(b, n, "POST ", 5) ||
      starts_with(b, n, "PUT ", 4) || starts_with(b, n, "DELETE ", 7) ||
      starts_with(b, n, "HEAD ", 5) || starts_with(b, n, "PATCH ", 6) ||
      starts_with(b, n, "OPTIONS ", 8) || starts_with(b, n, "CONNECT ", 8) ||
      starts_with(b, n, "TRACE ", 6))
    return MSG_REQUEST;
  return MSG_UNKNOWN;
}

static __always_inline __u32 be32(const char *b) {
  return ((__u32)(__u8)b[0] << 24) | ((__u32)(__u8)b[1] << 16) | ((__u32)(__u8)b[2] << 8) |
         (__u8)b[3];
}

/* The byte at offset `at` of a user buffer of `len` bytes, or -1 past its end, unreadable or
 * without a buffer (bytes gathered from several iovecs). */
static __always_inline int user_byte(const char *buf, __u64 len, __u64 at) {
  __u8 c = 0;
  if (!buf || at >= len || bpf_probe_read_user(&c, 1, buf + at))
    return -1;
  return c;
}

/* PostgreSQL (requests only, as the frontend sends them first): an SSLRequest; a StartupMessage
 * (length up to 10000, protocol 3.0, then a parameter name such as "user"); or a simple Query
 * whose length fits the buffer, text ending in its NUL. */
static __always_inline __u32 infer_pgsql(const char *b, __u32 n, const char *buf, __u64 len) {
  if (n >= 8 && be32(b) == 8 && be32(b + 4) == 80877103)
    return MSG_REQUEST;
  if (n >= 9) {
    __u32 l = be32(b);
    if (l > 8 && l <= 10000 && be32(b + 4) == 0x00030000 && b[8] >= 'a' && b[8] <= 'z')
      return MSG_REQUEST;
  }
  if (n >= 5 && b[0] == 'Q') {
    __u32 l = be32(b + 1);
    if (l > 5 && l < 30000 && user_byte(buf, len, l) == 0)
      return MSG_REQUEST;
  }
  return MSG_UNKNOWN;
}

/* Redis: a RESP type byte first and CRLF last. Says nothing of direction (a reply can be an
 * array too), so the role comes from connect/accept or the socket table. */
static __always_inline bool infer_redis(const char *b, __u32 n, const char *buf, __u64 len) {
  if (n < 1 || len < 3)
    return false;
  char c = b[0];
  if (c != '+' && c != '-' && c != ':' && c != '$' && c != '*')
    return false;
  return user_byte(buf, len, len - 2) == '\r' && user_byte(buf, len, len - 1) == '\n';
}

static __always_inline __u32 le24(const char *b) {
  return (__u32)(__u8)b[0] | ((__u32)(__u8)b[1] << 8) | ((__u32)(__u8)b[2] << 16);
}

static __always_inline __u32 be16(const char *b) {
  return ((__u32)(__u8)b[0] << 8) | (__u8)b[1];
}

/* MySQL: a whole packet (3-byte little-endian length, sequence id) that is either a command
 * starting a conversation (sequence 0, a command byte Wisp parses, under 10000 bytes) or the
 * server's greeting (sequence 0, protocol version 10). */
static __always_inline __u32 infer_mysql(const char *b, __u32 n, __u64 len) {
  if (n < 5 || b[3] != 0 || (__u64)le24(b) + 4 != len)
    return MSG_UNKNOWN;
  __u8 cmd = (__u8)b[4];
  if (cmd == 0x0a && len > 40)
    return MSG_RESPONSE; /* the greeting: version 10, then a NUL-terminated server version */
  if (len > 10000)
    return MSG_UNKNOWN;
  /* COM_INIT_DB, COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_CLOSE */
  if (cmd == 0x02 || cmd == 0x03 || cmd == 0x16 || cmd == 0x17 || cmd == 0x19)
    return MSG_REQUEST;
  return MSG_UNKNOWN;
}

/* DNS: a 12-byte header `h` of a message of `len` bytes, of a standard query or its answer:
 * opcode 0, Z 0, one question, at most 25 records per section (Pixie's bound), and a query
 * carries no records. The QR bit says which. */
static __always_inline __u32 infer_dns_header(const char *h, __u64 len) {
  if (len < 12 || len > 512)
    return MSG_UNKNOWN;
  __u8 flags = (__u8)h[2];
  __u8 flags2 = (__u8)h[3];
  if ((flags & 0x78) != 0 || (flags2 & 0x40) != 0) /* opcode, Z */
    return MSG_UNKNOWN;
  if (be16(h + 4) != 1 || be16(h + 6) > 25 || be16(h + 8) > 25 || be16(h + 10) > 25)
    return MSG_UNKNOWN;
  bool response = flags & 0x80;
  if (!response && (be16(h + 6) != 0 || be16(h + 8) != 0))
    return MSG_UNKNOWN;
  return response ? MSG_RESPONSE : MSG_REQUEST;
}

/* DNS over UDP (the datagram is the message) or TCP (a 2-byte length first). Constant offsets
 * only: the verifier rejects the pointer arithmetic a variable one compiles to. */
static __always_inline __u32 infer_dns(const char *b, __u32 n, __u64 len) {
  if (n >= 14 && (__u64)be16(b) + 2 == len)
    return infer_dns_header(b + 2, len - 2);
  if (n >= 12)
    return infer_dns_header(b, len);
  return MSG_UNKNOWN;
}

/* NATS: the verbs that open a conversation: CONNECT, SUB, UNSUB, PUB, HPUB from the client;
 * INFO (always the server's first words), MSG, HMSG from the server. */
static __always_inline __u32 infer_nats(const char *b, __u32 n) {
  if (starts_with(b, n, "CONNECT {", 9) || starts_with(b, n, "SUB ", 4) ||
      starts_with(b, n, "UNSUB ", 6) || starts_with(b, n, "PUB ", 4) ||
      starts_with(b, n, "HPUB ", 5))
    return MSG_REQUEST;
  if (starts_with(b, n, "INFO {", 6) || starts_with(b, n, "MSG ", 4) || starts_with(b, n, "HMSG ", 5))
    return MSG_RESPONSE;
  return MSG_UNKNOWN;
}

/* CQL: a frame header (version 3 to 5, the high bit set in responses), a known opcode for that
 * direction, flags within the defined bits, and a body length under 256 MiB. */
static __always_inline __u32 infer_cql(const char *b, __u32 n) {
  if (n < 9)
    return MSG_UNKNOWN;
  __u8 version = (__u8)b[0] & 0x7f;
  bool response = (__u8)b[0] & 0x80;
  __u8 flags = (__u8)b[1];
  __u8 op = (__u8)b[4];
  if (version < 3 || version > 5 || (flags & 0xe0) != 0 || be32(b + 5) >= (256U << 20))
    return MSG_UNKNOWN;
  if (!response && (op == 0x01 || op == 0x05 || op == 0x07 || op == 0x09 || op == 0x0a ||
                    op == 0x0b || op == 0x0d || op == 0x0f))
    return MSG_REQUEST; /* STARTUP OPTIONS QUERY PREPARE EXECUTE REGISTER BATCH AUTH_RESPONSE */
  if (response && (op == 0x00 || op == 0x02 || op == 0x03 || op == 0x06 || op == 0x08 ||
                   op == 0x0c || op == 0x0e || op == 0x10))
    return MSG_RESPONSE; /* ERROR READY AUTHENTICATE SUPPORTED RESULT EVENT AUTH_* */
  return MSG_UNKNOWN;
}

/* Kafka (requests): a whole message (4-byte big-endian size), a known API key and version, a
 * non-negative correlation id and a client id of plausible length (-1 is null). */
static __always_inline __u32 infer_kafka(const char *b, __u32 n, __u64 len) {
  if (n < 14 || (__u64)be32(b) + 4 != len)
    return MSG_UNKNOWN;
  __u32 api_key = be16(b + 4);
  __u32 api_version = be16(b + 6);
  __s32 correlation = (__s32)be32(b + 8);
  __s16 client_id_len = (__s16)be16(b + 12);
  if (api_key > 74 || api_version > 17 || correlation < 0 || client_id_len < -1 ||
      client_id_len > 512)
    return MSG_UNKNOWN;
  return MSG_REQUEST;
}

/* A Kafka request whose 4-byte size came in the direction's previous syscall: the header starts
 * at b[0] and the size covers exactly this syscall's bytes. */
static __always_inline __u32 infer_kafka_after_size(const char *b, __u32 n, __u64 len,
                                                    const __u8 *size) {
  if (n < 10 || (__u64)be32((const char *)size) != len)
    return MSG_UNKNOWN;
  __u32 api_key = be16(b);
  __u32 api_version = be16(b + 2);
  __s32 correlation = (__s32)be32(b + 4);
  __s16 client_id_len = (__s16)be16(b + 8);
  if (api_key > 74 || api_version > 17 || correlation < 0 || client_id_len < -1 ||
      client_id_len > 512)
    return MSG_UNKNOWN;
  return MSG_REQUEST;
}

static __always_inline bool enabled(__u32 protocol) {
  return enabled_protocols & (1U << protocol);
}

/* Pixie's order (facts §4.4) for the protocols Wisp parses: HTTP, CQL, PGSQL, MySQL, Kafka,
 * DNS, Redis, NATS. */
static __always_inline struct inference infer_protocol(const char *b, __u32 n, const char *buf,
                                                       __u64 len) {
  struct inference r = {WISP_PROTO_UNKNOWN, MSG_UNKNOWN};
  if (enabled(WISP_PROTO_HTTP) && (r.kind = infer_http(b, n)) != MSG_UNKNOWN) {
    r.protocol = WISP_PROTO_HTTP;
    return r;
  }
  if (enabled(WISP_PROTO_CQL) && (r.kind = infer_cql(b, n)) != MSG_UNKNOWN) {
    r.protocol = WISP_PROTO_CQL;
    return r;
  }
  if (enabled(WISP_PROTO_PGSQL) && (r.kind = infer_pgsql(b, n, buf, len)) != MSG_UNKNOWN) {
    r.protocol = WISP_PROTO_PGSQL;
    return r;
  }
  if (enabled(WISP_PROTO_MYSQL) && (r.kind = infer_mysql(b, n, len)) != MSG_UNKNOWN) {
    r.protocol = WISP_PROTO_MYSQL;
    return r;
  }
  if (enabled(WISP_PROTO_KAFKA) && (r.kind = infer_kafka(b, n, len)) != MSG_UNKNOWN) {
    r.protocol = WISP_PROTO_KAFKA;
    return r;
  }
  if (enabled(WISP_PROTO_DNS) && (r.kind = infer_dns(b, n, len)) != MSG_UNKNOWN) {
    r.protocol = WISP_PROTO_DNS;
    return r;
  }
  if (enabled(WISP_PROTO_REDIS) && infer_redis(b, n, buf, len)) {
    r.protocol = WISP_PROTO_REDIS;
    r.kind = MSG_UNKNOWN;
    return r;
  }
  if (enabled(WISP_PROTO_NATS) && (r.kind = infer_nats(b, n)) != MSG_UNKNOWN)
    r.protocol = WISP_PROTO_NATS;
  return r;
}

/* Runs inference on the first bytes of a user buffer until the connection's protocol is known.
 * An inferred connection also learns its role: whoever sends requests is the client. */
/* Decides ci's protocol (and, when unknown, its role) from the first n bytes `peek` of a
 * syscall's len bytes; buf is the user buffer they start, for checks reading further in (NULL
 * when the bytes were gathered from several iovecs: those checks then fail). */
static __always_inline void infer_from(struct conn_info *ci, __u32 dir, const char *peek, __u32 n,
                                       const char *buf, __u64 len) {
  struct inference r = {WISP_PROTO_UNKNOWN, MSG_UNKNOWN};
  if (ci->flags & CONN_DATAGRAM) {
    /* The datagram is the message: DNS without its TCP length prefix, or nothing. */
    if (n >= 12 && enabled(WISP_PROTO_DNS) && (r.kind = infer_dns_header(peek, len)) != MSG_UNKNOWN)
      r.protocol = WISP_PROTO_DNS;
  } else {
    r = infer_protocol(peek, n, buf, len);
    const __u16 prefix_bit = CONN_PREFIX << (dir & 1);
    if (r.protocol == WISP_PROTO_UNKNOWN && (ci->flags & prefix_bit) && enabled(WISP_PROTO_KAFKA) &&
        (r.kind = infer_kafka_after_size(peek, n, len, ci->prefix[dir & 1])) != MSG_UNKNOWN) {
      r.protocol = WISP_PROTO_KAFKA;
      ci->flags |= CONN_PREFIX_SEND << (dir & 1);
    }
    if (len == 4 && !bpf_probe_read_kernel(ci->prefix[dir & 1], 4, peek))
      ci->flags |= prefix_bit;
    else
      ci->flags &= ~prefix_bit;
  }
  if (r.protocol == WISP_PROTO_UNKNOWN)
    return;
  ci->protocol = r.protocol;
  if (ci->role == WISP_ROLE_UNKNOWN && r.kind != MSG_UNKNOWN) {
    bool sends_request = (dir == WISP_DIR_EGRESS) == (r.kind == MSG_REQUEST);
    ci->role = sends_request ? WISP_ROLE_CLIENT : WISP_ROLE_SERVER;
  }
  if (ci->role == WISP_ROLE_CLIENT && (ci->flags & CONN_REMOTE_LOCAL) &&
      (skip_local_client_protocols & (1U << r.protocol)))
    ci->flags |= CONN_SKIP;
}

static __always_inline void maybe_infer(struct conn_info *ci, __u32 dir, const void *buf,
                                        __u64 len) {
  if (ci->protocol != WISP_PROTO_UNKNOWN || !buf || len == 0)
    return;
  char peek[WISP_PEEK_SIZE] = {};
  __u32 n = len < WISP_PEEK_SIZE ? (__u32)len : WISP_PEEK_SIZE;
  barrier_var(n);
  if (n > WISP_PEEK_SIZE)
    return;
  if (bpf_probe_read_user(peek, n, buf))
    return;
  infer_from(ci, dir, peek, n, (const char *)buf, len);
}

/* Inference over an iovec array of `total` bytes: its first non-empty iovec among the first
 * WISP_INFER_IOV, completed from the next one when shorter than the peek (a length prefix
 * written apart from its message, as dig does over TCP). */
static __always_inline void maybe_infer_iov(struct conn_info *ci, __u32 dir,
                                            const struct iovec *iov, __u64 iovcnt, __u64 total) {
  struct iovec v = {};
  __u32 i = 0;
  for (; i < WISP_INFER_IOV; i++) {
    if (i >= iovcnt || bpf_probe_read_user(&v, sizeof(v), &iov[i]))
      return;
    if (v.iov_len != 0)
      break;
  }
  if (i >= WISP_INFER_IOV)
    return;
  struct iovec w = {};
  if (v.iov_len >= WISP_PEEK_SIZE || i + 1 >= iovcnt ||
      bpf_probe_read_user(&w, sizeof(w), &iov[i + 1]) || w.iov_len == 0) {
    maybe_infer(ci, dir, v.iov_base, v.iov_len < total ? v.iov_len : total);
    return;
  }
  char first[WISP_PEEK_SIZE] = {}, second[WISP_PEEK_SIZE] = {}, peek[WISP_PEEK_SIZE] = {};
  /* Masks the verifier can follow (both lengths are known to be below the peek size here, or
   * the second is cut to it). */
  __u32 n0 = (__u32)v.iov_len & (WISP_PEEK_SIZE - 1);
  __u32 n1 = w.iov_len < WISP_PEEK_SIZE ? (__u32)w.iov_len & (WISP_PEEK_SIZE - 1) : WISP_PEEK_SIZE;
  if (bpf_probe_read_user(first, n0, v.iov_base) || bpf_probe_read_user(second, n1, w.iov_base))
    return;
#pragma unroll
  for (__u32 j = 0; j < WISP_PEEK_SIZE; j++)
    peek[j] = j < n0 ? first[j] : second[(j - n0) & (WISP_PEEK_SIZE - 1)];
  __u32 n = n0 + n1 < WISP_PEEK_SIZE ? n0 + n1 : WISP_PEEK_SIZE;
  infer_from(ci, dir, peek, n, NULL, total);
}

/* ---- Data events ---- */

/* This CPU's scratch slot. Programs on one CPU do not interleave (tracepoint programs run with
 * preemption disabled and bpf_prog_active guards against recursion). */
static __always_inline struct data_scratch_slot *scratch(void) {
  __u32 cpu = bpf_get_smp_processor_id();
  return bpf_map_lookup_elem(&data_scratch, &cpu);
}

/* The sockaddr a datagram syscall named, as a wisp_addr (family 0 when none or unreadable). */
static __always_inline void read_peer(const struct syscall_args *a, struct wisp_addr *peer) {
  __builtin_memset(peer, 0, sizeof(*peer));
  if (a->peer_addr == 0 || a->peer_len < sizeof(__u16) * 2)
    return;
  __u16 family = 0;
  __be16 port = 0;
  if (bpf_probe_read_user(&family, sizeof(family), (const void *)a->peer_addr) ||
      bpf_probe_read_user(&port, sizeof(port), (const void *)(a->peer_addr + 2)))
    return;
  if (family == WISP_AF_INET && a->peer_len >= 8) {
    if (bpf_probe_read_user(peer->addr, 4, (const void *)(a->peer_addr + 4)))
      return;
  } else if (family == WISP_AF_INET6 && a->peer_len >= 24) {
    if (bpf_probe_read_user(peer->addr, 16, (const void *)(a->peer_addr + 8)))
      return;
  } else {
    return;
  }
  peer->family = family;
  peer->port = bpf_ntohs(port);
}

static __always_inline struct wisp_data_event *data_header(struct conn_info *ci, __u32 dir,
                                                           const struct syscall_args *a,
                                                           __u64 ts) {
  struct data_scratch_slot *slot = scratch();
  if (!slot)
    return NULL;
  struct wisp_data_event *ev = &slot->ev;
  ev->hdr.type = WISP_EVENT_DATA;
  ev->hdr.pad = 0;
  ev->hdr.ts_ns = ts;
  ev->hdr.conn = ci->id;
  ev->direction = dir;
  ev->protocol = ci->protocol;
  ev->role = ci->role;
  ev->syscall = a->syscall;
  read_peer(a, &ev->peer);
  return ev;
}

static __always_inline void submit_data(struct wisp_data_event *ev, __u64 buf_size) {
  barrier_var(buf_size);
  if (buf_size > WISP_MAX_MSG_SIZE)
    return;
  if (bpf_ringbuf_output(&data_events, ev, offsetof(struct wisp_data_event, data) + buf_size, 0))
    count(WISP_CNT_DATA_LOST, 1);
  else
    count(WISP_CNT_DATA_EVENTS, 1);
}

static __always_inline __u32 clamp_u32(__u64 n) {
  return n > 0xffffffffULL ? 0xffffffffU : (__u32)n;
}

/* An event that only moves the stream position (sendfile, mmsg): nothing is copied. */
static __always_inline void emit_counted(struct wisp_data_event *ev, __u64 pos, __u64 len) {
  ev->pos = pos;
  ev->msg_size = clamp_u32(len);
  ev->buf_size = 0;
  submit_data(ev, 0);
}

/* Copies one user buffer of len bytes at stream position pos in up to WISP_MAX_CHUNKS events,
 * into this CPU's scratch event whose header the caller filled in. A global function: the
 * verifier checks it once instead of at every call site, which keeps the iovec loop (iovecs x
 * chunks) under the instruction limit. Scalar arguments only, as global functions require. */
__noinline int emit_buffer(__u64 buf, __u64 len, __u64 pos) {
  struct data_scratch_slot *slot = scratch();
  if (!slot)
    return 0;
  struct wisp_data_event *ev = &slot->ev;
  __u64 off = 0;
  for (__u32 i = 0; i < WISP_MAX_CHUNKS; i++) {
    if (off >= len)
      break;
    __u64 remaining = len - off;
    __u64 n = remaining < WISP_MAX_MSG_SIZE ? remaining : WISP_MAX_MSG_SIZE;
    barrier_var(n);
    if (n > WISP_MAX_MSG_SIZE)
      break;
    /* The last allowed chunk covers the rest of the buffer so user space sees the gap. */
    __u64 covered = (i == WISP_MAX_CHUNKS - 1) ? remaining : n;
    __u64 copied = n;
    if (bpf_probe_read_user(ev->data, n, (const void *)(buf + off)))
      copied = 0; /* an unreadable page: still report the range so positions stay right */
    ev->pos = pos + off;
    ev->buf_size = copied;
    ev->msg_size = clamp_u32(covered);
    submit_data(ev, copied);
    if (covered > copied)
      count(WISP_CNT_BYTES_NOT_COPIED, covered - copied);
    off += covered;
  }
  return 0;
}

/* Entry i of a user iovec array, its length cut to what is left of the syscall's `total` bytes
 * after `done`. False when the walk is over: past iovcnt, all bytes placed, or unreadable. */
static __always_inline bool iov_part(const struct iovec *iov, __u32 i, __u64 iovcnt, __u64 total,
                                     __u64 done, struct iovec *v) {
  if (i >= iovcnt || done >= total)
    return false;
  if (bpf_probe_read_user(v, sizeof(*v), &iov[i]))
    return false;
  if (v->iov_len > total - done)
    v->iov_len = total - done;
  return true;
}

/* Gathers the first `total` bytes of an iovec array (total <= WISP_MAX_MSG_SIZE) into one event
 * at stream position pos: one ring record per syscall, as for a plain buffer. Bytes after an
 * unreadable iovec are reported as not copied. A global function for the same reason as
 * emit_buffer. */
__noinline int emit_gathered(__u64 iov_addr, __u64 iovcnt, __u64 total, __u64 pos) {
  struct data_scratch_slot *slot = scratch();
  if (!slot)
    return 0;
  struct wisp_data_event *ev = &slot->ev;
  const struct iovec *iov = (const struct iovec *)iov_addr;
  __u64 done = 0;
  for (__u32 i = 0; i < WISP_MAX_IOV; i++) {
    struct iovec v = {};
    if (!iov_part(iov, i, iovcnt, total, done, &v))
      break;
    __u64 n = v.iov_len;
    barrier_var(n);
    if (n > WISP_MAX_MSG_SIZE)
      break;
    barrier_var(done);
    if (done > WISP_MAX_MSG_SIZE)
      break;
    if (n == 0)
      continue;
    if (bpf_probe_read_user(ev->data + done, n, v.iov_base))
      break;
    done += n;
  }
  ev->pos = pos;
  ev->buf_size = done;
  ev->msg_size = clamp_u32(total);
  submit_data(ev, done);
  if (total > done)
    count(WISP_CNT_BYTES_NOT_COPIED, total - done);
  return 0;
}

/* Moves a direction's position by n bytes; a stats event each time the connection's total
 * crosses a multiple of WISP_STATS_STEP, so that conn_stats sees traffic of every protocol. */
static __always_inline void advance(struct conn_info *ci, __u32 dir, __u64 n, __u64 ts) {
  __u64 before = ci->wr_pos + ci->rd_pos;
  if (dir == WISP_DIR_EGRESS)
    ci->wr_pos += n;
  else
    ci->rd_pos += n;
  if ((before + n) / WISP_STATS_STEP != before / WISP_STATS_STEP)
    emit_totals(ci, WISP_EVENT_STATS, ts);
}

/* The connection fd belongs to, created as inferred on first sight. */
static __always_inline struct conn_info *conn_for_data(__u32 tgid, __s32 fd, __u64 ts) {
  __u64 key = conn_key(tgid, fd);
  struct conn_info *ci = bpf_map_lookup_elem(&conns, &key);
  if (ci)
    return ci;
  return open_conn(tgid, fd, WISP_ROLE_UNKNOWN, WISP_OPEN_INFERRED, ts);
}

/* After inference and advance(): true if len bytes of ci are to be copied; otherwise counts
 * them. */
static __always_inline bool copy_wanted(struct conn_info *ci, __u64 len) {
  if (ci->protocol == WISP_PROTO_UNKNOWN) {
    count(WISP_CNT_UNKNOWN_PROTO_BYTES, len);
    return false;
  }
  if (ci->flags & CONN_SKIP) {
    count(WISP_CNT_LOCAL_CLIENT_BYTES, len);
    return false;
  }
  return true;
}

/* Sends the 4-byte prefix that inference used (CONN_PREFIX_SEND) at the position before `pos`:
 * the parser then sees the whole first message, size field included. */
static __always_inline void send_prefix(struct conn_info *ci, __u32 dir, const struct syscall_args *a,
                                        __u64 ts, __u64 pos) {
  const __u16 bit = CONN_PREFIX_SEND << (dir & 1);
  if (!(ci->flags & bit))
    return;
  ci->flags &= ~bit;
  struct wisp_data_event *ev = data_header(ci, dir, a, ts);
  if (!ev || pos < 4 || bpf_probe_read_kernel(ev->data, 4, ci->prefix[dir & 1]))
    return;
  ev->pos = pos - 4;
  ev->buf_size = 4;
  ev->msg_size = 4;
  submit_data(ev, 4);
}

static __always_inline void handle_buf(struct syscall_args *a, __u32 tgid, __u32 dir, long ret) {
  __u64 ts = bpf_ktime_get_ns();
  struct conn_info *ci = conn_for_data(tgid, a->fd, ts);
  if (!ci)
    return;
  const char *buf = (const char *)a->buf;
  __u64 len = (__u64)ret;
  maybe_infer(ci, dir, buf, len);
  __u64 pos = dir == WISP_DIR_EGRESS ? ci->wr_pos : ci->rd_pos;
  advance(ci, dir, len, ts);
  if (!copy_wanted(ci, len))
    return;
  send_prefix(ci, dir, a, ts, pos);
  if (data_header(ci, dir, a, ts))
    emit_buffer((__u64)buf, len, pos);
}

static __always_inline void handle_iov(struct syscall_args *a, const struct iovec *iov,
                                       __u64 iovcnt, __u32 tgid, __u32 dir, long ret) {
  __u64 ts = bpf_ktime_get_ns();
  struct conn_info *ci = conn_for_data(tgid, a->fd, ts);
  if (!ci)
    return;
  __u64 total = (__u64)ret;
  if (ci->protocol == WISP_PROTO_UNKNOWN)
    maybe_infer_iov(ci, dir, iov, iovcnt, total);
  __u64 pos = dir == WISP_DIR_EGRESS ? ci->wr_pos : ci->rd_pos;
  advance(ci, dir, total, ts);
  if (!copy_wanted(ci, total))
    return;
  send_prefix(ci, dir, a, ts, pos);
  if (!data_header(ci, dir, a, ts))
    return;
  if (total <= WISP_MAX_MSG_SIZE) {
    emit_gathered((__u64)iov, iovcnt, total, pos);
    return;
  }
  __u64 done = 0;
  for (__u32 i = 0; i < WISP_MAX_IOV; i++) {
    struct iovec v = {};
    if (!iov_part(iov, i, iovcnt, total, done, &v))
      break;
    __u64 n = v.iov_len;
    if (n == 0)
      continue;
    emit_buffer((__u64)v.iov_base, n, pos + done);
    done += n;
  }
  if (done < total)
    count(WISP_CNT_BYTES_NOT_COPIED, total - done);
}

static __always_inline void handle_counted(struct syscall_args *a, __u32 tgid, __u32 dir,
                                           __u64 len, __u32 counter) {
  __u64 ts = bpf_ktime_get_ns();
  struct conn_info *ci = conn_for_data(tgid, a->fd, ts);
  if (!ci)
    return;
  __u64 pos = dir == WISP_DIR_EGRESS ? ci->wr_pos : ci->rd_pos;
  advance(ci, dir, len, ts);
  count(counter, len);
  if (ci->protocol == WISP_PROTO_UNKNOWN)
    return;
  struct wisp_data_event *ev = data_header(ci, dir, a, ts);
  if (ev)
    emit_counted(ev, pos, len);
}

/* ---- Exit probes ---- */

/* This agent's own threads, and with only_netns the processes of other network namespaces,
 * are never traced. */
static __always_inline bool ignored(__u64 pid_tgid) {
  if (self_tgid != 0 && (__u32)(pid_tgid >> 32) == self_tgid)
    return true;
  if (only_netns == 0)
    return false;
  struct task_struct *t = bpf_get_current_task_btf();
  return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum) != only_netns;
}

/* The calling thread's first three syscall arguments, read at exit from the user registers
 * saved at syscall entry, which the syscall does not change (only the return register). The
 * registers are a BTF pointer, so these are direct loads, not helper calls. Returns the
 * pid_tgid, or 0 for the threads that are never traced (see ignored). */
static __always_inline __u64 syscall_args(struct syscall_args *a, __u32 syscall) {
  __u64 id = bpf_get_current_pid_tgid();
  if (ignored(id))
    return 0;
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
  a->syscall = syscall;
  a->fd = (__s32)PT_REGS_PARM1_SYSCALL(regs);
  a->buf = PT_REGS_PARM2_SYSCALL(regs);
  a->count = PT_REGS_PARM3_SYSCALL(regs);
  a->peer_addr = 0;
  a->peer_len = 0;
  return id;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx) {
  if (ctx->ret != 0 && ctx->ret != -WISP_EINPROGRESS)
    return 0;
  struct syscall_args a;
  __u64 id = syscall_args(&a, WISP_SYS_CONNECT);
  if (id)
    open_conn(id >> 32, a.fd, WISP_ROLE_CLIENT, WISP_OPEN_CONNECT, bpf_ktime_get_ns());
  return 0;
}

/* accept/accept4 return the new fd: no argument is needed. */
static __always_inline int on_accept_exit(struct trace_event_raw_sys_exit *ctx) {
  if (ctx->ret < 0)
    return 0;
  __u64 id = bpf_get_current_pid_tgid();
  if (!ignored(id))
    open_conn(id >> 32, (__s32)ctx->ret, WISP_ROLE_SERVER, WISP_OPEN_ACCEPT, bpf_ktime_get_ns());
  return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit *ctx) { return on_accept_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx) { return on_accept_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_close")
int exit_close(struct trace_event_raw_sys_exit *ctx) {
  if (ctx->ret != 0)
    return 0;
  struct syscall_args a;
  __u64 id = syscall_args(&a, WISP_SYS_CLOSE);
  if (!id)
    return 0;
  __u64 key = conn_key(id >> 32, a.fd);
  struct conn_info *ci = bpf_map_lookup_elem(&conns, &key);
  if (!ci)
    return 0;
  end_conn(ci, key, bpf_ktime_get_ns());
  return 0;
}

/* A TCP socket of a tracked connection reached TCP_CLOSE: after a close() whose exit we did not
 * see end it (the process exited or was killed, so no close() returned), and after a reset. The
 * close() of an open fd reaches TCP_CLOSE only once the FIN exchange is over, so it is usually
 * exit_close that ends the connection, and this finds nothing. */
SEC("tracepoint/sock/inet_sock_set_state")
int exit_sock_state(struct trace_event_raw_inet_sock_set_state *ctx) {
  if (ctx->newstate != WISP_TCP_CLOSE)
    return 0;
  __u64 sk = (__u64)ctx->skaddr;
  __u64 *key = bpf_map_lookup_elem(&sock_conns, &sk);
  if (!key)
    return 0;
  __u64 k = *key;
  struct conn_info *ci = bpf_map_lookup_elem(&conns, &k);
  if (!ci || ci->sk != sk) {
    bpf_map_delete_elem(&sock_conns, &sk);
    return 0;
  }
  end_conn(ci, k, bpf_ktime_get_ns());
  return 0;
}

/* sendto/recvfrom (fd, buf, len, flags, addr, addrlen): sendto's addrlen is a value, recvfrom's
 * a pointer the kernel wrote the peer's length to. */
#define NO_ADDR 0
#define ADDR_LEN_VALUE 1
#define ADDR_LEN_POINTER 2
static __always_inline void datagram_name(struct syscall_args *a, bool len_is_pointer) {
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
  a->peer_addr = PT_REGS_PARM5_SYSCALL(regs);
  __u64 len = regs->r9; /* the sixth syscall argument (x86-64) */
  if (len_is_pointer) {
    int n = 0;
    a->peer_len = (len && !bpf_probe_read_user(&n, sizeof(n), (const void *)len) && n > 0) ? n : 0;
  } else {
    a->peer_len = (__u32)len;
  }
}

/* Plain buffers: write/read (fd, buf, count), sendto/recvfrom (fd, buf, len, ..., addr,
 * addrlen); `addr` says whether and how the syscall names a datagram's peer. */
#define BUF_PROBE(name, sys, dir, addr)                                              \
  SEC("tracepoint/syscalls/sys_exit_" #name)                                         \
  int exit_##name(struct trace_event_raw_sys_exit *ctx) {                            \
    if (ctx->ret <= 0)                                                               \
      return 0;                                                                      \
    struct syscall_args a;                                                           \
    __u64 id = syscall_args(&a, sys);                                                \
    if (!id)                                                                         \
      return 0;                                                                      \
    if (addr != NO_ADDR)                                                             \
      datagram_name(&a, addr == ADDR_LEN_POINTER);                                   \
    handle_buf(&a, id >> 32, dir, ctx->ret);                                         \
    return 0;                                                                        \
  }

BUF_PROBE(write, WISP_SYS_WRITE, WISP_DIR_EGRESS, NO_ADDR)
BUF_PROBE(read, WISP_SYS_READ, WISP_DIR_INGRESS, NO_ADDR)
BUF_PROBE(sendto, WISP_SYS_SENDTO, WISP_DIR_EGRESS, ADDR_LEN_VALUE)
BUF_PROBE(recvfrom, WISP_SYS_RECVFROM, WISP_DIR_INGRESS, ADDR_LEN_POINTER)

/* Vectored: writev/readv (fd, iov, iovcnt). */
#define IOV_PROBE(name, sys, dir)                                                    \
  SEC("tracepoint/syscalls/sys_exit_" #name)                                         \
  int exit_##name(struct trace_event_raw_sys_exit *ctx) {                            \
    if (ctx->ret <= 0)                                                               \
      return 0;                                                                      \
    struct syscall_args a;                                                           \
    __u64 id = syscall_args(&a, sys);                                                \
    if (id)                                                                          \
      handle_iov(&a, (const struct iovec *)a.buf, a.count, id >> 32, dir, ctx->ret); \
    return 0;                                                                        \
  }

IOV_PROBE(writev, WISP_SYS_WRITEV, WISP_DIR_EGRESS)
IOV_PROBE(readv, WISP_SYS_READV, WISP_DIR_INGRESS)

/* Messages: sendmsg/recvmsg (fd, struct user_msghdr *, flags); the iovec array is read from the
 * msghdr at exit (recvmsg fills it in place). */
#define MSG_PROBE(name, sys, dir)                                                    \
  SEC("tracepoint/syscalls/sys_exit_" #name)                                         \
  int exit_##name(struct trace_event_raw_sys_exit *ctx) {                            \
    if (ctx->ret <= 0)                                                               \
      return 0;                                                                      \
    struct syscall_args a;                                                           \
    __u64 id = syscall_args(&a, sys);                                                \
    struct user_msghdr h = {};                                                       \
    if (id && !bpf_probe_read_user(&h, sizeof(h), (void *)a.buf)) {                  \
      a.peer_addr = (__u64)h.msg_name;                                                    \
      a.peer_len = h.msg_namelen;                                                    \
      handle_iov(&a, h.msg_iov, h.msg_iovlen, id >> 32, dir, ctx->ret);              \
    }                                                                                \
    return 0;                                                                        \
  }

MSG_PROBE(sendmsg, WISP_SYS_SENDMSG, WISP_DIR_EGRESS)
MSG_PROBE(recvmsg, WISP_SYS_RECVMSG, WISP_DIR_INGRESS)

/* sendmmsg/recvmmsg (fd, struct mmsghdr *, vlen, ...): ret is the number of messages. One
 * message (how resolvers such as dig send a query) is copied like sendmsg/recvmsg, msg_len
 * bytes; for several, their byte counts (msg_len) advance the stream and nothing is copied. */
#define MMSG_PROBE(name, sys, dir)                                                   \
  SEC("tracepoint/syscalls/sys_exit_" #name)                                         \
  int exit_##name(struct trace_event_raw_sys_exit *ctx) {                            \
    if (ctx->ret <= 0)                                                               \
      return 0;                                                                      \
    struct syscall_args a;                                                           \
    __u64 id = syscall_args(&a, sys);                                                \
    if (!id)                                                                         \
      return 0;                                                                      \
    const struct mmsghdr *m = (const struct mmsghdr *)a.buf;                         \
    if (ctx->ret == 1) {                                                             \
      struct mmsghdr one = {};                                                       \
      if (!bpf_probe_read_user(&one, sizeof(one), m) && one.msg_len > 0) {           \
        a.peer_addr = (__u64)one.msg_hdr.msg_name;                                        \
        a.peer_len = one.msg_hdr.msg_namelen;                                        \
        handle_iov(&a, one.msg_hdr.msg_iov, one.msg_hdr.msg_iovlen, id >> 32, dir,   \
                   one.msg_len);                                                     \
      }                                                                              \
      return 0;                                                                      \
    }                                                                                \
    __u64 bytes = 0;                                                                 \
    for (__u32 i = 0; i < WISP_MAX_IOV; i++) {                                       \
      if (i >= ctx->ret)                                                             \
        break;                                                                       \
      unsigned int len = 0;                                                          \
      if (bpf_probe_read_user(&len, sizeof(len), &m[i].msg_len))                     \
        break;                                                                       \
      bytes += len;                                                                  \
    }                                                                                \
    if (bytes > 0)                                                                   \
      handle_counted(&a, id >> 32, dir, bytes, WISP_CNT_BYTES_NOT_COPIED);           \
    return 0;                                                                        \
  }

MMSG_PROBE(sendmmsg, WISP_SYS_SENDMMSG, WISP_DIR_EGRESS)
MMSG_PROBE(recvmmsg, WISP_SYS_RECVMMSG, WISP_DIR_INGRESS)

/* sendfile64(out_fd, in_fd, offset, count): counted on out_fd, never copied. */
SEC("tracepoint/syscalls/sys_exit_sendfile64")
int exit_sendfile64(struct trace_event_raw_sys_exit *ctx) {
  if (ctx->ret <= 0)
    return 0;
  struct syscall_args a;
  __u64 id = syscall_args(&a, WISP_SYS_SENDFILE);
  if (id)
    handle_counted(&a, id >> 32, WISP_DIR_EGRESS, (__u64)ctx->ret, WISP_CNT_SENDFILE_BYTES);
  return 0;
}
