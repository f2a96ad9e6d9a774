'use strict'

// The stats port's page at `/` (for a browser: Accept: text/html): the `corepool top` view, live,
// with charts of the last minutes of utilization and p99s. Everything is inline: no CDN, no
// request leaves the stats port. It reads /stats and /history once a second.

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>corepool</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; background: #fafbfc; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  #summary { color: #55606e; margin-bottom: 1rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e7ec; white-space: nowrap; }
  th { font-weight: 600; color: #55606e; font-size: 12px; text-transform: uppercase; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .bars { display: flex; gap: 3px; }
  .thread-bar { width: 14px; height: 22px; background: #e3e7ec; position: relative; border-radius: 2px; overflow: hidden; }
  .thread-bar span { position: absolute; bottom: 0; left: 0; right: 0; background: #2f7de1; }
  .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin-top: 1rem; }
  figure { margin: 0; background: #fff; border: 1px solid #e3e7ec; padding: .5rem; }
  figcaption { font-size: 12px; color: #55606e; }
  svg { width: 100%; height: 180px; display: block; }
  .legend span { margin-right: .8rem; font-size: 12px; }
</style>
</head>
<body>
<h1>corepool</h1>
<div id="summary">waiting for the first report…</div>
<table id="workers">
  <thead><tr><th>worker</th><th>pid</th><th>state</th><th>uptime</th><th>restarts</th><th>rss</th><th>loop p99</th><th>tasks/s</th><th>threads (busy)</th><th>queue</th><th>wait p99</th><th>run p99</th></tr></thead>
  <tbody></tbody>
</table>
<div class="charts">
  <figure><figcaption>utilization per worker, last minutes (0 to 1)</figcaption><svg id="chart-utilization" viewBox="0 0 600 180" preserveAspectRatio="none"></svg><div class="legend" id="legend-utilization"></div></figure>
  <figure><figcaption>p99 per worker, ms (run solid, wait dashed, log scale)</figcaption><svg id="chart-p99" viewBox="0 0 600 180" preserveAspectRatio="none"></svg><div class="legend" id="legend-p99"></div></figure>
</div>
<script>
'use strict'
const COLORS = ['#2f7de1', '#e1562f', '#2fa05a', '#a04fd1', '#d1a12f', '#2fb5c4']
const previous = new Map()

function fmtMs (ms) { return ms >= 100 ? ms.toFixed(0) + ' ms' : ms >= 1 ? ms.toFixed(1) + ' ms' : (ms * 1000).toFixed(0) + ' µs' }
function fmtBytes (n) { return (n / 1048576).toFixed(0) + ' MB' }
function fmtUptime (s) { return s >= 3600 ? (s / 3600).toFixed(1) + ' h' : s >= 60 ? (s / 60).toFixed(1) + ' min' : s.toFixed(0) + ' s' }
function cell (text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td }

function tasksPerSecond (w, at) {
  const done = w.pool ? w.pool.completed + w.pool.failed + w.pool.cancelled : 0
  const before = previous.get(w.worker)
  previous.set(w.worker, { done, at, pid: w.pid })
  if (!before || before.pid !== w.pid || at <= before.at) return 0
  return (done - before.done) / ((at - before.at) / 1000)
}

function drawTable (stats) {
  const at = Date.now()
  const body = document.querySelector('#workers tbody')
  body.replaceChildren(...stats.workers.map((w) => {
    const tr = document.createElement('tr')
    tr.dataset.worker = w.worker
    const pool = w.pool
    const bars = document.createElement('td')
    const holder = document.createElement('div')
    holder.className = 'bars'
    const perThread = pool?.utilization?.perThread ?? []
    for (let i = 0; i < w.threads; i++) {
      const bar = document.createElement('div')
      bar.className = 'thread-bar'
      const fill = document.createElement('span')
      const busy = Math.max(0, Math.min(1, perThread[i] ?? 0))
      fill.style.height = (busy * 100).toFixed(0) + '%'
      bar.title = 'thread ' + i + ': ' + (busy * 100).toFixed(0) + '% busy'
      bar.dataset.busy = busy.toFixed(3)
      bar.append(fill)
      holder.append(bar)
    }
    bars.append(holder)
    tr.append(
      cell(String(w.worker)), cell(w.pid === null ? '-' : String(w.pid)), cell(w.state),
      cell(fmtUptime(w.uptime), 'num'), cell(String(w.restarts), 'num'), cell(fmtBytes(w.rss), 'num'),
      cell(w.eventLoopDelay ? fmtMs(w.eventLoopDelay.p99) : '-', 'num'), cell(tasksPerSecond(w, at).toFixed(0), 'num'),
      bars, cell(pool ? String(pool.queued) : '-', 'num'),
      cell(pool ? fmtMs(pool.waitTime.p99) : '-', 'num'), cell(pool ? fmtMs(pool.runTime.p99) : '-', 'num'))
    return tr
  }))
  const t = stats.total
  document.getElementById('summary').textContent =
    t.workers + ' workers × ' + stats.threadsPerWorker + ' threads on a budget of ' + stats.budget +
    ' cores · ' + t.completed + ' tasks completed · ' + t.queued + ' queued · up ' + fmtUptime(stats.uptime)
  document.body.dataset.live = 'true'
}

function line (svg, points, color, dashed) {
  if (points.length < 2) return
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'polyline')
  path.setAttribute('points', points.map(([x, y]) => x.toFixed(1) + ',' + y.toFixed(1)).join(' '))
  path.setAttribute('fill', 'none')
  path.setAttribute('stroke', color)
  path.setAttribute('stroke-width', '2')
  path.setAttribute('vector-effect', 'non-scaling-stroke')
  if (dashed) path.setAttribute('stroke-dasharray', '5 4')
  svg.append(path)
}

function drawCharts (history) {
  const now = Date.now()
  const entries = Object.entries(history)
  const start = Math.min(now - 60000, ...entries.flatMap(([, s]) => s.map((p) => p.at)))
  const x = (at) => (at - start) / Math.max(1, now - start) * 600
  const util = document.getElementById('chart-utilization')
  const p99 = document.getElementById('chart-p99')
  util.replaceChildren()
  p99.replaceChildren()
  const all = entries.flatMap(([, s]) => s.flatMap((p) => [p.runP99, p.waitP99])).filter((v) => v > 0)
  const lo = Math.log10(Math.max(1e-3, Math.min(...all, 1)))
  const hi = Math.log10(Math.max(...all, 10))
  const y = (ms) => 180 - (Math.log10(Math.max(ms, 1e-3)) - lo) / Math.max(1e-9, hi - lo) * 170 - 5
  const legends = []
  entries.forEach(([worker, series], i) => {
    const color = COLORS[i % COLORS.length]
    line(util, series.map((p) => [x(p.at), 175 - p.utilization * 170]), color, false)
    line(p99, series.map((p) => [x(p.at), y(p.runP99)]), color, false)
    line(p99, series.map((p) => [x(p.at), y(p.waitP99)]), color, true)
    legends.push('<span style="color:' + color + '">■ worker ' + worker + '</span>')
  })
  document.getElementById('legend-utilization').innerHTML = legends.join('')
  document.getElementById('legend-p99').innerHTML = legends.join('')
  util.dataset.series = String(entries.length)
}

async function refresh () {
  try {
    const [stats, history] = await Promise.all(['/stats', '/history'].map((path) => fetch(path, { cache: 'no-store' }).then((r) => r.json())))
    drawTable(stats)
    drawCharts(history)
  } catch (error) {
    document.getElementById('summary').textContent = 'the stats endpoint did not answer: ' + error.message
  }
}
refresh()
setInterval(refresh, 1000)
</script>
</body>
</html>
`

function page () {
  return PAGE
}

module.exports = { page }
