/** Administration (staff only): import, students and guardians with their cards, devices, users, audit log (admin). */
import { useState } from 'react';
import { NavLink, Navigate, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { School } from '@rfid/protocol';
import { api } from '../../lib/api';
import { useSession } from '../../lib/session';
import { Section } from '../../components/ui';
import { ImportPanel } from './ImportPanel';
import { DevicesPanel } from './DevicesPanel';
import { UsersPanel } from './UsersPanel';
import { AuditPanel } from './AuditPanel';
import { StudentsPanel } from './StudentsPanel';

/** A school of `GET /schools` (the protocol's response schema). */
export type SchoolRow = School;

export function useSchools() {
  return useQuery({ queryKey: ['schools'], queryFn: () => api<SchoolRow[]>('/schools'), staleTime: 60_000 });
}

export function SchoolSelect({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const { t } = useTranslation();
  const schools = useSchools();
  return (
    <label>
      {t('admin.schoolSel')}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="school-select">
        <option value="" />
        {(schools.data ?? []).map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export default function AdminPage() {
  const { t } = useTranslation();
  const me = useSession()!.me;
  const [schoolId, setSchoolId] = useState(me.schoolId ?? '');
  const tabs = [
    { to: 'import', label: t('admin.import') },
    { to: 'students', label: t('admin.students') },
    { to: 'devices', label: t('admin.devices') },
    { to: 'users', label: t('admin.users') },
    ...(me.role === 'admin' ? [{ to: 'audit', label: t('admin.audit') }] : []),
  ];
  return (
    <div>
      <div className="page-head">
        <h1>{t('admin.title')}</h1>
        {me.role !== 'school' && <SchoolSelect value={schoolId} onChange={setSchoolId} />}
      </div>
      <nav className="tabs" aria-label={t('admin.title')}>
        {tabs.map((x) => (
          <NavLink key={x.to} to={`/admin/${x.to}`}>
            {x.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to="import" replace />} />
        <Route
          path="import"
          element={
            <Section title={t('admin.import')}>
              <ImportPanel schoolId={schoolId || null} />
            </Section>
          }
        />
        <Route
          path="students"
          element={
            <Section title={t('admin.students')}>
              <StudentsPanel schoolId={schoolId} />
            </Section>
          }
        />
        <Route
          path="devices"
          element={
            <Section title={t('admin.devices')}>
              <DevicesPanel schoolId={schoolId} />
            </Section>
          }
        />
        <Route
          path="users"
          element={
            <Section title={t('admin.users')}>
              <UsersPanel schoolId={schoolId} />
            </Section>
          }
        />
        {me.role === 'admin' && (
          <Route
            path="audit"
            element={
              <Section title={t('admin.audit')}>
                <AuditPanel />
              </Section>
            }
          />
        )}
        <Route path="*" element={<Navigate to="import" replace />} />
      </Routes>
    </div>
  );
}
