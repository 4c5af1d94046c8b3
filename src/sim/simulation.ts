import { EventQueue, type QueueEntry } from './event-queue.js';
import { hashString } from './hash.js';
import { SimNode } from './node.js';
import { RandomStream, deriveStream } from './random.js';
import { Trace } from './trace.js';
import { PctScheduler, type PctOptions, type PctStatistics } from './pct-scheduler.js';

export type { PctOptions, PctStatistics } from './pct-scheduler.js';

/** A named kind of event; its name is digested once, here, and the digest goes into the trace. */
export interface EventKind {
  readonly name: string;
  readonly hash: number;
}

/** Declares an event kind. Call once per kind, at module scope. */
export function eventKind(name: string): EventKind {
  return { name, hash: hashString(name) };
}

/** Bounds on one run; reaching any of them ends the run with a classified outcome. */
export interface RunLimits {
  /** Events dispatched or dropped before the run gives up: 'event-budget-exhausted'. */
  readonly maxEvents: number;
  /** Virtual time after which nothing more runs: 'deadline-reached'. */
  readonly deadlineUs: number;
  /** Entries the queue may hold at once: 'queue-limit-exceeded'. */
  readonly maxQueueLength: number;
}

/** The defaults: ten million events, one virtual hour, a million queued events. */
export const defaultRunLimits: RunLimits = {
  maxEvents: 10_000_000,
  deadlineUs: 3_600_000_000,
  maxQueueLength: 1_000_000,
};

/**
 * Fills in defaults for the limits not given and checks the rest. A limit passed as `undefined`
 * (which `Partial` allows) must fall back to its default: spread over the defaults it would
 * replace them with `undefined`, every comparison against it would be false, and the bound
 * would silently vanish.
 */
function resolveRunLimits(overrides: Partial<RunLimits> | undefined): RunLimits {
  const limits: RunLimits = {
    maxEvents: overrides?.maxEvents ?? defaultRunLimits.maxEvents,
    deadlineUs: overrides?.deadlineUs ?? defaultRunLimits.deadlineUs,
    maxQueueLength: overrides?.maxQueueLength ?? defaultRunLimits.maxQueueLength,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Simulation: limit ${name} must be a non-negative safe integer, got ${value}`);
    }
  }
  return limits;
}

/** How a run ended. */
export type RunOutcomeKind =
  | 'quiescent'
  | 'stopped'
  | 'deadline-reached'
  | 'event-budget-exhausted'
  | 'queue-limit-exceeded'
  | 'event-threw';

export interface RunOutcome {
  readonly kind: RunOutcomeKind;
  /**
   * For 'stopped', what stopped it; for 'event-threw', which event threw what; for the others,
   * the bound that was hit, in words.
   */
  readonly reason: string;
  /** For 'event-threw': the stack of what was thrown (or its text when it was not an Error). */
  readonly thrown?: string;
  readonly events: number;
  readonly timeUs: number;
}

/** A scheduled event: returned by {@link Simulation.schedule} so it can be cancelled. */
export class Timer implements QueueEntry {
  cancelled = false;
  constructor(
    readonly timeUs: number,
    readonly sequence: number,
    readonly kind: EventKind,
    readonly node: SimNode | undefined,
    readonly incarnation: number,
    readonly digest: number,
    /** Called with `argument`: a shared action plus a per-event argument saves a closure per event. */
    public action: (argument: unknown) => void,
    public argument: unknown,
    public payload: unknown,
  ) {}

  /** The timer's PCT lane: the node it is addressed to, or −1 for the kernel's own events (sim/pct-scheduler.ts). */
  get lane(): number {
    return this.node === undefined ? -1 : this.node.id;
  }

  /** Drops what the timer would have run with: a cancelled timer stays queued until it comes due. */
  release(): void {
    this.action = releasedAction;
    this.argument = undefined;
    this.payload = undefined;
  }
}

const releasedAction = (): void => {};

export interface SimulationOptions {
  /** The root seed every random stream derives from. */
  readonly seed: number | string;
  /** Keep every event in `trace.events` (for replay reports); off by default, and then free. */
  readonly captureTrace?: boolean;
  readonly limits?: Partial<RunLimits>;
  /**
   * Pick among the events enabled together by PCT priorities (sim/pct-scheduler.ts) instead of
   * in scheduling order. Absent (the default): the kernel's plain (time, sequence) order, and
   * nothing of the scheduler is made or consulted.
   */
  readonly pct?: PctOptions;
}

const crashKind = eventKind('node.crash');
const restartKind = eventKind('node.restart');

/**
 * The discrete-event kernel: a virtual clock in integer microseconds, an event queue, seeded
 * random streams, nodes with incarnations, a bounded run loop and a trace.
 *
 * It knows nothing of checkpoints. Everything in a run happens inside an action scheduled here,
 * so the order of everything is fixed by (time, sequence number) and the seed.
 */
export class Simulation {
  readonly seed: number | string;
  readonly trace: Trace;
  readonly limits: RunLimits;
  private readonly queue = new EventQueue<Timer>();
  private readonly scheduler: PctScheduler<Timer> | undefined;
  private readonly streams = new Map<string, RandomStream>();
  private readonly nodeList: SimNode[] = [];
  private clockUs = 0;
  private nextSequence = 0;
  private dispatched = 0;
  private stopReason: string | undefined;
  /** The outcome of the run an event's exception ended; every later run() returns it. */
  private threw: RunOutcome | undefined;

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.trace = new Trace(options.captureTrace ?? false);
    this.limits = resolveRunLimits(options.limits);
    // Its own named stream: a run's other streams draw the same with or without it.
    this.scheduler = options.pct === undefined ? undefined : new PctScheduler(options.pct, this.random('sim.pct'));
  }

  /** The n and k a PCT run's scheduler saw so far; undefined when the run does not use PCT. */
  get pctStatistics(): PctStatistics | undefined {
    return this.scheduler?.statistics;
  }

  /** True when every event is kept in `trace.events`: schedulers may then attach descriptive payloads. */
  get capturing(): boolean {
    return this.trace.events !== undefined;
  }

  /** The virtual time, in microseconds since the start of the run. */
  get nowUs(): number {
    return this.clockUs;
  }

  /** Events dispatched or dropped so far. */
  get eventCount(): number {
    return this.dispatched;
  }

  /** Live events waiting in the queue. */
  get pendingCount(): number {
    return this.queue.size;
  }

  get nodes(): readonly SimNode[] {
    return this.nodeList;
  }

  /** The random stream named `name`, created on first use from (seed, name). */
  random(name: string): RandomStream {
    let stream = this.streams.get(name);
    if (stream === undefined) {
      stream = deriveStream(this.seed, name);
      this.streams.set(name, stream);
    }
    return stream;
  }

  createNode(name: string): SimNode {
    const node = new SimNode(this.nodeList.length, name);
    this.nodeList.push(node);
    return node;
  }

  /**
   * Runs `action` after `delayUs` microseconds of virtual time. When `node` is given, the event
   * belongs to the node's current incarnation and is dropped if the node crashes before it runs.
   * `digest` summarises the payload for the trace hash; `payload` is kept only by trace capture.
   */
  schedule(
    delayUs: number,
    kind: EventKind,
    action: () => void,
    node?: SimNode,
    digest = 0,
    payload?: unknown,
  ): Timer {
    return this.scheduleWith(delayUs, kind, action, undefined, node, digest, payload);
  }

  /**
   * {@link schedule} for an action shared by many events (made once, not per event), called
   * with `argument` when the event runs.
   */
  scheduleWith<Argument>(
    delayUs: number,
    kind: EventKind,
    action: (argument: Argument) => void,
    argument: Argument,
    node?: SimNode,
    digest = 0,
    payload?: unknown,
  ): Timer {
    if (!Number.isSafeInteger(delayUs) || delayUs < 0) {
      throw new RangeError(`schedule(${kind.name}): delay must be a non-negative integer of microseconds, got ${delayUs}`);
    }
    const timer = new Timer(
      this.clockUs + delayUs,
      this.nextSequence++,
      kind,
      node,
      node === undefined ? 0 : node.incarnation,
      digest,
      action as (argument: unknown) => void,
      argument,
      payload,
    );
    this.queue.push(timer);
    return timer;
  }

  /** Cancels a timer; a no-op when it already ran or was cancelled. */
  cancel(timer: Timer): void {
    if (timer.cancelled) return;
    this.queue.cancel(timer);
    // Its closure (a checkpoint's timeout holds the whole pending checkpoint) can go now.
    timer.release();
  }

  /**
   * Crashes a node: it stops accepting events (its timers and the messages in flight to it are
   * dropped when they come due) and its crash listeners wipe its volatile state.
   */
  crash(node: SimNode): void {
    node.markCrashed();
    this.trace.record(this.nextSequence++, this.clockUs, crashKind.hash, crashKind.name, node.id, node.name, node.incarnation, 0, false, undefined);
  }

  /** Brings a crashed node back as a new incarnation; events for the old one stay dropped. */
  restart(node: SimNode): void {
    node.markRestarted();
    this.trace.record(this.nextSequence++, this.clockUs, restartKind.hash, restartKind.name, node.id, node.name, node.incarnation, 0, false, undefined);
  }

  /** Ends the current run after the event being dispatched; `reason` is reported in the outcome. */
  stop(reason: string): void {
    if (this.stopReason === undefined) this.stopReason = reason;
  }

  /**
   * Dispatches events in (time, sequence) order until the queue is empty, {@link stop} is called,
   * or a limit is hit. Can be called again to continue after 'stopped'. An event whose action
   * throws (a bug in the simulated system, or in a user's code it runs) ends the run with
   * outcome 'event-threw': a reported outcome, not an exception out of the harness. The state
   * it left is undefined, so every later call returns that outcome again and runs nothing.
   */
  run(): RunOutcome {
    // An exception left the simulated system's state undefined: nothing more runs.
    if (this.threw !== undefined) return this.threw;
    this.stopReason = undefined;
    const { maxEvents, deadlineUs, maxQueueLength } = this.limits;
    for (;;) {
      if (this.stopReason !== undefined) return this.outcome('stopped', this.stopReason);
      if (this.dispatched >= maxEvents) {
        return this.outcome('event-budget-exhausted', `event budget of ${maxEvents} events exhausted`);
      }
      if (this.queue.storedCount > maxQueueLength) {
        return this.outcome('queue-limit-exceeded', `event queue held more than ${maxQueueLength} entries`);
      }
      const next = this.queue.peek();
      if (next === undefined) return this.outcome('quiescent', 'no events left');
      if (next.timeUs > deadlineUs) {
        this.clockUs = deadlineUs;
        return this.outcome('deadline-reached', `virtual deadline of ${deadlineUs} us reached`);
      }
      // With PCT the scheduler picks among the events enabled together (maybe not `next`).
      const chosen = this.scheduler === undefined ? (this.queue.pop() as Timer) : (this.scheduler.take(this.queue) as Timer);
      try {
        this.dispatch(chosen);
      } catch (error) {
        const where = chosen.node === undefined ? '' : ` on ${chosen.node.name}`;
        const message = error instanceof Error ? error.message : String(error);
        const thrown = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
        this.threw = { ...this.outcome('event-threw', `event ${chosen.kind.name}${where} at ${this.clockUs} us threw: ${message}`), thrown };
        return this.threw;
      }
    }
  }

  private dispatch(timer: Timer): void {
    // Never backwards: an event PCT ran after a later one runs at the later time. Without PCT
    // events come in time order, and this is the event's own time.
    this.clockUs = Math.max(this.clockUs, timer.timeUs);
    this.dispatched++;
    const node = timer.node;
    const dropped = node !== undefined && !node.accepts(timer.incarnation);
    this.trace.record(
      timer.sequence,
      this.clockUs,
      timer.kind.hash,
      timer.kind.name,
      node === undefined ? -1 : node.id,
      node === undefined ? '' : node.name,
      timer.incarnation,
      timer.digest,
      dropped,
      timer.payload,
    );
    if (!dropped) timer.action(timer.argument);
  }

  private outcome(kind: RunOutcomeKind, reason: string): RunOutcome {
    return { kind, reason, events: this.dispatched, timeUs: this.clockUs };
  }
}
