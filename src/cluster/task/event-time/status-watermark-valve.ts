import { bugOn } from '../../planted-bugs.js';
import { minWatermark } from '../../jobgraph/event-time.js';

/** Flink's WatermarkStatus: an idle stream sends neither records nor watermarks and holds nobody back. */
export type WatermarkStatus = 'active' | 'idle';

/** Where a valve sends what it decides. */
export interface ValveOutput {
  emitWatermark(timestamp: number): void;
  emitWatermarkStatus(status: WatermarkStatus): void;
}

interface ChannelStatus {
  watermark: number;
  status: WatermarkStatus;
  /** Counted in the minimum: active, and caught up with the valve's output since it last was idle. */
  aligned: boolean;
}

/**
 * Flink's StatusWatermarkValve for one input gate: the task's watermark is the minimum over its
 * input channels that are active and aligned; an idle channel is left out, and one that becomes
 * active again counts once its watermark has caught up with the valve's output. Watermarks never
 * go back. When every channel is idle the valve is idle, and (as Flink does) it first flushes the
 * largest watermark across channels if the channel that went idle last was the one holding it back.
 */
export class StatusWatermarkValve {
  private readonly channels: ChannelStatus[];
  private lastOutputWatermark = minWatermark;
  private lastOutputStatus: WatermarkStatus = 'active';

  constructor(channelCount: number, private readonly plantedBugs: readonly string[] = []) {
    this.channels = Array.from({ length: channelCount }, () => ({ watermark: minWatermark, status: 'active' as WatermarkStatus, aligned: true }));
  }

  /** The last watermark the valve emitted. */
  get currentWatermark(): number {
    return this.lastOutputWatermark;
  }

  /** The valve's status: idle when every channel is. */
  get status(): WatermarkStatus {
    return this.lastOutputStatus;
  }

  /** A watermark from `channel`: ignored while the channel (or the whole valve) is idle, or when it goes back. */
  inputWatermark(timestamp: number, channel: number, output: ValveOutput): void {
    const input = this.channel(channel);
    if (this.lastOutputStatus !== 'active' || input.status !== 'active') return;
    if (timestamp <= input.watermark) return;
    input.watermark = timestamp;
    if (!input.aligned && timestamp >= this.lastOutputWatermark) input.aligned = true;
    this.emitNewMinimum(output);
  }

  /** A watermark status from `channel`: only a change of the channel's status counts. */
  inputWatermarkStatus(status: WatermarkStatus, channel: number, output: ValveOutput): void {
    const input = this.channel(channel);
    if (status === 'idle' && input.status === 'active') {
      input.status = 'idle';
      input.aligned = false;
      if (!this.channels.some((candidate) => candidate.status === 'active')) {
        if (input.watermark === this.lastOutputWatermark) this.emitMaximumAcrossChannels(output);
        this.lastOutputStatus = 'idle';
        output.emitWatermarkStatus('idle');
      } else if (input.watermark === this.lastOutputWatermark) {
        this.emitNewMinimum(output);
      }
      return;
    }
    if (status === 'active' && input.status === 'idle') {
      input.status = 'active';
      if (input.watermark >= this.lastOutputWatermark) input.aligned = true;
      if (this.lastOutputStatus === 'idle') {
        this.lastOutputStatus = 'active';
        output.emitWatermarkStatus('active');
      }
    }
  }

  private emitNewMinimum(output: ValveOutput): void {
    // Planted bug valve-min-includes-idle-channels: every channel counts, idle or not (FLINK-18934).
    const countsAll = bugOn(this.plantedBugs, 'valve-min-includes-idle-channels');
    let minimum: number | undefined;
    for (const channel of this.channels) {
      if (!channel.aligned && !countsAll) continue;
      if (minimum === undefined || channel.watermark < minimum) minimum = channel.watermark;
    }
    if (minimum === undefined || minimum <= this.lastOutputWatermark) return;
    this.lastOutputWatermark = minimum;
    output.emitWatermark(minimum);
  }

  private emitMaximumAcrossChannels(output: ValveOutput): void {
    let maximum = minWatermark;
    for (const channel of this.channels) if (channel.watermark > maximum) maximum = channel.watermark;
    if (maximum <= this.lastOutputWatermark) return;
    this.lastOutputWatermark = maximum;
    output.emitWatermark(maximum);
  }

  private channel(index: number): ChannelStatus {
    const channel = this.channels[index];
    if (channel === undefined) throw new Error(`watermark valve: no input channel ${index} (it has ${this.channels.length})`);
    return channel;
  }
}
