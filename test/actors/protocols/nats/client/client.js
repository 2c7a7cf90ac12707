// Drives nats-server over one connection for the NATS fixtures (../fixtures/README.md).
// usage: node client.js PORT MODE N [PAYLOAD_BYTES]
//   MODE verbose | quiet: CONNECT with verbose true/false, then SUB, N PUBs received back as
//     MSGs, one HPUB received back as HMSG, a request/reply (the client answers its own
//     request), a PING flush, UNSUB, and drain (which closes the connection).
//   With PAYLOAD_BYTES each of the N payloads is that many bytes ("event i" padded with '.').
//   MODE error | verbose-error: a subscription to an invalid subject (the server answers -ERR),
//     then close; CONNECT with verbose false/true.
"use strict";
const { connect, StringCodec, headers } = require("nats");

async function main() {
  const [port, mode, n] = [process.argv[2], process.argv[3], Number(process.argv[4] || 3)];
  const size = Number(process.argv[5] || 0);
  const sc = StringCodec();
  const nc = await connect({ servers: `127.0.0.1:${port}`, verbose: mode.startsWith("verbose"),
                             name: `wisp-${mode}` });
  if (mode.endsWith("error")) {
    nc.subscribe("bad..subject");
    await nc.flush().catch(() => {});
    await nc.close().catch(() => {});
    return;
  }
  const sub = nc.subscribe("wisp.events");
  const got = (async () => {
    let i = 0;
    for await (const m of sub) if (++i === n + 1) break;
  })();
  for (let i = 0; i < n; ++i) nc.publish("wisp.events", sc.encode(`event ${i}`.padEnd(size, ".")));
  const h = headers();
  h.set("Wisp-Trace", "abc");
  nc.publish("wisp.events", sc.encode("with headers"), { headers: h });
  await got;
  const svc = nc.subscribe("wisp.service", {
    callback: (_err, m) => m.respond(sc.encode(`reply to ${sc.decode(m.data)}`)) });
  const reply = await nc.request("wisp.service", sc.encode("question"), { timeout: 2000 });
  if (sc.decode(reply.data) !== "reply to question") throw new Error("bad reply");
  await nc.flush();
  svc.unsubscribe();
  await nc.drain();
}

main().catch((e) => { console.error(e); process.exit(1); });
