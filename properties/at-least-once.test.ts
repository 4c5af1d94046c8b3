import { propertySuite } from './property-suite.js';

/** The 'at-least-once' property over every scenario that declares it, under random faults of every kind. */
propertySuite('at-least-once');
