#!/usr/bin/env node
// player.mjs drives the mediagate check player (demo/player/index.html) in Debian chromium with
// puppeteer-core and prints one line of JSON on stdout per --page, in order; each page runs in
// a fresh browser context (no cookies shared between pages), one at a time, in one browser:
//   {"ok":true,"state":"playing","currentTime":1.4,"error":null,"events":[...],"console":[...]}
//   {"ok":false,"state":"error","error":{"status":403,"reason":"expired",...},...}
// Usage: node player.mjs --page 'https://localhost:9444/index.html?src=...' [--page ...]
//        [--min-time 1] [--timeout 30000 (per page)] [--chromium /usr/bin/chromium]
//        [--play-seconds N]: after playback starts, keep watching until the media time advanced
//        N seconds (live streams: the wall clock, too), and report "played" (media seconds
//        played since the start) and "maxStallMs" (the longest wall-clock span in which the
//        media time did not advance once playing).
// Exit status: 0 when every result was printed (whatever they say), 2 when the driver failed.
import { inFreshContext, parseArgs, printResult, recordConsole, run, sleep, withBrowser } from "./driver.mjs";

function options(argv) {
  const opts = parseArgs(argv, { pages: [], playSeconds: 0 }, {
    "--page": (o, v) => o.pages.push(v),
    "--play-seconds": (o, v) => { o.playSeconds = Number(v); },
  });
  if (opts.pages.length === 0) throw new Error("--page is required");
  return opts;
}

// playPage opens one page in a fresh context and waits for playback past minTime or an error.
function playPage(browser, pageURL, opts) {
  return inFreshContext(browser, async (context) => {
    const consoleLines = [];
    const failedRequests = [];
    const page = await context.newPage();
    recordConsole(page, consoleLines, 300);
    page.on("requestfailed", (r) => failedRequests.push(`${r.failure()?.errorText} ${r.url()}`.slice(0, 300)));
    await page.goto(pageURL, { waitUntil: "load", timeout: opts.timeout });

    const deadline = Date.now() + opts.timeout;
    let report = null;
    // Playback watch (--play-seconds): media time at the start, and stalls.
    let startTime = null, lastTime = null, lastAdvance = 0, maxStallMs = 0, played = 0;
    while (Date.now() < deadline) {
      report = await page.evaluate(() => {
        const r = window.mediagatePlayer;
        return r ? JSON.parse(JSON.stringify(r)) : null;
      });
      if (report && report.state === "error" && report.error) break;
      const now = Date.now();
      if (report && report.currentTime > 0) {
        if (startTime === null) {
          startTime = report.currentTime;
          lastAdvance = now;
        } else if (report.currentTime !== lastTime) {
          lastAdvance = now;
        }
        lastTime = report.currentTime;
        maxStallMs = Math.max(maxStallMs, now - lastAdvance);
        played = report.currentTime - startTime;
      }
      if (report && report.currentTime > opts.minTime && played >= opts.playSeconds) break;
      await sleep(200);
    }
    const playing = !!report && report.state !== "error" && report.currentTime > opts.minTime && played >= opts.playSeconds;
    return {
      ok: playing,
      played,
      maxStallMs,
      state: report ? report.state : "no-report",
      currentTime: report ? report.currentTime : 0,
      hlsVersion: report ? report.hlsVersion : null,
      error: report ? report.error : { details: "the page did not load player.js" },
      timedOut: !playing && !(report && report.state === "error"),
      events: report ? report.events.slice(-40) : [],
      console: consoleLines.slice(-20),
      failedRequests: failedRequests.slice(-10),
    };
  });
}

run("player.mjs", async () => {
  const opts = options(process.argv);
  await withBrowser(opts, [], async (browser) => {
    for (const pageURL of opts.pages) printResult(await playPage(browser, pageURL, opts));
  });
});
