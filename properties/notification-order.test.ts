import { propertySuite } from './property-suite.js';

/** The 'notification-order' property over every scenario that declares it, under random faults of every kind. */
propertySuite('notification-order');
