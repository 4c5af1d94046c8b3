export { StatusWatermarkValve, type ValveOutput, type WatermarkStatus } from './status-watermark-valve.js';
export { EventTimeTimerService, eventTimerStateName } from './timer-service.js';
export { SourceWatermarks, type SourcePartitionExtent } from './source-watermarks.js';
export { WindowOperator, windowContentsStateName, windowTimerStateName } from './window-operator.js';
export { TaskEventTime, drainsAtBarrier, watermarkEvent, watermarkStatusEvent, type EventTimeHost } from './task-event-time.js';
