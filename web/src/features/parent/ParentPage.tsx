/**
 * A parent's view, phone first: each child's today (arrived / left), the month as a calendar,
 * the messages sent and their status, their consent and choices (which channels may be used, which
 * events they want to hear about: recorded as the legal representative's own, `parent_app`), and
 * "notify me in this browser" (a Web Push subscription registered with the server, shown by the
 * service worker).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AttendanceDay,
  AttendanceRow,
  GuardianConsents,
  MyGuardian,
  NotificationPreferencesView,
  PushSubscriptionView,
  PushUnsubscribeResult,
  School,
  Student,
  StudentNotification,
  VapidPublicKey,
} from '@rfid/protocol';
import { api, enc } from '../../lib/api';
import { useSession } from '../../lib/session';
import { addDays, dateLabel, DEFAULT_ZONE, timeOf, timeWithSeconds, todayIn } from '../../lib/format';
import { ErrorBox, Loading, Section } from '../../components/ui';

export default function ParentPage() {
  const { t } = useTranslation();
  const me = useSession()!.me;
  return (
    <div className="parent" data-testid="parent">
      <div className="page-head">
        <h1>{t('parent.title')}</h1>
      </div>
      {me.studentIds.length === 0 && <p>{t('parent.noChildren')}</p>}
      {me.studentIds.map((id) => (
        <Child key={id} studentId={id} />
      ))}
      <Consents />
      <PushOptIn />
    </div>
  );
}

/** The channels a parent can agree to be told on; the events they can choose to hear about. */
const CONSENT_CHANNELS = ['zalo', 'sms', 'email', 'push', 'in_app'] as const;
const EVENTS = ['check_in', 'check_out', 'absent'] as const;

function Consents() {
  const { t } = useTranslation();
  const mine = useQuery({ queryKey: ['my-guardians'], queryFn: () => api<MyGuardian[]>('/me/guardians') });
  if (mine.isPending) return <Loading />;
  if (mine.isError) return <ErrorBox error={mine.error} />;
  if (mine.data.length === 0) return null;
  return (
    <Section title={t('parent.consent')} id="consent">
      <p className="hint">{t('parent.consentHint')}</p>
      {mine.data.map((g) => (
        <GuardianChoices key={g.guardianId} guardian={g} several={mine.data.length > 1} />
      ))}
    </Section>
  );
}

function GuardianChoices({ guardian, several }: { guardian: MyGuardian; several: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const id = guardian.guardianId;
  const consents = useQuery({
    queryKey: ['consents', id],
    queryFn: () => api<GuardianConsents>(`/guardians/${enc(id)}/consents`),
  });
  const prefs = useQuery({
    queryKey: ['notification-preferences', id],
    queryFn: () => api<NotificationPreferencesView>(`/guardians/${enc(id)}/notification-preferences`),
  });
  // What the parent just ticked, shown at once (synchronously, as the click happens) until the
  // server answers; then the server's state shows (an error: the state before, and the error).
  const [ticked, setTicked] = useState<Record<string, boolean>>({});
  const tick = (key: string, value: boolean) => setTicked((prev) => ({ ...prev, [key]: value }));
  const untick = (key: string) =>
    setTicked((prev) => Object.fromEntries(Object.entries(prev).filter(([k]) => k !== key)));
  const consent = useMutation({
    mutationFn: (c: { channel: (typeof CONSENT_CHANNELS)[number]; granted: boolean }) =>
      api<GuardianConsents>(`/guardians/${enc(id)}/consents`, {
        method: 'POST',
        body: { channels: [c.channel], granted: c.granted, method: 'parent_app' },
      }),
    onSuccess: (data) => qc.setQueryData(['consents', id], data),
  });
  const events = useMutation({
    mutationFn: (optedOutEvents: string[]) =>
      api<NotificationPreferencesView>(`/guardians/${enc(id)}/notification-preferences`, {
        method: 'PUT',
        body: { optedOutEvents },
      }),
    onSuccess: (data) => qc.setQueryData(['notification-preferences', id], data),
  });
  if (consents.isPending || prefs.isPending) return <Loading />;
  if (consents.isError) return <ErrorBox error={consents.error} />;
  if (prefs.isError) return <ErrorBox error={prefs.error} />;
  const inForce = new Set<string>(consents.data.inForce);
  const optedOut = new Set<string>(prefs.data.optedOutEvents);
  return (
    <div className="stack" data-testid="consent" data-guardian={id}>
      <fieldset className="choice">
        <legend>{several ? t('parent.channelsOf', { name: guardian.name }) : t('parent.channels')}</legend>
        {CONSENT_CHANNELS.map((ch) => (
          <label key={ch}>
            <input
              type="checkbox"
              checked={ticked[`c:${ch}`] ?? inForce.has(ch)}
              disabled={consent.isPending}
              onChange={(e) => {
                tick(`c:${ch}`, e.target.checked);
                consent.mutate(
                  { channel: ch, granted: e.target.checked },
                  { onSettled: () => untick(`c:${ch}`) },
                );
              }}
            />
            {t(`parent.channelName.${ch}`)}
          </label>
        ))}
      </fieldset>
      <fieldset className="choice">
        <legend>{t('parent.events')}</legend>
        {EVENTS.map((ev) => (
          <label key={ev}>
            <input
              type="checkbox"
              checked={ticked[`e:${ev}`] ?? !optedOut.has(ev)}
              disabled={events.isPending}
              onChange={(e) => {
                tick(`e:${ev}`, e.target.checked);
                events.mutate(e.target.checked ? [...optedOut].filter((x) => x !== ev) : [...optedOut, ev], {
                  onSettled: () => untick(`e:${ev}`),
                });
              }}
            />
            {t(`parent.event.${ev}`)}
          </label>
        ))}
      </fieldset>
      {consent.isError && <ErrorBox error={consent.error} />}
      {events.isError && <ErrorBox error={events.error} />}
    </div>
  );
}

function Child({ studentId }: { studentId: string }) {
  const { t, i18n } = useTranslation();
  const student = useQuery({
    queryKey: ['student', studentId],
    queryFn: () => api<Student>(`/students/${enc(studentId)}`),
  });
  const school = useQuery({
    queryKey: ['school', student.data?.schoolId],
    queryFn: () => api<School>(`/schools/${enc(student.data!.schoolId)}`),
    enabled: !!student.data,
  });
  const zone = school.data?.timeZone ?? DEFAULT_ZONE;
  const today = todayIn(zone);
  const [month, setMonth] = useState(today.slice(0, 7));
  const day = useQuery({
    queryKey: ['attendance', student.data?.schoolId, today],
    queryFn: () => api<AttendanceRow[]>(`/schools/${enc(student.data!.schoolId)}/attendance?date=${today}`),
    enabled: !!student.data,
    refetchInterval: 60_000,
  });
  const from = `${month}-01`;
  const to = addDays(`${addMonth(month, 1)}-01`, -1);
  const days = useQuery({
    queryKey: ['student-days', studentId, from, to],
    queryFn: () => api<AttendanceDay[]>(`/students/${enc(studentId)}/attendance?from=${from}&to=${to}`),
  });
  const messages = useQuery({
    queryKey: ['notifications', studentId],
    queryFn: () => api<StudentNotification[]>(`/students/${enc(studentId)}/notifications`),
  });
  if (student.isPending) return <Loading />;
  if (student.isError) return <ErrorBox error={student.error} />;
  const row = day.data?.find((r) => r.studentId === studentId);
  const byDate = new Map((days.data ?? []).map((d) => [d.date, d]));
  const first = new Date(`${from}T12:00:00Z`).getUTCDay(); // 0 = Sunday
  const lead = (first + 6) % 7; // weeks start on Monday
  const cells: (string | null)[] = [...Array<null>(lead).fill(null)];
  for (let d = from; d <= to; d = addDays(d, 1)) cells.push(d);
  const weekdays = Array.from({ length: 7 }, (_, i) =>
    dateLabel(addDays('2026-11-23', i), i18n.language, { weekday: 'short' }),
  );
  return (
    <Section title={`${student.data.name} · ${student.data.className ?? ''}`} id={`child-${studentId}`}>
      <div className="stack" data-testid="child" data-student={studentId}>
        <p className={`today status-${row?.status ?? 'pending'}`} data-testid="today">
          <strong>{t('parent.today')}: </strong>
          {row ? t(`status.${row.status}`) : ''}
          {row?.firstIn
            ? ` · ${t('parent.arrived', { time: timeOf(row.firstIn, zone, i18n.language) })}`
            : row
              ? ''
              : t('parent.notArrived')}
          {row?.lastOut ? ` · ${t('parent.left', { time: timeOf(row.lastOut, zone, i18n.language) })}` : ''}
        </p>
        <div className="row">
          <button type="button" className="secondary small" onClick={() => setMonth(addMonth(month, -1))}>
            ‹ {t('parent.prevMonth')}
          </button>
          <h3>{t('parent.calendar', { month: `${month.slice(5)}/${month.slice(0, 4)}` })}</h3>
          <button
            type="button"
            className="secondary small"
            onClick={() => setMonth(addMonth(month, 1))}
            disabled={month >= today.slice(0, 7)}
          >
            {t('parent.nextMonth')} ›
          </button>
        </div>
        {/* A CSS grid of days (no table roles: the grid has no row elements); weekday heads are decoration. */}
        <div className="calendar" role="group" aria-label={t('parent.calendar', { month })}>
          {weekdays.map((w) => (
            <div key={w} className="head" aria-hidden="true">
              {w}
            </div>
          ))}
          {cells.map((d, i) => {
            const rec = d ? byDate.get(d) : undefined;
            return d ? (
              <div key={d} className={`day ${rec ? `status-${rec.status}` : ''}`} data-date={d}>
                <div>{Number(d.slice(8))}</div>
                {rec && <div>{t(`status.${rec.status}`)}</div>}
                {rec?.firstIn && <div>{timeOf(rec.firstIn, zone, i18n.language)}</div>}
              </div>
            ) : (
              <div key={`x${i}`} aria-hidden="true" />
            );
          })}
        </div>
        <h3>{t('parent.messages')}</h3>
        {messages.isPending ? (
          <Loading />
        ) : messages.isError ? (
          <ErrorBox error={messages.error} />
        ) : messages.data.length === 0 ? (
          <p>{t('parent.noMessages')}</p>
        ) : (
          <ul className="feed" data-testid="messages">
            {messages.data.map((m) => (
              <li key={m.id}>
                <time dateTime={String(m.createdAt)}>
                  {timeWithSeconds(String(m.createdAt), zone, i18n.language)}
                </time>
                <span>{m.text}</span>
                <span className="hint">
                  {m.channel} · {t(`parent.msgStatus.${m.status}`, { defaultValue: m.status })}
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Section>
  );
}

function addMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/** `PushManager.subscribe` wants the VAPID key as bytes; the server gives it base64url. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

type PushState = 'unsupported' | 'denied' | 'off' | 'on' | 'busy' | 'unconfigured';

/**
 * "Notify me in this browser": permission, the service worker (`/sw.js`, which shows the
 * notification), `PushManager.subscribe` with the server's VAPID key, and the subscription sent to
 * `POST /push/subscriptions`; "stop" removes it there (`DELETE /push/subscriptions`) and in the
 * browser. The state shown is read back from the browser's own subscription on load.
 */
function PushOptIn() {
  const { t } = useTranslation();
  const supported = 'Notification' in window && 'serviceWorker' in navigator && 'PushManager' in window;
  const [state, setState] = useState<PushState>(() =>
    !supported ? 'unsupported' : Notification.permission === 'denied' ? 'denied' : 'off',
  );
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!supported || Notification.permission !== 'granted') return;
    void navigator.serviceWorker
      .getRegistration('/')
      .then((reg) => reg?.pushManager.getSubscription())
      .then((sub) => sub && setState('on'))
      .catch(() => undefined);
  }, [supported]);
  const turnOn = async () => {
    setError(null);
    setState('busy');
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') return setState(permission === 'denied' ? 'denied' : 'off');
      const { publicKey } = await api<VapidPublicKey>('/push/vapid-public-key');
      if (!publicKey) return setState('unconfigured');
      await navigator.serviceWorker.register('/sw.js');
      const reg = await navigator.serviceWorker.ready;
      const sub =
        (await reg.pushManager.getSubscription()) ??
        (await reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(publicKey),
        }));
      await api<PushSubscriptionView>('/push/subscriptions', {
        method: 'POST',
        body: sub.toJSON() as Record<string, unknown>,
      });
      setState('on');
    } catch (e) {
      setError(e);
      setState('off');
    }
  };
  const turnOff = async () => {
    setError(null);
    setState('busy');
    try {
      const reg = await navigator.serviceWorker.getRegistration('/');
      const sub = await reg?.pushManager.getSubscription();
      if (sub) {
        await api<PushUnsubscribeResult>('/push/subscriptions', {
          method: 'DELETE',
          body: { endpoint: sub.endpoint },
        });
        await sub.unsubscribe();
      }
      setState('off');
    } catch (e) {
      setError(e);
      setState('on');
    }
  };
  return (
    <Section title={t('parent.prefs')} id="prefs">
      <div className="stack" data-testid="push" data-state={state}>
        {state === 'unsupported' ? (
          <p>{t('parent.pushUnsupported')}</p>
        ) : state === 'denied' ? (
          <p>{t('parent.pushDenied')}</p>
        ) : state === 'unconfigured' ? (
          <p>{t('parent.pushUnconfigured')}</p>
        ) : state === 'on' ? (
          <>
            <p role="status">{t('parent.pushOn')}</p>
            <button type="button" className="secondary" onClick={() => void turnOff()}>
              {t('parent.pushOff')}
            </button>
          </>
        ) : (
          <button type="button" disabled={state === 'busy'} onClick={() => void turnOn()}>
            {t('parent.push')}
          </button>
        )}
        {error !== null && <ErrorBox error={error} />}
      </div>
    </Section>
  );
}
