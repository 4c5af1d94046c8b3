import { propertySuite } from './property-suite.js';

/** The 'recovery' property over every scenario that declares it, under random faults of every kind. */
propertySuite('recovery');
