import { propertySuite } from './property-suite.js';

/** The 'external-hygiene' property over every scenario that declares it, under random faults of every kind. */
propertySuite('external-hygiene');
