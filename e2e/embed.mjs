#!/usr/bin/env node
// embed.mjs opens pages of an embedding site that hold an hls_player iframe (another origin,
// another site) in Debian chromium with puppeteer-core, and prints one line of JSON per --page:
//   {"ok":true,"status":200,"frameURL":...,"state":"playing","engine":"hls.js","currentTime":1.3,"frames":31,
//    "refusal":null,"requests":[{"url":...,"frame":"embed"|"top"}],...}
// For an error page, "refusal" is {"reason","title","message"} read from the iframe's DOM.
// Each page runs in a fresh browser context. Usage:
//   node embed.mjs --page https://127.0.0.1:PORT/case0.html [--page ...] [--min-time 1] [--timeout 30000]
// Exit status: 0 when every result was printed, 2 when the driver failed.
import { inFreshContext, parseArgs, printResult, recordConsole, run, sleep, withBrowser } from "./driver.mjs";

function options(argv) {
  const opts = parseArgs(argv, { pages: [] }, { "--page": (o, v) => o.pages.push(v) });
  if (opts.pages.length === 0) throw new Error("--page is required");
  return opts;
}

// readEmbed reads the iframe's state: the player's report, or the error page's text.
function readEmbed() {
  const refusal = document.getElementById("refusal");
  if (refusal) {
    return {
      refusal: {
        reason: refusal.getAttribute("data-reason"),
        title: document.getElementById("title").textContent,
        message: document.getElementById("message").textContent,
      },
    };
  }
  const r = window.mediagateEmbed;
  const box = document.getElementById("message");
  return {
    report: r ? JSON.parse(JSON.stringify(r)) : null,
    shownMessage: box && !box.hidden ? box.textContent : null,
  };
}

function embedPage(browser, pageURL, opts) {
  return inFreshContext(browser, async (context) => {
    const requests = [];
    const consoleLines = [];
    let status = null;
    const page = await context.newPage();
    recordConsole(page, consoleLines, 300, false);
    page.on("request", (r) => {
      requests.push({ url: r.url().slice(0, 300), frame: r.frame() === page.mainFrame() ? "top" : "embed" });
    });
    page.on("response", (r) => {
      const req = r.request();
      if (req.isNavigationRequest() && req.frame() && req.frame() !== page.mainFrame()) status = r.status();
    });
    await page.goto(pageURL, { waitUntil: "load", timeout: opts.timeout });

    const deadline = Date.now() + opts.timeout;
    let state = null;
    let frameURL = null;
    while (Date.now() < deadline) {
      const frame = page.frames().find((f) => f !== page.mainFrame());
      if (frame) {
        frameURL = frame.url();
        if (frameURL.startsWith("chrome-error:")) break; // blocked, e.g. by frame-ancestors
        state = await frame.evaluate(readEmbed).catch(() => null);
        if (state && state.refusal) break;
        const r = state && state.report;
        if (r && r.state === "error") break;
        if (r && r.currentTime > opts.minTime && r.frames > 0) break;
      }
      await sleep(200);
    }
    const r = state && state.report;
    return {
      ok: !!r && r.state === "playing" && r.currentTime > opts.minTime && r.frames > 0,
      status,
      state: r ? r.state : state && state.refusal ? "refused" : "no-report",
      engine: r ? r.engine : null,
      hlsVersion: r ? r.hlsVersion : null,
      currentTime: r ? r.currentTime : 0,
      frames: r ? r.frames : 0,
      error: r ? r.error : null,
      shownMessage: state ? state.shownMessage || null : null,
      refusal: state ? state.refusal || null : null,
      frameURL,
      requests,
      console: consoleLines.slice(-20),
    };
  });
}

run("embed.mjs", async () => {
  const opts = options(process.argv);
  await withBrowser(opts, [], async (browser) => {
    for (const pageURL of opts.pages) printResult(await embedPage(browser, pageURL, opts));
  });
});
