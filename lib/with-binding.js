'use strict'

// `withBinding(addon)`: corepool's whole JS API over another addon built on corepool-core
// (docs/custom-kernels.md). The API's modules are loaded once more, in a realm of their own
// whose `lib/native.js` is that addon; everything else they require (Node's modules, npm
// packages) is shared. So each addon gets its own Pool class, task table and cluster shim, and
// the modules themselves stay written against one binding.

const fs = require('node:fs')
const path = require('node:path')
const Module = require('node:module')
const { invalidArg, describe } = require('./errors.js')

const ROOT = path.join(__dirname, '..')
const NATIVE = path.join(__dirname, 'native.js')
const LIB = path.join(ROOT, 'lib') + path.sep

/** One API per addon object, so that `withBinding(addon)` twice gives the same classes. */
const apis = new WeakMap()

/** `name` is how messages call the argument: `binding` or `options.binding`. */
function withBinding (binding, name = 'binding') {
  const isAddon = binding !== null && (typeof binding === 'object' || typeof binding === 'function') &&
    typeof binding.NativePool === 'function' && typeof binding.tasks === 'function'
  if (!isAddon) {
    throw invalidArg(`${name} must be an addon built on corepool-core (with NativePool and tasks()), got ${describe(binding)}`)
  }
  let api = apis.get(binding)
  if (api === undefined) {
    api = loadRealm(binding)
    apis.set(binding, api)
  }
  return api
}

/** Loads index.js and what it requires from this package anew, with `binding` as lib/native.js. */
function loadRealm (binding) {
  const cache = new Map([[NATIVE, binding]])
  const load = (filename, parent) => {
    if (cache.has(filename)) return cache.get(filename)
    const module = new Module(filename, parent)
    module.filename = filename
    module.paths = Module._nodeModulePaths(path.dirname(filename))
    module.require = (id) => {
      const resolved = Module._resolveFilename(id, module)
      return inRealm(resolved) ? load(resolved, module) : Module.prototype.require.call(module, id)
    }
    cache.set(filename, module.exports) // a cycle sees the partial exports, as with require()
    module._compile(fs.readFileSync(filename, 'utf8'), filename)
    module.loaded = true
    cache.set(filename, module.exports)
    return module.exports
  }
  const api = load(path.join(ROOT, 'index.js'), module)
  // corepool/metrics takes only its own realm's pools.
  return { ...api, metrics: load(path.join(LIB, 'metrics.js'), module) }
}

/** The API's own files (index.js, cluster.js, lib/): the ones each realm loads itself. */
function inRealm (filename) {
  return filename.endsWith('.js') && (path.dirname(filename) === ROOT || filename.startsWith(LIB))
}

/**
 * The file that `binding` was required from, for worker threads to load the same addon: the
 * `.node` file itself when it is in require.cache (a JS worker then loads it without a loader's
 * platform checks, which delay its first task), else the loader that exported it.
 */
function bindingFile (binding) {
  let loader
  for (const module of Object.values(require.cache)) {
    if (module?.exports !== binding) continue
    if (module.filename.endsWith('.node')) return module.filename
    loader ??= module.filename
  }
  if (loader !== undefined) return loader
  // A copy of the addon's exports: worker threads cannot find the file to load it again.
  throw invalidArg('binding must be the object that require() returned for the addon (JS task workers load the same file), got an object that is not in require.cache')
}

module.exports = { withBinding, bindingFile }
