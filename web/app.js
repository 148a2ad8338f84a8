// dflsim explorer: the page's logic (plain ES module, no dependencies). Every number comes
// from the server's JSON API under /api.

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const DEFAULT_TOPOLOGIES = ['ring', 'multigraph-ring', 'star', 'mst'];

const state = {
  network: 'gaia-cities',
  view: null,
  topologies: new Set(DEFAULT_TOPOLOGIES),
  tMax: 5,
  computeMs: {},
  /** Link capacity edits (Gbit/s) by link key `A|B` (the ends' node names). */
  linkCapacityGbps: {},
  /** The selected link's index in the view's links, or null. */
  selectedLink: null,
  /** Topology options: MATCHA's budget, the Base-(k+1) construction, EquiDyn's eta (null: the library's default). */
  budget: 0.5,
  baseGraph: 'dflsim',
  equidynEta: null,
  selected: null,
  rounds: null,
  round: 0,
  seq: 0,
  roundsSeq: 0,
  run: null,
  /** The last cycle-time report (its critical circuits are drawn on the map). */
  report: null,
  /** The uploaded silo profile's id (for state.network), or null. */
  siloProfile: null,
  /** The clock: `max-plus`, or `events` with sharing, stragglers and failures (the config fields' JSON). */
  clock: { clock: 'max-plus', sharing: 'fixed', stragglers: null, failures: null },
  /** The training config the textarea was last filled with (refilled while the user has not edited it). */
  trainDefault: '',
};

function status(text, error = false) {
  const s = $('status');
  s.textContent = text;
  s.className = error ? 'error' : '';
}

async function api(method, url, body, raw = false) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = raw ? body : JSON.stringify(body);
    init.headers['content-type'] = raw ? 'text/plain' : 'application/json';
  }
  const res = await fetch(url, init);
  const value = await res.json();
  if (!res.ok) throw new Error(value.error || `HTTP ${res.status}`);
  return value;
}

function el(tag, attrs = {}, parent) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

/** Screen positions of the silos and routers (fit to the map's viewBox). */
function positions(view) {
  const pts = [...view.silos, ...view.routers].map((p) => (view.layout === 'geo' ? { x: p.x, y: -p.y } : { x: p.x, y: -p.y }));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const W = 800,
    H = 420,
    pad = 30;
  const s = Math.min((W - 2 * pad) / Math.max(1e-9, x1 - x0), (H - 2 * pad) / Math.max(1e-9, y1 - y0));
  return pts.map((p) => ({ x: pad + (p.x - x0) * s, y: pad + (p.y - y0) * s }));
}

function drawMap() {
  const svg = $('map');
  svg.replaceChildren();
  const view = state.view;
  if (!view) return;
  const pos = positions(view);
  const links = el('g', { class: 'links' }, svg);
  const nodeNames = [...view.silos.map((s) => s.name), ...view.routers.map((r) => r.name)];
  view.links.forEach(([a, b], i) => {
    const key = `${nodeNames[a]}|${nodeNames[b]}`;
    const cls = ['link', state.linkCapacityGbps[key] !== undefined ? 'edited' : '', state.selectedLink === i ? 'selected-link' : '']
      .filter(Boolean)
      .join(' ');
    el('line', { class: cls, x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y, 'data-link': key }, links);
    // a wide transparent stroke to click
    const hit = el('line', { class: 'link-hit', x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y, 'data-link-hit': key }, links);
    hit.addEventListener('click', () => selectLink(i));
  });
  const r = state.rounds?.rounds[state.round];
  const isolated = new Set(r ? r.isolated : []);
  if (r) {
    const g = el('g', { class: 'round' }, svg);
    for (const [a, b] of r.weak) el('line', { class: 'weak', x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y }, g);
    for (const [a, b] of r.strong) el('line', { class: 'strong', x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y }, g);
  }
  // the chosen topology's critical circuit: thick coloured edges (the circuit closes on its first silo)
  const circuit = criticalCircuitIndices();
  if (circuit.length) {
    const g = el('g', { class: 'critical-circuit' }, svg);
    const seen = new Set();
    circuit.forEach((a, j) => {
      const b = circuit[(j + 1) % circuit.length];
      const key = a < b ? `${a}-${b}` : `${b}-${a}`;
      if (a === b || seen.has(key)) return;
      seen.add(key);
      el(
        'line',
        {
          class: 'critical',
          x1: pos[a].x,
          y1: pos[a].y,
          x2: pos[b].x,
          y2: pos[b].y,
          'data-from': view.silos[a].name,
          'data-to': view.silos[b].name,
        },
        g,
      );
    });
    if (circuit.length === 1) el('circle', { class: 'critical', cx: pos[circuit[0]].x, cy: pos[circuit[0]].y, r: 11 }, g);
  }
  view.routers.forEach((_, j) => {
    const p = pos[view.silos.length + j];
    el('circle', { class: 'router', cx: p.x, cy: p.y, r: 2.5 }, svg);
  });
  const small = view.silos.length > 40;
  view.silos.forEach((s, i) => {
    const cls = ['silo', isolated.has(i) ? 'isolated' : '', state.selected === s.name ? 'selected' : ''].filter(Boolean).join(' ');
    const c = el('circle', { class: cls, cx: pos[i].x, cy: pos[i].y, r: small ? 4 : 6, 'data-silo': s.name }, svg);
    const t = el('title', {}, c);
    t.textContent = `${s.label}${state.computeMs[s.name] ? `: ${state.computeMs[s.name]} ms per step` : ''}`;
    c.addEventListener('click', () => selectSilo(s.name));
    if (!small) {
      const label = el('text', { x: pos[i].x + 7, y: pos[i].y - 5 }, svg);
      label.textContent = s.label;
    }
  });
}

/** A silo's index in the view by its name or its displayed label (-1 if none). */
function siloIndex(name) {
  const i = state.view.silos.findIndex((s) => s.name === name);
  return i >= 0 ? i : state.view.silos.findIndex((s) => s.label === name);
}

/** The chosen topology's row of the last cycle-time report. */
function chosenResult() {
  const t = $('round-topology').value;
  return state.report?.results.find((r) => r.topology === t);
}

/** The chosen topology's critical circuit as silo indices (empty when it has none, e.g. a multigraph's mean). */
function criticalCircuitIndices() {
  const r = chosenResult();
  if (!r || !state.view) return [];
  const idx = r.criticalCircuit.map(siloIndex);
  return idx.some((i) => i < 0) ? [] : idx;
}

function showCriticalInfo() {
  const r = chosenResult();
  const info = $('critical-info');
  info.dataset.circuit = JSON.stringify(r ? r.criticalCircuit : []);
  info.textContent = r
    ? r.criticalCircuit.length
      ? `critical circuit of ${r.topology} (thick red): ${r.criticalCircuit.join(' > ')}${r.bottleneck ? `; bottleneck ${r.bottleneck}` : ''}`
      : `${r.topology}: no single critical circuit (its cycle time is a mean over its rounds or on the event clock)`
    : '';
}

function selectSilo(name) {
  state.selected = name;
  $('silo-editor').hidden = false;
  $('silo-name').textContent = name;
  const s = state.view.silos.find((x) => x.name === name);
  $('silo-compute').value = state.computeMs[name] ?? s?.computeMs ?? '';
  drawMap();
}

/** A link's key `A|B` (its ends' node names, as the API takes them). */
function linkKey(i) {
  const view = state.view;
  const names = [...view.silos.map((s) => s.name), ...view.routers.map((r) => r.name)];
  const [a, b] = view.links[i];
  return `${names[a]}|${names[b]}`;
}

function selectLink(i) {
  state.selectedLink = i;
  const key = linkKey(i);
  const info = state.view.linkInfo?.[i] ?? {};
  $('link-editor').hidden = false;
  $('link-name').textContent = key.split('|').join(' – ');
  const cap =
    info.capacityGbps !== undefined
      ? `${info.capacityGbps} Gbit/s in the network`
      : 'no capacity in the network (timed at the core capacity)';
  const edited = state.linkCapacityGbps[key] !== undefined ? `; edited: ${state.linkCapacityGbps[key]} Gbit/s` : '';
  $('link-info').textContent = `${(info.distanceKm ?? 0).toFixed(0)} km, latency ${(info.latencyMs ?? 0).toFixed(2)} ms; ${cap}${edited}`;
  $('link-capacity').value = state.linkCapacityGbps[key] ?? info.capacityGbps ?? '';
  drawMap();
}

function renderTopologyChoices(names) {
  const box = $('topologies');
  box.replaceChildren();
  for (const name of names) {
    const label = document.createElement('label');
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.value = name;
    cb.checked = state.topologies.has(name);
    cb.addEventListener('change', () => {
      if (cb.checked) state.topologies.add(name);
      else state.topologies.delete(name);
      refresh();
    });
    label.append(cb, ` ${name}`);
    box.appendChild(label);
  }
}

/** The clock's request fields (none for max-plus, the default). */
function clockFields() {
  const c = state.clock;
  if (c.clock !== 'events') return {};
  return {
    clock: 'events',
    ...(c.sharing !== 'fixed' ? { sharing: c.sharing } : {}),
    ...(c.stragglers ? { stragglers: c.stragglers } : {}),
    ...(c.failures ? { failures: c.failures } : {}),
  };
}

/** The topology options' request fields (those left at the library's default are omitted). */
function topologyOptionFields() {
  return {
    ...(state.budget !== 0.5 ? { budget: state.budget } : {}),
    ...(state.baseGraph !== 'dflsim' ? { baseGraph: state.baseGraph } : {}),
    ...(state.equidynEta !== null ? { equidynEta: state.equidynEta } : {}),
  };
}

function timingBody() {
  const body = { network: state.network, tMax: state.tMax, ...topologyOptionFields(), ...clockFields() };
  if (Object.keys(state.computeMs).length) body.computeMs = state.computeMs;
  if (Object.keys(state.linkCapacityGbps).length) body.linkCapacityGbps = state.linkCapacityGbps;
  if (state.siloProfile) body.siloProfile = state.siloProfile;
  return body;
}

/** Failures from the textarea: `silo: from-to` a line, as the config's `failures.silos`. */
function parseFailures(text) {
  const silos = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^(.+):\s*(\d+)\s*-\s*(\d+)\s*$/.exec(line.trim());
    if (!m) throw new Error(`failures line ${i + 1}: expected "silo: from-to", e.g. "Tokyo: 2-4"`);
    const j = siloIndex(m[1].trim());
    silos.push({ silo: j >= 0 ? state.view.silos[j].name : m[1].trim(), fromRound: Number(m[2]), toRound: Number(m[3]) });
  });
  return silos.length ? { silos } : null;
}

/** Read the clock panel into state.clock (throws on a malformed failures line). */
function readClock() {
  const model = $('straggler-model').value;
  state.clock = {
    clock: $('clock').value,
    sharing: $('sharing').value,
    stragglers:
      model === 'lognormal'
        ? { model, sigma: Number($('straggler-sigma').value) }
        : model === 'two-point'
          ? { model, p: Number($('straggler-p').value), slowdown: Number($('straggler-slowdown').value) }
          : null,
    failures: parseFailures($('failures').value),
  };
}

/** Show the clock panel's inputs for state.clock. */
function showClock() {
  const c = state.clock;
  $('clock').value = c.clock;
  $('event-options').hidden = c.clock !== 'events';
  $('sharing').value = c.sharing;
  $('straggler-model').value = c.stragglers?.model ?? '';
  if (c.stragglers?.model === 'lognormal') $('straggler-sigma').value = String(c.stragglers.sigma);
  if (c.stragglers?.model === 'two-point') {
    $('straggler-p').value = String(c.stragglers.p);
    $('straggler-slowdown').value = String(c.stragglers.slowdown);
  }
  for (const e of document.querySelectorAll('#event-options .lognormal')) e.hidden = c.stragglers?.model !== 'lognormal';
  for (const e of document.querySelectorAll('#event-options .two-point')) e.hidden = c.stragglers?.model !== 'two-point';
  $('failures').value = (c.failures?.silos ?? []).map((f) => `${f.silo}: ${f.fromRound}-${f.toRound}`).join('\n');
}

function selectedTopologies() {
  return [...document.querySelectorAll('#topologies input:checked')].map((c) => c.value);
}

async function refreshTable() {
  const topologies = selectedTopologies();
  const tbody = document.querySelector('#cycle-times tbody');
  if (!topologies.length) {
    tbody.replaceChildren();
    return;
  }
  const seq = ++state.seq;
  const started = performance.now();
  status('timing...');
  try {
    const report = await api('POST', '/api/cycle-times', { ...timingBody(), topologies });
    if (seq !== state.seq) return; // a newer request is on its way
    state.report = report;
    const ring = report.results.find((r) => r.topology === 'ring')?.cycleTimeMs;
    tbody.replaceChildren();
    for (const r of report.results) {
      const tr = document.createElement('tr');
      tr.dataset.topology = r.topology;
      if (r.topology === $('round-topology').value) tr.classList.add('chosen');
      tr.title = 'click: draw its overlay and critical circuit on the map';
      tr.addEventListener('click', () => {
        $('round-topology').value = r.topology;
        void busy(refreshRounds);
      });
      const cells = [
        r.topology,
        r.cycleTimeMs.toFixed(2),
        ring ? `${(r.cycleTimeMs / ring).toFixed(2)}x` : '',
        r.criticalCircuit.length > 8
          ? `${r.criticalCircuit.slice(0, 6).join(' > ')} > ... (${r.criticalCircuit.length})`
          : r.criticalCircuit.join(' > '),
      ];
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.className = ['name', 'ms', 'ratio', 'circuit'][i];
        td.textContent = text;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
    const ms = performance.now() - started;
    document.body.dataset.lastUpdateMs = ms.toFixed(0);
    document.body.dataset.tableSeq = String(seq);
    showCriticalInfo();
    drawMap();
    status(`timed ${report.results.length} topologies on ${report.network} (${report.silos} silos) in ${ms.toFixed(0)} ms`);
  } catch (e) {
    if (seq === state.seq) status(e.message, true);
  }
}

function renderRoundChoices() {
  const sel = $('round-topology');
  const prev = sel.value;
  const all = selectedTopologies();
  sel.replaceChildren();
  for (const t of all) {
    const o = document.createElement('option');
    o.value = o.textContent = t;
    sel.appendChild(o);
  }
  if (all.includes(prev)) sel.value = prev;
}

async function refreshRounds() {
  renderRoundChoices();
  const topology = $('round-topology').value;
  for (const tr of document.querySelectorAll('#cycle-times tbody tr')) tr.classList.toggle('chosen', tr.dataset.topology === topology);
  showCriticalInfo();
  drawMap();
  if (!topology) {
    state.rounds = null;
    $('isolated').textContent = '';
    $('round-label').textContent = '';
    drawMap();
    drawGantt();
    return;
  }
  const seq = ++state.roundsSeq;
  try {
    const rounds = await api('POST', '/api/rounds', { ...timingBody(), topology, rounds: 20 });
    if (seq !== state.roundsSeq) return; // a newer request is on its way
    state.rounds = rounds;
    const slider = $('round-slider');
    slider.max = String(state.rounds.rounds.length - 1);
    state.round = Math.min(state.round, state.rounds.rounds.length - 1);
    slider.value = String(state.round);
    showRound();
    drawGantt();
  } catch (e) {
    status(e.message, true);
  }
}

function showRound() {
  const r = state.rounds?.rounds[state.round];
  if (r) {
    $('round-label').textContent = `round ${r.round}: ${r.strong.length} strong, ${r.weak.length} weak edges`;
    const iso = $('isolated');
    iso.dataset.isolated = JSON.stringify(r.isolated);
    iso.dataset.round = String(r.round);
    iso.textContent = r.isolated.length ? r.isolated.map((i) => state.view.silos[i].label).join(', ') : 'none';
  }
  drawMap();
}

/** Gantt bars of the first rounds per silo: each silo's [startMs, endMs] of each round; down silos grey. */
function drawGantt() {
  const svg = $('gantt');
  svg.replaceChildren();
  const p = state.rounds;
  if (!p || !state.view) return;
  const R = Math.min(6, p.rounds.length);
  const n = p.silos.length;
  const rowH = Math.max(3, Math.min(14, 420 / n));
  const top = 8;
  const H = top + n * rowH + 24;
  svg.setAttribute('viewBox', `0 0 800 ${H}`);
  const left = 120;
  const W = 800 - left - 20;
  const endMs = p.rounds[R - 1].roundEndMs;
  const x = (t) => left + (t / endMs) * W;
  const labels = rowH >= 9;
  p.silos.forEach((name, i) => {
    if (!labels) return;
    const t = el('text', { class: 'gantt-silo', x: left - 6, y: top + i * rowH + rowH * 0.75 }, svg);
    t.textContent = state.view.silos[i]?.label ?? name;
  });
  for (let k = 0; k < R; k++) {
    const r = p.rounds[k];
    const down = new Set(r.down);
    for (let i = 0; i < n; i++) {
      const x0 = x(r.startMs[i]);
      const bar = el(
        'rect',
        {
          class: `bar r${k % 2}${down.has(i) ? ' down' : ''}`,
          x: x0,
          y: top + i * rowH + 1,
          width: Math.max(0.5, x(r.endMs[i]) - x0),
          height: Math.max(1, rowH - 2),
          'data-silo': i,
          'data-round': r.round,
        },
        svg,
      );
      const tip = el('title', {}, bar);
      tip.textContent = `${p.silos[i]}, round ${r.round}: ${down.has(i) ? 'down' : `${r.startMs[i].toFixed(1)} to ${r.endMs[i].toFixed(1)} ms`}`;
    }
    const xe = x(r.roundEndMs);
    el('line', { class: 'round-end', x1: xe, y1: top, x2: xe, y2: top + n * rowH }, svg);
    const t = el('text', { class: 'round-end-label', x: xe, y: top + n * rowH + 14, 'data-round': r.round }, svg);
    t.textContent = r.roundEndMs.toFixed(1);
  }
  svg.dataset.clock = p.clock;
}

function shareQuery() {
  const q = new URLSearchParams();
  q.set('network', state.network);
  q.set('topologies', selectedTopologies().join(','));
  q.set('t', String(state.tMax));
  if (Object.keys(state.computeMs).length) q.set('computeMs', JSON.stringify(state.computeMs));
  if (Object.keys(state.linkCapacityGbps).length) q.set('linkCapacityGbps', JSON.stringify(state.linkCapacityGbps));
  const o = topologyOptionFields();
  if (o.budget !== undefined) q.set('budget', String(o.budget));
  if (o.baseGraph) q.set('baseGraph', o.baseGraph);
  if (o.equidynEta !== undefined) q.set('equidynEta', String(o.equidynEta));
  const c = clockFields();
  if (c.clock) q.set('clock', c.clock);
  if (c.sharing) q.set('sharing', c.sharing);
  if (c.stragglers) q.set('stragglers', JSON.stringify(c.stragglers));
  if (c.failures) q.set('failures', JSON.stringify(c.failures));
  return q.toString();
}

function updateShare() {
  const url = `${location.origin}${location.pathname}?${shareQuery()}`;
  $('share-link').href = url;
  history.replaceState(null, '', `?${shareQuery()}`);
}

/** The what-if as a `dflsim run` cycle-times config (silo compute times, which a config gives as a silo-profile CSV, are listed in its description). */
function whatIfConfig() {
  const overrides = Object.entries(state.computeMs);
  const notes = [];
  if (overrides.length)
    notes.push(
      `silo compute times (ms per step), as a silo-profile CSV: silo,computeMs; ${overrides.map(([k, v]) => `${k},${v}`).join('; ')}`,
    );
  const links = Object.entries(state.linkCapacityGbps);
  if (links.length)
    notes.push(
      `link capacities (Gbit/s), which a config cannot give per link: set capacityGbps on these GML edges: ${links.map(([k, v]) => `${k.replace('|', ' - ')}: ${v}`).join('; ')}`,
    );
  if (state.network.startsWith('upload:')) notes.push('the network was an uploaded GML: put its path in "networks"');
  if (state.siloProfile) notes.push('a silo-profile CSV was uploaded: put its path in "siloProfile"');
  return {
    kind: 'cycle-times',
    name: 'explorer-what-if',
    ...(notes.length ? { description: notes.join('. ') } : {}),
    networks: [state.network],
    topologies: selectedTopologies(),
    tMax: state.tMax,
    ...topologyOptionFields(),
    ...(links.length ? { linkCapacities: 'gml' } : {}),
    ...clockFields(),
  };
}

let pending = 0;

/** Run `work` with `body[data-busy]` at 1 while any request is out (tests wait on it). */
async function busy(work) {
  pending++;
  document.body.dataset.busy = '1';
  try {
    await work();
  } finally {
    if (--pending === 0) document.body.dataset.busy = '0';
  }
}

/** Re-time the table and the rounds. */
async function refresh() {
  updateShare();
  fillTrainConfig();
  await busy(() => Promise.all([refreshTable(), refreshRounds()]));
}

/** Read the clock panel and re-time (a malformed failures line is reported, nothing sent). */
async function applyClock() {
  try {
    readClock();
  } catch (e) {
    status(e.message, true);
    return;
  }
  await refresh();
}

async function loadNetwork(ref) {
  state.view = await api('GET', `/api/network/${encodeURIComponent(ref)}`);
  state.network = ref;
  $('network-info').textContent = `${state.view.name}: ${state.view.silos.length} silos, ${state.view.links.length} links`;
}

async function upload(file) {
  const text = await file.text();
  try {
    state.view = await api('POST', `/api/network?name=${encodeURIComponent(file.name.replace(/\.gml$/i, ''))}`, text, true);
    state.network = state.view.id;
    state.siloProfile = null;
    $('profile-info').textContent = '';
    fillTrainConfig();
    state.computeMs = {};
    state.linkCapacityGbps = {};
    state.selectedLink = null;
    $('link-editor').hidden = true;
    state.selected = null;
    $('network-info').textContent = `${state.view.name} (uploaded): ${state.view.silos.length} silos, ${state.view.links.length} links`;
    await refresh();
  } catch (e) {
    status(e.message, true);
  }
}

function drawCurve(points) {
  const svg = $('train-curve');
  svg.replaceChildren();
  if (!points.length) return;
  const xs = points.map((p) => p.round);
  const ys = points.map((p) => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys, Math.min(...ys) + 1e-9)];
  const pts = points.map(
    (p) => `${(10 + ((p.round - x0) / (x1 - x0)) * 380).toFixed(1)},${(150 - ((p.value - y0) / (y1 - y0)) * 140).toFixed(1)}`,
  );
  el('polyline', { points: pts.join(' '), 'data-points': points.length }, svg);
}

/** A small training run on the current network and first topology: a starting point to edit. */
function defaultTrainConfig() {
  const topology = selectedTopologies()[0] ?? 'ring';
  return {
    name: 'explorer',
    network: state.network,
    topology,
    ...(topology.startsWith('multigraph-') ? { tMax: state.tMax } : {}),
    model: { name: 'linear', inputSize: 16 },
    dataset: { kind: 'synthetic-driving', sequences: 33, framesPerSequence: 8 },
    partition: 'iid',
    rounds: 200,
    localSteps: 1,
    batchSize: 8,
    lr: 0.01,
    evalEvery: 2,
    workers: 1,
  };
}

/** Refill the config textarea unless the user has edited it. */
function fillTrainConfig() {
  const box = $('train-config');
  if (box.value && box.value !== state.trainDefault) return;
  state.trainDefault = JSON.stringify(defaultTrainConfig(), null, 2);
  box.value = state.trainDefault;
}

async function startTraining() {
  let config;
  try {
    config = JSON.parse($('train-config').value);
  } catch (e) {
    $('train-status').textContent = `train config: not valid JSON (${e.message})`;
    return;
  }
  $('train-report').hidden = true;
  delete $('train-status').dataset.done;
  try {
    const { id } = await api('POST', '/api/train', { config });
    state.run = id;
    $('train-stop').disabled = false;
    $('train-start').disabled = true;
    $('train-status').textContent = 'running';
    const points = [];
    const es = new EventSource(`/api/train/${id}/events`);
    es.addEventListener('round', (m) => {
      const e = JSON.parse(m.data);
      points.push({ round: e.round, value: e.testRmse ?? e.testAccuracy ?? e.trainLoss });
      drawCurve(points);
      $('train-status').textContent = `round ${e.round + 1} of ${e.totalRounds}: test RMSE ${e.testRmse?.toFixed(4)}`;
    });
    es.addEventListener('done', (m) => {
      const e = JSON.parse(m.data);
      es.close();
      $('train-stop').disabled = true;
      $('train-start').disabled = false;
      $('train-status').textContent = e.error ? e.error : e.stopped ? `stopped after ${points.length} evaluations` : 'finished';
      $('train-status').dataset.done = e.stopped ? 'stopped' : e.error ? 'error' : 'finished';
      if (e.report) {
        $('train-report').href = `/api/train/${id}/files/${e.report}`;
        $('train-report').hidden = false;
      }
    });
  } catch (e) {
    $('train-status').textContent = e.message;
  }
}

async function main() {
  const q = new URLSearchParams(location.search);
  if (q.get('network')) state.network = q.get('network');
  if (q.get('topologies')) state.topologies = new Set(q.get('topologies').split(',').filter(Boolean));
  if (q.get('t')) state.tMax = Number(q.get('t')) || 5;
  if (q.get('budget')) state.budget = Number(q.get('budget'));
  if (q.get('baseGraph')) state.baseGraph = q.get('baseGraph');
  if (q.get('equidynEta')) state.equidynEta = Number(q.get('equidynEta'));
  try {
    if (q.get('linkCapacityGbps')) state.linkCapacityGbps = JSON.parse(q.get('linkCapacityGbps'));
  } catch {
    state.linkCapacityGbps = {};
  }
  try {
    if (q.get('computeMs')) state.computeMs = JSON.parse(q.get('computeMs'));
  } catch {
    state.computeMs = {};
  }
  try {
    const clock = q.get('clock') === 'events' ? 'events' : 'max-plus';
    state.clock = {
      clock,
      sharing: q.get('sharing') === 'fair' ? 'fair' : 'fixed',
      stragglers: q.get('stragglers') ? JSON.parse(q.get('stragglers')) : null,
      failures: q.get('failures') ? JSON.parse(q.get('failures')) : null,
    };
  } catch {
    status("the link's clock settings are not valid JSON: ignored", true);
  }
  $('tmax').value = String(state.tMax);
  $('budget').value = String(state.budget);
  $('base-graph').value = state.baseGraph;
  if (state.equidynEta !== null) $('equidyn-eta').value = String(state.equidynEta);
  const [{ networks }, { topologies }] = await Promise.all([api('GET', '/api/networks'), api('GET', '/api/topologies')]);
  // a Base-(k+1) the share link names beyond the offered ones gets its own box
  for (const t of state.topologies) if (/^base-\d+$/.test(t) && !topologies.includes(t)) topologies.push(t);
  const sel = $('network-select');
  for (const n of networks) {
    const o = document.createElement('option');
    o.value = o.textContent = n;
    sel.appendChild(o);
  }
  renderTopologyChoices(topologies);
  try {
    await loadNetwork(state.network);
  } catch (e) {
    status(e.message, true);
    state.network = networks[0];
    await loadNetwork(state.network);
  }
  if (networks.includes(state.network)) sel.value = state.network;
  showClock();
  fillTrainConfig();
  sel.addEventListener('change', async () => {
    state.computeMs = {};
    state.linkCapacityGbps = {};
    state.selectedLink = null;
    $('link-editor').hidden = true;
    state.selected = null;
    state.siloProfile = null;
    $('profile-info').textContent = '';
    await loadNetwork(sel.value);
    fillTrainConfig();
    await refresh();
  });
  $('profile-file').addEventListener('change', async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    try {
      const r = await api('POST', `/api/silo-profile?network=${encodeURIComponent(state.network)}`, await f.text(), true);
      state.siloProfile = r.id;
      $('profile-info').textContent = `${f.name}: ${r.silos} silos profiled`;
      await refresh();
    } catch (err) {
      $('profile-info').textContent = err.message;
      status(err.message, true);
    }
  });
  $('clock').addEventListener('change', () => {
    state.clock.clock = $('clock').value;
    showClock();
    void applyClock();
  });
  $('straggler-model').addEventListener('change', () => {
    const model = $('straggler-model').value;
    for (const e of document.querySelectorAll('#event-options .lognormal')) e.hidden = model !== 'lognormal';
    for (const e of document.querySelectorAll('#event-options .two-point')) e.hidden = model !== 'two-point';
  });
  $('clock-apply').addEventListener('click', () => void applyClock());
  $('train-config-file').addEventListener('change', async (e) => {
    const f = e.target.files[0];
    if (f) $('train-config').value = await f.text();
  });
  $('gml-file').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (f) void upload(f);
  });
  $('tmax').addEventListener('change', () => {
    state.tMax = Number($('tmax').value) || 5;
    void refresh();
  });
  $('budget').addEventListener('change', () => {
    state.budget = Number($('budget').value);
    void refresh();
  });
  $('base-graph').addEventListener('change', () => {
    state.baseGraph = $('base-graph').value;
    void refresh();
  });
  $('equidyn-eta').addEventListener('change', () => {
    const v = $('equidyn-eta').value;
    state.equidynEta = v === '' ? null : Number(v);
    void refresh();
  });
  $('base-k').addEventListener('change', () => {
    const k = Number($('base-k').value);
    if (!Number.isInteger(k) || k < 1) {
      status(`Base-(k+1): k must be a positive integer, got ${$('base-k').value}`, true);
      return;
    }
    const name = `base-${k + 1}`;
    state.topologies.add(name);
    const names = [...document.querySelectorAll('#topologies input')].map((c) => c.value);
    if (!names.includes(name)) renderTopologyChoices([...names, name]);
    else document.querySelector(`#topologies input[value="${name}"]`).checked = true;
    void refresh();
  });
  $('link-apply').addEventListener('click', () => {
    const v = Number($('link-capacity').value);
    if (state.selectedLink === null) return;
    if (!(v > 0) || !Number.isFinite(v)) {
      status(`link capacity: expected a positive number of Gbit/s, got ${$('link-capacity').value}`, true);
      return;
    }
    state.linkCapacityGbps[linkKey(state.selectedLink)] = v;
    selectLink(state.selectedLink);
    void refresh();
  });
  $('link-reset').addEventListener('click', () => {
    if (state.selectedLink === null) return;
    delete state.linkCapacityGbps[linkKey(state.selectedLink)];
    selectLink(state.selectedLink);
    void refresh();
  });
  $('round-topology').addEventListener('change', () => void busy(refreshRounds));
  $('round-slider').addEventListener('input', () => {
    state.round = Number($('round-slider').value);
    showRound();
  });
  $('silo-apply').addEventListener('click', () => {
    const v = Number($('silo-compute').value);
    if (state.selected && v > 0) {
      state.computeMs[state.selected] = v;
      void refresh();
    }
  });
  $('silo-reset').addEventListener('click', () => {
    if (state.selected) delete state.computeMs[state.selected];
    void refresh();
  });
  $('download-config').addEventListener('click', () => {
    const blob = new Blob([JSON.stringify(whatIfConfig(), null, 2) + '\n'], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'what-if.json';
    a.click();
  });
  $('train-start').addEventListener('click', () => void startTraining());
  $('train-stop').addEventListener('click', () => {
    if (state.run) void api('POST', `/api/train/${state.run}/stop`, {});
  });
  drawMap();
  await refresh();
  document.body.dataset.ready = '1';
}

main().catch((e) => status(e.message, true));
