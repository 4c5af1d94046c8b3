/** Operator coordinators on the JobMaster and their event valve (Flink's operators.coordination). */
export * from './operator-event.js';
export * from './operator-coordinator.js';
export * from './subtask-gateway.js';
export * from './operator-coordinator-holder.js';
