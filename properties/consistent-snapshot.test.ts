import { propertySuite } from './property-suite.js';

/** The 'consistent-snapshot' property over every scenario that declares it, under random faults of every kind. */
propertySuite('consistent-snapshot');
