// mediagate embedded player: plays the stream the server put in #player's
// data-src (already authorised server-side) with hls.js where the browser has
// Media Source Extensions, natively otherwise (iOS Safari), and says so on the
// page when playback fails later (e.g. the access expired).
// window.mediagateEmbed reports the state for tests and for the embedding site.
(function () {
  "use strict";
  var root = document.getElementById("player");
  var video = document.getElementById("video");
  var box = document.getElementById("message");
  var src = root.getAttribute("data-src");
  var report = (window.mediagateEmbed = {
    state: "loading", engine: null, hlsVersion: null, currentTime: 0, frames: 0, error: null,
  });

  var messages = {
    403: "Access to this video was refused: the link may have expired. Reload the page that embeds it.",
    404: "This video is not available.",
    network: "The video could not be loaded: network error.",
    media: "The video could not be played in this browser.",
    unsupported: "This browser cannot play HLS video.",
  };

  function fail(kind, status, reason) {
    if (report.state === "error") return;
    report.state = "error";
    report.error = { kind: kind, status: status || null, reason: reason || null };
    box.textContent = messages[status] || messages[kind] || messages.network;
    box.hidden = false;
  }

  function update() {
    report.currentTime = video.currentTime;
    var q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    report.frames = q ? q.totalVideoFrames : (video.webkitDecodedFrameCount || 0);
  }
  video.addEventListener("timeupdate", update);
  video.addEventListener("playing", function () {
    if (report.state !== "error") report.state = "playing";
  });

  function start() {
    var p = video.play();
    if (p && p.catch) p.catch(function () { /* autoplay refused: the controls remain */ });
  }

  if (window.Hls && window.Hls.isSupported()) {
    report.engine = "hls.js";
    report.hlsVersion = window.Hls.version;
    var hls = new window.Hls({ enableWorker: false });
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (!data.fatal) return;
      var status = data.response && data.response.code;
      var reason = null;
      var xhr = data.networkDetails;
      if (xhr && typeof xhr.getResponseHeader === "function") {
        try { reason = xhr.getResponseHeader("X-Edgeauth-Reason"); } catch (e) { reason = null; }
      }
      fail(data.type === window.Hls.ErrorTypes.MEDIA_ERROR ? "media" : "network", status, reason);
      hls.destroy();
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, start);
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    report.engine = "native";
    video.addEventListener("error", function () {
      var code = video.error ? video.error.code : 0;
      fail(code === 3 || code === 4 ? "media" : "network", null, null);
    });
    video.src = src;
    start();
  } else {
    fail("unsupported", null, null);
  }
})();
