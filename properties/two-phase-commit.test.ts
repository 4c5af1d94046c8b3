import { propertySuite } from './property-suite.js';

/** The 'two-phase-commit' property over every scenario that declares it, under random faults of every kind. */
propertySuite('two-phase-commit');
