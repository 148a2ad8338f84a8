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
  selected: null,
  rounds: null,
  round: 0,
  seq: 0,
  run: null,
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
  for (const [a, b] of view.links) el('line', { class: 'link', x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y }, links);
  const r = state.rounds?.rounds[state.round];
  const isolated = new Set(r ? r.isolated : []);
  if (r) {
    const g = el('g', { class: 'round' }, svg);
    for (const [a, b] of r.weak) el('line', { class: 'weak', x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y }, g);
    for (const [a, b] of r.strong) el('line', { class: 'strong', x1: pos[a].x, y1: pos[a].y, x2: pos[b].x, y2: pos[b].y }, g);
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

function selectSilo(name) {
  state.selected = name;
  $('silo-editor').hidden = false;
  $('silo-name').textContent = name;
  const s = state.view.silos.find((x) => x.name === name);
  $('silo-compute').value = state.computeMs[name] ?? s?.computeMs ?? '';
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

function timingBody() {
  const body = { network: state.network, tMax: state.tMax };
  if (Object.keys(state.computeMs).length) body.computeMs = state.computeMs;
  return body;
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
    const ring = report.results.find((r) => r.topology === 'ring')?.cycleTimeMs;
    tbody.replaceChildren();
    for (const r of report.results) {
      const tr = document.createElement('tr');
      tr.dataset.topology = r.topology;
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
    status(`timed ${report.results.length} topologies on ${report.network} (${report.silos} silos) in ${ms.toFixed(0)} ms`);
  } catch (e) {
    if (seq === state.seq) status(e.message, true);
  }
}

function renderRoundChoices() {
  const sel = $('round-topology');
  const prev = sel.value;
  const multi = selectedTopologies().filter((t) => t.startsWith('multigraph-'));
  sel.replaceChildren();
  for (const t of multi) {
    const o = document.createElement('option');
    o.value = o.textContent = t;
    sel.appendChild(o);
  }
  if (multi.includes(prev)) sel.value = prev;
}

async function refreshRounds() {
  renderRoundChoices();
  const topology = $('round-topology').value;
  if (!topology) {
    state.rounds = null;
    $('isolated').textContent = '';
    $('round-label').textContent = '';
    drawMap();
    return;
  }
  try {
    state.rounds = await api('POST', '/api/rounds', { ...timingBody(), topology, rounds: 20 });
    const slider = $('round-slider');
    slider.max = String(state.rounds.rounds.length - 1);
    state.round = Math.min(state.round, state.rounds.rounds.length - 1);
    slider.value = String(state.round);
    showRound();
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

function shareQuery() {
  const q = new URLSearchParams();
  q.set('network', state.network);
  q.set('topologies', selectedTopologies().join(','));
  q.set('t', String(state.tMax));
  if (Object.keys(state.computeMs).length) q.set('computeMs', JSON.stringify(state.computeMs));
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
  if (state.network.startsWith('upload:')) notes.push('the network was an uploaded GML: put its path in "networks"');
  return {
    kind: 'cycle-times',
    name: 'explorer-what-if',
    ...(notes.length ? { description: notes.join('. ') } : {}),
    networks: [state.network],
    topologies: selectedTopologies(),
    tMax: state.tMax,
  };
}

let pending = 0;

/** Re-time the table and the rounds; `body[data-busy]` is 1 while any request is out (tests wait on it). */
async function refresh() {
  updateShare();
  pending++;
  document.body.dataset.busy = '1';
  try {
    await Promise.all([refreshTable(), refreshRounds()]);
  } finally {
    if (--pending === 0) document.body.dataset.busy = '0';
  }
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
    state.computeMs = {};
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

async function startTraining() {
  const topology = selectedTopologies()[0] ?? 'ring';
  const config = {
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
  try {
    if (q.get('computeMs')) state.computeMs = JSON.parse(q.get('computeMs'));
  } catch {
    state.computeMs = {};
  }
  $('tmax').value = String(state.tMax);
  const [{ networks }, { topologies }] = await Promise.all([api('GET', '/api/networks'), api('GET', '/api/topologies')]);
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
  sel.addEventListener('change', async () => {
    state.computeMs = {};
    state.selected = null;
    await loadNetwork(sel.value);
    await refresh();
  });
  $('gml-file').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (f) void upload(f);
  });
  $('tmax').addEventListener('change', () => {
    state.tMax = Number($('tmax').value) || 5;
    void refresh();
  });
  $('round-topology').addEventListener('change', () => void refreshRounds());
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
