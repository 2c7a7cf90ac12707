/* Shared between socket_trace.bpf.c and user space: the events the socket tracer emits through
 * its ring buffers, and the per-CPU counters. C only, fixed-width types. The C++ twin with
 * to_string is bpf/socket_trace_event.hpp. */
#ifndef WISP_BPF_SOCKET_TRACE_H
#define WISP_BPF_SOCKET_TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bytes of payload copied per data event. Larger syscalls are split into several events, up to
 * WISP_MAX_CHUNKS per syscall buffer; anything beyond is not copied but still advances the stream
 * position, so user space sees a gap. */
#define WISP_MAX_MSG_SIZE 30720
#define WISP_MAX_CHUNKS 4
/* iovec entries examined per readv/writev/sendmsg/recvmsg call. */
#define WISP_MAX_IOV 16

enum wisp_event_type {
  WISP_EVENT_OPEN = 1,  /* a connection was seen for the first time */
  WISP_EVENT_CLOSE = 2, /* close() of a traced connection */
  WISP_EVENT_DATA = 3,  /* bytes read or written (or only counted, for sendfile) */
  WISP_EVENT_STATS = 4, /* a connection's byte totals crossed a multiple of WISP_STATS_STEP */
};

/* Pixie's endpoint_role_t numbers; PxL scripts depend on them. */
enum wisp_role {
  WISP_ROLE_CLIENT = 1,
  WISP_ROLE_SERVER = 2,
  WISP_ROLE_UNKNOWN = 4,
};

enum wisp_direction {
  WISP_DIR_EGRESS = 0,  /* written by the traced process */
  WISP_DIR_INGRESS = 1, /* read by the traced process */
};

/* Pixie's traffic_protocol_t numbers (facts §1.3). */
enum wisp_protocol {
  WISP_PROTO_UNKNOWN = 0,
  WISP_PROTO_HTTP = 1,
  WISP_PROTO_HTTP2 = 2,
  WISP_PROTO_MYSQL = 3,
  WISP_PROTO_CQL = 4,
  WISP_PROTO_PGSQL = 5,
  WISP_PROTO_DNS = 6,
  WISP_PROTO_REDIS = 7,
  WISP_PROTO_NATS = 8,
  WISP_PROTO_MONGO = 9,
  WISP_PROTO_KAFKA = 10,
  WISP_PROTO_MUX = 11,
  WISP_PROTO_AMQP = 12,
  WISP_PROTO_TLS = 13,
};

enum wisp_syscall {
  WISP_SYS_UNKNOWN = 0,
  WISP_SYS_CONNECT,
  WISP_SYS_ACCEPT,
  WISP_SYS_ACCEPT4,
  WISP_SYS_CLOSE,
  WISP_SYS_WRITE,
  WISP_SYS_READ,
  WISP_SYS_SEND,
  WISP_SYS_RECV,
  WISP_SYS_SENDTO,
  WISP_SYS_RECVFROM,
  WISP_SYS_SENDMSG,
  WISP_SYS_RECVMSG,
  WISP_SYS_WRITEV,
  WISP_SYS_READV,
  WISP_SYS_SENDFILE,
  /* Added: counted, not copied (like sendfile): one data event with buf_size 0 per call. */
  WISP_SYS_SENDMMSG,
  WISP_SYS_RECVMMSG,
};

/* How the tracer learned of the connection. */
enum wisp_open_source {
  WISP_OPEN_CONNECT = 1,  /* connect() returned: role client */
  WISP_OPEN_ACCEPT = 2,   /* accept()/accept4() returned: role server */
  WISP_OPEN_INFERRED = 3, /* first data on a socket opened before tracing began: role unknown,
                             user space resolves it from the socket table */
};

/* Identity of a connection: (pid, process start time, fd, generation). The generation is the
 * monotonic time the tracer first saw the connection and tells apart connections that reuse an
 * fd. */
struct wisp_conn_id {
  __u32 tgid;
  __s32 fd;
  __u64 tgid_start_ns; /* process start, ns since boot (task->start_boottime) */
  __u64 generation;
};

struct wisp_addr {
  __u16 family; /* AF_INET, AF_INET6, or 0 when unknown */
  __u16 port;   /* host byte order */
  __u8 addr[16]; /* IPv4 in the first 4 bytes, network byte order */
};

/* Key of the local_addrs map (this host's addresses, written by the loader): an address as in
 * struct wisp_addr, without the port. */
struct wisp_local_addr_key {
  __u16 family;
  __u16 pad;
  __u8 addr[16];
};

struct wisp_event_header {
  __u32 type; /* enum wisp_event_type */
  __u32 pad;
  __u64 ts_ns; /* bpf_ktime_get_ns() at syscall return (CLOCK_MONOTONIC) */
  struct wisp_conn_id conn;
};

struct wisp_open_event {
  struct wisp_event_header hdr;
  struct wisp_addr local;
  struct wisp_addr remote;
  __u32 role;   /* enum wisp_role */
  __u32 source; /* enum wisp_open_source */
};

/* Close and stats events: a connection's totals so far (at close: final), with what the kernel
 * knows of it. Every connection, whatever its protocol, for conn_stats. */
struct wisp_close_event {
  struct wisp_event_header hdr;
  __u64 wr_bytes; /* total bytes written on the connection */
  __u64 rd_bytes; /* total bytes read */
  __u32 protocol; /* enum wisp_protocol */
  __u32 role;     /* enum wisp_role */
};

/* A stats event is sent when wr_bytes + rd_bytes crosses a multiple of this (Pixie: 64 KiB). */
#define WISP_STATS_STEP (64 * 1024)

struct wisp_data_event {
  struct wisp_event_header hdr;
  __u64 pos;      /* byte position of data[0] in this direction's stream */
  __u32 msg_size; /* bytes the syscall moved in this chunk's range (>= buf_size) */
  __u32 buf_size; /* bytes copied into data[] */
  __u32 direction; /* enum wisp_direction */
  __u32 protocol;  /* enum wisp_protocol, as inferred in the kernel */
  __u32 role;      /* enum wisp_role */
  __u32 syscall;   /* enum wisp_syscall */
  /* The datagram's peer when the syscall named one (sendto/recvfrom addresses, msg_name of
   * sendmsg/recvmsg/one-message mmsg); family 0 otherwise. An unconnected UDP socket (a DNS
   * server) talks to a different peer in each datagram. */
  struct wisp_addr peer;
  char data[WISP_MAX_MSG_SIZE];
};

/* Per-CPU counters (array map `counters`, one slot each). Every place the kernel side drops or
 * truncates data counts it here. */
enum wisp_counter {
  WISP_CNT_DATA_EVENTS = 0,     /* data events submitted */
  WISP_CNT_CONTROL_EVENTS,      /* open/close events submitted */
  WISP_CNT_DATA_LOST,           /* data events lost: ring buffer full */
  WISP_CNT_CONTROL_LOST,        /* open/close events lost: ring buffer full */
  WISP_CNT_CONN_MAP_FULL,       /* connections not tracked: conn map full */
  WISP_CNT_BYTES_NOT_COPIED,    /* bytes beyond the chunk/iov limits (seen as gaps) */
  WISP_CNT_SENDFILE_BYTES,      /* bytes moved by sendfile (counted, never copied) */
  WISP_CNT_UNKNOWN_PROTO_BYTES, /* bytes on traced sockets whose protocol is not inferred */
  WISP_CNT_LOCAL_CLIENT_BYTES,  /* client-side bytes of host-local connections, not copied
                                   because the server side is traced (not a loss) */
  WISP_CNT__MAX,
};

#endif /* WISP_BPF_SOCKET_TRACE_H */
