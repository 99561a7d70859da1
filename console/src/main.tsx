/**
 * The Paybill console: tenants, a tenant's page, runs, pending approvals, the audit log with
 * explanations and the chain's status, and usage per tenant; it calls the control-plane API
 * of `paybillc serve --control` with the bearer token given in the header.
 */
import { render } from "preact";
import { useState } from "preact/hooks";
import { token } from "./api.js";
import { ApprovalsPage } from "./pages/approvals.js";
import { AuditPage } from "./pages/audit.js";
import { RunPage, RunsPage } from "./pages/runs.js";
import { TenantPage } from "./pages/tenant.js";
import { TenantsPage } from "./pages/tenants.js";
import { type Route, useRoute } from "./route.js";
import "./style.css";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "tenant":
      return <TenantPage id={route.id} />;
    case "runs":
      return <RunsPage {...(route.tenant === undefined ? {} : { tenant: route.tenant })} />;
    case "run":
      return <RunPage id={route.id} />;
    case "approvals":
      return <ApprovalsPage {...(route.id === undefined ? {} : { id: route.id })} />;
    case "audit":
      return <AuditPage {...(route.tenant === undefined ? {} : { tenant: route.tenant })} />;
    default:
      return <TenantsPage />;
  }
}

function SignIn({ changed }: { changed: () => void }) {
  const [value, setValue] = useState(token.get());
  return (
    <form
      class="signin"
      onSubmit={(e) => {
        e.preventDefault();
        token.set(value.trim());
        changed();
      }}
    >
      <input name="token" type="password" placeholder="API token" value={value} onInput={(e) => setValue(e.currentTarget.value)} aria-label="API token" />
      <button type="submit">Use token</button>
    </form>
  );
}

function App() {
  const route = useRoute();
  // A new token re-renders every page, so each reads again with it.
  const [session, setSession] = useState(0);
  return (
    <>
      <header>
        <strong>Paybill</strong>
        <nav>
          <a href="#/tenants">Tenants</a>
          <a href="#/runs">Runs</a>
          <a href="#/approvals">Approvals</a>
          <a href="#/audit">Audit</a>
        </nav>
        <SignIn changed={() => setSession((s) => s + 1)} />
      </header>
      <main key={`${session}:${location.hash}`}>
        <Page route={route} />
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
