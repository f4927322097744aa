// The discover page's infinite scroll: the next page of films loads as the
// viewer nears the end of the grid, and the back button returns to the same
// place, with the same pages loaded. Without script, a link loads the next
// page instead.
(function () {
  'use strict';
  // Empty fields stay out of the address, which is then worth sharing.
  var form = document.querySelector('.discover-form');
  if (form) {
    form.addEventListener('submit', function () {
      form.querySelectorAll('input, select').forEach(function (el) {
        if (el.name && el.value === '') el.disabled = true;
      });
    });
    // Back to a page whose fields were switched off for the submit.
    window.addEventListener('pageshow', function () {
      form.querySelectorAll('[disabled]').forEach(function (el) { el.disabled = false; });
    });
  }

  var grid = document.getElementById('discover-grid');
  var more = document.getElementById('discover-more');
  if (!grid) return;

  var status = more && more.querySelector('.more-status');
  var loading = false;
  var pages = 1;

  // The pages loaded and the scroll position live in history.state, so that
  // coming back to this entry rebuilds what the viewer left.
  function remember() {
    var state = Object.assign({}, history.state || {}, { discoverPages: pages, discoverY: window.scrollY });
    history.replaceState(state, '');
  }

  function card(m) {
    var li = document.createElement('li');
    li.className = 'card' + (m.watched ? ' is-watched' : '');
    var a = document.createElement('a');
    a.href = m.url;
    var cover = document.createElement('span');
    cover.className = 'card-cover';
    var img = document.createElement('img');
    img.className = 'card-poster';
    img.alt = '';
    img.loading = 'lazy';
    img.width = 200;
    img.height = 300;
    img.setAttribute('data-fallback', m.fallback);
    img.src = m.poster;
    cover.appendChild(img);
    if (m.watched) {
      var badge = document.createElement('span');
      badge.className = 'card-badge';
      badge.textContent = grid.getAttribute('data-watched');
      cover.appendChild(badge);
    }
    a.appendChild(cover);
    var title = document.createElement('span');
    title.className = 'card-title';
    title.textContent = m.title;
    a.appendChild(title);
    var meta = document.createElement('span');
    meta.className = 'card-meta';
    if (m.year) {
      var year = document.createElement('span');
      year.className = 'card-year';
      year.textContent = String(m.year);
      meta.appendChild(year);
    }
    if (m.rating) {
      var rating = document.createElement('span');
      rating.className = 'card-rating';
      rating.title = grid.getAttribute('data-rating');
      var label = document.createElement('span');
      label.className = 'visually-hidden';
      label.textContent = grid.getAttribute('data-rating') + ' ';
      rating.appendChild(label);
      rating.appendChild(document.createTextNode('★ ' + m.rating.toFixed(1)));
      meta.appendChild(rating);
    }
    a.appendChild(meta);
    li.appendChild(a);
    return li;
  }

  function done() {
    if (more) more.remove();
    more = null;
  }

  // loadNext fetches the next page and appends its films; it resolves to
  // whether a page was added.
  function loadNext() {
    if (loading || !more) return Promise.resolve(false);
    var next = more.getAttribute('data-next');
    if (!next) {
      done();
      return Promise.resolve(false);
    }
    loading = true;
    status.textContent = more.getAttribute('data-loading');
    return fetch(next, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (resp) {
        if (!resp.ok) throw new Error('HTTP ' + resp.status);
        return resp.json();
      })
      .then(function (page) {
        var seen = {};
        grid.querySelectorAll('.card a').forEach(function (a) { seen[a.getAttribute('href')] = true; });
        page.movies.forEach(function (m) {
          // A film that moved up a page since the last one loaded is
          // not shown twice.
          if (!seen[m.url]) grid.appendChild(card(m));
        });
        pages = page.page;
        status.textContent = '';
        if (page.hasMore && page.next) {
          more.setAttribute('data-next', page.next);
        } else {
          done();
        }
        remember();
        return true;
      })
      .catch(function () {
        if (status) status.textContent = more.getAttribute('data-failed');
        return false;
      })
      .finally(function () { loading = false; });
  }

  // nearEnd tells whether the sentinel is within a screen of the viewport,
  // so a page shorter than the window keeps loading.
  function nearEnd() {
    return more && more.getBoundingClientRect().top < window.innerHeight * 2;
  }

  function fill() {
    loadNext().then(function (added) {
      if (added && nearEnd()) fill();
    });
  }

  if (more && 'IntersectionObserver' in window) {
    more.querySelector('.more-link').hidden = true;
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) fill();
    }, { rootMargin: '0px 0px 600px 0px' }).observe(more);
  }

  var timer = 0;
  window.addEventListener('scroll', function () {
    clearTimeout(timer);
    timer = setTimeout(remember, 150);
  }, { passive: true });
  window.addEventListener('pagehide', remember);

  // Back from a film: load the pages the viewer had, then scroll back.
  var saved = history.state || {};
  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
  var want = saved.discoverPages || 1;
  var y = saved.discoverY || 0;
  (function restore() {
    if (pages < want && more) {
      loadNext().then(function (added) {
        if (added) restore(); else window.scrollTo(0, y);
      });
      return;
    }
    window.scrollTo(0, y);
    remember();
  })();
})();
