// fluxo web console: a small single-page app over the JSON API in docs/http-api.md.
// Plain ES2020, no dependencies, no network beyond this origin. Data from the API is only ever
// put into the page with textContent / text nodes, never parsed as HTML.
'use strict';

(() => {
  // ---------------------------------------------------------------------------------------------
  // DOM helpers

  /** Creates an element. attrs: class, text, testid (data-testid), on<event>, value, other attributes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    add(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'testid') el.setAttribute('data-testid', v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = String(v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }

  /** Appends children (nodes, strings, numbers, nested arrays; null/false skipped) as nodes/text. */
  function add(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function replace(el, ...children) {
    el.replaceChildren();
    return add(el, children);
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') el.textContent = String(v);
      else el.setAttribute(k, String(v));
    }
    add(el, children);
    return el;
  }

  // ---------------------------------------------------------------------------------------------
  // Formatting

  const numberFormat = new Intl.NumberFormat('en-US');
  const isNum = (n) => typeof n === 'number' && Number.isFinite(n);
  const trimZero = (str) => str.replace(/\.0$/, '');

  function fmtNum(n) {
    return isNum(n) ? numberFormat.format(n) : '—';
  }

  function fmtBytes(n) {
    if (!isNum(n)) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let v = n;
    let u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u += 1;
    }
    if (u === 0) return `${v} B`;
    return `${trimZero(v.toFixed(v < 100 ? 1 : 0))} ${units[u]}`;
  }

  function fmtRate(r) {
    if (!isNum(r)) return '—';
    if (r === 0) return '0 msg/s';
    return `${trimZero(r.toFixed(r < 100 ? 1 : 0))} msg/s`;
  }

  /** A human duration: "850 ms", "5.3 s", "2 min", "1.5 h", "3 d". */
  function fmtDuration(ms) {
    if (!isNum(ms)) return '—';
    if (ms <= 0) return '0 s';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const sec = ms / 1000;
    if (sec < 60) return `${trimZero(sec.toFixed(1))} s`;
    const min = sec / 60;
    if (min < 60) return `${min < 10 ? trimZero(min.toFixed(1)) : Math.round(min)} min`;
    const hours = min / 60;
    if (hours < 48) return `${hours < 10 ? trimZero(hours.toFixed(1)) : Math.round(hours)} h`;
    const days = hours / 24;
    return `${days < 10 ? trimZero(days.toFixed(1)) : Math.round(days)} d`;
  }

  function fmtTime(ms) {
    if (!isNum(ms) || ms < 0) return '—';
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? '—' : d.toISOString();
  }

  function fmtClock(ms) {
    const d = new Date(ms);
    const pad = (x) => String(x).padStart(2, '0');
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  /** Text of a key/value/header from the API in any format (string, JSON value, null). */
  function valueText(v, pretty) {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    try {
      return JSON.stringify(v, null, pretty ? 2 : 0);
    } catch {
      return String(v);
    }
  }

  function nullable(v, pretty) {
    const t = valueText(v, pretty);
    if (t === null) return h('span', { class: 'null', text: 'null' });
    if (t === '') return h('span', { class: 'null', text: '(empty)' });
    return t;
  }

  const enc = encodeURIComponent;

  function stateBadge(state) {
    const cls = {
      Stable: 'ok',
      Empty: '',
      PreparingRebalance: 'warn',
      CompletingRebalance: 'warn',
      Dead: 'danger',
    }[state];
    return h('span', { class: `badge ${cls || ''}`.trim(), testid: 'group-state', text: state || 'Unknown' });
  }

  // ---------------------------------------------------------------------------------------------
  // API access and the error banner

  class ApiError extends Error {
    constructor(status, message, error) {
      super(message);
      this.status = status;
      this.error = error || null;
    }
  }

  async function api(path, options = {}) {
    // X-Fluxo-Console: a 401 comes without WWW-Authenticate (no browser password prompt); the
    // console shows its own login instead.
    const init = { method: options.method || 'GET', cache: 'no-store', headers: { 'X-Fluxo-Console': '1' } };
    if (options.body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, `Cannot reach the broker (${e.message})`);
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (res.status === 401 && !options.noLoginPrompt) showLogin(auth.user ? 'Your session has ended: sign in again.' : '');
    if (!res.ok) {
      const err = data && typeof data === 'object' ? data.error : null;
      let msg;
      if (err && err.message) {
        msg = err.message;
        if (err.name && err.name !== 'NONE') msg += ` (${err.name})`;
      } else {
        msg = `${init.method} ${path}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      }
      throw new ApiError(res.status, msg, err);
    }
    return data;
  }

  const banner = {
    el: null,
    text: null,
    source: null,
    show(message, source) {
      this.source = source || 'action';
      this.text.textContent = message;
      this.el.hidden = false;
    },
    /** Hides the banner if it was shown by `source` (e.g. a refresh that now succeeds). */
    clear(source) {
      if (source && this.source !== source) return;
      this.el.hidden = true;
      this.text.textContent = '';
      this.source = null;
    },
  };

  function reportError(e, source) {
    if (e instanceof ApiError && e.status === 401) return;  // the login form is shown instead
    banner.show(e instanceof Error ? e.message : String(e), source);
  }

  // ---------------------------------------------------------------------------------------------
  // Page lifecycle: each route renders into #view and gets a context whose timers, event sources
  // and in-flight results are dropped when the route changes.

  class PageContext {
    constructor() {
      this.alive = true;
      this.cleanups = [];
    }

    /** Runs `fn` now and then every `ms` (skipping while the tab is hidden or a run is pending). */
    every(ms, fn) {
      let running = false;
      const tick = async () => {
        if (!this.alive || running) return;
        if (document.hidden && ms < 60000) return;
        running = true;
        try {
          await fn();
        } finally {
          running = false;
        }
      };
      const id = setInterval(tick, ms);
      this.cleanups.push(() => clearInterval(id));
      tick();
      return tick;
    }

    onDispose(fn) {
      this.cleanups.push(fn);
    }

    dispose() {
      this.alive = false;
      for (const fn of this.cleanups.splice(0)) {
        try {
          fn();
        } catch {
          /* ignore */
        }
      }
    }

    /** A loader that fetches, renders if the page is still shown and reports errors in the banner. */
    loader(source, fetchAndRender) {
      return async () => {
        try {
          await fetchAndRender();
          if (this.alive) banner.clear(source);
        } catch (e) {
          if (this.alive) reportError(e, source);
        }
      };
    }
  }

  let page = null;

  function pageHead(crumbs, title, ...extra) {
    const head = h('div', { class: 'page-head' });
    const titleBox = h('div');
    if (crumbs.length) {
      const c = h('div', { class: 'crumbs' });
      crumbs.forEach(([label, href], i) => {
        if (i) add(c, [' / ']);
        add(c, [h('a', { href, text: label })]);
      });
      titleBox.append(c);
    }
    titleBox.append(h('h1', { testid: 'page-title', text: title }));
    add(head, [titleBox, h('div', { class: 'spacer' }), extra]);
    return head;
  }

  function card(label, value, testid) {
    const v = h('div', { class: 'card-value', testid, text: value });
    return { el: h('div', { class: 'card' }, h('div', { class: 'card-label', text: label }), v), value: v };
  }

  function table(columns, testid) {
    const tbody = h('tbody', { testid });
    const thead = h('thead', null, h('tr', null, columns.map(([label, cls]) => h('th', { class: cls, text: label }))));
    return { el: h('table', null, thead, tbody), tbody, span: columns.length };
  }

  function emptyRow(span, text) {
    return h('tr', null, h('td', { class: 'empty', colspan: span, text }));
  }

  const num = (v, testid) => h('td', { class: 'num', testid, text: fmtNum(v) });

  function panel(title, ...children) {
    return h('section', { class: 'panel flush' }, h('div', { class: 'panel-head' }, title), children);
  }

  // ---------------------------------------------------------------------------------------------
  // #/topics

  function topicsPage(ctx, view) {
    const nameInput = h('input', {
      type: 'text', class: 'wide', placeholder: 'orders', required: true, autocomplete: 'off',
      testid: 'create-topic-name', 'aria-label': 'Topic name',
    });
    const partitionsInput = h('input', {
      type: 'number', class: 'narrow', min: 1, max: 10000, value: 1, required: true,
      testid: 'create-topic-partitions', 'aria-label': 'Partitions',
    });
    const createNote = h('span', { class: 'status', testid: 'create-topic-status' });
    const createButton = h('button', { type: 'submit', class: 'btn primary', testid: 'create-topic-submit', text: 'Create topic' });
    const form = h('form', { class: 'inline', testid: 'create-topic-form' },
      h('label', { class: 'field' }, 'Name', nameInput),
      h('label', { class: 'field' }, 'Partitions', partitionsInput),
      createButton, createNote);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = nameInput.value.trim();
      const partitions = Number(partitionsInput.value);
      createButton.disabled = true;
      try {
        await api('/api/v1/topics', { method: 'POST', body: { name, partitions } });
        banner.clear('action');
        nameInput.value = '';
        createNote.textContent = `Created topic ${name}`;
        await refresh();
      } catch (err) {
        reportError(err, 'action');
      } finally {
        createButton.disabled = false;
      }
    });

    const showInternal = h('input', { type: 'checkbox', testid: 'show-internal' });
    const filterInput = h('input', { type: 'text', placeholder: 'Filter topics', 'aria-label': 'Filter topics', testid: 'topic-filter' });
    const t = table([
      ['Name'], ['Partitions', 'num'], ['Messages', 'num'], ['Size', 'num'], ['Produce rate', 'num'], [''],
    ], 'topics-body');
    const count = h('span', { class: 'muted small', testid: 'topic-count' });
    let last = null;

    async function remove(name) {
      if (!window.confirm(`Delete topic "${name}" and all of its messages? This cannot be undone.`)) return;
      try {
        await api(`/api/v1/topics/${enc(name)}`, { method: 'DELETE' });
        banner.clear('action');
        createNote.textContent = `Deleted topic ${name}`;
        await refresh();
      } catch (err) {
        reportError(err, 'action');
      }
    }

    function render() {
      if (!last) return;
      const filter = filterInput.value.trim().toLowerCase();
      const topics = last
        .filter((x) => showInternal.checked || !x.internal)
        .filter((x) => !filter || String(x.name).toLowerCase().includes(filter))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      count.textContent = `${topics.length} of ${last.length}`;
      if (!topics.length) {
        replace(t.tbody, emptyRow(t.span, last.length ? 'No topics match.' : 'No topics yet. Create one above.'));
        return;
      }
      replace(t.tbody, topics.map((x) => h('tr', { testid: `topic-row-${x.name}` },
        h('td', null,
          h('a', { href: `#/topics/${enc(x.name)}`, testid: `topic-link-${x.name}`, text: x.name }),
          x.internal ? [' ', h('span', { class: 'badge', text: 'internal' })] : null),
        num(x.partitions, `topic-partitions-${x.name}`),
        num(x.messages, `topic-messages-${x.name}`),
        h('td', { class: 'num', testid: `topic-size-${x.name}`, text: fmtBytes(x.size_bytes) }),
        h('td', { class: 'num', testid: `topic-rate-${x.name}`, text: fmtRate(x.produce_rate) }),
        h('td', { class: 'actions' },
          h('a', { class: 'small', href: `#/topics/${enc(x.name)}/messages`, text: 'Messages' }), '  ',
          h('button', {
            type: 'button', class: 'btn small danger', testid: `topic-delete-${x.name}`, text: 'Delete',
            onclick: () => remove(x.name),
          })))));
    }
    showInternal.addEventListener('change', render);
    filterInput.addEventListener('input', render);

    const refresh = ctx.loader('refresh', async () => {
      const data = await api('/api/v1/topics');
      if (!ctx.alive) return;
      last = Array.isArray(data && data.topics) ? data.topics : [];
      render();
    });

    replace(view,
      pageHead([], 'Topics'),
      h('section', { class: 'panel' }, h('h2', { text: 'Create topic' }), form),
      panel([h('h2', { text: 'All topics' }), count, h('div', { class: 'spacer' }), filterInput,
        h('label', { class: 'toggle' }, showInternal, 'Show internal')], t.el));
    replace(t.tbody, emptyRow(t.span, 'Loading…'));
    ctx.every(3000, refresh);
  }

  // ---------------------------------------------------------------------------------------------
  // #/topics/NAME

  function topicTabs(name, active) {
    return h('nav', { class: 'tabs' },
      h('a', { href: `#/topics/${enc(name)}`, class: active === 'overview' ? 'active' : null, testid: 'tab-overview', text: 'Partitions' }),
      h('a', { href: `#/topics/${enc(name)}/messages`, class: active === 'messages' ? 'active' : null, testid: 'tab-messages', text: 'Messages' }));
  }

  function topicPage(ctx, view, name) {
    const cards = {
      partitions: card('Partitions', '—', 'topic-partition-count'),
      messages: card('Messages', '—', 'topic-message-count'),
      size: card('Size', '—', 'topic-size'),
      segments: card('Segments', '—', 'topic-segment-count'),
    };
    const parts = table([
      ['Partition', 'num'], ['Leader', 'num'], ['Epoch', 'num'], ['Replicas'], ['In sync'], ['Log start', 'num'],
      ['High watermark', 'num'], ['Messages', 'num'], ['Size', 'num'], ['Segments', 'num'],
    ], 'partitions-body');
    const segs = table([['Partition', 'num'], ['Base offset', 'num'], ['Size', 'num']], 'segments-body');
    const conf = table([['Config'], ['Value']], 'config-body');
    const deleteButton = h('button', {
      type: 'button', class: 'btn danger', testid: 'topic-delete', text: 'Delete topic',
      onclick: async () => {
        if (!window.confirm(`Delete topic "${name}" and all of its messages? This cannot be undone.`)) return;
        try {
          await api(`/api/v1/topics/${enc(name)}`, { method: 'DELETE' });
          banner.clear('action');
          location.hash = '#/topics';
        } catch (err) {
          reportError(err, 'action');
        }
      },
    });

    // Dead-letter topics (named "<topic>.dlt" by the retrying consumer) can be replayed.
    const replayButton = name.endsWith('.dlt') ? h('button', {
      type: 'button', class: 'btn', testid: 'dlt-replay', text: 'Replay dead letters',
      onclick: async () => {
        if (!window.confirm(`Send every record of "${name}" back to its original topic?`)) return;
        try {
          const r = await api(`/api/v1/topics/${enc(name)}/replay-dead-letters`, { method: 'POST', body: {} });
          banner.clear('action');
          replayStatus.textContent = `Replayed ${r.replayed} dead letter${r.replayed === 1 ? '' : 's'}.`;
        } catch (err) {
          reportError(err, 'action');
        }
      },
    }) : null;
    const replayStatus = h('span', { class: 'muted', testid: 'dlt-replay-status' });

    replace(view,
      pageHead([['Topics', '#/topics']], name, ...(replayButton ? [replayStatus, replayButton] : []), deleteButton),
      topicTabs(name, 'overview'),
      h('div', { class: 'cards' }, Object.values(cards).map((c) => c.el)),
      panel(h('h2', { text: 'Partitions' }), parts.el),
      h('div', { class: 'grid-2' },
        panel(h('h2', { text: 'Segments' }), segs.el),
        panel(h('h2', { text: 'Configuration' }), conf.el)));
    replace(parts.tbody, emptyRow(parts.span, 'Loading…'));

    ctx.every(3000, ctx.loader('refresh', async () => {
      const t = await api(`/api/v1/topics/${enc(name)}`);
      if (!ctx.alive) return;
      const partitions = (t.partitions || []).slice().sort((a, b) => a.partition - b.partition);
      const sum = (f) => partitions.reduce((acc, p) => acc + (Number(f(p)) || 0), 0);
      cards.partitions.value.textContent = fmtNum(partitions.length);
      cards.messages.value.textContent = fmtNum(sum((p) => p.messages));
      cards.size.value.textContent = fmtBytes(sum((p) => p.size_bytes));
      cards.segments.value.textContent = fmtNum(sum((p) => (p.segments || []).length));
      replace(parts.tbody, partitions.length ? partitions.map((p) => h('tr', {
        testid: `partition-row-${p.partition}`,
        class: p.offline ? 'row-offline' : (p.under_replicated ? 'row-warn' : null),
        title: p.offline ? 'Offline: no leader' : (p.under_replicated ? 'Under-replicated: fewer in-sync replicas than replicas' : null),
      },
        num(p.partition), num(p.leader_node), num(p.leader_epoch),
        h('td', { class: 'mono', testid: `partition-replicas-${p.partition}`, text: (p.replicas || []).join(', ') }),
        h('td', { class: 'mono', testid: `partition-isr-${p.partition}`, text: (p.isr || []).join(', ') +
          (p.under_replicated ? ' (under-replicated)' : '') }),
        num(p.log_start_offset, `partition-start-${p.partition}`),
        num(p.high_watermark, `partition-hwm-${p.partition}`),
        num(p.messages, `partition-messages-${p.partition}`),
        h('td', { class: 'num', text: fmtBytes(p.size_bytes) }),
        num((p.segments || []).length))) : emptyRow(parts.span, 'No partitions.'));
      const segRows = [];
      for (const p of partitions) {
        for (const sg of p.segments || []) {
          segRows.push(h('tr', null, num(p.partition), num(sg.base_offset), h('td', { class: 'num', text: fmtBytes(sg.size_bytes) })));
        }
      }
      replace(segs.tbody, segRows.length ? segRows : emptyRow(segs.span, 'No segments.'));
      const entries = Object.entries(t.config || {}).sort(([a], [b]) => a.localeCompare(b));
      replace(conf.tbody, entries.length ? entries.map(([k, v]) => h('tr', null,
        h('td', { class: 'mono', text: k }), h('td', { class: 'mono', text: valueText(v) ?? '' })))
        : emptyRow(conf.span, 'No configuration.'));
    }));
  }

  // ---------------------------------------------------------------------------------------------
  // #/topics/NAME/messages

  function messagesPage(ctx, view, name) {
    const partitionSelect = h('select', { testid: 'msg-partition', 'aria-label': 'Partition' }, h('option', { value: '', text: 'All partitions' }));
    const startSelect = h('select', { testid: 'msg-start', 'aria-label': 'Start' },
      h('option', { value: 'beginning', text: 'Oldest' }),
      h('option', { value: 'newest', text: 'Newest (last N)' }),
      h('option', { value: 'offset', text: 'Offset' }),
      h('option', { value: 'timestamp', text: 'Timestamp' }));
    const offsetInput = h('input', { type: 'number', class: 'narrow', min: 0, value: 0, testid: 'msg-offset', 'aria-label': 'Offset' });
    const timeInput = h('input', { type: 'datetime-local', step: 1, testid: 'msg-timestamp', 'aria-label': 'Timestamp' });
    const offsetField = h('label', { class: 'field' }, 'Offset', offsetInput);
    const timeField = h('label', { class: 'field' }, 'From time (local)', timeInput);
    const keyInput = h('input', { type: 'text', placeholder: 'any key', testid: 'msg-key', 'aria-label': 'Key', autocomplete: 'off' });
    const limitInput = h('input', { type: 'number', class: 'narrow', min: 1, max: 1000, value: 50, testid: 'msg-limit', 'aria-label': 'Limit' });
    const formatSelect = h('select', { testid: 'msg-format', 'aria-label': 'Format' },
      h('option', { value: 'text', text: 'Text' }), h('option', { value: 'json', text: 'JSON' }), h('option', { value: 'hex', text: 'Hex' }));
    const loadButton = h('button', { type: 'submit', class: 'btn primary', testid: 'msg-load', text: 'Load' });
    const tailToggle = h('input', { type: 'checkbox', testid: 'msg-live-tail' });
    const tailStatus = h('span', { class: 'status', testid: 'msg-tail-status' });
    const moreButton = h('button', { type: 'button', class: 'btn', testid: 'msg-more', text: 'Load more', hidden: true });
    const summary = h('span', { class: 'muted small', testid: 'msg-summary' });
    const form = h('form', { class: 'controls', testid: 'msg-form' },
      h('label', { class: 'field' }, 'Partition', partitionSelect),
      h('label', { class: 'field' }, 'Start', startSelect),
      offsetField, timeField,
      h('label', { class: 'field' }, 'Key', keyInput),
      h('label', { class: 'field' }, 'Limit', limitInput),
      h('label', { class: 'field' }, 'Format', formatSelect),
      loadButton,
      h('label', { class: 'toggle' }, tailToggle, 'Live tail'),
      tailStatus);
    const t = table([['Partition', 'num'], ['Offset', 'num'], ['Timestamp'], ['Key'], ['Value'], ['Headers']], 'messages-body');

    const syncControls = () => {
      offsetField.hidden = startSelect.value !== 'offset';
      timeField.hidden = startSelect.value !== 'timestamp';
      const byKey = keyInput.value !== '';
      partitionSelect.disabled = byKey;
      partitionSelect.title = byKey ? 'The key decides the partition' : '';
    };
    startSelect.addEventListener('change', syncControls);
    keyInput.addEventListener('input', syncControls);
    syncControls();

    function messageRow(m, format) {
      const headers = m.headers && typeof m.headers === 'object' ? Object.entries(m.headers) : [];
      return h('tr', { testid: 'message-row', 'data-partition': m.partition, 'data-offset': m.offset },
        h('td', { class: 'num mono', testid: 'message-partition', text: fmtNum(m.partition) }),
        h('td', { class: 'num mono', testid: 'message-offset', text: fmtNum(m.offset) }),
        h('td', { class: 'mono nowrap', testid: 'message-timestamp', text: fmtTime(m.timestamp) }),
        h('td', { class: 'mono', testid: 'message-key' }, nullable(m.key, false)),
        h('td', { testid: 'message-value' }, h('pre', { class: 'value' }, nullable(m.value, format === 'json'))),
        h('td', { class: 'mono', testid: 'message-headers' },
          headers.length ? headers.map(([k, v], i) => [i ? h('br') : null, `${k}: `, nullable(v, false)]) : h('span', { class: 'null', text: '—' })));
    }

    function baseParams() {
      const p = new URLSearchParams();
      const key = keyInput.value;
      if (key !== '') p.set('key', key);
      else if (partitionSelect.value !== '') p.set('partition', partitionSelect.value);
      const limit = Math.max(1, Math.min(1000, Number(limitInput.value) || 50));
      p.set('limit', String(limit));
      p.set('format', formatSelect.value);
      return p;
    }

    let next = null; // next_offsets of the last answer
    let shown = 0;
    let loadedFormat = 'text';

    async function fetchMessages(params) {
      return api(`/api/v1/topics/${enc(name)}/messages?${params.toString()}`);
    }

    async function load(event) {
      if (event) event.preventDefault();
      stopTail();
      const params = baseParams();
      if (startSelect.value === 'newest') {
        params.set('offset', String(-Number(params.get('limit'))));
      } else if (startSelect.value === 'offset') {
        params.set('offset', String(Math.max(0, Math.floor(Number(offsetInput.value) || 0))));
      } else if (startSelect.value === 'timestamp') {
        if (!timeInput.value) {
          banner.show('Choose a time to start from.', 'action');
          return;
        }
        const ms = new Date(timeInput.value).getTime();
        if (Number.isNaN(ms)) {
          banner.show('That time is not valid.', 'action');
          return;
        }
        params.set('timestamp', String(ms));
      }
      loadButton.disabled = true;
      try {
        const data = await fetchMessages(params);
        if (!ctx.alive) return;
        banner.clear('action');
        loadedFormat = formatSelect.value;
        const msgs = data.messages || [];
        shown = msgs.length;
        next = data.next_offsets || null;
        replace(t.tbody, msgs.length ? msgs.map((m) => messageRow(m, loadedFormat)) : emptyRow(t.span, 'No messages.'));
        summary.textContent = `${fmtNum(shown)} message${shown === 1 ? '' : 's'}` +
          (isNum(data.scanned) ? ` · ${fmtNum(data.scanned)} scanned` : '');
        moreButton.hidden = !(msgs.length >= Number(params.get('limit')) && next && Object.keys(next).length);
      } catch (err) {
        if (ctx.alive) reportError(err, 'action');
      } finally {
        loadButton.disabled = false;
      }
    }

    async function loadMore() {
      if (!next) return;
      moreButton.disabled = true;
      try {
        const entries = Object.entries(next);
        const answers = await Promise.all(entries.map(([p, offset]) => {
          const params = baseParams();
          if (!params.has('key')) params.set('partition', p);
          params.set('format', loadedFormat);
          params.set('offset', String(offset));
          return fetchMessages(params);
        }));
        if (!ctx.alive) return;
        banner.clear('action');
        const merged = {};
        let added = 0;
        for (const a of answers) {
          Object.assign(merged, a.next_offsets || {});
          const msgs = a.messages || [];
          if (msgs.length && shown === 0) t.tbody.replaceChildren();
          add(t.tbody, msgs.map((m) => messageRow(m, loadedFormat)));
          added += msgs.length;
          shown += msgs.length;
        }
        next = merged;
        summary.textContent = `${fmtNum(shown)} message${shown === 1 ? '' : 's'}`;
        if (!added) {
          moreButton.hidden = true;
          summary.textContent += ' · end of log';
        }
      } catch (err) {
        if (ctx.alive) reportError(err, 'action');
      } finally {
        moreButton.disabled = false;
      }
    }
    moreButton.addEventListener('click', loadMore);

    // Live tail over Server-Sent Events.
    let source = null;
    function stopTail() {
      if (source) {
        source.close();
        source = null;
      }
      tailToggle.checked = false;
      tailStatus.textContent = '';
      tailStatus.classList.remove('live');
    }
    function startTail() {
      stopTail();
      tailToggle.checked = true;
      const params = new URLSearchParams();
      if (partitionSelect.value !== '' && keyInput.value === '') params.set('partition', partitionSelect.value);
      params.set('format', formatSelect.value);
      const format = formatSelect.value;
      const keyFilter = keyInput.value;
      const es = new EventSource(`/api/v1/topics/${enc(name)}/tail?${params.toString()}`);
      source = es;
      shown = 0;
      next = null;
      moreButton.hidden = true;
      replace(t.tbody, emptyRow(t.span, 'Waiting for new messages…'));
      summary.textContent = 'Live: newest first';
      tailStatus.textContent = 'Connecting…';
      es.addEventListener('open', () => {
        if (source !== es) return;
        tailStatus.textContent = 'Live';
        tailStatus.classList.add('live');
      });
      es.addEventListener('message', (ev) => {
        if (source !== es) return;
        let m;
        try {
          m = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (keyFilter !== '' && valueText(m.key) !== keyFilter) return;
        if (shown === 0) t.tbody.replaceChildren();
        t.tbody.prepend(messageRow(m, format));
        shown += 1;
        while (t.tbody.rows.length > 500) t.tbody.deleteRow(-1);
        summary.textContent = `Live: ${fmtNum(shown)} new message${shown === 1 ? '' : 's'}, newest first`;
      });
      es.addEventListener('error', () => {
        if (source !== es) return;
        tailStatus.classList.remove('live');
        if (es.readyState === EventSource.CLOSED) {
          banner.show('Live tail stopped: the broker closed the stream.', 'tail');
          stopTail();
        } else {
          tailStatus.textContent = 'Reconnecting…';
        }
      });
    }
    tailToggle.addEventListener('change', () => {
      if (tailToggle.checked) startTail();
      else stopTail();
    });
    ctx.onDispose(stopTail);
    form.addEventListener('submit', load);

    replace(view,
      pageHead([['Topics', '#/topics'], [name, `#/topics/${enc(name)}`]], name),
      topicTabs(name, 'messages'),
      h('section', { class: 'panel' }, form),
      panel([h('h2', { text: 'Messages' }), summary, h('div', { class: 'spacer' }), moreButton], t.el));
    replace(t.tbody, emptyRow(t.span, 'Loading…'));

    (async () => {
      try {
        const topic = await api(`/api/v1/topics/${enc(name)}`);
        if (!ctx.alive) return;
        const ids = (topic.partitions || []).map((p) => p.partition).sort((a, b) => a - b);
        add(partitionSelect, ids.map((p) => h('option', { value: p, text: `Partition ${p}` })));
      } catch (err) {
        if (ctx.alive) reportError(err, 'action');
        return;
      }
      await load();
    })();
  }

  // ---------------------------------------------------------------------------------------------
  // #/groups

  function groupsPage(ctx, view) {
    const t = table([['Group'], ['State'], ['Type'], ['Members', 'num'], ['Total lag', 'num']], 'groups-body');
    replace(view, pageHead([], 'Consumer groups'), panel(h('h2', { text: 'All groups' }), t.el));
    replace(t.tbody, emptyRow(t.span, 'Loading…'));
    ctx.every(3000, ctx.loader('refresh', async () => {
      const data = await api('/api/v1/groups');
      if (!ctx.alive) return;
      const groups = (data.groups || []).slice().sort((a, b) => String(a.group_id).localeCompare(String(b.group_id)));
      replace(t.tbody, groups.length ? groups.map((g) => h('tr', { testid: `group-row-${g.group_id}` },
        h('td', null, h('a', { href: `#/groups/${enc(g.group_id)}`, testid: `group-link-${g.group_id}`, text: g.group_id })),
        h('td', null, stateBadge(g.state)),
        h('td', { class: 'muted', text: g.protocol_type || '—' }),
        num(g.members, `group-members-${g.group_id}`),
        h('td', { class: `num ${g.total_lag > 0 ? 'lag-pos' : ''}`, testid: `group-lag-${g.group_id}`, text: fmtNum(g.total_lag) })))
        : emptyRow(t.span, 'No consumer groups yet.'));
    }));
  }

  // ---------------------------------------------------------------------------------------------
  // #/groups/ID

  /** A round tick step so that about 4 steps cover `max` (whole numbers: lag counts messages). */
  function tickStep(max) {
    const raw = Math.max(max, 1) / 4;
    const mag = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw && Number.isInteger(m * mag)) return Math.max(1, m * mag);
    return Math.max(1, 10 * mag);
  }

  function lagChart(points) {
    const pts = (points || []).filter((p) => isNum(p.timestamp_ms) && isNum(p.total_lag));
    if (!pts.length) return h('div', { class: 'chart-empty', testid: 'lag-chart-empty', text: 'No samples yet: the broker samples lag every 5 s.' });
    const W = 800;
    const H = 200;
    const L = 56;
    const R = 12;
    const T = 10;
    const B = 24;
    let x0 = pts[0].timestamp_ms;
    let x1 = pts[pts.length - 1].timestamp_ms;
    if (x1 <= x0) {
      x0 -= 30000;
      x1 += 30000;
    }
    const step = tickStep(Math.max(...pts.map((p) => p.total_lag)));
    const yMax = Math.max(step, Math.ceil(Math.max(...pts.map((p) => p.total_lag)) / step) * step);
    const X = (t) => L + ((t - x0) / (x1 - x0)) * (W - L - R);
    const Y = (v) => T + (1 - v / yMax) * (H - T - B);
    const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Total lag over time', 'data-testid': 'lag-chart' });
    for (let v = 0; v <= yMax; v += step) {
      const y = Y(v);
      svg.append(s('line', { class: 'grid', x1: L, x2: W - R, y1: y, y2: y }));
      svg.append(s('text', { class: 'axis-label', x: L - 8, y: y + 4, 'text-anchor': 'end', text: fmtNum(v) }));
    }
    const ticks = 5;
    for (let i = 0; i < ticks; i += 1) {
      const t = x0 + ((x1 - x0) * i) / (ticks - 1);
      const anchor = i === 0 ? 'start' : i === ticks - 1 ? 'end' : 'middle';
      svg.append(s('text', { class: 'axis-label', x: X(t), y: H - 6, 'text-anchor': anchor, text: fmtClock(t) }));
    }
    const coords = pts.map((p) => `${X(p.timestamp_ms).toFixed(1)},${Y(p.total_lag).toFixed(1)}`);
    if (pts.length > 1) {
      const base = Y(0).toFixed(1);
      svg.append(s('path', { class: 'area', d: `M${X(pts[0].timestamp_ms).toFixed(1)},${base}L${coords.join('L')}L${X(pts[pts.length - 1].timestamp_ms).toFixed(1)},${base}Z` }));
      svg.append(s('polyline', { class: 'line', points: coords.join(' ') }));
    }
    const lastPt = pts[pts.length - 1];
    svg.append(s('circle', { class: 'dot', cx: X(lastPt.timestamp_ms), cy: Y(lastPt.total_lag), r: 3.5 },
      s('title', { text: `${fmtTime(lastPt.timestamp_ms)}: ${fmtNum(lastPt.total_lag)}` })));
    return svg;
  }

  function groupPage(ctx, view, id) {
    const base = `/api/v1/groups/${enc(id)}`;
    const cards = {
      state: card('State', '—', 'group-state-card'),
      members: card('Members', '—', 'group-member-count'),
      generation: card('Generation', '—', 'group-generation'),
      protocol: card('Protocol', '—', 'group-protocol'),
      lag: card('Total lag', '—', 'group-lag-total'),
    };
    const chartBox = h('div', { class: 'chart-box', testid: 'lag-chart-box' }, h('div', { class: 'chart-empty', text: 'Loading…' }));
    const parts = table([
      ['Topic'], ['Partition', 'num'], ['Member'], ['Committed', 'num'], ['End offset', 'num'], ['Lag', 'num'], ['Lag time', 'num'],
    ], 'group-partitions-body');
    const members = table([['Member'], ['Client id'], ['Host'], ['Partitions']], 'group-members-body');
    const history = table([['Time'], ['Generation', 'num'], ['Reason']], 'group-history-body');

    // Offset reset form: Preview (dry run), then Apply the same request.
    const topicInput = h('input', { type: 'text', list: 'reset-topics', required: true, placeholder: 'topic', testid: 'reset-topic', 'aria-label': 'Topic', autocomplete: 'off' });
    const topicList = h('datalist', { id: 'reset-topics' });
    const toSelect = h('select', { testid: 'reset-to', 'aria-label': 'Reset to' },
      h('option', { value: 'earliest', text: 'Earliest' }), h('option', { value: 'latest', text: 'Latest' }),
      h('option', { value: 'timestamp', text: 'Timestamp' }), h('option', { value: 'offset', text: 'Offset' }));
    const offsetInput = h('input', { type: 'number', class: 'narrow', min: 0, value: 0, testid: 'reset-offset', 'aria-label': 'Offset' });
    const timeInput = h('input', { type: 'datetime-local', step: 1, testid: 'reset-timestamp', 'aria-label': 'Timestamp' });
    const offsetField = h('label', { class: 'field' }, 'Offset', offsetInput);
    const timeField = h('label', { class: 'field' }, 'Time (local)', timeInput);
    const partitionsInput = h('input', { type: 'text', placeholder: 'all, or e.g. 0,2', testid: 'reset-partitions', 'aria-label': 'Partitions' });
    const previewButton = h('button', { type: 'submit', class: 'btn', testid: 'reset-preview', text: 'Preview' });
    const applyButton = h('button', { type: 'button', class: 'btn primary', testid: 'reset-apply', text: 'Apply', disabled: true });
    const resetStatus = h('span', { class: 'status', testid: 'reset-status' });
    const resetResult = h('div', { class: 'result', testid: 'reset-result' });
    const resetForm = h('form', { class: 'controls', testid: 'reset-form' },
      h('label', { class: 'field' }, 'Topic', topicInput), topicList,
      h('label', { class: 'field' }, 'Reset to', toSelect),
      offsetField, timeField,
      h('label', { class: 'field' }, 'Partitions', partitionsInput),
      previewButton, applyButton, resetStatus);
    let previewed = null; // JSON of the request that was previewed

    const syncReset = () => {
      offsetField.hidden = toSelect.value !== 'offset';
      timeField.hidden = toSelect.value !== 'timestamp';
    };
    function resetRequest() {
      const body = { topic: topicInput.value.trim(), to: toSelect.value };
      if (!body.topic) throw new Error('Choose a topic to reset.');
      if (body.to === 'offset') {
        const v = Number(offsetInput.value);
        if (!Number.isInteger(v) || v < 0) throw new Error('The offset must be a whole number ≥ 0.');
        body.value = v;
      } else if (body.to === 'timestamp') {
        const v = new Date(timeInput.value).getTime();
        if (!timeInput.value || Number.isNaN(v)) throw new Error('Choose a time to reset to.');
        body.value = v;
      }
      const raw = partitionsInput.value.trim();
      if (raw && raw.toLowerCase() !== 'all') {
        const list = raw.split(/[\s,]+/).filter(Boolean).map(Number);
        if (list.some((p) => !Number.isInteger(p) || p < 0)) throw new Error('Partitions: a comma-separated list of numbers.');
        body.partitions = list;
      }
      return body;
    }
    const invalidate = () => {
      previewed = null;
      applyButton.disabled = true;
    };
    for (const el of [topicInput, toSelect, offsetInput, timeInput, partitionsInput]) {
      el.addEventListener('input', invalidate);
      el.addEventListener('change', invalidate);
    }
    toSelect.addEventListener('change', syncReset);
    syncReset();

    function renderReset(answer, applied) {
      const rows = (answer.partitions || []).map((p) => h('tr', null,
        h('td', { class: 'mono', text: p.topic }), num(p.partition), num(p.from), num(p.to),
        h('td', { class: 'num', text: isNum(p.from) && isNum(p.to) ? `${p.to - p.from >= 0 ? '+' : ''}${fmtNum(p.to - p.from)}` : '—' })));
      const rt = table([['Topic'], ['Partition', 'num'], ['From', 'num'], ['To', 'num'], ['Change', 'num']], 'reset-result-body');
      replace(rt.tbody, rows.length ? rows : emptyRow(rt.span, 'Nothing to reset.'));
      replace(resetResult, h('div', { class: 'hint', text: applied ? 'Offsets were reset:' : 'Preview (nothing changed yet):' }), rt.el);
    }

    resetForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      let body;
      try {
        body = resetRequest();
      } catch (err) {
        reportError(err, 'action');
        return;
      }
      previewButton.disabled = true;
      try {
        const answer = await api(`${base}/reset-offsets`, { method: 'POST', body: { ...body, dry_run: true } });
        if (!ctx.alive) return;
        banner.clear('action');
        renderReset(answer, false);
        previewed = JSON.stringify(body);
        applyButton.disabled = false;
        resetStatus.textContent = 'Check the preview, then Apply.';
      } catch (err) {
        if (ctx.alive) reportError(err, 'action');
      } finally {
        previewButton.disabled = false;
      }
    });
    applyButton.addEventListener('click', async () => {
      let body;
      try {
        body = resetRequest();
      } catch (err) {
        reportError(err, 'action');
        return;
      }
      if (JSON.stringify(body) !== previewed) {
        invalidate();
        banner.show('The form changed since the preview; preview again.', 'action');
        return;
      }
      if (!window.confirm(`Reset the offsets of group "${id}" on topic "${body.topic}"?`)) return;
      applyButton.disabled = true;
      try {
        const answer = await api(`${base}/reset-offsets`, { method: 'POST', body: { ...body, dry_run: false } });
        if (!ctx.alive) return;
        banner.clear('action');
        renderReset(answer, true);
        previewed = null;
        resetStatus.textContent = 'Offsets reset.';
        refresh();
      } catch (err) {
        if (ctx.alive) reportError(err, 'action');
        applyButton.disabled = false;
      }
    });

    const deleteButton = h('button', {
      type: 'button', class: 'btn danger', testid: 'group-delete', text: 'Delete group',
      onclick: async () => {
        if (!window.confirm(`Delete consumer group "${id}" and its committed offsets?`)) return;
        try {
          await api(base, { method: 'DELETE' });
          banner.clear('action');
          location.hash = '#/groups';
        } catch (err) {
          reportError(err, 'action');
        }
      },
    });

    const refresh = ctx.loader('refresh', async () => {
      const g = await api(base);
      if (!ctx.alive) return;
      replace(cards.state.value, stateBadge(g.state));
      cards.members.value.textContent = fmtNum((g.members || []).length);
      cards.generation.value.textContent = fmtNum(g.generation);
      cards.protocol.value.textContent = g.protocol || g.protocol_type || '—';
      cards.lag.value.textContent = fmtNum(g.total_lag);

      const ps = (g.partitions || []).slice().sort((a, b) => String(a.topic).localeCompare(String(b.topic)) || a.partition - b.partition);
      replace(parts.tbody, ps.length ? ps.map((p) => h('tr', { testid: `partition-row-${p.topic}-${p.partition}` },
        h('td', null, h('a', { href: `#/topics/${enc(p.topic)}`, text: p.topic })),
        num(p.partition),
        h('td', { class: 'mono small' }, p.member_id ? p.member_id : h('span', { class: 'null', text: 'unassigned' })),
        h('td', { class: 'num', testid: `partition-committed-${p.topic}-${p.partition}` },
          p.committed === -1 ? h('span', { class: 'null', text: 'none' }) : fmtNum(p.committed)),
        num(p.end_offset, `partition-end-${p.topic}-${p.partition}`),
        h('td', { class: `num ${p.lag > 0 ? 'lag-pos' : ''}`, testid: `partition-lag-${p.topic}-${p.partition}`, text: fmtNum(p.lag) }),
        h('td', { class: 'num', testid: `partition-lag-time-${p.topic}-${p.partition}`, text: p.lag > 0 ? fmtDuration(p.lag_ms) : '—' })))
        : emptyRow(parts.span, 'No committed offsets or assignments.'));

      const ms = g.members || [];
      replace(members.tbody, ms.length ? ms.map((m) => {
        const byTopic = new Map();
        for (const a of m.partitions || []) {
          if (!byTopic.has(a.topic)) byTopic.set(a.topic, []);
          byTopic.get(a.topic).push(a.partition);
        }
        const assigned = [...byTopic.entries()].map(([topic, list]) => `${topic}: ${list.sort((a, b) => a - b).join(', ')}`);
        return h('tr', { testid: `member-row-${m.member_id}` },
          h('td', { class: 'mono small', text: m.member_id }),
          h('td', { class: 'mono small', text: m.client_id || '—' }),
          h('td', { class: 'mono small', text: m.client_host || '—' }),
          h('td', { class: 'mono small' }, assigned.length ? assigned.map((x, i) => [i ? h('br') : null, x]) : h('span', { class: 'null', text: 'none' })));
      }) : emptyRow(members.span, 'No active members.'));

      // Newest first; the API lists oldest first, so equal timestamps keep their reverse order.
      const hs = (g.history || []).map((x, i) => [x, i]).sort((a, b) => (b[0].timestamp_ms - a[0].timestamp_ms) || (b[1] - a[1])).map(([x]) => x);
      replace(history.tbody, hs.length ? hs.map((x) => h('tr', { testid: 'history-row' },
        h('td', { class: 'mono small nowrap', text: fmtTime(x.timestamp_ms) }), num(x.generation), h('td', { text: x.reason || '—' })))
        : emptyRow(history.span, 'No rebalances recorded.'));

      const topics = [...new Set(ps.map((p) => p.topic))].sort();
      if (topics.join('\n') !== [...topicList.options].map((o) => o.value).join('\n')) {
        replace(topicList, topics.map((x) => h('option', { value: x })));
      }
      if (!topicInput.value && topics.length === 1 && document.activeElement !== topicInput) topicInput.value = topics[0];
    });

    const refreshChart = ctx.loader('chart', async () => {
      const data = await api(`${base}/lag-history`);
      if (!ctx.alive) return;
      replace(chartBox, lagChart(data.points));
    });

    replace(view,
      pageHead([['Consumer groups', '#/groups']], id, deleteButton),
      h('div', { class: 'cards' }, Object.values(cards).map((c) => c.el)),
      h('section', { class: 'panel' }, h('h2', { text: 'Total lag (messages), last hour' }), chartBox),
      panel(h('h2', { text: 'Partitions' }), parts.el),
      panel(h('h2', { text: 'Members' }), members.el),
      h('section', { class: 'panel', testid: 'reset-panel' },
        h('h2', { text: 'Reset offsets' }), resetForm,
        h('div', { class: 'hint', text: 'The group must have no active members. Preview shows the change; Apply commits it.' }),
        resetResult),
      panel(h('h2', { text: 'Rebalance history' }), history.el));
    replace(parts.tbody, emptyRow(parts.span, 'Loading…'));
    ctx.every(3000, refresh);
    ctx.every(5000, refreshChart);
  }

  // ---------------------------------------------------------------------------------------------
  // #/node

  function nodePage(ctx, view) {
    const cards = {
      uptime: card('Uptime', '—', 'node-uptime'),
      topics: card('Topics', '—', 'node-topics'),
      partitions: card('Partitions', '—', 'node-partitions'),
      groups: card('Groups', '—', 'node-groups'),
      bytes: card('Log size', '—', 'node-log-bytes'),
      conns: card('Kafka connections', '—', 'node-kafka-connections'),
    };
    const info = h('dl', { class: 'kv', testid: 'node-info' });
    const members = table([['Node', 'num'], ['Node address'], ['Kafka'], ['HTTP'], ['Leads', 'num'], ['Role']], 'cluster-nodes-body');
    const attention = table([['Partition'], ['Leader', 'num'], ['Replicas'], ['In sync'], ['State']], 'cluster-attention-body');
    const clusterLine = h('p', { class: 'muted', testid: 'cluster-summary' });
    replace(view, pageHead([], 'Node'),
      h('div', { class: 'cards' }, Object.values(cards).map((c) => c.el)),
      h('section', { class: 'panel' }, h('h2', { text: 'Details' }), info),
      panel(h('h2', { text: 'Cluster' }), clusterLine, members.el),
      panel(h('h2', { text: 'Partitions that need attention' }), attention.el));
    ctx.every(3000, ctx.loader('refresh', async () => {
      const n = await api('/api/v1/node');
      if (!ctx.alive) return;
      cards.uptime.value.textContent = fmtDuration(Number(n.uptime_s) * 1000);
      cards.topics.value.textContent = fmtNum(n.topics);
      cards.partitions.value.textContent = fmtNum(n.partitions);
      cards.groups.value.textContent = fmtNum(n.groups);
      cards.bytes.value.textContent = fmtBytes(n.log_bytes);
      cards.conns.value.textContent = fmtNum(n.kafka_connections);
      const rows = [
        ['Node id', n.node_id], ['Version', n.version], ['Node address', n.node_addr], ['Kafka address', n.kafka_addr],
        ['HTTP address', n.http_addr], ['Data directory', n.data_dir],
      ];
      replace(info, rows.map(([k, v]) => [h('dt', { text: k }),
        h('dd', { class: 'mono', testid: `node-${k.toLowerCase().replace(/\s+/g, '-')}`, text: valueText(v) ?? '—' })]));
      const c = await api('/api/v1/cluster');
      if (!ctx.alive) return;
      clusterLine.textContent = `${c.single_node ? 'Single node' : 'Cluster'} ${c.cluster_id || ''} · metadata in ` +
        `${c.metadata_store} · controller: node ${c.controller_id} (epoch ${c.controller_epoch}) · ${fmtNum(c.partitions)} partitions`;
      replace(members.tbody, (c.nodes || []).map((m) => h('tr', { testid: `cluster-node-${m.id}` },
        num(m.id), h('td', { class: 'mono', text: m.node_addr }), h('td', { class: 'mono', text: m.kafka_addr || '—' }),
        h('td', { class: 'mono', text: m.http_addr || '—' }), num(m.leaders),
        h('td', { text: [m.controller ? 'controller' : '', m.draining ? 'draining' : '', m.id === c.this_node ? 'this node' : '']
          .filter(Boolean).join(', ') || 'member' }))));
      const rowsNeeding = [];
      for (const [list, state, cls] of [[c.offline, 'offline', 'row-offline'], [c.under_replicated, 'under-replicated', 'row-warn'],
        [c.reassigning, 'reassigning', null]]) {
        for (const p of list || []) {
          rowsNeeding.push(h('tr', { class: cls, testid: `attention-${p.topic}-${p.partition}` },
            h('td', { class: 'mono', text: `${p.topic}/${p.partition}` }), num(p.leader_node),
            h('td', { class: 'mono', text: (p.replicas || []).join(', ') }), h('td', { class: 'mono', text: (p.isr || []).join(', ') }),
            h('td', { text: state + (p.target_replicas ? ` → ${p.target_replicas.join(', ')}` : '') })));
        }
      }
      replace(attention.tbody, rowsNeeding.length ? rowsNeeding : emptyRow(attention.span, 'Every partition is fully replicated.'));
    }));
  }

  // ---------------------------------------------------------------------------------------------
  // Login (brokers that require a user on the HTTP port): a session cookie set by /api/v1/login.

  const auth = { user: null, loginShown: false, loginError: null };

  function setUser(name) {
    auth.user = name || null;
    const box = document.getElementById('user-box');
    if (!auth.user) {
      replace(box);
      box.hidden = true;
      return;
    }
    const logout = h('button', { type: 'button', class: 'btn small', testid: 'logout', text: 'Sign out' });
    logout.addEventListener('click', async () => {
      try {
        await api('/api/v1/logout', { method: 'POST', noLoginPrompt: true });
      } catch {
        /* the cookie is dropped by the answer; nothing else to undo */
      }
      setUser(null);
      showLogin('');
    });
    replace(box, h('span', { class: 'muted small', text: 'Signed in as ' }), h('span', { testid: 'signed-in-user', text: auth.user }), logout);
    box.hidden = false;
  }

  function showLogin(message) {
    if (page) {
      page.dispose();
      page = null;
    }
    banner.clear();
    if (auth.loginShown) {
      if (message) auth.loginError.textContent = message;
      return;
    }
    auth.loginShown = true;
    const user = h('input', { type: 'text', autocomplete: 'username', required: true, testid: 'login-user', 'aria-label': 'User' });
    const password = h('input', {
      type: 'password', autocomplete: 'current-password', required: true, testid: 'login-password', 'aria-label': 'Password',
    });
    const error = h('div', { class: 'login-error', testid: 'login-error', role: 'alert', text: message || '' });
    auth.loginError = error;
    const submit = h('button', { type: 'submit', class: 'btn primary', testid: 'login-submit', text: 'Sign in' });
    const form = h('form', { class: 'login panel', testid: 'login-form' },
      h('h1', { text: 'Sign in' }),
      h('p', { class: 'muted small', text: 'This broker asks for a user (created with fluxo user create).' }),
      h('label', { class: 'field' }, 'User', user),
      h('label', { class: 'field' }, 'Password', password),
      submit, error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      error.textContent = '';
      try {
        const r = await api('/api/v1/login', { method: 'POST', body: { user: user.value, password: password.value }, noLoginPrompt: true });
        auth.loginShown = false;
        setUser(r.user);
        navigate();
        loadBadge();
      } catch (err) {
        error.textContent = err.status === 401 ? 'Wrong user name or password.' : err.message;
        password.value = '';
        password.focus();
      } finally {
        submit.disabled = false;
      }
    });
    for (const a of document.querySelectorAll('[data-nav]')) a.classList.remove('active');
    replace(document.getElementById('view'), form);
    user.focus();
  }

  // ---------------------------------------------------------------------------------------------
  // Router

  function notFound(ctx, view) {
    replace(view, pageHead([], 'Not found'), h('section', { class: 'panel' },
      'There is no such page. ', h('a', { href: '#/topics', text: 'Back to topics' })));
  }

  function parseRoute() {
    const raw = location.hash.replace(/^#\/?/, '');
    let parts;
    try {
      parts = raw.split('/').filter((x) => x !== '').map(decodeURIComponent);
    } catch {
      return { nav: null, render: notFound };
    }
    const [section, id, sub] = parts;
    if (!section || (section === 'topics' && !id)) return { nav: 'topics', render: topicsPage };
    if (section === 'topics' && parts.length === 2) return { nav: 'topics', render: (c, v) => topicPage(c, v, id) };
    if (section === 'topics' && parts.length === 3 && sub === 'messages') return { nav: 'topics', render: (c, v) => messagesPage(c, v, id) };
    if (section === 'groups' && parts.length === 1) return { nav: 'groups', render: groupsPage };
    if (section === 'groups' && parts.length === 2) return { nav: 'groups', render: (c, v) => groupPage(c, v, id) };
    if (section === 'node' && parts.length === 1) return { nav: 'node', render: nodePage };
    return { nav: null, render: notFound };
  }

  function navigate() {
    if (auth.loginShown) return;  // pages wait for the login
    if (page) page.dispose();
    banner.clear();
    const { nav, render } = parseRoute();
    for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === nav);
    const view = document.getElementById('view');
    page = new PageContext();
    render(page, view);
    window.scrollTo(0, 0);
  }

  async function loadBadge() {
    try {
      const n = await api('/api/v1/node');
      replace(document.getElementById('node-badge'), `fluxo ${n.version ?? ''}`, h('br'), `node ${n.node_id ?? '—'} · ${n.kafka_addr ?? ''}`);
    } catch {
      /* the pages report errors themselves */
    }
  }

  async function start() {
    banner.el = document.getElementById('error-banner');
    banner.text = document.getElementById('error-text');
    document.getElementById('error-close').addEventListener('click', () => banner.clear());
    window.addEventListener('hashchange', navigate);
    if (!location.hash) history.replaceState(null, '', '#/topics');
    let who = null;
    try {
      who = await api('/api/v1/whoami', { noLoginPrompt: true });
    } catch {
      /* an older or unreachable broker: the pages report it */
    }
    setUser(who && who.user);
    if (who && who.login_required && !who.user) {
      showLogin('');
      return;
    }
    navigate();
    loadBadge();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
