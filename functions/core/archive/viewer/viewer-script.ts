/**
 * The viewer's only script, inlined into index.html and allowed by its sha256 in the page's CSP.
 * Plain ES2020 text rather than compiled TypeScript: the page must not depend on a bundler's
 * output (which would change the hash from build to build), and the project's type check has no
 * DOM library. It is covered by the browser tests in test/e2e/viewer.test.ts.
 *
 * Rules it keeps: player data only ever reaches the page as text (createTextNode, textContent,
 * setAttribute on fixed attribute names), never as markup; it fetches nothing; only the page of
 * rows on screen is in the DOM. Links are made only to http(s) and mailto addresses (the privacy
 * policy, contacts) and to the archive's own files.
 *
 * What it shows: field labels (raw names beside them), values as people read them (dates and
 * times in the archive's named zone, yes/no, labels of enumerated values, nested parts as nested
 * lists), each source's field guide, the Art. 15 facts of each category and the rights section,
 * all in the player's language from the data block (ViewerData).
 */
export const VIEWER_SCRIPT = String.raw`(function () {
  'use strict';
  var PAGE_SIZE = 50;
  // Numbers keep their exact text (store decimals can exceed what a double holds).
  var doc = JSON.parse(document.getElementById('data').textContent, function (key, value, context) {
    if (typeof value === 'number' && context && typeof context.source === 'string' && String(value) !== context.source) {
      return context.source;
    }
    return value;
  });
  var m = doc.messages;
  var loc = doc.formatLocale;
  var zone = doc.timeZone || 'UTC';
  var plural = new Intl.PluralRules(loc);
  var numbers = new Intl.NumberFormat(loc);
  var has = Object.prototype.hasOwnProperty;

  function t(key, values) {
    return m[key].replace(/\{(\w+)\}/g, function (whole, name) {
      return values && has.call(values, name) ? String(values[name]) : whole;
    });
  }
  function count(n) {
    return numbers.format(Number(n));
  }
  function recordsText(n) {
    return t(plural.select(Number(n)) === 'one' ? 'recordsOne' : 'recordsOther', { count: count(n) });
  }
  // Builds an element; every value reaches the page as an attribute value or a text node.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
  function text(v) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) {
      var parts = v.map(text);
      return v.some(isObject) ? '[' + parts.join(', ') + ']' : parts.join(', ');
    }
    if (isObject(v)) {
      return '{' + Object.keys(v).map(function (k) { return k + ': ' + text(v[k]); }).join(', ') + '}';
    }
    return String(v);
  }
  // Only web and mail addresses become links; anything else stays text.
  function safeHref(url) {
    return typeof url === 'string' && /^(https?:\/\/|mailto:)/i.test(url) ? url : null;
  }
  function link(url, label) {
    var href = safeHref(url);
    return href ? el('a', { href: href }, [label || url]) : el('span', { dir: 'auto' }, [label || text(url)]);
  }
  function withSeparators(nodes, separator) {
    return nodes.reduce(function (out, node, i) { return i === 0 ? [node] : out.concat([separator, node]); }, []);
  }

  // Dates and times. A date and time is shown in the archive's zone, which is named beside it;
  // a date alone is a calendar date and is never shifted by a zone.
  var dateTimeFormat = new Intl.DateTimeFormat(loc, {
    year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: zone, timeZoneName: 'short',
  });
  var longDateTimeFormat = new Intl.DateTimeFormat(loc, {
    year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: zone, timeZoneName: 'short',
  });
  var dateFormat = new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeZone: 'UTC' });
  function dateTimeText(iso, format) {
    if (typeof iso !== 'string') return null;
    var d = new Date(iso);
    return isNaN(d.getTime()) ? null : (format || dateTimeFormat).format(d);
  }
  function dateText(value) {
    var match = typeof value === 'string' && /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!match) return dateTimeText(value);
    var d = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    return isNaN(d.getTime()) ? null : dateFormat.format(d);
  }
  function numberText(value) {
    var raw = String(value);
    var match = /^-?\d+(?:\.(\d+))?$/.exec(raw);
    if (!match) return null;
    try {
      // A decimal string is formatted exactly (Intl.NumberFormat v3), never through a float.
      return new Intl.NumberFormat(loc, { maximumFractionDigits: Math.min(100, (match[1] || '').length), useGrouping: 'min2' }).format(raw);
    } catch (e) {
      return null;
    }
  }
  function bytes(n) {
    var units = [['byte', 1], ['kilobyte', 1024], ['megabyte', 1048576], ['gigabyte', 1073741824]];
    var unit = units[0];
    units.forEach(function (u) { if (n >= u[1]) unit = u; });
    return new Intl.NumberFormat(loc, { style: 'unit', unit: unit[0], maximumFractionDigits: 1 }).format(n / unit[1]);
  }
  var regions = null;
  try { regions = new Intl.DisplayNames(loc, { type: 'region' }); } catch (e) { /* old browser: codes stay codes */ }
  function countryName(code) {
    if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code) || !regions) return code;
    try { return regions.of(code) || code; } catch (e) { return code; }
  }

  // Field guide: labels, descriptions and value labels of a source's declared fields.
  function guideMap(entries) {
    var map = {};
    (entries || []).forEach(function (f) { if (f && typeof f.name === 'string') map[f.name] = f; });
    return map;
  }
  function fieldName(name, guide) {
    var label = guide && guide.label;
    return [el('span', { class: 'label', dir: 'auto' }, [label || name]), label && label !== name ? ' ' : null,
      label && label !== name ? el('code', { class: 'raw', dir: 'ltr' }, [name]) : null];
  }
  // A value as the player reads it: labels for enumerations, local dates, yes/no, nested parts.
  // The raw value stays in a title and in the search.
  function shown(value, guide) {
    if (value === null || value === undefined) return el('span', { class: 'empty-value' }, ['']);
    var type = guide && guide.type;
    if (Array.isArray(value)) {
      var item = guide && guide.items;
      if (value.length === 0) return el('span', null, ['']);
      return el('ul', { class: 'nested-list' }, value.map(function (v) { return el('li', null, [shown(v, item)]); }));
    }
    if (isObject(value)) {
      var parts = guideMap(guide && guide.fields);
      var keys = guide && guide.fields ? guide.fields.map(function (f) { return f.name; }).filter(function (k) { return has.call(value, k); }) : [];
      Object.keys(value).forEach(function (k) { if (keys.indexOf(k) === -1) keys.push(k); });
      if (keys.length === 0) return el('span', null, ['']);
      return el('dl', { class: 'nested' }, keys.reduce(function (out, k) {
        var part = has.call(parts, k) ? parts[k] : undefined;
        return out.concat([el('dt', null, fieldName(k, part)), el('dd', null, [shown(value[k], part)])]);
      }, []));
    }
    var raw = String(value);
    var formatted = null;
    var tag = 'span';
    if (guide && guide.values && typeof value === 'string' && has.call(guide.values, value)) {
      formatted = guide.values[value];
    } else if (typeof value === 'boolean') {
      formatted = t(value ? 'yes' : 'no');
    } else if (type === 'datetime') {
      formatted = dateTimeText(value);
      tag = 'time';
    } else if (type === 'date') {
      formatted = dateText(value);
      tag = 'time';
    } else if (type === 'integer' || type === 'number') {
      formatted = numberText(value);
    }
    if (formatted === null || formatted === raw) return el('span', { dir: 'auto' }, [raw]);
    var attrs = { title: raw, 'data-raw': raw, dir: 'auto' };
    if (tag === 'time') attrs.datetime = raw;
    return el(tag, attrs, [formatted]);
  }
  function cell(value, guide) {
    return el('td', null, [el('div', { class: 'cell' }, [shown(value, guide)])]);
  }

  // A wide table scrolls inside its own region, which the keyboard can reach and scroll.
  function scrollRegion(label, table) {
    return el('div', { class: 'scroll', role: 'region', tabindex: '0', 'aria-label': label }, [table]);
  }
  function table(head, rows, className) {
    return el('table', className ? { class: className } : null, [
      el('thead', null, [el('tr', null, head.map(function (h) { return el('th', { scope: 'col' }, [h]); }))]),
      el('tbody', null, rows),
    ]);
  }

  // Policy references cited by a text: "See: Privacy policy §6.5 Retention", each a link.
  function cited(c) {
    if (c === null || c === undefined) return null;
    if (!isObject(c)) return el('span', { dir: 'auto' }, [text(c)]);
    var refs = Array.isArray(c.references) ? c.references : [];
    var links = refs.map(function (r) {
      var label = [r.policy, r.section, r.title].filter(function (p) { return p; }).join(' ');
      return link(r.url, label);
    });
    return el('span', { class: 'cited' }, [
      el('span', { dir: 'auto' }, [text(c.text)]),
      links.length ? ' ' : null,
      links.length ? el('small', { class: 'refs' }, [t('seePolicy') + ' '].concat(withSeparators(links, '; '))) : null,
    ]);
  }
  function article(a) {
    return t('articleRef', { article: String(a).replace(/^\s*art(icle)?\.?\s*/i, '') });
  }

  function statusText(category) {
    if (category.status === 'exported') return recordsText(category.records);
    if (category.status === 'none held') return t('statusNoneHeld');
    if (category.status === 'not stored') return t('statusNotStored');
    return String(category.status);
  }
  function explanation(category) {
    if (category.status === 'none held') return t('statusNoneHeldExplained');
    if (category.status === 'not stored') return t('statusNotStoredExplained');
    return null;
  }

  // Art. 15 facts of a category.
  var sourceKinds = { 'the player': 'sourceThePlayer', observed: 'sourceObserved', derived: 'sourceDerived', 'third party': 'sourceThirdParty' };
  function list(items, format) {
    if (!Array.isArray(items)) return text(items);
    if (items.length === 0) return t('none');
    return el('ul', null, items.map(function (item) { return el('li', null, [format(item)]); }));
  }
  function dashed(parts) {
    return withSeparators(parts.filter(function (p) { return p !== undefined && p !== null && p !== ''; }), ' — ');
  }
  function factValue(key, v) {
    switch (key) {
      case 'portability':
        return t(v ? 'portabilityYes' : 'portabilityNo');
      case 'purposes':
        return list(v, cited);
      case 'legalBasis':
        return isObject(v) ? el('span', null, dashed([v.article ? article(v.article) : null, cited(v.text)])) : text(v);
      case 'recipients':
        return list(v, function (r) {
          return isObject(r) ? el('span', null, dashed([el('span', { dir: 'auto' }, [text(r.name)]), cited(r.role), r.countryName || countryName(r.country)])) : text(r);
        });
      case 'retention':
        return isObject(v) ? el('span', null, dashed([v.periodText || v.period, cited(v.rule)])) : text(v);
      case 'source':
        if (!isObject(v)) return text(v);
        return el('span', null, dashed([v.kindText || (sourceKinds[v.kind] ? t(sourceKinds[v.kind]) : v.kind), cited(v.text)]));
      case 'automatedDecision':
        if (v === null || v === undefined) return t('noAutomatedDecision');
        if (!isObject(v)) return text(v);
        return el('dl', null, ['logic', 'significance', 'consequences', 'humanReview'].reduce(function (out, k) {
          return v[k] ? out.concat([el('dt', null, [t(k)]), el('dd', null, [cited(v[k])])]) : out;
        }, []));
      case 'thirdCountryTransfers':
        return list(v, function (x) { return isObject(x) ? el('span', null, dashed([countryName(x.country), cited(x.safeguard)])) : text(x); });
      default:
        return text(v);
    }
  }
  var FACTS = ['purposes', 'legalBasis', 'recipients', 'retention', 'source', 'automatedDecision', 'thirdCountryTransfers', 'portability'];
  function facts(category) {
    var f = isObject(category.facts) ? Object.assign({}, category.facts) : {};
    if (typeof category.portability === 'boolean') f.portability = category.portability;
    var items = [];
    FACTS.forEach(function (k) {
      if (!has.call(f, k)) return;
      items.push(el('dt', null, [t(k)]));
      items.push(el('dd', { 'data-fact': k }, [factValue(k, f[k])]));
    });
    if (items.length === 0) return null;
    return el('details', { class: 'facts', open: '' }, [el('summary', null, [t('factsHeading')]), el('dl', null, items)]);
  }

  // The field guide of a source: label, raw name, description and allowed values of each field.
  function guideList(entries) {
    return el('ul', { class: 'guide' }, entries.map(function (f) {
      var parts = f.fields || (f.items && f.items.fields);
      var values = f.values || (f.items && f.items.values);
      return el('li', { 'data-field': f.name }, [
        el('span', { class: 'label', dir: 'auto' }, [f.label || f.name]),
        f.name ? ' ' : null,
        f.name ? el('code', { class: 'raw', dir: 'ltr', title: t('rawName') }, [f.name]) : null,
        f.description ? el('span', { class: 'description', dir: 'auto' }, [' — ' + f.description]) : null,
        values && Object.keys(values).length ? el('div', { class: 'values' }, [t('allowedValues') + ' '].concat(withSeparators(Object.keys(values).map(function (raw) {
          return el('span', { class: 'value' }, [el('span', { dir: 'auto' }, [values[raw]]), ' ', el('code', { class: 'raw', dir: 'ltr' }, [raw])]);
        }), ', '))) : null,
        parts && parts.length ? guideList(parts) : null,
      ]);
    }));
  }
  function fieldGuide(source) {
    if (!Array.isArray(source.fields) || source.fields.length === 0) return null;
    return el('details', { class: 'field-guide', 'data-source': source.id }, [
      el('summary', null, [t('fieldGuide')]),
      el('p', { class: 'muted' }, [t('fieldGuideIntro')]),
      guideList(source.fields),
    ]);
  }

  function statusLabel(summary, source, status) {
    if (status === null || status === undefined || status === '') return t('noStatus');
    var guide = summary.statusField ? guideMap(source.fields)[summary.statusField] : undefined;
    return guide && guide.values && has.call(guide.values, status) ? guide.values[status] : String(status);
  }
  function moneyTotals(summary, source) {
    var byStatus = summary.totals.some(function (x) { return has.call(x, 'status'); });
    var statusGuide = summary.statusField ? guideMap(source.fields)[summary.statusField] : undefined;
    var rows = summary.totals.map(function (x) {
      var amount = x.total + ' ' + x.currency;
      try {
        // A decimal string is formatted exactly (Intl.NumberFormat v3), never through a float.
        amount = new Intl.NumberFormat(loc, { style: 'currency', currency: x.currency }).format(x.total);
      } catch (e) { /* not an ISO 4217 code: keep the plain text */ }
      var cells = [];
      if (byStatus) cells.push(el('td', { 'data-status': x.status === null ? '' : x.status }, [statusLabel(summary, source, x.status)]));
      return el('tr', null, cells.concat([
        el('td', null, [x.currency]),
        el('td', { class: 'num' }, [count(x.count)]),
        el('td', { class: 'num', 'data-exact': x.total, 'data-currency': x.currency }, [amount]),
      ]));
    });
    var head = (byStatus ? [statusGuide && statusGuide.label ? statusGuide.label : t('status')] : []).concat([t('currency'), t('purchases'), t('total')]);
    var heading = byStatus ? t('totalsByStatusHeading') : t('totalsHeading');
    return el('div', { class: 'summary totals' }, [el('h3', null, [heading]), scrollRegion(heading, table(head, rows))]);
  }
  function timeline(summary) {
    var max = summary.months.reduce(function (a, x) { return Math.max(a, Number(x.playSeconds)); }, 0) || 1;
    var hours = new Intl.NumberFormat(loc, { style: 'unit', unit: 'hour', maximumFractionDigits: 1 });
    var month = new Intl.DateTimeFormat(loc, { year: 'numeric', month: 'short', timeZone: 'UTC' });
    var rows = summary.months.map(function (x) {
      var parts = x.month.split('-');
      var bar = el('div', { class: 'bar' });
      // CSSOM, not a style attribute: allowed under the page's hash-only style-src.
      bar.style.width = ((100 * Number(x.playSeconds)) / max).toFixed(1) + '%';
      return el('tr', { 'data-month': x.month }, [
        el('th', { scope: 'row' }, [month.format(Date.UTC(Number(parts[0]), Number(parts[1]) - 1, 1))]),
        el('td', null, [el('div', { class: 'bar-line' }, [el('div', { class: 'track' }, [bar]), el('span', null, [hours.format(Number(x.playSeconds) / 3600)])])]),
        el('td', { class: 'num' }, [count(x.matches)]),
        el('td', { class: 'num' }, [[x.wins, x.losses, x.draws].map(count).join(' / ')]),
      ]);
    });
    return el('div', { class: 'summary timeline' }, [
      el('h3', null, [t('timelineHeading')]),
      scrollRegion(t('timelineHeading'), table([t('month'), t('playTime'), t('matches'), t('winsLossesDraws')], rows)),
    ]);
  }

  function fileLink(path) {
    return el('a', { href: path, dir: 'ltr' }, [path]);
  }

  // Cells hold at most a few lines and scroll beyond: those that do scroll get a tab stop.
  function markScrollingCells(root) {
    var cells = root.querySelectorAll('.cell');
    var scrolling = [];
    for (var i = 0; i < cells.length; i++) {
      var c = cells[i];
      scrolling.push(c.scrollHeight > c.clientHeight + 1 || c.scrollWidth > c.clientWidth + 1);
    }
    scrolling.forEach(function (s, i) {
      if (s) cells[i].setAttribute('tabindex', '0');
      else cells[i].removeAttribute('tabindex');
    });
  }

  function records(source, title, regionLabel) {
    var rows = doc.rows[source.id] || [];
    var guide = guideMap(source.fields);
    var block = el('div', { class: 'records', 'data-source': source.id });
    if (rows.length < Number(source.records)) {
      block.appendChild(el('p', { class: 'preview-note' }, withSeparators(
        t('previewNote', { shown: count(rows.length), total: count(source.records), files: '\u0000' }).split('\u0000').map(function (part, i) {
          return i === 0 ? part : el('span', null, withSeparators(source.files.map(fileLink), ', ').concat([part]));
        }), '')));
    }
    if (rows.length === 0) return block;
    if (rows.length === 1 && Number(source.records) === 1) {
      // One record (the account): a field/value list reads better than a one-row table.
      block.appendChild(scrollRegion(regionLabel, table([t('field'), t('value')], source.columns.map(function (c) {
        return el('tr', { 'data-field': c }, [el('th', { scope: 'row' }, fieldName(c, guide[c])), cell(rows[0][c], guide[c])]);
      }), 'single')));
      return block;
    }
    var search = el('input', { type: 'search', class: 'search', 'aria-label': t('searchIn', { category: title }), placeholder: t('search') });
    var status = el('span', { class: 'match-count', role: 'status' });
    var tbody = el('tbody');
    var prev = el('button', { type: 'button', class: 'prev' }, [t('previous')]);
    var next = el('button', { type: 'button', class: 'next' }, [t('next')]);
    var pageLabel = el('span', { class: 'page' });
    var haystack = null;
    var shownRows = rows.map(function (_, i) { return i; });
    var page = 0;

    function row(r) {
      return el('tr', null, source.columns.map(function (c) { return cell(r[c], guide[c]); }));
    }
    function render() {
      var pages = Math.max(1, Math.ceil(shownRows.length / PAGE_SIZE));
      page = Math.min(page, pages - 1);
      var slice = shownRows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
      tbody.replaceChildren.apply(tbody, slice.length === 0
        ? [el('tr', { class: 'empty' }, [el('td', { colspan: String(source.columns.length) }, [t('noRows')])])]
        : slice.map(function (i) { return row(rows[i]); }));
      status.textContent = t('matchingRows', { count: count(shownRows.length) });
      pageLabel.textContent = t('pageOf', { page: count(page + 1), pages: count(pages) });
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      if (document.body.contains(tbody)) markScrollingCells(tbody);
    }
    search.addEventListener('input', function () {
      var q = search.value.trim().toLocaleLowerCase();
      // Both what the file holds and what the page shows ("refunded" and its label) are found.
      haystack = haystack || rows.map(function (r) { return (text(r) + '\n' + row(r).textContent).toLocaleLowerCase(); });
      shownRows = [];
      haystack.forEach(function (h, i) { if (!q || h.indexOf(q) !== -1) shownRows.push(i); });
      page = 0;
      render();
    });
    prev.addEventListener('click', function () { page--; render(); });
    next.addEventListener('click', function () { page++; render(); });

    block.appendChild(el('div', { class: 'tools' }, [search, status]));
    var head = el('thead', null, [el('tr', null, source.columns.map(function (c) {
      return el('th', { scope: 'col', 'data-field': c }, fieldName(c, guide[c]));
    }))]);
    block.appendChild(scrollRegion(regionLabel, el('table', { class: 'data' }, [head, tbody])));
    block.appendChild(el('div', { class: 'pager' }, [prev, pageLabel, next]));
    render();
    return block;
  }

  function categorySection(category) {
    var why = explanation(category);
    var sources = category.sources || [];
    var children = [
      el('h2', { id: 'h-' + category.id }, [category.title]),
      category.description ? el('p', { class: 'description', dir: 'auto' }, [category.description]) : null,
      el('p', { class: 'status', 'data-status': category.status }, [statusText(category), why ? ': ' : null, why]),
      facts(category),
    ];
    sources.forEach(function (source) {
      var label = category.title;
      if (sources.length > 1) {
        label = category.title + ' — ' + (source.description || source.id);
        children.push(el('h3', { class: 'source-heading' }, [source.description || source.id]));
      } else if (source.description) {
        children.push(el('p', { class: 'source-description', dir: 'auto' }, [source.description]));
      }
      var summary = source.summary;
      if (summary && summary.kind === 'money' && summary.totals && summary.totals.length) children.push(moneyTotals(summary, source));
      if (summary && summary.kind === 'timeline' && summary.months && summary.months.length) children.push(timeline(summary));
      children.push(records(source, category.title, label));
      children.push(fieldGuide(source));
    });
    return el('section', { id: 'cat-' + category.id, class: 'category', 'data-category': category.id, 'aria-labelledby': 'h-' + category.id }, children);
  }

  function overview() {
    var categories = doc.categories.map(function (c) {
      return el('tr', { 'data-category': c.id }, [
        el('th', { scope: 'row' }, [el('a', { href: '#cat-' + c.id }, [c.title])]),
        el('td', { 'data-status': c.status }, [statusText(c)]),
        el('td', null, withSeparators(c.files.map(fileLink), ', ')),
      ]);
    });
    var files = doc.files.map(function (f) {
      return el('tr', null, [
        el('td', null, [fileLink(f.path)]),
        el('td', { class: 'num' }, [f.records === null ? '' : count(f.records)]),
        el('td', { class: 'num' }, [bytes(Number(f.bytes))]),
      ]);
    });
    var made = el('time', { datetime: doc.generatedAt }, [dateTimeText(doc.generatedAt, longDateTimeFormat) || String(doc.generatedAt)]);
    return el('section', { id: 'overview' }, [
      el('h2', null, [t('overview')]),
      el('dl', { class: 'meta' }, [
        el('dt', null, [t('player')]), el('dd', { dir: 'auto' }, [doc.username]),
        el('dt', null, [t('generatedAt')]), el('dd', null, [made]),
        el('dt', null, [t('requestId')]), el('dd', { class: 'request-id' }, [doc.requestId]),
      ]),
      el('p', { class: 'tz-note' }, [t('timeZoneNote', { timeZone: zone })]),
      el('h3', null, [t('categories')]),
      scrollRegion(t('categories'), table([t('category'), t('status'), t('files')], categories, 'categories')),
      el('h3', null, [t('contents')]),
      scrollRegion(t('contents'), table([t('files'), t('recordsHeading'), t('size')], files, 'files')),
    ]);
  }

  // Who to contact, and how to use each right, from the privacy notice in the player's language.
  function contact(c, extra) {
    if (!isObject(c)) return null;
    var rows = [];
    function add(label, value) {
      if (value === null || value === undefined || value === '') return;
      rows.push(el('dt', null, [label]), el('dd', null, [value]));
    }
    add(t('address'), c.address ? el('span', { class: 'address', dir: 'auto' }, [c.address]) : null);
    add(t('email'), c.email ? link('mailto:' + c.email, c.email) : null);
    add(t('website'), c.url ? link(c.url) : null);
    (extra || []).forEach(function (x) { add(x[0], x[1]); });
    return el('div', { class: 'contact' }, [
      el('p', { class: 'contact-name', dir: 'auto' }, [text(c.name)]),
      rows.length ? el('dl', { class: 'meta' }, rows) : null,
    ]);
  }
  function rightsSection(notice) {
    if (!isObject(notice)) return null;
    var rights = isObject(notice.rights) ? notice.rights : {};
    var children = [el('h2', { id: 'h-rights' }, [t('rightsHeading')])];
    if (rights.summary) children.push(el('p', { dir: 'auto' }, [rights.summary]));
    if (Array.isArray(rights.items) && rights.items.length) {
      children.push(el('ul', { class: 'rights' }, rights.items.map(function (r) {
        return el('li', { 'data-article': r.article }, [
          el('h3', null, [text(r.name), r.article ? el('span', { class: 'article' }, [' (' + article(r.article) + ')']) : null]),
          el('p', null, [cited(r.text)]),
          r.how ? el('p', { class: 'how' }, [el('strong', null, [t('howToUse') + ': ']), el('span', { dir: 'auto' }, [r.how])]) : null,
        ]);
      })));
    }
    if (rights.howToExercise) {
      children.push(el('h3', null, [t('howToExerciseHeading')]), el('p', { class: 'how-to-exercise', dir: 'auto' }, [rights.howToExercise]));
    }
    var controller = notice.controller;
    if (controller) {
      children.push(el('h3', null, [t('controllerHeading')]), contact(controller,
        controller.organisationNumber ? [[t('organisationNumber'), controller.organisationNumber]] : []));
    }
    if (notice.dpo) children.push(el('h3', null, [t('dpoHeading')]), contact(notice.dpo));
    if (Array.isArray(notice.jointControllers) && notice.jointControllers.length) {
      children.push(el('h3', null, [t('jointControllersHeading')]), el('ul', { class: 'joint' }, notice.jointControllers.map(function (j) {
        return el('li', null, [contact(j, j.scope ? [[t('jointScope'), cited(j.scope)]] : [])]);
      })));
    }
    if (rights.complaint || notice.supervisoryAuthority) {
      children.push(el('h3', null, [t('complaintHeading')]));
      if (rights.complaint) children.push(el('p', { class: 'complaint', dir: 'auto' }, [rights.complaint]));
      if (notice.supervisoryAuthority) {
        children.push(el('h4', null, [t('supervisoryAuthority')]), contact(notice.supervisoryAuthority));
      }
    }
    if (notice.transferSafeguards) {
      children.push(el('h3', null, [t('transfersSafeguardsHeading')]), el('p', { class: 'transfers', dir: 'auto' }, [notice.transferSafeguards]));
    }
    if (isObject(notice.support)) {
      var s = notice.support;
      children.push(el('h3', null, [t('supportHeading')]), el('p', { class: 'support' }, withSeparators([
        s.email ? link('mailto:' + s.email, s.email) : null,
        s.url ? link(s.url) : null,
      ].filter(function (x) { return x; }), ' · ')));
    }
    if (notice.policyVersion) children.push(el('p', { class: 'muted policy-version' }, [t('policyVersion', { version: notice.policyVersion })]));
    return el('section', { id: 'rights', 'aria-labelledby': 'h-rights' }, children);
  }

  document.title = t('pageTitle', { username: doc.username });
  var rightsBlock = rightsSection(doc.notice);
  var nav = el('nav', { 'aria-label': t('contentsNav') }, [el('a', { href: '#overview' }, [t('overview')])].concat(doc.categories.map(function (c) {
    return el('a', { href: '#cat-' + c.id }, [c.title]);
  })).concat(rightsBlock ? [el('a', { href: '#rights' }, [t('rightsHeading')])] : []));
  var main = el('main', { id: 'main', tabindex: '-1' }, [overview()].concat(doc.categories.map(categorySection)).concat([rightsBlock]));
  document.getElementById('app').replaceChildren(
    el('a', { class: 'skip', href: '#main' }, [t('skipToContent')]),
    el('header', null, [el('h1', null, [t('heading')]), el('p', null, [t('intro')])]),
    nav,
    main,
  );
  markScrollingCells(main);
  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; markScrollingCells(main); });
  });
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
