/**
 * Routes the sandbox's host calls: `objects` to the host modules given in the simulator
 * options. Each route can be given a simulated latency (fixed, or drawn from the simulator's
 * seeded randomness), applied to asynchronous answers.
 */
import type { Random } from '../kernel/random.js';
import type { HostCallAnswer, HostCallContext, HostCallRouter } from '../runtime/host-calls.js';
import { HostObjects } from '../runtime/host-objects.js';
import { checkWireRequest, HostNetwork, type NetworkPolicy, type WireRequest } from '../runtime/host-network.js';
import { HostSockets } from '../runtime/host-sockets.js';
import { runSubtle } from '../runtime/host-webcrypto.js';
import { OBJECTS_TARGET } from '../runtime/shim/object-wire.js';
import { SOCKET_TARGET } from '../runtime/shim/socket-wire.js';

export type Latency = number | ((random: () => number) => number);

/** One draw of a latency model: milliseconds >= 0 (a model returning garbage means 0). */
export function drawLatency(latency: Latency, random: Random): number {
  const ms = typeof latency === 'number' ? latency : latency(() => random.next());
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

export interface HostRouterOptions {
  modules: Record<string, unknown>;
  latency: Record<string, Latency>;
  random: Random;
  /** The sandbox's network (default 'off'). */
  network?: NetworkPolicy;
}

/** Answers `sdk` calls (the runtime-provided AWS SDK); see aws-sdk.ts. */
export interface SdkCalls {
  call(path: string, args: unknown[], context: HostCallContext): HostCallAnswer;
}

export class HostRouter implements HostCallRouter {
  readonly hostModules: ReadonlySet<string>;
  readonly #modules: Map<string, unknown>;
  readonly #latency: Record<string, Latency>;
  readonly #random: Random;
  /** Set by the simulator once its AWS SDK router exists. */
  sdk: SdkCalls | undefined;
  readonly #network: HostNetwork;

  constructor(options: HostRouterOptions) {
    this.#modules = new Map(Object.entries(options.modules));
    this.hostModules = new Set(this.#modules.keys());
    this.#latency = options.latency;
    this.#random = options.random;
    this.#network = new HostNetwork(options.network ?? 'off');
  }

  latencyOf(route: string): number {
    const l = this.#latency[route];
    return l === undefined ? 0 : drawLatency(l, this.#random);
  }

  /** Latency of a network request: `network:<hostname>`, else `network`. */
  #networkLatency(request: unknown): number {
    let hostname = '';
    try {
      hostname = new URL(String((request as { url?: unknown } | null)?.url)).hostname;
    } catch {
      /* checked (and refused) by the network itself */
    }
    return this.#hostLatency(hostname);
  }

  /** Latency of the network to one host: `network:<hostname>`, else `network`. */
  #hostLatency(hostname: string | undefined): number {
    return hostname !== undefined && this.#latency[`network:${hostname}`] !== undefined ? this.latencyOf(`network:${hostname}`) : this.latencyOf('network');
  }

  /** The calling sandbox's sockets (net, tls, dns): see runtime/host-sockets.ts. */
  #socketCall(path: string, args: unknown[], context: HostCallContext): HostCallAnswer {
    const sockets = context.scope.get(SOCKET_TARGET, () => new HostSockets(this.#network.policy, context.hold));
    const id = Number(args[0]);
    switch (path) {
      case 'open':
        return { kind: 'value', value: sockets.open(args[0]) };
      case 'upgrade':
        return { kind: 'value', value: sockets.upgrade(id, args[1]) };
      case 'read': {
        // What already arrived is answered at once: delivered later, it could miss its instant.
        const events = sockets.read(id);
        return Array.isArray(events) ? { kind: 'value', value: events } : { kind: 'event', promise: events, latencyMs: this.#hostLatency(sockets.hostOf(id)) };
      }
      case 'write':
        return { kind: 'value', value: sockets.write(id, args[1]) };
      case 'end':
        sockets.end(id);
        return { kind: 'value', value: undefined };
      case 'destroy':
        sockets.destroy(id);
        return { kind: 'value', value: undefined };
      case 'configure':
        sockets.configure(id, args[1]);
        return { kind: 'value', value: undefined };
      case 'dns':
        return { kind: 'promise', promise: sockets.dns(args[0], args[1]), latencyMs: this.#hostLatency(Array.isArray(args[1]) && typeof args[1][0] === 'string' ? args[1][0] : undefined) };
      default:
        return { kind: 'error', error: new Error(`lambda-sim: no socket operation ${path}`) };
    }
  }

  /** The calling sandbox's references to host modules' objects: see runtime/host-objects.ts. */
  #objectCall(path: string, args: unknown[], context: HostCallContext): HostCallAnswer {
    const objects = context.scope.get(OBJECTS_TARGET, () => new HostObjects(context.hold, (module) => this.latencyOf(module)));
    if (path !== 'module') return objects.run(path, args);
    const name = String(args[0]);
    if (!this.#modules.has(name)) return { kind: 'error', error: new Error(`lambda-sim: no host module named '${name}'`) };
    try {
      return { kind: 'value', value: objects.module(name, this.#modules.get(name)) };
    } catch (error) {
      return { kind: 'error', error };
    }
  }

  call(target: string, path: string, args: unknown[], context: HostCallContext): HostCallAnswer {
    if (target === 'sdk' && this.sdk !== undefined) return this.sdk.call(path, args, context);
    if (target === 'webcrypto') return { kind: 'promise', promise: runSubtle(path, (args[0] ?? {}) as Record<string, unknown>), latencyMs: 0 };
    if (target === 'network' && path === 'send') {
      // Checked first: the latency lookup parses the URL only once its size is bounded.
      let request: WireRequest;
      try {
        request = checkWireRequest(args[0]);
      } catch (error) {
        return { kind: 'error', error };
      }
      return { kind: 'promise', promise: this.#network.send(request), latencyMs: this.#networkLatency(request) };
    }
    if (target === SOCKET_TARGET) return this.#socketCall(path, args, context);
    if (target === OBJECTS_TARGET) return this.#objectCall(path, args, context);
    return { kind: 'error', error: new Error(`lambda-sim: no route for host call ${target}`) };
  }
}
