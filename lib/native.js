'use strict'

// Loads the native addon through the loader that `napi build` generates (../binding.js): the local
// build first (corepool.<platform>.node in the package folder), then the platform package
// (corepool-<platform>, an optional dependency). When neither loads, the loader's own error does
// not say which package was missing or what to do; this one does, and keeps it as `cause`.

const SOURCE_BUILD = 'npm install github:corepool/corepool'

/** The napi-rs platform name: the suffix of the platform package and of the .node file. */
function platformName () {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport().header.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function load () {
  try {
    return require('../binding.js')
  } catch (cause) {
    const name = platformName()
    const error = new Error(
      `corepool has no native addon for ${name} (Node ${process.version}): neither a local build ` +
      `(corepool.${name}.node) nor the prebuilt package corepool-${name} loaded. If ${name} is one of ` +
      'the supported platforms, reinstall with optional dependencies enabled (npm install without ' +
      '--omit=optional or --no-optional). Otherwise build from source, which needs Rust (cargo) and ' +
      `a C compiler: ${SOURCE_BUILD}`,
      { cause }
    )
    error.code = 'ERR_COREPOOL_NO_NATIVE_ADDON'
    throw error
  }
}

module.exports = load()
