// launch: runs a command as the local ranks of a data-parallel job, as torchrun does: each child gets torchrun's
// environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT), its output
// goes to this process's, and when one rank fails the others are stopped and the failure is named.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

import { UsageError } from '../util/usage-error.js';

export interface LaunchOptions {
  /** Ranks started on this node (torchrun's --nproc-per-node). */
  nprocPerNode: number;
  /** Nodes taking part (default 1); every node runs launch with the same nnodes, nprocPerNode and master. */
  nnodes?: number;
  /** This node, in 0..nnodes-1 (default 0); node 0 runs rank 0, which serves the rendezvous. */
  nodeRank?: number;
  /** Where rank 0 serves the rendezvous (default 127.0.0.1, as torchrun's). */
  masterAddr?: string;
  /** Its port (default 29500, as torchrun's). */
  masterPort?: number;
  /** The address this node's ranks bind Gloo to (handed to them as LOCAL_ADDR; default: their own choice). */
  localAddr?: string;
  /** The environment the ranks start from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** After a failure, how long the other ranks get to end on SIGTERM before SIGKILL (ms, default 10 s). */
  gracePeriod?: number;
}

/** How one rank ended. */
export interface RankExit {
  rank: number;
  localRank: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A launch that did not end with every rank exiting 0: `failed` is the first rank that failed. */
export class LaunchError extends Error {
  constructor(message: string, readonly failed: RankExit | null, readonly exits: RankExit[]) {
    super(message);
  }
}

function count(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`launch: ${what} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

interface Plan { nproc: number; nnodes: number; nodeRank: number; masterAddr: string; masterPort: number }

function plan(options: LaunchOptions): Plan {
  const nproc = count(options.nprocPerNode, '--nproc-per-node', 1);
  const nnodes = count(options.nnodes ?? 1, '--nnodes', 1);
  const nodeRank = count(options.nodeRank ?? 0, '--node-rank', 0);
  if (nodeRank >= nnodes) throw new UsageError(`launch: --node-rank must be below --nnodes ${nnodes} (0..${nnodes - 1}), got ${nodeRank}`);
  const masterPort = count(options.masterPort ?? 29500, '--master-port', 1);
  if (masterPort > 65535) throw new UsageError(`launch: --master-port must be in 1..65535, got ${masterPort}`);
  const masterAddr = options.masterAddr ?? '127.0.0.1';
  if (masterAddr.trim() === '') throw new UsageError('launch: --master-addr must not be empty');
  if (options.localAddr !== undefined && options.localAddr.trim() === '') throw new UsageError('launch: --local-addr must not be empty');
  return { nproc, nnodes, nodeRank, masterAddr, masterPort };
}

/**
 * On the master's node, a port already taken is said before any rank starts (else rank 0 fails on it and the
 * others wait for a master that never comes). An address that is not this host's is left to the ranks.
 */
function checkPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new UsageError(`launch: --master-port ${port} on ${host} is in use; choose another`));
      else resolve();
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

const describeExit = (e: RankExit) => (e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`);

/**
 * Runs `command args` as this node's nprocPerNode ranks (ranks nodeRank·nprocPerNode onwards of nnodes·nprocPerNode)
 * and resolves with their exits when every one has exited 0. When a rank exits non-zero or by a signal, the others
 * get SIGTERM (SIGKILL after the grace period) and the promise rejects with a LaunchError naming that rank. SIGINT
 * and SIGTERM sent to this process are passed on to the ranks.
 */
export async function launch(command: string, args: string[], options: LaunchOptions): Promise<RankExit[]> {
  const { nproc, nnodes, nodeRank, masterAddr, masterPort } = plan(options);
  if (nodeRank === 0) await checkPortFree(masterAddr, masterPort);
  const worldSize = nnodes * nproc;
  const base = options.env ?? process.env;
  const grace = options.gracePeriod ?? 10_000;
  const children: ChildProcess[] = [];
  const exits: RankExit[] = [];
  let failed: RankExit | null = null;
  let interrupted: NodeJS.Signals | null = null;
  let unstarted: Error | null = null;
  let killTimer: NodeJS.Timeout | undefined;

  const stopOthers = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  const stopAll = () => {
    stopOthers('SIGTERM');
    killTimer ??= setTimeout(() => stopOthers('SIGKILL'), grace);
    killTimer.unref();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal;
    stopOthers(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.all(Array.from({ length: nproc }, (_, localRank) => new Promise<void>((resolve) => {
      const rank = nodeRank * nproc + localRank;
      const env = {
        ...base, RANK: String(rank), WORLD_SIZE: String(worldSize), LOCAL_RANK: String(localRank), LOCAL_WORLD_SIZE: String(nproc),
        GROUP_RANK: String(nodeRank), MASTER_ADDR: masterAddr, MASTER_PORT: String(masterPort),
        ...(options.localAddr !== undefined ? { LOCAL_ADDR: options.localAddr } : {}),
      };
      const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
      children.push(child);
      // A rank that cannot start stops the others as a failed one does.
      child.once('error', (error) => {
        unstarted ??= error;
        stopAll();
        resolve();
      });
      child.once('exit', (code, signal) => {
        const exit: RankExit = { rank, localRank, pid: child.pid ?? -1, code, signal };
        exits.push(exit);
        if ((code !== 0 || signal) && !failed && !interrupted) {
          failed = exit;
          stopAll();
        }
        resolve();
      });
    })));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    clearTimeout(killTimer);
  }
  exits.sort((a, b) => a.rank - b.rank);
  if (unstarted) throw new LaunchError(`launch: cannot start ${command}: ${(unstarted as Error).message}`, null, exits);
  if (interrupted) throw new LaunchError(`launch: stopped by ${interrupted}; the ${nproc} local rank${nproc > 1 ? 's' : ''} were passed it`, null, exits);
  const lost = failed as RankExit | null;
  if (lost) {
    throw new LaunchError(`launch: rank ${lost.rank} of ${worldSize} (local rank ${lost.localRank} on node ${nodeRank}, pid ${lost.pid}) ${describeExit(lost)}` +
      `${nproc > 1 ? '; the other local ranks were stopped' : ''}`, lost, exits);
  }
  return exits;
}
