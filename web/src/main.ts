import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, LiveAttendance, LiveTap, ServerToClientEvents } from '@rfid/protocol';
import { Api, ApiError, type AttendanceRow, type School } from './api.js';
import './style.css';

const STATUS_LABEL: Record<AttendanceRow['status'], string> = {
  present: 'Có mặt',
  late: 'Đi muộn',
  absent: 'Vắng',
  excused: 'Có phép',
  pending: 'Chưa đến',
};

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const api = new Api(sessionStorage.getItem('token'));
let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
let schools: School[] = [];
const rows = new Map<string, AttendanceRow>();

function timeOf(iso: string | null, timeZone = 'Asia/Ho_Chi_Minh'): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('vi-VN', { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
}

function currentSchool(): School | undefined {
  return schools.find((s) => s.id === $<HTMLSelectElement>('#school').value);
}

function renderCounts(): void {
  const counts = { present: 0, late: 0, absent: 0, excused: 0, pending: 0 };
  for (const r of rows.values()) counts[r.status]++;
  $('#counts').replaceChildren(
    ...Object.entries(counts).map(([s, n]) => {
      const el = document.createElement('span');
      el.textContent = `${STATUS_LABEL[s as AttendanceRow['status']]}: ${n}`;
      el.dataset.status = s;
      return el;
    }),
  );
}

function renderRow(r: AttendanceRow, flash = false): HTMLTableRowElement {
  const tz = currentSchool()?.timeZone;
  const tr = document.createElement('tr');
  tr.dataset.student = r.studentId;
  const cells = [r.name, r.className ?? r.classId, STATUS_LABEL[r.status], timeOf(r.firstIn, tz), timeOf(r.lastOut, tz)];
  for (const [i, text] of cells.entries()) {
    const td = document.createElement('td');
    td.textContent = text;
    if (i === 2) td.className = `status-${r.status}`;
    tr.append(td);
  }
  if (flash) tr.classList.add('flash');
  return tr;
}

async function loadAttendance(): Promise<void> {
  const school = currentSchool();
  if (!school) return;
  const list = await api.attendance(school.id, $<HTMLInputElement>('#date').value);
  rows.clear();
  for (const r of list) rows.set(r.studentId, r);
  $('#attendance tbody').replaceChildren(...list.map((r) => renderRow(r)));
  renderCounts();
  await joinLive(school);
}

/** School staff join the school's room; a teacher is let into its classes' rooms only. */
async function joinLive(school: School): Promise<void> {
  if (!socket?.connected) return;
  const reply = await socket.timeout(5000).emitWithAck('join', { schoolId: school.id }).catch(() => null);
  if (reply?.ok) return;
  for (const c of await api.classes(school.id)) socket.emit('join', { classId: c.id }, () => undefined);
}

function onAttendance(a: LiveAttendance): void {
  const old = rows.get(a.studentId);
  if (!old || a.schoolId !== currentSchool()?.id || a.date !== $<HTMLInputElement>('#date').value) return;
  const row: AttendanceRow = { ...old, status: a.status, firstIn: a.firstIn, lastOut: a.lastOut };
  rows.set(a.studentId, row);
  document.querySelector(`tr[data-student="${CSS.escape(a.studentId)}"]`)?.replaceWith(renderRow(row, true));
  renderCounts();
}

function onTap(t: LiveTap): void {
  if (t.schoolId !== currentSchool()?.id) return;
  const li = document.createElement('li');
  li.textContent = `${timeOf(t.at, currentSchool()?.timeZone)} ${t.name ?? `Thẻ lạ ${t.card}`} · ${t.terminal}`;
  const list = $('#taps');
  list.prepend(li);
  while (list.children.length > 50) list.lastElementChild?.remove();
}

function connectLive(): void {
  socket?.disconnect();
  socket = io({ transports: ['websocket'], auth: { token: api.accessToken } });
  socket.on('connect', () => {
    $('#live').className = 'live on';
    const school = currentSchool();
    if (school) void joinLive(school);
  });
  socket.on('disconnect', () => ($('#live').className = 'live off'));
  socket.on('tap', onTap);
  socket.on('attendance', onAttendance);
}

async function showDashboard(): Promise<void> {
  schools = await api.schools();
  $<HTMLSelectElement>('#school').replaceChildren(
    ...schools.map((s) => {
      const o = document.createElement('option');
      o.value = s.id;
      o.textContent = s.name;
      return o;
    }),
  );
  $<HTMLInputElement>('#date').value = todayIn(schools[0]?.timeZone ?? 'Asia/Ho_Chi_Minh');
  $('#login').hidden = true;
  $('#dashboard').hidden = false;
  $('#logout').hidden = false;
  connectLive();
  await loadAttendance();
}

function showLogin(message = ''): void {
  socket?.disconnect();
  $('#dashboard').hidden = true;
  $('#logout').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message;
}

$('#login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target as HTMLFormElement);
  api
    .login(String(form.get('username')).normalize('NFC'), String(form.get('password')))
    .then(() => {
      sessionStorage.setItem('token', api.accessToken ?? '');
      $('#who').textContent = String(form.get('username'));
      return showDashboard();
    })
    .catch((e: unknown) => showLogin(e instanceof ApiError && e.status === 401 ? 'Sai tên đăng nhập hoặc mật khẩu' : String(e)));
});
$('#logout').addEventListener('click', () => {
  sessionStorage.removeItem('token');
  showLogin();
});
$('#school').addEventListener('change', () => void loadAttendance());
$('#date').addEventListener('change', () => void loadAttendance());

if (api.accessToken) showDashboard().catch(() => showLogin());
else showLogin();
