#!/usr/bin/env node
// llplayer.mjs plays e2e/players/hlsjs-ll.html (hls.js, lowLatencyMode) in Debian chromium with
// puppeteer-core and prints one line of JSON: how long it played, its longest stall, the live
// latency samples the page took, and the playlist requests it sent, counted here from the
// browser's network events (URL queries — tokens — are never printed):
//   {"ok":true,"played":20.1,"maxStallMs":250,"samples":[{"at":…,"latency":1.6,"target":1.5,
//    "pdtLatency":1.8}],"playlists":41,"blocking":39,"withPart":39,"heldMeanMs":420,…}
// "blocking" counts playlist requests with _HLS_msn, "withPart" those with _HLS_part too;
// heldMeanMs/heldMaxMs is how long those took from request to the end of the answer; "refused"
// lists the page's responses of 400 or more (status and path; the page site's favicon aside).
// Usage: node llplayer.mjs --page URL --play-seconds 20 [--timeout 40000] [--chromium …]
// Exit status: 0 when the result was printed (whatever it says), 2 when the driver failed.
import { inFreshContext, parseArgs, printResult, recordConsole, run, sleep, withBrowser } from "./driver.mjs";

function options(argv) {
  const opts = parseArgs(argv, { page: "", playSeconds: 20 }, {
    "--page": (o, v) => { o.page = v; },
    "--play-seconds": (o, v) => { o.playSeconds = Number(v); },
  });
  if (!opts.page) throw new Error("--page is required");
  return opts;
}

// watchPlaylists counts the page's playlist requests and times the blocking ones.
function watchPlaylists(page) {
  const started = new Map();
  const held = [];
  const refused = [];
  const counts = { playlists: 0, blocking: 0, withPart: 0, failed: 0 };
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!u.pathname.endsWith(".m3u8")) return;
    counts.playlists++;
    if (!u.searchParams.has("_HLS_msn")) return;
    counts.blocking++;
    if (u.searchParams.has("_HLS_part")) counts.withPart++;
    started.set(r, Date.now());
  });
  const done = (r) => {
    if (!started.has(r)) return;
    held.push(Date.now() - started.get(r));
    started.delete(r);
  };
  page.on("requestfinished", done);
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && path !== "/favicon.ico" && refused.length < 20) refused.push({ status: r.status(), path });
  });
  page.on("requestfailed", (r) => { if (started.has(r)) counts.failed++; done(r); });
  return () => ({
    ...counts,
    heldMeanMs: held.length ? held.reduce((a, b) => a + b, 0) / held.length : 0,
    heldMaxMs: held.length ? Math.max(...held) : 0,
    refused,
  });
}

function play(browser, opts) {
  return inFreshContext(browser, async (context) => {
    const consoleLines = [];
    const page = await context.newPage();
    recordConsole(page, consoleLines, 300);
    const playlists = watchPlaylists(page);
    await page.goto(opts.page, { waitUntil: "load", timeout: opts.timeout });
    const deadline = Date.now() + opts.timeout;
    let probe = null, startTime = null, lastTime = null, lastAdvance = 0, maxStallMs = 0, played = 0;
    while (Date.now() < deadline) {
      probe = await page.evaluate(() => JSON.parse(JSON.stringify(window.mediagateProbe || null)));
      if (probe && probe.state === "error") break;
      const now = Date.now();
      if (probe && probe.state === "playing") {
        if (startTime === null) {
          startTime = probe.currentTime;
          lastAdvance = now;
        } else if (probe.currentTime !== lastTime) {
          lastAdvance = now;
        }
        lastTime = probe.currentTime;
        maxStallMs = Math.max(maxStallMs, now - lastAdvance);
        played = probe.currentTime - startTime;
        if (played >= opts.playSeconds) break;
      }
      await sleep(100);
    }
    const ll = await page.evaluate(() => JSON.parse(JSON.stringify(window.mediagateLL || null)));
    return {
      ok: !!probe && probe.state === "playing" && played >= opts.playSeconds,
      played,
      maxStallMs,
      state: probe ? probe.state : "no-probe",
      version: probe ? probe.version : null,
      error: probe ? probe.error : "the page did not load probe.js",
      lowLatencyMode: ll ? ll.lowLatencyMode : null,
      samples: ll ? ll.samples : [],
      ...playlists(),
      console: consoleLines.slice(-20).map((l) => l.replace(/\?[^\s'"]*/g, "?…")),
    };
  });
}

run("llplayer.mjs", async () => {
  const opts = options(process.argv);
  await withBrowser(opts, [], async (browser) => printResult(await play(browser, opts)));
});
