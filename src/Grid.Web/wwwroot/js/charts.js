// Draws the per-day escalation trend: one stacked bar per day, one colour per ladder level.
// The data come from the page (data-chart on the canvas); chart.umd.js sets window.Chart.
const colours = {
  warning: '#f2b134', assignee: '#ef7d3c', grid_head: '#d9534f', street_leader: '#a23b72', district: '#5b2a86', supervise: '#0b63c5',
};

function draw(canvas) {
  const points = JSON.parse(canvas.dataset.chart || '[]');
  const labels = JSON.parse(canvas.dataset.labels || '{}');
  const days = [...new Set(points.map(p => p.day))].sort();
  const levels = Object.keys(colours).filter(l => points.some(p => p.level === l));
  const datasets = levels.map(level => ({
    label: labels[level] || level,
    backgroundColor: colours[level],
    maxBarThickness: 48,
    data: days.map(day => points.find(p => p.day === day && p.level === level)?.count ?? 0),
  }));
  // eslint-disable-next-line no-undef
  new Chart(canvas, {
    type: 'bar',
    data: { labels: days, datasets },
    options: {
      animation: false,
      responsive: true,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

document.querySelectorAll('canvas[data-chart]').forEach(draw);
