import { propertySuite } from './property-suite.js';

/** The 'coordinator-invariants' property over every scenario that declares it, under random faults of every kind. */
propertySuite('coordinator-invariants');
