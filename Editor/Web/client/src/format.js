// Human-readable figures for the totals bar, node details and chart axes.
export function count(n) {
  if (n == null) return '?';
  const abs = Math.abs(n);
  if (abs >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (abs >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (abs >= 1e4) return (n / 1e3).toFixed(1) + ' k';
  return String(Math.round(n * 100) / 100);
}

export function bytes(n) {
  if (n == null) return '?';
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(2) + ' GiB';
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(2) + ' MiB';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
  return n + ' B';
}

export function shape(s) {
  return s ? s.map(d => (d == null ? '?' : d)).join('×') : '?';
}
