// The film page's player: it tells the server what this browser plays, and
// plays what the server chooses — the file itself, or a conversion as HLS
// through hls.js (or the browser's own HLS). It offers the film's audio
// tracks, qualities and subtitles, and swaps sources keeping the position.
(function () {
  'use strict';
  var video = document.getElementById('video');
  var box = document.getElementById('player-controls');
  if (!video || !box) return;
  var msg = box.dataset;
  var modeLine = document.getElementById('play-mode');
  var audioSelect = document.getElementById('audio-select');
  var qualitySelect = document.getElementById('quality-select');
  var videoError = document.getElementById('video-error');
  var hls = null;
  var hlsScript = null;
  var generation = 0;

  // What this browser decodes, in the names the server knows. A <video>
  // plays the direct file; hls.js feeds MediaSource, so either counts.
  function capabilities() {
    var probe = document.createElement('video');
    var mse = window.MediaSource;
    function plays(type) {
      if (probe.canPlayType(type) !== '') return true;
      try { return !!(mse && mse.isTypeSupported(type)); } catch (e) { return false; }
    }
    var tests = {
      mp4: 'video/mp4',
      webm: 'video/webm',
      matroska: 'video/x-matroska; codecs="avc1.640028,mp4a.40.2"',
      h264: 'video/mp4; codecs="avc1.640028"',
      hevc: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
      vp9: 'video/webm; codecs="vp9"',
      av1: 'video/mp4; codecs="av01.0.05M.08"',
      aac: 'audio/mp4; codecs="mp4a.40.2"',
      opus: 'audio/webm; codecs="opus"',
      mp3: 'audio/mpeg',
      flac: 'audio/flac',
      vorbis: 'audio/webm; codecs="vorbis"'
    };
    return Object.keys(tests).filter(function (name) { return plays(tests[name]); }).join(',');
  }
  var caps = capabilities();

  function showError(text) {
    videoError.textContent = text;
    videoError.hidden = false;
  }

  function fill(select, options, chosen) {
    select.replaceChildren();
    options.forEach(function (o) {
      var opt = document.createElement('option');
      opt.value = String(o.value);
      opt.textContent = o.label;
      opt.selected = String(o.value) === String(chosen);
      select.appendChild(opt);
    });
    var many = options.length > 1;
    select.hidden = !many;
    select.labels.forEach(function (l) { l.hidden = !many; });
  }

  function setTracks(list) {
    Array.prototype.slice.call(video.querySelectorAll('track')).forEach(function (t) { t.remove(); });
    (list || []).forEach(function (s) {
      var t = document.createElement('track');
      t.kind = 'subtitles';
      t.src = s.src;
      t.srclang = s.srclang;
      t.label = s.label;
      if (s.default) t.default = true;
      video.appendChild(t);
      // A track added by script is not picked by its default attribute
      // alone once the media has loaded.
      if (s.default) t.track.mode = 'showing';
    });
  }

  function loadHLSJS(src) {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!hlsScript) {
      hlsScript = new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = src;
        s.onload = function () { resolve(window.Hls); };
        s.onerror = function () { reject(new Error('hls.js did not load')); };
        document.head.appendChild(s);
      });
    }
    return hlsScript;
  }

  function detach() {
    if (hls) { hls.destroy(); hls = null; }
    video.removeAttribute('src');
  }

  // The server's JSON error message, from a failed fetch or hls.js load.
  function serverMessage(text) {
    try { return JSON.parse(text).error || ''; } catch (e) { return ''; }
  }

  function resumeAt(at, resume) {
    if (at > 0 || resume) {
      video.addEventListener('loadedmetadata', function once() {
        video.removeEventListener('loadedmetadata', once);
        if (at > 0) video.currentTime = at;
        if (resume) video.play().catch(function () {});
      });
    }
  }

  function play(p, at, resume) {
    modeLine.textContent = p.mode === 'direct' ? msg.msgDirect : msg.msgConverting + ' ' + p.reason;
    box.dataset.mode = p.mode;
    fill(audioSelect, p.audioTracks.map(function (a) { return { value: a.index, label: a.label }; }), p.audioTrack);
    fill(qualitySelect, p.qualities.map(function (q) {
      return { value: q, label: q === 'original' ? msg.msgOriginal : q };
    }), p.quality);
    detach();
    setTracks(p.subtitles);
    if (p.mode === 'direct') {
      resumeAt(at, resume);
      video.src = p.src;
      return;
    }
    var native = video.canPlayType('application/vnd.apple.mpegurl') !== '';
    if (!window.MediaSource || !p.hlsJS) {
      if (!native) { showError(msg.msgNoHls); return; }
      resumeAt(at, resume);
      video.src = p.src;
      return;
    }
    var mine = generation;
    loadHLSJS(p.hlsJS).then(function (Hls) {
      if (mine !== generation) return;
      if (!Hls || !Hls.isSupported()) {
        if (!native) { showError(msg.msgNoHls); return; }
        resumeAt(at, resume);
        video.src = p.src;
        return;
      }
      // Play pressed while hls.js was loading: attaching a new source
      // pauses the video, so play again once the playlist is in.
      if (!video.paused) resume = true;
      // No worker: the site's CSP allows no blob: scripts.
      hls = new Hls({ enableWorker: false, startPosition: at > 0 ? at : -1, maxBufferLength: 30 });
      hls.on(Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) return;
        var xhr = data.networkDetails;
        var text = xhr && typeof xhr.responseText === 'string' ? serverMessage(xhr.responseText) : '';
        showError(text ? msg.msgFailedBecause.replace('{reason}', text) : msg.msgFailed);
      });
      if (resume) {
        hls.on(Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
      }
      hls.loadSource(p.src);
      hls.attachMedia(video);
    }, function () {
      if (native) { resumeAt(at, resume); video.src = p.src; } else { showError(msg.msgNoHls); }
    });
  }

  // load asks the server how to play with the chosen audio track and
  // quality; keep carries the position and play state over a swap.
  function load(keep) {
    // A first load starts where this viewer left the film, if they did.
    var at = keep ? video.currentTime : (parseFloat(video.dataset.resume) || 0);
    var resume = keep && !video.paused;
    var mine = ++generation;
    var q = new URLSearchParams({ caps: caps, audio: audioSelect.value || '0', quality: qualitySelect.value || 'original' });
    modeLine.textContent = msg.msgChoosing;
    fetch(msg.play + '?' + q.toString(), { credentials: 'same-origin' }).then(function (r) {
      return r.text().then(function (text) { return { ok: r.ok, status: r.status, text: text }; });
    }).then(function (res) {
      if (mine !== generation) return;
      if (!res.ok) {
        modeLine.textContent = '';
        var why = serverMessage(res.text);
        showError(why ? msg.msgFailedBecause.replace('{reason}', why) : msg.msgFailed);
        // When the server cannot decide (no ffprobe, say), the file itself
        // may still play.
        if (res.status === 500 && video.dataset.src && !video.getAttribute('src')) video.src = video.dataset.src;
        return;
      }
      var answer = JSON.parse(res.text);
      if (answer.error) {
        // Busy, or no peers yet: say so and ask again later.
        modeLine.textContent = '';
        showError(msg.msgFailedBecause.replace('{reason}', answer.error));
        setTimeout(function () { if (mine === generation) load(keep); }, (answer.retry || 10) * 1000);
        return;
      }
      videoError.hidden = true;
      play(answer, at, resume);
    }).catch(function () {
      if (mine !== generation) return;
      showError(msg.msgFailed);
    });
  }

  audioSelect.addEventListener('change', function () { load(true); });
  qualitySelect.addEventListener('change', function () { load(true); });
  // Leaving stops hls.js asking for segments, so the server's idle timer
  // ends the conversion.
  window.addEventListener('pagehide', detach);
  load(false);
})();
