/**
 * Routes (deep links work: the server answers index.html outside /api, /socket.io, /metrics,
 * /healthz, /readyz). Every feature is its own lazily loaded chunk, so the teacher's board loads
 * only the board. Declarative routes (BrowserRouter) rather than the data router: the views load
 * their data through TanStack Query, and the board's first load stays under its 150 KB budget.
 */
import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './Layout';
import { NotFound } from './NotFound';
import { Loading } from '../components/ui';
import { homeOf, useSession, type Role } from '../lib/session';

function RequireAuth({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (roles && !roles.includes(session.me.role)) return <NotFound />;
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function Home() {
  const session = useSession();
  return <Navigate to={session ? homeOf(session.me) : '/login'} replace />;
}

const page = (load: () => Promise<{ default: ComponentType }>) => lazy(load);
const LoginPage = page(() => import('../features/auth/LoginPage'));
const ClassPicker = page(() => import('../features/board/ClassPicker'));
const BoardPage = page(() => import('../features/board/BoardPage'));
const SchoolPage = page(() => import('../features/school/SchoolPage'));
const DistrictPage = page(() => import('../features/district/DistrictPage'));
const ProvincePage = page(() => import('../features/province/ProvincePage'));
const ParentPage = page(() => import('../features/parent/ParentPage'));
const AdminPage = page(() => import('../features/admin/AdminPage'));

const STAFF: Role[] = ['admin', 'district', 'school'];
const guard = (roles: Role[], P: ComponentType) => (
  <RequireAuth roles={roles}>
    <P />
  </RequireAuth>
);

export function AppRoutes() {
  return (
    <BrowserRouter>
      <Routes>
        <Route
          path="/login"
          element={
            <Suspense fallback={<Loading />}>
              <LoginPage />
            </Suspense>
          }
        />
        <Route element={<Layout />}>
          <Route index element={<Home />} />
          <Route path="board" element={guard(['teacher', ...STAFF], ClassPicker)} />
          <Route path="board/:classId" element={guard(['teacher', ...STAFF], BoardPage)} />
          <Route path="school/:schoolId" element={guard(STAFF, SchoolPage)} />
          <Route path="district/:districtId" element={guard(['admin', 'district'], DistrictPage)} />
          <Route path="province" element={guard(['admin'], ProvincePage)} />
          <Route path="parent" element={guard(['parent'], ParentPage)} />
          <Route path="admin/*" element={guard(STAFF, AdminPage)} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
