'use strict'

// A strict reader of Prometheus text format 0.0.4 for the tests: every sample belongs to a family
// declared by HELP and TYPE lines, and every line parses.

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y

function parsePrometheus (text) {
  const families = new Map()
  let current = null
  for (const line of text.split('\n')) {
    if (line === '') continue
    let match
    if ((match = /^# HELP (\S+) (.*)$/.exec(line))) {
      current = { name: match[1], help: match[2], type: null, samples: [] }
      if (families.has(current.name)) throw new Error(`family ${current.name} declared twice`)
      families.set(current.name, current)
    } else if ((match = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      if (current?.name !== match[1]) throw new Error(`TYPE without HELP: ${line}`)
      current.type = match[2]
    } else if ((match = SAMPLE.exec(line))) {
      const [, name, labelText = '', value] = match
      const base = current?.type === 'histogram' ? name.replace(/_(bucket|sum|count)$/, '') : name
      if (current === null || base !== current.name) throw new Error(`sample outside its family: ${line}`)
      const labels = {}
      LABEL.lastIndex = 0
      while (LABEL.lastIndex < labelText.length) {
        const label = LABEL.exec(labelText)
        if (label === null) throw new Error(`bad labels: ${line}`)
        labels[label[1]] = label[2]
      }
      const number = Number(value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : value)
      if (Number.isNaN(number) && value !== 'NaN') throw new Error(`bad value: ${line}`)
      current.samples.push({ name, labels, value: number })
    } else {
      throw new Error(`unparsable line: ${line}`)
    }
  }
  return families
}

/** The sorted label names of each sample name in a family, e.g. { x_bucket: 'le,task' }. */
function labelSets (family) {
  const sets = {}
  for (const s of family.samples) {
    const names = Object.keys(s.labels).sort().join(',')
    sets[s.name] ??= new Set()
    sets[s.name].add(names)
  }
  return Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, [...v].sort().join(' | ')]))
}

module.exports = { parsePrometheus, labelSets }
