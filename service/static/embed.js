// The how-to library's embed: a compact list of suggested partners, every node built with textContent.
// <script src="https://HOST/embed.js" data-locality="E08000019" data-k="5" data-preset="" data-weights=""></script>
// It fills the width of whatever holds it. Each line: name (English and Chinese), score, a marker for an
// existing partner, the strongest reason about fit (not the size or prominence sentence when another exists), the most
// important caveat, and a link to the full card carrying the same weighting.
(function () {
  var me = document.currentScript;
  if (!me) return;
  var base = new URL(me.src).origin;
  var state = new URLSearchParams();
  state.set('locality', me.getAttribute('data-locality') || '');
  state.set('k', me.getAttribute('data-k') || '5');
  ['preset', 'weights'].forEach(function (key) { var v = me.getAttribute('data-' + key); if (v) state.set(key, v); });
  var box = document.createElement('div');
  box.className = 'pm-embed';
  box.style.cssText = 'font:14px/1.4 system-ui,sans-serif;border:1px solid #ccd;border-radius:6px;padding:8px 12px;' +
    'width:100%;max-width:100%;box-sizing:border-box;overflow-wrap:anywhere';
  me.parentNode.insertBefore(box, me.nextSibling);
  function el(tag, text, css, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (css) e.style.cssText = css; if (cls) e.className = cls; return e; }
  // The strongest reason about fit: a size or prominence sentence only when there is nothing else.
  var NOT_FIT = /^(Population |Prominence, not fit)/;
  function strongest(reasons) {
    for (var i = 0; i < reasons.length; i++) if (!NOT_FIT.test(reasons[i])) return reasons[i];
    return reasons[0];
  }
  function cardLink(q, id) {
    var p = new URLSearchParams(state); p.delete('locality'); p.delete('k'); p.set('a', q); p.set('b', id);
    return base + '/card?' + p.toString();
  }
  fetch(base + '/v1/recommendations?' + state.toString())
    .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, d: d}; }); })
    .then(function (res) {
      if (!res.ok) { box.appendChild(el('p', 'Recommendations unavailable: ' + (res.d.detail || 'error'))); return; }
      var d = res.d;
      box.appendChild(el('strong', 'Suggested partners for ' + d.query.name + (d.query.name_zh ? ' ' + d.query.name_zh : '')));
      var ol = el('ol', null, 'padding-left:20px;margin:6px 0');
      d.results.forEach(function (r) {
        var li = el('li', null, 'margin-bottom:6px');
        li.setAttribute('data-id', r.locality.id);
        var a = el('a', (r.locality.qualified || r.locality.name) + (r.locality.name_zh ? ' ' + r.locality.name_zh : ''));
        a.href = cardLink(d.query.id, r.locality.id);
        a.target = '_blank'; a.rel = 'noopener';
        li.appendChild(a);
        li.appendChild(el('span', ' · score ' + r.score.toFixed(2), 'color:#666'));
        if (r.partnership) {
          var p = r.partnership;
          li.appendChild(el('div', '★ Existing partner: ' + p.kind.replace(/_/g, ' ') + (p.year_signed ? ' since ' + p.year_signed : '') +
            ' (' + p.status + ')', 'color:#6b21a8;font-size:12px;font-weight:600', 'pm-partner'));
        }
        if (r.reasons.length) li.appendChild(el('div', strongest(r.reasons), 'color:#333;font-size:12px', 'pm-reason'));
        var caveats = r.caveats.filter(function (c) { return !/^Already partnered/.test(c); });
        if (caveats.length) li.appendChild(el('div', '⚠ ' + caveats[0], 'color:#9a3412;font-size:12px', 'pm-caveat'));
        ol.appendChild(li);
      });
      box.appendChild(ol);
    })
    .catch(function () { box.appendChild(el('p', 'Recommendations unavailable (this site may not be allowed to embed them).')); });
})();
