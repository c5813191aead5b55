// mediagate check player. Plays ?src=<playlist URL> with hls.js and reports what happened, both on
// the page and in window.mediagatePlayer (read by e2e/player.mjs):
//   { state: "idle"|"loading"|"playing"|"ended"|"error", currentTime, level, hlsVersion,
//     error: { type, details, status, url, reason, body } | null, events: [ "..." ] }
// On a refused request the reason comes from the X-Edgeauth-Reason response header (the deployment
// exposes it; see caddyfile-examples/demo.Caddyfile), else from the response body.
(function () {
  "use strict";

  const params = new URLSearchParams(location.search);
  const src = params.get("src") || "";
  const withCredentials = params.get("creds") !== "0";
  const video = document.getElementById("video");
  const $ = (id) => document.getElementById(id);

  const report = (window.mediagatePlayer = {
    state: "idle",
    currentTime: 0,
    level: null,
    hlsVersion: window.Hls ? window.Hls.version : null,
    error: null,
    events: [],
  });

  function log(msg) {
    const line = new Date().toISOString().slice(11, 23) + " " + msg;
    report.events.push(line);
    if (report.events.length > 200) report.events.shift();
    const li = document.createElement("li");
    li.textContent = line;
    $("log").appendChild(li);
  }

  function setState(state, detail) {
    report.state = state;
    $("status").className = "status " + state;
    $("state").textContent = state;
    $("detail").textContent = detail || "";
  }

  // describeToken shows the parts of an EdgeAuth token that a sysadmin checks first: expiry and ACL.
  function describeToken(url) {
    let u;
    try {
      u = new URL(url, location.href);
    } catch (e) {
      return "unparsable URL";
    }
    for (const name of ["__token__", "RequestToken", "hdnts", "__hdnea__"]) {
      const tok = u.searchParams.get(name);
      if (!tok) continue;
      const fields = {};
      for (const part of tok.split("~")) {
        const i = part.indexOf("=");
        if (i > 0) fields[part.slice(0, i)] = part.slice(i + 1);
      }
      const out = [name];
      if (fields.exp) {
        const left = Number(fields.exp) - Math.floor(Date.now() / 1000);
        out.push(left >= 0 ? "expires in " + left + " s" : "EXPIRED " + -left + " s ago");
      }
      if (fields.acl) out.push("acl " + decodeURIComponent(fields.acl));
      if (fields.id) out.push("id " + fields.id);
      return out.join(", ");
    }
    return "no token in the URL (cookie or open access)";
  }

  function failingURL(data) {
    return (
      data.url ||
      (data.context && data.context.url) ||
      (data.frag && data.frag.url) ||
      (data.networkDetails && data.networkDetails.responseURL) ||
      ""
    );
  }

  // explain finds why a request was refused: header first, then a re-fetch of the URL.
  async function explain(data) {
    const err = {
      type: data.type,
      details: data.details,
      status: data.response && data.response.code !== undefined ? data.response.code : null,
      url: failingURL(data),
      reason: "",
      body: "",
    };
    const xhr = data.networkDetails;
    if (xhr && typeof xhr.getResponseHeader === "function") {
      try {
        err.reason = xhr.getResponseHeader("X-Edgeauth-Reason") || "";
        if (err.status === null) err.status = xhr.status;
      } catch (e) {
        /* headers not readable */
      }
    }
    if (!err.reason && err.url) {
      try {
        const res = await fetch(err.url, {
          credentials: withCredentials ? "include" : "omit",
          cache: "no-store",
        });
        if (err.status === null) err.status = res.status;
        err.reason = res.headers.get("X-Edgeauth-Reason") || "";
        if (!res.ok) err.body = (await res.text()).slice(0, 300);
      } catch (e) {
        err.body = "fetch failed: " + e.message + " (network error or CORS refusal)";
      }
    }
    return err;
  }

  async function fail(data) {
    const err = await explain(data);
    report.error = err;
    const why = err.reason || err.body || "no reason given";
    setState("error", `${err.details} — HTTP ${err.status === null ? "?" : err.status} — ${why}`);
    log(`FATAL ${err.type}/${err.details} status=${err.status} reason=${err.reason || "-"} url=${err.url}`);
    stopLoading();
  }

  // stopLoading detaches the player after a fatal error, so the video element stops showing its
  // loading spinner.
  function stopLoading() {
    if (window.hls) {
      window.hls.destroy();
      window.hls = null;
    }
    video.removeAttribute("src");
    video.load();
  }

  function start(url) {
    $("src").value = url;
    $("f-src").textContent = url;
    $("f-token").textContent = describeToken(url);
    $("f-hls").textContent = window.Hls ? window.Hls.version : "not loaded (run npm ci in demo/player)";
    video.muted = params.get("muted") !== "0";
    video.addEventListener("timeupdate", () => {
      report.currentTime = video.currentTime;
      $("f-time").textContent = video.currentTime.toFixed(2) + " s";
      if (report.state !== "error" && video.currentTime > 0 && report.state !== "playing") {
        setState("playing", "playback started");
        log("playing");
      }
    });
    video.addEventListener("ended", () => {
      if (report.state !== "error") {
        setState("ended", "playback finished");
        log("ended");
      }
    });
    video.addEventListener("playing", () => {
      if (report.state === "ended") setState("playing", "playing again");
    });
    video.addEventListener("error", () => {
      if (report.state !== "error") {
        const e = video.error;
        report.error = { type: "mediaError", details: "video element error " + (e && e.code), status: null, url, reason: "", body: e ? e.message : "" };
        setState("error", report.error.details);
        log("video error " + (e && e.code) + " " + (e && e.message));
        stopLoading();
      }
    });
    setState("loading", "loading " + url);

    if (window.Hls && window.Hls.isSupported()) {
      const hls = new window.Hls({
        xhrSetup: (xhr) => {
          xhr.withCredentials = withCredentials;
        },
        fetchSetup: (context, init) => {
          init.credentials = withCredentials ? "include" : "omit";
          return new Request(context.url, init);
        },
      });
      window.hls = hls;
      hls.on(window.Hls.Events.MANIFEST_PARSED, (_e, d) => log(`manifest parsed: ${d.levels.length} level(s)`));
      hls.on(window.Hls.Events.LEVEL_SWITCHED, (_e, d) => {
        const l = hls.levels[d.level];
        report.level = d.level;
        $("f-level").textContent = `${d.level}: ${l.width}x${l.height} ${l.bitrate} bit/s`;
        log("level " + d.level);
      });
      hls.on(window.Hls.Events.KEY_LOADED, (_e, d) => log("key loaded " + (d.keyInfo && d.keyInfo.decryptdata ? d.keyInfo.decryptdata.uri : "")));
      hls.on(window.Hls.Events.FRAG_LOADED, (_e, d) => log(`fragment ${d.frag.sn} loaded`));
      hls.on(window.Hls.Events.ERROR, (_e, data) => {
        log(`${data.fatal ? "fatal" : "recoverable"} error ${data.type}/${data.details}`);
        if (data.fatal && report.state !== "error") fail(data);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      log("hls.js unavailable; using native HLS");
      video.src = url;
    } else {
      setState("error", "hls.js did not load and this browser has no native HLS");
      report.error = { type: "setup", details: "noPlayer", status: null, url, reason: "", body: "" };
      return;
    }
    if (params.get("autoplay") !== "0") {
      video.play().catch((e) => log("autoplay refused: " + e.message));
    }
  }

  $("form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams(location.search);
    next.set("src", $("src").value);
    location.search = next.toString();
  });

  if (src) start(src);
})();
