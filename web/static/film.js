// The film page: a live status line and a bar of the downloaded parts of the
// film, fed by server-sent events, and a readable message when the video
// cannot play. Everything degrades to the plain <video> without it.
(function () {
  'use strict';
  var status = document.getElementById('status');
  var video = document.getElementById('video');
  if (!status || !video) return;
  var line = document.getElementById('status-line');
  var ranges = document.getElementById('bar-ranges');
  var head = document.getElementById('bar-head');
  var videoError = document.getElementById('video-error');
  var msg = status.dataset;
  var number = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 1 });

  function rate(bytesPerSecond) {
    var units = ['B/s', 'KB/s', 'MB/s', 'GB/s'];
    var v = bytesPerSecond, i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return number.format(v) + ' ' + units[i];
  }

  // The page carries the texts for one and for two peers in its language;
  // the count in them is replaced by the real one.
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || 'en') : null;
  function peers(n) {
    var one = plural ? plural.select(n) === 'one' : n === 1;
    return (one ? msg.msgPeersOne : msg.msgPeersOther).replace(/\d+/, String(n));
  }

  function describe(s) {
    if (s.complete) return msg.msgComplete;
    if (s.peers === 0) return msg.msgNoPeers;
    var parts = [peers(s.peers), '↓ ' + rate(s.downloadRate)];
    if (!s.hasInfo) {
      parts.push(msg.msgWaitingInfo);
    } else {
      parts.push(number.format(s.percent) + '% ' + msg.msgVerified);
    }
    return parts.join(' · ');
  }

  function drawRanges(s) {
    var frag = document.createDocumentFragment();
    if (s.length > 0) {
      (s.buffered || []).forEach(function (r) {
        var d = document.createElement('div');
        d.className = 'bar-range';
        d.style.left = (100 * r.start / s.length) + '%';
        d.style.width = (100 * (r.end - r.start) / s.length) + '%';
        frag.appendChild(d);
      });
    }
    ranges.replaceChildren(frag);
  }

  function drawHead() {
    if (!isFinite(video.duration) || video.duration <= 0) return;
    head.hidden = false;
    head.style.left = (100 * video.currentTime / video.duration) + '%';
  }

  var events = new EventSource(msg.events);
  events.addEventListener('status', function (e) {
    var s;
    try { s = JSON.parse(e.data); } catch (err) { return; }
    line.textContent = describe(s);
    status.classList.toggle('no-peers', s.peers === 0 && !s.complete);
    drawRanges(s);
  });
  // The browser reconnects by itself; only say so, quietly.
  events.addEventListener('error', function () {
    line.textContent = msg.msgOffline;
  });
  window.addEventListener('pagehide', function () { events.close(); });

  // How far the person got, for "continue watching": every 15 s while
  // playing, and when they pause or leave.
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var lastSent = 0;
  function sendProgress(force) {
    if (!msg.progress || !csrf || !isFinite(video.duration) || video.currentTime <= 0) return;
    var now = Date.now();
    if (!force && now - lastSent < 15000) return;
    lastSent = now;
    var body = new URLSearchParams({ position: video.currentTime.toFixed(1), duration: video.duration.toFixed(1) });
    fetch(msg.progress, {
      method: 'POST', body: body, keepalive: true, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf.content }
    }).catch(function () {});
  }
  video.addEventListener('timeupdate', function () { sendProgress(false); });
  video.addEventListener('pause', function () { sendProgress(true); });
  window.addEventListener('pagehide', function () { sendProgress(true); });

  video.addEventListener('timeupdate', drawHead);
  video.addEventListener('seeking', drawHead);
  video.addEventListener('loadedmetadata', drawHead);
  video.addEventListener('playing', function () { videoError.hidden = true; });
  video.addEventListener('error', function () {
    var err = video.error, text = msg.msgVideoUnknown;
    if (err) {
      switch (err.code) {
        case 1: text = msg.msgVideoAborted; break;
        case 2: text = msg.msgVideoNetwork; break;
        case 3: text = msg.msgVideoDecode; break;
        case 4: text = msg.msgVideoUnsupported; break;
      }
    }
    videoError.textContent = text;
    videoError.hidden = false;
  });
})();
