// Small SVG line charts for the training dashboard (no charting library, nothing fetched from a CDN).
const SVG = 'http://www.w3.org/2000/svg';

export class LineChart {
  constructor(container, title, format = v => v.toPrecision(3)) {
    this.container = container;
    this.title = title;
    this.format = format;
    this.points = [];
    this.draw();
  }

  add(x, y) {
    if (!Number.isFinite(y)) return;
    this.points.push([x, y]);
    this.draw();
  }

  clear() {
    this.points = [];
    this.draw();
  }

  draw() {
    const w = 280, h = 140, left = 48, right = 8, top = 20, bottom = 20;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('class', 'chart');
    const add = (name, attrs, text) => {
      const e = document.createElementNS(SVG, name);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text != null) e.textContent = text;
      svg.appendChild(e);
      return e;
    };
    const last = this.points.at(-1);
    add('text', { x: 4, y: 13, class: 'chart-title' }, `${this.title}${last ? ': ' + this.format(last[1]) : ''}`);
    add('rect', { x: left, y: top, width: w - left - right, height: h - top - bottom, fill: '#fff', stroke: '#ccc' });
    if (this.points.length > 0) {
      const xs = this.points.map(p => p[0]), ys = this.points.map(p => p[1]);
      let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      if (x1 === x0) x1 = x0 + 1;
      if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
      const sx = x => left + (x - x0) / (x1 - x0) * (w - left - right);
      const sy = y => h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom);
      add('polyline', { points: this.points.map(p => `${sx(p[0])},${sy(p[1])}`).join(' '), fill: 'none', stroke: '#2563eb', 'stroke-width': 1.5 });
      if (this.points.length < 60) {
        for (const p of this.points) add('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 2, fill: '#2563eb', class: 'point' });
      }
      add('text', { x: left - 4, y: top + 8, 'text-anchor': 'end', class: 'axis' }, this.format(y1));
      add('text', { x: left - 4, y: h - bottom, 'text-anchor': 'end', class: 'axis' }, this.format(y0));
      add('text', { x: left, y: h - 6, class: 'axis' }, String(x0));
      add('text', { x: w - right, y: h - 6, 'text-anchor': 'end', class: 'axis' }, String(x1));
    }
    this.container.dataset.points = String(this.points.length);
    this.container.replaceChildren(svg);
  }
}
