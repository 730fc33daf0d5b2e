// node run.js URL — open URL in headless Chromium (playwright-core), print window.result.log.
const { chromium } = require("playwright-core");
const fs = require("fs"), os = require("os"), path = require("path");
(async () => {
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), "chr-"));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: "/usr/bin/chromium", headless: true, timeout: 30000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           ...(process.env.CHROMIUM_FLAGS || "").split(" ").filter((f) => f)],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  await page.goto(process.argv[2]);
  await page.waitForFunction(() => window.result, null, { timeout: 25000 });
  const r = await page.evaluate(() => window.result);
  console.log("browser " + ctx.browser()?.version() + "\n" + r.log.join("\n"));
  await ctx.close(); fs.rmSync(udd, { recursive: true, force: true });
  process.exit(r.ok ? 0 : 1);
})().catch((e) => { console.error("FAIL", e.message); process.exit(2); });
