'use strict'

// The JS style the code is written in (standard, through neostandard), checked by `npm run lint`.
module.exports = [
  ...require('neostandard')({
    ignores: ['binding.js', 'binding.d.ts', 'target/**', 'node_modules/**']
  }),
  {
    rules: {
      // Load loops run until a flag that a callback or another async function sets.
      'no-unmodified-loop-condition': 'off'
    }
  }
]
