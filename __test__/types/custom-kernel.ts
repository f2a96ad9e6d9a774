// Type tests for an addon built on corepool-core (a-custom-kernel-addon-runs-through-corepools-js-api):
// its kernels join the task map by declaration merging, and withBinding's Pool knows them.
import { withBinding, type Corepool } from 'corepool'
import { runCluster } from 'corepool/cluster'
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

declare module 'corepool' {
  interface TaskMap {
    levenshtein: { input: { left: string[]; right: string[] }; options: { maxCells?: number }; output: Uint32Array }
  }
}

declare const addon: object

export async function customKernels () {
  const api = withBinding(addon)
  const pool = new api.Pool({ threads: 2 })
  const distances = await pool.exec('levenshtein', { left: ['a'], right: ['b'] }, { maxCells: 10, timeout: 100 })
  const batch = await pool.execMany('levenshtein', [{ left: [], right: [] }])
  // @ts-expect-error options.maxCells is a number (ERR_INVALID_ARG at run time)
  await pool.exec('levenshtein', { left: [], right: [] }, { maxCells: '10' })
  // @ts-expect-error input.right is an array of strings
  await pool.exec('levenshtein', { left: ['a'], right: [1] })
  // @ts-expect-error withBinding takes the addon object
  withBinding('./addon.node')
  runCluster({ binding: addon, workers: 1 }, async ({ pool }) => { await pool.exec('levenshtein', { left: [], right: [] }) })
  const t: [Equal<typeof distances, Uint32Array>, Equal<typeof batch, Uint32Array[]>, Equal<typeof api, Corepool>] = [true, true, true]
  return t
}
