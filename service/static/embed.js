// The how-to library's embed: a compact list of suggested partners, every node built with textContent.
(function () {
  var me = document.currentScript;
  if (!me) return;
  var base = new URL(me.src).origin;
  var id = me.getAttribute('data-locality') || '';
  var k = me.getAttribute('data-k') || '5';
  var box = document.createElement('div');
  box.className = 'pm-embed';
  box.style.cssText = 'font:14px/1.4 system-ui,sans-serif;border:1px solid #ccd;border-radius:6px;padding:8px 12px;max-width:520px';
  me.parentNode.insertBefore(box, me.nextSibling);
  function el(tag, text, css) { var e = document.createElement(tag); if (text) e.textContent = text; if (css) e.style.cssText = css; return e; }
  fetch(base + '/v1/recommendations?locality=' + encodeURIComponent(id) + '&k=' + encodeURIComponent(k))
    .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, d: d}; }); })
    .then(function (res) {
      if (!res.ok) { box.appendChild(el('p', 'Recommendations unavailable: ' + (res.d.detail || 'error'))); return; }
      var d = res.d;
      box.appendChild(el('strong', 'Suggested partners for ' + d.query.name));
      var ol = el('ol', null, 'padding-left:20px;margin:6px 0');
      d.results.forEach(function (r) {
        var li = el('li');
        var a = el('a', r.locality.name + (r.locality.name_zh ? ' ' + r.locality.name_zh : ''));
        a.href = base + '/card?a=' + encodeURIComponent(d.query.id) + '&b=' + encodeURIComponent(r.locality.id);
        a.target = '_blank'; a.rel = 'noopener';
        li.appendChild(a);
        li.appendChild(el('span', ' · score ' + r.score.toFixed(2), 'color:#666'));
        if (r.reasons.length) li.appendChild(el('div', r.reasons[0], 'color:#333;font-size:12px'));
        ol.appendChild(li);
      });
      box.appendChild(ol);
    })
    .catch(function () { box.appendChild(el('p', 'Recommendations unavailable (this site may not be allowed to embed them).')); });
})();
