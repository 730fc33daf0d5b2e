// node watch.js URL SCREENSHOT [SECONDS] — open the node's page in a headless browser, wait
// until it shows thermal frames, readings, audio samples and a selected pair, save a
// screenshot, print what the page counted as JSON. Exit 0 when everything arrived.
// VIDEO_FRAMES=N also waits for N decoded camera frames.
// BROWSER=firefox drives Debian's Firefox ESR through puppeteer-core (WebDriver BiDi);
// otherwise Debian's Chromium through playwright-core.
const fs = require("fs"), os = require("os"), path = require("path");
const modules = path.join(process.env.INTEROP_NODE_DIR, "node_modules");

async function chromium(udd) {
  const { chromium } = require(path.join(modules, "playwright-core"));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, timeout: 30000,
    viewport: { width: 1280, height: 760 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--autoplay-policy=no-user-gesture-required",
           ...(process.env.CHROMIUM_FLAGS || "").split(" ").filter((f) => f)],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  return { page, close: () => ctx.close() };
}

async function firefox(udd) {
  const puppeteer = require(path.join(modules, "puppeteer-core"));
  const browser = await puppeteer.launch({
    browser: "firefox", executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr",
    headless: true, userDataDir: udd, timeout: 60000,
    // Audio plays without a click, as in Chromium with its autoplay flag; nothing else differs
    // from a user's Firefox (host candidates stay mDNS-obfuscated).
    extraPrefsFirefox: { "media.autoplay.default": 0, "media.autoplay.blocking_policy": 0 },
  });
  const page = (await browser.pages())[0] || (await browser.newPage());
  await page.setViewport({ width: 1280, height: 760 });
  return { page, close: () => browser.close() };
}

(async () => {
  const [url, shot, secs] = process.argv.slice(2);
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), "p2p-node-browser-"));
  const { page, close } = await (process.env.BROWSER === "firefox" ? firefox : chromium)(udd);
  console.log("browser: " + (process.env.BROWSER || "chromium"));
  page.on("console", (m) => console.log("console: " + m.text()));
  const t0 = Date.now();
  await page.goto(url);
  let first = null;
  const deadline = Date.now() + 1000 * Number(secs || 30);
  let n, heard = null;
  const video = Number(process.env.VIDEO_FRAMES || 0);
  while (Date.now() < deadline) {
    n = await page.evaluate(() => window.node);
    if (first === null && n.frames > 0) first = Date.now() - t0;
    // The meter reads 21 ms of sound at a time: one reading is enough to show that sound
    // comes (a concealed gap a moment later may read near silence).
    if (n.level > -60) heard = n.level;
    if (n.frames >= 8 && n.readings >= 4 && n.samples > 8000 && n.pairType && heard !== null
        && n.videoFrames >= video) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1200)); // let the chart and panel draw once more
  if (shot) await page.screenshot({ path: shot });
  n = await page.evaluate(() => window.node);
  n.firstFrameMs = first; n.heard = heard;
  console.log(JSON.stringify(n));
  await close(); fs.rmSync(udd, { recursive: true, force: true });
  // the level meter moved: the simulated bearing is loud (-60 dBFS is near silence)
  const ok = n.frames >= 8 && n.readings >= 4 && n.samples > 8000 && n.pairType && heard !== null
    && n.videoFrames >= video && n.errors.length === 0;
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error("FAIL", e.message); process.exit(2); });
