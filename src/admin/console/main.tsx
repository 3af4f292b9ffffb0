// The Warden console: one page, five views (hash routes), over the admin API.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrf, type SessionInfo } from './api';
import { AuditPage } from './pages/audit';
import { ExplainPage } from './pages/explain';
import { HealthPage } from './pages/health';
import { LivePage } from './pages/live';
import { UsagePage } from './pages/usage';
import './style.css';

const VIEWS = [
  { id: 'live', label: 'Live traffic', can: 'traffic' },
  { id: 'audit', label: 'Audit', can: 'audit' },
  { id: 'explain', label: 'Explain', can: 'explain' },
  { id: 'usage', label: 'Usage', can: 'usage' },
  { id: 'health', label: 'Credentials and health', can: 'health' },
] as const;

type ViewId = (typeof VIEWS)[number]['id'];

function currentView(): ViewId {
  const id = location.hash.replace(/^#\/?/, '').split('?')[0];
  return (VIEWS.find((v) => v.id === id)?.id ?? 'live') as ViewId;
}

function App() {
  const [session, setSession] = useState<SessionInfo | undefined>();
  const [error, setError] = useState<string>();
  const [view, setView] = useState<ViewId>(currentView());
  // The whole hash: a view's parameters (#/audit?requestId=…) changed by a link start that view afresh.
  const [hash, setHash] = useState(location.hash);

  useEffect(() => {
    api<SessionInfo>('/api/session')
      .then((s) => {
        setCsrf(s.csrf);
        setSession(s);
      })
      .catch((e: Error) => setError(e.message));
    const onHash = () => (setView(currentView()), setHash(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const label = VIEWS.find((v) => v.id === view)?.label;
    document.title = `${label} — Warden console`;
  }, [view]);

  if (error) return <main class="center"><p role="alert">The admin API cannot be reached: {error}</p></main>;
  if (!session) return <main class="center"><p>Loading…</p></main>;
  if (session.signInConfigured && !session.signedIn) return <SignIn session={session} />;

  const signOut = async () => {
    try {
      const r = await api<{ endSession?: string }>('/auth/logout', { method: 'POST' });
      setCsrf(undefined);
      setSession({ ...session, signedIn: false, csrf: undefined });
      if (r.endSession) location.assign(r.endSession);
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  return (
    <>
      <header class="top">
        <a class="brand" href="#/live">Warden</a>
        <nav aria-label="Console views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={view === v.id ? 'page' : undefined} class={session.can[v.can] ? '' : 'dim'}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {session.signInConfigured ? (
            <>
              <span title={session.principal}>
                Signed in as <strong data-testid="user">{session.name ?? session.principal}</strong>
                {session.groups.length ? <span class="groups"> ({session.groups.join(', ')})</span> : null}
              </span>
              {session.via === 'session' ? <button type="button" onClick={signOut}>Sign out</button> : null}
            </>
          ) : (
            <span class="warn-text">No sign-in configured: admin port on loopback only</span>
          )}
        </div>
      </header>
      <main id="main">
        {!session.can[VIEWS.find((v) => v.id === view)!.can] ? (
          <p class="notice" role="alert">
            You may not see this view: the admin port's policy ({session.policy?.isDefault ? 'the default: readers need a reader group, this view may need an admin group' : session.policy?.policies.join(', ')}) does not allow it.
          </p>
        ) : view === 'live' ? (
          <LivePage />
        ) : view === 'audit' ? (
          <AuditPage key={hash} session={session} />
        ) : view === 'explain' ? (
          <ExplainPage key={hash} />
        ) : view === 'usage' ? (
          <UsagePage />
        ) : (
          <HealthPage session={session} />
        )}
      </main>
    </>
  );
}

function SignIn({ session }: { session: SessionInfo }) {
  const back = encodeURIComponent(`/${location.hash}`);
  return (
    <main class="center">
      <div class="card">
        <h1>Warden console</h1>
        <p>See every AI call live, search and verify the audit, explain a decision, watch usage.</p>
        {session.oidc ? (
          <a class="button primary" href={`/auth/login?return=${back}`}>Sign in</a>
        ) : (
          <p>Sign-in for people is not configured here (spec.admin.auth.oidc); scripts use the admin token.</p>
        )}
      </div>
    </main>
  );
}

const root = document.getElementById('app')!;
// The page's own "loading" line goes: render() adds to what is there.
root.textContent = '';
render(<App />, root);
