// Shared by the test pages: a log shown on the page and printed by run.js, WHEP/WHIP
// signaling, stats helpers.
const log = [];
const say = (s) => { log.push(s); console.log(s); document.getElementById("log").textContent = log.join("\n"); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const params = new URLSearchParams(location.search);

// The RTCPeerConnection configuration: with ?turn=HOST:PORT&user=U&pass=P, relay only
// through that TURN server (the whole session crosses it); else no ICE servers.
function rtcConfig() {
  const turn = params.get("turn");
  return turn
    ? { iceServers: [{ urls: "turn:" + turn + "?transport=udp", username: params.get("user"), credential: params.get("pass") }], iceTransportPolicy: "relay" }
    : { iceServers: [] };
}

// Log which candidates carry the session.
async function logPair(pc) {
  const p = await selectedPair(pc);
  say(p ? `selected pair: local ${p.local.candidateType} ${p.local.address}:${p.local.port} remote ${p.remote.candidateType} ${p.remote.address}:${p.remote.port}` : "selected pair: none");
}

// POST our offer to `endpoint` (/whep or /whip), apply the answer. Non-trickle: the offer
// carries the candidates gathered within `gatherMs`.
async function signal(pc, endpoint, gatherMs = 2000) {
  await pc.setLocalDescription();
  await Promise.race([
    new Promise((r) => { if (pc.iceGatheringState === "complete") r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r(); }),
    sleep(gatherMs),
  ]);
  const r = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
  if (r.status !== 201) throw new Error(`POST ${endpoint}: ${r.status} ${await r.text()}`);
  say("Location " + r.headers.get("Location"));
  await pc.setRemoteDescription({ type: "answer", sdp: await r.text() });
}

// All stats reports of `type`.
async function reports(pc, type) {
  const out = [];
  (await pc.getStats()).forEach((r) => r.type === type && out.push(r));
  return out;
}

// The selected candidate pair with its local and remote candidates.
async function selectedPair(pc) {
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((r) => { if (r.type === "transport" && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId); });
  if (!pair) stats.forEach((r) => { if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") pair = r; });
  if (!pair) return null;
  return { local: stats.get(pair.localCandidateId), remote: stats.get(pair.remoteCandidateId), pair };
}

const opened = (ch) => new Promise((res) => ch.readyState === "open" ? res() : (ch.onopen = res));
const nextMessage = (ch) => new Promise((res) => (ch.onmessage = (m) => res(m.data)));

function finish(ok) {
  window.result = { ok, log };
  document.title = ok ? "done" : "failed";
}

async function run(body) {
  try { await body(); finish(true); } catch (e) { say("FAIL " + e.message); finish(false); }
}
