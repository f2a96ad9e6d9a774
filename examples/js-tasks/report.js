// examples/js-tasks/report.js: a user JS task (CommonJS or ESM; the default export, module.exports, or a named export)
module.exports = async function report ({ rows }, { signal }) {
  let total = 0
  for (const row of rows) {
    if (signal.aborted) throw signal.reason // current even inside a synchronous loop
    total += row.units * row.price
  }
  return { total, rows: rows.length }
}
