export * from './district.entity.js';
export * from './school.entity.js';
export * from './class.entity.js';
export * from './student.entity.js';
export * from './guardian.entity.js';
export * from './card.entity.js';
export * from './gateway.entity.js';
export * from './tap.entity.js';
export * from './attendance-day.entity.js';
export * from './dead-letter.entity.js';
export * from './user.entity.js';
export * from './audit-log.entity.js';
export * from './notification-outbox.entity.js';

import { District } from './district.entity.js';
import { School } from './school.entity.js';
import { SchoolClass } from './class.entity.js';
import { Student } from './student.entity.js';
import { Guardian, StudentGuardian } from './guardian.entity.js';
import { Card, CardKey } from './card.entity.js';
import { Gateway, Terminal } from './gateway.entity.js';
import { TapRow } from './tap.entity.js';
import { AttendanceDay } from './attendance-day.entity.js';
import { DeadLetter } from './dead-letter.entity.js';
import { User, UserClass, UserStudent } from './user.entity.js';
import { AuditLogEntry } from './audit-log.entity.js';
import { NotificationOutbox } from './notification-outbox.entity.js';

/** Every entity, for the DataSource. Add new entities here. */
export const ENTITIES = [
  District,
  School,
  SchoolClass,
  Student,
  Guardian,
  StudentGuardian,
  Card,
  CardKey,
  Gateway,
  Terminal,
  TapRow,
  AttendanceDay,
  DeadLetter,
  User,
  UserClass,
  UserStudent,
  AuditLogEntry,
  NotificationOutbox,
];
