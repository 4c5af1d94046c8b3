import { propertySuite } from './property-suite.js';

/** The 'liveness' property over every scenario that declares it, under random faults of every kind. */
propertySuite('liveness');
