/**
 * @module The dashboard's routes and the session gate in front of them: first-run setup when no
 * user exists, the login page when signed out (coming back to the page asked for afterwards),
 * and otherwise the signed-in frame with one URL per page. Pages load on demand, so the first
 * load carries only the frame and the current page.
 */
import { Alert, Button, Center, Container } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Redirect, Route, Switch, useLocation, useSearch } from 'wouter';
import { EmptyNotice, LoadingNotice } from './components/data-state';
import { ErrorBoundary } from './components/error-boundary';
import { AppLayout } from './layout/app-layout';
import { LoginPage } from './pages/login-page';
import { SetupPage } from './pages/setup-page';
import { useSession } from './session/session-context';

const OverviewPage = lazy(() => import('./pages/overview-page'));
const ChatPage = lazy(() => import('./pages/chat-page'));
const AgentsPage = lazy(() => import('./pages/agents-page'));
const AgentDetailPage = lazy(() => import('./pages/agent-detail-page'));
const TasksPage = lazy(() => import('./pages/tasks-page'));
const TaskDetailPage = lazy(() => import('./pages/task-detail-page'));
const ApprovalsPage = lazy(() => import('./pages/approvals-page'));
const LedgerPage = lazy(() => import('./pages/ledger-page'));
const CostsPage = lazy(() => import('./pages/costs-page'));
const CompliancePage = lazy(() => import('./pages/compliance-page'));
const SettingsPage = lazy(() => import('./pages/settings-page'));

/** Where to go after signing in: the `next` the gate remembered, if it is a page of ours. */
function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next?.startsWith('/') && !next.startsWith('//') && next !== '/login' && next !== '/setup'
    ? next
    : '/';
}

function SignedInRoutes() {
  const [location] = useLocation();
  return (
    <AppLayout>
      <ErrorBoundary resetKey={location}>
        <Suspense fallback={<LoadingNotice what="the page" />}>
          <Switch>
            <Route path="/" component={OverviewPage} />
            <Route path="/chat" component={ChatPage} />
            <Route path="/chat/:id" component={ChatPage} />
            <Route path="/agents" component={AgentsPage} />
            <Route path="/agents/:name" component={AgentDetailPage} />
            <Route path="/tasks" component={TasksPage} />
            <Route path="/tasks/:id" component={TaskDetailPage} />
            <Route path="/approvals" component={ApprovalsPage} />
            <Route path="/ledger" component={LedgerPage} />
            <Route path="/costs" component={CostsPage} />
            <Route path="/compliance" component={CompliancePage} />
            <Route path="/settings" component={SettingsPage} />
            <Route>
              <EmptyNotice
                title="No such page"
                hint={`Nothing lives at ${location}. Pick a page from the navigation.`}
              />
            </Route>
          </Switch>
        </Suspense>
      </ErrorBoundary>
    </AppLayout>
  );
}

/** The whole app below the providers. */
export function App() {
  const session = useSession();
  const [location] = useLocation();
  const search = useSearch();
  const { state } = session;

  switch (state.kind) {
    case 'loading':
      return <LoadingNotice what="Agentvisor" />;
    case 'unreachable':
      return (
        <Container size="sm" py="xl">
          <Alert color="red" title="Cannot reach the Agentvisor server" role="alert">
            {state.message}
            <Center mt="md">
              <Button onClick={() => void session.refresh()}>Try again</Button>
            </Center>
          </Alert>
        </Container>
      );
    case 'setup':
      return location === '/setup' ? <SetupPage /> : <Redirect to="/setup" replace />;
    case 'signed-out':
      if (location === '/login') return <LoginPage reason={state.reason} />;
      return (
        <Redirect
          to={
            state.byUser === true || location === '/' || location === '/setup'
              ? '/login'
              : `/login?next=${encodeURIComponent(location)}`
          }
          replace
        />
      );
    case 'signed-in':
      if (location === '/login' || location === '/setup') {
        return <Redirect to={nextPath(search)} replace />;
      }
      return <SignedInRoutes />;
  }
}
