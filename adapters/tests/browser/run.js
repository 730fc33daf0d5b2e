// node run.js URL SCREENSHOT — open URL in headless Chromium (playwright-core from
// $INTEROP_NODE_DIR), wait for window.result, save a screenshot, print the log.
const { chromium } = require(require("path").join(process.env.INTEROP_NODE_DIR, "node_modules", "playwright-core"));
const fs = require("fs"), os = require("os"), path = require("path");
(async () => {
  const [url, shot] = process.argv.slice(2);
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), "peer-core-chr-"));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, timeout: 30000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--autoplay-policy=no-user-gesture-required",
           ...(process.env.CHROMIUM_FLAGS || "").split(" ").filter((f) => f)],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.on("console", (m) => console.log("console: " + m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.result, null, { timeout: 120000 });
  const r = await page.evaluate(() => window.result);
  if (shot) await page.screenshot({ path: shot });
  console.log("browser " + (ctx.browser() ? ctx.browser().version() : "") + "\n" + r.log.join("\n"));
  await ctx.close(); fs.rmSync(udd, { recursive: true, force: true });
  process.exit(r.ok ? 0 : 1);
})().catch((e) => { console.error("FAIL", e.message); process.exit(2); });
