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
// Playlist Delta Updates: "skipRequests" counts playlist requests with _HLS_skip (by value in
// "skipValues"), "deltas" the answers whose body holds #EXT-X-SKIP:SKIPPED-SEGMENTS=N with N > 0
// ("skippedMax" the largest N, "deltaUntokenized" URIs of them without a query string,
// "deltaDateRangeSkips" those with RECENTLY-REMOVED-DATERANGES, that is v2 deltas that skip old
// EXT-X-DATERANGE tags, "deltaDateRangeTagsMax" the most EXT-X-DATERANGE tags one of them held);
// "mediaAfterDelta" counts media requests (not playlists) sent after the first delta arrived and
// "mediaAfterDeltaNot200" those answered otherwise than 200 or failed. The page's "levels"
// (hls.js LEVEL_UPDATED: skippedSegments, deltaUpdateFailed) and non-fatal "errors" come along.
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
  const deltas = watchDeltas(page);
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!u.pathname.endsWith(".m3u8")) return;
    counts.playlists++;
    deltas.request(u);
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
  return async () => ({
    ...counts,
    ...(await deltas.result()),
    heldMeanMs: held.length ? held.reduce((a, b) => a + b, 0) / held.length : 0,
    heldMaxMs: held.length ? Math.max(...held) : 0,
    refused,
  });
}

// watchDeltas counts the page's _HLS_skip requests, the delta updates it was answered with, and
// the media requests after the first delta with how they were answered.
function watchDeltas(page) {
  const c = { skipRequests: 0, skipValues: {}, deltas: 0, skippedMax: 0, deltaUntokenized: 0,
    deltaDateRangeSkips: 0, deltaDateRangeTagsMax: 0,
    mediaAfterDelta: 0, mediaAfterDeltaNot200: 0 };
  const reads = [];
  let firstDelta = false;
  const media = (r) => firstDelta && !new URL(r.url()).pathname.endsWith(".m3u8") && new URL(r.url()).pathname.startsWith("/hls/");
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith(".m3u8") && u.searchParams.has("_HLS_skip") && r.status() === 200) {
      reads.push(r.text().then((body) => {
        const m = /#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(body);
        if (!m || Number(m[1]) === 0) return;
        c.deltas++;
        firstDelta = true;
        c.skippedMax = Math.max(c.skippedMax, Number(m[1]));
        if (/#EXT-X-SKIP:[^\r\n]*RECENTLY-REMOVED-DATERANGES=/.test(body)) {
          c.deltaDateRangeSkips++;
          c.deltaDateRangeTagsMax = Math.max(c.deltaDateRangeTagsMax, (body.match(/^#EXT-X-DATERANGE:/gm) || []).length);
        }
        const uris = [...body.matchAll(/URI="([^"]*)"/g)].map((x) => x[1])
          .concat(body.split(/\r?\n/).filter((l) => l && !l.startsWith("#")));
        c.deltaUntokenized += uris.filter((x) => !x.includes("?")).length;
      }, () => {}));
      return;
    }
    if (!media(r)) return;
    c.mediaAfterDelta++;
    if (r.status() !== 200) c.mediaAfterDeltaNot200++;
  });
  page.on("requestfailed", (r) => { if (media(r)) { c.mediaAfterDelta++; c.mediaAfterDeltaNot200++; } });
  return {
    request(u) {
      const v = u.searchParams.get("_HLS_skip");
      if (v === null) return;
      c.skipRequests++;
      c.skipValues[v] = (c.skipValues[v] || 0) + 1;
    },
    async result() { await Promise.all(reads); return c; },
  };
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
      levels: ll && ll.levels ? ll.levels : null,
      errors: ll && ll.errors ? ll.errors : [],
      ...(await playlists()),
      console: consoleLines.slice(-20).map((l) => l.replace(/\?[^\s'"]*/g, "?…")),
    };
  });
}

run("llplayer.mjs", async () => {
  const opts = options(process.argv);
  await withBrowser(opts, [], async (browser) => printResult(await play(browser, opts)));
});
