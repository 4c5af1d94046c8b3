import { propertySuite } from './property-suite.js';

/** The 'windowed-output' property over every scenario that declares it, under random faults of every kind. */
propertySuite('windowed-output');
