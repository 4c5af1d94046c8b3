import { propertySuite } from './property-suite.js';

/** The 'explained-failures' property over every scenario that declares it, under random faults of every kind. */
propertySuite('explained-failures');
