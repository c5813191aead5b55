// driver.mjs is what the browser drivers (player.mjs, embed.mjs, players.mjs) share: their
// command-line parsing, one headless Debian chromium (puppeteer-core, a throwaway profile), a
// fresh browser context a page, the JSON line a result and the exit status 2 of a failed driver.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

// chromiumArgs are the flags every driver runs chromium with.
const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--autoplay-policy=no-user-gesture-required", "--ignore-certificate-errors",
  "--disable-dev-shm-usage", "--mute-audio",
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// parseArgs parses argv (process.argv) into the options every driver takes (--min-time 1,
// --timeout 30000, --chromium $CHROMIUM or /usr/bin/chromium) and the driver's own: defaults
// are its options' initial values, flags maps each of its flags to (opts, value) => void.
// Every flag takes a value; an unknown one is an error.
export function parseArgs(argv, defaults, flags) {
  const opts = { minTime: 1, timeout: 30000, chromium: process.env.CHROMIUM || "/usr/bin/chromium", ...defaults };
  const all = {
    "--min-time": (o, v) => { o.minTime = Number(v); },
    "--timeout": (o, v) => { o.timeout = Number(v); },
    "--chromium": (o, v) => { o.chromium = v; },
    ...flags,
  };
  for (let i = 2; i < argv.length; i++) {
    const set = Object.hasOwn(all, argv[i]) ? all[argv[i]] : null;
    if (!set) throw new Error(`unknown argument ${argv[i]}`);
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    set(opts, argv[++i]);
  }
  return opts;
}

// withBrowser launches chromium (opts.chromium, with the common flags and extraArgs) on a
// throwaway profile, runs fn(browser), then closes the browser and removes the profile.
export async function withBrowser(opts, extraArgs, fn) {
  const profile = mkdtempSync(join(tmpdir(), "mediagate-chromium-"));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: opts.chromium,
      userDataDir: profile,
      headless: true,
      acceptInsecureCerts: true,
      args: [...chromiumArgs, ...extraArgs],
    });
    return await fn(browser);
  } finally {
    if (browser) await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

// inFreshContext runs fn(context) in a new browser context (its own cookie jar), closed after.
export async function inFreshContext(browser, fn) {
  const context = await browser.createBrowserContext();
  try {
    return await fn(context);
  } finally {
    await context.close().catch(() => {});
  }
}

// recordConsole appends the page's console messages and uncaught errors to lines, each cut at
// max characters (pageErrors false: console messages only).
export function recordConsole(page, lines, max, pageErrors = true) {
  page.on("console", (m) => lines.push(`${m.type()}: ${m.text()}`.slice(0, max)));
  if (pageErrors) page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`.slice(0, max)));
}

// printResult writes one result as a line of JSON on stdout.
export function printResult(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
}

// run runs the driver's main; a failure is reported on stderr as "name: …" with exit status 2.
export function run(name, main) {
  main().catch((e) => {
    process.stderr.write(`${name}: ${e.stack || e}\n`);
    process.exit(2);
  });
}
