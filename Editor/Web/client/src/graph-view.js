// Draws the net as an SVG graph laid out by ELK's layered algorithm (top to bottom, like Caffe's draw_net).
import ELK from 'elkjs/lib/elk.bundled.js';
import { shape } from './format.js';

const elk = new ELK();
const SVG = 'http://www.w3.org/2000/svg';
const NODE_HEIGHT = 44;
const TYPE_COLOURS = {
  Convolution: '#fde68a', Deconvolution: '#fde68a', Pooling: '#bae6fd', InnerProduct: '#fecaca',
  ReLU: '#d9f99d', Sigmoid: '#d9f99d', TanH: '#d9f99d', Data: '#e9d5ff', Input: '#e9d5ff',
  DummyData: '#e9d5ff', MemoryData: '#e9d5ff', SoftmaxWithLoss: '#fbcfe8', Accuracy: '#c7d2fe',
};

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text != null) node.textContent = text;
  return node;
}

function nodeWidth(n) {
  const label = Math.max(n.name.length, `${n.type} ${shape(n.topShapes?.[0])}`.length);
  return Math.max(110, label * 7 + 24);
}

export class GraphView {
  constructor(container, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.generation = 0;
    this.selected = null;
  }

  async render(graph) {
    const generation = ++this.generation;
    const layout = await elk.layout({
      id: 'net',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'DOWN',
        'elk.spacing.nodeNode': '24',
        'elk.layered.spacing.nodeNodeBetweenLayers': '32',
        'elk.edgeRouting': 'SPLINES',
      },
      children: graph.nodes.map(n => ({ id: n.name, width: nodeWidth(n), height: NODE_HEIGHT })),
      edges: graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to], labels: [] })),
    });
    // A newer text may have been laid out while this one was in flight.
    if (generation !== this.generation) return;
    const byName = new Map(graph.nodes.map(n => [n.name, n]));
    const width = Math.ceil(layout.width || 0) + 20, height = Math.ceil(layout.height || 0) + 20;
    const svg = el('svg', { width, height, viewBox: `-10 -10 ${width} ${height}`, class: 'net-graph' });
    svg.appendChild(el('defs')).appendChild(
      el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto' }))
      .appendChild(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#555' }));
    for (const edge of layout.edges || []) {
      for (const section of edge.sections || []) {
        const points = [section.startPoint, ...(section.bendPoints || []), section.endPoint];
        svg.appendChild(el('polyline', {
          points: points.map(p => `${p.x},${p.y}`).join(' '),
          class: 'edge', fill: 'none', stroke: '#555', 'marker-end': 'url(#arrow)',
        }));
      }
    }
    for (const child of layout.children || []) {
      const n = byName.get(child.id);
      const g = el('g', { class: 'node', 'data-name': n.name, transform: `translate(${child.x},${child.y})` });
      g.appendChild(el('rect', { width: child.width, height: child.height, rx: 6, fill: TYPE_COLOURS[n.type] || '#e5e7eb', stroke: '#333' }));
      g.appendChild(el('text', { x: child.width / 2, y: 18, 'text-anchor': 'middle', class: 'node-name' }, n.name));
      g.appendChild(el('text', { x: child.width / 2, y: 35, 'text-anchor': 'middle', class: 'node-type' },
        `${n.type} ${n.topShapes?.length ? shape(n.topShapes[0]) : ''}`));
      g.addEventListener('click', () => this.select(n.name));
      svg.appendChild(g);
    }
    this.container.replaceChildren(svg);
    this.nodes = byName;
    if (this.selected && byName.has(this.selected)) this.highlight(this.selected);
  }

  select(name) {
    this.selected = name;
    this.highlight(name);
    this.onSelect(this.nodes.get(name));
  }

  highlight(name) {
    for (const g of this.container.querySelectorAll('g.node')) {
      g.classList.toggle('selected', g.dataset.name === name);
    }
  }
}
