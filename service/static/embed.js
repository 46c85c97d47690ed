// The how-to library's embed: a compact list of suggested partners, every node built with textContent.
// <script src="https://HOST/embed.js" data-locality="E08000019" data-k="5" data-preset="" data-weights=""></script>
// It fills the width of whatever holds it. It names its weighting; each line: name (English and Chinese), score,
// a marker for an existing partner, the strongest reason about fit (the answer's first reason whose block is not
// prominence; a size sentence only when there is no other), the most important caveat, and a link to the full card
// carrying the same weighting. Below the list, a link to the full list on HOST. An unknown or ambiguous place is
// said in words, with the places it may mean as buttons.
(function () {
  var me = document.currentScript;
  if (!me) return;
  // data-lang="zh" (or a page whose <html lang> is Chinese): the box and its reasons and caveats in Chinese.
  var lang = me.getAttribute('data-lang') || (/^zh/i.test(document.documentElement.lang || '') ? 'zh' : '');
  // Every sentence the box writes, per language, from the catalogs (matcher/messages/<lang>.toml, [embed]),
  // with the preset, kind and status words: written in by the server.
  var WORDS = __EMBED_WORDS__;
  var L = WORDS[lang] || WORDS.en, S = L.embed;
  function fill(s, f) { return s.replace(/\{(\w+)\}/g, function (m, k) { return k in f ? String(f[k]) : m; }); }
  var PRESETS = L.presets;  // preset name -> its label
  var base = new URL(me.src).origin;
  var preset = me.getAttribute('data-preset') || '', weights = me.getAttribute('data-weights') || '';
  var k = me.getAttribute('data-k') || '5';
  var box = document.createElement('div');
  box.className = 'pm-embed';
  box.style.cssText = 'font:14px/1.4 system-ui,sans-serif;border:1px solid #ccd;border-radius:6px;padding:8px 12px;' +
    'width:100%;max-width:100%;box-sizing:border-box;overflow-wrap:break-word';
  me.parentNode.insertBefore(box, me.nextSibling);
  function el(tag, text, css, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (css) e.style.cssText = css; if (cls) e.className = cls; return e; }
  function zh(text) { var s = el('span', ' ' + text); s.lang = 'zh'; return s; }
  // In Chinese, a run of Latin letters inside a reason or caveat is a name or a quotation in its source's
  // language: marked lang="en" (the Chinese catalog has no English words of its own).
  var LATIN = /[A-Za-z][\x20-\x7E\u00C0-\u024F\u2013\u2014\u2018\u2019]*[A-Za-z0-9)]|[A-Za-z]/g;
  function words(text, css, cls) {
    var e = el('div', lang === 'zh' ? null : text, css, cls), at = 0, m;
    if (lang !== 'zh') return e;
    LATIN.lastIndex = 0;
    while ((m = LATIN.exec(text)) !== null) {
      if (m.index > at) e.appendChild(document.createTextNode(text.slice(at, m.index)));
      var q = el('span', m[0]); q.lang = 'en'; e.appendChild(q); at = m.index + m[0].length;
    }
    if (at < text.length) e.appendChild(document.createTextNode(text.slice(at)));
    return e;
  }
  function name(l) { return lang === 'zh' && l.name_zh ? l.name_zh : l.name; }
  function state(locality) {
    var p = new URLSearchParams(); p.set('locality', locality); p.set('k', k);
    if (preset) p.set('preset', preset); if (weights) p.set('weights', weights);
    if (lang) p.set('lang', lang);
    return p;
  }
  // The strongest reason about fit: by the answer's reason_blocks when it has them, else by the wording.
  var NOT_FIT = /^(Prominence, not fit|Capacity to engage \(not fit\))/, SIZE = /^(Population |A size gap )/;
  function strongest(r) {
    var blocks = r.reason_blocks && r.reason_blocks.length === r.reasons.length ? r.reason_blocks : null, i, size = null;
    for (i = 0; i < r.reasons.length; i++) {
      var b = blocks ? blocks[i] : (NOT_FIT.test(r.reasons[i]) ? 'prominence' : 'fit');
      if (b === 'prominence') continue;
      if (SIZE.test(r.reasons[i])) { if (size === null) size = r.reasons[i]; continue; }
      return r.reasons[i];
    }
    return size !== null ? size : r.reasons[0];
  }
  function cardLink(q, id) {
    var p = state(q); p.delete('locality'); p.delete('k'); p.set('a', q); p.set('b', id);
    return base + '/card?' + p.toString();
  }
  function weightingWords() {
    return S.weighting + (PRESETS[preset || 'balanced'] || preset) + (weights ? S.custom + weights.replace(/,/g, ', ') : '');
  }
  function choices(d, list) {
    var p = el('p', null, 'margin:4px 0', 'pm-choices');
    list.forEach(function (s) {
      var b = el('button', (s.qualified || s.name) + (s.name_zh ? ' ' + s.name_zh : '') + ' (' + (S['country_' + s.country] || s.country) + ')',
        'margin:4px 6px 0 0;padding:4px 10px;min-height:28px;font:inherit;cursor:pointer', 'pm-suggestion');
      b.type = 'button';
      b.onclick = function () { load(s.id); };
      p.appendChild(b);
    });
    return p;
  }
  function showError(status, d, asked) {
    if (status === 404 && d.suggestions) {
      box.appendChild(el('p', fill(S.unknown, {q: asked}), 'margin:4px 0', 'pm-error'));
      if (d.suggestions.length) { box.appendChild(el('span', S.did_you_mean)); box.appendChild(choices(d, d.suggestions)); }
    } else if (status === 409 && d.candidates) {
      box.appendChild(el('p', fill(S.ambiguous, {q: asked}) + ' ' + S.which, 'margin:4px 0', 'pm-error'));
      box.appendChild(choices(d, d.candidates));
    } else if (status === 422) {
      box.appendChild(el('p', S.invalid + (d.detail || ''), 'margin:4px 0', 'pm-error'));
    } else {
      box.appendChild(el('p', S.error + (d.detail || status), 'margin:4px 0', 'pm-error'));
    }
  }
  function load(locality) {
    box.replaceChildren();
    // The answer in the box's language, whatever the browser's Accept-Language says.
    fetch(base + '/v1/recommendations?' + state(locality).toString() + (lang ? '' : '&lang=en'))
      .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, status: r.status, d: d}; }); })
      .then(function (res) {
        if (!res.ok) { showError(res.status, res.d, locality); return; }
        var d = res.d;
        var head = el('strong', fill(S.title, {place: name(d.query)})); if (d.query.name_zh && lang !== 'zh') head.appendChild(zh(d.query.name_zh));
        box.appendChild(head);
        box.appendChild(el('div', weightingWords(), 'color:#555;font-size:12px', 'pm-weighting'));
        var ol = el('ol', null, 'padding-left:20px;margin:6px 0');
        d.results.forEach(function (r) {
          var li = el('li', null, 'margin-bottom:6px');
          li.setAttribute('data-id', r.locality.id);
          var a = el('a', lang === 'zh' && r.locality.name_zh ? r.locality.name_zh : r.locality.qualified || r.locality.name);
          if (r.locality.name_zh && lang !== 'zh') a.appendChild(zh(r.locality.name_zh));
          a.href = cardLink(d.query.id, r.locality.id);
          a.target = '_blank'; a.rel = 'noopener';
          li.appendChild(a);
          li.appendChild(el('span', S.score + r.score.toFixed(2), 'color:#555'));
          if (r.partnership) {
            var p = r.partnership;
            li.appendChild(el('div', S.partner + ((lang === 'zh' && L.kinds[p.kind]) || p.kind.replace(/_/g, ' ')) +
              (p.year_signed ? fill(S.since, {year: p.year_signed}) : '') + S.open + ((lang === 'zh' && L.statuses[p.status]) || p.status) + S.close, 'color:#6b21a8;font-size:12px;font-weight:600', 'pm-partner'));
          }
          if (r.reasons.length) li.appendChild(words(strongest(r), 'color:#333;font-size:12px', 'pm-reason'));
          var caveats = r.caveats.filter(function (c) { return c.indexOf(S.already_partnered) !== 0; });
          if (caveats.length) li.appendChild(words('⚠ ' + caveats[0], 'color:#9a3412;font-size:12px', 'pm-caveat'));
          ol.appendChild(li);
        });
        box.appendChild(ol);
        var full = state(d.query.id); full.delete('k');
        var more = el('a', S.full_list, 'display:inline-block;min-height:24px;padding:2px 0', 'pm-full');
        more.href = base + '/?' + full.toString(); more.target = '_blank'; more.rel = 'noopener';
        box.appendChild(more);
      })
      .catch(function () { box.replaceChildren(el('p', S.unavailable)); });
  }
  load(me.getAttribute('data-locality') || '');
})();
