// The page of `engine edit`: prototxt editor (left), live graph (right), totals bar and training dashboard.
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput } from '@codemirror/language';
import { linter, lintGutter, forceLinting, forEachDiagnostic } from '@codemirror/lint';
import { prototxt, prototxtHighlight } from './prototxt-language.js';
import { GraphView } from './graph-view.js';
import { LineChart } from './charts.js';
import { get, post, apiUrl } from './api.js';
import { count, bytes, shape } from './format.js';

const $ = id => document.getElementById(id);
let view;
let lastGraph = null;
let parseCount = 0;

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function toRange(doc, line, col) {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  const from = Math.min(l.from + Math.max(col - 1, 0), l.to);
  // Underline the token at the position (or one character), so the mark is visible.
  const rest = doc.sliceString(from, l.to);
  const token = /^("[^"]*"?|'[^']*'?|[^\s{}:<>]+|.)/.exec(rest);
  const to = Math.min(from + (token ? token[0].length : 1), l.to);
  return { from, to: to > from ? to : Math.min(from + 1, doc.length) };
}

async function parseSource(editorView) {
  const doc = editorView.state.doc;
  let result;
  try {
    result = await post('/api/parse', { text: doc.toString() });
  } catch (e) {
    setStatus(`parse request failed: ${e.message}`, true);
    return [];
  }
  parseCount++;
  document.body.dataset.parses = String(parseCount);
  if (result.graph && result.graph.nodes.length > 0) {
    lastGraph = result.graph;
    await graphView.render(result.graph);
  }
  showTotals(result.totals);
  document.body.dataset.errors = String(result.errors.length);
  setStatus(result.errors.length ? result.errors[0].message : 'OK', result.errors.length > 0);
  return result.errors.map(e => ({ ...toRange(doc, e.line, e.col), severity: 'error', message: e.message }));
}

function showTotals(totals) {
  if (!totals) {
    $('totals').textContent = 'Totals unavailable while the net has errors';
    return;
  }
  $('totals').innerHTML = '';
  const items = [
    ['Parameters', count(totals.parameters)],
    ['FLOPs / sample', count(totals.flopsPerSample)],
    ['Activation memory / batch', bytes(totals.activationBytes)],
    ['Batch', totals.batchSize ?? '?'],
  ];
  for (const [label, value] of items) {
    const span = document.createElement('span');
    span.className = 'total';
    span.innerHTML = `<b></b> `;
    span.firstChild.textContent = label + ':';
    span.append(String(value));
    $('totals').appendChild(span);
  }
}

function showDetails(node) {
  const panel = $('details');
  panel.innerHTML = '';
  if (!node) return;
  const h = document.createElement('h3');
  h.textContent = `${node.name} (${node.type})`;
  panel.appendChild(h);
  const dl = document.createElement('dl');
  const row = (k, v) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v;
    dl.append(dt, dd);
  };
  row('Bottoms', node.bottoms.join(', ') || '—');
  row('Tops', node.tops.map((t, i) => `${t} ${shape(node.topShapes[i])}`).join(', ') || '—');
  row('Parameters', count(node.paramCount));
  row('FLOPs', count(node.flops));
  row('Memory (tops)', bytes(node.memoryBytes));
  panel.appendChild(dl);
  if (node.params) {
    const pre = document.createElement('pre');
    pre.textContent = node.params;
    panel.appendChild(pre);
  }
  if (node.line > 0) {
    const line = view.state.doc.line(Math.min(node.line, view.state.doc.lines));
    view.dispatch({ selection: { anchor: line.from, head: line.to }, effects: EditorView.scrollIntoView(line.from, { y: 'center' }) });
    view.focus();
  }
}

const graphView = new GraphView($('graph'), showDetails);
const charts = {
  loss: new LineChart($('chart-loss'), 'Loss'),
  lr: new LineChart($('chart-lr'), 'Learning rate', v => v.toExponential(2)),
  accuracy: new LineChart($('chart-accuracy'), 'Test accuracy', v => v.toFixed(3)),
  speed: new LineChart($('chart-speed'), 'Images/s', v => v.toFixed(0)),
};

function plot(record) {
  if (record.kind === 'iter') {
    charts.loss.add(record.iter, record.loss);
    charts.lr.add(record.iter, record.lr);
    if (record.imagesPerSec > 0) charts.speed.add(record.iter, record.imagesPerSec);
  } else if (record.kind === 'test' && record.accuracy != null) {
    charts.accuracy.add(record.iter, record.accuracy);
  }
}

function clearCharts() {
  for (const c of Object.values(charts)) c.clear();
}

function listen() {
  const events = new EventSource(apiUrl('/api/events'));
  events.onmessage = m => {
    const record = JSON.parse(m.data);
    if (record.kind === 'state') {
      $('train').disabled = record.running;
      $('stop').disabled = !record.running;
      $('train-state').textContent = record.message || (record.running ? 'training…' : 'idle');
      if (record.log) $('log-path').value = record.log;
    } else {
      plot(record);
    }
  };
}

async function start() {
  const file = await get('/api/file');
  document.title = `${file.name} — engine edit`;
  $('file-name').textContent = file.name;
  $('solver-name').textContent = file.solver ? `solver: ${file.solver}` : 'no --solver given: training is off';
  $('train').disabled = !file.solver;
  view = new EditorView({
    parent: $('editor'),
    state: EditorState.create({
      doc: file.text,
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), history(), indentOnInput(), bracketMatching(),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        prototxt, prototxtHighlight, lintGutter(),
        linter(parseSource, { delay: 250 }),
        EditorView.theme({ '&': { height: '100%' }, '.cm-scroller': { fontFamily: 'ui-monospace, monospace', fontSize: '13px' } }),
      ],
    }),
  });
  forceLinting(view);

  $('save').onclick = async () => {
    try {
      const r = await post('/api/save', { text: view.state.doc.toString() });
      setStatus(`saved ${r.path}`);
    } catch (e) {
      setStatus(`save failed: ${e.message}`, true);
    }
  };
  $('train').onclick = async () => {
    clearCharts();
    const iterations = parseInt($('iterations').value, 10);
    try {
      await post('/api/train', { text: view.state.doc.toString(), iterations: Number.isFinite(iterations) ? iterations : null });
    } catch (e) {
      setStatus(`train failed: ${e.message}`, true);
    }
  };
  $('stop').onclick = async () => {
    try { await post('/api/stop', {}); } catch (e) { setStatus(`stop failed: ${e.message}`, true); }
  };
  $('load-log').onclick = async () => {
    try {
      const records = await get('/api/log', { path: $('log-path').value });
      clearCharts();
      records.forEach(plot);
      setStatus(`loaded ${records.length} records`);
    } catch (e) {
      setStatus(`log failed: ${e.message}`, true);
    }
  };
  listen();
}

// Hooks for the UI tests and for debugging from the console.
window.engineEditor = {
  diagnostics() {
    const found = [];
    forEachDiagnostic(view.state, (d, from) => {
      const line = view.state.doc.lineAt(from);
      found.push({ line: line.number, col: from - line.from + 1, message: d.message });
    });
    return found;
  },
  setText(text) {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  },
  text: () => view.state.doc.toString(),
  goToLineEnd(number) {
    const line = view.state.doc.line(number);
    view.dispatch({ selection: { anchor: line.to }, effects: EditorView.scrollIntoView(line.to, { y: 'center' }) });
    view.focus();
  },
  cursorLine: () => view.state.doc.lineAt(view.state.selection.main.head).number,
  graph: () => lastGraph,
};

start().catch(e => setStatus(`start failed: ${e.message}`, true));
