import { propertySuite } from './property-suite.js';

/** The 'failure-accounting' property over every scenario that declares it, under random faults of every kind. */
propertySuite('failure-accounting');
