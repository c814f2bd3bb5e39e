/**
 * The viewer's only script, inlined into index.html and allowed by its sha256 in the page's CSP.
 * Plain ES2020 text rather than compiled TypeScript: the page must not depend on a bundler's
 * output (which would change the hash from build to build), and the project's type check has no
 * DOM library. It is covered by the browser tests in test/e2e/viewer.test.ts.
 *
 * Rules it keeps: player data only ever reaches the page as text (createTextNode, textContent,
 * setAttribute on fixed attribute names), never as markup; it fetches nothing; only the page of
 * rows on screen is in the DOM.
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
  var plural = new Intl.PluralRules(loc);
  var numbers = new Intl.NumberFormat(loc);

  function t(key, values) {
    return m[key].replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  function count(n) {
    return numbers.format(Number(n));
  }
  function recordsText(n) {
    return t(plural.select(Number(n)) === 'one' ? 'recordsOne' : 'recordsOther', { count: count(n) });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
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
  function date(iso, options) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : new Intl.DateTimeFormat(loc, options).format(d);
  }
  function bytes(n) {
    var units = [['byte', 1], ['kilobyte', 1024], ['megabyte', 1048576], ['gigabyte', 1073741824]];
    var unit = units[0];
    units.forEach(function (u) { if (n >= u[1]) unit = u; });
    return new Intl.NumberFormat(loc, { style: 'unit', unit: unit[0], maximumFractionDigits: 1 }).format(n / unit[1]);
  }
  function table(head, rows, className) {
    return el('table', className ? { class: className } : null, [
      el('thead', null, [el('tr', null, head.map(function (h) { return el('th', { scope: 'col' }, [h]); }))]),
      el('tbody', null, rows),
    ]);
  }
  function cell(value) {
    return el('td', null, [el('div', { class: 'cell', dir: 'auto' }, [text(value)])]);
  }

  function statusText(category) {
    if (category.status === 'exported') return recordsText(category.records);
    if (category.status === 'none held') return t('statusNoneHeld');
    if (category.status === 'not retained') return t('statusNotRetained');
    return String(category.status);
  }
  function explanation(category) {
    if (category.status === 'none held') return t('statusNoneHeldExplained');
    if (category.status === 'not retained') return t('statusNotRetainedExplained');
    return null;
  }
  function retentionRule(category) {
    if (category.retentionNote) return category.retentionNote;
    var retention = category.facts && category.facts.retention;
    return retention && retention.rule ? retention.rule : null;
  }

  // Art. 15 facts: known keys get a readable form, anything else is shown as text.
  var sourceKinds = { 'the player': 'sourceThePlayer', observed: 'sourceObserved', derived: 'sourceDerived', 'third party': 'sourceThirdParty' };
  function list(items, format) {
    if (!Array.isArray(items)) return text(items);
    if (items.length === 0) return t('none');
    return el('ul', null, items.map(function (item) { return el('li', { dir: 'auto' }, [format(item)]); }));
  }
  function joined(parts) {
    return parts.filter(function (p) { return p !== undefined && p !== null && p !== ''; }).map(text).join(' — ');
  }
  function factValue(key, v) {
    if (key === 'portability' && typeof v === 'boolean') return t(v ? 'portabilityYes' : 'portabilityNo');
    if (!isObject(v) && !Array.isArray(v) && key !== 'automatedDecision') return text(v);
    switch (key) {
      case 'purposes':
        return list(v, function (p) { return isObject(p) ? text(p.text) : text(p); });
      case 'legalBasis':
        return joined([v.article ? 'Art. ' + v.article : '', v.text]);
      case 'recipients':
        return list(v, function (r) { return isObject(r) ? joined([r.name, r.role, r.country]) : text(r); });
      case 'retention':
        return joined([v.rule, v.period]);
      case 'source':
        return joined([sourceKinds[v.kind] ? t(sourceKinds[v.kind]) : v.kind, v.text]);
      case 'automatedDecision':
        if (v === null || v === undefined) return t('noAutomatedDecision');
        if (!isObject(v)) return text(v);
        return el('dl', null, ['logic', 'significance', 'consequences', 'humanReview'].reduce(function (out, k) {
          return v[k] ? out.concat([el('dt', null, [t(k)]), el('dd', { dir: 'auto' }, [text(v[k])])]) : out;
        }, []));
      case 'thirdCountryTransfers':
        return list(v, function (x) { return isObject(x) ? joined([x.country, x.safeguard]) : text(x); });
      default:
        return Array.isArray(v) ? list(v, text) : text(v);
    }
  }
  function facts(category) {
    var f = isObject(category.facts) ? Object.assign({}, category.facts) : {};
    if (category.portability !== undefined) f.portability = category.portability;
    var keys = Object.keys(f);
    if (keys.length === 0) return null;
    var items = [];
    keys.forEach(function (k) {
      items.push(el('dt', null, [Object.prototype.hasOwnProperty.call(m, k) ? t(k) : k]));
      items.push(el('dd', { 'data-fact': k }, [factValue(k, f[k])]));
    });
    return el('details', { class: 'facts', open: '' }, [el('summary', null, [t('factsHeading')]), el('dl', null, items)]);
  }

  function moneyTotals(summary) {
    var rows = summary.totals.map(function (x) {
      var shown = x.total + ' ' + x.currency;
      try {
        // A decimal string is formatted exactly (Intl.NumberFormat v3), never through a float.
        shown = new Intl.NumberFormat(loc, { style: 'currency', currency: x.currency }).format(x.total);
      } catch (e) { /* not an ISO 4217 code: keep the plain text */ }
      return el('tr', null, [
        el('td', null, [x.currency]),
        el('td', { class: 'num' }, [count(x.count)]),
        el('td', { class: 'num', 'data-exact': x.total, 'data-currency': x.currency }, [shown]),
      ]);
    });
    return el('div', { class: 'summary totals' }, [
      el('h3', null, [t('totalsHeading')]),
      table([t('currency'), t('purchases'), t('total')], rows),
    ]);
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
      table([t('month'), t('playTime'), t('matches'), t('winsLossesDraws')], rows),
    ]);
  }

  function fileLink(path) {
    return el('a', { href: path }, [path]);
  }
  function withSeparators(nodes, separator) {
    return nodes.reduce(function (out, node, i) { return i === 0 ? [node] : out.concat([separator, node]); }, []);
  }

  function records(source, title) {
    var rows = doc.rows[source.id] || [];
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
      block.appendChild(table([t('field'), t('value')], source.columns.map(function (c) {
        return el('tr', null, [el('th', { scope: 'row' }, [c]), cell(rows[0][c])]);
      }), 'single'));
      return block;
    }
    var search = el('input', { type: 'search', class: 'search', 'aria-label': t('searchIn', { category: title }), placeholder: t('search') });
    var status = el('span', { class: 'match-count', role: 'status' });
    var tbody = el('tbody');
    var prev = el('button', { type: 'button', class: 'prev' }, [t('previous')]);
    var next = el('button', { type: 'button', class: 'next' }, [t('next')]);
    var pageLabel = el('span', { class: 'page' });
    var haystack = null;
    var shown = rows.map(function (_, i) { return i; });
    var page = 0;

    function render() {
      var pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
      page = Math.min(page, pages - 1);
      var slice = shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
      tbody.replaceChildren.apply(tbody, slice.length === 0
        ? [el('tr', { class: 'empty' }, [el('td', { colspan: String(source.columns.length) }, [t('noRows')])])]
        : slice.map(function (i) { return el('tr', null, source.columns.map(function (c) { return cell(rows[i][c]); })); }));
      status.textContent = t('matchingRows', { count: count(shown.length) });
      pageLabel.textContent = t('pageOf', { page: count(page + 1), pages: count(pages) });
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    search.addEventListener('input', function () {
      var q = search.value.trim().toLocaleLowerCase();
      haystack = haystack || rows.map(function (r) { return text(r).toLocaleLowerCase(); });
      shown = [];
      haystack.forEach(function (h, i) { if (!q || h.indexOf(q) !== -1) shown.push(i); });
      page = 0;
      render();
    });
    prev.addEventListener('click', function () { page--; render(); });
    next.addEventListener('click', function () { page++; render(); });

    block.appendChild(el('div', { class: 'tools' }, [search, status]));
    var head = el('thead', null, [el('tr', null, source.columns.map(function (c) { return el('th', { scope: 'col' }, [c]); }))]);
    block.appendChild(el('div', { class: 'scroll' }, [el('table', { class: 'data' }, [head, tbody])]));
    block.appendChild(el('div', { class: 'pager' }, [prev, pageLabel, next]));
    render();
    return block;
  }

  function categorySection(category) {
    var rule = category.status === 'not retained' || category.retentionNote ? retentionRule(category) : null;
    var why = explanation(category);
    var children = [
      el('h2', null, [category.title]),
      el('p', { class: 'status', 'data-status': category.status }, [statusText(category), why ? ': ' : null, why]),
      rule ? el('p', { class: 'rule' }, [t('retentionRule') + ': ', rule]) : null,
      facts(category),
    ];
    (category.sources || []).forEach(function (source) {
      if (source.summary && source.summary.kind === 'money' && source.summary.totals.length) children.push(moneyTotals(source.summary));
      if (source.summary && source.summary.kind === 'timeline' && source.summary.months.length) children.push(timeline(source.summary));
      children.push(records(source, category.title));
    });
    return el('section', { id: 'cat-' + category.id, class: 'category', 'data-category': category.id }, children);
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
    var made = el('time', { datetime: doc.generatedAt }, [date(doc.generatedAt, { dateStyle: 'long', timeStyle: 'short' })]);
    return el('section', { id: 'overview' }, [
      el('h2', null, [t('overview')]),
      el('dl', { class: 'meta' }, [
        el('dt', null, [t('player')]), el('dd', { dir: 'auto' }, [doc.username]),
        el('dt', null, [t('generatedAt')]), el('dd', null, [made]),
        el('dt', null, [t('requestId')]), el('dd', { class: 'request-id' }, [doc.requestId]),
      ]),
      el('h3', null, [t('categories')]),
      table([t('category'), t('status'), t('files')], categories, 'categories'),
      el('h3', null, [t('contents')]),
      table([t('files'), t('recordsHeading'), t('size')], files, 'files'),
    ]);
  }

  document.title = t('pageTitle', { username: doc.username });
  var nav = el('nav', null, [el('a', { href: '#overview' }, [t('overview')])].concat(doc.categories.map(function (c) {
    return el('a', { href: '#cat-' + c.id }, [c.title]);
  })));
  document.getElementById('app').replaceChildren(
    el('header', null, [el('h1', null, [t('heading')]), el('p', null, [t('intro')])]),
    nav,
    el('main', null, [overview()].concat(doc.categories.map(categorySection))),
  );
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
