// fahuo scan station: packing evidence (留存证据). Records a short video of the parcel being packed
// (MediaRecorder) or takes photos from the station's camera, and uploads each to the parcel's
// evidence URL (kept by after-sales under its SHA-256). A recording still running when the packer
// confirms is stopped and uploaded first, then the parcel is confirmed.
(function () {
  "use strict";

  var stream = null;
  var recorder = null;
  var chunks = [];
  var timer = null;
  var started = 0;
  var pending = null; // a promise while an upload runs
  var recordingUrl = ""; // where the running recording goes (the card may be swapped meanwhile)

  function box() { return document.getElementById("scan-evidence"); }
  function el(sel) { var b = box(); return b ? b.querySelector(sel) : null; }
  function status(text) { var s = el("[data-evidence-status]"); if (s) s.textContent = text || ""; }
  function text(name) { var b = box(); return (b && b.getAttribute("data-" + name + "-text")) || ""; }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function stopCamera() {
    if (timer) { clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }

  function camera() {
    if (stream) return Promise.resolve(stream);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error("getUserMedia"));
    }
    return navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false })
      .then(function (s) {
        stream = s;
        var video = document.getElementById("evidence-preview");
        if (video) {
          video.hidden = false;
          video.srcObject = s;
          return video.play().then(function () { return s; }, function () { return s; });
        }
        return s;
      });
  }

  function listUploaded(data) {
    var list = el("[data-evidence-list]");
    if (!list) return;
    var li = document.createElement("li");
    li.setAttribute("data-sha256", data.sha256);
    var kb = Math.max(1, Math.round(data.size / 1024));
    li.textContent = "✓ " + data.label + " · " + kb + " KB · SHA-256 " + data.sha256.slice(0, 16) + "…";
    list.appendChild(li);
  }

  function upload(blob, name, url) {
    var b = box();
    url = url || (b && b.getAttribute("data-upload"));
    if (!url) return Promise.resolve();
    var form = new FormData();
    form.append("file", blob, name);
    status(text("uploading"));
    pending = fetch(url, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() }
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.error || String(r.status));
        listUploaded(data);
        status("");
      });
    }).catch(function (err) {
      status(text("failed") + " " + err.message);
    }).then(function () { pending = null; });
    return pending;
  }

  function showRecording(on) {
    var rec = el("[data-evidence-record]");
    var stop = el("[data-evidence-stop]");
    if (rec) rec.hidden = on;
    if (stop) stop.hidden = !on;
  }

  function startRecording() {
    var b = box();
    if (!b || (recorder && recorder.state === "recording")) return;
    camera().then(function (s) {
      var type = ["video/webm;codecs=vp8", "video/webm", "video/mp4"].filter(function (t) {
        return window.MediaRecorder && MediaRecorder.isTypeSupported(t);
      })[0] || "";
      recorder = new MediaRecorder(s, type ? { mimeType: type, videoBitsPerSecond: 1000000 } : {});
      chunks = [];
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
      recordingUrl = b.getAttribute("data-upload");
      recorder.start(1000);
      started = Date.now();
      showRecording(true);
      var limit = parseInt(b.getAttribute("data-max-seconds"), 10) || 120;
      timer = setInterval(function () {
        var secs = Math.round((Date.now() - started) / 1000);
        status(text("recording").replace("{s}", secs));
        if (secs >= limit) stopRecording();
      }, 500);
    }, function (err) {
      status(text("nocamera") + " " + (err && err.message ? err.message : err));
    });
  }

  function stopRecording() {
    if (!recorder || recorder.state !== "recording") return Promise.resolve();
    if (timer) { clearInterval(timer); timer = null; }
    var r = recorder;
    return new Promise(function (resolve) {
      r.onstop = function () {
        var type = (r.mimeType || "video/webm").split(";")[0];
        var blob = new Blob(chunks, { type: type });
        chunks = [];
        recorder = null;
        showRecording(false);
        upload(blob, "packing." + (type.indexOf("mp4") >= 0 ? "mp4" : "webm"), recordingUrl).then(resolve);
      };
      r.stop();
    });
  }

  function takePhoto() {
    camera().then(function () {
      var video = document.getElementById("evidence-preview");
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth || 1280;
      canvas.height = video.videoHeight || 720;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { if (blob) upload(blob, "packing.jpg"); }, "image/jpeg", 0.85);
    }, function (err) {
      status(text("nocamera") + " " + (err && err.message ? err.message : err));
    });
  }

  document.addEventListener("click", function (event) {
    var t = event.target;
    if (!(t instanceof Element) || !box() || !box().contains(t)) return;
    if (t.closest("[data-evidence-record]")) { startRecording(); }
    else if (t.closest("[data-evidence-stop]")) { stopRecording(); }
    else if (t.closest("[data-evidence-photo]")) { takePhoto(); }
  });

  // Confirming the parcel while recording: finish the video's upload first, then confirm.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "pack-form") return;
    if ((recorder && recorder.state === "recording") || pending) {
      event.preventDefault();
      var button = form.querySelector("[data-confirm]");
      Promise.resolve(recorder && recorder.state === "recording" ? stopRecording() : pending).then(function () {
        form.requestSubmit(button || undefined);
      });
    }
  });

  // The card was replaced (next parcel, or confirmed): release the camera.
  document.addEventListener("htmx:afterSwap", function () {
    if (recorder && recorder.state === "recording") {
      stopRecording().then(stopCamera);
    } else {
      stopCamera();
    }
  });
})();
