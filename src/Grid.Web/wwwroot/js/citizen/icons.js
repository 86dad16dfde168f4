// One small picture per group of problems (大类), drawn inline so the page needs no icon font or
// network: components by their group code (C01 公用设施 ...), events by theirs (E01 市容环境 ...).
const path = {
  pipe: 'M4 10h10v4H4zM14 8h3v8h-3zM17 11h3v2h-3z',
  road: 'M9 3h2l-1 18H8zM13 3h2l2 18h-2zM11.5 5h1v3h-1zM11.5 10h1v3h-1zM11.5 15h1v3h-1z',
  bin: 'M6 7h12l-1 14H7zM9 4h6v2H9zM4 6h16v2H4z',
  tree: 'M12 2l6 9h-4l4 6H6l4-6H6zM11 17h2v5h-2z',
  house: 'M12 3l9 8h-3v9h-5v-6h-2v6H6v-9H3z',
  box: 'M4 6h16v12H4zM8 10h8v4H8z',
  ad: 'M3 9l13-5v16L3 15zM16 9h3v6h-3z',
  crane: 'M5 21V4h2v17zM7 5h12v2H7zM17 7v6h-2V7zM14 13h4v3h-4zM3 21h6v1H3z',
  alert: 'M12 2l10 19H2zM11 9h2v6h-2zM11 17h2v2h-2z',
  people: 'M8 8a3 3 0 110-6 3 3 0 010 6zM16 8a3 3 0 110-6 3 3 0 010 6zM3 20v-5a4 4 0 014-4h2a4 4 0 014 4v5zM13 20v-5a4 4 0 014-4h0a4 4 0 014 4v5z',
};
const byGroup = {
  C01: 'pipe', C02: 'road', C03: 'bin', C04: 'tree', C05: 'house', C06: 'box',
  E01: 'bin', E02: 'ad', E03: 'crane', E04: 'alert', E05: 'people',
};
const colors = { pipe: '#1565c0', road: '#6d4c41', bin: '#2e7d32', tree: '#388e3c', house: '#8d6e63', box: '#546e7a', ad: '#ad1457', crane: '#ef6c00', alert: '#c62828', people: '#5e35b1' };

export function icon(code) {
  const name = byGroup[code.slice(0, 3)] ?? 'box';
  return `<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="${colors[name]}" d="${path[name]}"/></svg>`;
}
