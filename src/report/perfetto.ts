import type { Observation } from '../cluster/observations.js';
import type { CapturedBuffer, CapturedRpc } from '../net/index.js';
import type { TraceEvent as SimulationEvent } from '../sim/index.js';

/** One Chrome trace event (the JSON trace-event format Perfetto and chrome://tracing open). */
interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  id?: string;
  bp?: string;
  dur?: number;
  args?: Record<string, unknown>;
  s?: string;
}

const coordinatorPid = 1;
const coordinatorThread = 1;

/**
 * Builds a Chrome trace-event file from a case's observations: each executor a process and each
 * task a thread in it (tasks move between executors when they are restarted), checkpoints as
 * async spans on the coordinator from trigger to completion or abort, snapshots and alignments
 * as slices on their task, barriers as flows from the checkpoint trigger to each task, and
 * faults, failovers and job status changes as instant events. Times are virtual microseconds.
 */
export class PerfettoTraceBuilder {
  private readonly events: TraceEvent[] = [];
  private readonly processes = new Map<string, number>();
  private readonly threads = new Map<string, { pid: number; tid: number }>();
  private readonly taskExecutor = new Map<string, string>();
  private readonly alignmentStart = new Map<string, number>();
  private nextTid = 2;
  private readonly flowsEnded = new Set<string>();

  constructor() {
    this.metadata(coordinatorPid, coordinatorThread, 'jobmaster', 'checkpoint coordinator');
    this.processes.set('jobmaster', coordinatorPid);
  }

  observe(observation: Observation): void {
    const ts = observation.timeUs;
    switch (observation.type) {
      case 'task-deployed':
        this.taskExecutor.set(observation.task, observation.executor);
        this.instant(this.thread(observation.task), `deploy attempt ${observation.attempt}`, ts, 'task', { executor: observation.executor });
        return;
      case 'checkpoint-triggered':
        this.events.push({ name: `checkpoint ${observation.checkpointId} (${observation.checkpointType})`, cat: 'checkpoint', ph: 'b', ts, pid: coordinatorPid, tid: coordinatorThread, id: `cp${observation.checkpointId}`, args: { tasksToWaitFor: observation.tasksToWaitFor } });
        // One flow per awaited task: a Chrome flow joins one start to one end.
        for (const task of observation.tasksToWaitFor) {
          this.events.push({ name: 'barrier', cat: 'barrier', ph: 's', ts, pid: coordinatorPid, tid: coordinatorThread, id: `barrier${observation.checkpointId}/${task}` });
        }
        return;
      case 'checkpoint-completed':
      case 'checkpoint-aborted':
        this.events.push({
          name: `checkpoint ${observation.checkpointId} (${observation.checkpointType})`,
          cat: 'checkpoint',
          ph: 'e',
          ts,
          pid: coordinatorPid,
          tid: coordinatorThread,
          id: `cp${observation.checkpointId}`,
          args: observation.type === 'checkpoint-aborted' ? { outcome: 'aborted', reason: observation.reason } : { outcome: 'completed' },
        });
        return;
      case 'alignment-started':
        this.alignmentStart.set(`${observation.task}/${observation.checkpointId}`, ts);
        return;
      case 'alignment-completed': {
        const startedUs = this.alignmentStart.get(`${observation.task}/${observation.checkpointId}`) ?? ts;
        this.alignmentStart.delete(`${observation.task}/${observation.checkpointId}`);
        const thread = this.thread(observation.task);
        this.events.push({ name: `align ${observation.checkpointId}${observation.unaligned ? ' (unaligned)' : ''}`, cat: 'alignment', ph: 'X', ts: startedUs, dur: Math.max(1, ts - startedUs), ...thread });
        return;
      }
      case 'barrier-received': {
        const thread = this.thread(observation.task);
        const flow = `barrier${observation.checkpointId}/${observation.task}`;
        if (!this.flowsEnded.has(flow)) {
          this.flowsEnded.add(flow);
          this.events.push({ name: 'barrier', cat: 'barrier', ph: 'f', bp: 'e', ts, ...thread, id: flow });
        }
        this.instant(thread, `barrier ${observation.checkpointId} from ${observation.channel.split('->')[0]}`, ts, 'barrier');
        return;
      }
      case 'snapshot-taken':
        this.instant(this.thread(observation.task), `snapshot ${observation.checkpointId}`, ts, 'snapshot', { unaligned: observation.unaligned, lineage: observation.content.lineage });
        return;
      case 'snapshot-uploaded':
        this.instant(this.thread(observation.task), `uploaded ${observation.checkpointId}`, ts, 'snapshot');
        return;
      case 'checkpoint-acknowledged':
      case 'checkpoint-declined':
        this.instant({ pid: coordinatorPid, tid: coordinatorThread }, `${observation.type === 'checkpoint-acknowledged' ? 'ack' : 'decline'} ${observation.checkpointId} from ${observation.task}`, ts, 'checkpoint');
        return;
      case 'task-failed':
      case 'task-restored':
      case 'task-finished':
      case 'task-canceled':
        this.instant(this.thread(observation.task), observation.type.replace('task-', ''), ts, 'task', { attempt: observation.attempt });
        return;
      case 'transaction-committed':
        this.instant(this.thread(observation.task), `commit ${observation.transactionId}`, ts, 'sink', { records: observation.records });
        return;
      case 'failover':
      case 'job-status':
      case 'executor-lost':
      case 'jobmaster-started':
        this.instant({ pid: coordinatorPid, tid: coordinatorThread }, observation.type === 'job-status' ? `job ${observation.status}` : observation.type, ts, 'job', { ...observation });
        return;
      default:
        return;
    }
  }

  /**
   * Adds the messages of a captured trace as flows: checkpoint RPCs between the coordinator and
   * tasks (trigger, acknowledge, decline, notify) and barriers and cancellation markers between
   * tasks, each a short slice on the sender joined to a short slice on the receiver. Record
   * buffers are left out: they would bury the protocol under data traffic.
   */
  messages(events: readonly SimulationEvent[]): void {
    let next = 0;
    for (const event of events) {
      const payload = event.payload as { readonly message?: unknown } | undefined;
      if (payload?.message === 'rpc') {
        const rpc = payload as CapturedRpc;
        if (rpc.checkpointId === undefined || rpc.task === undefined) continue;
        const toCoordinator = rpc.target === 'jobmaster';
        const task = this.thread(rpc.task);
        const coordinator = { pid: coordinatorPid, tid: coordinatorThread };
        this.flow(`msg${next++}`, `${rpc.method} ${rpc.checkpointId}`, 'rpc', toCoordinator ? task : coordinator, rpc.sentUs, toCoordinator ? coordinator : task, event.timeUs, event.dropped);
      } else if (payload?.message === 'buffer') {
        const captured = payload as CapturedBuffer<{ isEvent: boolean; priority: boolean; kind?: string; barrier?: { checkpointId: number }; checkpointId?: number }>;
        const kind = captured.buffer.kind;
        if (kind !== 'barrier' && kind !== 'cancel-marker') continue;
        const arrow = captured.channel.indexOf('->');
        const checkpointId = captured.buffer.barrier?.checkpointId ?? captured.buffer.checkpointId;
        this.flow(
          `msg${next++}`,
          `${kind === 'barrier' ? 'barrier' : 'cancel marker'} ${checkpointId ?? ''}${captured.buffer.priority ? ' (priority)' : ''}`,
          'channel',
          this.thread(captured.channel.slice(0, arrow)),
          captured.sentUs,
          this.thread(captured.channel.slice(arrow + 2)),
          event.timeUs,
          event.dropped,
        );
      }
    }
  }

  private flow(id: string, name: string, cat: string, from: { pid: number; tid: number }, sentUs: number, to: { pid: number; tid: number }, arrivedUs: number, lost: boolean): void {
    this.events.push({ name: `send ${name}`, cat, ph: 'X', ts: sentUs, dur: 1, ...from });
    this.events.push({ name, cat, ph: 's', ts: sentUs, ...from, id });
    this.events.push({ name: lost ? `${name} (lost: receiver restarted)` : `receive ${name}`, cat, ph: 'X', ts: arrivedUs, dur: 1, ...to });
    this.events.push({ name, cat, ph: 'f', bp: 'e', ts: arrivedUs, ...to, id });
  }

  /** Records an injected fault, so it shows on the coordinator's track. */
  fault(kind: string, atUs: number, index: number): void {
    this.instant({ pid: coordinatorPid, tid: coordinatorThread }, `fault ${index}: ${kind}`, atUs, 'fault');
  }

  /** The trace as JSON text: `{"traceEvents": [...], "displayTimeUnit": "ms"}`. */
  toJson(): string {
    return JSON.stringify({ traceEvents: this.events, displayTimeUnit: 'ms', otherData: { source: 'ckptsim', clock: 'virtual microseconds' } });
  }

  private thread(task: string): { pid: number; tid: number } {
    const executor = this.taskExecutor.get(task) ?? 'unplaced';
    const key = `${executor}/${task}`;
    let thread = this.threads.get(key);
    if (thread === undefined) {
      let pid = this.processes.get(executor);
      if (pid === undefined) {
        pid = this.processes.size + 1;
        this.processes.set(executor, pid);
        this.events.push({ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid: 0, args: { name: executor } });
      }
      thread = { pid, tid: this.nextTid++ };
      this.threads.set(key, thread);
      this.events.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid: thread.tid, args: { name: task } });
    }
    return thread;
  }

  private instant(thread: { pid: number; tid: number }, name: string, ts: number, cat: string, args?: Record<string, unknown>): void {
    this.events.push({ name, cat, ph: 'i', s: 't', ts, ...thread, ...(args === undefined ? {} : { args }) });
  }

  private metadata(pid: number, tid: number, processName: string, threadName: string): void {
    this.events.push({ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid: 0, args: { name: processName } });
    this.events.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid, args: { name: threadName } });
  }
}
