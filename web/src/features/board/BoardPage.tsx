/**
 * The teacher's live class board (after Gibbon's "Take Attendance by Form Group"): a tile per
 * student with status, time in and (when marked by hand) the marker and reason; the day's
 * counters; live updates; marking one student or all the rest; a student's recent days.
 */
import { useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import type { AttendanceStatus } from '@rfid/protocol';
import { useLive } from '../../lib/live';
import { useSession } from '../../lib/session';
import { DEFAULT_ZONE, isIsoDate, todayIn } from '../../lib/format';
import { DayPicker, ErrorBox, LiveBadge, Loading } from '../../components/ui';
import { applyLive, boardKeys, useClass, useDay, useSchool, type DayRow } from './api';
import { Counters, STATUSES } from './Counters';
import { StudentTile } from './StudentTile';
import { MarkDialog, type MarkTarget } from './MarkDialog';
import { HistoryDialog } from './HistoryDialog';

export default function BoardPage() {
  const { t } = useTranslation();
  const { classId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const me = useSession()?.me;
  const klass = useClass(classId);
  // A teacher's classes are all in their own school (the server holds to it), so the school and
  // the day are read beside the class rather than after it; the class's own school id wins.
  const own = me?.role === 'teacher' && me.classIds.includes(classId);
  const schoolId = klass.data?.schoolId ?? (own ? (me.schoolId ?? undefined) : undefined);
  const school = useSchool(schoolId);
  const zone = school.data?.timeZone ?? DEFAULT_ZONE;
  const today = todayIn(zone);
  const date = isIsoDate(params.get('date')) ? params.get('date')! : today;
  const day = useDay(schoolId, date);
  const qc = useQueryClient();
  const [filter, setFilter] = useState<AttendanceStatus | 'all'>('all');
  const [marking, setMarking] = useState<MarkTarget | null>(null);
  const [history, setHistory] = useState<DayRow | null>(null);
  const [notice, setNotice] = useState('');

  const rows = useMemo(() => (day.data ?? []).filter((r) => r.classId === classId), [day.data, classId]);
  const refetchDay = () => void qc.invalidateQueries({ queryKey: boardKeys.day(schoolId ?? '', date) });
  const live = useLive(klass.data || own ? [{ classId }] : [], {
    attendance: (a) => {
      if (a.classId !== classId && !rows.some((r) => r.studentId === a.studentId)) {
        // A student moved into this class, or one we have never seen: re-read.
        if (a.classId === classId) refetchDay();
        return;
      }
      if (!applyLive(qc, a) || a.tapId === null) refetchDay();
    },
    roster: () => refetchDay(),
    resync: () => refetchDay(),
  });

  if (klass.isPending) return <Loading />;
  if (klass.isError) return <ErrorBox error={klass.error} />;
  const rest = rows.filter((r) => r.status === 'pending' || r.status === 'absent');
  const shown = filter === 'all' ? rows : rows.filter((r) => r.status === filter);

  return (
    <div className="board" data-testid="board">
      <div className="page-head">
        <h1>{t('board.title', { name: klass.data.name })}</h1>
        <DayPicker date={date} onChange={(d) => setParams(d === today ? {} : { date: d })} />
        <LiveBadge state={live} />
      </div>
      {day.isError && <ErrorBox error={day.error} onRetry={refetchDay} />}
      {day.isPending ? (
        <Loading />
      ) : (
        <>
          <Counters rows={rows} />
          <div className="toolbar">
            <label>
              {t('board.filter')}{' '}
              <select value={filter} onChange={(e) => setFilter(e.target.value as AttendanceStatus | 'all')}>
                <option value="all">{t('board.all')}</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              disabled={rest.length === 0}
              onClick={() => setMarking({ kind: 'rest', rows: rest })}
              data-testid="mark-rest"
            >
              {t('board.markRestButton')} ({rest.length})
            </button>
          </div>
          <p className="notice" role="status" aria-live="polite">
            {notice}
          </p>
          {rows.length === 0 ? (
            <p>{t('board.empty')}</p>
          ) : (
            <ul className="tiles" aria-label={t('board.students')}>
              {shown.map((r) => (
                <StudentTile
                  key={r.studentId}
                  row={r}
                  zone={zone}
                  onMark={() => setMarking({ kind: 'one', row: r })}
                  onHistory={() => setHistory(r)}
                />
              ))}
            </ul>
          )}
        </>
      )}
      {marking && klass.data && (
        <MarkDialog
          target={marking}
          schoolId={klass.data.schoolId}
          date={date}
          future={date > today}
          onClose={(saved) => {
            setMarking(null);
            if (saved) setNotice(saved);
          }}
        />
      )}
      {history && <HistoryDialog row={history} zone={zone} date={date} onClose={() => setHistory(null)} />}
    </div>
  );
}
