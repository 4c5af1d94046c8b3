import { propertySuite } from './property-suite.js';

/** The 'job-finishes' property over every scenario that declares it, under random faults of every kind. */
propertySuite('job-finishes');
