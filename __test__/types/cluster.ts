// Type tests for runCluster, from 'corepool' and from 'corepool/cluster' (both export it at run time).
import { runCluster } from 'corepool'
import { runCluster as fromCluster, type ClusterPrimary, type ClusterWorker } from 'corepool/cluster'
import type { Server } from 'node:net'
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

declare const server: Server

export function roles () {
  const same: Equal<typeof runCluster, typeof fromCluster> = true
  const result = runCluster({ statsPort: 0 }, ({ pool }) => { void pool.exec('fib', 1); return server })
  // cluster-every-worker-serves-requests: `role` tells the primary from a worker.
  if (result.role === 'primary') {
    const p: Equal<typeof result, ClusterPrimary> = true
    return [same, p, result.reload()]
  }
  const w: Equal<typeof result, ClusterWorker> = true
  // @ts-expect-error a worker has no reload(); only the primary does
  result.reload()
  return [same, w, result.state]
}

export function mainOnly () {
  const result = runCluster(() => undefined)
  // @ts-expect-error role is 'primary' or 'worker'
  if (result.role === 'replica') return result
  return result.role
}
