import { propertySuite } from './property-suite.js';

/** The 'trigger-results' property over every scenario that declares it, under random faults of every kind. */
propertySuite('trigger-results');
