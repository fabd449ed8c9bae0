import type { Messages } from './vi';

/** English (switchable). Same keys as `vi.ts`; the type makes a missing key a build error. */
export const en: Messages = {
  app: { title: 'Smart attendance', skip: 'Skip to main content', language: 'Language', signOut: 'Sign out', signedInAs: 'Signed in as {{name}}', nav: 'Main navigation', notFound: 'This page does not exist.', home: 'Go to the start page', loading: 'Loading…', retry: 'Try again', close: 'Close', cancel: 'Cancel', save: 'Save', date: 'Date', previousDay: 'Previous day', nextDay: 'Next day', today: 'Today' },
  roles: { admin: 'Province admin', district: 'District office', school: 'School management', teacher: 'Teacher', parent: 'Parent' },
  nav: { board: 'My class', school: 'School', district: 'District', province: 'Province', parent: 'My children', admin: 'Administration' },
  errors: {
    generic: 'Something went wrong: {{message}}',
    network: 'Cannot reach the server. Check the network and try again.',
    notFound: 'Not found, or you may not see it.',
    forbidden: 'You may not do this.',
    unavailable: 'This feature is not available on the server yet.',
    badLogin: 'Wrong username or password',
    tooMany: 'Too many failed sign-ins. Please try again in a minute.',
    sessionEnded: 'Your session has ended. Please sign in again.',
  },
  login: { title: 'Sign in', username: 'Username', password: 'Password', submit: 'Sign in', busy: 'Signing in…' },
  live: { live: 'Live', connecting: 'Connecting…', lost: 'Live connection lost — retrying…', refused: 'Live updates refused' },
  status: { present: 'Present', late: 'Late', absent: 'Absent', excused: 'Excused', pending: 'Not yet' },
  board: {
    title: 'Class {{name}}', chooseClass: 'Choose a class', noClasses: 'You have no classes assigned.', counters: 'Today at a glance', total: 'Enrolled',
    students: 'Students', in: 'In', out: 'Out', manual: 'Marked by hand', reason: 'Reason', markPresent: 'Present', markExcused: 'Excused',
    markFor: 'Mark by hand: {{name}}', markRest: 'Mark all students not yet in ({{count}})', markRestButton: 'All the rest…',
    markRestTitle: 'Mark the {{count}} students not yet in', reasonHint: 'E.g. forgot card; sick, mother called', reasonRequired: 'Please give a reason.',
    saved: 'Saved: {{name}} — {{status}}', savedMany: 'Saved {{count}} students', history: 'Recent days', historyOf: 'Recent days of {{name}}', noHistory: 'No days recorded yet.',
    actions: 'Actions', filter: 'Filter by status', all: 'All', newStudents: 'The class list just changed', by: 'by {{name}}', empty: 'The class has no students.', futurePresent: 'Present can be marked only for today or earlier.',
  },
  school: {
    title: 'School {{name}}', classes: 'Classes', class: 'Class', enrolled: 'Enrolled', feed: 'Latest card taps', feedEmpty: 'No taps yet.', unknownCard: 'Unknown card {{card}}',
    devices: 'Devices', gateway: 'Gateway', terminal: 'Reader', online: 'Online', offline: 'Offline', lastSeen: 'Last seen', queue: 'Queue', noDevices: 'No devices yet.',
    unknown: 'Unknown cards', unknownEmpty: 'No unknown cards.', enrol: 'Enrol this card', enrolTo: 'Enrol card {{card}} to a student', student: 'Student', enrolled_ok: 'Card enrolled to {{name}}', lostCard: 'card reported lost by {{name}}',
    report: 'Daily report', submit: 'Submit the report', submittedAt: 'Submitted at {{time}}', notSubmitted: 'Not submitted', revision: 'Revision {{n}}', openBoard: 'Open the class board',
  },
  report: {
    title: 'Attendance report', school: 'School', district: 'District', enrolled: 'Enrolled', rate: 'Attendance rate', submitted: 'Submitted', missing: 'Missing', amended: 'Amended after submission', schools: 'Schools',
    export: 'Download', chart: 'Attendance rate by school', chartDays: 'Attendance rate by day', drill: 'Open {{name}}', total: 'Total', missingCount: '{{count}} schools have not submitted', period: 'Period', from: 'From', to: 'To', chronic: 'Chronic absence',
  },
  parent: {
    title: 'My children', noChildren: 'This account is not linked to any student yet.', today: 'Today', arrived: 'Arrived at {{time}}', left: 'Left at {{time}}', notArrived: 'Not at school yet',
    calendar: 'Attendance in {{month}}', messages: 'Messages sent', noMessages: 'No messages yet.', channel: 'Channel', sentAt: 'Time',
    msgStatus: { pending: 'Waiting', sent: 'Sent', delivered: 'Delivered', failed: 'Failed', skipped: 'Not sent' },
    prefs: 'Notifications', push: 'Notify me in this browser', pushOn: 'Notifications are on in this browser', pushUnsupported: 'This browser does not support push notifications.', pushDenied: 'Notifications are blocked for this site.', prevMonth: 'Previous month', nextMonth: 'Next month', consent: 'I agree to receive notifications',
  },
  admin: {
    title: 'Administration', import: 'Import', students: 'Students & guardians', cards: 'Cards', devices: 'Devices', users: 'Users', audit: 'Audit log',
    importKind: 'What to import', kinds: { districts: 'Districts', schools: 'Schools', students: 'Students (with classes, guardians, cards)', cards: 'Cards' }, file: 'CSV or XLSX file',
    preview: 'Check first', apply: 'Import', previewOk: 'File is valid: {{rows}} rows; would create {{created}}, update {{updated}}, keep {{unchanged}}.', applied: 'Imported {{rows}} rows: created {{created}}, updated {{updated}}, unchanged {{unchanged}}.',
    rowErrors: '{{count}} errors — nothing was written', row: 'Row', column: 'Column', message: 'Error', progress: 'Read {{rows}} rows…',
    register: 'Register a gateway', deviceName: 'Gateway name', credentials: "The gateway's credentials (shown once)", downloadConfig: 'Download the gateway config file', revoke: 'Revoke',
    newUser: 'New user', role: 'Role', created: 'Created', schoolSel: 'School', classSel: 'Class', search: 'Search', assign: 'Assign card', cardNo: 'Card number', lost: 'Report lost', replace: 'Replace', cardStatus: { active: 'Active', lost: 'Lost', replaced: 'Replaced' },
    guardians: 'Guardians', code: 'Student code', action: 'Action', who: 'By', when: 'At', entity: 'Entity', passwordHint: 'At least 12 characters',
  },
};
