// probe.js: what e2e/players.mjs reads from each player page, in window.mediagateProbe:
//   { player, version, state: "loading"|"playing"|"ended"|"error", currentTime, frames, error }
// frames is getVideoPlaybackQuality().totalVideoFrames: frames the browser decoded, not a player's
// own counter. A page calls mediagateProbe(name, version, video) once and probe.fail(...) on the
// player's fatal error.
(function () {
  "use strict";
  window.mediagateProbe = function (player, version, video) {
    const probe = (window.mediagateProbe = {
      player,
      version,
      state: "loading",
      currentTime: 0,
      frames: 0,
      error: null,
      fail(what) {
        if (probe.error) return;
        probe.error = String(what).slice(0, 500);
        probe.state = "error";
        document.title = "error";
      },
    });
    const tick = () => {
      probe.currentTime = video.currentTime;
      const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
      probe.frames = q ? q.totalVideoFrames : 0;
      if (probe.state === "loading" && probe.currentTime > 0 && probe.frames > 0) probe.state = "playing";
      if (video.ended && probe.state !== "error") probe.state = "ended";
    };
    setInterval(tick, 100);
    video.addEventListener("timeupdate", tick);
    video.addEventListener("error", () => {
      const e = video.error;
      probe.fail("video element error " + (e ? e.code + " " + e.message : ""));
    });
    return probe;
  };
  window.mediagateSource = function () {
    const src = new URLSearchParams(location.search).get("src");
    if (!src) throw new Error("?src= is required");
    return src;
  };
})();
