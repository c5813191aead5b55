#!/usr/bin/env node
// players.mjs plays web player pages (e2e/players/*.html: hls.js, Shaka Player, video.js) in
// Debian chromium with puppeteer-core, several pages at a time in one browser, each page in a
// fresh browser context (its own cookie jar), and prints one line of JSON per job on stdout:
//   {"id":"…","ok":true,"state":"playing","currentTime":1.3,"frames":38,"player":"hls.js",
//    "version":"1.7.4","error":null,"refused":[{"status":403,"path":"/hls/clear/v0.m3u8",
//    "reason":"missing"}],"cookies":{"sent":["__token__"],"blocked":[{"name":"__token__",
//    "phase":"set","reasons":["SameSiteLax"]}]}}
// "cookies" comes from Chromium's own account of each request (CDP Network.*ExtraInfo): which
// cookies it sent, and which it refused to store or send, with its reasons. Cookie values and
// URL queries (tokens) are never printed.
// Usage: node players.mjs --jobs jobs.json [--parallel 4] [--timeout 30000] [--min-time 1]
//        [--host-rules 'MAP *.example.com 127.0.0.1']
//        [--give-up-after 6 (refused responses with no frame decoded)] [--chromium /usr/bin/chromium]
// jobs.json: [{"id": "…", "url": "https://www.example.com:PORT/hlsjs.html?src=…"}, …]
// Exit status: 0 when every result was printed (whatever they say), 2 when the driver failed.
import { readFileSync } from "node:fs";
import { inFreshContext, parseArgs, printResult, recordConsole, run, sleep, withBrowser } from "./driver.mjs";

function options(argv) {
  const opts = parseArgs(argv, { jobs: null, parallel: 4, giveUpAfter: 6, hostRules: "" }, {
    "--jobs": (o, v) => { o.jobs = JSON.parse(readFileSync(v, "utf8")); },
    "--parallel": (o, v) => { o.parallel = Number(v); },
    "--give-up-after": (o, v) => { o.giveUpAfter = Number(v); },
    "--host-rules": (o, v) => { o.hostRules = v; },
  });
  if (!Array.isArray(opts.jobs) || opts.jobs.length === 0) throw new Error("--jobs needs a non-empty JSON array");
  return opts;
}

// pathOf is a URL without its query (where tokens travel) and without scheme and host.
function pathOf(u) {
  try {
    return new URL(u).pathname;
  } catch {
    return "?";
  }
}

// redactQueries drops every URL query from a console line (tokens travel there).
function redactQueries(line) {
  return line.replace(/\?[^\s'"]*/g, "?…");
}

function cookieName(c) {
  if (c.cookie && c.cookie.name) return c.cookie.name;
  const line = c.cookieLine || "";
  return line.slice(0, Math.max(0, line.indexOf("="))) || "?";
}

// watchCookies records, from Chromium's network stack, the cookies each request carried and
// the ones it blocked (on Set-Cookie or on sending), by name and reason.
async function watchCookies(page) {
  const cookies = { sent: new Set(), blocked: new Map() };
  const block = (phase, name, reasons) => {
    const key = `${phase} ${name} ${reasons.join(",")}`;
    if (!cookies.blocked.has(key)) cookies.blocked.set(key, { name, phase, reasons });
  };
  const cdp = await page.createCDPSession();
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => {
    for (const c of e.associatedCookies || []) {
      // A cookie of another host or path is listed too, "blocked" as not applying: not a refusal.
      const reasons = (c.blockedReasons || []).filter((r) => r !== "DomainMismatch" && r !== "NotOnPath");
      if ((c.blockedReasons || []).length && !reasons.length) continue;
      if (reasons.length) block("send", cookieName(c), reasons);
      else cookies.sent.add(cookieName(c));
    }
  });
  cdp.on("Network.responseReceivedExtraInfo", (e) => {
    for (const c of e.blockedCookies || []) block("set", cookieName(c), c.blockedReasons || []);
  });
  return () => ({ sent: [...cookies.sent].sort(), blocked: [...cookies.blocked.values()] });
}

// playJob opens one page in a fresh context and waits for playback past minTime with decoded
// frames, for the player's fatal error, or for the timeout.
function playJob(browser, job, opts) {
  return inFreshContext(browser, async (context) => {
    const refused = [];
    let refusals = 0;
    const console_ = [];
    const page = await context.newPage();
    const cookies = await watchCookies(page);
    recordConsole(page, console_, 200);
    page.on("response", (r) => {
      if (r.status() >= 400 && pathOf(r.url()) !== "/favicon.ico") refusals++;
      if (r.status() >= 400 && pathOf(r.url()) !== "/favicon.ico" && refused.length < 10) {
        refused.push({ status: r.status(), path: pathOf(r.url()), reason: r.headers()["x-edgeauth-reason"] || "" });
      }
    });
    await page.goto(job.url, { waitUntil: "load", timeout: opts.timeout });
    const deadline = Date.now() + opts.timeout;
    let probe = null;
    while (Date.now() < deadline) {
      probe = await page.evaluate(() => {
        const p = window.mediagateProbe;
        return p && typeof p === "object" ? JSON.parse(JSON.stringify(p)) : null;
      });
      if (probe && probe.state === "error") break;
      if (probe && probe.currentTime > opts.minTime && probe.frames > 0) break;
      // video.js (VHS) retries a refused playlist without end: refused again and again with no
      // frame decoded is a failure, not a reason to wait out the timeout.
      if (refusals >= opts.giveUpAfter && !(probe && probe.frames > 0)) break;
      await sleep(200);
    }
    const gaveUp = refusals >= opts.giveUpAfter && !(probe && probe.frames > 0);
    const ok = !gaveUp && !!probe && probe.state !== "error" && probe.currentTime > opts.minTime && probe.frames > 0;
    return {
      id: job.id, ok,
      state: probe ? probe.state : "no-probe",
      currentTime: probe ? probe.currentTime : 0,
      frames: probe ? probe.frames : 0,
      player: probe ? probe.player : null,
      version: probe ? probe.version : null,
      error: probe ? probe.error : "the page set no window.mediagateProbe",
      timedOut: !ok && !gaveUp && !(probe && probe.state === "error"),
      gaveUp,
      refused,
      cookies: cookies(),
      console: console_.slice(-8).map(redactQueries),
    };
  });
}

run("players.mjs", async () => {
  const opts = options(process.argv);
  const extra = opts.hostRules ? [`--host-resolver-rules=${opts.hostRules}`] : [];
  await withBrowser(opts, extra, async (browser) => {
    const queue = opts.jobs.map((job, i) => ({ job, i }));
    const results = new Array(opts.jobs.length);
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          results[next.i] = await playJob(browser, next.job, opts);
        } catch (e) {
          results[next.i] = { id: next.job.id, ok: false, state: "driver-error", error: String(e.message || e).slice(0, 300) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.parallel) }, worker));
    results.forEach(printResult);
  });
});
