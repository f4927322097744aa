// Posters from catalogs may be gone; swap a broken one for the site's
// generated placeholder, once.
(function () {
  'use strict';
  function fallback(img) {
    var src = img.getAttribute('data-fallback');
    if (src && img.getAttribute('src') !== src) {
      img.setAttribute('src', src);
    }
  }
  document.addEventListener('error', function (e) {
    if (e.target instanceof HTMLImageElement) fallback(e.target);
  }, true);
  document.querySelectorAll('img[data-fallback]').forEach(function (img) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute('src')) fallback(img);
  });
})();
