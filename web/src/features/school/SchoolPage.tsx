/**
 * The principal's morning view: the classes with their counts, the live tap feed, the gateways
 * and readers (online, last seen, queue), unknown-card taps with "enrol this card", and the day's
 * report with its submission (when the reports API is there).
 */
import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import type { LiveGatewayStatus, LiveTap } from '@rfid/protocol';
import { useLive } from '../../lib/live';
import { DEFAULT_ZONE, isIsoDate, percent, timeOf, timeWithSeconds, todayIn } from '../../lib/format';
import { DayPicker, ErrorBox, LiveBadge, Loading, Section } from '../../components/ui';
import {
  schoolKeys,
  useClasses,
  useDay,
  useDevices,
  useSchool,
  useTaps,
  useUnknown,
  type Device,
  type Tap,
} from './api';
import { UnknownCards } from './UnknownCards';
import { SchoolReportPanel } from './SchoolReportPanel';

const STATUSES = ['present', 'late', 'absent', 'excused', 'pending'] as const;
const FEED_MAX = 100;

export default function SchoolPage() {
  const { t, i18n } = useTranslation();
  const { schoolId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const school = useSchool(schoolId);
  const zone = school.data?.timeZone ?? DEFAULT_ZONE;
  const today = todayIn(zone);
  const date = isIsoDate(params.get('date')) ? params.get('date')! : today;
  const classes = useClasses(schoolId);
  const day = useDay(schoolId, date);
  const taps = useTaps(schoolId, date);
  const devices = useDevices(schoolId);
  const unknown = useUnknown(schoolId);
  const qc = useQueryClient();
  const [liveTaps, setLiveTaps] = useState<(Tap & { name?: string | null })[]>([]);
  const [status, setStatus] = useState<Map<string, LiveGatewayStatus>>(new Map());

  const reread = () => {
    setLiveTaps([]);
    for (const k of [
      schoolKeys.day(schoolId, date),
      schoolKeys.taps(schoolId, date),
      schoolKeys.devices(schoolId),
      schoolKeys.unknown(schoolId),
    ])
      void qc.invalidateQueries({ queryKey: k });
  };
  const live = useLive(school.data ? [{ schoolId }] : [], {
    tap: (tap: LiveTap) => {
      if (tap.schoolId !== schoolId || date !== today) return;
      setLiveTaps((l) => [tap, ...l].slice(0, FEED_MAX));
      if (!tap.studentId) void qc.invalidateQueries({ queryKey: schoolKeys.unknown(schoolId) });
    },
    attendance: (a) => {
      if (a.date !== date) return;
      qc.setQueryData(schoolKeys.day(schoolId, date), (rows: typeof day.data) =>
        rows?.map((r) => (r.studentId === a.studentId ? { ...r, status: a.status, firstIn: a.firstIn } : r)),
      );
    },
    gatewayStatus: (g) => setStatus((m) => new Map(m).set(g.gatewayId, g)),
    roster: () => reread(),
    resync: () => reread(),
  });

  const names = useMemo(() => new Map((day.data ?? []).map((r) => [r.studentId, r.name])), [day.data]);
  const perClass = useMemo(() => {
    const m = new Map<string, Record<(typeof STATUSES)[number], number>>();
    for (const r of day.data ?? []) {
      const c = m.get(r.classId) ?? { present: 0, late: 0, absent: 0, excused: 0, pending: 0 };
      c[r.status]++;
      m.set(r.classId, c);
    }
    return m;
  }, [day.data]);
  const feed = useMemo(() => {
    const seen = new Set(liveTaps.map((x) => x.id));
    return [...liveTaps, ...[...(taps.data ?? [])].reverse().filter((x) => !seen.has(x.id))].slice(
      0,
      FEED_MAX,
    );
  }, [liveTaps, taps.data]);

  if (school.isPending) return <Loading />;
  if (school.isError) return <ErrorBox error={school.error} />;
  const total = day.data?.length ?? 0;
  const tot = { present: 0, late: 0, absent: 0, excused: 0, pending: 0 };
  for (const c of perClass.values()) for (const s of STATUSES) tot[s] += c[s];

  return (
    <div className="school" data-testid="school">
      <div className="page-head">
        <h1>{t('school.title', { name: school.data.name })}</h1>
        <DayPicker date={date} onChange={(d) => setParams(d === today ? {} : { date: d })} />
        <LiveBadge state={live} />
      </div>
      <dl className="counters" data-testid="school-counters">
        <div className="counter total">
          <dt>{t('board.total')}</dt>
          <dd>{total}</dd>
        </div>
        {STATUSES.map((s) => (
          <div key={s} className={`counter status-${s}`} data-status={s}>
            <dt>{t(`status.${s}`)}</dt>
            <dd>{tot[s]}</dd>
          </div>
        ))}
      </dl>
      <div className="grid-2">
        <Section title={t('school.classes')} id="classes">
          {classes.isError && <ErrorBox error={classes.error} />}
          {day.isError && <ErrorBox error={day.error} />}
          <div className="table-wrap">
            <table className="table" data-testid="classes">
              <thead>
                <tr>
                  <th scope="col">{t('school.class')}</th>
                  <th scope="col" className="num">
                    {t('school.enrolled')}
                  </th>
                  {STATUSES.map((s) => (
                    <th key={s} scope="col" className="num">
                      {t(`status.${s}`)}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    {t('report.rate')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {(classes.data ?? []).map((c) => {
                  const n = perClass.get(c.id) ?? { present: 0, late: 0, absent: 0, excused: 0, pending: 0 };
                  const enrolled = STATUSES.reduce((a, s) => a + n[s], 0);
                  return (
                    <tr key={c.id} data-class={c.id}>
                      <th scope="row">
                        <Link
                          to={`/board/${c.id}${date === today ? '' : `?date=${date}`}`}
                          aria-label={`${t('school.openBoard')} ${c.name}`}
                        >
                          {c.name}
                        </Link>
                      </th>
                      <td className="num">{enrolled}</td>
                      {STATUSES.map((s) => (
                        <td key={s} className="num" data-status={s}>
                          {n[s]}
                        </td>
                      ))}
                      <td className="num">{percent(n.present + n.late, enrolled, i18n.language)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </Section>
        <Section title={t('school.feed')} id="feed">
          {taps.isError && <ErrorBox error={taps.error} />}
          {feed.length === 0 ? (
            <p>{t('school.feedEmpty')}</p>
          ) : (
            <ul className="feed" data-testid="feed" aria-live="polite">
              {feed.map((x) => {
                const name =
                  (x as { name?: string | null }).name ??
                  (x.studentId ? (names.get(x.studentId) ?? null) : null);
                return (
                  <li key={x.id} data-tap={x.id}>
                    <time dateTime={x.at}>{timeWithSeconds(x.at, zone, i18n.language)}</time>
                    <span className={name ? '' : 'badge-off'}>
                      {name ?? t('school.unknownCard', { card: x.card })}
                    </span>
                    <span className="hint">{x.terminal}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </Section>
      </div>
      <Section title={t('school.devices')} id="devices">
        {devices.isError ? (
          <ErrorBox error={devices.error} />
        ) : devices.isPending ? (
          <Loading />
        ) : (
          <Devices list={devices.data} live={status} zone={zone} />
        )}
      </Section>
      <Section title={t('school.unknown')} id="unknown">
        <UnknownCards schoolId={schoolId} query={unknown} zone={zone} students={day.data ?? []} />
      </Section>
      <SchoolReportPanel schoolId={schoolId} date={date} zone={zone} />
      {day.isPending && <Loading />}
    </div>
  );
}

function Devices({
  list,
  live,
  zone,
}: {
  list: Device[];
  live: Map<string, LiveGatewayStatus>;
  zone: string;
}) {
  const { t, i18n } = useTranslation();
  const active = list.filter((d) => !d.revokedAt);
  if (active.length === 0) return <p>{t('school.noDevices')}</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="devices">
        <thead>
          <tr>
            <th scope="col">
              {t('school.gateway')} / {t('school.terminal')}
            </th>
            <th scope="col">{t('school.online')}</th>
            <th scope="col">{t('school.lastSeen')}</th>
            <th scope="col" className="num">
              {t('school.queue')}
            </th>
          </tr>
        </thead>
        <tbody>
          {active.flatMap((d) => {
            const l = live.get(d.gatewayId);
            const online = l ? l.online : d.online;
            const terminals = l ? l.terminals : d.terminals;
            const seen = l ? l.at : d.lastSeenAt;
            return [
              <tr key={d.gatewayId} data-gateway={d.gatewayId}>
                <th scope="row">{d.name}</th>
                <td className={online ? 'badge-on' : 'badge-off'}>
                  {online ? t('school.online') : t('school.offline')}
                </td>
                <td>
                  {seen
                    ? timeOf(String(seen instanceof Date ? seen.toISOString() : seen), zone, i18n.language)
                    : '—'}
                </td>
                <td className="num">{(l ? l.queue : d.queue) ?? '—'}</td>
              </tr>,
              ...terminals.map((term) => (
                <tr key={`${d.gatewayId}/${term.id}`} data-terminal={term.id}>
                  <td>↳ {term.id}</td>
                  <td className={term.online ? 'badge-on' : 'badge-off'}>
                    {term.online ? t('school.online') : t('school.offline')}
                  </td>
                  <td>{term.lastSeen ? timeOf(term.lastSeen, zone, i18n.language) : '—'}</td>
                  <td />
                </tr>
              )),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
