import { propertySuite } from './property-suite.js';

/** The 'exactly-once' property over every scenario that declares it, under random faults of every kind. */
propertySuite('exactly-once');
