'use strict'

// A user JS task: renders a sales report as HTML. It runs on the pool's JS workers, registered
// with runCluster({ pool: { tasks: { report: require.resolve('./report.js') } } }).

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

/** `{ title, rows: [{ region, units, price }] }` -> `{ html, total }`. */
module.exports = function report ({ title, rows }, { signal }) {
  let total = 0
  const body = []
  for (const { region, units, price } of rows) {
    if (signal.aborted) throw signal.reason
    const amount = units * price
    total += amount
    body.push(`<tr><td>${escape(region)}</td><td>${units}</td><td>${amount.toFixed(2)}</td></tr>`)
  }
  const html = `<h1>${escape(title)}</h1><table><tr><th>region</th><th>units</th><th>amount</th></tr>${body.join('')}</table>` +
    `<p>total ${total.toFixed(2)}</p>`
  return { html, total: Math.round(total * 100) / 100 }
}
