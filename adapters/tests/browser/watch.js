// node watch.js URL SCREENSHOT [SECONDS] — open the node's page in headless Chromium, wait
// until it shows thermal frames, readings, audio samples and a selected pair, save a
// screenshot, print what the page counted as JSON. Exit 0 when everything arrived.
const { chromium } = require(require("path").join(process.env.INTEROP_NODE_DIR, "node_modules", "playwright-core"));
const fs = require("fs"), os = require("os"), path = require("path");
(async () => {
  const [url, shot, secs] = process.argv.slice(2);
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), "p2p-node-chr-"));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, timeout: 30000,
    viewport: { width: 1280, height: 760 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--autoplay-policy=no-user-gesture-required",
           ...(process.env.CHROMIUM_FLAGS || "").split(" ").filter((f) => f)],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.on("console", (m) => console.log("console: " + m.text()));
  const t0 = Date.now();
  await page.goto(url);
  let first = null;
  const deadline = Date.now() + 1000 * Number(secs || 30);
  let n;
  while (Date.now() < deadline) {
    n = await page.evaluate(() => window.node);
    if (first === null && n.frames > 0) first = Date.now() - t0;
    if (n.frames >= 8 && n.readings >= 4 && n.samples > 8000 && n.pairType) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1200)); // let the chart and panel draw once more
  if (shot) await page.screenshot({ path: shot });
  n = await page.evaluate(() => window.node);
  n.firstFrameMs = first;
  console.log(JSON.stringify(n));
  await ctx.close(); fs.rmSync(udd, { recursive: true, force: true });
  const ok = n.frames >= 8 && n.readings >= 4 && n.samples > 8000 && n.pairType && n.errors.length === 0;
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error("FAIL", e.message); process.exit(2); });
