'use strict'
// The same work in plain JavaScript: the benchmark's piscina worker runs it, and the tests and
// the benchmark check the native kernel's output against it.

/** Edit distance between two strings, counted in code points (Wagner-Fischer, two rows). */
function distance (a, b, previous, current) {
  for (let j = 0; j <= b.length; j++) previous[j] = j
  for (let i = 0; i < a.length; i++) {
    current[0] = i + 1
    for (let j = 0; j < b.length; j++) {
      const substitution = previous[j] + (a[i] === b[j] ? 0 : 1)
      current[j + 1] = Math.min(substitution, previous[j + 1] + 1, current[j] + 1)
    }
    const swap = previous
    previous = current
    current = swap
  }
  return previous[b.length]
}

/** `distances[i * right.length + j]` = distance(left[i], right[j]), as the kernel returns it. */
function levenshtein ({ left, right }) {
  const a = left.map((s) => Array.from(s))
  const b = right.map((s) => Array.from(s))
  const longest = b.reduce((max, s) => Math.max(max, s.length), 0)
  const previous = new Uint32Array(longest + 1)
  const current = new Uint32Array(longest + 1)
  const distances = new Uint32Array(a.length * b.length)
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) distances[i * b.length + j] = distance(a[i], b[j], previous, current)
  }
  return distances
}

module.exports = levenshtein
