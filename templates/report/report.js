/*
 * The findings table of the HTML report. It reads the rows embedded in the page
 * (script blocks of JSON, with the column tables in #findings-meta), then filters,
 * sorts, searches and pages them without leaving the page: the page may load
 * nothing. Rows keep their cells as written (a repeated value is an index into its
 * column's table), so filters compare numbers and a search tests each distinct
 * value once; only a page of rows is in the DOM at a time. Every value from the
 * data reaches the page as text (textContent, option labels), never as markup.
 */
(function () {
  'use strict';

  var doc = document;
  var root = doc.documentElement;
  var byId = function (id) { return doc.getElementById(id); };
  var numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  var collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  var fmt = function (n) { return numberFormat.format(n); };
  var own = function (object, key) { return Object.prototype.hasOwnProperty.call(object, key); };

  /** A filter lists its values in a drop-down up to this many; beyond, it becomes a text field. */
  var MAX_OPTIONS = 2000;
  /** Beyond this many distinct values a column sorts by code point, not by the (slower) collator. */
  var MAX_COLLATED = 20000;
  /** The fields the free-text search looks in. */
  var SEARCHED = ['itemId', 'tenantId', 'module', 'dataCategory', 'storeType', 'resource', 'region', 'owner', 'verdict', 'severity',
    'status', 'ruleId', 'reason', 'clauseSource', 'clauseText', 'specialCategory', 'waiverId', 'snapshotId'];

  var countEl = byId('f-count');
  var table = byId('findings-table');
  var tbody = table.tBodies[0];

  var meta;
  /** Each row: one cell per column; a number in a `key` column is an index into that column's table. */
  var rows = [];
  /** Column index by id. */
  var C = {};
  /** Per column index: its value table (`key` columns) or null. */
  var tables = [];

  function fail(message) {
    countEl.textContent = message;
    countEl.classList.add('error');
    root.setAttribute('data-ready', 'error');
  }

  function load() {
    meta = JSON.parse(byId('findings-meta').textContent);
    meta.columns.forEach(function (column, index) { C[column.id] = index; });
    tables = meta.columns.map(function (column) { return column.kind === 'key' ? meta.dictionaries[column.id] || [] : null; });
    var width = meta.columns.length;
    var blocks = doc.querySelectorAll('script.findings-rows');
    for (var b = 0; b < blocks.length; b++) {
      var block = JSON.parse(blocks[b].textContent);
      for (var r = 0; r < block.length; r++) {
        var row = block[r];
        // Trailing empty cells are not written.
        for (var c = row.length; c < width; c++) row[c] = null;
        rows.push(row);
      }
      // The text is parsed: let the browser free it.
      blocks[b].parentNode.removeChild(blocks[b]);
    }
    if (rows.length !== meta.total) throw new Error('the file should hold ' + meta.total + ' findings but holds ' + rows.length);
  }

  /** A cell's value: table indices resolved. */
  function value(row, index) {
    var cell = row[index];
    if (typeof cell === 'number' && tables[index]) return cell < tables[index].length ? tables[index][cell] : null;
    return cell;
  }
  var V = function (row, id) { return C[id] === undefined ? null : value(row, C[id]); };

  // ---- Formatting ----

  function formatBytes(bytes) {
    var units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    var amount = bytes;
    var unit = 0;
    while (amount >= 1024 && unit < units.length - 1) { amount /= 1024; unit += 1; }
    return (Number.isInteger(amount) ? String(amount) : amount.toFixed(2)) + ' ' + units[unit];
  }
  var day = function (iso) { return iso ? String(iso).slice(0, 10) : '–'; };
  var utc = function (iso) { return iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$|Z$/, '') + ' UTC' : '–'; };
  var dash = function (text) { return text === null || text === undefined ? '–' : text; };

  function el(tag, className, text) {
    var node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function moduleName(module) {
    return module !== null && own(meta.moduleNames, module) && meta.moduleNames[module] !== module ? meta.moduleNames[module] : null;
  }

  // ---- The visible columns ----

  function badge(text, kind, list) {
    // The class names come from the fixed lists, never from the data.
    return el('span', kind + (list.indexOf(text) >= 0 ? ' tone-' + text : ''), dash(text));
  }

  var COLUMNS = [
    { id: 'itemId', label: 'Item', cls: 'c-item', cell: itemCell },
    { id: 'severity', label: 'Severity', cls: 'c-severity', cell: function (row) { return badge(V(row, 'severity'), 'severity', meta.orders.severity); } },
    { id: 'verdict', label: 'Verdict', cls: 'c-verdict', cell: function (row) { return badge(V(row, 'verdict'), 'verdict', meta.orders.verdict); } },
    { id: 'status', label: 'Status', cls: 'c-status', cell: function (row) { return V(row, 'status') === null ? el('span', 'muted', '–') : badge(V(row, 'status'), 'status', meta.orders.status); } },
    { id: 'tenantId', label: 'Tenant', cls: 'c-tenant' },
    { id: 'module', label: 'Module / category', cls: 'c-module', cell: moduleCell, sortBy: ['module', 'dataCategory'] },
    { id: 'resource', label: 'Store', cls: 'c-store' },
    { id: 'deadline', label: 'Deadline', cls: 'c-deadline', cell: deadlineCell },
    { id: 'reason', label: 'Reason', cls: 'c-reason' },
  ];

  var expanded = {};

  function itemCell(row, index) {
    var button = el('button', 'row-toggle');
    button.type = 'button';
    button.setAttribute('aria-expanded', expanded[index] ? 'true' : 'false');
    button.setAttribute('aria-controls', 'detail-' + index);
    button.title = 'Show or hide the details of this finding';
    button.appendChild(el('span', 'chevron')).setAttribute('aria-hidden', 'true');
    button.appendChild(el('span', 'id', V(row, 'itemId') === null ? '(no item id)' : V(row, 'itemId')));
    button.addEventListener('click', function () { toggleDetail(index, button); });
    return button;
  }

  function moduleCell(row) {
    var module = V(row, 'module');
    var node = el('span', null, dash(module));
    var name = moduleName(module);
    if (name) node.title = name;
    node.appendChild(el('span', 'sub muted', dash(V(row, 'dataCategory'))));
    return node;
  }

  function deadlineCell(row) {
    var node = el('span', null, day(V(row, 'deadline')));
    var overdue = V(row, 'overdueDays');
    if (overdue !== null && overdue > 0) node.appendChild(el('span', 'sub alarm-text', fmt(overdue) + (overdue === 1 ? ' day' : ' days') + ' overdue'));
    return node;
  }

  // ---- Details of one finding ----

  function detailRow(index, span) {
    var row = rows[index];
    var v = function (id) { return V(row, id); };
    var tr = el('tr', 'detail');
    tr.id = 'detail-' + index;
    var td = el('td');
    td.colSpan = span;
    var list = el('dl', 'detail-list');
    function add(label, text) {
      if (text === null || text === undefined || text === '') return;
      var item = el('div');
      item.appendChild(el('dt', null, label));
      item.appendChild(el('dd', null, text));
      list.appendChild(item);
    }
    var when = function (id) { return v(id) === null ? null : utc(v(id)); };
    var count = function (id) { return v(id) === null ? null : fmt(v(id)); };
    add('Item', v('itemId'));
    add('Snapshot', v('snapshotId'));
    add('Tenant', v('tenantId'));
    add('Owner', v('owner'));
    add('Module', moduleName(v('module')) ? v('module') + ' (' + moduleName(v('module')) + ')' : v('module'));
    add('Data category', v('dataCategory'));
    add('Special category', v('specialCategory'));
    add('Store', [v('storeType'), v('resource'), v('region')].filter(function (part) { return part !== null && part !== ''; }).join(' · '));
    add('Records', count('recordCount'));
    add('Size', v('bytes') === null ? null : formatBytes(v('bytes')) + (v('bytes') >= 1024 ? ' (' + fmt(v('bytes')) + ' bytes)' : ''));
    add('Oldest record', when('oldestRecordAt'));
    add('Captured', when('capturedAt'));
    add('Verdict', v('verdict') + (v('underlyingVerdict') !== null ? ' (hides ' + v('underlyingVerdict') + ')' : ''));
    add('Severity', v('severity'));
    add('Waiver', v('waiverId'));
    add('Status', v('status'));
    add('First seen', when('firstSeenAt'));
    add('Days open', count('daysOpen'));
    add('Rule', v('ruleId'));
    add('Deadline', when('deadline'));
    add('Days overdue', count('overdueDays'));
    td.appendChild(list);
    td.appendChild(el('p', 'detail-reason', v('reason')));
    if (v('clauseText') !== null || v('clauseSource') !== null) {
      var figure = el('figure', 'clause');
      if (v('clauseText') !== null) figure.appendChild(el('blockquote', null, '“' + v('clauseText') + '”'));
      figure.appendChild(el('figcaption', null, [v('clauseSource'), v('clauseSection')].filter(function (part) { return part !== null; }).join(' — ')));
      td.appendChild(figure);
    }
    tr.appendChild(td);
    return tr;
  }

  function toggleDetail(index, button) {
    var tr = button.closest('tr');
    var open = !expanded[index];
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      expanded[index] = true;
      tr.parentNode.insertBefore(detailRow(index, columns.length), tr.nextSibling);
    } else {
      delete expanded[index];
      var next = tr.nextSibling;
      if (next && next.id === 'detail-' + index) next.parentNode.removeChild(next);
    }
  }

  // ---- Filters ----

  var filters = [];
  var searchInput = byId('f-search');
  var pageSizeSelect = byId('f-page-size');

  function rank(order, text) {
    var position = order.indexOf(text);
    return position < 0 ? order.length : position;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  /** One filter per column of meta.filters: a drop-down of its values (with counts), or a text field when they are too many. */
  function setUpFilter(column) {
    var index = C[column];
    var counts = new Map();
    for (var i = 0; i < rows.length; i++) {
      var cell = rows[i][index];
      counts.set(cell, (counts.get(cell) || 0) + 1);
    }
    var field = doc.querySelector('[data-field="' + column + '"]');
    var select = byId('f-' + column);
    if (column === 'status' && counts.size === (counts.has(null) ? 1 : 0)) {
      // No history, no statuses: neither the filter nor the column means anything.
      field.hidden = true;
      return null;
    }
    var order = meta.orders[column];
    var label = function (cell) {
      if (typeof cell !== 'number' || !tables[index]) return cell;
      return cell < tables[index].length ? tables[index][cell] : null;
    };
    var cells = Array.from(counts.keys()).sort(function (a, b) {
      var la = label(a);
      var lb = label(b);
      if (la === null || lb === null) return la === null ? (lb === null ? 0 : 1) : -1;
      if (order) return rank(order, la) - rank(order, lb) || collator.compare(la, lb);
      return collator.compare(la, lb);
    });
    if (cells.length > MAX_OPTIONS) {
      var input = el('input');
      input.type = 'search';
      input.id = select.id;
      input.autocomplete = 'off';
      input.spellcheck = false;
      input.placeholder = fmt(cells.length) + ' values: type part of one';
      select.parentNode.replaceChild(input, select);
      var textFilter = { column: column, index: index, control: input, text: true, value: '' };
      input.addEventListener('input', debounce(function () { textFilter.value = input.value.trim().toLowerCase(); refilter(); }, 200));
      return textFilter;
    }
    select.options[0].textContent = 'All (' + fmt(rows.length) + ')';
    cells.forEach(function (cell, position) {
      var option = el('option', null, dash(label(cell) === null ? '(none)' : label(cell)) + ' (' + fmt(counts.get(cell)) + ')');
      option.value = String(position);
      select.appendChild(option);
    });
    var selectFilter = { column: column, index: index, control: select, text: false, cells: cells, labels: cells.map(label), value: undefined };
    select.addEventListener('change', function () {
      selectFilter.value = select.value === '' ? undefined : cells[Number(select.value)];
      refilter();
    });
    return selectFilter;
  }

  /**
   * A test of whether a row holds `query` (lower case) in any searched field. A
   * tabled value is tested once per query (its verdict kept by index), not once per row.
   */
  function searchTest(query) {
    var has = function (text) { return String(text).toLowerCase().indexOf(query) >= 0; };
    var fields = SEARCHED.filter(function (id) { return C[id] !== undefined; }).map(function (id) {
      var index = C[id];
      var tabled = tables[index];
      var hits = null;
      if (tabled) {
        hits = new Uint8Array(tabled.length);
        for (var t = 0; t < tabled.length; t++) hits[t] = has(tabled[t]) ? 1 : 0;
      }
      return { index: index, hits: hits };
    });
    return function (row) {
      for (var f = 0; f < fields.length; f++) {
        var cell = row[fields[f].index];
        if (cell === null) continue;
        if (typeof cell === 'number' && fields[f].hits) {
          if (fields[f].hits[cell] === 1) return true;
        } else if (has(cell)) return true;
      }
      return false;
    };
  }

  var query = '';
  var matching = [];

  function refilter() {
    var exact = filters.filter(function (f) { return !f.text && f.value !== undefined; });
    var partial = filters.filter(function (f) { return f.text && f.value !== ''; });
    var matches = query ? searchTest(query) : null;
    var out = [];
    outer: for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      for (var e = 0; e < exact.length; e++) if (row[exact[e].index] !== exact[e].value) continue outer;
      for (var p = 0; p < partial.length; p++) {
        var text = value(row, partial[p].index);
        if (text === null || String(text).toLowerCase().indexOf(partial[p].value) < 0) continue outer;
      }
      if (matches && !matches(row)) continue;
      out.push(i);
    }
    matching = out;
    page = 0;
    resort();
  }

  // ---- Sorting ----

  var sortColumn = 'severity';
  var sortDescending = false;
  var keyCache = {};

  /** Code-point order, for columns with too many distinct values to collate quickly. */
  var byCodePoint = function (a, b) {
    var la = a.toLowerCase();
    var lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  };

  /** A number per row that orders it by `column`: severities and verdicts by rank, numbers as such, text by collation. No value: NaN (always last). */
  function sortKeys(column) {
    if (keyCache[column]) return keyCache[column];
    var index = C[column];
    var keys = new Float64Array(rows.length);
    var order = meta.orders[column];
    var tabled = tables[index];
    var i;
    if (meta.columns[index].kind === 'number') {
      for (i = 0; i < rows.length; i++) keys[i] = rows[i][index] === null ? NaN : rows[i][index];
    } else {
      // Rank each distinct value once: the table's values, and any written inline.
      var inline = new Map();
      for (i = 0; i < rows.length; i++) if (typeof rows[i][index] === 'string') inline.set(rows[i][index], 0);
      var distinct = (tabled || []).concat(Array.from(inline.keys()));
      var sorted = distinct.slice().sort(order ? function (a, b) { return rank(order, a) - rank(order, b) || collator.compare(a, b); }
        : distinct.length > MAX_COLLATED ? byCodePoint : collator.compare);
      var rankOf = new Map();
      sorted.forEach(function (text, position) { if (!rankOf.has(text)) rankOf.set(text, position); });
      var tableRanks = (tabled || []).map(function (text) { return rankOf.get(text); });
      for (i = 0; i < rows.length; i++) {
        var cell = rows[i][index];
        keys[i] = cell === null ? NaN : typeof cell === 'number' && tabled ? tableRanks[cell] : rankOf.get(cell);
      }
    }
    keyCache[column] = keys;
    return keys;
  }

  /** Keys that order rows by several columns, the first deciding (a missing value sorts after the others of its column). */
  function compositeKeys(ids) {
    var name = ids.join('+');
    if (keyCache[name]) return keyCache[name];
    var parts = ids.map(sortKeys);
    var sizes = parts.map(function (keys) {
      var max = -1;
      for (var i = 0; i < keys.length; i++) if (keys[i] > max) max = keys[i];
      return max + 2;
    });
    var keys = new Float64Array(rows.length);
    for (var i = 0; i < rows.length; i++) {
      var key = 0;
      var missing = true;
      for (var p = 0; p < parts.length; p++) {
        var part = parts[p][i];
        if (part === part) missing = false; else part = sizes[p] - 1;
        key = key * sizes[p] + part;
      }
      keys[i] = missing ? NaN : key;
    }
    keyCache[name] = keys;
    return keys;
  }

  var view = [];
  function resort() {
    var active = columns.filter(function (column) { return column.id === sortColumn; })[0];
    var keys = active && active.sortBy ? compositeKeys(active.sortBy) : sortKeys(sortColumn);
    var direction = sortDescending ? -1 : 1;
    view = matching.slice().sort(function (a, b) {
      var ka = keys[a];
      var kb = keys[b];
      if (ka !== kb) {
        if (ka !== ka) return 1; // NaN: no value, always last
        if (kb !== kb) return -1;
        return (ka < kb ? -1 : 1) * direction;
      }
      return a - b; // ties keep the report's order
    });
    render();
  }

  // ---- Table ----

  var columns = [];
  var page = 0;
  var pageSize = 50;

  function buildHead() {
    var tr = el('tr');
    columns.forEach(function (column) {
      var th = el('th', column.cls);
      th.scope = 'col';
      th.setAttribute('data-column', column.id);
      var button = el('button', 'sort');
      button.type = 'button';
      button.appendChild(el('span', null, column.label));
      button.appendChild(el('span', 'arrow')).setAttribute('aria-hidden', 'true');
      button.addEventListener('click', function () {
        if (sortColumn === column.id) sortDescending = !sortDescending;
        else { sortColumn = column.id; sortDescending = false; }
        page = 0;
        updateSortState();
        resort();
      });
      th.appendChild(button);
      tr.appendChild(th);
    });
    table.tHead.appendChild(tr);
    updateSortState();
  }

  function updateSortState() {
    var ths = table.tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) {
      var active = columns[i].id === sortColumn;
      ths[i].setAttribute('aria-sort', active ? (sortDescending ? 'descending' : 'ascending') : 'none');
    }
  }

  var renders = 0;

  function render() {
    var total = view.length;
    var pages = Math.max(1, Math.ceil(total / pageSize));
    if (page >= pages) page = pages - 1;
    var start = page * pageSize;
    var end = Math.min(total, start + pageSize);
    var fragment = doc.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var index = view[i];
      var row = rows[index];
      var tr = el('tr');
      for (var c = 0; c < columns.length; c++) {
        var column = columns[c];
        var td = el('td', column.cls);
        td.setAttribute('data-label', column.label);
        if (column.cell) td.appendChild(column.cell(row, index));
        else td.textContent = dash(V(row, column.id));
        tr.appendChild(td);
      }
      fragment.appendChild(tr);
      if (expanded[index]) fragment.appendChild(detailRow(index, columns.length));
    }
    if (total === 0) {
      var empty = el('tr', 'empty');
      var cell = el('td', null, rows.length === 0 ? 'This run has no findings.' : 'No finding matches these filters.');
      cell.colSpan = columns.length;
      empty.appendChild(cell);
      fragment.appendChild(empty);
    }
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    tbody.appendChild(fragment);
    countEl.textContent = fmt(total) + ' of ' + fmt(rows.length) + ' findings';
    byId('p-where').textContent = total === 0 ? 'No rows' : 'Rows ' + fmt(start + 1) + '–' + fmt(end) + ', page ' + fmt(page + 1) + ' of ' + fmt(pages);
    byId('p-first').disabled = page === 0;
    byId('p-prev').disabled = page === 0;
    byId('p-next').disabled = page >= pages - 1;
    byId('p-last').disabled = page >= pages - 1;
    // How many times the rows were drawn: lets a test (or a reader's tool) know a change has landed.
    renders += 1;
    table.setAttribute('data-renders', String(renders));
  }

  function goTo(target) {
    page = Math.max(0, target);
    render();
    table.scrollIntoView({ block: 'nearest' });
  }

  // ---- Wiring ----

  /** Sets the filters to exactly `wanted` (column → value, as the table shows it), e.g. from a chart's label. */
  function applyPreset(wanted) {
    searchInput.value = '';
    query = '';
    filters.forEach(function (filter) {
      var text = own(wanted, filter.column) ? wanted[filter.column] : undefined;
      if (filter.text) {
        filter.control.value = text === undefined ? '' : text;
        filter.value = text === undefined ? '' : String(text).toLowerCase();
      } else {
        var position = text === undefined ? -1 : filter.labels.indexOf(text);
        filter.control.value = position < 0 ? '' : String(position);
        // A value this run does not have matches nothing, rather than everything.
        filter.value = text === undefined ? undefined : position < 0 ? {} : filter.cells[position];
      }
    });
    refilter();
  }

  function start() {
    load();
    pageSize = Number(pageSizeSelect.value) || meta.pageSize || 50;
    filters = meta.filters.map(setUpFilter).filter(function (filter) { return filter !== null; });
    var hasStatus = filters.some(function (filter) { return filter.column === 'status'; });
    columns = COLUMNS.filter(function (column) { return column.id !== 'status' || hasStatus; });
    buildHead();

    searchInput.addEventListener('input', debounce(function () {
      query = searchInput.value.trim().toLowerCase();
      refilter();
    }, 200));
    byId('filters').addEventListener('submit', function (event) { event.preventDefault(); });
    byId('filters').addEventListener('reset', function () {
      // The form resets its controls after this event: set the filters once it has.
      setTimeout(function () { applyPreset({}); }, 0);
    });
    pageSizeSelect.addEventListener('change', function () {
      pageSize = Number(pageSizeSelect.value) || 50;
      page = 0;
      render();
    });
    byId('p-first').addEventListener('click', function () { goTo(0); });
    byId('p-prev').addEventListener('click', function () { goTo(page - 1); });
    byId('p-next').addEventListener('click', function () { goTo(page + 1); });
    byId('p-last').addEventListener('click', function () { goTo(Math.ceil(view.length / pageSize) - 1); });

    var links = doc.querySelectorAll('button.filter-link[data-filter]');
    for (var i = 0; i < links.length; i++) {
      (function (button) {
        button.disabled = false;
        button.addEventListener('click', function () {
          applyPreset(JSON.parse(button.getAttribute('data-filter')));
          byId('findings').scrollIntoView();
          countEl.focus({ preventScroll: true });
        });
      })(links[i]);
    }
    countEl.tabIndex = -1;
    var controls = doc.querySelectorAll('#filters input, #filters select, #filters button, #f-page-size');
    for (var k = 0; k < controls.length; k++) controls[k].disabled = false;

    refilter();
    root.setAttribute('data-ready', 'true');
    if (window.performance && performance.now) root.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  }

  try {
    start();
  } catch (error) {
    fail('The findings could not be read from this file (' + (error && error.message ? error.message : String(error)) + '). The JSON report of this run holds them all.');
  }
})();
