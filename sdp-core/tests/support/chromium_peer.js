// A headless Chromium driven over stdin/stdout for tests/interop_chromium.rs.
// Commands (one per line), answers "ok <hex>" or "err <message>":
//   offer av|dc        new RTCPeerConnection with audio+video+data channel (av) or only a
//                      data channel (dc); createOffer, setLocalDescription; → the offer SDP
//   accept <hex sdp>   setRemoteDescription(answer) on that connection; → summary
//   answer <hex sdp>   new RTCPeerConnection: setRemoteDescription(offer), createAnswer,
//                      setLocalDescription; → the answer SDP
//   summary2           summary of the answering connection
// Summary lines: "m <mid> <currentDirection> send=<pt,...> recv=<pt,...> ext=<id,...>",
// "sctp <maxMessageSize>".
const { chromium } = require("playwright-core");
const readline = require("readline");
const fs = require("fs"), os = require("os"), path = require("path");

const hex = (s) => Buffer.from(s, "utf8").toString("hex");
const unhex = (h) => Buffer.from(h, "hex").toString("utf8");

async function main() {
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-core-chr-"));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    timeout: 30000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  await page.evaluate(() => {
    window.summary = (pc) => {
      const lines = pc.getTransceivers().map((t) => {
        const s = t.sender.getParameters(), r = t.receiver.getParameters();
        const pts = (p) => (p.codecs || []).map((c) => c.payloadType).join(",");
        const ext = (s.headerExtensions || []).map((h) => h.id).join(",");
        return `m ${t.mid} ${t.currentDirection} send=${pts(s)} recv=${pts(r)} ext=${ext}`;
      });
      lines.push(`sctp ${pc.sctp ? pc.sctp.maxMessageSize : "none"}`);
      return lines.join("\n");
    };
  });
  console.log("ready " + (ctx.browser() ? ctx.browser().version() : ""));
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, arg] = line.trim().split(" ");
    try {
      let out;
      if (cmd === "offer") {
        out = await page.evaluate(async (kind) => {
          const pc = new RTCPeerConnection({ iceServers: [] });
          if (kind === "av") { pc.addTransceiver("audio"); pc.addTransceiver("video"); }
          pc.createDataChannel("dc");
          const offer = await pc.createOffer();
          await pc.setLocalDescription(offer);
          window.pc = pc;
          return offer.sdp;
        }, unhex(arg));
      } else if (cmd === "accept") {
        out = await page.evaluate(async (sdp) => {
          await window.pc.setRemoteDescription({ type: "answer", sdp });
          return window.summary(window.pc);
        }, unhex(arg));
      } else if (cmd === "answer") {
        out = await page.evaluate(async (sdp) => {
          const pc = new RTCPeerConnection({ iceServers: [] });
          await pc.setRemoteDescription({ type: "offer", sdp });
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          window.pc2 = pc;
          return answer.sdp;
        }, unhex(arg));
      } else if (cmd === "summary2") {
        out = await page.evaluate(() => window.summary(window.pc2));
      } else if (cmd === "quit") {
        break;
      } else {
        throw new Error("unknown command " + cmd);
      }
      console.log("ok " + hex(out));
    } catch (e) {
      console.log("err " + String(e && e.message ? e.message : e).replace(/\s+/g, " "));
    }
  }
  await ctx.close();
  fs.rmSync(udd, { recursive: true, force: true });
}

main().then(() => process.exit(0), (e) => { console.log("err " + String(e.message).replace(/\s+/g, " ")); process.exit(2); });
